package course

import (
	"errors"
	"fmt"
)

// Sentinel errors of the course domain. app/web/errors.go maps them to HTTP statuses
// and message IDs; stores map driver errors to them.
var (
	ErrNotFound         = errors.New("course: not found")
	ErrEmailTaken       = errors.New("course: email already registered")
	ErrAlreadyEnrolled  = errors.New("course: already enrolled")
	ErrSessionFull      = errors.New("course: session full")
	ErrSessionClosed    = errors.New("course: session closed")
	ErrForbidden        = errors.New("course: forbidden")
	ErrUnauthenticated  = errors.New("course: not authenticated")
	ErrBadCredentials   = errors.New("course: bad credentials")
	ErrTooManyAttempts  = errors.New("course: too many attempts")
	ErrRegistrationOff  = errors.New("course: self-registration is off")
	ErrConflict         = errors.New("course: conflict")
	ErrCapacityTooSmall = errors.New("course: capacity below enrolled count")
)

// ValidationError reports one invalid field. Key is a translation message ID
// (for example "course.session.starts_on_invalid"); Args fill its template.
type ValidationError struct {
	Field string
	Key   string
	Args  map[string]any
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s (%s)", e.Field, e.Key)
}

// Invalid returns a *ValidationError for field with message key.
func Invalid(field, key string) *ValidationError {
	return &ValidationError{Field: field, Key: key}
}
