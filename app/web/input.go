package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/requestid"
)

var errInvalidUTF8 = &httpError{Status: 400, Code: "invalid_utf8", Key: "app.error.invalid_utf8"}

// checkUTF8 refuses, with 400, a query string, form or JSON body holding
// text that is not UTF-8: it would otherwise be stored with U+FFFD in place
// of what was sent. Uploaded files are not text and are not checked; nor
// are other bodies (a CSV roster reports its own encoding problems).
func (s *Server) checkUTF8(c *fiber.Ctx) error {
	if !argsValid(c.Request().URI().QueryArgs().VisitAll) {
		return errInvalidUTF8
	}
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	switch {
	case len(c.Request().Body()) == 0:
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		if !argsValid(c.Request().PostArgs().VisitAll) {
			return errInvalidUTF8
		}
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		form, err := c.MultipartForm()
		if err != nil {
			break // the handler reports a malformed form
		}
		for k, vs := range form.Value {
			if !utf8.ValidString(k) {
				return errInvalidUTF8
			}
			for _, v := range vs {
				if !utf8.ValidString(v) {
					return errInvalidUTF8
				}
			}
		}
		for _, fhs := range form.File {
			for _, fh := range fhs {
				if !utf8.ValidString(fh.Filename) {
					return errInvalidUTF8
				}
			}
		}
	case strings.Contains(ct, "json"):
		if !utf8.Valid(c.Request().Body()) || hasLoneSurrogate(c.Request().Body()) {
			return errInvalidUTF8
		}
	}
	return c.Next()
}

// argsValid reports whether every decoded key and value visited is UTF-8.
func argsValid(visit func(func(k, v []byte))) bool {
	ok := true
	visit(func(k, v []byte) {
		if ok && (!utf8.Valid(k) || !utf8.Valid(v)) {
			ok = false
		}
	})
	return ok
}

// hasLoneSurrogate reports a JSON escape of half a UTF-16 surrogate pair
// ("\ud800" alone), which encoding/json would turn into U+FFFD.
func hasLoneSurrogate(b []byte) bool {
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		r, ok := hex4(b[i+2:])
		if b[i+1] != 'u' || !ok {
			i++ // an escape of one character, \\ included
			continue
		}
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return true // a low half first
		case r >= 0xD800 && r <= 0xDBFF:
			if i+12 > len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
				return true
			}
			if lo, ok := hex4(b[i+8:]); !ok || lo < 0xDC00 || lo > 0xDFFF {
				return true
			}
			i += 11
		default:
			i += 5
		}
	}
	return false
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}

// validRequestID reports whether a client's X-Request-ID may be kept: 8 to
// 64 characters of [A-Za-z0-9-]. Anything else could forge log lines or
// carry personal data, and is replaced by a generated ID.
func validRequestID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// requestIDs is fiber's requestid middleware, which keeps the client's ID
// when there is one, behind a check that drops an ID it should not keep.
func requestIDs() fiber.Handler {
	next := requestid.New()
	return func(c *fiber.Ctx) error {
		if id := c.Get(fiber.HeaderXRequestID); id != "" && !validRequestID(id) {
			c.Request().Header.Del(fiber.HeaderXRequestID)
		}
		return next(c)
	}
}

var errNotForm = &httpError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Key: "app.error.form_content_type"}

// formOnly refuses, with 415, a page's POST whose body is not form data
// (urlencoded or multipart): the handlers read fields with FormValue, which
// finds none in a JSON or text body, so the action ran as if every field
// had been left empty (a capacity cleared, every notification off). The
// API (JSON) is not concerned.
func formOnly(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if isAPI(c) {
		return c.Next()
	}
	ct := strings.ToLower(strings.TrimSpace(c.Get(fiber.HeaderContentType)))
	if !strings.HasPrefix(ct, fiber.MIMEApplicationForm) && !strings.HasPrefix(ct, fiber.MIMEMultipartForm) {
		return errNotForm
	}
	return c.Next()
}
