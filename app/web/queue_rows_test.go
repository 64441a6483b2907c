package web

import (
	"testing"
	"time"

	"librecours/grading"
)

// TestQueueRowsGradeAndSpread: a row shows the stored grade; while the part
// is open, the model's grade so far, marked so; otherwise a dash. The
// disagreement needs two reviews handed in.
func TestQueueRowsGradeAndSpread(t *testing.T) {
	t.Parallel()
	b, err := newBundle()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	items := []grading.QueueItem{
		{Submission: &grading.Submission{ID: "s1", Grade: &grading.Grade{Score: 72.5}}, Model: &grading.AggregateGrade{Grade: 60}, ReviewsDone: 3, Disagreement: 12.26, EnteredAt: at},
		{Submission: &grading.Submission{ID: "s2"}, Model: &grading.AggregateGrade{Grade: 48.26}, ReviewsDone: 2, Disagreement: 8},
		{Submission: &grading.Submission{ID: "s3"}, Model: &grading.AggregateGrade{Grade: 55}, ReviewsDone: 1, Disagreement: 0},
		{Submission: &grading.Submission{ID: "s4"}, ReviewsDone: 0},
	}
	for _, tc := range []struct {
		lang         string
		grades, gaps []string
	}{
		{"fr", []string{"72,5", "48,3 (provisoire)", "55,0 (provisoire)", "–"}, []string{"12,3", "8,0", "–", "–"}},
		{"en", []string{"72.5", "48.3 (so far)", "55.0 (so far)", "–"}, []string{"12.3", "8.0", "–", "–"}},
	} {
		p := &page{translator: newTranslator(b, tc.lang)}
		rows := queueRows(p, "Europe/Paris", items, 1)
		for i, r := range rows {
			if r.Grade != tc.grades[i] || r.Disagreement != tc.gaps[i] || r.Number != i+1 {
				t.Errorf("%s row %d: grade %q, disagreement %q, number %d; want %q, %q, %d", tc.lang, i, r.Grade, r.Disagreement, r.Number, tc.grades[i], tc.gaps[i], i+1)
			}
		}
	}
}
