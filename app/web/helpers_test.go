package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"librecours/app/cli/verify"
	"librecours/app/config"
	"librecours/app/jobs"
	"librecours/app/metrics"
	"librecours/app/password"
	"librecours/app/services"
	"librecours/notify"
	"log/slog"
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
	t        testing.TB
	srv      *Server
	clock    *clock
	db       store.Backend
	jobs     *jobs.Scheduler // the scheduler over srv's services
	notifier testNotifier
}

// testNotifier is what the notification tests reach into: the outbox, its
// store and the dispatcher (whose Mailer a test may replace).
type testNotifier struct {
	outbox   *notify.Outbox
	store    notify.Store
	dispatch *notify.Dispatcher
}

var testStart = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC) // a Sunday

func testConfig() config.Config {
	cfg, err := config.FromEnv(func(string) string { return "" })
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

func newEnvWith(t testing.TB, cfg config.Config) *testEnv {
	t.Helper()
	db := openTestStore(t, "")
	clk := &clock{t: testStart}
	d, j, n := testWiring(cfg, db, clk.Now, nil, nil)
	srv, err := newCheckedServer(d)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, srv: srv, clock: clk, db: db}
	e.jobs, e.notifier = j, n
	return e
}

// restart builds a second platform on e's database and clock, as a
// restarted process would have: its web server and its scheduler.
func (e *testEnv) restart() (*Server, *jobs.Scheduler, testNotifier) {
	e.t.Helper()
	d, j, n := testWiring(e.srv.cfg, e.db, e.clock.Now, nil, nil)
	srv, err := newCheckedServer(d)
	if err != nil {
		e.t.Fatal(err)
	}
	return srv, j, n
}

// testArgon are the cost parameters of the test accounts' password hashes:
// cheap, so that tests spend their time on what they test (the platform's
// own parameters are checked in app/password).
var testArgon = password.Params{Memory: 256, Time: 1, Threads: 1}

// testWiring builds the services over db as app/platform.go does (through
// app/services; a web test cannot import package app, which imports web):
// the server's Deps, the scheduler over the same services, and what the
// notification tests reach into.
func testWiring(cfg config.Config, db store.Backend, now func() time.Time, m *metrics.Metrics, log *slog.Logger) (Deps, *jobs.Scheduler, testNotifier) {
	texts, err := LoadTexts()
	if err != nil {
		panic(err)
	}
	passwords := password.NewLimiter(password.DefaultWait)
	passwords.Params = testArgon
	set, err := services.New(db.Stores(), services.Options{Config: cfg, Log: log, Now: now, Texts: texts, Passwords: passwords, Metrics: m})
	if err != nil {
		panic(err)
	}
	d := Deps{Config: cfg, Log: log, Now: now, Texts: texts, Passwords: set.Passwords, Secrets: set.Secrets, Markdown: set.Markdown,
		Course: set.Course, Auth: set.Auth, Grading: set.Grading, Quiz: set.Quiz, Certificates: set.Certificates, Outbox: set.Outbox,
		Ready: db.Ready, Unavailable: db.Unavailable, Metrics: m}
	return d, set.Scheduler, testNotifier{outbox: set.Outbox, store: db.Stores().Outbox, dispatch: set.Dispatch}
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

// unsubscribeKey is the secret that signs e's unsubscribe links.
func (e *testEnv) unsubscribeKey() []byte {
	e.t.Helper()
	k, err := e.srv.unsubscribeKey(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return k
}

// testServer is a Server over db wired as app/platform.go does, with its
// notification rules (their scheduler is not kept).
func testServer(cfg config.Config, db store.Backend, now func() time.Time, log *slog.Logger, m *metrics.Metrics) (*Server, error) {
	d, _, _ := testWiring(cfg, db, now, m, log)
	srv, err := newCheckedServer(d)
	if err == nil {
		m.Watch(metrics.Sources{Backend: db, Grading: d.Grading, Now: now, DataDir: cfg.DataDir})
	}
	return srv, err
}

// verifyMain runs "certificates verify ARGS" as the command line does (the
// web tests cannot import app/cli, which imports web): exit 0, 1 with the
// reason on stderr, or 2 for a usage error.
func verifyMain(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || args[0] != "certificates" || args[1] != "verify" {
		panic("verifyMain runs certificates verify only")
	}
	err := verify.Run(context.Background(), "", args[2:], stdout)
	var ue *verify.UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, err)
		return 2
	}
	fmt.Fprintf(stderr, "librecours: %v\n", err)
	return 1
}

// testPlatform is the embedded store a process of a test opened in
// cfg.DataDir, holding its folder as a server does.
type testPlatform struct{ Store *sqlstore.Store }

func openPlatformStore(ctx context.Context, cfg config.Config) (*testPlatform, error) {
	st, err := sqlstore.OpenStore(ctx, cfg.DataDir, sqlstore.Options{Holder: "serve"})
	if err != nil {
		return nil, err
	}
	return &testPlatform{Store: st}, nil
}

func (p *testPlatform) Close() { _ = p.Store.Close() }

// newCheckedServer is NewServer whose pages are rendered twice, with and
// without their constants folded, and fail on a difference: every page the
// tests render checks foldConstants and foldEscaped.
func newCheckedServer(d Deps) (*Server, error) {
	srv, err := NewServer(d)
	if err != nil {
		return nil, err
	}
	srv.app.Config().Views.(*views).check = true
	return srv, nil
}
