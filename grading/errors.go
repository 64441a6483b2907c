package grading

import (
	"errors"

	"librecours/course"
)

// Errors of the peer exercises. The shared ones are course's (see
// course/errors.go); app/web/errors.go maps them all to statuses.
var (
	ErrNotFound          = course.ErrNotFound
	ErrForbidden         = course.ErrForbidden
	ErrConflict          = course.ErrConflict
	ErrPartNotOpen       = errors.New("grading: part not open yet")
	ErrSubmissionsClosed = errors.New("grading: submissions closed")
	ErrReviewsClosed     = errors.New("grading: reviews closed")
	ErrReviewsNotOpen    = errors.New("grading: reviews not open yet")
	ErrTooLarge          = errors.New("grading: content too large")
	ErrNoWork            = errors.New("grading: no review available")
	ErrAlreadyFlagged    = errors.New("grading: review already flagged")
	ErrAlreadyReplied    = errors.New("grading: review already answered")
	ErrDialogueClosed    = errors.New("grading: session closed, replies and ratings are final")
)
