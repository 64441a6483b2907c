package web

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	cdpage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromium finds Debian's chromium, which .ci/run installs.
func chromium(t *testing.T) string {
	if testing.Short() {
		t.Skip("the browser tests run without -short")
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("the browser tests need Debian's chromium: apt-get install chromium (.ci/run does)")
	return ""
}

// tab is one browser tab driving the platform, which keeps the console
// errors it sees and saves a screenshot when a step fails.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	mu   sync.Mutex
	errs []string
}

func newTab(t *testing.T, base string) *tab {
	// Chromium sometimes fails to start on a loaded machine ("chrome
	// failed to start"): try again, a few times, before failing.
	var err error
	for range 3 {
		var tb *tab
		if tb, err = startTab(t, base); err == nil {
			return tb
		}
		t.Logf("starting chromium: %v", err)
	}
	t.Fatal(err)
	return nil
}

func startTab(t *testing.T, base string) (*tab, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.WindowSize(1280, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel2 := chromedp.NewContext(actx)
	tb := &tab{t: t, ctx: ctx, base: base}
	chromedp.ListenTarget(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError {
				tb.errs = append(tb.errs, "console error")
			}
		case *runtime.EventExceptionThrown:
			tb.errs = append(tb.errs, e.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded: // CSP violations and failed loads land here
			if e.Entry.Level == cdplog.LevelError {
				tb.errs = append(tb.errs, e.Entry.Text)
			}
		}
	})
	if err := chromedp.Run(ctx, cdplog.Enable()); err != nil {
		cancel2()
		cancel()
		return nil, err
	}
	t.Cleanup(cancel)
	t.Cleanup(cancel2)
	return tb, nil
}

// step runs actions with a time bound; on failure it saves a screenshot.
func (b *tab) step(name string, actions ...chromedp.Action) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		var shot []byte
		sctx, c2 := context.WithTimeout(b.ctx, 5*time.Second)
		_ = chromedp.Run(sctx, chromedp.CaptureScreenshot(&shot))
		c2()
		dir := filepath.Join(os.TempDir(), "librecours-browser")
		_ = os.MkdirAll(dir, 0o755)
		file := filepath.Join(dir, strings.ReplaceAll(b.t.Name()+"-"+name, "/", "_")+".png")
		_ = os.WriteFile(file, shot, 0o644)
		b.t.Fatalf("%s: %v (screenshot: %s)", name, err, file)
	}
}

// open navigates, waits until the document is the one asked for and has
// loaded (so no element of the previous page is matched), then waits for sel.
func (b *tab) open(path, sel string) chromedp.Action {
	check := fmt.Sprintf("location.pathname + location.search === %q && document.readyState === 'complete'", path)
	return chromedp.Tasks{
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, _, _, _, err := cdpage.Navigate(b.base + path).Do(ctx)
			return err
		}),
		chromedp.ActionFunc(func(ctx context.Context) error {
			// Evaluating fails while the old document goes away: try again.
			for {
				var ok bool
				if err := chromedp.Evaluate(check, &ok).Do(ctx); err == nil && ok {
					return nil
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
		}),
		chromedp.WaitVisible(sel, chromedp.ByQuery),
	}
}

func (b *tab) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errs...)
}

// TestBrowser drives the platform in Debian's chromium: a participant signs
// in, fills the submission form with the keyboard alone and reviews, switches
// language; a coordinator closes the session and downloads a certificate.
// No page may log a console error (a CSP violation would).
func TestBrowser(t *testing.T) {
	t.Parallel()
	chromium(t) // skips under -short before any setup
	f := newFixture(t)
	ctx := t.Context()
	e := f.e
	e.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)) // part 1 is open
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	base := serveBrowser(t, e)

	b := newTab(t, base)
	b.signIn(f.part)

	part1 := "/sessions/" + f.session.ID + "/parts/1"
	var flash string
	b.step("keyboard-only submission",
		b.open(part1, "#text"),
		chromedp.Focus("#text", chromedp.ByID),
		chromedp.KeyEvent("Mon travail, tapé au clavier : la licence CC BY-SA permet le partage à l'identique."),
		chromedp.KeyEvent(kb.Tab), // the file field
		chromedp.KeyEvent(kb.Tab), // the submit button
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(".flash", chromedp.ByQuery),
		chromedp.Text(".flash", &flash, chromedp.ByQuery))
	sub, err := e.srv.grading.Store.SubmissionByAuthor(ctx, f.session.ID, 1, f.part.ID)
	if err != nil || !strings.Contains(sub.Text, "CC BY-SA") {
		t.Fatalf("submission after the keyboard-only form: %+v %v (flash %q)", sub, err, flash)
	}
	f.peerWork(t) // four others submit part 1; reviews are assigned

	tasks, err := e.srv.grading.MyReviews(ctx, f.part, f.session.ID, 1)
	if err != nil || len(tasks) == 0 {
		t.Fatalf("reviews: %v", err)
	}
	actions := []chromedp.Action{b.open("/reviews/"+tasks[0].Review.ID, "#comment")}
	for _, c := range tasks[0].Rubric {
		actions = append(actions, chromedp.SetValue("#score-"+c.ID, "1", chromedp.ByID))
	}
	actions = append(actions,
		chromedp.SendKeys("#comment", "Un travail clair ; développez davantage les exceptions au droit d'auteur.", chromedp.ByID),
		chromedp.Submit("#comment", chromedp.ByID),
		chromedp.WaitVisible(".flash", chromedp.ByQuery))
	b.step("review", actions...)
	if r, _ := e.srv.grading.Store.ReviewByID(ctx, tasks[0].Review.ID); r.Status != "done" {
		t.Fatalf("review status %s", r.Status)
	}

	// The browser asks for English; the participant chose French before.
	if err := e.srv.course.SetLocale(ctx, f.part, "fr"); err != nil {
		t.Fatal(err)
	}
	var lang, header string
	b.step("switch to English",
		b.open("/dashboard", `header button[name="lang"][value="en"]`),
		chromedp.Evaluate(`document.documentElement.lang`, &lang),
		chromedp.Click(`header button[name="lang"]`, chromedp.ByQuery))
	if lang != "fr" {
		t.Fatalf("page language before switching: %q", lang)
	}
	for i := 0; ; i++ { // one click, remembered for the account
		if u, _ := e.db.Stores().Course.UserByID(ctx, f.part.ID); u.Locale == "en" {
			break
		}
		if i == 200 {
			t.Fatal("the language choice was not remembered")
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.step("English pages",
		b.open("/sessions", `html[lang="en"]`),
		chromedp.Text("header", &header, chromedp.ByQuery))
	if !strings.Contains(header, "Sign out") {
		t.Fatalf("header after switching: %q", header)
	}

	// The coordinator closes the session in the browser and downloads a certificate.
	if err := e.srv.certs.SetOverride(ctx, f.coord, f.session.ID, f.part.ID, 1, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	c := newTab(t, base)
	c.signIn(f.coord)
	c.step("close the session",
		c.open("/sessions/"+f.session.ID+"/close", `form[action$="/close"] button`),
		chromedp.Click(`form[action$="/close"] button`, chromedp.ByQuery),
		// The confirmation page states what closing does, then closes.
		chromedp.WaitVisible(`.confirm button[type="submit"]`, chromedp.ByQuery),
		chromedp.Click(`.confirm button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`svg[role="img"]`, chromedp.ByQuery))
	var download string
	c.step("download the certificate",
		c.open("/sessions/"+f.session.ID+"/certificates", `a[href$=".pdf"]`),
		chromedp.Evaluate(`fetch(document.querySelector('a[href$=".pdf"]').href).then(r => r.status + " " + r.headers.get("content-type"))`, &download,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if download != "200 application/pdf" {
		t.Fatalf("certificate download: %q", download)
	}
	for _, tb := range []*tab{b, c} {
		if errs := tb.consoleErrors(); len(errs) > 0 {
			t.Fatalf("console errors: %v", errs)
		}
	}
}
