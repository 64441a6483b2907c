package course

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The platform's error vocabulary. The course domain owns the errors every
// domain shares: not found, forbidden, not signed in, conflict, storage
// unavailable, and one ValidationError; grading, certificates and notify
// give these the same values under their own names (grading.ErrNotFound is
// course.ErrNotFound) and add only the errors of their own rules.
// app/web/errors.go alone maps them to HTTP statuses and message IDs;
// stores map driver errors to them.
var (
	ErrNotFound        = errors.New("course: not found")
	ErrEmailTaken      = errors.New("course: email already registered")
	ErrAlreadyEnrolled = errors.New("course: already enrolled")
	ErrSessionFull     = errors.New("course: session full")
	ErrSessionClosed   = errors.New("course: session closed")
	ErrForbidden       = errors.New("course: forbidden")
	ErrUnauthenticated = errors.New("course: not authenticated")
	ErrBadCredentials  = errors.New("course: bad credentials")
	ErrTooManyAttempts = errors.New("course: too many attempts")
	ErrRegistrationOff = errors.New("course: self-registration is off")
	ErrConflict        = errors.New("course: conflict")
	// ErrUnavailable marks a storage failure that is not the request's
	// fault: a full disk, an I/O error, a locked or unreachable database.
	// It is answered 503 with Retry-After, and /readyz fails.
	ErrUnavailable      = errors.New("course: storage unavailable")
	ErrCapacityTooSmall = errors.New("course: capacity below enrolled count")
)

// ValidationError reports one invalid field. Key is a translation message ID
// (for example "course.session.starts_on_invalid"); Args fill its template.
type ValidationError struct {
	Field string
	Key   string
	Args  map[string]any
}

// Error describes the error in English for logs ("invalid credit
// (grading.review.score_out_of_range; Max=6, Min=0)", arguments sorted by
// name); people read Key translated with Args.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid %s (%s", e.Field, e.Key)
	for i, k := range slices.Sorted(maps.Keys(e.Args)) {
		sep := ", "
		if i == 0 {
			sep = "; "
		}
		fmt.Fprintf(&b, "%s%s=%v", sep, k, e.Args[k])
	}
	b.WriteString(")")
	return b.String()
}

// Invalid returns a *ValidationError for field with message key.
func Invalid(field, key string) *ValidationError {
	return &ValidationError{Field: field, Key: key}
}
