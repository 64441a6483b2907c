package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/go-cmp/cmp"

	"librecours/app/config"
	"librecours/course"
	"librecours/notify"
)

func TestThrottleDelay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{1, 0}, {5, 0}, {6, throttleFirstDelay}, {7, 2 * throttleFirstDelay}, {8, 4 * throttleFirstDelay},
		{15, throttleMaxDelay}, {1000, throttleMaxDelay},
	} {
		if got := throttleDelay(tc.n, 5); got != tc.want {
			t.Errorf("throttleDelay(%d, 5) = %v, want %v", tc.n, got, tc.want)
		}
	}
}

// TestSignInThrottleHolds: parallel guesses are counted before any
// password is checked, so no more than the free attempts get checked; the
// attacker then waits a growing delay, while the owner's known device
// still signs in with the right password.
func TestSignInThrottleHolds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("victime@example.org", "Victime", course.RoleParticipant)
	owner := e.browser()
	owner.login(u) // this browser becomes a known device
	if owner.cookies[cookieDevice] == "" {
		t.Fatal("no device cookie after a sign-in")
	}
	owner.post("/logout", url.Values{"_csrf": {owner.csrf("/dashboard")}})

	bad := map[string]string{"email": u.Email, "password": "pas-le-bon-mot"}
	const guesses = 20
	statuses := make(chan apiResult, guesses)
	var wg sync.WaitGroup
	for range guesses {
		wg.Go(func() { statuses <- e.api("POST", "/api/v1/auth/token", "", bad) })
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for r := range statuses {
		count[r.Status]++
		if r.Status == http.StatusTooManyRequests && r.Header.Get(fiber.HeaderRetryAfter) == "" {
			t.Error("429 without Retry-After")
		}
	}
	if count[http.StatusUnauthorized] > throttlePerAccount || count[http.StatusUnauthorized]+count[http.StatusTooManyRequests] != guesses {
		t.Fatalf("parallel guesses: %v, want at most %d checked (401), the rest 429", count, throttlePerAccount)
	}

	good := map[string]string{"email": u.Email, "password": testPassword(u.Email)}
	res := e.api("POST", "/api/v1/auth/token", "", good)
	if res.Status != http.StatusTooManyRequests || res.errorCode() != "too_many_attempts" {
		t.Fatalf("right password from an unknown client right after: %d %s", res.Status, res.Body)
	}
	// The owner's browser is not locked out.
	tok := owner.csrf("/login")
	if p := owner.post("/login", url.Values{"_csrf": {tok}, "email": {u.Email}, "password": {testPassword(u.Email)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("owner's known device: %d %s", p.Status, p.Doc.Find(".alert").Text())
	}
	// A forged or someone else's device cookie is no device.
	other := e.browser()
	other.cookies[cookieDevice] = strings.Replace(owner.cookies[cookieDevice], u.ID, "x", 1)
	tok = other.csrf("/login")
	if p := other.post("/login", url.Values{"_csrf": {tok}, "email": {u.Email}, "password": {testPassword(u.Email)}}); p.Status != http.StatusTooManyRequests {
		t.Fatalf("forged device cookie: %d", p.Status)
	}
	// The delay passes: the right password works from anywhere again.
	after, _ := strconv.Atoi(res.Header.Get(fiber.HeaderRetryAfter))
	if after <= 0 || time.Duration(after)*time.Second > throttleMaxDelay {
		t.Fatalf("Retry-After %q", res.Header.Get(fiber.HeaderRetryAfter))
	}
	e.clock.Set(e.clock.Now().Add(throttleMaxDelay + time.Second))
	if res := e.api("POST", "/api/v1/auth/token", "", good); res.Status != http.StatusOK {
		t.Fatalf("after the delay: %d %s", res.Status, res.Body)
	}
}

// TestSignInPerIP: many accounts guessed from one client address are
// throttled on that address; another client is not.
func TestSignInPerIP(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.TrustedProxies, _ = config.ParseProxies("0.0.0.0/32") // app.Test's connections come from 0.0.0.0
	e := newEnvWith(t, cfg)
	u := e.user("quelquun@example.org", "Quelqu’un", course.RoleParticipant)
	from := func(ip string) []string { return []string{fiber.HeaderXForwardedFor, "10.9.9.9, " + ip} }
	for i := range throttlePerIP {
		res := e.api("POST", "/api/v1/auth/token", "", map[string]string{"email": "personne" + strconv.Itoa(i) + "@example.org", "password": "pas-le-bon-mot"}, from("203.0.113.7")...)
		if res.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, res.Status)
		}
	}
	good := map[string]string{"email": u.Email, "password": testPassword(u.Email)}
	if res := e.api("POST", "/api/v1/auth/token", "", good, from("203.0.113.7")...); res.Status != http.StatusTooManyRequests {
		t.Fatalf("after %d failures from one client: %d", throttlePerIP, res.Status)
	}
	// The left of X-Forwarded-For is the client's own writing: ignored.
	if res := e.api("POST", "/api/v1/auth/token", "", good, fiber.HeaderXForwardedFor, "198.51.100.1, 203.0.113.7"); res.Status != http.StatusTooManyRequests {
		t.Fatalf("spoofed X-Forwarded-For: %d", res.Status)
	}
	if res := e.api("POST", "/api/v1/auth/token", "", good, from("203.0.113.8")...); res.Status != http.StatusOK {
		t.Fatalf("another client behind the same proxy: %d %s", res.Status, res.Body)
	}
	// A classroom behind one address: every account that signs in adds a
	// free attempt, so more than throttlePerIP people get in.
	for i := range throttlePerIP + 5 {
		s := e.user("eleve"+strconv.Itoa(i)+"@example.org", "Élève "+strconv.Itoa(i), course.RoleParticipant)
		if res := e.api("POST", "/api/v1/auth/token", "", map[string]string{"email": s.Email, "password": testPassword(s.Email)}, from("203.0.113.50")...); res.Status != http.StatusOK {
			t.Fatalf("sign-in %d from a classroom: %d %s", i+1, res.Status, res.Body)
		}
	}
	// One account signing in again and again gains one attempt only.
	for i := range throttlePerIP {
		e.api("POST", "/api/v1/auth/token", "", map[string]string{"email": "inconnu" + strconv.Itoa(i) + "@example.org", "password": "x-pas-le-bon"}, from("203.0.113.60")...)
		e.api("POST", "/api/v1/auth/token", "", good, from("203.0.113.60")...)
	}
	fresh := e.user("fraiche@example.org", "Fraîche", course.RoleParticipant)
	if res := e.api("POST", "/api/v1/auth/token", "", map[string]string{"email": fresh.Email, "password": testPassword(fresh.Email)}, from("203.0.113.60")...); res.Status != http.StatusTooManyRequests {
		t.Fatalf("one account's successes erased the guesses from its address: %d", res.Status)
	}
}

func TestClientIP(t *testing.T) {
	t.Parallel()
	if _, err := config.ParseProxies("10.0.0.0/8, nonsense"); err == nil {
		t.Fatal("a bad proxy is accepted")
	}
	if _, err := config.FromEnv(func(k string) string {
		return map[string]string{"LIBRECOURS_TRUSTED_PROXIES": "10.0.0.0/33"}[k]
	}); err == nil || !strings.Contains(err.Error(), "LIBRECOURS_TRUSTED_PROXIES") {
		t.Fatalf("config error: %v", err)
	}
	for _, tc := range []struct {
		name, trusted, xff, want string
	}{
		{"no proxy configured", "", "203.0.113.7", "0.0.0.0"},
		{"peer not trusted", "10.0.0.0/8", "203.0.113.7", "0.0.0.0"},
		{"one proxy", "0.0.0.0/32", "203.0.113.7", "203.0.113.7"},
		{"rightmost untrusted", "0.0.0.0/32, 10.0.0.0/8", "198.51.100.1, 203.0.113.7, 10.1.2.3", "203.0.113.7"},
		{"IPv6 by /64", "0.0.0.0/32", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"garbage stops at the last trusted hop", "0.0.0.0/32", "203.0.113.7, nonsense", "0.0.0.0"},
		{"no header", "0.0.0.0/32", "", "0.0.0.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.TrustedProxies, _ = config.ParseProxies(tc.trusted)
			e := newEnvWith(t, cfg)
			e.srv.App().Get("/test/ip", func(c *fiber.Ctx) error { return c.SendString(e.srv.clientKey(c)) })
			req := httptest.NewRequest("GET", "/test/ip", nil)
			if tc.xff != "" {
				req.Header.Set(fiber.HeaderXForwardedFor, tc.xff)
			}
			resp := e.do(req)
			defer resp.Body.Close()
			var b strings.Builder
			_, _ = io.Copy(&b, resp.Body)
			if b.String() != tc.want {
				t.Fatalf("client = %q, want %q", b.String(), tc.want)
			}
		})
	}
}

// TestArgonSlots: password checks beyond one per core wait, then get 503
// with Retry-After; a freed slot serves the next one.
func TestArgonSlots(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("presse@example.org", "Pressé", course.RoleParticipant)
	e.srv.passwords.Wait = 0
	for range cap(e.srv.passwords.Slots) {
		e.srv.passwords.Slots <- struct{}{}
	}
	good := map[string]string{"email": u.Email, "password": testPassword(u.Email)}
	res := e.api("POST", "/api/v1/auth/token", "", good)
	if res.Status != http.StatusServiceUnavailable || res.errorCode() != "busy" || res.Header.Get(fiber.HeaderRetryAfter) == "" {
		t.Fatalf("all slots taken: %d %s %v", res.Status, res.Body, res.Header)
	}
	<-e.srv.passwords.Slots
	if res := e.api("POST", "/api/v1/auth/token", "", good); res.Status != http.StatusOK {
		t.Fatalf("a slot freed: %d %s", res.Status, res.Body)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	e.srv.passwords.Wait = time.Hour
	e.srv.passwords.Slots <- struct{}{}
	if ok, err := e.srv.checkPassword(ctx, u.PasswordHash, testPassword(u.Email)); err == nil || ok {
		t.Fatalf("a cancelled wait for a slot: %v, %v (the right password: a check that ran says true)", ok, err)
	}
}

// TestRegistrationAnswersAlike: registering an address that has an account
// answers exactly like a new one; each gets its own e-mail. Registrations
// are limited per client address.
func TestRegistrationAnswersAlike(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	existing := e.user("deja@example.org", "Déjà Là", course.RoleParticipant)
	fresh := e.api("POST", "/api/v1/auth/register", "", map[string]string{"email": "nouvelle@example.org", "name": "Nouvelle", "password": "tournesol violet"})
	taken := e.api("POST", "/api/v1/auth/register", "", map[string]string{"email": "DEJA@example.org", "name": "Autre", "password": "tournesol violet"})
	if fresh.Status != http.StatusAccepted || taken.Status != fresh.Status || string(taken.Body) != string(fresh.Body) {
		t.Fatalf("new address: %d %s; existing: %d %s", fresh.Status, fresh.Body, taken.Status, taken.Body)
	}
	if !strings.Contains(string(fresh.Body), `"status":"check_mail"`) {
		t.Fatalf("body %s", fresh.Body)
	}
	created, err := e.db.Stores().Course.UserByEmail(t.Context(), "nouvelle@example.org")
	if err != nil {
		t.Fatal(err)
	}
	day := e.notifier.outbox.Day(e.clock.Now())
	for id, kind := range map[string]notify.Kind{created.ID: notify.KindAccountCreated, existing.ID: notify.KindAccountExists} {
		if _, err := e.notifier.store.Message(t.Context(), notify.MailID(kind, id, day)); err != nil {
			t.Errorf("no %s e-mail: %v", kind, err)
		}
	}
	if u, _ := e.db.Stores().Course.UserByID(t.Context(), existing.ID); u.Name != "Déjà Là" || u.PasswordHash != existing.PasswordHash {
		t.Fatalf("the existing account changed: %+v", u)
	}
	// The form says the same and signs nobody in.
	b := e.browser()
	p := b.post("/register", url.Values{"_csrf": {b.csrf("/register")}, "email": {existing.Email}, "name": {"X"},
		"password": {"tournesol violet"}, "password_confirm": {"tournesol violet"}})
	if p.Status != http.StatusSeeOther || p.Location != "/login" || b.cookies[cookieSession] != "" {
		t.Fatalf("form: %d %s", p.Status, p.Location)
	}
	if flash := b.get("/login").Doc.Find(".flash").Text(); !strings.Contains(flash, "Vérifiez votre messagerie") {
		t.Fatalf("flash %q", flash)
	}
	// Three registrations so far from this address.
	for i := 3; i < registerPerIP; i++ {
		e.api("POST", "/api/v1/auth/register", "", map[string]string{"email": "r" + strconv.Itoa(i) + "@example.org", "name": "R", "password": "tournesol violet"})
	}
	res := e.api("POST", "/api/v1/auth/register", "", map[string]string{"email": "encore@example.org", "name": "Encore", "password": "tournesol violet"}, "Accept-Language", "en")
	if res.Status != http.StatusTooManyRequests || res.Header.Get(fiber.HeaderRetryAfter) == "" || !strings.Contains(res.errorMessage(), "Too many registrations") {
		t.Fatalf("registration %d: %d %s", registerPerIP+1, res.Status, res.Body)
	}
}

// TestPasswordRules: weak passwords are refused with a localized message
// naming the field, at registration and on coordinator-created accounts.
func TestPasswordRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	coord := e.user("coord@example.org", "Coord", course.RoleCoordinator)
	ctok := e.token(coord)
	for _, tc := range []struct{ password, fr, en string }{
		{"        ", "que d’espaces", "only spaces"},
		{"P@ssw0rd", "plus courants", "most common"},
		{"Motdepasse1", "plus courants", "most common"},
		{"soleil123", "plus courants", "most common"},
		{"Soleil2026!", "plus courants", "most common"},
		{"librecours", "nom de la plateforme", "platform's name"},
		{"Libre Cours 42", "nom de la plateforme", "platform's name"},
		{"camille.martin-2026", "votre adresse ni votre nom", "your address nor your name"},
		{"xx-C4mille-xx", "votre adresse ni votre nom", "your address nor your name"},
	} {
		body := map[string]string{"email": "camille.martin@example.org", "name": "Camille Martin", "password": tc.password}
		for _, lang := range []string{"fr", "en"} {
			e.clock.Set(e.clock.Now().Add(registerWindow)) // registrations are limited per client address
			res := e.api("POST", "/api/v1/auth/register", "", body, "Accept-Language", lang)
			want := map[string]string{"fr": tc.fr, "en": tc.en}[lang]
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), `"field":"password"`) || !strings.Contains(res.errorMessage(), want) {
				t.Errorf("%q (%s): %d %s", tc.password, lang, res.Status, res.Body)
			}
		}
		res := e.api("POST", "/api/v1/users", ctok, body)
		if res.Status != http.StatusUnprocessableEntity {
			t.Errorf("%q by a coordinator: %d %s", tc.password, res.Status, res.Body)
		}
	}
	if res := e.api("POST", "/api/v1/users", ctok, map[string]string{"email": "camille.martin@example.org", "name": "Camille Martin", "password": "tournesol violet"}); res.Status != http.StatusCreated {
		t.Fatalf("a good password: %d %s", res.Status, res.Body)
	}
}

// TestCleanInput: invalid UTF-8 is refused; names and addresses lose
// invisible characters; addresses are compared folded; X-Request-ID is
// kept only when it is a plain identifier.
func TestCleanInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	coord := e.user("coord@example.org", "Coord", course.RoleCoordinator)
	ctok := e.token(coord)
	for _, tc := range []struct {
		name, method, path, ctype, body string
	}{
		{"JSON", "POST", "/api/v1/auth/register", "application/json", "{\"email\":\"a@b.fr\",\"name\":\"\xff\",\"password\":\"tournesol violet\"}"},
		{"JSON lone surrogate", "POST", "/api/v1/auth/register", "application/json", `{"email":"a@b.fr","name":"\ud800x","password":"tournesol violet"}`},
		{"JSON low surrogate first", "POST", "/api/v1/auth/register", "application/json", `{"email":"a@b.fr","name":"\udc00\ud800","password":"tournesol violet"}`},
		{"query", "GET", "/api/v1/me?x=%FF", "", ""},
		{"form", "POST", "/login", "application/x-www-form-urlencoded", "email=a%FF%40b.fr&password=x"},
		{"multipart", "POST", "/login", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n\xfe\xff\r\n--B--\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, lang := range []string{"fr", "en"} {
				req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
				if tc.ctype != "" {
					req.Header.Set("Content-Type", tc.ctype)
				}
				req.Header.Set("Accept-Language", lang)
				resp := e.do(req)
				var b strings.Builder
				_, _ = io.Copy(&b, resp.Body)
				resp.Body.Close()
				want := map[string]string{"fr": "mal encodé", "en": "badly encoded"}[lang]
				if resp.StatusCode != http.StatusBadRequest || !strings.Contains(b.String(), want) {
					t.Fatalf("%s: %d %s", lang, resp.StatusCode, b.String())
				}
			}
		})
	}
	// A valid surrogate pair (an emoji) is fine.
	if res := e.api("POST", "/api/v1/users", ctok, `{"email":"emoji@example.org","name":"Zo\u00e9 \ud83d\ude00","password":"tournesol violet"}`); res.Status != http.StatusCreated {
		t.Fatalf("surrogate pair: %d %s", res.Status, res.Body)
	}

	res := e.api("POST", "/api/v1/users", ctok, map[string]string{"email": "Zw\u200b@Example.org", "name": "\u202eZoé\u200b\nMartin\u0007", "password": "tournesol violet"})
	var u userJSON
	if res.decode(t, &u); res.Status != http.StatusCreated || u.Email != "zw@example.org" || u.Name != "Zoé Martin" {
		t.Fatalf("created: %d %s", res.Status, res.Body)
	}
	for _, email := range []string{"zw@example.org", "ZW@EXAMPLE.ORG", "z\u200dw@example.org", " zw@example.org\u2060"} {
		res := e.api("POST", "/api/v1/users", ctok, map[string]string{"email": email, "name": "Doublon", "password": "tournesol violet"})
		if res.Status != http.StatusConflict {
			t.Errorf("%q is another account: %d %s", email, res.Status, res.Body)
		}
	}
	nfd := e.api("POST", "/api/v1/users", ctok, map[string]string{"email": "zoe\u0301@example.org", "name": "Zoé", "password": "tournesol violet"})
	nfc := e.api("POST", "/api/v1/users", ctok, map[string]string{"email": "ZOÉ@example.org", "name": "Zoé", "password": "tournesol violet"})
	if nfd.Status != http.StatusCreated || nfc.Status != http.StatusConflict {
		t.Fatalf("NFD then NFC capitals: %d, %d", nfd.Status, nfc.Status)
	}
	if res := e.api("POST", "/api/v1/auth/token", "", map[string]string{"email": "ZW\u200b@example.org", "password": "tournesol violet"}); res.Status != http.StatusOK {
		t.Fatalf("sign in with another spelling: %d %s", res.Status, res.Body)
	}

	for _, tc := range []struct {
		sent string
		kept bool
	}{
		{"abcd-1234", true}, {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true},
		{"short", false}, {"has space 123", false}, {"<script>alert(1)</script>", false}, {"line\\nbreak-123", false},
		{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", false}, {"ünïcode-123", false},
	} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Header.Set(fiber.HeaderXRequestID, tc.sent)
		resp := e.do(req)
		resp.Body.Close()
		got := resp.Header.Get(fiber.HeaderXRequestID)
		if (got == tc.sent) != tc.kept || !validRequestID(got) {
			t.Errorf("X-Request-ID %q answered %q, kept=%v", tc.sent, got, tc.kept)
		}
	}
}

func TestHasLoneSurrogate(t *testing.T) {
	t.Parallel()
	got := map[string]bool{}
	for _, s := range []string{`"\ud800"`, `"\ud83d\ude00"`, `"\\ud800"`, `"\\\ud800"`, `"\udc00"`, `"\u00e9"`, `"\ud800\u0041"`, `"\ud800`} {
		got[s] = hasLoneSurrogate([]byte(s))
	}
	want := map[string]bool{`"\ud800"`: true, `"\ud83d\ude00"`: false, `"\\ud800"`: false, `"\\\ud800"`: true, `"\udc00"`: true,
		`"\u00e9"`: false, `"\ud800\u0041"`: true, `"\ud800`: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatal(diff)
	}
}

// TestVerifyLimitPerClient: behind a trusted proxy, the certificate
// verification limit counts each client, not the proxy.
func TestVerifyLimitPerClient(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.TrustedProxies, _ = config.ParseProxies("0.0.0.0/32")
	e := newEnvWith(t, cfg)
	status := func(ip string) int {
		return e.api("GET", "/api/v1/certificates/LC-INCONNU", "", nil, fiber.HeaderXForwardedFor, ip).Status
	}
	for i := range 60 {
		if got := status("203.0.113.7"); got != http.StatusNotFound {
			t.Fatalf("check %d: %d", i+1, got)
		}
	}
	if got := status("203.0.113.7"); got != http.StatusTooManyRequests {
		t.Fatalf("check 61 from one client: %d", got)
	}
	if got := status("203.0.113.8"); got != http.StatusNotFound {
		t.Fatalf("another client: %d", got)
	}
}

// TestVerificationRateLimited: guessing codes is cut off per address.
func TestVerificationRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	last := 0
	for range 70 {
		res := e.api("GET", "/api/v1/certificates/LC3-0000-0000-0000-0000", "", nil)
		last = res.Status
		if res.Status != 404 && res.Status != 429 {
			t.Fatalf("status %d", res.Status)
		}
	}
	if last != 429 {
		t.Fatalf("70 guesses in a minute: last status %d, want 429", last)
	}
}
