package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"librecours/course"
)

// TestFormErrorsMarkTheField: a refused form comes back with 422, the
// field in error marked (aria-invalid, aria-describedby naming its message
// beside it), a summary at the top linking to that message, and every value
// the person typed, not the stored ones.
func TestFormErrorsMarkTheField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, rid := f.peerWork(t) // part 1 in reviews; clock on 2 March 2026
	e := f.e
	coord := e.browser()
	coord.login(f.coord)
	part := e.browser()
	part.login(f.part)
	sp := "/sessions/" + f.session.ID
	late := e.user("late@example.org", "Lou Retard", course.RoleParticipant) // may still submit part 1, late
	if err := e.srv.course.Enrol(t.Context(), f.coord, f.session.ID, late.ID); err != nil {
		t.Fatal(err)
	}
	lateb := e.browser()
	lateb.login(late)
	markdownBomb := strings.Repeat("*a* ", 1001)

	for _, tc := range []struct {
		name  string
		post  func() page2
		field string            // the ValidationError's field
		input string            // the selector of its input
		kept  map[string]string // selector -> value typed
	}{
		{"session creation", func() page2 {
			return coord.post("/sessions", url.Values{"_csrf": {coord.csrf("/sessions/new")}, "format": {"LCVI"}, "starts_on": {"2026-02-31"}, "capacity": {"12"}})
		}, "starts_on", "#starts_on", map[string]string{"#starts_on": "2026-02-31", "#capacity": "12", `input[name="format"][checked]`: "LCVI"}},
		{"evaluation window", func() page2 {
			return coord.post(sp+"/evaluation", url.Values{"_csrf": {coord.csrf(sp)}, "opens_at": {"2026-05-10T10:00"}, "due": {"2026-05-01T10:00"}})
		}, "due", "#eval-due", map[string]string{"#eval-opens": "2026-05-10T10:00", "#eval-due": "2026-05-01T10:00"}},
		{"part dates", func() page2 {
			return coord.post(sp+"/parts/2", url.Values{"_csrf": {coord.csrf(sp)}, "title": {"Nouveau titre"}, "opens_at": {"pas une date"}})
		}, "opens_at", "#opens-2", map[string]string{"#title-2": "Nouveau titre", "#opens-2": "pas une date"}},
		{"exercise", func() page2 {
			return coord.post(sp+"/parts/1/exercise", url.Values{"_csrf": {coord.csrf(sp + "/parts/1/exercise/edit")}, "instructions": {markdownBomb},
				"criterion_id": {""}, "criterion_label": {"Clarté"}, "criterion_points": {"5"}})
		}, "instructions", "#instructions", map[string]string{"#instructions": markdownBomb, "#label-0": "Clarté", "#points-0": "5"}},
		{"review", func() page2 {
			form := url.Values{"_csrf": {part.csrf("/reviews/" + rid)}, "comment": {"Trop court"}}
			part.get("/reviews/" + rid).Doc.Find(`input[name^="score_"]`).Each(func(_ int, in *goquery.Selection) {
				name, _ := in.Attr("name")
				form.Set(name, "1")
			})
			return part.post("/reviews/"+rid, form)
		}, "comment", "#comment", map[string]string{"#comment": "Trop court", `input[name^="score_"]`: "1"}},
		{"submission", func() page2 {
			return lateb.uploadForm(sp+"/parts/1/submission", map[string]string{"_csrf": lateb.csrf(sp + "/parts/1"), "text": markdownBomb}, "", nil)
		}, "text", "#text", map[string]string{"#text": markdownBomb}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.post()
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", p.Status, squeeze(p.Doc.Find(".alert").Text()))
			}
			in := p.Doc.Find(tc.input)
			if v, _ := in.Attr("aria-invalid"); v != "true" {
				h, _ := goquery.OuterHtml(in)
				t.Errorf("%s not marked invalid: %s", tc.input, h)
			}
			desc, _ := in.Attr("aria-describedby")
			id := "error-" + tc.field
			if !strings.Contains(" "+desc+" ", " "+id+" ") || p.Doc.Find("#"+id+".field-error").Length() != 1 {
				t.Errorf("%s: aria-describedby %q, message #%s: %d", tc.input, desc, id, p.Doc.Find("#"+id).Length())
			}
			if href, _ := p.Doc.Find(".error-summary a").Attr("href"); href != "#"+id {
				t.Errorf("summary links to %q, want #%s", href, id)
			}
			for sel, want := range tc.kept {
				s := p.Doc.Find(sel)
				got, ok := s.Attr("value")
				if !ok {
					got = s.Text()
				}
				if got != want {
					t.Errorf("%s shows %q after the error, typed %q", sel, short(got), short(want))
				}
			}
		})
	}
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
