// Package storetest holds the conformance suites every backend passes: the
// same scenario tables run against app/sqlstore, against app/mongostore on
// FerretDB, and against a real MongoDB when LIBRECOURS_TEST_MONGODB_URI is
// set. A backend's test file calls Run with a function that opens a fresh,
// empty backend.
package storetest

import (
	"testing"
	"time"

	"librecours/app/store"
)

// Open returns a fresh, empty backend, closed when the test ends.
type Open func(t testing.TB) store.Backend

// T0 is the suites' reference time: whole milliseconds, as every backend
// keeps them.
var T0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// suites are the conformance suites, by name.
var suites = []struct {
	name string
	run  func(t *testing.T, open Open)
}{
	{"Course", Course},
	{"Undo", Undo},
	{"Auth", Auth},
	{"Grading", Grading},
	{"Evaluation", Evaluation},
	{"Certificates", Certificates},
	{"Notify", Notify},
	{"Monitoring", Monitoring},
	{"Privacy", Privacy},
	{"Backup", Backup},
	{"Workload", Workload},
}

// Run runs every suite against the backend open gives.
func Run(t *testing.T, open Open) {
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) { s.run(t, open) })
	}
}
