package grading

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExplain(t *testing.T) {
	share := func(w, c float64) ReviewShare { return ReviewShare{Weight: w, Corrected: c} }
	for _, tc := range []struct {
		name string
		g    Grade
		want Explanation
	}{
		{"animator", Grade{Score: 42, Source: SourceAnimator, Method: GradeMethodAnimator, ReviewCount: 3},
			Explanation{Key: "grading.explain.animator", Count: 3, PassMark: 50}},
		{"median", Grade{Score: 60, Source: SourcePeers, Method: GradeMethodPeersMedian, ReviewCount: 2, Reviews: []ReviewShare{share(0.5, 50), share(0.5, 70)}},
			Explanation{Key: "grading.explain.median", Count: 2, PassMark: 50, Passed: true}},
		{"model, kept before shares", Grade{Score: 50, Source: SourcePeers, Method: GradeMethodPeersModel, ReviewCount: 3},
			Explanation{Key: "grading.explain.model", Count: 3, PassMark: 50, Passed: true}},
		{"single review", Grade{Score: 58, Source: SourcePeers, Method: GradeMethodPeersModel, ReviewCount: 1, Reviews: []ReviewShare{share(0.6, 63.4)}},
			Explanation{Key: "grading.explain.single", Count: 1, Center: 63, PassMark: 50, Passed: true}},
		{"three agree", Grade{Score: 70, Source: SourcePeers, Method: GradeMethodPeersModel, ReviewCount: 3, Reviews: []ReviewShare{share(0.3, 68), share(0.3, 72), share(0.25, 70)}},
			Explanation{Key: "grading.explain.agree", Count: 3, Center: 70, PassMark: 50, Passed: true}},
		{"two agree, an outlier", Grade{Score: 68.5, Source: SourcePeers, Method: GradeMethodPeersModel, ReviewCount: 3, Reviews: []ReviewShare{share(0.4, 68), share(0.4, 72), share(0.05, 15)}},
			Explanation{Key: "grading.explain.outlier", Count: 2, Center: 70, Outliers: 1, PassMark: 50, Passed: true}},
		{"two agree, two outliers", Grade{Score: 30, Source: SourcePeers, Method: GradeMethodPeersModel, ReviewCount: 4, Reviews: []ReviewShare{share(0.02, 100), share(0.4, 30), share(0.4, 32), share(0.01, 0)}},
			Explanation{Key: "grading.explain.outliers", Count: 2, Center: 31, Outliers: 2, PassMark: 50}},
		{"one trusted review", Grade{Score: 24.6, Source: SourcePeers, Method: GradeMethodPeersModel, ReviewCount: 3, Reviews: []ReviewShare{share(0.1, 85), share(0.6, 15), share(0.2, 15)}},
			Explanation{Key: "grading.explain.trusted", Count: 1, Center: 15, Outliers: 2, PassMark: 50}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Explain(&tc.g)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNextInQueue(t *testing.T) {
	q := []QueueItem{{Submission: &Submission{ID: "a"}}, {Submission: &Submission{ID: "b"}}, {Submission: &Submission{ID: "c"}}}
	for _, tc := range []struct {
		queue []QueueItem
		at    string
		want  string
	}{
		{q, "a", "b"},
		{q, "b", "c"},
		{q, "c", "a"}, // the last leads back to the first
		{q, "z", "a"}, // not in the queue (graded): the first
		{q[:1], "a", ""},
		{q[:1], "z", "a"},
		{nil, "a", ""},
	} {
		if got := nextInQueue(tc.queue, tc.at); got != tc.want {
			t.Errorf("next after %q in %d items: %q, want %q", tc.at, len(tc.queue), got, tc.want)
		}
	}
}
