package grading

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Review IDs are 128 bits, stable for the same assignment (a retried
// assignment inserts nothing twice) and unknowable without the secret.
func TestReviewIDKeyed(t *testing.T) {
	k1 := []byte(strings.Repeat("a", MinIDKey))
	k2 := []byte(strings.Repeat("b", MinIDKey))
	id := reviewID(k1, "s", 1, "rev", "sub")
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Fatalf("review ID %q is not 128 bits of hex", id)
	}
	for _, tc := range []struct {
		name string
		id   string
		same bool
	}{
		{"same assignment", reviewID(k1, "s", 1, "rev", "sub"), true},
		{"other key", reviewID(k2, "s", 1, "rev", "sub"), false},
		{"other part", reviewID(k1, "s", 2, "rev", "sub"), false},
		{"other reviewer", reviewID(k1, "s", 1, "rev2", "sub"), false},
		{"fields shifted", reviewID(k1, "s", 1, "re", "vsub"), false},
	} {
		if (tc.id == id) != tc.same {
			t.Errorf("%s: %q vs %q, same=%v", tc.name, tc.id, id, tc.same)
		}
	}
}

func TestIDKeyChecked(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		key  func(context.Context) ([]byte, error)
		ok   bool
	}{
		{"none", nil, true},
		{"long enough", func(context.Context) ([]byte, error) { return make([]byte, MinIDKey), nil }, true},
		{"short", func(context.Context) ([]byte, error) { return make([]byte, 8), nil }, false},
		{"failing", func(context.Context) ([]byte, error) { return nil, boom }, false},
	} {
		_, err := (&Service{IDKey: tc.key}).idKey(context.Background())
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
		}
	}
}
