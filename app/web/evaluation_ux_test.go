package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"librecours/course"
	"librecours/grading"
)

func init() {
	// The participant's evaluation pages, for TestEveryTemplateRenders and
	// the browser tests: before starting, a section being answered, and the
	// confirmation before submitting.
	moreRenderCases = append(moreRenderCases, func(t *testing.T, f *fixture, who map[string]*browser) map[string]renderCase {
		sp, starter, going := evaluationUnderWay(t, f)
		return map[string]renderCase{
			"pages/evaluation/show (participant, before starting)": {starter, sp + "/evaluation", ".evaluation-start button"},
			"pages/evaluation/show (participant, answering)":       {going, sp + "/evaluation?section=2", "fieldset.question"},
			"pages/evaluation/confirm":                             {going, sp + "/evaluation?confirm=1", ".unanswered-list a"},
		}
	})
}

// evaluationUnderWay opens the evaluation of a second session now, with two
// participants: one who has not started, one who has answered the first
// question; it returns the session's path and their browsers.
func evaluationUnderWay(t *testing.T, f *fixture) (sp string, starter, going *browser) {
	t.Helper()
	ctx := t.Context()
	e := f.e
	sess, err := e.srv.course.CreateSession(ctx, f.coord, course.NewSession{Format: "LCIII", StartsOn: "2026-03-02"})
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	opens, due := now.Add(-time.Hour), now.Add(72*time.Hour)
	if _, err := e.srv.course.UpdateEvaluation(ctx, f.coord, sess.ID, course.WindowPatch{OpensAt: &opens, Due: &due}); err != nil {
		t.Fatal(err)
	}
	a := e.user("eval-start@example.org", "Élise Départ", course.RoleParticipant)
	b := e.user("eval-going@example.org", "Bruno Encours", course.RoleParticipant)
	for _, u := range []*course.User{a, b} {
		if err := e.srv.course.Enrol(ctx, f.coord, sess.ID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	first := grading.DefaultEvaluation()[0]
	if _, err := e.srv.quiz.Answer(ctx, b, sess.ID, map[string][]string{first.ID: {first.Choices[0].ID}}, false); err != nil {
		t.Fatal(err)
	}
	starter, going = e.browser(), e.browser()
	starter.login(a)
	going.login(b)
	return "/sessions/" + sess.ID, starter, going
}

// TestEvaluationExperience takes the final evaluation as a participant
// does, in French and English: the facts before starting, one section per
// course part with the answered counter, the unanswered questions listed
// before submitting (which needs an explicit confirmation), then the score
// against the pass marks with a decimal comma in French and the attempts
// left; the JSON API gives the same facts.
func TestEvaluationExperience(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx := f.e, t.Context()
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	bank := grading.DefaultEvaluation()
	if err := e.srv.quiz.PutEvaluation(ctx, f.coord, f.session.ID, grading.Evaluation{Questions: bank,
		Settings: grading.EvaluationSettings{Attempts: 2, TimeLimit: 45 * time.Minute}}); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(f.session.Evaluation.OpensAt.Add(time.Hour))
	sp := "/sessions/" + f.session.ID
	b := e.browser()
	b.login(f.part)
	text := func(p page2, sel string) string { return squeeze(p.Doc.Find(sel).Text()) }
	want := func(what, got, sub string) {
		t.Helper()
		if !strings.Contains(got, sub) {
			t.Errorf("%s: %q lacks %q", what, got, sub)
		}
	}

	// Before starting, in both languages.
	for _, tc := range []struct {
		lang                                     string
		pass, duration, onSubmit, attempts, left string
	}{
		{"fr", "50/100 (niveau I), 70/100 (niveau II)", "45 minutes", "Une fois envoyée, la tentative est notée aussitôt",
			"Il vous reste 2 tentatives\u202f: commencer en utilise une.", "Avant l’envoi, une page récapitule les questions sans réponse."},
		{"en", "50/100 (level I), 70/100 (level II)", "45 minutes", "Once submitted, the attempt is scored at once",
			"You have 2 attempts left: starting uses one.", "Before you submit, a page lists the questions left unanswered."},
	} {
		b.lang = tc.lang
		p := b.get(sp + "/evaluation")
		if p.Status != http.StatusOK {
			t.Fatalf("%s: status %d", tc.lang, p.Status)
		}
		for sel, w := range map[string]string{".fact-pass dd": tc.pass, ".fact-duration dd": tc.duration,
			".fact-questions dd": "40", ".fact-attempts dd": "2", ".fact-left dd": "2"} {
			if got := text(p, sel); got != w {
				t.Errorf("%s %s = %q, want %q", tc.lang, sel, got, w)
			}
		}
		start := text(p, ".evaluation-start")
		want(tc.lang+" before starting", start, tc.onSubmit)
		want(tc.lang+" before starting", start, tc.attempts)
		want(tc.lang+" before starting", start, tc.left)
		if p.Doc.Find(`.evaluation-start button[name="action"][value="start"]`).Length() != 1 || p.Doc.Find("fieldset.question").Length() != 0 {
			t.Errorf("%s: the questions show before starting, or no start button", tc.lang)
		}
	}
	b.lang = "fr"

	post := func(form url.Values) page2 {
		t.Helper()
		form.Set("_csrf", b.csrf(sp+"/evaluation"))
		return b.post(sp+"/evaluation/answers", form)
	}
	if p := post(url.Values{"action": {"start"}}); p.Status != http.StatusSeeOther || p.Location != sp+"/evaluation?section=1" {
		t.Fatalf("start: %d %q", p.Status, p.Location)
	}

	sections := grading.Sections(bank)
	right := func(q grading.Question) []string {
		var ids []string
		for _, c := range q.Choices {
			if c.Correct {
				ids = append(ids, c.ID)
			}
		}
		return ids
	}
	shown := func(sec grading.Section) url.Values {
		v := url.Values{}
		for _, q := range sec.Questions {
			v.Add("shown", q.ID)
		}
		return v
	}
	p := b.get(sp + "/evaluation?section=1")
	want("section 1 heading", text(p, "#section-title"), "Partie 1 sur 6\u202f: 1. "+f.session.Parts[0].Title)
	if n := p.Doc.Find("fieldset.question").Length(); n != len(sections[0].Questions) {
		t.Errorf("section 1 shows %d questions, want %d", n, len(sections[0].Questions))
	}
	if n := p.Doc.Find(".evaluation-sections li").Length(); n != 6 {
		t.Errorf("%d sections listed, want 6", n)
	}
	if got := text(p, ".answered-counter"); got != "Questions répondues\u202f: 0 sur 40" {
		t.Errorf("counter before answering: %q", got)
	}
	if got := text(p, ".fact-current dd"); got != "1 sur 2" || p.Doc.Find(".fact-left").Length() != 0 {
		t.Errorf("attempt in progress shown as %q", got)
	}

	// Two right answers in part 1, then on to part 2.
	form := shown(sections[0])
	for _, q := range sections[0].Questions[:2] {
		form["q_"+q.ID] = right(q)
	}
	form.Set("section", "1")
	form.Set("goto", "2")
	if p := post(form); p.Status != http.StatusSeeOther || p.Location != sp+"/evaluation?section=2" {
		t.Fatalf("next section: %d %q", p.Status, p.Location)
	}
	p = b.get(sp + "/evaluation?section=2")
	want("section 2 heading", text(p, "#section-title"), "Partie 2 sur 6\u202f: 2. "+f.session.Parts[1].Title)
	if got := text(p, ".answered-counter"); got != "Questions répondues\u202f: 2 sur 40" {
		t.Errorf("counter after part 1: %q", got)
	}
	if got := text(p, ".evaluation-sections li:first-child .section-count"); got != "(2/6)" {
		t.Errorf("part 1 count: %q", got)
	}
	first := sections[1].Questions[0]
	if p.Doc.Find("#q-"+first.ID+" legend").Length() != 1 || !strings.HasPrefix(text(p, "#q-"+first.ID+" legend"), "7. ") {
		t.Errorf("first question of part 2 is not number 7: %q", text(p, "#q-"+first.ID+" legend"))
	}

	// One right answer in part 2, then finish: the confirmation lists the
	// 37 unanswered questions, part 1's answers kept.
	form = shown(sections[1])
	form["q_"+first.ID] = right(first)
	form.Set("section", "2")
	form.Set("action", "review")
	if p := post(form); p.Status != http.StatusSeeOther || p.Location != sp+"/evaluation?confirm=1" {
		t.Fatalf("review: %d %q", p.Status, p.Location)
	}
	p = b.get(sp + "/evaluation?confirm=1")
	if got := text(p, ".answered-counter"); got != "Questions répondues\u202f: 3 sur 40" {
		t.Errorf("counter at the confirmation: %q", got)
	}
	want("unanswered heading", text(p, ".unanswered h2"), "37 questions sans réponse")
	links := p.Doc.Find(".unanswered-list a")
	if links.Length() != 37 {
		t.Fatalf("%d unanswered listed, want 37", links.Length())
	}
	third := sections[0].Questions[2]
	if href, _ := links.First().Attr("href"); href != sp+"/evaluation?section=1#q-"+third.ID {
		t.Errorf("first unanswered links to %q", href)
	}
	// By part: part 1's four left (3 to 6), then part 2's from 8.
	groups := p.Doc.Find(".unanswered-list > li")
	if groups.Length() != 6 {
		t.Errorf("%d parts with unanswered questions, want 6", groups.Length())
	}
	for i, w := range []struct{ title, first string }{{f.session.Parts[0].Title, "Question 3"}, {f.session.Parts[1].Title, "Question 8"}} {
		g := groups.Eq(i)
		if got := squeeze(g.Find(".unanswered-section").Text()); got != fmt.Sprintf("%d. %s", i+1, w.title) {
			t.Errorf("unanswered group %d titled %q", i+1, got)
		}
		if got := squeeze(g.Find("a").First().Text()); got != w.first {
			t.Errorf("unanswered group %d starts with %q, want %q", i+1, got, w.first)
		}
	}
	if n := groups.Eq(0).Find("a").Length(); n != 4 {
		t.Errorf("part 1 lists %d unanswered, want 4", n)
	}
	want("submit button", text(p, `button[value="submit"]`), "Envoyer avec 37 questions sans réponse")
	want("on submit", text(p, ".on-submit"), "Après cet envoi, il vous restera 1 tentative.")
	b.lang = "en"
	p = b.get(sp + "/evaluation?confirm=1")
	want("unanswered heading (en)", text(p, ".unanswered h2"), "37 questions unanswered")
	if got := text(p, ".answered-counter"); got != "Answered: 3 of 40" {
		t.Errorf("counter in English: %q", got)
	}
	b.lang = "fr"

	// Submitting without the confirmation only shows it again.
	if p := post(url.Values{"action": {"submit"}}); p.Status != http.StatusSeeOther || p.Location != sp+"/evaluation?confirm=1" {
		t.Fatalf("unconfirmed submit: %d %q", p.Status, p.Location)
	}
	if v, err := e.srv.quiz.View(ctx, f.part, f.session.ID); err != nil || v.Current == nil || len(v.Attempts) != 1 {
		t.Fatalf("an unconfirmed submit ended the attempt: %+v %v", v, err)
	}
	if p := post(url.Values{"action": {"submit"}, "confirmed": {"1"}}); p.Status != http.StatusSeeOther || p.Location != sp+"/evaluation" {
		t.Fatalf("confirmed submit: %d %q", p.Status, p.Location)
	}

	// 3 right of 40: 7.5, written 7,5 in French; not passed, 1 attempt left.
	p = b.get(sp + "/evaluation")
	want("score", text(p, ".evaluation-results .grade"), "Tentative 1\u202f: 7,5 / 100")
	want("result", text(p, ".result-failed"), "Non réussie\u202f: le niveau I demande 50/100")
	want("attempts left", text(p, ".attempts-left"), "Il vous reste 1 tentative.")
	if got := text(p, ".fact-left dd"); got != "1" {
		t.Errorf("attempts left fact %q", got)
	}
	want("start again", text(p, ".evaluation-start button"), "Commencer une nouvelle tentative")
	if strings.Contains(text(p, ".evaluation-results"), "7.5") {
		t.Errorf("decimal point on a French page: %q", text(p, ".evaluation-results"))
	}
	b.lang = "en"
	p = b.get(sp + "/evaluation")
	want("score (en)", text(p, ".evaluation-results .grade"), "Attempt 1: 7.5 / 100")
	want("attempts left (en)", text(p, ".attempts-left"), "You have 1 attempt left.")
	b.lang = "fr"

	// The JSON API gives the same facts.
	var api struct {
		PassMarks    map[string]float64 `json:"pass_marks"`
		AttemptsLeft int                `json:"attempts_left"`
		AttemptsUsed int                `json:"attempts_used"`
		Sections     []struct {
			Part      int      `json:"part"`
			Title     string   `json:"title"`
			First     int      `json:"first"`
			Questions []string `json:"questions"`
		} `json:"sections"`
		Results []struct {
			Attempt int     `json:"attempt"`
			Score   float64 `json:"score"`
			Level1  bool    `json:"level1_passed"`
		} `json:"results"`
	}
	res := e.api("GET", "/api/v1"+sp+"/evaluation", e.token(f.part), nil)
	if res.Status != http.StatusOK {
		t.Fatalf("API: %d %s", res.Status, res.Body)
	}
	res.decode(t, &api)
	if api.PassMarks["level1"] != 50 || api.PassMarks["level2"] != 70 || api.AttemptsLeft != 1 || api.AttemptsUsed != 1 ||
		len(api.Sections) != 6 || api.Sections[1].Part != 2 || api.Sections[1].Title != f.session.Parts[1].Title ||
		api.Sections[1].First != 7 || len(api.Sections[3].Questions) != 8 ||
		len(api.Results) != 1 || api.Results[0].Score != 7.5 || api.Results[0].Level1 {
		t.Errorf("API evaluation: %+v", api)
	}

	// The second attempt, all right: level II reached, no attempt left.
	all := map[string][]string{}
	for _, q := range bank {
		all[q.ID] = right(q)
	}
	if _, err := e.srv.quiz.Answer(ctx, f.part, f.session.ID, all, true); err != nil {
		t.Fatal(err)
	}
	p = b.get(sp + "/evaluation")
	want("second score", text(p, ".evaluation-results"), "Tentative 2\u202f: 100,0 / 100")
	want("level II", text(p, ".result-passed"), "Réussie\u202f: seuil du niveau II (70/100) atteint")
	want("no attempt left", text(p, ".attempts-left"), "Il vous reste 0 tentative.")
	if p.Doc.Find(".evaluation-start, fieldset.question").Length() != 0 {
		t.Errorf("a third attempt is offered")
	}
}

// TestEvaluationSectionsByHeadings: a bank typed with "# N" headings shows
// one section per part, titled after the session's parts, and the staff
// page groups the answer key the same way.
func TestEvaluationSectionsByHeadings(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx := f.e, t.Context()
	var src strings.Builder
	for part := 1; part <= 3; part++ {
		fmt.Fprintf(&src, "# %d\n", part)
		for i := range part {
			fmt.Fprintf(&src, "? Question %d de la partie %d\n* oui\n- non\n\n", i+1, part)
		}
	}
	qs, err := grading.ParseQuestions(src.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.quiz.PutEvaluation(ctx, f.coord, f.session.ID, grading.Evaluation{Questions: qs}); err != nil {
		t.Fatal(err)
	}
	coord := e.browser()
	coord.login(f.coord)
	p := coord.get("/sessions/" + f.session.ID + "/evaluation")
	var heads []string
	p.Doc.Find(".evaluation-section h2").Each(func(_ int, s *goquery.Selection) { heads = append(heads, squeeze(s.Text())) })
	var wantHeads []string
	for i := range 3 {
		wantHeads = append(wantHeads, fmt.Sprintf("%d. %s", i+1, f.session.Parts[i].Title))
	}
	if strings.Join(heads, "|") != strings.Join(wantHeads, "|") {
		t.Errorf("staff sections %q, want %q", heads, wantHeads)
	}
	if start, _ := p.Doc.Find(".evaluation-section ol.questions").Last().Attr("start"); start != "4" {
		t.Errorf("part 3 starts at question %q, want 4", start)
	}
	if got := squeeze(p.Doc.Find(".fact-duration dd").Text()); got != "sans limite" {
		t.Errorf("duration without a limit: %q", got)
	}
}

// TestBrowserEvaluationCounter: in chromium, the answered counter follows
// the ticks before anything is saved (assets/static/evaluation.js, allowed
// by the CSP: no console error), and the saved count comes back from the
// server on the next page.
func TestBrowserEvaluationCounter(t *testing.T) {
	t.Parallel()
	chromium(t) // skips under -short
	f := newFixture(t)
	e := f.e
	e.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	sp, _, going := evaluationUnderWay(t, f)
	base := serveBrowser(t, e)
	b := newTab(t, base)
	b.step("cookies", browserCookies(base, "fr", going.cookies))
	counter := func() string {
		var got string
		b.step("counter", chromedp.Text(".answered-counter", &got, chromedp.ByQuery))
		return squeeze(got)
	}
	b.step("section 1", b.open(sp+"/evaluation?section=1", "fieldset.question"))
	if got := counter(); got != "Questions répondues\u202f: 1 sur 40" {
		t.Fatalf("counter on load: %q", got)
	}
	// Tick a choice of the second and third questions, untick the first's.
	b.step("tick", chromedp.Click(`fieldset.question:nth-of-type(2) input`, chromedp.ByQuery),
		chromedp.Click(`fieldset.question:nth-of-type(3) input`, chromedp.ByQuery))
	if got := counter(); got != "Questions répondues\u202f: 3 sur 40" {
		t.Errorf("counter after two ticks: %q", got)
	}
	b.step("untick", chromedp.Click(`fieldset.question:nth-of-type(1) input:checked`, chromedp.ByQuery))
	if got := counter(); got != "Questions répondues\u202f: 2 sur 40" {
		t.Errorf("counter after unticking: %q", got)
	}
	var part string
	b.step("part count", chromedp.Text(".evaluation-sections [aria-current] ~ .section-count", &part, chromedp.ByQuery))
	if part != "(2/6)" {
		t.Errorf("part 1 count %q", part)
	}
	// The form saves part 1 and the server's next page counts it.
	b.step("next part", chromedp.Click(`button[name="goto"][value="2"]`, chromedp.ByQuery),
		chromedp.ActionFunc(func(ctx context.Context) error {
			// Evaluating fails while the old document goes away: try again.
			for {
				var ok bool
				if err := chromedp.Evaluate(`location.search === "?section=2" && document.readyState === "complete"`, &ok).Do(ctx); err == nil && ok {
					return nil
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
		}),
		chromedp.WaitVisible(`fieldset.question`, chromedp.ByQuery))
	if got := counter(); got != "Questions répondues\u202f: 2 sur 40" {
		t.Errorf("counter saved by the server: %q", got)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// TestEvaluationTimeUp: past the time limit, the page no longer offers the
// questions but the submission of the saved answers, which still scores.
func TestEvaluationTimeUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e, ctx := f.e, t.Context()
	if err := e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	bank := grading.DefaultEvaluation()
	if err := e.srv.quiz.PutEvaluation(ctx, f.coord, f.session.ID, grading.Evaluation{Questions: bank,
		Settings: grading.EvaluationSettings{Attempts: 1, TimeLimit: 30 * time.Minute}}); err != nil {
		t.Fatal(err)
	}
	start := f.session.Evaluation.OpensAt.Add(time.Hour)
	e.clock.Set(start)
	q := bank[0]
	var right []string
	for _, c := range q.Choices {
		if c.Correct {
			right = append(right, c.ID)
		}
	}
	if _, err := e.srv.quiz.Answer(ctx, f.part, f.session.ID, map[string][]string{q.ID: right}, false); err != nil {
		t.Fatal(err)
	}
	sp := "/sessions/" + f.session.ID
	b := e.browser()
	b.login(f.part)
	if p := b.get(sp + "/evaluation"); p.Doc.Find(".time-up").Length() != 0 || p.Doc.Find("fieldset.question").Length() == 0 {
		t.Fatalf("time up shown, or no questions, within the limit")
	}
	e.clock.Set(start.Add(31 * time.Minute))
	p := b.get(sp + "/evaluation")
	if p.Doc.Find("fieldset.question").Length() != 0 {
		t.Errorf("questions offered past the time limit")
	}
	if got := squeeze(p.Doc.Find(".time-up h2").Text()); got != "Le temps est écoulé" {
		t.Errorf("time up title %q", got)
	}
	if got := squeeze(p.Doc.Find(".time-up .answered-counter").Text()); got != "Questions répondues\u202f: 1 sur 40" {
		t.Errorf("time up counter %q", got)
	}
	if href, _ := p.Doc.Find(".time-up a.button").Attr("href"); href != sp+"/evaluation?confirm=1" {
		t.Errorf("time up links to %q", href)
	}
	tok := b.csrf(sp + "/evaluation?confirm=1")
	if r := b.post(sp+"/evaluation/answers", url.Values{"_csrf": {tok}, "action": {"submit"}, "confirmed": {"1"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("submit past the limit: %d\n%s", r.Status, r.Doc.Find(".alert").Text())
	}
	if got := squeeze(b.get(sp + "/evaluation").Doc.Find(".evaluation-results .grade").Text()); got != "Tentative 1\u202f: 2,5 / 100" {
		t.Errorf("score past the limit %q", got)
	}
}
