package web

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"librecours/course"
)

// serveBrowser serves the fixture's platform on loopback, for a browser or
// for requests fiber's app.Test would not carry (hostile ones), and
// returns its address.
func serveBrowser(t *testing.T, e *testEnv) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = e.srv.Shutdown(context.Background()) })
	return "http://" + ln.Addr().String()
}

// signIn signs u in (the test password) and waits for the dashboard link.
func (b *tab) signIn(u *course.User) {
	b.t.Helper()
	b.step("sign in "+u.Email,
		b.open("/login", "#email"),
		chromedp.SendKeys("#email", u.Email, chromedp.ByID),
		chromedp.SendKeys("#password", testPassword(u.Email)+kb.Enter, chromedp.ByID),
		chromedp.WaitVisible(`a[href="/dashboard"]`, chromedp.ByQuery))
}

// flash clicks sel and returns the flash message of the page it leads to.
func (b *tab) flash(name, path, sel string, before ...chromedp.Action) string {
	b.t.Helper()
	var got string
	actions := append([]chromedp.Action{b.open(path, sel)}, before...)
	actions = append(actions, chromedp.Click(sel, chromedp.ByQuery),
		chromedp.WaitVisible(".flash", chromedp.ByQuery), chromedp.Text(".flash", &got, chromedp.ByQuery))
	b.step(name, actions...)
	return got
}

// expected forgets the console's report of the answers with this status
// that a step provoked on purpose, and fails on any other error so far.
func (b *tab) expected(status string) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errs {
		if !strings.Contains(e, "status of "+status) {
			b.t.Fatalf("console error: %s", e)
		}
	}
	b.errs = nil
}

// eval runs a JavaScript expression (awaiting a promise) in the tab.
func (b *tab) eval(name, js string, out any) {
	b.t.Helper()
	b.step(name, chromedp.Evaluate(js, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
}

// TestBrowserCoordinatorTools does, in chromium and in each language, what
// a coordinator and a committed participant do around a session: declare
// availability, release a commitment and find it in the audit log, shift
// deadlines, import a CSV roster (a bad file first), export results and
// certificates, subscribe to and revoke a calendar feed, set the Mattermost
// channel, duplicate the session, switch a notification kind off and export
// one's own data.
func TestBrowserCoordinatorTools(t *testing.T) {
	t.Parallel()
	chromium(t) // skips under -short before any setup
	bundle, err := newBundle()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) {
			tr := newTranslator(bundle, lang)
			f := newFixture(t)
			ctx, e := t.Context(), f.e
			e.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
			q := committed(t, f)
			for _, u := range []*course.User{f.coord, q} {
				if err := e.srv.course.SetLocale(ctx, u, lang); err != nil {
					t.Fatal(err)
				}
			}
			base := serveBrowser(t, e)
			sp := "/sessions/" + f.session.ID
			want := func(what, got, id string) {
				t.Helper()
				if w := tr.T(id); got != w {
					t.Fatalf("%s: flash %q, want %q", what, got, w)
				}
			}

			// The committed participant says they are available, turns
			// deadline reminders off and exports their data.
			p := newTab(t, base)
			p.signIn(q)
			want("availability", p.flash("availability", "/dashboard", `form[action="/availability"] button[value="yes"]`), "app.flash.availability_saved")
			want("notifications", p.flash("notifications", "/account/notifications", `form[action="/account/notifications"] button[type="submit"]`,
				chromedp.Click(`input[name="kind_deadline"]`, chromedp.ByQuery)), "app.flash.notify_saved")
			var export string
			p.step("account", p.open("/account", `a[href="/account/export.json"]`))
			p.eval("export", `fetch(document.querySelector('a[href="/account/export.json"]').href).then(r => r.status + " " + r.headers.get("content-type"))`, &export)
			if !strings.HasPrefix(export, "200 application/json") {
				t.Fatalf("account export: %q", export)
			}

			c := newTab(t, base)
			c.signIn(f.coord)
			var lang2, pool string
			c.step("pool", c.open("/animators", `form[action="/animators/`+q.ID+`/release"] input[name="reason"]`),
				chromedp.Evaluate(`document.documentElement.lang`, &lang2), chromedp.Text("main", &pool, chromedp.ByQuery))
			if lang2 != lang || !strings.Contains(pool, q.Name) || !strings.Contains(pool, tr.T("app.animators.available")) {
				t.Fatalf("pool page (%s): %q", lang2, pool)
			}
			want("release", c.flash("release", "/animators", `form[action="/animators/`+q.ID+`/release"] button`,
				chromedp.Click(`td details summary`, chromedp.ByQuery),
				chromedp.SendKeys(`form[action="/animators/`+q.ID+`/release"] input[name="reason"]`, "Départ à l'étranger", chromedp.ByQuery)), "app.flash.commitment_released")
			var audit string
			c.step("audit", c.open("/audit?action=commitment.release", "table.audit td"), chromedp.Text("table.audit", &audit, chromedp.ByQuery))
			if !strings.Contains(audit, "Départ à l'étranger") {
				t.Fatalf("audit log: %q", audit)
			}

			before := f.session.Parts[0].SubmissionDue
			// Shifting asks first, stating by how much; the flash follows the confirmation.
			var shifted string
			c.step("shift", c.open(sp, `form[action$="/shift"] button`), chromedp.SetValue("#shift-days", "7", chromedp.ByID),
				chromedp.Click(`form[action$="/shift"] button`, chromedp.ByQuery),
				chromedp.WaitVisible(`.confirm button[type="submit"]`, chromedp.ByQuery),
				chromedp.Click(`.confirm button[type="submit"]`, chromedp.ByQuery),
				chromedp.WaitVisible(".flash", chromedp.ByQuery), chromedp.Text(".flash", &shifted, chromedp.ByQuery))
			want("shift", shifted, "app.flash.deadlines_shifted")
			if s, _ := e.db.Stores().Course.SessionByID(ctx, f.session.ID); !s.Parts[0].SubmissionDue.Equal(before.AddDate(0, 0, 7)) {
				t.Fatalf("part 1 due %v, was %v", s.Parts[0].SubmissionDue, before)
			}

			// A roster with a bad line is refused whole; the corrected one
			// enrols everyone and gives invitation links.
			dir := t.TempDir()
			bad, good := filepath.Join(dir, "bad.csv"), filepath.Join(dir, "good.csv")
			must(t, os.WriteFile(bad, []byte("email;name\nalice@example.org;Alice Dupont\npas-une-adresse;Bob\n"), 0o600))
			must(t, os.WriteFile(good, []byte("email;name\nalice@example.org;Alice Dupont\nbob@example.org;Bob Martin\n"), 0o600))
			var errs string
			c.step("import a bad roster", c.open(sp+"/import", "#file"), chromedp.SetUploadFiles("#file", []string{bad}, chromedp.ByID),
				chromedp.Click(`form[action$="/import"] button`, chromedp.ByQuery),
				chromedp.WaitVisible("ul.roster-errors li", chromedp.ByQuery), chromedp.Text("ul.roster-errors", &errs, chromedp.ByQuery))
			c.expected("422") // the refused roster's page
			if !strings.Contains(errs, "3") {
				t.Fatalf("errors of the bad roster: %q", errs)
			}
			if _, err := e.db.Stores().Course.UserByEmail(ctx, "alice@example.org"); err == nil {
				t.Fatal("a refused roster created an account")
			}
			var links []string
			c.step("import the roster", c.open(sp+"/import", "#file"), chromedp.SetUploadFiles("#file", []string{good}, chromedp.ByID),
				chromedp.Click(`form[action$="/import"] button`, chromedp.ByQuery),
				chromedp.WaitVisible(".roster-result", chromedp.ByQuery),
				chromedp.Evaluate(`[...document.querySelectorAll("code.invitation-url")].map(e => e.textContent)`, &links))
			if len(links) != 2 {
				t.Fatalf("invitation links: %v", links)
			}

			var results, certs string
			c.eval("results CSV", `fetch("`+sp+`/results.csv").then(r => r.arrayBuffer().then(b => r.status + " " + new Uint8Array(b).slice(0, 3).join(",")))`, &results)
			c.eval("certificates CSV", `fetch("`+sp+`/certificates.csv").then(r => r.status + " " + r.headers.get("content-type"))`, &certs)
			if results != "200 239,187,191" || !strings.HasPrefix(certs, "200 text/csv") {
				t.Fatalf("exports: results %q, certificates %q", results, certs)
			}

			var feed, got, gone string
			c.step("calendar", c.open(sp+"/calendar", `form[action$="/calendar"] button`),
				chromedp.Click(`form[action$="/calendar"] button`, chromedp.ByQuery),
				chromedp.WaitVisible("#calendar-url", chromedp.ByID), chromedp.Value("#calendar-url", &feed, chromedp.ByID))
			path := feed[strings.Index(feed, "/calendar/"):]
			c.eval("feed", `fetch("`+path+`").then(r => r.text().then(t => r.status + " " + t.slice(0, 15)))`, &got)
			c.step("revoke", chromedp.Click(`form[action$="/calendar/revoke"] button`, chromedp.ByQuery), chromedp.WaitVisible(".flash", chromedp.ByQuery))
			c.eval("revoked feed", `fetch("`+path+`").then(r => String(r.status))`, &gone)
			c.expected("404") // the revoked feed
			if got != "200 BEGIN:VCALENDAR" || gone != "404" {
				t.Fatalf("calendar feed %q, after revoking %q", got, gone)
			}

			want("webhook", c.flash("webhook", sp, `form[action$="/webhook"] button`,
				chromedp.SendKeys("#webhook-url", "https://mattermost.example.org/hooks/abc", chromedp.ByID)), "app.flash.webhook_saved")
			want("duplicate", c.flash("duplicate", sp, `form[action$="/duplicate"] button`,
				chromedp.SetValue("#dup-start", "2027-01-04", chromedp.ByID)), "app.flash.session_duplicated")
			var where string
			c.step("the copy", chromedp.Evaluate(`location.pathname`, &where))
			if !strings.HasPrefix(where, "/sessions/") || where == sp {
				t.Fatalf("after duplicating: %s", where)
			}
			for _, tb := range []*tab{p, c} {
				if errs := tb.consoleErrors(); len(errs) > 0 {
					t.Fatalf("console errors: %v", errs)
				}
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
