package web

import (
	"testing"
	"time"
)

// TestSimpleMessagesMatchGoI18n: every message the translator fills in
// itself reads exactly as go-i18n would write it, in every language, with
// strings, numbers, times and a missing argument.
func TestSimpleMessagesMatchGoI18n(t *testing.T) {
	t.Parallel()
	b, err := newBundle()
	if err != nil {
		t.Fatal(err)
	}
	values := []any{"Zoé «x»", 42, 3.5, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	checked := 0
	for _, lang := range languages {
		tr := newTranslator(b, lang)
		if len(tr.simple) == 0 {
			t.Fatalf("%s: no message filled in by the translator", lang)
		}
		for id, segs := range tr.simple {
			for vi, v := range values {
				var args []any
				for i, s := range segs {
					if s.key != "" && !(vi == 0 && i == len(segs)-1) { // the first round leaves the last argument out
						args = append(args, s.key, v)
					}
				}
				if len(args) == 0 {
					continue
				}
				got, want := tr.T(id, args...), tr.localize(id, tr.localNumbers(kv2map(args))) // floats in the language either way
				if got != want {
					t.Errorf("%s %s with %v: %q, go-i18n writes %q", lang, id, args, got, want)
				}
				checked++
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d messages checked", checked)
	}
}
