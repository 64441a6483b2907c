package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/PuerkitoBio/goquery"

	"librecours/assets"
	"librecours/certificates"
	"librecours/course"
)

// TestLocalesHaveSameKeys fails when a message is missing or empty in a language.
func TestLocalesHaveSameKeys(t *testing.T) {
	t.Parallel()
	keys := map[string]map[string]bool{}
	for _, l := range languages {
		raw := map[string]any{}
		names, err := localeFiles(l)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			var part map[string]any
			b, err := fs.ReadFile(assets.Locales, name)
			if err != nil {
				t.Fatal(err)
			}
			if err := toml.Unmarshal(b, &part); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for k, v := range part {
				if _, dup := raw[k]; dup {
					t.Errorf("%s: %s is defined twice", name, k)
				}
				raw[k] = v
			}
		}
		keys[l] = map[string]bool{}
		for k, v := range raw {
			switch v := v.(type) {
			case string:
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s: %s is empty", l, k)
				}
			case map[string]any:
				if s, _ := v["other"].(string); strings.TrimSpace(s) == "" {
					t.Errorf("%s: %s has no 'other' form", l, k)
				}
			default:
				t.Errorf("%s: %s has a value of type %T", l, k, v)
			}
			keys[l][k] = true
		}
	}
	for _, a := range languages {
		for _, b := range languages {
			for k := range keys[a] {
				if !keys[b][k] {
					t.Errorf("%s is in %s but not in %s", k, a, b)
				}
			}
		}
	}
}

var messageID = regexp.MustCompile(`^app\.[a-z_]+(\.[a-z0-9_]+)+$`)

// TestMessagesUsedExist checks that every message ID written in a template
// exists (IDs built at run time are checked where they are built).
func TestMessagesUsedExist(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.srv.translators["en"]
	err := fs.WalkDir(assets.Templates, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(assets.Templates, p)
		for _, part := range strings.Split(string(b), `"`)[1:] {
			if messageID.MatchString(part) {
				if tr.T(part) == part {
					t.Errorf("%s uses %s, which no locale defines", p, part)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"app.format.LCIII", "app.format.LCVI", "app.role.participant", "app.role.animator", "app.role.coordinator"} {
		if tr.T(k) == k {
			t.Errorf("%s is missing", k)
		}
	}
	for _, st := range []course.Status{course.StatusUpcoming, course.StatusRunning, course.StatusEnded, course.StatusClosed} {
		if k := "app.status." + string(st); tr.T(k) == k {
			t.Errorf("%s is missing", k)
		}
	}
	for _, k := range []string{"opens", "submission", "review", "evaluation_opens", "evaluation"} {
		if id := "app.deadline." + k; tr.T(id) == id {
			t.Errorf("%s is missing", id)
		}
	}
	for _, s := range sentinels {
		if id := "app.error." + s.code; tr.T(id) == id {
			t.Errorf("%s is missing", id)
		}
	}
}

// fixture is a small platform: a coordinator, an animator, a participant
// and a session.
type fixture struct {
	e                 *testEnv
	coord, anim, part *course.User
	session           *course.Session
}

func newFixture(t *testing.T) *fixture { return fixtureOn(t, newEnv(t)) }

// fixtureOn gives a platform its coordinator, animator, participant and an
// LCIII session the animator runs.
func fixtureOn(t *testing.T, e *testEnv) *fixture {
	f := &fixture{e: e,
		coord: e.user("coord@example.org", "Camille Coordination", course.RoleCoordinator),
		anim:  e.user("anim@example.org", "Aurélie Animation", course.RoleAnimator),
		part:  e.user("part@example.org", "Paul Participant", course.RoleParticipant),
	}
	s, err := e.srv.course.CreateSession(t.Context(), f.coord, course.NewSession{Format: "LCIII", StartsOn: "2026-03-02"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.course.AddAnimator(t.Context(), f.coord, s.ID, f.anim.ID); err != nil {
		t.Fatal(err)
	}
	f.session = s
	return f
}

// peerWork has the participant and four others submit part 1, then assigns
// the reviews; it returns another participant's submission and one of the
// fixture participant's reviews.
func (f *fixture) peerWork(t *testing.T) (submissionID, reviewID string) {
	t.Helper()
	ctx := t.Context()
	f.e.clock.Set(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	people := []*course.User{f.part}
	for i := range 4 {
		people = append(people, f.e.user(fmt.Sprintf("peer%d@example.org", i), fmt.Sprintf("Pair %d", i), course.RoleParticipant))
	}
	for i, u := range people {
		if err := f.e.srv.course.Enrol(ctx, f.coord, f.session.ID, u.ID); err != nil && !errors.Is(err, course.ErrAlreadyEnrolled) {
			t.Fatal(err)
		}
		if prev, err := f.e.srv.grading.Store.SubmissionByAuthor(ctx, f.session.ID, 1, u.ID); err == nil {
			if i == 1 {
				submissionID = prev.ID
			}
			continue // already submitted (in the browser test)
		}
		sub, err := f.e.srv.grading.Submit(ctx, u, f.session.ID, 1, fmt.Sprintf("# Travail %d\n\nUn texte **en Markdown**.", i), nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			submissionID = sub.ID
		}
	}
	if _, err := f.e.srv.grading.AssignPart(ctx, f.coord, f.session.ID, 1); err != nil {
		t.Fatal(err)
	}
	tasks, err := f.e.srv.grading.MyReviews(ctx, f.part, f.session.ID, 1)
	if err != nil || len(tasks) != 3 {
		t.Fatalf("reviews of the fixture participant: %d, %v", len(tasks), err)
	}
	return submissionID, tasks[0].Review.ID
}

// granted closes the fixture's session with its participant at level by
// the coordination's decision ("Jury de test"), enrolling them first when
// they are not, and returns the one certificate issued.
func (f *fixture) granted(t *testing.T, level int) certificates.Certificate {
	t.Helper()
	ctx := t.Context()
	if err := f.e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil && !errors.Is(err, course.ErrAlreadyEnrolled) {
		t.Fatal(err)
	}
	if err := f.e.srv.certs.SetOverride(ctx, f.coord, f.session.ID, f.part.ID, level, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	closed, err := f.e.srv.certs.Close(ctx, f.coord, f.session.ID)
	if err != nil || len(closed.Issued) != 1 {
		t.Fatalf("close: %+v %v", closed, err)
	}
	return closed.Issued[0]
}

// renderCase is a page that shows a template: who asks, where, and a
// selector that must be on the page.
type renderCase struct {
	b    *browser
	path string
	want string
}

// moreRenderCases lets each area's test file add the cases of its templates
// (from an init function). who holds the fixture's browsers by name: coord,
// part, anon, anim, reviewer; the session is closed with one certificate.
var moreRenderCases []func(t *testing.T, f *fixture, who map[string]*browser) map[string]renderCase

// moreFormPages lets each area's test file add pages whose forms
// TestFormsNeedCSRF checks, and form actions that must be found on them.
var moreFormPages []func(t *testing.T, f *fixture, coord, part *browser) (pages map[string]*browser, actions []string)

// TestEveryTemplateRenders renders every page template through a real
// request; a new template without a case here fails the test.
func TestEveryTemplateRenders(t *testing.T) {
	t.Parallel()
	_, cases := everyPage(t)
	var names []string
	_ = fs.WalkDir(assets.Templates, "pages", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, strings.TrimSuffix(p, ".html"))
		}
		return err
	})
	sort.Strings(names)
	for _, name := range names {
		tc, ok := cases[name]
		if !ok {
			t.Errorf("template %s has no render case", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			for _, lang := range []string{"fr", "en"} {
				tc.b.lang = lang
				p := tc.b.get(tc.path)
				if p.Status >= 500 || p.Doc.Find(tc.want).Length() == 0 {
					t.Fatalf("%s (%s): status %d, no %q\n%s", tc.path, lang, p.Status, tc.want, p.HTML)
				}
				if got, _ := p.Doc.Find("html").Attr("lang"); got != lang {
					t.Fatalf("%s: lang=%q, want %q", tc.path, got, lang)
				}
				if strings.Contains(p.HTML, "app.") && strings.Contains(p.Doc.Find("body").Text(), "app.") {
					t.Fatalf("%s (%s) shows an untranslated message ID", tc.path, lang)
				}
				p.Doc.Find("input, select, textarea").Each(func(_ int, in *goquery.Selection) {
					if typ, _ := in.Attr("type"); typ == "hidden" || typ == "submit" {
						return
					}
					id, _ := in.Attr("id")
					if in.ParentsFiltered("label").Length() == 0 && (id == "" || p.Doc.Find(`label[for="`+id+`"]`).Length() == 0) {
						name, _ := in.Attr("name")
						t.Errorf("%s: field %q has no label", tc.path, name)
					}
				})
			}
			tc.b.lang = ""
		})
	}
}

// everyPage sets up a platform where every page template has something to
// show (the session closed with one certificate) and returns a case per
// template.
func everyPage(t *testing.T) (*fixture, map[string]renderCase) {
	t.Helper()
	f := newFixture(t)
	sid, rid := f.peerWork(t)
	coord := f.e.browser()
	coord.login(f.coord)
	part := f.e.browser()
	part.login(f.part)
	anon := f.e.browser()
	anim := f.e.browser()
	anim.login(f.anim)
	reviewer := f.e.browser()
	reviewer.login(f.part)
	pp := "/sessions/" + f.session.ID + "/parts/1"
	sp := "/sessions/" + f.session.ID
	if err := f.e.srv.certs.SetOverride(t.Context(), f.coord, f.session.ID, f.part.ID, 1, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	closed, err := f.e.srv.certs.Close(t.Context(), f.coord, f.session.ID)
	if err != nil || len(closed.Issued) != 1 {
		t.Fatalf("close: %+v %v", closed, err)
	}
	code := closed.Issued[0].Code
	cases := map[string]renderCase{
		"pages/home":                   {anon, "/", "h1"},
		"pages/error":                  {part, "/sessions/does-not-exist", "h1"},
		"pages/account/login":          {anon, "/login", `form[action="/login"] input[name="password"]`},
		"pages/account/register":       {anon, "/register", `form[action="/register"]`},
		"pages/dashboard":              {part, "/dashboard", "h1"},
		"pages/sessions/index":         {part, "/sessions", "table"},
		"pages/sessions/new":           {coord, "/sessions/new", `form[action="/sessions"]`},
		"pages/sessions/show":          {coord, "/sessions/" + f.session.ID, `form[action$="/parts/6"]`},
		"pages/users/index":            {coord, "/users", `form[action="/users"]`},
		"pages/parts/show":             {part, pp, `form[action$="/extra"], .people a[href^="/reviews/"]`},
		"pages/parts/exercise":         {coord, pp + "/exercise/edit", `form[action$="/exercise"] textarea[name="instructions"]`},
		"pages/reviews/index":          {reviewer, "/sessions/" + f.session.ID + "/reviews", "table"},
		"pages/reviews/show":           {reviewer, "/reviews/" + rid, `form textarea[name="comment"]`},
		"pages/corrections/index":      {anim, "/sessions/" + f.session.ID + "/corrections", "h1"},
		"pages/corrections/all":        {anim, "/sessions/" + f.session.ID + "/submissions", "table"},
		"pages/corrections/submission": {anim, "/submissions/" + sid, `form[action$="/grade"]`},
		"pages/evaluation/show":        {coord, sp + "/evaluation", "ol.questions li"},
		"pages/evaluation/edit":        {coord, sp + "/evaluation/edit", `textarea[name="questions"]`},
		"pages/certificates/close":     {coord, sp + "/close", `form[action$="/overrides"]`},
		"pages/certificates/report":    {coord, sp + "/report", `svg[role="img"] title`},
		"pages/certificates/index":     {coord, sp + "/certificates", `a[href$=".pdf"]`},
		"pages/certificates/verify":    {anon, "/certificates/" + code, ".verify dd"},
	}
	who := map[string]*browser{"coord": coord, "part": part, "anon": anon, "anim": anim, "reviewer": reviewer}
	for _, more := range moreRenderCases {
		for k, v := range more(t, f, who) {
			cases[k] = v
		}
	}
	return f, cases
}

// TestFormsNeedCSRF posts every form of the pages without its token: 403.
func TestFormsNeedCSRF(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sid, rid := f.peerWork(t)
	coord := f.e.browser()
	coord.login(f.coord)
	anon := f.e.browser()
	part := f.e.browser()
	part.login(f.part)
	sp := "/sessions/" + f.session.ID
	// Collect the forms of the pages people use.
	actions := map[string]*browser{}
	type formPage struct {
		b    *browser
		path string
	}
	pages := []formPage{{anon, "/login"}, {anon, "/register"}, {anon, "/"}, {coord, "/dashboard"}, {coord, "/sessions"},
		{coord, "/sessions/new"}, {coord, "/sessions/" + f.session.ID}, {coord, "/users"},
		{coord, sp + "/parts/1"}, {coord, sp + "/parts/1/exercise/edit"}, {coord, "/submissions/" + sid},
		{coord, sp + "/close"}, {coord, sp + "/evaluation/edit"},
		{part, sp + "/parts/1"}, {part, "/reviews/" + rid}, {part, sp}}
	wanted := []string{"/login", "/register", "/lang", "/logout", "/sessions", "/users",
		"/sessions/" + f.session.ID + "/capacity", "/sessions/" + f.session.ID + "/animators",
		"/sessions/" + f.session.ID + "/enrolments", "/sessions/" + f.session.ID + "/parts/1",
		"/sessions/" + f.session.ID + "/evaluation", sp + "/parts/1/close", sp + "/parts/1/exercise",
		"/submissions/" + sid + "/grade", "/reviews/" + rid, sp + "/rules", sp + "/overrides", sp + "/close",
		sp + "/evaluation/questions", sp + "/commitment"}
	for _, more := range moreFormPages {
		m, acts := more(t, f, coord, part)
		for path, b := range m {
			pages = append(pages, formPage{b, path})
		}
		wanted = append(wanted, acts...)
	}
	for _, pg := range pages {
		p := pg.b.get(pg.path)
		p.Doc.Find("form").Each(func(_ int, form *goquery.Selection) {
			if m, _ := form.Attr("method"); strings.EqualFold(m, "post") {
				a, _ := form.Attr("action")
				if form.Find(`input[name="_csrf"]`).Length() != 1 {
					t.Errorf("form %s on %s has no CSRF field", a, pg.path)
				}
				actions[a] = pg.b
			}
		})
	}
	for _, a := range wanted {
		if actions[a] == nil {
			t.Errorf("no form posts to %s", a)
		}
	}
	for a, b := range actions {
		for _, tok := range []string{"", "forged-token-forged-token-forged-token"} {
			p := b.post(a, url.Values{"_csrf": {tok}, "email": {"x@example.org"}, "capacity": {"3"}})
			if p.Status != http.StatusForbidden {
				t.Errorf("POST %s with token %q: %d, want 403", a, tok, p.Status)
			}
		}
	}
	// The part was not changed by the rejected posts.
	s, _ := f.e.db.Stores().Course.SessionByID(t.Context(), f.session.ID)
	if s.Capacity != 0 {
		t.Fatalf("a rejected post changed the capacity to %d", s.Capacity)
	}
}

func TestSignInFlowAndLanguage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.e.browser()

	// Anonymous pages follow Accept-Language; French by default.
	if p := b.get("/"); !strings.Contains(p.Doc.Find("nav, header").Text(), "Se connecter") {
		t.Fatalf("default language is not French: %s", p.Doc.Find("header").Text())
	}
	b.lang = "en-US,en;q=0.8"
	if p := b.get("/"); !strings.Contains(p.Doc.Find("header").Text(), "Sign in") {
		t.Fatal("Accept-Language: en not followed")
	}
	b.lang = ""

	// Protected pages send to the sign-in form and back.
	if p := b.get("/sessions/" + f.session.ID); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/login?next=") {
		t.Fatalf("anonymous session page: %d %s", p.Status, p.Location)
	}
	tok := b.csrf("/login?next=/sessions")
	p := b.post("/login", url.Values{"_csrf": {tok}, "email": {f.part.Email}, "password": {"wrong-password"}, "next": {"/sessions"}})
	if p.Status != http.StatusUnauthorized || p.Doc.Find(".alert").Length() == 0 {
		t.Fatalf("wrong password: %d", p.Status)
	}
	before := b.cookies[cookieSession]
	p = b.post("/login", url.Values{"_csrf": {tok}, "email": {f.part.Email}, "password": {testPassword(f.part.Email)}, "next": {"/sessions"}})
	if p.Status != http.StatusSeeOther || p.Location != "/sessions" {
		t.Fatalf("sign in: %d %s", p.Status, p.Location)
	}
	sid := b.cookies[cookieSession]
	if sid == "" || sid == before {
		t.Fatal("no new session cookie at sign-in")
	}
	if c := p.Header.Values("Set-Cookie"); !strings.Contains(strings.Join(c, ";"), "HttpOnly") || !strings.Contains(strings.Join(c, ";"), "SameSite=Lax") {
		t.Fatalf("session cookie attributes: %v", c)
	}

	// Switching language is one click and is remembered for the account.
	tok = b.csrf("/dashboard")
	p = b.post("/lang", url.Values{"_csrf": {tok}, "lang": {"en"}, "next": {"/dashboard"}})
	if p.Status != http.StatusSeeOther || p.Location != "/dashboard" {
		t.Fatalf("switch language: %d %s", p.Status, p.Location)
	}
	u, _ := f.e.db.Stores().Course.UserByID(t.Context(), f.part.ID)
	if u.Locale != "en" {
		t.Fatalf("locale not remembered: %q", u.Locale)
	}
	other := f.e.browser() // another device, French browser
	other.lang = "fr"
	other.login(f.part)
	if p := other.get("/dashboard"); !strings.Contains(p.Doc.Find("header").Text(), "Sign out") {
		t.Fatal("the account's language is not used on another device")
	}
	if p := b.post("/lang", url.Values{"_csrf": {tok}, "lang": {"de"}}); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown language: %d", p.Status)
	}

	// Enrol from the list, then the dashboard shows the session and deadlines.
	tok = b.csrf("/sessions")
	p = b.post("/sessions/"+f.session.ID+"/enrol", url.Values{"_csrf": {tok}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("enrol: %d", p.Status)
	}
	p = b.get("/dashboard")
	if !strings.Contains(p.HTML, "LCIII-001") || p.Doc.Find(".deadlines li").Length() != 3 {
		t.Fatalf("dashboard after enrolling:\n%s", p.Doc.Find("main").Text())
	}
	if !strings.Contains(p.Doc.Find(".deadlines").Text(), "Monday 2 March 2026, 00:00") {
		t.Fatalf("deadline not shown in Paris time: %s", p.Doc.Find(".deadlines").Text())
	}
	if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("dashboard Cache-Control = %q", cc)
	}

	// A participant cannot reach coordinator pages.
	if p := b.get("/sessions/new"); p.Status != http.StatusForbidden {
		t.Fatalf("participant on /sessions/new: %d", p.Status)
	}
	if p := b.get("/users"); p.Status != http.StatusForbidden {
		t.Fatalf("participant on /users: %d", p.Status)
	}

	// Sign-out invalidates the session on the server.
	tok = b.csrf("/dashboard")
	if p := b.post("/logout", url.Values{"_csrf": {tok}}); p.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", p.Status)
	}
	replay := f.e.browser()
	replay.cookies[cookieSession] = sid
	if p := replay.get("/dashboard"); p.Status != http.StatusSeeOther {
		t.Fatalf("old session cookie after sign-out: %d", p.Status)
	}
}

func TestCoordinatorPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.e.browser()
	b.login(f.coord)

	tok := b.csrf("/sessions/new")
	p := b.post("/sessions", url.Values{"_csrf": {tok}, "format": {"LCVI"}, "starts_on": {"2026-04-06"}, "capacity": {"25"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/sessions/") {
		t.Fatalf("create session: %d %s", p.Status, p.Location)
	}
	show := b.get(p.Location)
	if !strings.Contains(show.Doc.Find("h1").Text(), "LCVI-001") || show.Doc.Find(".flash").Length() == 0 {
		t.Fatalf("new session page: %s", show.Doc.Find("main").Text())
	}
	if n := show.Doc.Find("table tbody tr").Length(); n != 7 {
		t.Fatalf("schedule has %d rows, want 6 parts and the evaluation", n)
	}
	id := strings.TrimPrefix(p.Location, "/sessions/")

	p = b.post("/sessions", url.Values{"_csrf": {tok}, "format": {"LCVI"}, "starts_on": {"demain"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Doc.Find(".alert").Text(), "Date de début") {
		t.Fatalf("bad date: %d %q", p.Status, p.Doc.Find(".alert").Text())
	}

	steps := []struct {
		path string
		form url.Values
	}{
		{"/sessions/" + id + "/capacity", url.Values{"capacity": {"40"}}},
		{"/sessions/" + id + "/animators", url.Values{"user_id": {f.anim.ID}}},
		{"/sessions/" + id + "/enrolments", url.Values{"email": {f.part.Email}}},
		{"/sessions/" + id + "/parts/1", url.Values{"title": {"Le droit d'auteur, en bref"}, "opens_at": {"2026-04-06T09:00"}, "submission_due": {"2026-04-09T18:00"}, "review_due": {"2026-04-12T20:00"}}},
		{"/sessions/" + id + "/evaluation", url.Values{"opens_at": {"2026-05-11T08:00"}, "due": {"2026-05-17T20:00"}}},
	}
	for _, st := range steps {
		st.form.Set("_csrf", b.csrf("/sessions/"+id))
		if p := b.post(st.path, st.form); p.Status != http.StatusSeeOther {
			t.Fatalf("POST %s: %d %s", st.path, p.Status, p.Doc.Find(".alert").Text())
		}
	}
	s, _ := f.e.db.Stores().Course.SessionByID(t.Context(), id)
	if s.Capacity != 40 || !s.HasAnimator(f.anim.ID) || s.Enrolled != 1 || s.Parts[0].Title != "Le droit d'auteur, en bref" {
		t.Fatalf("session after the forms: %+v", s)
	}
	if got := s.Parts[0].SubmissionDue.Format("2006-01-02T15:04Z07:00"); got != "2026-04-09T16:00Z" {
		t.Fatalf("18:00 in Paris stored as %s, want 16:00 UTC", got)
	}
	// A form error shows the page again with the message.
	p = b.post("/sessions/"+id+"/parts/1", url.Values{"_csrf": {b.csrf("/sessions/" + id)}, "title": {"x"}, "review_due": {"2026-04-01T10:00"}})
	if p.Status != http.StatusUnprocessableEntity || p.Doc.Find(".alert").Length() == 0 {
		t.Fatalf("invalid part dates: %d", p.Status)
	}
	// The animator may edit parts but has no coordinator forms.
	a := f.e.browser()
	a.login(f.anim)
	ap := a.get("/sessions/" + id)
	if ap.Doc.Find(`form[action$="/parts/1"]`).Length() != 1 || ap.Doc.Find(`form[action$="/capacity"]`).Length() != 0 {
		t.Fatal("animator sees the wrong forms")
	}
	if p := a.post("/sessions/"+id+"/capacity", url.Values{"_csrf": {a.csrf("/sessions/" + id)}, "capacity": {"1"}}); p.Status != http.StatusForbidden {
		t.Fatalf("animator changing capacity: %d", p.Status)
	}
	// Accounts page creates accounts with roles.
	p = b.post("/users", url.Values{"_csrf": {b.csrf("/users")}, "name": {"Nina"}, "email": {"nina@example.org"}, "password": {"cle-de-test-42"}, "roles": {"animator", "participant"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create account: %d %s", p.Status, p.Doc.Find(".alert").Text())
	}
	nina, err := f.e.db.Stores().Course.UserByEmail(t.Context(), "nina@example.org")
	if err != nil || !nina.Has(course.RoleAnimator) {
		t.Fatalf("account created as %+v, %v", nina, err)
	}
	p = b.post("/users", url.Values{"_csrf": {b.csrf("/users")}, "name": {"Nina"}, "email": {"nina@example.org"}, "password": {"cle-de-test-42"}})
	if p.Status != http.StatusConflict {
		t.Fatalf("duplicate account: %d", p.Status)
	}
}

func TestRegisterPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	b := f.e.browser()
	tok := b.csrf("/register")
	form := url.Values{"_csrf": {tok}, "name": {"Zoé"}, "email": {"zoe@example.org"}, "password": {testPassword("zoe@example.org")}, "password_confirm": {"autre chose"}}
	if p := b.post("/register", form); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("mismatched passwords: %d", p.Status)
	}
	form.Set("password_confirm", testPassword("zoe@example.org"))
	p := b.post("/register", form)
	if p.Status != http.StatusSeeOther || p.Location != "/login" {
		t.Fatalf("register: %d %s", p.Status, p.Location)
	}
	zoe, err := f.e.db.Stores().Course.UserByEmail(t.Context(), "zoe@example.org")
	if err != nil {
		t.Fatal(err)
	}
	b.login(&course.User{Email: zoe.Email}) // the password chosen is testPassword's
	if p := b.get("/sessions"); p.Doc.Find(`form[action$="/enrol"]`).Length() != 1 {
		t.Fatal("a new participant sees no enrol button")
	}

	cfg := testConfig()
	cfg.SelfRegistration = false
	closed := newEnvWith(t, cfg)
	if p := closed.browser().get("/register"); p.Status != http.StatusForbidden {
		t.Fatalf("register page with self-registration off: %d", p.Status)
	}
	if res := closed.api("POST", "/api/v1/auth/register", "", map[string]string{"email": "a@b.fr", "name": "A", "password": "cle-de-test-42"}); res.Status != 403 {
		t.Fatalf("API register with self-registration off: %d", res.Status)
	}
}

func TestHealthStaticAndHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	if p := b.get("/healthz"); p.Status != 200 {
		t.Fatalf("healthz: %d", p.Status)
	}
	if p := b.get("/readyz"); p.Status != 200 {
		t.Fatalf("readyz: %d", p.Status)
	}
	home := b.get("/")
	csp := home.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "http") {
		t.Fatalf("CSP = %q", csp)
	}
	if home.Header.Get("X-Content-Type-Options") != "nosniff" || home.Header.Get("Referrer-Policy") == "" {
		t.Fatalf("security headers: %v", home.Header)
	}
	if home.Header.Get("Strict-Transport-Security") != "" {
		t.Fatal("HSTS over http")
	}
	css, ok := home.Doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !ok || !strings.HasPrefix(css, "/static/app.") || css == "/static/app.css" {
		t.Fatalf("stylesheet URL %q is not content-hashed", css)
	}
	p := b.get(css)
	if p.Status != 200 || !strings.Contains(p.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/css") || p.Header.Get("ETag") == "" {
		t.Fatalf("static: %d %v", p.Status, p.Header)
	}
	if p := b.get("/static/nope.css"); p.Status != 404 {
		t.Fatalf("missing static file: %d", p.Status)
	}
	// No page references another origin.
	home.Doc.Find("[src], [href]").Each(func(_ int, s *goquery.Selection) {
		for _, attr := range []string{"src", "href"} {
			if v, ok := s.Attr(attr); ok && (strings.HasPrefix(v, "http") || strings.HasPrefix(v, "//")) {
				t.Errorf("third-party reference %s", v)
			}
		}
	})

	cfg := testConfig()
	cfg.BaseURL = "https://cours.example.org"
	sec := newEnvWith(t, cfg)
	sb := sec.browser()
	p = sb.get("/login")
	if p.Header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS over https")
	}
	if c := strings.Join(p.Header.Values("Set-Cookie"), ";"); !strings.Contains(c, "__Host-lc_csrf=") || !strings.Contains(c, "secure") {
		t.Fatalf("https cookies: %s", c)
	}
}

// TestOpenAPIDescribesEveryRoute fails when an API route is missing from
// /api/v1/openapi.json.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.api("GET", "/api/v1/openapi.json", "", nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(res.Body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %v %s", err, doc.OpenAPI)
	}
	for _, r := range e.srv.App().GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/") || r.Method == "HEAD" {
			continue
		}
		p := strings.TrimSuffix(r.Path, "/")
		for _, seg := range []string{"id", "n", "code", "rid", "sid", "uid"} {
			p = strings.ReplaceAll(p, "/:"+seg, "/{"+seg+"}")
		}
		if _, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in openapi.json (as %s)", r.Method, r.Path, p)
		}
	}
}

// TestSessionTimeouts: a web session ends after LIBRECOURS_SESSION_IDLE
// without a request, and after LIBRECOURS_SESSION_MAX whatever happens.
func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	idle, maxAge := f.e.srv.cfg.SessionIdle, f.e.srv.cfg.SessionMax
	b := f.e.browser()
	b.login(f.part)
	f.e.clock.Set(testStart.Add(idle - time.Minute))
	if p := b.get("/dashboard"); p.Status != 200 {
		t.Fatalf("within the idle time: %d", p.Status)
	}
	f.e.clock.Set(testStart.Add(2*idle - 3*time.Minute)) // idle time counted from the last request
	if p := b.get("/dashboard"); p.Status != 200 {
		t.Fatalf("active session: %d", p.Status)
	}
	f.e.clock.Set(testStart.Add(3*idle + time.Minute))
	if p := b.get("/dashboard"); p.Status != http.StatusSeeOther {
		t.Fatalf("after the idle time: %d", p.Status)
	}

	// Keep a session active every hour: it still ends at the absolute limit.
	f.e.clock.Set(testStart)
	b = f.e.browser()
	b.login(f.part)
	for at := time.Hour; at < maxAge; at += time.Hour {
		f.e.clock.Set(testStart.Add(at))
		if p := b.get("/dashboard"); p.Status != 200 {
			t.Fatalf("active session at %v: %d", at, p.Status)
		}
	}
	f.e.clock.Set(testStart.Add(maxAge + time.Minute))
	if p := b.get("/dashboard"); p.Status != http.StatusSeeOther {
		t.Fatalf("after the absolute limit: %d", p.Status)
	}
}
