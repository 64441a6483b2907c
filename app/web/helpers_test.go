package app

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"librecours/app/sqlstore"
	"librecours/app/store"
	"librecours/course"
)

// clock is an injected, settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// testEnv is a Server on a fresh embedded database with an injected clock.
type testEnv struct {
	t     testing.TB
	srv   *Server
	clock *clock
	db    store.Backend
}

var testStart = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC) // a Sunday

func testConfig() Config {
	cfg, err := ConfigFromEnv(func(string) string { return "" })
	if err != nil {
		panic(err)
	}
	cfg.BaseURL = "http://librecours.test"
	return cfg
}

func newEnv(t testing.TB) *testEnv {
	t.Helper()
	return newEnvWith(t, testConfig())
}

func newEnvWith(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	db := openTestStore(t, "")
	clk := &clock{t: testStart}
	srv, err := NewServer(Deps{Config: cfg, Store: db, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, srv: srv, clock: clk, db: db}
}

// openTestStore opens the embedded store in dir (a fresh temporary folder
// when ""), closed when the test ends.
func openTestStore(t testing.TB, dir string) *sqlstore.Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s, err := sqlstore.OpenStore(context.Background(), dir, sqlstore.Options{Holder: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testPassword is the password e.user gives email's account: one per
// address, made of letters no test address or name holds (the password
// rules refuse a password holding them).
func testPassword(email string) string {
	h := fnv.New64a()
	h.Write([]byte(email))
	v := h.Sum64()
	b := []byte("Qz-")
	for range 16 {
		b = append(b, "qxz"[v%3])
		v /= 3
	}
	return string(b)
}

// user creates an account directly through the service.
func (e *testEnv) user(email, name string, roles ...course.Role) *course.User {
	e.t.Helper()
	u, err := e.srv.course.Bootstrap(context.Background(), course.NewUser{Email: email, Name: name, Password: testPassword(email), Roles: roles})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// do sends a request through the real fiber app.
func (e *testEnv) do(req *http.Request) *http.Response {
	e.t.Helper()
	resp, err := e.srv.App().Test(req, -1)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	return resp
}

type apiResult struct {
	Status int
	Body   []byte
	Header http.Header
}

func (r apiResult) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// errorCode returns error.code of a JSON error body.
func (r apiResult) errorCode() string {
	var b struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(r.Body, &b)
	return b.Error.Code
}

func (r apiResult) errorMessage() string {
	var b struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(r.Body, &b)
	return b.Error.Message
}

// api calls the JSON API with an optional Bearer token and body (a string is
// sent as is, anything else is marshalled).
func (e *testEnv) api(method, path, token string, body any, headers ...string) apiResult {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, r)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp := e.do(req)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return apiResult{Status: resp.StatusCode, Body: out, Header: resp.Header}
}

// token signs in through the API.
func (e *testEnv) token(u *course.User) string {
	e.t.Helper()
	res := e.api("POST", "/api/v1/auth/token", "", map[string]string{"email": u.Email, "password": testPassword(u.Email)})
	if res.Status != 200 {
		e.t.Fatalf("token for %s: %d %s", u.Email, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.decode(e.t, &out)
	return out.Token
}

// browser is a cookie-keeping client of the HTML pages.
type browser struct {
	e       *testEnv
	cookies map[string]string
	lang    string
}

func (e *testEnv) browser() *browser { return &browser{e: e, cookies: map[string]string{}} }

type page2 struct {
	Status   int
	Location string
	Doc      *goquery.Document
	HTML     string
	Header   http.Header
}

func (b *browser) send(req *http.Request) page2 {
	b.e.t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp := b.e.do(req)
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	body, _ := io.ReadAll(resp.Body)
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		b.e.t.Fatal(err)
	}
	return page2{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Doc: doc, HTML: string(body), Header: resp.Header}
}

func (b *browser) get(path string) page2 {
	return b.send(httptest.NewRequest("GET", path, nil))
}

// csrf returns the token of the last page's forms, loading path first.
func (b *browser) csrf(path string) string {
	b.e.t.Helper()
	p := b.get(path)
	tok, ok := p.Doc.Find(`input[name="_csrf"]`).First().Attr("value")
	if !ok || tok == "" {
		b.e.t.Fatalf("no CSRF token on %s (status %d)", path, p.Status)
	}
	return tok
}

// post submits a form; a "_csrf" of "" sends none.
func (b *browser) post(path string, form url.Values) page2 {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req)
}

// login signs in through the form.
func (b *browser) login(u *course.User) {
	b.e.t.Helper()
	tok := b.csrf("/login")
	p := b.post("/login", url.Values{"_csrf": {tok}, "email": {u.Email}, "password": {testPassword(u.Email)}})
	if p.Status != http.StatusSeeOther {
		b.e.t.Fatalf("login %s: status %d\n%s", u.Email, p.Status, p.Doc.Find(".alert").Text())
	}
}
