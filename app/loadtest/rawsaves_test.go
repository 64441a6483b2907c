package loadtest

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"librecours/app/sqlstore"
	"librecours/grading"
)

// TestRawSavesWriteTheStoresRows checks that the raw baseline runs the
// store's own statements on the store's own encoding: what rawSaves wrote,
// the store reads back as the saves it stands for.
func TestRawSavesWriteTheStoresRows(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, dir, sqlstore.Options{Holder: "test"})
	if err != nil {
		t.Fatal(err)
	}
	rubric := []grading.Criterion{{ID: "a", MaxPoints: 4}, {ID: "b", MaxPoints: 2}}
	f := newSaveFixture(2, "Un *texte* à l’essai", "<p>Un <em>texte</em> à l’essai</p>\n", rubric)
	if err := sqlstore.NewGradingStore(db).InsertReviews(ctx, f.reviews); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := rawSaves(ctx, filepath.Join(dir, sqlstore.FileName), 2, 20*time.Millisecond, f); err != nil {
		t.Fatal(err)
	}
	db, err = sqlstore.Open(ctx, dir, sqlstore.Options{Holder: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	gs := sqlstore.NewGradingStore(db)
	for g := range 2 {
		// The last save of goroutine g is read back as the save it was:
		// its number says which one.
		got, err := gs.SubmissionByID(ctx, f.submission(g, 0).ID)
		if err != nil {
			t.Fatal(err)
		}
		want := f.submission(g, got.Version-1)
		if got.Version < 1 || got.Text != want.Text || got.TextHTML != want.TextHTML || got.AuthorID != want.AuthorID ||
			!got.SubmittedAt.Equal(want.SubmittedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) || got.Late || got.Attachment != nil {
			t.Errorf("submission %d read back as %+v, want %+v", g, got, want)
		}
		vs, err := gs.Versions(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(vs); n == 0 || n != want.Version || vs[n-1].N != want.Version || vs[n-1].Text != want.Text || !vs[n-1].At.Equal(want.UpdatedAt) {
			t.Errorf("submission %d: versions %+v, want %d of them up to %d", g, vs, want.Version, want.Version)
		}
		gotR, err := gs.ReviewByID(ctx, f.reviews[g].ID)
		if err != nil {
			t.Fatal(err)
		}
		if gotR.DoneAt == nil {
			t.Fatalf("review %d read back undone: %+v", g, gotR)
		}
		wantR := f.review(g, int(gotR.DoneAt.Sub(f.at)/time.Second))
		if gotR.Status != grading.ReviewDone || !reflect.DeepEqual(gotR.Scores, wantR.Scores) || gotR.Comment != wantR.Comment ||
			gotR.Percent != wantR.Percent || !gotR.DoneAt.Equal(*wantR.DoneAt) || !gotR.UpdatedAt.Equal(wantR.UpdatedAt) {
			t.Errorf("review %d read back as %+v, want %+v", g, gotR, wantR)
		}
	}
}
