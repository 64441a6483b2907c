package web

import (
	"fmt"
	"testing"
	"time"

	"librecours/course"
)

// TestSessionIndexPagesHistory: the sessions page lists every session not
// closed, and the closed ones twenty at a time, latest first.
func TestSessionIndexPagesHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t) // one open session
	ctx := t.Context()
	closedAt := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range 25 {
		s, err := f.e.srv.course.CreateSession(ctx, f.coord, course.NewSession{Format: "LCVI", StartsOn: fmt.Sprintf("2025-%02d-%02d", 1+i/28, 1+i%28)})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.e.db.Stores().Course.SetClosed(ctx, s.ID, &closedAt); err != nil {
			t.Fatal(err)
		}
	}
	b := f.e.browser()
	b.login(f.part)
	for _, tc := range []struct {
		query string
		rows  int
		first string // first closed code shown
	}{{"", 1 + 20, "LCVI-025"}, {"?page=2", 1 + 5, "LCVI-005"}, {"?page=9", 1 + 5, "LCVI-005"}} {
		p := b.get("/sessions" + tc.query)
		if p.Status != 200 {
			t.Fatalf("%s: %d", tc.query, p.Status)
		}
		rows := p.Doc.Find("tbody tr")
		if rows.Length() != tc.rows {
			t.Errorf("%s: %d rows, want %d", tc.query, rows.Length(), tc.rows)
		}
		if got := rows.Eq(0).Find("th").Text(); got != f.session.Code {
			t.Errorf("%s: first row %q, want the open session %s", tc.query, got, f.session.Code)
		}
		if got := rows.Eq(1).Find("th").Text(); got != tc.first {
			t.Errorf("%s: first closed row %q, want %s", tc.query, got, tc.first)
		}
	}
	if p := b.get("/sessions?page=zero"); p.Status != 400 {
		t.Fatalf("?page=zero: %d", p.Status)
	}
}
