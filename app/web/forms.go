package web

import (
	"errors"
	"html/template"
	"librecours/course"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// formProblem is the error a posted form got: the field it is about (a
// ValidationError's Field; "" for the whole form), its message without the
// field's name, and the path the form was posted to (a page may hold
// several forms with the same field names).
type formProblem struct {
	Field   string
	Message string
	Action  string
	Posted  map[string][]string // every value posted, for checkboxes and multiple choices (never passwords)
}

// fail records a form's error on the page: the summary at the top
// (p.Error), the field to mark, and every value the person typed, so that
// the form shows again as they left it. Passwords are never sent back.
func (p *page) fail(c *fiber.Ctx, pr problem) {
	pr.Field = formField(pr.Field)
	p.Error = p.message(pr)
	p.Problem = &formProblem{Field: pr.Field, Message: p.T(pr.Key, pr.Args), Action: c.Path(), Posted: map[string][]string{}}
	keep := func(k, v string) {
		if k == "_csrf" || strings.Contains(k, "password") {
			return
		}
		p.Problem.Posted[k] = append(p.Problem.Posted[k], v)
		if _, set := p.Form[k]; !set {
			p.Form[k] = v
		}
	}
	if mf, err := c.MultipartForm(); err == nil && mf != nil {
		for k, vs := range mf.Value {
			for _, v := range vs {
				keep(k, v)
			}
		}
		return
	}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { keep(string(k), string(v)) })
}

// formField is the form field a ValidationError's field is about: a path
// into a list the form holds as one field ("questions[3].choices",
// "rubric[0].label") is about that field ("questions", "rubric").
func formField(field string) string {
	if i := strings.IndexAny(field, "[."); i > 0 {
		return field[:i]
	}
	return field
}

// on reports whether the form posted to action got an error about field.
func (p *page) on(action, field string) bool {
	return p.Problem != nil && p.Problem.Field == field && (action == "" || p.Problem.Action == action)
}

// errorID is the id of a field's error message, which the field names in
// aria-describedby and the summary at the top links to.
func errorID(field string) string { return "error-" + field }

// Invalid returns the attributes that mark the field of the form posted to
// action ("": any) as invalid and tie it to its message, or nothing. The
// ids of the field's help texts, if any, follow its message in
// aria-describedby (alone when the field is not in error).
func (p *page) Invalid(action, field string, help ...string) template.HTMLAttr {
	ids := strings.Join(help, " ")
	if !p.on(action, field) {
		if ids == "" {
			return ""
		}
		return template.HTMLAttr(`aria-describedby="` + template.HTMLEscapeString(ids) + `"`) // #nosec G203 -- escaped
	}
	ids = strings.TrimSpace(errorID(field) + " " + ids)
	return template.HTMLAttr(`aria-invalid="true" aria-describedby="` + template.HTMLEscapeString(ids) + `"`) // #nosec G203 -- escaped
}

// FieldError shows the message of the field's error beside it, or nothing.
func (p *page) FieldError(action, field string) template.HTML {
	if !p.on(action, field) {
		return ""
	}
	return template.HTML(`<p class="field-error" id="` + template.HTMLEscapeString(errorID(field)) + `">` + template.HTMLEscapeString(p.Problem.Message) + `</p>`) // #nosec G203 -- escaped
}

// ErrorLink is the anchor of the summary's link to the field in error ("":
// none).
func (p *page) ErrorLink() string {
	if p.Problem == nil || p.Problem.Field == "" {
		return ""
	}
	return "#" + errorID(p.Problem.Field)
}

// Value is what the field of the form posted to action ("": the page's only
// form) shows: what the person typed when that form got an error, def
// otherwise.
func (p *page) Value(action, field, def string) string {
	if p.Problem != nil && (action == "" || p.Problem.Action == action) {
		if v, ok := p.Form[field]; ok {
			return v
		}
	}
	return def
}

// Chosen reports whether the checkbox or option value of field is ticked
// in the form posted to action ("": the page's only form): as the person
// left it when that form got an error, def otherwise.
func (p *page) Chosen(action, field, value string, def bool) bool {
	if p.Problem == nil || (action != "" && p.Problem.Action != action) {
		return def
	}
	for _, v := range p.Problem.Posted[field] {
		if v == value {
			return true
		}
	}
	return false
}

// Failed reports whether the form posted to action got an error (its typed
// values are then in Form).
func (p *page) Failed(action string) bool {
	return p.Problem != nil && p.Problem.Action == action
}

// formError shows a form again with a localized message and the error's
// status (422 for invalid values). Server errors, and refusals that are not
// about the form (401, 403, 404), go to the error handler.
func (s *Server) formError(c *fiber.Ctx, err error, p *page, show func() error) error {
	pr := s.classify(err)
	setRetryAfter(c, err)
	switch pr.Status {
	case http.StatusInternalServerError, http.StatusServiceUnavailable,
		http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		if !errors.Is(err, course.ErrBadCredentials) {
			return err
		}
	}
	p.fail(c, pr)
	c.Status(pr.Status)
	return show()
}

// formPage returns a function that renders the template name with p.
func (s *Server) formPage(c *fiber.Ctx, name string, p *page) func() error {
	return func() error { return s.render(c, name, p) }
}
