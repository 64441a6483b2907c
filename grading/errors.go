package grading

import "errors"

// Sentinel errors of the peer exercises; app/web/errors.go maps them to statuses.
var (
	ErrNotFound          = errors.New("grading: not found")
	ErrForbidden         = errors.New("grading: forbidden")
	ErrPartNotOpen       = errors.New("grading: part not open yet")
	ErrSubmissionsClosed = errors.New("grading: submissions closed")
	ErrReviewsClosed     = errors.New("grading: reviews closed")
	ErrReviewsNotOpen    = errors.New("grading: reviews not open yet")
	ErrTooLarge          = errors.New("grading: content too large")
	ErrNoWork            = errors.New("grading: no review available")
	ErrConflict          = errors.New("grading: conflict")
	ErrAlreadyFlagged    = errors.New("grading: review already flagged")
)
