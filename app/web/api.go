package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"librecours/assets"
	"librecours/course"
)

// decodeJSON reads a JSON body into v strictly: a body over 1 MiB is 413,
// malformed JSON or an unknown field is 400, a value of the wrong type is 422
// naming the field.
func decodeJSON(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(body) > maxBodyBytes {
		return errBodyTooLarge
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("app.error.json_empty")
	}
	// Every body is an object: null would decode as {} (a PUT setting every
	// field to its zero value), an array or a string as "not valid JSON".
	if bytes.TrimLeft(body, " \t\r\n")[0] != '{' {
		return badRequest("app.error.json_not_object")
	}
	// checkUTF8 looks only at bodies labelled JSON; one sent as text/plain
	// or unlabelled would be decoded with U+FFFD for each bad byte.
	if !utf8.Valid(body) || hasLoneSurrogate(body) {
		return errInvalidUTF8
	}
	if name, ok := duplicateName(body); ok {
		return badRequest("app.error.json_duplicate_key", "Field", name)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		if _, terr := dec.Token(); terr != io.EOF {
			return badRequest("app.error.json_trailing")
		}
		return nil
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return badRequest("app.error.json_malformed")
		}
		return &httpError{Status: http.StatusUnprocessableEntity, Code: "invalid", Key: "app.error.json_type", Field: field}
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("app.error.json_malformed")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for unknown fields.
		return badRequest("app.error.json_unknown_field", "Field", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
	default:
		return badRequest("app.error.json_malformed")
	}
}

// duplicateName returns a name given twice in one object of the JSON text
// b, which encoding/json would decode with the last value winning. Names
// are compared as the decoder matches fields, whatever their case, once
// unescaped. One pass over the bytes, values skipped without copying (a
// submission's text is most of its body); syntax errors are left to the
// decoder.
func duplicateName(b []byte) (string, bool) {
	type level struct {
		object bool
		atName bool // the next string is a name
		names  map[string]bool
	}
	var stack []level
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{':
			stack = append(stack, level{object: true, atName: true})
		case '[':
			stack = append(stack, level{})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].atName = true
			}
		case '"':
			j := i + 1
			for j < len(b) && b[j] != '"' {
				if b[j] == '\\' {
					j++
				}
				j++
			}
			if n := len(stack); n > 0 && stack[n-1].atName {
				var name string
				if json.Unmarshal(b[i:min(j+1, len(b))], &name) != nil {
					return "", false
				}
				l, key := &stack[n-1], strings.ToLower(name)
				if l.names[key] {
					return name, true
				}
				if l.names == nil {
					l.names = map[string]bool{}
				}
				l.names[key], l.atName = true, false
			}
			i = j
		}
	}
	return "", false
}

// parseTime reads an optional RFC 3339 time field.
func parseTime(field string, v *string) (*time.Time, error) {
	if v == nil {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(*v))
	if err != nil {
		return nil, course.Invalid(field, "app.error.time_invalid")
	}
	t = t.UTC()
	return &t, nil
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

type userJSON struct {
	ID     string   `json:"id"`
	Email  string   `json:"email"`
	Name   string   `json:"name"`
	Roles  []string `json:"roles"`
	Locale string   `json:"locale,omitempty"`
}

func toUserJSON(u *course.User) userJSON {
	j := userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Roles: []string{}, Locale: u.Locale}
	for _, r := range u.Roles {
		j.Roles = append(j.Roles, string(r))
	}
	return j
}

type partJSON struct {
	Number        int    `json:"number"`
	Title         string `json:"title"`
	OpensAt       string `json:"opens_at"`
	SubmissionDue string `json:"submission_due"`
	ReviewDue     string `json:"review_due"`
}

func toPartJSON(p course.Part) partJSON {
	return partJSON{Number: p.Number, Title: p.Title, OpensAt: rfc3339(p.OpensAt), SubmissionDue: rfc3339(p.SubmissionDue), ReviewDue: rfc3339(p.ReviewDue)}
}

type windowJSON struct {
	OpensAt string `json:"opens_at"`
	Due     string `json:"due"`
}

func toWindowJSON(w course.Window) windowJSON {
	return windowJSON{OpensAt: rfc3339(w.OpensAt), Due: rfc3339(w.Due)}
}

type sessionJSON struct {
	ID         string     `json:"id"`
	Code       string     `json:"code"`
	Format     string     `json:"format"`
	StartsOn   string     `json:"starts_on"`
	EndsOn     string     `json:"ends_on"`
	Status     string     `json:"status"`
	Capacity   int        `json:"capacity"`
	Enrolled   int        `json:"enrolled"`
	TimeZone   string     `json:"time_zone"`
	Parts      []partJSON `json:"parts"`
	Evaluation windowJSON `json:"evaluation"`
	Animators  []string   `json:"animators"`
	// WorkloadHours is the course's workload stated on the certificates.
	WorkloadHours int `json:"workload_hours"`
}

func toSessionJSON(s *course.Session, now time.Time) sessionJSON {
	j := sessionJSON{
		ID: s.ID, Code: s.Code, Format: string(s.Format), StartsOn: s.StartsOn, EndsOn: s.EndsOn,
		Status: string(s.Status(now)), Capacity: s.Capacity, Enrolled: s.Enrolled, TimeZone: s.TimeZone,
		Parts: mapJSON(s.Parts, toPartJSON), Evaluation: toWindowJSON(s.Evaluation),
		Animators: append([]string{}, s.Animators...), WorkloadHours: s.Workload(),
	}
	return j
}

func (s *Server) handleOpenAPI(c *fiber.Ctx) error {
	b, err := assets.OpenAPI()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(b)
}
