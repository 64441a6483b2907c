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
	"librecours/app/markdown"
	"librecours/app/metrics"
	"librecours/app/password"
	"librecours/certificates"
	"librecours/grading"
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
	d := testDeps(cfg, db, clk.Now, nil)
	srv, err := NewServer(d)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, srv: srv, clock: clk, db: db}
	e.jobs, e.notifier = testJobs(d, db)
	return e
}

// restart builds a second platform on e's database and clock, as a
// restarted process would have: its web server and its scheduler.
func (e *testEnv) restart() (*Server, *jobs.Scheduler, testNotifier) {
	e.t.Helper()
	d := testDeps(e.srv.cfg, e.db, e.clock.Now, nil)
	srv, err := NewServer(d)
	if err != nil {
		e.t.Fatal(err)
	}
	j, n := testJobs(d, e.db)
	return srv, j, n
}

// testJobs wires the notification rules and the scheduler over d's
// services as app/platform.go does, with e-mails written to the log.
func testJobs(d Deps, db store.Backend) (*jobs.Scheduler, testNotifier) {
	st := db.Stores()
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	n := testNotifier{outbox: d.Outbox, store: st.Outbox}
	cfg := d.Config
	var mailer notify.Mailer = notify.LogMailer{Log: log}
	if cfg.SMTPHost != "" {
		mailer = &notify.SMTPMailer{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS}
	}
	n.dispatch = &notify.Dispatcher{Store: st.Outbox, Users: st.Course, Mailer: mailer, Now: d.Now,
		Poster:   &notify.Mattermost{AllowPrivate: d.Config.WebhookAllowPrivate},
		Renderer: notify.Renderer{Texts: d.Texts, BaseURL: d.Config.BaseURL}, UnsubscribeKey: d.Secrets.KeyFunc(course.SecretUnsubscribe)}
	rules := &jobs.Rules{Outbox: d.Outbox, Hooks: st.Outbox, Course: st.Course, Grading: d.Grading,
		Texts: d.Texts, Lang: languages[0], Now: d.Now, Log: log}
	d.Grading.Events, d.Certificates.Events = rules, rules
	return &jobs.Scheduler{Grading: d.Grading, Rules: rules, Dispatch: n.dispatch, Auth: d.Auth,
		Metrics: d.Metrics, Log: log, Now: d.Now, NotifyInterval: d.Config.NotifyInterval}, n
}

// testArgon are the cost parameters of the test accounts' password hashes:
// cheap, so that tests spend their time on what they test (the platform's
// own parameters are checked in app/password).
var testArgon = password.Params{Memory: 256, Time: 1, Threads: 1}

// testDeps wires the services over db as app/platform.go does (a web test
// cannot import package app, which imports web); the scheduler's parts are
// in testEnv.jobs.
func testDeps(cfg config.Config, db store.Backend, now func() time.Time, m *metrics.Metrics) Deps {
	st := db.Stores()
	texts, err := LoadTexts()
	if err != nil {
		panic(err)
	}
	common, err := password.LoadCommon()
	if err != nil {
		panic(err)
	}
	passwords := password.NewLimiter(password.DefaultWait)
	passwords.Params = testArgon
	secrets := &course.Secrets{Settings: st.Settings}
	md := markdown.New()
	d := Deps{Config: cfg, Now: now, Texts: texts, Passwords: passwords, Secrets: secrets, Markdown: md, Ready: db.Ready, Unavailable: db.Unavailable, Metrics: m}
	d.Course = &course.Service{Store: st.Course, Roster: st.Course, Feeds: st.Course, Privacy: st.Course, Audit: st.Certificates,
		Now: now, HashPassword: passwords.Hash, CommonPassword: common.Has, TimeZone: cfg.TimeZone, SelfRegistration: cfg.SelfRegistration}
	d.Auth = &course.Auth{Store: st.Auth, Users: st.Course, Now: now,
		SessionIdle: cfg.SessionIdle, SessionMax: cfg.SessionMax, TokenTTL: cfg.TokenTTL}
	d.Grading = &grading.Service{Store: st.Grading, Course: st.Course, Audit: st.Certificates, Now: now,
		Markdown: markdown.ForGrading(md), IDKey: secrets.KeyFunc(course.SecretReviewIDs)}
	d.Quiz = &grading.Quiz{Store: st.Evaluation, Course: st.Course, Now: now, Audit: st.Certificates}
	d.Certificates = &certificates.Service{Store: st.Certificates, Animators: st.Certificates, Course: st.Course,
		Grading: st.Grading, Quiz: d.Quiz, Now: now, BaseURL: cfg.BaseURL, Organisation: cfg.Organisation, Texts: texts}
	d.Course.Copiers = []course.SessionCopier{d.Grading, d.Quiz, d.Certificates}
	loc, _ := time.LoadLocation(cfg.TimeZone)
	d.Outbox = &notify.Outbox{Store: st.Outbox, Now: now, Location: loc, AllowPrivateWebhooks: cfg.WebhookAllowPrivate, Audit: st.Certificates}
	return d
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
	d := testDeps(cfg, db, now, m)
	d.Log = log
	srv, err := NewServer(d)
	if err == nil {
		testJobs(d, db)
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
