package web

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"librecours/course"
)

// TestBrowserFormErrorsAccessible (issue #13 item 7) submits forms with
// invalid values in chromium (the browser's own checks off, as an old
// browser or a screen reader's form mode may submit), in French and English
// on a phone: the answer marks the field, the summary's link leads to its
// message, which stands just before the field (a Tab from there reaches
// it, as the label is above the message), and axe-core finds no serious or critical violation on the
// page with the error; every aria-describedby names ids on the page.
func TestBrowserFormErrorsAccessible(t *testing.T) {
	t.Parallel()
	chromium(t) // skips under -short before the slow set-up
	axeJS, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	shots := artifactsDir(t, "form-errors")
	f := newFixture(t)
	e := f.e
	coord := e.browser()
	coord.login(f.coord)
	acct := e.user("compte@example.org", "Claude Compte", course.RoleParticipant)
	own := e.browser()
	own.login(acct)
	anon := e.browser()
	sp := "/sessions/" + f.session.ID
	base := serveBrowser(t, e)
	b := newTab(t, base)

	cases := []struct {
		name, page, action string
		who                *browser
		values             map[string]string
		input              string // the field marked
	}{
		{"register", "/register", "/register", anon, map[string]string{"name": "Zoé", "email": "zoe@", "password": "Secret-typé-9876", "password_confirm": "Secret-typé-9876"}, "#email"},
		{"account password", "/account", "/account/password", own, map[string]string{"current_password": testPassword(acct.Email), "password": "court", "password_confirm": "court"}, "#new-password"},
		{"users", "/users", "/users", coord, map[string]string{"name": "Nouvel", "email": "nouvel@", "password": "Secret-typé-9876"}, "#email"},
		{"session capacity", sp, sp + "/capacity", coord, map[string]string{"capacity": "-4"}, "#capacity"},
		{"session shift", sp, sp + "/shift", coord, map[string]string{"days": "999"}, "#shift-days"},
		{"evaluation", sp + "/evaluation/edit", sp + "/evaluation/questions", coord, map[string]string{"attempts": "99"}, "#attempts"},
		{"rules", sp + "/close", sp + "/rules", coord, map[string]string{"pass_grade": "-5"}, "#pass_grade"},
	}
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) {
			b.t = t
			b.step("viewport", chromedp.ActionFunc(func(ctx context.Context) error {
				return emulation.SetDeviceMetricsOverride(390, 844, 1, false).Do(ctx)
			}))
			for _, tc := range cases {
				vals, _ := json.Marshal(tc.values)
				submit := fmt.Sprintf(`(() => { const f = document.querySelector('form[action=%q]'); const v = %s;
  for (const k in v) f.elements[k].value = v[k];
  f.noValidate = true; f.submit(); return true })()`, tc.action, vals)
				var ok bool
				var shot []byte
				var found []axeViolation
				var marked, target, focused string
				var dangling []string
				b.step(tc.name, browserCookies(base, lang, tc.who.cookies), b.open(tc.page, "form[action=\""+tc.action+"\"]"),
					chromedp.Evaluate(submit, &ok),
					chromedp.WaitReady(tc.input+`[aria-invalid="true"]`, chromedp.ByQuery),
					chromedp.FullScreenshot(&shot, 80),
					chromedp.Evaluate(`document.querySelector('[aria-invalid="true"]').id`, &marked),
					chromedp.Evaluate(`[...document.querySelectorAll('[aria-describedby]')].flatMap(el => el.getAttribute('aria-describedby').split(/\s+/)
  .filter(id => id && !document.getElementById(id)).map(id => (el.id || el.name) + ' -> #' + id))`, &dangling),
					chromedp.Click(".error-summary a", chromedp.ByQuery),
					chromedp.Evaluate(`(() => { const el = document.querySelector(location.hash); return el ? el.className + ':' + el.textContent.trim() : 'none ' + location.hash })()`, &target),
					chromedp.KeyEvent(kb.Tab),
					chromedp.Evaluate(`document.activeElement.id`, &focused),
					chromedp.Evaluate(string(axeJS)+";typeof axe === 'object'", &ok),
					chromedp.Evaluate(axeRun, &found, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
						return p.WithAwaitPromise(true)
					}))
				if err := os.WriteFile(filepath.Join(shots, fmt.Sprintf("%s-390-%s.jpg", lang, strings.ReplaceAll(tc.name, " ", "_"))), shot, 0o644); err != nil {
					t.Fatal(err)
				}
				if "#"+marked != tc.input {
					t.Errorf("%s: #%s marked, want %s", tc.name, marked, tc.input)
				}
				if !strings.HasPrefix(target, "field-error:") || len(target) <= len("field-error:") {
					t.Errorf("%s: the summary's link leads to %q, not the field's message", tc.name, target)
				}
				if focused != marked {
					t.Errorf("%s: Tab after the summary's link goes to #%s, not the field #%s", tc.name, focused, marked)
				}
				if len(dangling) > 0 {
					t.Errorf("%s: aria-describedby names ids not on the page: %v", tc.name, dangling)
				}
				for _, v := range found {
					if v.Impact == "serious" || v.Impact == "critical" {
						t.Errorf("%s: %s (%s) %s: %s", tc.name, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "; "))
					}
				}
			}
		})
	}
}
