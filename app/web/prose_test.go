package web

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestTextsRenderedWhenSaved: a submission's and an exercise's Markdown is
// rendered and sanitised when saved and the HTML stored beside it; a text
// beyond the renderer's bounds is refused to its author with 422 and a
// message naming the problem and the line, in both languages, through the
// API and the form, and nothing is stored.
func TestTextsRenderedWhenSaved(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	f.e.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	if err := f.e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/sessions/" + f.session.ID + "/parts/1/submission"
	tok := f.e.token(f.part)
	if res := f.e.api("PUT", path, tok, map[string]string{"text": "Un *essai* <script>alert(1)</script> [lien](javascript:alert(1))"}); res.Status != 200 {
		t.Fatalf("submit: %d %s", res.Status, res.Body)
	}
	sub, err := f.e.srv.grading.Store.SubmissionByAuthor(ctx, f.session.ID, 1, f.part.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sub.TextHTML, "<em>essai</em>") || strings.Contains(sub.TextHTML, "<script") || strings.Contains(sub.TextHTML, "javascript:") {
		t.Fatalf("stored HTML %q", sub.TextHTML)
	}
	ex, err := f.e.srv.grading.Exercise(ctx, f.part, f.session.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ex.InstructionsHTML == "" || !strings.HasPrefix(ex.InstructionsHTML, "<") {
		t.Fatalf("a default exercise has no HTML: %q", ex.InstructionsHTML)
	}

	hostile := "Intro.\n\n" + strings.Repeat("*_a", 2000)
	for _, lang := range []struct{ code, want string }{{"fr", "ligne 3"}, {"en", "line 3"}} {
		res := f.e.api("PUT", path, tok, map[string]string{"text": hostile}, "Accept-Language", lang.code)
		if res.Status != 422 || !strings.Contains(res.errorMessage(), lang.want) {
			t.Fatalf("%s: hostile text: %d %s", lang.code, res.Status, res.Body)
		}
	}
	b := f.e.browser()
	b.login(f.part)
	form := "/sessions/" + f.session.ID + "/parts/1"
	p := b.post(form+"/submission", url.Values{"_csrf": {b.csrf(form)}, "text": {hostile}})
	if p.Status != 422 || !strings.Contains(p.HTML, "ligne 3") {
		t.Fatalf("form: %d %s", p.Status, p.HTML)
	}
	again, err := f.e.srv.grading.Store.SubmissionByAuthor(ctx, f.session.ID, 1, f.part.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Version != sub.Version || again.TextHTML != sub.TextHTML {
		t.Fatalf("a refused text changed the submission: version %d -> %d", sub.Version, again.Version)
	}

	// Instructions: the same bound, on their own field.
	ctok := f.e.token(f.coord)
	res := f.e.api("PUT", "/api/v1/sessions/"+f.session.ID+"/parts/2/exercise", ctok,
		map[string]any{"instructions": strings.Repeat("*_a", 2000), "rubric": ex.Rubric})
	if res.Status != 422 {
		t.Fatalf("hostile instructions: %d %s", res.Status, res.Body)
	}
	res = f.e.api("PUT", "/api/v1/sessions/"+f.session.ID+"/parts/2/exercise", ctok,
		map[string]any{"instructions": "Écrivez **deux** pages.", "rubric": ex.Rubric, "instructions_html": "<script>x</script>"})
	if res.Status != 400 {
		t.Fatalf("a client's HTML: %d %s", res.Status, res.Body)
	}
	res = f.e.api("PUT", "/api/v1/sessions/"+f.session.ID+"/parts/2/exercise", ctok,
		map[string]any{"instructions": "Écrivez **deux** pages.", "rubric": ex.Rubric})
	if res.Status != 200 {
		t.Fatalf("instructions: %d %s", res.Status, res.Body)
	}
	ex2, err := f.e.srv.grading.Store.Exercise(ctx, f.session.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if ex2.InstructionsHTML != "<p>Écrivez <strong>deux</strong> pages.</p>\n" {
		t.Fatalf("instructions HTML %q", ex2.InstructionsHTML)
	}
}
