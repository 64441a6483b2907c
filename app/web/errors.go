package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
)

// httpError is an error raised by the web layer itself (bad JSON, CSRF, …).
type httpError struct {
	Status int
	Code   string
	Key    string
	Args   map[string]any
	Field  string
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Code) }

func badRequest(key string, args ...any) *httpError {
	return &httpError{Status: http.StatusBadRequest, Code: "bad_request", Key: key, Args: kv2map(args)}
}

var (
	errCSRF         = &httpError{Status: http.StatusForbidden, Code: "csrf", Key: "app.error.csrf"}
	errBodyTooLarge = &httpError{Status: http.StatusRequestEntityTooLarge, Code: "payload_too_large", Key: "app.error.payload_too_large"}
)

// kv2map turns key, value pairs into a map (nil for none).
func kv2map(args []any) map[string]any {
	if len(args) == 0 {
		return nil
	}
	m := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		m[fmt.Sprint(args[i])] = args[i+1]
	}
	return m
}

// problem is what an error becomes for a person or a client.
type problem struct {
	Status int
	Code   string
	Key    string
	Args   map[string]any
	Field  string
}

// sentinels maps domain errors to their status, code and message ID. It is
// the one place where errors meet HTTP.
var sentinels = []struct {
	err    error
	status int
	code   string
}{
	{course.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
	{course.ErrNotFound, http.StatusNotFound, "not_found"},
	{course.ErrEmailTaken, http.StatusConflict, "email_taken"},
	{course.ErrAlreadyEnrolled, http.StatusConflict, "already_enrolled"},
	{course.ErrSessionFull, http.StatusConflict, "session_full"},
	{course.ErrSessionClosed, http.StatusConflict, "session_closed"},
	{course.ErrConflict, http.StatusConflict, "conflict"},
	{course.ErrForbidden, http.StatusForbidden, "forbidden"},
	{course.ErrRegistrationOff, http.StatusForbidden, "registration_off"},
	{course.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{course.ErrBadCredentials, http.StatusUnauthorized, "bad_credentials"},
	{course.ErrTooManyAttempts, http.StatusTooManyRequests, "too_many_attempts"},
	{grading.ErrPartNotOpen, http.StatusConflict, "part_not_open"},
	{grading.ErrSubmissionsClosed, http.StatusConflict, "submissions_closed"},
	{grading.ErrReviewsClosed, http.StatusConflict, "reviews_closed"},
	{grading.ErrReviewsNotOpen, http.StatusConflict, "reviews_not_open"},
	{grading.ErrTooLarge, http.StatusRequestEntityTooLarge, "payload_too_large"},
	{grading.ErrNoWork, http.StatusNotFound, "no_work"},
	{grading.ErrAlreadyFlagged, http.StatusConflict, "already_flagged"},
	{grading.ErrAlreadyReplied, http.StatusConflict, "already_replied"},
	{grading.ErrDialogueClosed, http.StatusConflict, "dialogue_closed"},
	{grading.ErrNoAttemptLeft, http.StatusConflict, "no_attempt_left"},
	{grading.ErrEvaluationClosed, http.StatusConflict, "evaluation_closed"},
	{certificates.ErrRevoked, http.StatusConflict, "revoked"},
	{certificates.ErrNotEligible, http.StatusConflict, "not_eligible"},
	{certificates.ErrCommitmentNotPending, http.StatusConflict, "commitment_not_pending"},
	{course.ErrLastCoordinator, http.StatusConflict, "last_coordinator"},
}

// classify turns any error into a problem. Unknown errors are 500. A
// domain package's not found, forbidden, conflict and validation errors
// are course's (course/errors.go), so each has one line here.
func classify(err error) problem {
	var he *httpError
	var ve *course.ValidationError
	var fe *fiber.Error
	var th *throttled
	switch {
	case errors.As(err, &th):
		return problem{Status: http.StatusTooManyRequests, Code: "too_many_attempts", Key: cmp.Or(th.Key, "app.error.too_many_attempts")}
	case errors.As(err, &he):
		return problem{Status: he.Status, Code: he.Code, Key: he.Key, Args: he.Args, Field: he.Field}
	case errors.As(err, &ve):
		return problem{Status: http.StatusUnprocessableEntity, Code: "invalid", Key: ve.Key, Args: ve.Args, Field: ve.Field}
	case errors.As(err, &fe):
		code := strings.ToLower(strings.ReplaceAll(http.StatusText(fe.Code), " ", "_"))
		key := "app.error.http"
		switch fe.Code {
		case http.StatusRequestEntityTooLarge:
			code, key = "payload_too_large", "app.error.payload_too_large"
		case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusBadRequest:
			key = "app.error." + code
		}
		return problem{Status: fe.Code, Code: code, Key: key}
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return problem{Status: s.status, Code: s.code, Key: "app.error." + s.code}
		}
	}
	return problem{Status: http.StatusInternalServerError, Code: "internal", Key: "app.error.internal"}
}

// classify is classify with the store's word on its own errors: a driver
// error that means the database failed is ErrUnavailable.
func (s *Server) classify(err error) problem {
	if s.unavailable != nil && s.unavailable(err) {
		err = course.ErrUnavailable
	}
	return classify(err)
}

// handleError is fiber's ErrorHandler: JSON for the API, an HTML page otherwise.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	p := s.classify(err)
	switch {
	case p.Status >= 500 && p.Status != http.StatusServiceUnavailable:
		s.log.Error("request failed", "method", c.Method(), "path", redactSecrets(c.Path()), "route", routePattern(c),
			"request_id", requestID(c), "err", err)
	case p.Status == http.StatusServiceUnavailable && p.Code == "unavailable":
		s.storageFailure(c, err)
	}
	tr := s.translator(c)
	msg := tr.message(p)
	if p.Status == http.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, "5")
	}
	setRetryAfter(c, err)
	// 431: the transport refused headers too large for its buffer and
	// forgot the request (path and language), so whether it was an API call
	// is unknown: the JSON body is what an API client needs, and a browser
	// still shows it.
	if isAPI(c) || p.Status == http.StatusRequestHeaderFieldsTooLarge {
		body := fiber.Map{"code": p.Code, "message": msg}
		if p.Field != "" {
			body["field"] = p.Field
		}
		return c.Status(p.Status).JSON(fiber.Map{"error": body})
	}
	if p.Status == http.StatusUnauthorized && c.Method() == fiber.MethodGet {
		return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), http.StatusSeeOther)
	}
	c.Status(p.Status)
	pg := s.newPage(c, "app.error.title")
	pg.Data = fiber.Map{"Status": p.Status, "Message": msg}
	if rerr := c.Render("pages/error", pg, "layouts/main"); rerr != nil {
		s.log.Error("render error page", "route", routePattern(c), "request_id", requestID(c), "err", rerr)
		c.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
		return c.Status(p.Status).SendString(msg)
	}
	return nil
}

func isAPI(c *fiber.Ctx) bool { return strings.HasPrefix(c.Path(), "/api/") }

// message is the localized text of a problem, naming the field when there
// is one (its label, or the field itself for rubric criteria and the like).
func (t *translator) message(p problem) string {
	msg := t.T(p.Key, p.Args)
	if p.Field == "" || p.Code != "invalid" {
		return msg
	}
	label := t.T("app.field." + p.Field)
	if label == "app.field."+p.Field {
		label = p.Field
	}
	return t.T("app.error.field", "Field", label, "Message", msg)
}

// ServerError reports whether err is answered 5xx: a failure of the
// platform (the store's, say) rather than an answer to the request (not
// found, conflict, invalid input). The metrics count store failures by it.
func ServerError(err error) bool { return classify(err).Status >= http.StatusInternalServerError }
