// Package store names what a storage backend gives the platform: the domain
// stores (course, grading, certificates, notify), readiness, and a
// store-neutral backup. app/sqlstore (the embedded default) and
// app/mongostore (MongoDB, for scale) both implement Backend, and
// app/storetest holds the conformance suites they both pass.
package store

import (
	"context"
	"errors"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
	"librecours/notify"
)

// CourseStore is everything the course service keeps.
type CourseStore interface {
	course.Store
	course.RosterStore
	course.FeedStore
	course.PrivacyStore
}

// CertificateStore is everything the certificates service keeps, with the
// audit log.
type CertificateStore interface {
	certificates.Store
	certificates.AnimatorStore
}

// Stores are the domain stores of one backend.
type Stores struct {
	Course       CourseStore
	Auth         course.AuthStore
	Settings     course.SettingsStore
	Grading      grading.Store
	Evaluation   grading.EvaluationStore
	Certificates CertificateStore
	Outbox       notify.Store
}

// Backend is one database: the embedded SQLite store or MongoDB.
type Backend interface {
	// Kind is "sqlite" or "mongodb".
	Kind() string
	Stores() Stores
	// Ready reports whether the database answers and accepts writes; its
	// error wraps ErrUnavailable when it does not.
	Ready(ctx context.Context) error
	// Export writes every record of every collection of Collections to w,
	// from one consistent read where the backend can.
	Export(ctx context.Context, w RecordWriter) error
	// Import inserts the records of r into an empty database (ErrNotEmpty
	// otherwise), all of them or, where the backend can, none.
	Import(ctx context.Context, r RecordReader) error
	// Empty reports whether the database holds no record at all.
	Empty(ctx context.Context) (bool, error)
	// Unavailable reports whether err, from one of the stores, is a
	// failure of the database rather than an answer to the request:
	// ErrUnavailable, or a driver error that means the same.
	Unavailable(err error) bool
	Close() error
}

// ErrUnavailable marks a storage failure that is not the request's fault:
// the disk is full, an I/O error, the database is locked or unreachable. The
// web layer answers 503 with Retry-After, and /readyz fails. It is
// course.ErrUnavailable, the domain's name for it.
var ErrUnavailable = course.ErrUnavailable

// ErrNotEmpty is returned by Import into a database that holds data.
var ErrNotEmpty = errors.New("store: the target database is not empty")

// Unavailable reports whether err is a storage failure (ErrUnavailable).
func Unavailable(err error) bool { return errors.Is(err, ErrUnavailable) }
