package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"librecours/grading"
)

// Rubric levels (issue #12 item 6): written on the exercise form one a
// line, shown to the reviewer as choices, a draft kept without handing the
// review in, and the saved total shown.
func TestRubricLevelsAndDrafts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, rid := f.peerWork(t)
	ctx := t.Context()
	e := f.e
	sp := "/sessions/" + f.session.ID

	// The coordinator gives the first criterion three levels on the form.
	ex, err := e.srv.grading.Exercise(ctx, f.coord, f.session.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	cb := e.browser()
	cb.login(f.coord)
	form := url.Values{"_csrf": {cb.csrf(sp + "/parts/1/exercise/edit")}, "instructions": {ex.Instructions}}
	first := ex.Rubric[0]
	for i, c := range ex.Rubric {
		form.Add("criterion_id", c.ID)
		form.Add("criterion_label", c.Label)
		form.Add("criterion_points", strconv.Itoa(c.MaxPoints))
		levels := ""
		if i == 0 {
			levels = "0 : rien\n\n" + strconv.Itoa(first.MaxPoints/2) + "\u202f: la moitié\n" + strconv.Itoa(first.MaxPoints) + ": tout, bien fait\n"
		}
		form.Add("criterion_levels", levels)
	}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = append([]string{}, v...)
	}
	bad["criterion_levels"][0] = "beaucoup: tout\n0: rien"
	if p := cb.post(sp+"/parts/1/exercise", bad); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("levels without points: %d", p.Status)
	} else if got := p.Doc.Find("#levels-0").Text(); !strings.Contains(got, "beaucoup: tout") {
		t.Errorf("the levels typed are not shown again: %q", got)
	}
	if p := cb.post(sp+"/parts/1/exercise", form); p.Status != http.StatusSeeOther {
		t.Fatalf("exercise with levels: %d %s", p.Status, p.Doc.Find(".alert").Text())
	}
	ex, _ = e.srv.grading.Exercise(ctx, f.coord, f.session.ID, 1)
	want := []grading.Level{{Points: 0, Label: "rien"}, {Points: first.MaxPoints / 2, Label: "la moitié"}, {Points: first.MaxPoints, Label: "tout, bien fait"}}
	if diff := cmp.Diff(want, ex.Rubric[0].Levels); diff != "" || len(ex.Rubric[1].Levels) != 0 {
		t.Fatalf("levels stored (-want +got):\n%s", diff)
	}

	// The reviewer sees them as choices.
	b := e.browser()
	b.login(f.part)
	p := b.get("/reviews/" + rid)
	if got := p.Doc.Find(`input[type="radio"][name="score_` + first.ID + `"]`).Length(); got != 3 {
		t.Fatalf("%d choices for a criterion with 3 levels", got)
	}
	if p.Doc.Find(".review-total").Length() != 0 {
		t.Error("a total before any score")
	}
	post := func(v url.Values) page2 {
		v.Set("_csrf", b.csrf("/reviews/"+rid))
		return b.post("/reviews/"+rid, v)
	}
	// A draft: one criterion, a short comment; the review stays to do.
	if p := post(url.Values{"draft": {"1"}, "score_" + first.ID: {strconv.Itoa(first.MaxPoints / 2)}, "comment": {"À finir"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("draft: %d %s", p.Status, p.Doc.Find(".alert").Text())
	}
	r, _ := e.srv.grading.Store.ReviewByID(ctx, rid)
	if r.Status != grading.ReviewAssigned || r.Comment != "À finir" || !cmp.Equal(r.Scores, map[string]int{first.ID: first.MaxPoints / 2}) || r.DoneAt != nil {
		t.Fatalf("draft stored as %+v", r)
	}
	p = b.get("/reviews/" + rid)
	if v, _ := p.Doc.Find(`input[name="score_` + first.ID + `"]:checked`).Attr("value"); v != strconv.Itoa(first.MaxPoints/2) {
		t.Errorf("the draft's level is not chosen again: %q", v)
	}
	if got := p.Doc.Find(".review-total").Text(); !strings.Contains(got, strconv.Itoa(first.MaxPoints/2)+" / "+strconv.Itoa(ex.MaxTotal())) {
		t.Errorf("saved total %q", got)
	}
	// Points between two levels are refused, draft or not.
	if p := post(url.Values{"draft": {"1"}, "score_" + first.ID: {"1"}, "comment": {"À finir"}}); p.Status != http.StatusUnprocessableEntity || first.MaxPoints/2 == 1 {
		t.Fatalf("a score that is no level: %d", p.Status)
	}
	// Handed in: every criterion, a real comment.
	full := url.Values{"comment": {"Un commentaire assez long pour être utile à l’auteur."}}
	for _, c := range ex.Rubric {
		full.Set("score_"+c.ID, strconv.Itoa(c.MaxPoints))
	}
	if p := post(full); p.Status != http.StatusSeeOther {
		t.Fatalf("review: %d %s", p.Status, p.Doc.Find(".alert").Text())
	}
	if r, _ := e.srv.grading.Store.ReviewByID(ctx, rid); r.Status != grading.ReviewDone || r.Percent != 100 {
		t.Fatalf("review stored as %+v", r)
	}
	// A review handed in is no draft again.
	full.Set("draft", "1")
	if p := post(full); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("draft of a handed-in review: %d", p.Status)
	}
}

// The API keeps a draft too.
func TestAPIReviewDraft(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, rid := f.peerWork(t)
	e := f.e
	tok := e.token(f.part)
	res := e.api("PUT", "/api/v1/reviews/"+rid, tok, map[string]any{"scores": map[string]int{}, "comment": "à finir", "draft": true})
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `"status":"assigned"`) {
		t.Fatalf("API draft: %d %s", res.Status, res.Body)
	}
	if r, _ := e.srv.grading.Store.ReviewByID(t.Context(), rid); r.Status != grading.ReviewAssigned || r.Comment != "à finir" {
		t.Fatalf("draft stored as %+v", r)
	}
	if res := e.api("PUT", "/api/v1/reviews/"+rid, tok, map[string]any{"scores": map[string]int{}, "comment": "à finir"}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("incomplete review handed in: %d", res.Status)
	}
}
