package course_test

import (
	"context"
	"errors"
	"testing"

	"librecours/course"
)

// TestCreateSessionWorkload: a new session takes the workload given, or 25
// hours when none is.
func TestCreateSessionWorkload(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ given, want int }{{0, 25}, {30, 30}, {500, 500}} {
		st := newMem()
		sess, err := svcWith(st, "2026-01-05T08:00:00Z").CreateSession(context.Background(), coordinator(),
			course.NewSession{Format: "LCIII", StartsOn: "2026-03-02", WorkloadHours: tc.given})
		if err != nil {
			t.Fatal(err)
		}
		if sess.WorkloadHours != tc.want || st.sessions[sess.ID].WorkloadHours != tc.want {
			t.Errorf("workload %d: session has %d, store %d; want %d", tc.given, sess.WorkloadHours, st.sessions[sess.ID].WorkloadHours, tc.want)
		}
	}
	st := newMem()
	_, err := svcWith(st, "2026-01-05T08:00:00Z").CreateSession(context.Background(), coordinator(),
		course.NewSession{Format: "LCIII", StartsOn: "2026-03-02", WorkloadHours: 501})
	var ve *course.ValidationError
	if !errors.As(err, &ve) || ve.Field != "workload_hours" || len(st.sessions) != 0 {
		t.Errorf("CreateSession(501 h) = %v with %d sessions, want a workload_hours error and none", err, len(st.sessions))
	}
}

// TestSetWorkload: coordinators change a session's workload within bounds;
// nobody else may.
func TestSetWorkload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		actor *course.User
		id    string
		hours int
		want  error // nil, a sentinel, or errValidation
		after int
	}{
		{"coordinator", coordinator(), "s1", 30, nil, 30},
		{"one hour", coordinator(), "s1", 1, nil, 1},
		{"zero", coordinator(), "s1", 0, errValidation, 0},
		{"too many", coordinator(), "s1", 501, errValidation, 0},
		{"animator", animator("a1"), "s1", 30, course.ErrForbidden, 0},
		{"participant", participant("p1"), "s1", 30, course.ErrForbidden, 0},
		{"nobody", nil, "s1", 30, course.ErrForbidden, 0},
		{"no session", coordinator(), "nope", 30, course.ErrNotFound, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := newMem()
			lcIII(st)
			got, err := svcWith(st, "2026-01-05T08:00:00Z").SetWorkload(context.Background(), tc.actor, tc.id, tc.hours)
			switch {
			case tc.want == errValidation:
				var ve *course.ValidationError
				if !errors.As(err, &ve) || ve.Field != "workload_hours" {
					t.Fatalf("err = %v, want a workload_hours ValidationError", err)
				}
			case tc.want != nil:
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if got.Workload() != tc.after {
					t.Errorf("returned session states %d h, want %d", got.Workload(), tc.after)
				}
			}
			if w := st.sessions["s1"].WorkloadHours; w != tc.after {
				t.Errorf("stored workload = %d, want %d", w, tc.after)
			}
		})
	}
}

// errValidation marks the cases expecting a *course.ValidationError.
var errValidation = errors.New("validation error")

// TestDuplicateSessionWorkload: the copy states the source's workload, and
// a source from before the setting gives the default.
func TestDuplicateSessionWorkload(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want int }{{40, 40}, {0, 25}} {
		st := newMem()
		src := lcIII(st)
		src.WorkloadHours = tc.src
		got, err := svcWith(st, "2026-06-01T08:00:00Z").DuplicateSession(context.Background(), coordinator(), "s1", "2026-09-07")
		if err != nil {
			t.Fatal(err)
		}
		if got.WorkloadHours != tc.want {
			t.Errorf("copy of a %d h session states %d h, want %d", tc.src, got.WorkloadHours, tc.want)
		}
	}
}
