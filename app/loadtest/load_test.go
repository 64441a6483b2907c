package loadtest

import (
	"io"
	"testing"
	"time"
)

// TestLoadSmoke runs the load harness on a tiny dataset for a moment: every
// scenario runs, answers without error and is reported. It checks the
// harness, not the platform's speed (docs/performance.md has the figures, from
// go run ./app/cmd/load).
func TestLoadSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("the load smoke test runs without -short")
	}
	o := Options{Closed: []int{1}, ClosedSize: 4, Participants: []int{8}, Concurrency: 2,
		Duration: 150 * time.Millisecond, Warmup: 20 * time.Millisecond, ProfileDir: t.TempDir()}
	rep, err := Run(t.Context(), o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(rep.Runs))
	}
	run := rep.Runs[0]
	want := []string{"ceiling: GET /healthz", "dashboard page", "part page", "reviews to do (API)",
		"animator queue page", "submit (form)", "save a review (API)", "queue page + 10% review saves", "first review saves (API)"}
	if len(run.Scenarios) != len(want) {
		t.Fatalf("%d scenarios, want %d: %+v", len(run.Scenarios), len(want), run.Scenarios)
	}
	for i, s := range run.Scenarios {
		if s.Name != want[i] {
			t.Errorf("scenario %d is %q, want %q", i, s.Name, want[i])
		}
		if s.Requests == 0 || s.Errors != 0 {
			t.Errorf("%s: %d requests, %d errors (first: %s)", s.Name, s.Requests, s.Errors, s.FirstError)
		}
		if s.Ratio <= 0 {
			t.Errorf("%s: ratio to the ceiling %v", s.Name, s.Ratio)
		}
		if s.CPU <= 0 || s.PeakRSS <= 0 {
			t.Errorf("%s: CPU %v per request, peak RSS %d", s.Name, s.CPU, s.PeakRSS)
		}
	}
	// A pool used up once is warmed up on its first fifth (when it holds
	// five requests per client) and measured on the rest, none twice.
	for _, s := range run.Scenarios {
		if s.Pool == 0 {
			continue
		}
		want := 0
		if s.Pool >= 5*o.Concurrency {
			want = s.Pool / 5
		}
		if s.Warmed != want || s.Requests == 0 || s.Requests > s.Pool-s.Warmed {
			t.Errorf("%s: pool %d, %d warmed, %d measured; want %d warmed and the rest measured", s.Name, s.Pool, s.Warmed, s.Requests, want)
		}
	}
	if run.StartToReady <= 0 || run.TotalDocuments() == 0 || run.RSS == 0 {
		t.Errorf("start to ready %v, %d documents, RSS %d", run.StartToReady, run.TotalDocuments(), run.RSS)
	}
	if run.RawUpsert <= 0 || run.StoreSave <= 0 || run.StoreReviewSave <= 0 || run.RawSave <= 0 || run.RawReviewSave <= 0 {
		t.Errorf("raw upsert %v/s, the store's own saves: submissions %v/s, reviews %v/s, their statements run raw: %v/s and %v/s",
			run.RawUpsert, run.StoreSave, run.StoreReviewSave, run.RawSave, run.RawReviewSave)
	}
}
