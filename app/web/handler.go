package web

import (
	"context"
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
)

// The shapes every handler shares, written once: a handler for the
// signed-in caller (signedIn), a JSON endpoint that decodes, calls and
// encodes (apiJSON), a list answered as JSON (mapJSON), and a form that
// calls, then flashes and redirects or shows its page again (formAction).
// Every error still goes to the one error handler (errors.go).

// signedIn adapts a handler that needs the signed-in caller: without one,
// the request is refused as unauthenticated before the handler runs.
func signedIn(h func(c *fiber.Ctx, u *course.User) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		return h(c, u)
	}
}

// apiJSON adapts a JSON endpoint: the signed-in caller first (401), then
// the request's body decoded strictly into an In (decodeJSON; In =
// struct{} reads no body), then h, whose answer is encoded as JSON with
// 200, or 201 when h wraps it in created. h's error goes to the error
// handler.
func apiJSON[In any](h func(c *fiber.Ctx, u *course.User, in *In) (any, error)) fiber.Handler {
	return signedIn(func(c *fiber.Ctx, u *course.User) error {
		in, err := readBody[In](c)
		if err != nil {
			return err
		}
		return answerJSON(c)(h(c, u, in))
	})
}

// partAPI is apiJSON for a part of a session (:id, :n): a part that does
// not exist is 404 before the body is read.
func partAPI[In any](h func(c *fiber.Ctx, u *course.User, id string, n int, in *In) (any, error)) fiber.Handler {
	return onPart(func(c *fiber.Ctx, u *course.User, id string, n int) error {
		in, err := readBody[In](c)
		if err != nil {
			return err
		}
		return answerJSON(c)(h(c, u, id, n, in))
	})
}

// onPart adapts a handler of a part of a session (:id, :n) for the
// signed-in caller: 401 without one, then 404 for a part that does not
// exist.
func onPart(h func(c *fiber.Ctx, u *course.User, id string, n int) error) fiber.Handler {
	return signedIn(func(c *fiber.Ctx, u *course.User) error {
		id, n, err := partParams(c)
		if err != nil {
			return err
		}
		return h(c, u, id, n)
	})
}

// sessionAPI is apiJSON for a session (:id) the caller may see: the
// session is read (404, 403) before the body.
func (s *Server) sessionAPI(h func(c *fiber.Ctx, u *course.User, sess *course.Session, in *noBody) (any, error)) fiber.Handler {
	return apiJSON(func(c *fiber.Ctx, u *course.User, in *noBody) (any, error) {
		sess, err := s.course.Session(c.UserContext(), u, c.Params("id"))
		if err != nil {
			return nil, err
		}
		return h(c, u, sess, in)
	})
}

// coordinatorSession returns the session id for a coordinator: refused as
// not found when the caller may not see it, then as forbidden to others.
func (s *Server) coordinatorSession(ctx context.Context, u *course.User, id string) (*course.Session, error) {
	sess, err := s.course.Session(ctx, u, id)
	if err != nil {
		return nil, err
	}
	if !u.IsCoordinator() {
		return nil, course.ErrForbidden
	}
	return sess, nil
}

// readBody decodes the request's JSON body into an In; struct{} reads none.
func readBody[In any](c *fiber.Ctx) (*In, error) {
	var in In
	if _, none := any(in).(struct{}); !none {
		if err := decodeJSON(c, &in); err != nil {
			return nil, err
		}
	}
	return &in, nil
}

// answerJSON returns the function that sends a handler's answer: its error
// to the error handler, or the value as JSON (201 if created).
func answerJSON(c *fiber.Ctx) func(out any, err error) error {
	return func(out any, err error) error {
		if err != nil {
			return err
		}
		if cr, ok := out.(createdJSON); ok {
			c.Status(http.StatusCreated)
			out = cr.v
		}
		return c.JSON(out)
	}
}

// createdJSON is an apiJSON answer sent with 201 Created.
type createdJSON struct{ v any }

// created marks v as the answer of a request that created something (201).
func created(v any) any { return createdJSON{v} }

// noBody is the In of an endpoint that reads no JSON body.
type noBody = struct{}

// jsonOf turns a service call's two results into an endpoint's answer:
// the error as it is, or the value converted by to. A read endpoint is
// then one line: return jsonOf(toXJSON)(s.svc.X(ctx, u)).
func jsonOf[T, J any](to func(T) J) func(v T, err error) (any, error) {
	return func(v T, err error) (any, error) {
		if err != nil {
			return nil, err
		}
		return to(v), nil
	}
}

// listOf is mapJSON with f: the conversion of a whole list, for jsonOf.
func listOf[T, J any](f func(T) J) func([]T) []J {
	return func(items []T) []J { return mapJSON(items, f) }
}

// coordinatorBody refuses a caller who is not a coordinator (403) before
// it reads the request's body into v (decodeJSON).
func coordinatorBody(c *fiber.Ctx, u *course.User, v any) error {
	if !u.IsCoordinator() {
		return course.ErrForbidden
	}
	return decodeJSON(c, v)
}

// mapJSON converts each item to its JSON form. It never returns nil, so an
// empty list is encoded as [] and not null.
func mapJSON[T, J any](items []T, f func(T) J) []J {
	out := make([]J, 0, len(items))
	for _, it := range items {
		out = append(out, f(it))
	}
	return out
}

// formAction runs a posted form: act does the work; on success the person
// sees the flash message at next (303). On error, the page titled title is
// shown again with the error (formError), drawn by show; an errConfirm
// answers with its confirmation page instead.
func (s *Server) formAction(c *fiber.Ctx, flash, title, next string, act func() error, show func(p *page) error) error {
	if err := act(); err != nil {
		var ask errConfirm
		if errors.As(err, &ask) {
			return ask.show()
		}
		p := s.newPage(c, title)
		return s.formError(c, err, p, func() error { return show(p) })
	}
	s.flash(c, flash)
	return c.Redirect(next, http.StatusSeeOther)
}

// sendFile answers b as a download named filename (disposition
// "attachment"), of type contentType, with the Cache-Control cache.
func sendFile(c *fiber.Ctx, contentType, filename, cache string, b []byte) error {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	c.Set(fiber.HeaderCacheControl, cache)
	return c.Send(b)
}
