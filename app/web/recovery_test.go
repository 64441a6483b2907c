package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"librecours/certificates"
	"librecours/course"
	"librecours/notify"
)

func init() {
	for k, v := range map[string]authz{
		"GET /password/forgot": {allowed: everyone}, "POST /password/forgot": {allowed: "*"},
		"GET /password/reset/:token": {allowed: "*"}, "POST /password/reset/:token": {allowed: "*"}, // 404: no such link
		"GET /account/email/:token": {allowed: "*"}, "POST /account/email/:token": {allowed: "*"},
		"POST /account/password": {allowed: "OERXNC"}, "POST /account/name": {allowed: "OERXNC"}, // empty: 422
		"POST /account/email":   {allowed: "OERXNC"},
		"POST /users/:id/reset": {allowed: "C"}, // a session's ID: 404
	} {
		matrix[k] = v
	}
	moreRenderCases = append(moreRenderCases, func(t *testing.T, f *fixture, who map[string]*browser) map[string]renderCase {
		link := func(kind, data string) string {
			tok := course.NewToken()
			now := f.e.clock.Now()
			if err := f.e.srv.auth.Store.CreateSession(t.Context(), course.AuthSession{TokenHash: course.HashToken(tok), Kind: kind, UserID: f.part.ID,
				CSRF: data, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(time.Hour), IdleExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			return tok
		}
		return map[string]renderCase{
			"pages/account/forgot": {who["anon"], "/password/forgot", `form[action="/password/forgot"] input[name="email"]`},
			"pages/account/reset":  {who["anon"], "/password/reset/" + link(course.KindReset, ""), `form input[name="password_confirm"]`},
			"pages/account/email":  {who["anon"], "/account/email/" + link(course.KindEmail, "paul@new.example.org"), `form[action^="/account/email/"] button`},
		}
	})
	moreFormPages = append(moreFormPages, func(t *testing.T, f *fixture, coord, part *browser) (map[string]*browser, []string) {
		return map[string]*browser{"/password/forgot": f.e.browser(), "/account": part, "/users": coord},
			[]string{"/password/forgot", "/account/password", "/account/name", "/account/email", "/users/" + f.part.ID + "/reset"}
	})
}

// links claims the outbox's pending messages and returns the account links
// among them (kind → user ID → tokens), and the addresses of e-mail
// changes (token → new address).
func (e *testEnv) links(t *testing.T) (map[notify.Kind]map[string][]string, map[string]string) {
	t.Helper()
	out := map[notify.Kind]map[string][]string{}
	addrs := map[string]string{}
	for {
		m, err := e.notifier.store.Claim(t.Context(), e.clock.Now().Add(time.Hour), e.clock.Now().Add(2*time.Hour))
		if errors.Is(err, notify.ErrNothingDue) {
			return out, addrs
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := notify.LinkPaths[m.Kind]; !ok {
			continue
		}
		if out[m.Kind] == nil {
			out[m.Kind] = map[string][]string{}
		}
		for _, ev := range m.Events {
			out[m.Kind][m.UserID] = append(out[m.Kind][m.UserID], ev.Code)
			addrs[ev.Code] = ev.Text
		}
	}
}

// TestForgotPasswordAnswersAlike: the answer is the same whether the address
// has an account or not; only an account gets a link; requests are limited
// per client address, and links per account.
func TestForgotPasswordAnswersAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.user("ada@example.org", "Ada Lovelace", course.RoleParticipant)
	b := e.browser()
	if p := b.get("/login"); p.Doc.Find(`a[href="/password/forgot"]`).Length() != 1 {
		t.Fatal("the sign-in page has no link to the forgotten password form")
	}
	tok := b.csrf("/password/forgot")
	known := b.post("/password/forgot", url.Values{"_csrf": {tok}, "email": {" ADA@example.org "}})
	unknown := b.post("/password/forgot", url.Values{"_csrf": {tok}, "email": {"nobody@example.org"}})
	if known.Status != http.StatusSeeOther || unknown.Status != known.Status || unknown.Location != known.Location {
		t.Fatalf("known: %d %s; unknown: %d %s", known.Status, known.Location, unknown.Status, unknown.Location)
	}
	if flash := b.get("/login").Doc.Find(".flash").Text(); !strings.Contains(flash, "Si un compte existe") {
		t.Fatalf("flash %q", flash)
	}
	if p := b.post("/password/forgot", url.Values{"_csrf": {tok}, "email": {"not an address"}}); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("malformed address: %d", p.Status)
	}
	// Two more for Ada (three links), then a fourth sends nothing.
	for range 3 {
		if p := b.post("/password/forgot", url.Values{"_csrf": {tok}, "email": {ada.Email}}); p.Status != http.StatusSeeOther {
			t.Fatalf("status %d", p.Status)
		}
	}
	links, _ := e.links(t)
	if got := len(links[notify.KindPasswordReset][ada.ID]); got != forgotPerAccount || len(links[notify.KindPasswordReset]) != 1 {
		t.Fatalf("links %v, want %d for Ada only", links, forgotPerAccount)
	}
	// Five requests counted from this address so far.
	for i := 5; i < forgotPerIP; i++ {
		b.post("/password/forgot", url.Values{"_csrf": {tok}, "email": {"x@example.org"}})
	}
	b.lang = "en"
	p := b.post("/password/forgot", url.Values{"_csrf": {tok}, "email": {"x@example.org"}})
	if p.Status != http.StatusTooManyRequests || p.Header.Get("Retry-After") == "" || !strings.Contains(p.HTML, "Too many requests") {
		t.Fatalf("request %d: %d", forgotPerIP+1, p.Status)
	}
}

// TestResetLink: the link shows a form; a refused password keeps it; a good
// one sets the password, ends every session and uses the link up; an
// expired link answers a clear 404.
func TestResetLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.user("ada@example.org", "Ada Lovelace", course.RoleParticipant)
	elsewhere := e.browser()
	elsewhere.login(ada)
	api := e.token(ada)
	b := e.browser()
	b.post("/password/forgot", url.Values{"_csrf": {b.csrf("/password/forgot")}, "email": {ada.Email}})
	b.post("/password/forgot", url.Values{"_csrf": {b.csrf("/password/forgot")}, "email": {ada.Email}})
	links, _ := e.links(t)
	toks := links[notify.KindPasswordReset][ada.ID]
	if len(toks) != 2 {
		t.Fatalf("tokens %v", toks)
	}
	path := "/password/reset/" + toks[0]
	form := b.get(path)
	if form.Status != http.StatusOK || form.Header.Get("Referrer-Policy") != "no-referrer" || form.Doc.Find(`input[name="password"]`).Length() != 1 {
		t.Fatalf("form: %d", form.Status)
	}
	tok, _ := form.Doc.Find(`input[name="_csrf"]`).Attr("value")
	steps := []struct {
		name, password, confirm string
		status                  int
		says                    string
	}{
		{"mismatch", "tournesol violet", "tournesol vert", http.StatusUnprocessableEntity, ""},
		{"too short", "court", "court", http.StatusUnprocessableEntity, ""},
		{"personal", "ada lovelace 2026", "ada lovelace 2026", http.StatusUnprocessableEntity, "ni votre adresse ni votre nom"},
		{"good", "tournesol violet", "tournesol violet", http.StatusSeeOther, ""},
		{"used up", "tournesol violet", "tournesol violet", http.StatusNotFound, "a déjà servi ou a expiré"},
	}
	for _, st := range steps {
		p := b.post(path, url.Values{"_csrf": {tok}, "password": {st.password}, "password_confirm": {st.confirm}})
		if p.Status != st.status || !strings.Contains(p.HTML, st.says) {
			t.Fatalf("%s: status %d, want %d saying %q", st.name, p.Status, st.status, st.says)
		}
	}
	if p := elsewhere.get("/account"); p.Status == http.StatusOK {
		t.Fatal("the other web session survived the reset")
	}
	if res := e.api("GET", "/api/v1/me", api, nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("the API token survived the reset: %d", res.Status)
	}
	// The second link died with the sessions.
	if p := b.get("/password/reset/" + toks[1]); p.Status != http.StatusNotFound {
		t.Fatalf("second link after a reset: %d", p.Status)
	}
	again := e.browser()
	p := again.post("/login", url.Values{"_csrf": {again.csrf("/login")}, "email": {ada.Email}, "password": {"tournesol violet"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("sign-in with the new password: %d", p.Status)
	}
	// An expired link.
	b.post("/password/forgot", url.Values{"_csrf": {b.csrf("/password/forgot")}, "email": {ada.Email}})
	links, _ = e.links(t)
	e.clock.Set(e.clock.Now().Add(course.ResetTTL))
	b.lang = "en"
	if p := b.get("/password/reset/" + links[notify.KindPasswordReset][ada.ID][0]); p.Status != http.StatusNotFound || !strings.Contains(p.HTML, "used already or has expired") {
		t.Fatalf("expired link: %d", p.Status)
	}
	for _, bad := range []string{"nope", strings.Repeat("x", 200)} {
		if p := b.get("/password/reset/" + bad); p.Status != http.StatusNotFound {
			t.Fatalf("link %q: %d", bad, p.Status)
		}
	}
	if got := redactSecrets("/password/reset/" + toks[0]); strings.Contains(got, toks[0]) {
		t.Fatalf("logged path %q", got)
	}
}

// TestAccountSettings: the account page changes the password (current one
// required; other sessions end, this one stays), the name, and the address
// (only once the link sent to the new address is followed).
func TestAccountSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.user("ada@example.org", "Ada Lovelace", course.RoleParticipant)
	e.user("bob@example.org", "Bob", course.RoleParticipant)
	other := e.browser()
	other.login(ada)
	b := e.browser()
	b.login(ada)
	acc := b.get("/account")
	for _, action := range []string{"/account/password", "/account/name", "/account/email"} {
		if acc.Doc.Find(`form[action="`+action+`"]`).Length() != 1 {
			t.Fatalf("no form %s on the account page", action)
		}
	}
	tok, _ := acc.Doc.Find(`input[name="_csrf"]`).Attr("value")
	cur := testPassword(ada.Email)
	steps := []struct {
		name, path string
		form       url.Values
		status     int
	}{
		{"password without the current one", "/account/password", url.Values{"password": {"tournesol violet"}, "password_confirm": {"tournesol violet"}}, http.StatusUnprocessableEntity},
		{"wrong current password", "/account/password", url.Values{"current_password": {"faux mot de passe"}, "password": {"tournesol violet"}, "password_confirm": {"tournesol violet"}}, http.StatusUnprocessableEntity},
		{"weak new password", "/account/password", url.Values{"current_password": {cur}, "password": {"lovelace123"}, "password_confirm": {"lovelace123"}}, http.StatusUnprocessableEntity},
		{"password", "/account/password", url.Values{"current_password": {cur}, "password": {"tournesol violet"}, "password_confirm": {"tournesol violet"}}, http.StatusSeeOther},
		{"empty name", "/account/name", url.Values{"name": {"  "}}, http.StatusUnprocessableEntity},
		{"name", "/account/name", url.Values{"name": {"Ada King"}}, http.StatusSeeOther},
		{"same address", "/account/email", url.Values{"email": {"ADA@example.org"}, "current_password": {"tournesol violet"}}, http.StatusUnprocessableEntity},
		{"address without password", "/account/email", url.Values{"email": {"ada@new.example.org"}}, http.StatusUnprocessableEntity},
		{"address", "/account/email", url.Values{"email": {"ada@new.example.org"}, "current_password": {"tournesol violet"}}, http.StatusSeeOther},
		{"taken address", "/account/email", url.Values{"email": {"bob@example.org"}, "current_password": {"tournesol violet"}}, http.StatusSeeOther},
	}
	for _, st := range steps {
		st.form.Set("_csrf", tok)
		if p := b.post(st.path, st.form); p.Status != st.status {
			t.Fatalf("%s: status %d, want %d", st.name, p.Status, st.status)
		}
	}
	if p := b.get("/account"); p.Status != http.StatusOK {
		t.Fatalf("this session ended: %d", p.Status)
	}
	if p := other.get("/account"); p.Status == http.StatusOK {
		t.Fatal("the other session survived the password change")
	}
	u, _ := e.db.Stores().Course.UserByID(t.Context(), ada.ID)
	if u.Name != "Ada King" || u.Email != ada.Email {
		t.Fatalf("account %+v: the address changed before the link was followed", u)
	}
	links, addrs := e.links(t)
	toks := links[notify.KindEmailChange][ada.ID]
	if len(toks) != 2 {
		t.Fatalf("e-mail links %v", links)
	}
	var newTok, takenTok string
	for _, tk := range toks {
		switch addrs[tk] {
		case "ada@new.example.org":
			newTok = tk
		case "bob@example.org":
			takenTok = tk
		}
	}
	// A GET (a link scanner) changes nothing; the button does.
	conf := b.get("/account/email/" + newTok)
	if conf.Status != http.StatusOK || !strings.Contains(conf.HTML, "ada@new.example.org") {
		t.Fatalf("confirmation page: %d", conf.Status)
	}
	if u, _ := e.db.Stores().Course.UserByID(t.Context(), ada.ID); u.Email != ada.Email {
		t.Fatal("a GET changed the address")
	}
	anon := e.browser()
	if p := anon.post("/account/email/"+newTok, url.Values{"_csrf": {anon.csrf("/account/email/" + newTok)}}); p.Status != http.StatusSeeOther || p.Location != "/login" {
		t.Fatalf("confirm: %d %s", p.Status, p.Location)
	}
	if u, _ := e.db.Stores().Course.UserByID(t.Context(), ada.ID); u.Email != "ada@new.example.org" {
		t.Fatalf("address %q after the link", u.Email)
	}
	if p := anon.get("/account/email/" + newTok); p.Status != http.StatusNotFound {
		t.Fatalf("used link: %d", p.Status)
	}
	if p := b.post("/account/email/"+takenTok, url.Values{"_csrf": {tok}}); p.Status != http.StatusConflict {
		t.Fatalf("another account's address: %d", p.Status)
	}
}

// TestCoordinatorSendsReset: a coordinator sends someone a reset link from
// the users page (audited); nobody else may.
func TestCoordinatorSendsReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	coord := e.user("coord@example.org", "Coord", course.RoleCoordinator)
	ada := e.user("ada@example.org", "Ada Lovelace", course.RoleParticipant)
	b := e.browser()
	b.login(coord)
	users := b.get("/users")
	tok, _ := users.Doc.Find(`input[name="_csrf"]`).Attr("value")
	if users.Doc.Find(`form[action="/users/`+ada.ID+`/reset"]`).Length() != 1 {
		t.Fatal("no reset form for Ada on the users page")
	}
	if p := b.post("/users/"+ada.ID+"/reset", url.Values{"_csrf": {tok}}); p.Status != http.StatusSeeOther {
		t.Fatalf("send: %d", p.Status)
	}
	if p := b.post("/users/missing/reset", url.Values{"_csrf": {tok}}); p.Status != http.StatusNotFound {
		t.Fatalf("unknown account: %d", p.Status)
	}
	pb := e.browser()
	pb.login(ada)
	if p := pb.post("/users/"+coord.ID+"/reset", url.Values{"_csrf": {pb.csrf("/account")}}); p.Status != http.StatusForbidden {
		t.Fatalf("participant: %d", p.Status)
	}
	links, _ := e.links(t)
	if len(links[notify.KindPasswordReset][ada.ID]) != 1 || len(links[notify.KindPasswordReset]) != 1 {
		t.Fatalf("links %v", links)
	}
	entries, err := e.srv.certs.AuditLog(t.Context(), coord, certificates.AuditFilter{Action: course.AuditResetLink})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, en := range entries {
		found = found || (en.Action == course.AuditResetLink && en.ActorID == coord.ID && en.Target == ada.ID)
	}
	if !found {
		t.Fatalf("no audit entry: %+v", entries)
	}
}
