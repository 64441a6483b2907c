package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"librecours/course"
)

// formCase is one refused form: what to post, the field the error is
// about, the selector of its input, and what must show again.
type formCase struct {
	name  string
	post  func(b *langBrowsers) page2
	field string            // the ValidationError's field
	input string            // the selector of its input
	kept  map[string]string // selector -> value typed ("checked"/"unchecked" for a box, the value for a select)
	never []string          // typed values that must not come back (passwords)
}

// langBrowsers are the signed-in people of a case, in one language.
type langBrowsers struct {
	anon, coord, part, anim, acct *browser
}

// TestEveryFormMarksItsField (issue #13 item 7) posts invalid input to
// every form that takes typed input, in French and in English, through the
// real app: 422, the field marked (aria-invalid, aria-describedby naming
// its message beside it and its help), the summary at the top linking to
// that message, every typed value shown again and never a password.
func TestEveryFormMarksItsField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sid, _ := f.peerWork(t) // part 1 in reviews; clock on 2 March 2026
	e := f.e
	ctx := t.Context()
	sp := "/sessions/" + f.session.ID
	acct := e.user("compte@example.org", "Claude Compte", course.RoleParticipant) // wrong passwords here lock no one else
	inv, err := e.srv.course.Invite(ctx, f.coord, f.session.ID, "invitee@example.org", "Inès Invitée")
	if err != nil || len(inv.Created) != 1 {
		t.Fatalf("invite: %+v %v", inv, err)
	}
	invitation := "/invitations/" + inv.Created[0].Token
	resetTok := course.NewToken()
	now := e.clock.Now()
	if err := e.srv.auth.Store.CreateSession(ctx, course.AuthSession{TokenHash: course.HashToken(resetTok), Kind: course.KindReset, UserID: acct.ID,
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour), IdleExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	reset := "/password/reset/" + resetTok
	// A peer's review of the participant's work, done, to appeal; a
	// commitment to release.
	var appealed string
	for i := range 4 {
		peer, err := e.srv.auth.Account(ctx, fmt.Sprintf("peer%d@example.org", i))
		if err != nil {
			t.Fatal(err)
		}
		tasks, err := e.srv.grading.MyReviews(ctx, peer, f.session.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range tasks {
			if task.Review.AuthorID != f.part.ID || appealed != "" {
				continue
			}
			scores := map[string]int{}
			for _, c := range task.Rubric {
				scores[c.ID] = c.MaxPoints
			}
			if _, err := e.srv.grading.SaveReview(ctx, peer, task.Review.ID, scores, strings.Repeat("Un commentaire précis et utile. ", 6)); err != nil {
				t.Fatal(err)
			}
			appealed = task.Review.ID
		}
	}
	if appealed == "" {
		t.Fatal("no peer reviews the participant's work")
	}
	holder := committed(t, f)
	pool := langs0(e, f.coord).get("/animators")
	commitment, _ := pool.Doc.Find(`form[action="/animators/` + holder.ID + `/release"] input[name="commitment"]`).Attr("value")
	if commitment == "" {
		t.Fatalf("no commitment to release on /animators (status %d)", pool.Status)
	}

	langs := map[string]*langBrowsers{}
	for _, lang := range []string{"fr", "en"} {
		lb := &langBrowsers{}
		for _, b := range []struct {
			dst **browser
			u   *course.User
		}{{&lb.anon, nil}, {&lb.coord, f.coord}, {&lb.part, f.part}, {&lb.anim, f.anim}, {&lb.acct, acct}} {
			*b.dst = e.browser()
			(*b.dst).lang = lang
			if b.u != nil {
				(*b.dst).login(b.u)
			}
		}
		langs[lang] = lb
	}
	longName := strings.Repeat("Nom très long ", 20)
	form := func(b *browser, csrfFrom string, kv ...string) url.Values {
		v := url.Values{"_csrf": {b.csrf(csrfFrom)}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}

	open := []formCase{
		{name: "register", post: func(b *langBrowsers) page2 {
			return b.anon.post("/register", form(b.anon, "/register", "name", "Zoé Nouvelle", "email", "zoe@", "password", "Secret-typé-9876", "password_confirm", "Secret-typé-9876"))
		}, field: "email", input: "#email", kept: map[string]string{"#name": "Zoé Nouvelle", "#email": "zoe@", "#password": "", "#password_confirm": ""}, never: []string{"Secret-typé-9876"}},
		{name: "register password confirmation", post: func(b *langBrowsers) page2 {
			return b.anon.post("/register", form(b.anon, "/register", "name", "Zoé Nouvelle", "email", "zoe@example.org", "password", "Secret-typé-9876", "password_confirm", "Autre-chose-1234"))
		}, field: "password_confirm", input: "#password_confirm", kept: map[string]string{"#name": "Zoé Nouvelle", "#email": "zoe@example.org"}, never: []string{"Secret-typé-9876", "Autre-chose-1234"}},
		{name: "forgot", post: func(b *langBrowsers) page2 {
			return b.anon.post("/password/forgot", form(b.anon, "/password/forgot", "email", "pas-une-adresse"))
		}, field: "email", input: "#email", kept: map[string]string{"#email": "pas-une-adresse"}},
		{name: "reset", post: func(b *langBrowsers) page2 {
			return b.anon.post(reset, form(b.anon, reset, "password", "Secret-typé-9876", "password_confirm", "Autre-chose-1234"))
		}, field: "password_confirm", input: "#password_confirm", kept: map[string]string{"#password": ""}, never: []string{"Secret-typé-9876", "Autre-chose-1234"}},
		{name: "reset password help", post: func(b *langBrowsers) page2 {
			return b.anon.post(reset, form(b.anon, reset, "password", "court", "password_confirm", "court"))
		}, field: "password", input: "#password", never: []string{`value="court"`}},
		{name: "invitation", post: func(b *langBrowsers) page2 {
			return b.anon.post(invitation, form(b.anon, invitation, "name", "Inès Renommée", "password", "Secret-typé-9876", "password_confirm", "Autre-chose-1234"))
		}, field: "password_confirm", input: "#password_confirm", kept: map[string]string{"#name": "Inès Renommée"}, never: []string{"Secret-typé-9876", "Autre-chose-1234"}},
		{name: "account name", post: func(b *langBrowsers) page2 {
			return b.acct.post("/account/name", form(b.acct, "/account", "name", longName))
		}, field: "name", input: "#account-name", kept: map[string]string{"#account-name": longName}},
		{name: "account e-mail", post: func(b *langBrowsers) page2 {
			return b.acct.post("/account/email", form(b.acct, "/account", "email", "pas-une-adresse", "current_password", "Secret-typé-9876"))
		}, field: "email", input: "#account-email", kept: map[string]string{"#account-email": "pas-une-adresse", "#account-name": "Claude Compte"}, never: []string{"Secret-typé-9876"}},
		{name: "account e-mail password", post: func(b *langBrowsers) page2 {
			return b.acct.post("/account/email", form(b.acct, "/account", "email", "claude@new.example.org", "current_password", ""))
		}, field: "current_password", input: "#account-email-password", kept: map[string]string{"#account-email": "claude@new.example.org"}},
		{name: "account password", post: func(b *langBrowsers) page2 {
			return b.acct.post("/account/password", form(b.acct, "/account", "current_password", testPassword(acct.Email), "password", "Secret-typé-9876", "password_confirm", "Autre-chose-1234"))
		}, field: "password_confirm", input: "#new-password-confirm", never: []string{"Secret-typé-9876", "Autre-chose-1234", testPassword(acct.Email)}},
		{name: "account delete", post: func(b *langBrowsers) page2 {
			return b.acct.post("/account/delete", form(b.acct, "/account", "password", testPassword(acct.Email)))
		}, field: "confirm_delete", input: "#confirm-delete", never: []string{testPassword(acct.Email)}},
		{name: "user creation", post: func(b *langBrowsers) page2 {
			return b.coord.post("/users", form(b.coord, "/users", "name", "Nouvel Animateur", "email", "nouvel@", "password", "Secret-typé-9876", "roles", "animator", "roles", "coordinator"))
		}, field: "email", input: "#email", kept: map[string]string{"#name": "Nouvel Animateur", "#email": "nouvel@",
			`input[name="roles"][value="animator"]`: "checked", `input[name="roles"][value="coordinator"]`: "checked", `input[name="roles"][value="participant"]`: "unchecked"},
			never: []string{"Secret-typé-9876"}},
		{name: "session shift", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/shift", form(b.coord, sp, "days", "999", "hours", "2"))
		}, field: "days", input: "#shift-days", kept: map[string]string{"#shift-days": "999", "#shift-hours": "2"}},
		{name: "session duplicate", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/duplicate", form(b.coord, sp, "starts_on", "2026-02-31"))
		}, field: "starts_on", input: "#dup-start", kept: map[string]string{"#dup-start": "2026-02-31"}},
		{name: "session capacity", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/capacity", form(b.coord, sp, "capacity", "douze"))
		}, field: "capacity", input: "#capacity", kept: map[string]string{"#capacity": "douze"}},
		{name: "session workload", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/workload", form(b.coord, sp, "workload_hours", "9999"))
		}, field: "workload_hours", input: "#workload_hours", kept: map[string]string{"#workload_hours": "9999"}},
		{name: "enrol by e-mail", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/enrolments", form(b.coord, sp, "email", "inconnu@example.org"))
		}, field: "email", input: "#enrol-email", kept: map[string]string{"#enrol-email": "inconnu@example.org"}},
		{name: "webhook", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/webhook", form(b.coord, sp, "url", "https://chat.example.org/hooks/abc", "threshold", "beaucoup"))
		}, field: "threshold", input: "#webhook-threshold", kept: map[string]string{"#webhook-url": "https://chat.example.org/hooks/abc", "#webhook-threshold": "beaucoup"}},
		{name: "evaluation questions", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/evaluation/questions", form(b.coord, sp+"/evaluation/edit", "attempts", "3", "time_limit", "20", "questions", "- une réponse sans question"))
		}, field: "questions", input: "#questions", kept: map[string]string{"#attempts": "3", "#time_limit": "20", "#questions": "- une réponse sans question"}},
		{name: "evaluation question", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/evaluation/questions", form(b.coord, sp+"/evaluation/edit", "attempts", "2", "time_limit", "0", "questions", "? Une seule réponse ?\n* Oui"))
		}, field: "questions", input: "#questions", kept: map[string]string{"#attempts": "2", "#questions": "? Une seule réponse ?\n* Oui"}},
		{name: "evaluation attempts", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/evaluation/questions", form(b.coord, sp+"/evaluation/edit", "attempts", "99", "time_limit", "30", "questions", "? Combien ?\n* Deux\n- Trois"))
		}, field: "attempts", input: "#attempts", kept: map[string]string{"#attempts": "99", "#time_limit": "30", "#questions": "? Combien ?\n* Deux\n- Trois"}},
		{name: "animator grade", post: func(b *langBrowsers) page2 {
			return b.anim.post("/submissions/"+sid+"/grade", form(b.anim, "/submissions/"+sid, "score", "150", "comment", "Bien vu"))
		}, field: "score", input: "#score", kept: map[string]string{"#score": "150", "#grade-comment": "Bien vu"}},
		{name: "rules", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/rules", form(b.coord, sp+"/close", "pass_grade", "cinquante", "level1_exercises", "4", "level1_evaluation", "55", "level2_exercises", "6", "level2_evaluation", "75", "level2_commitment", "on"))
		}, field: "pass_grade", input: "#pass_grade", kept: map[string]string{"#pass_grade": "cinquante", "#level1_exercises": "4", "#level1_evaluation": "55",
			`input[name="level2_commitment"]`: "checked", `input[name="level2_reviews_on_time"]`: "unchecked"}},
		{name: "rules review quality", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/rules", form(b.coord, sp+"/close", "pass_grade", "50", "level1_exercises", "4", "level1_evaluation", "55", "level2_exercises", "6", "level2_evaluation", "75", "review_quality_min", "150"))
		}, field: "review_quality_min", input: "#review_quality_min", kept: map[string]string{"#review_quality_min": "150", "#pass_grade": "50"}},
		{name: "level override", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/overrides", form(b.coord, sp+"/close", "user_id", f.part.ID, "level", "2", "reason", "bof"))
		}, field: "reason", input: "#why-" + f.part.ID, kept: map[string]string{"#why-" + f.part.ID: "bof", "#lvl-" + f.part.ID: "2"}},
		{name: "commitment release", post: func(b *langBrowsers) page2 {
			return b.coord.post("/animators/"+holder.ID+"/release", form(b.coord, "/animators", "commitment", commitment, "reason", "non"))
		}, field: "reason", input: `[id="reason-` + commitment + `"]`, kept: map[string]string{`[id="reason-` + commitment + `"]`: "non"}},
		{name: "verification code", post: func(b *langBrowsers) page2 {
			return b.anon.get("/verify?code=" + url.QueryEscape("pas un code"))
		}, field: "code", input: "#code", kept: map[string]string{"#code": "pas un code"}},
	}
	run := func(cases []formCase) {
		for _, tc := range cases {
			msgs := map[string]string{}
			for _, lang := range []string{"fr", "en"} {
				t.Run(tc.name+"/"+lang, func(t *testing.T) {
					msgs[lang] = checkMarked(t, tc, tc.post(langs[lang]))
				})
			}
			if msgs["fr"] != "" && msgs["fr"] == msgs["en"] {
				t.Errorf("%s: the same message in French and English: %q", tc.name, msgs["fr"])
			}
		}
	}
	run(open)

	// Part 1 closed: the participant sees the reviews of their work and
	// may appeal one.
	if _, err := e.srv.grading.ClosePart(ctx, f.coord, f.session.ID, 1); err != nil {
		t.Fatal(err)
	}
	run([]formCase{
		{name: "appeal", post: func(b *langBrowsers) page2 {
			return b.part.post("/reviews/"+appealed+"/flag", form(b.part, sp+"/parts/1", "reason", "Injuste"))
		}, field: "reason", input: "#reason-" + appealed, kept: map[string]string{"#reason-" + appealed: "Injuste"}},
	})

	// A closed session: its certificates, and the form to reopen it.
	code := f.granted(t, 1).Code
	run([]formCase{
		{name: "reopen", post: func(b *langBrowsers) page2 {
			return b.coord.post(sp+"/reopen", form(b.coord, sp+"/close", "reason", "oups"))
		}, field: "reason", input: "#reopen-reason", kept: map[string]string{"#reopen-reason": "oups"}},
		{name: "revoke", post: func(b *langBrowsers) page2 {
			return b.coord.post("/certificates/"+code+"/revoke", form(b.coord, sp+"/certificates", "reason", "non", "reason_public", "yes"))
		}, field: "reason", input: "#why-" + code, kept: map[string]string{"#why-" + code: "non", `input[name="reason_public"]`: "checked"}},
	})
	if err := e.srv.certs.Revoke(ctx, f.coord, code, "Erreur de saisie", false); err != nil {
		t.Fatal(err)
	}
	run([]formCase{
		{name: "reissue", post: func(b *langBrowsers) page2 {
			return b.coord.post("/certificates/"+code+"/reissue", form(b.coord, sp+"/certificates", "reason", "non"))
		}, field: "reason", input: "#again-" + code, kept: map[string]string{"#again-" + code: "non"}},
	})
}

// TestRosterImportMarksTheList: a refused import marks the pasted list
// (or the file, when one was sent) and ties it to the refused lines, and
// keeps what was pasted, in fr and en.
func TestRosterImportMarksTheList(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sp := "/sessions/" + f.session.ID
	pasted := "email,nom\nlou@example.org,Lou\npas-une-adresse,Personne\n"
	for _, lang := range []string{"fr", "en"} {
		b := f.e.browser()
		b.lang = lang
		b.login(f.coord)
		p := b.uploadForm(sp+"/import", map[string]string{"_csrf": b.csrf(sp + "/import"), "csv": pasted}, "", nil)
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d, want 422", lang, p.Status)
		}
		in := p.Doc.Find("#csv")
		desc, _ := in.Attr("aria-describedby")
		if v, _ := in.Attr("aria-invalid"); v != "true" || desc != "roster-lines csv-help" {
			t.Errorf("%s: the pasted list: aria-invalid %q, aria-describedby %q", lang, v, desc)
		}
		if lines := squeeze(p.Doc.Find("#roster-lines").Text()); !strings.Contains(lines, "3") || !strings.Contains(lines, "pas-une-adresse") || !strings.Contains(lines, map[string]string{"fr": "Ligne", "en": "Line"}[lang]) {
			t.Errorf("%s: the refused lines say %q", lang, lines)
		}
		if got := p.Doc.Find("#csv").Text(); got != pasted {
			t.Errorf("%s: the list shows %q after the error", lang, got)
		}
		if v, ok := p.Doc.Find("#file").Attr("aria-invalid"); ok {
			t.Errorf("%s: the file field is marked too (%q)", lang, v)
		}
	}
}

// langs0 is a browser signed in as u, in the default language.
func langs0(e *testEnv, u *course.User) *browser {
	b := e.browser()
	b.login(u)
	return b
}

// checkMarked checks one refused form's answer and returns the field's
// message.
func checkMarked(t *testing.T, tc formCase, p page2) string {
	t.Helper()
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422: %s", p.Status, squeeze(p.Doc.Find(".alert").Text()))
	}
	in := p.Doc.Find(tc.input)
	if in.Length() != 1 {
		t.Fatalf("%d elements %s", in.Length(), tc.input)
	}
	if v, _ := in.Attr("aria-invalid"); v != "true" {
		h, _ := goquery.OuterHtml(in)
		t.Errorf("%s not marked invalid: %s", tc.input, h)
	}
	in.ParentsFiltered("details").Each(func(_ int, d *goquery.Selection) {
		if _, open := d.Attr("open"); !open {
			t.Errorf("%s is inside a closed <details>", tc.input)
		}
	})
	if n := p.Doc.Find(`[aria-invalid="true"]`).Length(); n != 1 {
		t.Errorf("%d fields marked invalid, want 1", n)
	}
	id := "error-" + tc.field
	desc, _ := in.Attr("aria-describedby")
	if !strings.Contains(" "+desc+" ", " "+id+" ") {
		t.Errorf("%s: aria-describedby %q does not name #%s", tc.input, desc, id)
	}
	for _, ref := range strings.Fields(desc) {
		if p.Doc.Find("#"+ref).Length() != 1 {
			t.Errorf("%s: aria-describedby names #%s, which is not on the page once", tc.input, ref)
		}
	}
	msgEl := p.Doc.Find("#" + id + ".field-error")
	msg := squeeze(msgEl.Text())
	if msgEl.Length() != 1 || msg == "" {
		t.Errorf("message #%s: %d elements, %q", id, msgEl.Length(), msg)
	}
	if sum := squeeze(p.Doc.Find(".error-summary").Text()); strings.HasPrefix(sum, tc.field+"\u202f:") || strings.HasPrefix(sum, tc.field+":") || strings.Contains(sum, "app.") {
		t.Errorf("the summary names the field by its code: %q", sum)
	}
	if href, _ := p.Doc.Find(".error-summary a").Attr("href"); href != "#"+id {
		t.Errorf("summary links to %q, want #%s", href, id)
	}
	for sel, want := range tc.kept {
		s := p.Doc.Find(sel)
		if s.Length() != 1 {
			t.Errorf("%d elements %s", s.Length(), sel)
			continue
		}
		var got string
		switch {
		case want == "checked" || want == "unchecked":
			got = "unchecked"
			if _, on := s.Attr("checked"); on {
				got = "checked"
			}
		case goquery.NodeName(s) == "select":
			got, _ = s.Find("option[selected]").Attr("value")
		case goquery.NodeName(s) == "textarea":
			got = s.Text()
		default:
			got, _ = s.Attr("value")
		}
		if got != want {
			t.Errorf("%s shows %q after the error, typed %q", sel, short(got), short(want))
		}
	}
	for _, secret := range tc.never {
		if strings.Contains(p.HTML, secret) {
			t.Errorf("the page shows %q again", secret)
		}
	}
	return msg
}

// TestLoginFailureMarksTheForm: a refused sign-in (401) says so at the top
// without marking a field (which one was wrong is not said), keeps the
// address and never the password.
func TestLoginFailureMarksTheForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("ada@example.org", "Ada", course.RoleParticipant)
	for _, lang := range []string{"fr", "en"} {
		b := e.browser()
		b.lang = lang
		p := b.post("/login", url.Values{"_csrf": {b.csrf("/login")}, "email": {u.Email}, "password": {"Pas-le-bon-9876"}})
		if p.Status != http.StatusUnauthorized {
			t.Fatalf("%s: status %d, want 401", lang, p.Status)
		}
		if n := p.Doc.Find(`[aria-invalid="true"], .field-error`).Length(); n != 0 {
			t.Errorf("%s: %d fields marked on a refused sign-in", lang, n)
		}
		if squeeze(p.Doc.Find(".error-summary").Text()) == "" || p.Doc.Find(".error-summary a").Length() != 0 {
			t.Errorf("%s: summary %q, %d links", lang, squeeze(p.Doc.Find(".error-summary").Text()), p.Doc.Find(".error-summary a").Length())
		}
		if v, _ := p.Doc.Find("#email").Attr("value"); v != u.Email {
			t.Errorf("%s: e-mail shows %q", lang, v)
		}
		if strings.Contains(p.HTML, "Pas-le-bon-9876") {
			t.Errorf("%s: the password comes back", lang)
		}
	}
}
