package grading

import (
	"math"
	"testing"
)

// FuzzScoreReview: any scores give a percentage in 0..100 or a validation
// error (a 422 with a message), never a panic.
func FuzzScoreReview(f *testing.F) {
	f.Add("statut", 3, "droits", 5, "clarte", 2)
	f.Add("statut", -1, "x", 1<<40, "", 0)
	rubric := DefaultExercises()[0].Rubric
	f.Fuzz(func(t *testing.T, k1 string, v1 int, k2 string, v2 int, k3 string, v3 int) {
		pct, err := ScoreReview(rubric, map[string]int{k1: v1, k2: v2, k3: v3})
		if err != nil {
			ve, ok := err.(*ValidationError)
			if !ok || ve.Key == "" {
				t.Fatalf("error %v is not a validation error", err)
			}
			return
		}
		if math.IsNaN(pct) || pct < 0 || pct > 100 {
			t.Fatalf("percentage %v", pct)
		}
	})
}
