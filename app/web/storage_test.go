package web

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"librecours/app/sqlstore"
	"librecours/course"
)

// TestFullDisk fills the embedded store's disk while a participant works:
// writes answer 503 with Retry-After (JSON in English, a French page), never
// 500; reads go on, a signed-in page too although its session cannot be
// touched; /readyz fails; failures are logged once, not per request. Once
// space is back, everything works again and nothing acknowledged is lost.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	ctx := t.Context()
	sqlDB := e.db.(*sqlstore.Store).DB()
	e.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	tok := e.token(f.part)
	path := "/api/v1/sessions/" + f.session.ID + "/parts/1/submission"
	if res := e.api("PUT", path, tok, map[string]string{"text": "Avant le disque plein"}); res.Status != 200 {
		t.Fatalf("save: %d %s", res.Status, res.Body)
	}
	b := e.browser()
	b.login(f.part)

	if err := sqlDB.LimitSize(ctx, 0); err != nil { // no page more: the disk is full
		t.Fatal(err)
	}
	if err := sqlDB.LimitSize(ctx, 1); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("Un texte qui ne tient plus sur le disque. ", 2000)
	for range 3 {
		res := e.api("PUT", path, tok, map[string]string{"text": big}, "Accept-Language", "en")
		if res.Status != http.StatusServiceUnavailable || res.errorCode() != "unavailable" || res.Header.Get("Retry-After") == "" || !strings.Contains(res.errorMessage(), "disk is full") {
			t.Fatalf("save on a full disk: %d %s %v", res.Status, res.Body, res.Header)
		}
	}
	if p := b.get("/readyz"); p.Status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz on a full disk: %d", p.Status)
	}
	// A signed-in page whose session is due a touch still answers.
	e.clock.Set(e.clock.Now().Add(5 * time.Minute))
	if p := b.get("/dashboard"); p.Status != http.StatusOK {
		t.Fatalf("dashboard on a full disk: %d", p.Status)
	}
	if res := e.api("GET", path, tok, nil); res.Status != 200 || !strings.Contains(string(res.Body), "Avant le disque plein") {
		t.Fatalf("read on a full disk: %d %s", res.Status, res.Body)
	}
	// A form post gets the localized page.
	b.lang = "fr"
	form := url.Values{"_csrf": {b.csrf("/dashboard")}, "text": {big}}
	if p := b.post(fmt.Sprintf("/sessions/%s/parts/1/submission", f.session.ID), form); p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Doc.Find("main").Text(), "disque est plein") {
		t.Fatalf("form on a full disk: %d %s", p.Status, p.Doc.Find("main").Text())
	}

	if err := sqlDB.LimitSize(ctx, 0); err != nil { // space is back
		t.Fatal(err)
	}
	if p := b.get("/readyz"); p.Status != http.StatusOK {
		t.Fatalf("/readyz with space back: %d", p.Status)
	}
	if res := e.api("PUT", path, tok, map[string]string{"text": big}); res.Status != 200 {
		t.Fatalf("save with space back: %d %s", res.Status, res.Body)
	}
}

// TestDatabaseLocked: another process holding the database's write lock
// (sqlite3 on the live file, say) gets 503, not 500, once the busy timeout
// runs out; the request after it is released succeeds.
func TestDatabaseLocked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := sqlstore.OpenStore(context.Background(), dir, sqlstore.Options{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	srv, err := testServer(testConfig(), s, clk.Now, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, srv: srv, clock: clk, db: s}
	u := e.user("lea@example.org", "Léa", course.RoleParticipant)
	tok := e.token(u)

	other, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlstore.FileName)+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	res := e.api("PUT", "/api/v1/me/notifications", tok, map[string]any{"kinds": map[string]bool{"deadline": false}})
	if res.Status != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("write while locked: %d %s", res.Status, res.Body)
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close()
	if res := e.api("PUT", "/api/v1/me/notifications", tok, map[string]any{"kinds": map[string]bool{"deadline": false}}); res.Status != 200 {
		t.Fatalf("write after the lock: %d %s", res.Status, res.Body)
	}
}
