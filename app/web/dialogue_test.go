package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
)

// dialogueWorld is the fixture's part 1 with every review handed in and
// the part closed: the participant (the author here) sees the reviews
// of their work, and may answer them.
type dialogueWorld struct {
	f        *fixture
	sid      string
	sub      *grading.Submission // the participant's
	review   grading.Review      // one review of it
	reviewer *course.User
}

func newDialogueWorld(t *testing.T) *dialogueWorld {
	t.Helper()
	return newDialogueWorldOn(t, newFixture(t))
}

// newDialogueWorldOn builds the dialogue world on f (a notifyFixture's,
// for the mails).
func newDialogueWorldOn(t *testing.T, f *fixture) *dialogueWorld {
	t.Helper()
	ctx := t.Context()
	f.peerWork(t)
	w := &dialogueWorld{f: f, sid: f.session.ID}
	people := map[string]*course.User{f.part.ID: f.part}
	for i := range 4 {
		u, err := f.e.srv.course.Store.UserByEmail(ctx, fmt.Sprintf("peer%d@example.org", i))
		if err != nil {
			t.Fatal(err)
		}
		people[u.ID] = u
	}
	for _, u := range people {
		tasks, err := f.e.srv.grading.MyReviews(ctx, u, w.sid, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tasks {
			scores := map[string]int{}
			for _, c := range tk.Rubric {
				scores[c.ID] = c.MaxPoints / 2
				if len(c.Levels) > 0 {
					scores[c.ID] = c.Levels[len(c.Levels)/2].Points
				}
			}
			if _, err := f.e.srv.grading.SaveReview(ctx, u, tk.Review.ID, scores, "Un commentaire précis, assez long pour compter."); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := f.e.srv.grading.ClosePart(ctx, f.coord, w.sid, 1); err != nil {
		t.Fatal(err)
	}
	sub, err := f.e.srv.grading.Store.SubmissionByAuthor(ctx, w.sid, 1, f.part.ID)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := f.e.srv.grading.Store.ReviewsBySubmission(ctx, sub.ID)
	if err != nil || len(rs) == 0 {
		t.Fatalf("reviews of the participant's work: %d, %v", len(rs), err)
	}
	w.sub, w.review, w.reviewer = sub, rs[0], people[rs[0].ReviewerID]
	return w
}

// TestReviewDialogue: the author answers a review once and rates it from
// the part page (no JavaScript), changes the rating through the API; the
// reviewer reads the answer without the author's name; the animator sees
// the thread and the reviewers' quality scores, in French and English.
func TestReviewDialogue(t *testing.T) {
	t.Parallel()
	texts := map[string]struct{ badRating, rated, yours, fromAuthor, quality, saved string }{
		"fr": {"choisissez une note de 1 à 5", "Votre note d’utilité\u202f: 4 sur 5", "Votre réponse", "Réponse de la personne évaluée",
			"Qualité des évaluations de cette personne\u202f:", "Réponse enregistrée."},
		"en": {"choose a rating from 1 to 5", "Your helpfulness rating: 4 of 5", "Your reply", "The author’s reply",
			"Reviewer quality:", "Reply saved."},
	}
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			want := texts[lang]
			w := newDialogueWorld(t)
			f, e, r := w.f, w.f.e, w.review
			partPath := "/sessions/" + w.sid + "/parts/1"
			action := "/reviews/" + r.ID + "/reply"

			author := e.browser()
			author.lang = lang
			author.login(f.part)
			pg := author.get(partPath)
			form := pg.Doc.Find(`form[action="` + action + `"]`)
			if form.Length() != 1 || form.Find(`textarea[name="text"]`).Length() != 1 || form.Find(`input[type="radio"][name="helpfulness"]`).Length() != 5 {
				t.Fatalf("part page: reply form with a text and 5 ratings not found:\n%s", pg.Doc.Find("article.review").First().Text())
			}
			if strings.Contains(pg.HTML, w.reviewer.Name) {
				t.Errorf("the author's page names the reviewer %q", w.reviewer.Name)
			}

			// A rating out of range: the page again, the field marked, the text kept.
			tok := author.csrf(partPath)
			p := author.post(action, url.Values{"_csrf": {tok}, "text": {"Merci, **très** utile."}, "helpfulness": {"9"}})
			if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Doc.Find(".field-error").Text(), want.badRating) {
				t.Fatalf("rating 9: status %d, errors %q", p.Status, p.Doc.Find(".field-error").Text())
			}
			if got := p.Doc.Find(`textarea[name="text"]#reply-` + r.ID).Text(); got != "Merci, **très** utile." {
				t.Errorf("typed reply not kept: %q", got)
			}

			p = author.post(action, url.Values{"_csrf": {tok}, "text": {"Merci, **très** utile."}, "helpfulness": {"4"}})
			if p.Status != http.StatusSeeOther || p.Location != partPath {
				t.Fatalf("reply: status %d to %q", p.Status, p.Location)
			}
			pg = author.get(partPath)
			if !strings.Contains(pg.HTML, want.saved) {
				t.Errorf("no %q after the reply", want.saved)
			}
			sec := pg.Doc.Find(`section[aria-labelledby="dialogue-` + r.ID + `"]`)
			if h, _ := sec.Find(".review-reply").Html(); !strings.Contains(h, "<strong>très</strong>") {
				t.Errorf("the reply is not shown rendered: %q", h)
			}
			if got := strings.TrimSpace(sec.Find(".review-helpfulness").Text()); !strings.HasPrefix(got, want.rated) {
				t.Errorf("rating shown %q, want %q", got, want.rated)
			}
			if sec.Find(`textarea[name="text"]`).Length() != 0 || sec.Find(`input[name="helpfulness"][value="4"][checked]`).Length() != 1 {
				t.Errorf("after the reply: a text box is still offered, or rating 4 is not checked")
			}
			if !strings.Contains(sec.Text(), want.yours) {
				t.Errorf("no %q heading the reply", want.yours)
			}

			// Once: a second text is refused; the rating changes.
			token := e.token(f.part)
			res := e.api("PUT", "/api/v1/reviews/"+r.ID+"/reply", token, map[string]any{"text": "Autre chose"})
			if res.Status != http.StatusConflict || res.errorCode() != "already_replied" {
				t.Fatalf("second reply: %d %s", res.Status, res.Body)
			}
			var out struct {
				ID    string
				Reply replyJSON
			}
			res = e.api("PUT", "/api/v1/reviews/"+r.ID+"/reply", token, map[string]any{"helpfulness": 2})
			res.decode(t, &out)
			if res.Status != 200 || out.ID != r.ID || out.Reply.Helpfulness != 2 || out.Reply.Text != "Merci, **très** utile." || !strings.Contains(out.Reply.HTML, "<strong>très</strong>") {
				t.Fatalf("re-rating: %d %+v", res.Status, out)
			}
			if res := e.api("PUT", "/api/v1/reviews/"+r.ID+"/reply", token, map[string]any{"helpfulness": 0}); res.Status != http.StatusUnprocessableEntity {
				t.Errorf("empty reply: %d, want 422", res.Status)
			}
			// Only the author: the reviewer and the animator do not find it.
			for _, u := range []*course.User{w.reviewer, f.anim} {
				if res := e.api("PUT", "/api/v1/reviews/"+r.ID+"/reply", e.token(u), map[string]any{"helpfulness": 5}); res.Status != http.StatusNotFound {
					t.Errorf("%s replying: %d, want 404", u.Name, res.Status)
				}
			}

			// The reviewer reads the answer, never the author's name.
			rev := e.browser()
			rev.lang = lang
			rev.login(w.reviewer)
			pg = rev.get("/reviews/" + r.ID)
			sec = pg.Doc.Find("section.review-dialogue")
			if pg.Status != 200 || !strings.Contains(sec.Text(), want.fromAuthor) || !strings.Contains(sec.Find(".review-reply").Text(), "très utile") {
				t.Fatalf("reviewer's page %d: dialogue %q", pg.Status, sec.Text())
			}
			if strings.Contains(pg.HTML, f.part.Name) || strings.Contains(pg.HTML, f.part.Email) {
				t.Errorf("the reviewer's page names the author")
			}
			var tasks []reviewTaskJSON
			res = e.api("GET", "/api/v1/me/reviews?session="+w.sid+"&part=1", e.token(w.reviewer), nil)
			res.decode(t, &tasks)
			found := false
			for _, tk := range tasks {
				if tk.ID == r.ID {
					found = tk.Reply != nil && tk.Reply.Helpfulness == 2 && tk.Reply.Text != ""
				}
			}
			if !found || strings.Contains(string(res.Body), f.part.ID) {
				t.Errorf("the reviewer's API: reply found %v, or the author's ID in %s", found, res.Body)
			}

			// The animator sees the thread and the quality scores.
			anim := e.browser()
			anim.lang = lang
			anim.login(f.anim)
			pg = anim.get("/submissions/" + w.sub.ID)
			if pg.Status != 200 || !strings.Contains(pg.Doc.Find(".review-reply").Text(), "très utile") || !strings.Contains(pg.Doc.Find(".reviewer-quality").Text(), want.quality) {
				t.Fatalf("staff page %d: reply %q, quality %q", pg.Status, pg.Doc.Find(".review-reply").Text(), pg.Doc.Find(".reviewer-quality").Text())
			}
			var staff struct {
				Reviews []staffReviewJSON
			}
			e.api("GET", "/api/v1/submissions/"+w.sub.ID, e.token(f.anim), nil).decode(t, &staff)
			var sr *staffReviewJSON
			for i := range staff.Reviews {
				if staff.Reviews[i].ID == r.ID {
					sr = &staff.Reviews[i]
				}
			}
			if sr == nil || sr.Reply == nil || sr.Reply.Helpfulness != 2 || sr.ReviewerQuality == nil || sr.ReviewerQuality.Rated < 1 || sr.ReviewerQuality.Reviews < 1 {
				t.Fatalf("staff API review: %+v", sr)
			}
			if q := sr.ReviewerQuality; q.Helpfulness == nil || q.Score <= 0 || q.Score > 100 {
				t.Errorf("reviewer quality %+v", q)
			}

		})
	}
}

// TestReviewQualityRuleWeb: review_quality_min goes through the rules API
// (validated 0..100), and a participant whose reviews score below it reads
// the missing condition on the session page, in French and English.
func TestReviewQualityRuleWeb(t *testing.T) {
	t.Parallel()
	missing := map[string]string{"fr": "qualité des évaluations\u202f:", "en": "review quality:"}
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			w := newDialogueWorld(t)
			f, e := w.f, w.f.e
			b := e.browser()
			b.lang = lang
			b.login(f.part)
			if pg := b.get("/sessions/" + w.sid); pg.Status != 200 || strings.Contains(pg.HTML, missing[lang]) {
				t.Fatalf("rule off: session page %d says %q", pg.Status, missing[lang])
			}
			path := "/api/v1/sessions/" + w.sid + "/rules"
			token := e.token(f.coord)
			var rules map[string]any
			e.api("GET", path, token, nil).decode(t, &rules)
			if v, ok := rules["review_quality_min"]; !ok || v != 0.0 {
				t.Fatalf("default review_quality_min = %v (present %v), want 0", v, ok)
			}
			rules["review_quality_min"] = 150
			if res := e.api("PUT", path, token, rules); res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), "review_quality_min") {
				t.Fatalf("review_quality_min 150: %d %s", res.Status, res.Body)
			}
			rules["review_quality_min"] = 99.5
			if res := e.api("PUT", path, token, rules); res.Status != 200 {
				t.Fatalf("review_quality_min 99.5: %d %s", res.Status, res.Body)
			}
			e.api("GET", path, token, nil).decode(t, &rules)
			if rules["review_quality_min"] != 99.5 {
				t.Fatalf("review_quality_min read back %v", rules["review_quality_min"])
			}
			pg := b.get("/sessions/" + w.sid)
			if !strings.Contains(pg.HTML, missing[lang]) {
				t.Errorf("the session page does not say %q is missing:\n%s", missing[lang], pg.Doc.Find("ul").Text())
			}
		})
	}
}

// TestCertificateMeaningReviewQuality: a level II issued under a
// review_quality_min says so; without the rule, nothing is added.
func TestCertificateMeaningReviewQuality(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fr, en := e.srv.translators["fr"], e.srv.translators["en"]
	r := certificates.DefaultRules()
	off := &certificates.Certificate{Level: certificates.LevelII, Rules: r}
	r.ReviewQualityMin = 62.5
	on := &certificates.Certificate{Level: certificates.LevelII, Rules: r}
	for _, tc := range []struct {
		tr   *translator
		want string
	}{{fr, "au moins 62,5/100 en qualité"}, {en, "at least 62.5/100 for quality"}} {
		if got := levelMeaning(tc.tr, on, false); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q lacks %q", tc.tr.lang, got, tc.want)
		}
		if got := levelMeaning(tc.tr, off, false); strings.Contains(got, "/100 en qualité") || strings.Contains(got, "for quality") {
			t.Errorf("%s, rule off: %q", tc.tr.lang, got)
		}
	}
}
