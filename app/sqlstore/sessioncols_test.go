package sqlstore

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/course"
)

// FuzzSessionColumns: whatever text the fast decoders of the session
// columns accept, encoding/json reads too, to the same value.
func FuzzSessionColumns(f *testing.F) {
	at := time.Date(2026, 3, 2, 22, 59, 0, 0, time.UTC)
	parts, _ := partsJSON([]course.Part{
		{Number: 1, Title: "Réutiliser des œuvres : l'exemple", OpensAt: at, SubmissionDue: at.Add(time.Hour), ReviewDue: at.Add(48 * time.Hour)},
		{Number: 2, Title: `"<b>"`, OpensAt: at.Add(time.Nanosecond)},
	})
	window, _ := windowJSON(course.Window{OpensAt: at, Due: at.Add(time.Hour)})
	for _, seed := range []string{parts, window, `{"reviews_per_submission":3,"comment_min_length":20,"accept_late":true}`,
		`["a","b"]`, `[]`, `[{"number":01,"title":"x"}]`, `["\u00e9"]`, "[\"\xff\"]", `{"opens_at":"2026-03-02T24:00:00Z","due":"0001-01-01T00:00:00Z"}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fuzzColumn(t, s, fastParts)
		fuzzColumn(t, s, fastWindow)
		fuzzColumn(t, s, fastSettings)
		fuzzColumn(t, s, fastStrings)
	})
}

func fuzzColumn[T any](t *testing.T, s string, fast func(string) (T, bool)) {
	got, ok := fast(s)
	if !ok {
		return
	}
	var want T
	if err := json.Unmarshal([]byte(s), &want); err != nil {
		t.Fatalf("%q: read by the fast decoder as %+v, refused by encoding/json: %v", s, got, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("%q: fast decoder and encoding/json differ (-json +fast):\n%s", s, diff)
	}
}

// TestSessionColumnsTakeTheFastPath: the columns as this package writes
// them, French titles included, are read without encoding/json; a title
// that needs an escape is read by encoding/json, to the same session.
func TestSessionColumnsTakeTheFastPath(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 22, 59, 0, 123, time.UTC)
	ps := []course.Part{{Number: 1, Title: "Les bases du droit d'auteur en France", OpensAt: at, SubmissionDue: at.Add(time.Hour), ReviewDue: at.Add(2 * time.Hour)},
		{Number: 2, Title: "Réutiliser des œuvres existantes", OpensAt: at.Add(24 * time.Hour)}}
	col, err := partsJSON(ps)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := fastParts(col)
	if !ok {
		t.Fatalf("fastParts refused %s", col)
	}
	if diff := cmp.Diff([]partCol{toPartCol(ps[0]), toPartCol(ps[1])}, got); diff != "" {
		t.Fatalf("fastParts (-want +got):\n%s", diff)
	}
	w, _ := windowJSON(course.Window{OpensAt: at, Due: at.Add(time.Hour)})
	if _, ok := fastWindow(w); !ok {
		t.Fatalf("fastWindow refused %s", w)
	}
	set, err := jsonText(settingsCol{ReviewsPerSubmission: 3, CommentMinLength: 20, AcceptLate: true})
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := fastSettings(set); !ok || st != (settingsCol{3, 20, true}) {
		t.Fatalf("fastSettings(%s) = %+v, %v", set, st, ok)
	}
	if an, ok := fastStrings(`["a1","b2"]`); !ok || len(an) != 2 || an[1] != "b2" {
		t.Fatalf("fastStrings = %v, %v", an, ok)
	}
	// A title with an escape goes to encoding/json, to the same value.
	ps[0].Title = `Le "libre" <et> \ le reste`
	col, _ = partsJSON(ps)
	if _, ok := fastParts(col); ok {
		t.Fatalf("fastParts read an escaped title itself: %s", col)
	}
	dec, err := decodeColumn(col, fastParts)
	if err != nil || dec[0].Title != ps[0].Title {
		t.Fatalf("decodeColumn = %+v, %v", dec, err)
	}
}
