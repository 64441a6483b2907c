package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"librecours/app/metrics"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"librecours/app/config"
	"librecours/app/sqlstore"
	"librecours/course"
)

const testMetricsToken = "test-metrics-token-0123456789"

// newMetricsEnv is a Server whose metrics are on, served on its own
// listener with a token, over a fresh embedded store wrapped for timing.
func newMetricsEnv(t *testing.T, cfg config.Config) (*testEnv, *sqlstore.Store) {
	t.Helper()
	db := openTestStore(t, "")
	m := metrics.New(cfg, ServerError)
	if m == nil {
		t.Fatal("metrics off")
	}
	clk := &clock{t: testStart}
	d, j, n := testWiring(cfg, m.Backend(db), clk.Now, m, nil)
	srv, err := newCheckedServer(d)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, srv: srv, clock: clk, db: db, jobs: j, notifier: n}
	m.Watch(metrics.Sources{Backend: m.Backend(db), Grading: d.Grading, Now: clk.Now, DataDir: cfg.DataDir})
	return e, db
}

// scrape reads /metrics from the platform's listener and parses it with
// the client library's text parser.
func (e *testEnv) scrape(t *testing.T) (map[string]*dto.MetricFamily, []byte) {
	t.Helper()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+testMetricsToken)
	resp := e.do(req)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("/metrics content type %q", ct)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	return fams, body
}

// metricValue is the value of the series of family name whose labels
// include want; ok is false when there is none.
func metricValue(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

func metricsConfig() config.Config {
	cfg := testConfig()
	cfg.MetricsToken = testMetricsToken
	return cfg
}

// TestMetrics drives a session through submissions, review assignment and
// grading, then reads /metrics: requests by route pattern and status, store
// operations, the scheduler, sessions, the correction queue, the outbox,
// certificates, a storage failure and the data folder, all parsed by the
// Prometheus text parser; no label holds an ID or a raw path.
func TestMetrics(t *testing.T) {
	t.Parallel()
	cfg := metricsConfig()
	cfg.DataDir = t.TempDir()
	e, db := newMetricsEnv(t, cfg)
	f := fixtureOn(t, e)
	ctx := t.Context()
	f.peerWork(t) // five submissions, reviews assigned (e-mails queued) at 10:00 on March 2
	queued := e.clock.Now()

	// Nobody reviews: at the review deadline the scheduler grades part 1
	// and its five submissions wait for an animator.
	graded := f.session.Parts[0].ReviewDue.Add(time.Hour)
	e.clock.Set(graded)
	e.jobs.Tick(ctx)
	now := graded.Add(2 * time.Hour)
	e.clock.Set(now)

	sessionPath := "/api/v1/sessions/" + f.session.ID
	tok := e.token(f.coord)
	for _, r := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/healthz", 200},
		{"GET", sessionPath, 200},
		{"GET", sessionPath, 200},
		{"GET", "/api/v1/sessions/unknown-id", 404},
		{"GET", "/no/such/page", 404},
	} {
		if res := e.api(r.method, r.path, tok, nil); res.Status != r.status {
			t.Fatalf("%s %s: %d %s", r.method, r.path, res.Status, res.Body)
		}
	}

	fams, body := e.scrape(t)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"librecours_http_requests_total", map[string]string{"method": "GET", "route": "/healthz", "status": "200"}, 1},
		{"librecours_http_requests_total", map[string]string{"method": "GET", "route": "/api/v1/sessions/:id", "status": "200"}, 2},
		{"librecours_http_requests_total", map[string]string{"method": "GET", "route": "/api/v1/sessions/:id", "status": "404"}, 1},
		{"librecours_http_requests_total", map[string]string{"method": "GET", "route": "unmatched", "status": "404"}, 1},
		{"librecours_http_request_duration_seconds", map[string]string{"method": "GET", "route": "/api/v1/sessions/:id"}, 3},
		{"librecours_sessions", map[string]string{"state": "running"}, 1},
		{"librecours_sessions", map[string]string{"state": "closed"}, 0},
		{"librecours_correction_queue_items", map[string]string{"session": f.session.Code}, 5},
		{"librecours_correction_queue_oldest_age_seconds", map[string]string{"session": f.session.Code}, (2 * time.Hour).Seconds()},
		{"librecours_outbox_messages", map[string]string{"channel": "email", "status": "failed"}, 0},
		{"librecours_outbox_oldest_pending_age_seconds", map[string]string{"channel": "email"}, now.Sub(queued).Seconds()},
		{"librecours_outbox_oldest_pending_age_seconds", map[string]string{"channel": "mattermost"}, 0},
		{"librecours_scheduler_ticks_total", nil, 1},
		{"librecours_scheduler_last_success_timestamp_seconds", nil, float64(graded.Unix())},
		{"librecours_scheduler_jobs_total", map[string]string{"job": "grading", "outcome": "ok"}, 1},
		{"librecours_scheduler_jobs_total", map[string]string{"job": "grading", "outcome": "error"}, 0},
		{"librecours_certificates_issued", nil, 0},
		{"librecours_ready", nil, 1},
		{"librecours_info", map[string]string{"store": "sqlite"}, 1},
		{"librecours_storage_failures_total", nil, 0},
	} {
		got, ok := metricValue(fams, c.name, c.labels)
		if !ok || math.Abs(got-c.want) > 1e-6 {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if n, _ := metricValue(fams, "librecours_outbox_messages", map[string]string{"channel": "email", "status": "pending"}); n < 5 {
		t.Errorf("pending e-mails: %v, want at least the five reviews assigned", n)
	}
	if n, _ := metricValue(fams, "librecours_store_operation_duration_seconds", map[string]string{"operation": "course.SessionByID"}); n < 2 {
		t.Errorf("course.SessionByID timed %v times", n)
	}
	if free, ok := metricValue(fams, "librecours_data_free_bytes", nil); !ok || free <= 0 {
		t.Errorf("data folder free bytes: %v %v", free, ok)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if fams[name] == nil {
			t.Errorf("no %s: the runtime and process collectors are missing", name)
		}
	}
	// Bounded labels: no ID, no raw path.
	for _, id := range []string{f.session.ID, f.coord.ID, "unknown-id", "/no/such/page"} {
		if bytes.Contains(body, []byte(id)) {
			t.Errorf("/metrics holds %q", id)
		}
	}

	// The outbox delivers (to the log mailer): deliveries are counted by
	// channel, and the backlog empties.
	rep := e.jobs.DeliverOutbox(ctx)
	fams, _ = e.scrape(t)
	if sent, _ := metricValue(fams, "librecours_outbox_deliveries_total", map[string]string{"channel": "email", "outcome": "sent"}); sent != float64(rep.Sent) || sent < 5 {
		t.Errorf("e-mails sent: metrics %v, report %+v", sent, rep)
	}
	if n, _ := metricValue(fams, "librecours_outbox_messages", map[string]string{"channel": "email", "status": "pending"}); n != 0 {
		t.Errorf("pending e-mails after delivery: %v", n)
	}
	if age, _ := metricValue(fams, "librecours_outbox_oldest_pending_age_seconds", map[string]string{"channel": "email"}); age != 0 {
		t.Errorf("oldest pending e-mail after delivery: %v s", age)
	}

	// The session closes with one certificate, which is then revoked.
	if err := e.srv.certs.SetOverride(ctx, f.coord, f.session.ID, f.part.ID, 1, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	res, err := e.srv.certs.Close(ctx, f.coord, f.session.ID)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := e.srv.certs.Store.CertificatesBySession(ctx, f.session.ID)
	if err != nil || len(certs) == 0 {
		t.Fatalf("certificates after close %+v: %v %v", res, certs, err)
	}
	if err := e.srv.certs.Revoke(ctx, f.coord, certs[0].Code, "Erreur de saisie", false); err != nil {
		t.Fatal(err)
	}
	fams, _ = e.scrape(t)
	for _, c := range []struct {
		name string
		want float64
	}{{"librecours_certificates_issued", float64(len(certs))}, {"librecours_certificates_revoked", 1}} {
		if got, _ := metricValue(fams, c.name, nil); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	if n, _ := metricValue(fams, "librecours_sessions", map[string]string{"state": "closed"}); n != 1 {
		t.Errorf("closed sessions: %v", n)
	}
	if _, ok := metricValue(fams, "librecours_correction_queue_items", nil); ok {
		t.Error("a closed session still reports its correction queue")
	}

	// A full disk: /readyz fails, the failure is counted (and logged once).
	if err := db.DB().LimitSize(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := db.DB().LimitSize(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if resp := e.do(httptest.NewRequest("GET", "/readyz", nil)); resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("/readyz on a full disk: %d", resp.StatusCode)
		}
	}
	fams, _ = e.scrape(t)
	if n, _ := metricValue(fams, "librecours_storage_failures_total", nil); n != 3 {
		t.Errorf("storage failures: %v, want 3", n)
	}
	if n, _ := metricValue(fams, "librecours_ready", nil); n != 0 {
		t.Errorf("librecours_ready on a full disk: %v", n)
	}
	if n, _ := metricValue(fams, "librecours_store_operation_errors_total", map[string]string{"operation": "backend.Ready"}); n < 3 {
		t.Errorf("backend.Ready errors: %v", n)
	}
	if err := db.DB().LimitSize(ctx, 0); err != nil {
		t.Fatal(err)
	}
}

// TestMetricsAccess: /metrics is off by default, asks for the token when it
// is served on the platform's listener, and is served on its own listener
// (and not on the platform's) when LIBRECOURS_METRICS_ADDR is set.
func TestMetricsAccess(t *testing.T) {
	t.Parallel()
	get := func(e *testEnv, auth string) int {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp := e.do(req)
		return resp.StatusCode
	}
	if metrics.New(testConfig(), ServerError) != nil {
		t.Fatal("metrics on without LIBRECOURS_METRICS_ADDR or LIBRECOURS_METRICS_TOKEN")
	}
	if st := get(newEnv(t), "Bearer "+testMetricsToken); st != http.StatusNotFound {
		t.Errorf("/metrics by default: %d, want 404", st)
	}

	e, _ := newMetricsEnv(t, metricsConfig())
	for _, c := range []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong-token-0123456789", http.StatusUnauthorized},
		{"Bearer " + testMetricsToken + "x", http.StatusUnauthorized},
		{"Basic " + testMetricsToken, http.StatusUnauthorized},
		{"Bearer " + testMetricsToken, http.StatusOK},
	} {
		if st := get(e, c.auth); st != c.want {
			t.Errorf("/metrics with %q: %d, want %d", c.auth, st, c.want)
		}
	}

	// A separate listener, without a token (a private network).
	cfg := testConfig()
	cfg.MetricsAddr = "127.0.0.1:9464"
	e, _ = newMetricsEnv(t, cfg)
	if st := get(e, ""); st != http.StatusNotFound {
		t.Errorf("/metrics on the platform's listener with LIBRECOURS_METRICS_ADDR: %d, want 404", st)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	stop := e.srv.serveMetrics(ln)
	defer stop()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("librecours_ready 1")) {
		t.Fatalf("metrics listener: %d\n%.300s", resp.StatusCode, body)
	}
}

// TestMetricsPromtool runs Debian's promtool (package prometheus, installed
// by .ci/run) on a scrape: promtool check metrics lints names, units and
// help texts.
func TestMetricsPromtool(t *testing.T) {
	t.Parallel()
	promtool := lookTool(t, "promtool")
	e, _ := newMetricsEnv(t, metricsConfig())
	f := fixtureOn(t, e)
	f.peerWork(t)
	e.do(httptest.NewRequest("GET", "/healthz", nil))
	_, body := e.scrape(t)
	cmd := exec.Command(promtool, "check", "metrics") // #nosec G204 -- the tool found on PATH
	cmd.Stdin = bytes.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

// lookTool finds a checking tool on PATH; it is skipped where absent, and
// .ci/run installs it.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed: .ci/run installs it", name)
		}
		t.Skipf("%s is not installed (Debian: see .ci/run)", name)
	}
	return p
}

// TestLogFormat: LIBRECOURS_LOG_FORMAT=json writes one JSON object a line;
// an ERROR line written while answering a request carries its request ID
// and route pattern, whether the error reached the error handler or was
// logged with the request's context.
func TestLogFormat(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			cfg := testConfig()
			cfg.LogFormat = format
			var buf bytes.Buffer
			srv, err := testServer(cfg, openTestStore(t, ""), func() time.Time { return testStart }, NewLogger(cfg, &buf), nil)
			if err != nil {
				t.Fatal(err)
			}
			srv.App().Get("/test/fail/:id", func(c *fiber.Ctx) error { return errors.New("boom") })
			srv.App().Get("/test/logged/:id", func(c *fiber.Ctx) error {
				srv.log.ErrorContext(c.UserContext(), "something failed", "err", "boom")
				return c.SendString("ok")
			})
			for _, path := range []string{"/test/fail/abc", "/test/logged/abc"} {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("X-Request-ID", "req-"+strings.Split(path, "/")[2])
				if _, err := srv.App().Test(req, -1); err != nil {
					t.Fatal(err)
				}
			}
			var errorLines []map[string]any
			for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				rec := map[string]any{}
				if format == "json" {
					if err := json.Unmarshal([]byte(line), &rec); err != nil {
						t.Fatalf("not a JSON line: %q", line)
					}
				} else {
					for _, kv := range splitLogfmt(line) {
						k, v, _ := strings.Cut(kv, "=")
						rec[k] = strings.Trim(v, `"`)
					}
				}
				if rec["level"] == "ERROR" {
					errorLines = append(errorLines, map[string]any{"msg": rec["msg"], "request_id": rec["request_id"], "route": rec["route"]})
				}
			}
			want := []map[string]any{
				{"msg": "request failed", "request_id": "req-fail", "route": "/test/fail/:id"},
				{"msg": "something failed", "request_id": "req-logged", "route": "/test/logged/:id"},
			}
			if d := cmp.Diff(want, errorLines); d != "" {
				t.Errorf("ERROR lines (-want +got):\n%s\nlog:\n%s", d, buf.String())
			}
		})
	}
}

// splitLogfmt splits a text log line into key=value fields, keeping quoted
// values whole.
func splitLogfmt(line string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ' ' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(out, cur.String())
}

// TestOperationsConfig: the log format and the metrics settings are read
// and checked at start.
func TestOperationsConfig(t *testing.T) {
	t.Parallel()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(testMetricsToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		env     map[string]string
		wantErr string
		check   func(config.Config) string
	}{
		{"defaults", nil, "", func(c config.Config) string {
			if c.LogFormat != "text" || c.MetricsEnabled() {
				return fmt.Sprintf("format %q, metrics %v", c.LogFormat, c.MetricsEnabled())
			}
			return ""
		}},
		{"json", map[string]string{"LIBRECOURS_LOG_FORMAT": "JSON"}, "", func(c config.Config) string {
			if c.LogFormat != "json" {
				return c.LogFormat
			}
			return ""
		}},
		{"bad format", map[string]string{"LIBRECOURS_LOG_FORMAT": "xml"}, "LIBRECOURS_LOG_FORMAT", nil},
		{"token file", map[string]string{"LIBRECOURS_METRICS_TOKEN_FILE": tokenFile}, "", func(c config.Config) string {
			if c.MetricsToken != testMetricsToken || !c.MetricsEnabled() {
				return c.MetricsToken
			}
			return ""
		}},
		{"missing token file", map[string]string{"LIBRECOURS_METRICS_TOKEN_FILE": tokenFile + ".none"}, "LIBRECOURS_METRICS_TOKEN_FILE", nil},
		{"short token", map[string]string{"LIBRECOURS_METRICS_TOKEN": "short"}, "LIBRECOURS_METRICS_TOKEN", nil},
		{"addr", map[string]string{"LIBRECOURS_METRICS_ADDR": "127.0.0.1:9464"}, "", func(c config.Config) string {
			if !c.MetricsEnabled() || c.MetricsToken != "" {
				return "metrics off"
			}
			return ""
		}},
		{"bad addr", map[string]string{"LIBRECOURS_METRICS_ADDR": "9464"}, "LIBRECOURS_METRICS_ADDR", nil},
		{"same addr", map[string]string{"LIBRECOURS_METRICS_ADDR": "localhost:8080"}, "must differ", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := config.FromEnv(func(k string) string { return c.env[k] })
			switch {
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one about %s", err, c.wantErr)
			case c.wantErr == "" && err != nil:
				t.Fatal(err)
			case c.check != nil:
				if msg := c.check(cfg); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

// BenchmarkStoreMetrics measures what timing a store operation costs: the
// same read (course.SessionByID on the embedded store) through the bare
// store and through the metrics wrapper.
func BenchmarkStoreMetrics(b *testing.B) {
	db := openTestStore(b, "")
	e := &testEnv{t: b, clock: &clock{t: testStart}}
	srv, err := testServer(testConfig(), db, e.clock.Now, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	e.srv = srv
	coord := e.user("coord@example.org", "Camille", course.RoleCoordinator)
	sess, err := srv.course.CreateSession(b.Context(), coord, course.NewSession{Format: "LCIII", StartsOn: "2026-03-02"})
	if err != nil {
		b.Fatal(err)
	}
	m := metrics.New(metricsConfig(), ServerError)
	for _, c := range []struct {
		name  string
		store course.Store
	}{{"bare", db.Stores().Course}, {"metered", m.Backend(db).Stores().Course}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := b.Context()
			for b.Loop() {
				if _, err := c.store.SessionByID(ctx, sess.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
