package web

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// widest lists, for a failure message, the elements that reach past the
// right edge of the viewport.
const widest = `(() => { const w = window.innerWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 0.5) out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') + ' ' + Math.round(r.right) + 'px');
  }
  return out.slice(-6).join(', ');
})()`

// menuShown is how the menu bar and the folded menu (<details>) of a
// signed-in page are displayed ("" for a page without them).
const menuShown = `(() => { const w = document.querySelector('.nav-wide'), m = document.querySelector('details.menu');
  return w && m ? getComputedStyle(w).display + ' ' + getComputedStyle(m).display : ''; })()`

// TestBrowserPageWidths opens every page template (the cases of
// TestEveryTemplateRenders, each as the person it is shown to) in chromium,
// in French and in English, on a phone 390 px wide and a desktop 1366 px
// wide: no page may be wider than the screen, and on the phone the menu is
// folded in a <details> (no JavaScript).
func TestBrowserPageWidths(t *testing.T) {
	t.Parallel()
	chromium(t) // skips under -short before any setup
	chromium(t) // skips under -short before the slow set-up
	f, cases := everyPage(t)
	base := serveBrowser(t, f.e)
	b := newTab(t, base)
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	slices.Sort(names)
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
					var got struct {
						Lang          string
						Scroll, Inner int64
					}
					var over, menu string
					b.step(name, cookies, b.open(tc.path, "body"), chromedp.WaitReady(tc.want, chromedp.ByQuery),
						chromedp.Evaluate(`({Lang: document.documentElement.lang, Scroll: document.documentElement.scrollWidth, Inner: window.innerWidth})`, &got),
						chromedp.Evaluate(widest, &over), chromedp.Evaluate(menuShown, &menu))
					wantMenu := map[int64]string{390: "none block", 1366: "block none"}[width]
					want := lang
					if l, ok := strings.CutPrefix(tc.path, "/achievements/level-"); ok {
						want = strings.TrimSuffix(l[2:], "?format=html") // the page of one language
					}
					switch {
					case got.Lang != want:
						t.Errorf("%s %s: page in %q", name, tc.path, got.Lang)
					case got.Inner != width:
						t.Errorf("%s %s: viewport %d px wide, want %d", name, tc.path, got.Inner, width)
					case menu != "" && menu != wantMenu:
						t.Errorf("%s %s: menu bar and folded menu shown as %q, want %q", name, tc.path, menu, wantMenu)
					case got.Scroll > got.Inner:
						t.Errorf("%s %s: %d px wide on a %d px screen; past the edge: %s", name, tc.path, got.Scroll, got.Inner, over)
					}
				}
				b.mu.Lock()
				b.errs = nil // the error page answers 404 on purpose
				b.mu.Unlock()
			})
		}
	}
}

// browserCookies gives the browser exactly the cookies of a page's person
// and the language's choice.
func browserCookies(base, lang string, own map[string]string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if err := network.ClearBrowserCookies().Do(ctx); err != nil {
			return err
		}
		jar := map[string]string{cookieLang: lang}
		for k, v := range own {
			jar[k] = v
		}
		for k, v := range jar {
			if err := network.SetCookie(k, v).WithURL(base).Do(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}
