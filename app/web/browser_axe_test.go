package web

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// axeRun runs axe-core on the page and returns its violations, each with
// the selectors of the elements at fault.
const axeRun = `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
  ID: v.id, Impact: v.impact || '', Help: v.help,
  Nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + (n.failureSummary ? ' (' + n.failureSummary.replace(/\s+/g, ' ').slice(0, 160) + ')' : ''))})))`

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// artifactsDir is where the browser tests save a screenshot of each step:
// $LIBRECOURS_ARTIFACTS (CI keeps it), or a new temporary folder the test
// names in its log.
func artifactsDir(t *testing.T, name string) string {
	t.Helper()
	root := os.Getenv("LIBRECOURS_ARTIFACTS")
	if root == "" {
		var err error
		if root, err = os.MkdirTemp("", "librecours-artifacts-"); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// TestBrowserAccessibility opens every page template (the cases of
// TestEveryTemplateRenders, each as the person it is shown to: participant,
// animator, coordinator, visitor) in chromium, in French and in English, on
// a phone 390 px wide and a desktop 1366 px wide, injects axe-core (vendored
// in testdata/axe, MPL-2.0) and fails on any serious or critical violation.
// A screenshot of each page is saved (see artifactsDir).
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel()
	chromium(t) // skips under -short before any setup
	chromium(t) // skips under -short before the slow set-up
	axeJS, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	shots := artifactsDir(t, "axe")
	f, cases := everyPage(t)
	base := serveBrowser(t, f.e)
	b := newTab(t, base)
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	slices.Sort(names)

	// The check can fail: a field without a label, added to the home page,
	// is a critical violation axe-core reports.
	var canary []axeViolation
	b.step("canary", b.open("/", "body"),
		chromedp.Evaluate(string(axeJS)+`;document.querySelector('main').insertAdjacentHTML('beforeend', '<input type="text" id="axe-canary">')`, nil),
		chromedp.Evaluate(axeRun, &canary, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
			return p.WithAwaitPromise(true)
		}))
	if !slices.ContainsFunc(canary, func(v axeViolation) bool {
		return v.ID == "label" && v.Impact == "critical" && slices.ContainsFunc(v.Nodes, func(n string) bool { return strings.Contains(n, "#axe-canary") })
	}) {
		t.Fatalf("axe-core missed an unlabelled field: %+v", canary)
	}
	checked := 0
	for _, lang := range languages {
		for _, width := range []int64{390, 1366} {
			t.Run(fmt.Sprintf("%s/%d", lang, width), func(t *testing.T) {
				b.t = t
				b.step("viewport", chromedp.ActionFunc(func(ctx context.Context) error {
					return emulation.SetDeviceMetricsOverride(width, 844, 1, false).Do(ctx)
				}))
				for _, name := range names {
					tc := cases[name]
					cookies := browserCookies(base, lang, tc.b.cookies)
					var shot []byte
					var found []axeViolation
					var loaded bool
					b.step(name, cookies, b.open(tc.path, "body"), chromedp.WaitReady(tc.want, chromedp.ByQuery),
						chromedp.FullScreenshot(&shot, 80),
						chromedp.Evaluate(string(axeJS)+";typeof axe === 'object'", &loaded),
						chromedp.Evaluate(axeRun, &found, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
							return p.WithAwaitPromise(true)
						}))
					file := filepath.Join(shots, fmt.Sprintf("%s-%d-%s.jpg", lang, width, strings.ReplaceAll(name, "/", "_")))
					if err := os.WriteFile(file, shot, 0o644); err != nil {
						t.Fatal(err)
					}
					if !loaded {
						t.Fatalf("%s: axe-core did not load", name)
					}
					checked++
					for _, v := range found {
						if v.Impact == "serious" || v.Impact == "critical" {
							t.Errorf("%s %s: %s (%s) %s: %s", name, tc.path, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "; "))
						}
					}
				}
				b.mu.Lock()
				b.errs = nil // the error page answers 404 on purpose
				b.mu.Unlock()
			})
		}
	}
	if want := len(cases) * len(languages) * 2; checked != want {
		t.Errorf("axe ran on %d pages, want %d", checked, want)
	}
}
