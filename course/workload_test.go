package course

import (
	"errors"
	"testing"
)

// TestValidateWorkload: a session's workload is a whole number of hours
// from 1 to 500, refused with a localized error on workload_hours.
func TestValidateWorkload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hours int
		ok    bool
	}{
		{-1, false}, {0, false}, {1, true}, {25, true}, {30, true}, {500, true}, {501, false}, {100000, false},
	}
	for _, tc := range tests {
		err := ValidateWorkload(tc.hours)
		if tc.ok {
			if err != nil {
				t.Errorf("ValidateWorkload(%d) = %v, want nil", tc.hours, err)
			}
			continue
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "workload_hours" || ve.Key != KeyWorkloadInvalid ||
			ve.Args["Min"] != 1 || ve.Args["Max"] != MaxWorkloadHours {
			t.Errorf("ValidateWorkload(%d) = %#v, want workload_hours %s with Min 1 and Max %d", tc.hours, err, KeyWorkloadInvalid, MaxWorkloadHours)
		}
	}
}

// TestNewSessionWorkload: a new session's workload may be left out (0, the
// default applies) or given within bounds.
func TestNewSessionWorkload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hours int
		field string
	}{
		{0, ""}, {1, ""}, {30, ""}, {500, ""}, {-5, "workload_hours"}, {501, "workload_hours"},
	}
	for _, tc := range tests {
		_, _, _, err := NewSession{Format: "LCIII", StartsOn: "2026-03-02", WorkloadHours: tc.hours}.Validate()
		if got := fieldOf(err); got != tc.field || (tc.field == "" && err != nil) {
			t.Errorf("Validate(workload %d) = %v (field %q), want field %q", tc.hours, err, got, tc.field)
		}
	}
}

// TestSessionWorkload: a session from before the setting (0) states the
// default; a set one states its own.
func TestSessionWorkload(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ stored, want int }{{0, DefaultWorkloadHours}, {-3, DefaultWorkloadHours}, {30, 30}, {1, 1}} {
		s := Session{WorkloadHours: tc.stored}
		if got := s.Workload(); got != tc.want {
			t.Errorf("Session{WorkloadHours: %d}.Workload() = %d, want %d", tc.stored, got, tc.want)
		}
	}
	if DefaultWorkloadHours != 25 {
		t.Errorf("DefaultWorkloadHours = %d, want 25 (the course's usual workload)", DefaultWorkloadHours)
	}
}
