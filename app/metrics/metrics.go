// Package metrics counts what one platform process does, for Prometheus:
// requests (app/web reports them), store operations (a Backend wrapper),
// scheduler jobs and outbox deliveries, and, at each scrape, the state of
// the platform read through its store.
package metrics

//go:generate go run ../internal/genstoremetrics -o stores.go

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"librecours/app/config"
	"librecours/app/store"
	"librecours/course"
	"librecours/grading"
	"librecours/notify"
)

// Metrics are the Prometheus metrics of one platform process, served at
// /metrics in the Prometheus text format. They exist only when the operator
// asked for them (LIBRECOURS_METRICS_ADDR, LIBRECOURS_METRICS_TOKEN); a nil
// *Metrics records nothing and serves nothing.
//
// Labels stay bounded: route patterns (never paths or IDs), store operation
// names, channels, outcomes, and the codes of the sessions still open.
type Metrics struct {
	reg   *prometheus.Registry
	token string // the bearer token /metrics asks for; "" on a private listener

	requests        *prometheus.CounterVec   // method, route, status
	latency         *prometheus.HistogramVec // method, route
	inFlight        prometheus.Gauge
	store           *storeMetrics
	storageFailures prometheus.Counter
	deliveries      *prometheus.CounterVec // channel, outcome
	ticks           prometheus.Counter
	lastTick        prometheus.Gauge
	lastGoodTick    prometheus.Gauge
	jobs            *prometheus.CounterVec // job, outcome
	collectErrors   *prometheus.CounterVec // part

	claimed sync.Map // message ID -> channel, from Claim to Finish
}

// Metric label values.
const (
	channelEmail      = "email"
	channelMattermost = "mattermost"
)

// schedulerJobs are the jobs of a scheduler tick and the outbox pass.
var schedulerJobs = []string{"grading", "reminders", "expire_sessions", "outbox"}

// counter, counterVec and gauge make a metric of that name and help text
// (counterVec: with those labels).
func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}

// New returns the metrics cfg asks for, or nil when /metrics is off.
// failure tells a store error that is a failure of the store from an
// answer (not found, conflict, invalid): the web's error table says which
// errors are answered 5xx (web.ServerError); nil counts every error.
func New(cfg config.Config, failure func(error) bool) *Metrics {
	if !cfg.MetricsEnabled() {
		return nil
	}
	m := &Metrics{reg: prometheus.NewRegistry(), token: cfg.MetricsToken}
	m.requests = counterVec("librecours_http_requests_total",
		"HTTP requests answered, by method, route pattern and status.",
		"method", "route", "status")
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "librecours_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by method and route pattern.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"method", "route"})
	m.inFlight = gauge("librecours_http_requests_in_flight", "HTTP requests being answered.")
	m.store = &storeMetrics{
		failure: failure,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "librecours_store_operation_duration_seconds",
			Help:    "Time of a store operation, by operation (domain.Method).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
		}, []string{"operation"}),
		errors: counterVec("librecours_store_operation_errors_total",
			"Store operations that failed for a reason other than the request (storage unavailable, unexpected error), by operation.",
			"operation"),
	}
	m.storageFailures = counter("librecours_storage_failures_total",
		"Requests answered 503 because storage failed (full disk, I/O error, locked or unreachable database); the log shows one line a minute of them.")
	m.deliveries = counterVec("librecours_outbox_deliveries_total",
		"Outbox delivery attempts by this process, by channel and outcome (sent, retried, failed: given up, lost: the lease ran out first).",
		"channel", "outcome")
	m.ticks = counter("librecours_scheduler_ticks_total", "Scheduler ticks run by this process.")
	m.lastTick = gauge("librecours_scheduler_last_tick_timestamp_seconds",
		"When this process's scheduler last ran a tick (Unix time).")
	m.lastGoodTick = gauge("librecours_scheduler_last_success_timestamp_seconds",
		"When this process's scheduler last ran a tick whose every job succeeded (Unix time).")
	m.jobs = counterVec("librecours_scheduler_jobs_total",
		"Scheduler jobs run, by job and outcome (ok, error).",
		"job", "outcome")
	m.collectErrors = counterVec("librecours_metrics_collect_errors_total",
		"Scrapes that could not read a part of the platform's state (sessions, certificates, outbox, disk), by part.",
		"part")
	for _, ch := range []string{channelEmail, channelMattermost} {
		for _, o := range []string{"sent", "retried", "failed", "lost"} {
			m.deliveries.WithLabelValues(ch, o)
		}
	}
	for _, j := range schedulerJobs {
		m.jobs.WithLabelValues(j, "ok")
		m.jobs.WithLabelValues(j, "error")
	}
	for _, p := range []string{"ready", "sessions", "certificates", "outbox", "disk"} {
		m.collectErrors.WithLabelValues(p)
	}
	for _, op := range slices.Concat(storeOperations, backendOperations) {
		m.store.errors.WithLabelValues(op) // a first error shows as an increase from 0
	}
	m.reg.MustRegister(m.requests, m.latency, m.inFlight, m.store.duration, m.store.errors, m.storageFailures,
		m.deliveries, m.ticks, m.lastTick, m.lastGoodTick, m.jobs, m.collectErrors,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format, to a request
// bearing the token when there is one.
func (m *Metrics) Handler() http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !m.authorized(r.Header.Get("Authorization")) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// authorized reports whether an Authorization header carries the token.
func (m *Metrics) authorized(header string) bool {
	if m.token == "" {
		return true
	}
	want := "Bearer " + m.token
	return subtle.ConstantTimeCompare([]byte(header), []byte(want)) == 1
}

// Requests

// InFlight counts a request being answered until done is called.
func (m *Metrics) InFlight() (done func()) {
	if m == nil {
		return func() {}
	}
	m.inFlight.Inc()
	return m.inFlight.Dec
}

// Request counts an answered request and its time, by method, route
// pattern (never a path) and status.
func (m *Metrics) Request(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(took.Seconds())
}

// StorageFailed counts a request answered 503 for a storage failure.
func (m *Metrics) StorageFailed() {
	if m != nil {
		m.storageFailures.Inc()
	}
}

// Scheduler

// Job records one scheduler job's outcome (jobs.Recorder).
func (m *Metrics) Job(name string, err error) {
	if m == nil {
		return
	}
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.jobs.WithLabelValues(name, outcome).Inc()
}

// Tick records a scheduler tick run at now, successful when all its jobs were.
func (m *Metrics) Tick(now time.Time, ok bool) {
	if m == nil {
		return
	}
	m.ticks.Inc()
	t := float64(now.UnixNano()) / 1e9
	m.lastTick.Set(t)
	if ok {
		m.lastGoodTick.Set(t)
	}
}

// Stores

// storeMetrics time the store operations (stores.go, generated).
type storeMetrics struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	failure  func(error) bool // see New
}

// observe records an operation begun at start; err points at its error
// (nil for operations without one).
func (m *storeMetrics) observe(op string, start time.Time, err *error) {
	m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil && m.storeFailure(*err) {
		m.errors.WithLabelValues(op).Inc()
	}
}

// storeFailure reports whether a store error is a failure of the store
// rather than an answer (not found, conflict, validation) or a request that
// went away.
func (m *storeMetrics) storeFailure(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, notify.ErrNothingDue) {
		return false
	}
	return m.failure == nil || m.failure(err)
}

// Backend wraps b so that every store operation is timed and its failures
// counted; without metrics it returns b.
func (m *Metrics) Backend(b store.Backend) store.Backend {
	if m == nil {
		return b
	}
	return &meteredBackend{b: b, m: m}
}

// meteredBackend is a store.Backend whose domain stores are timed.
type meteredBackend struct {
	b store.Backend
	m *Metrics
}

var (
	_ store.Backend = (*meteredBackend)(nil)
	_ store.Monitor = (*meteredBackend)(nil)
)

func (b *meteredBackend) Kind() string { return b.b.Kind() }

func (b *meteredBackend) Stores() store.Stores {
	st, sm := b.b.Stores(), b.m.store
	g := gradingStoreMetrics{Store: st.Grading, m: sm}
	var gs grading.Store = g
	if stamper, ok := st.Grading.(grading.Stamper); ok {
		gs = stampingGradingStore{gradingStoreMetrics: g, stamper: stamper}
	}
	return store.Stores{
		Course:       courseStoreMetrics{CourseStore: st.Course, m: sm},
		Auth:         authStoreMetrics{AuthStore: st.Auth, m: sm},
		Settings:     settingsStoreMetrics{SettingsStore: st.Settings, m: sm},
		Grading:      gs,
		Evaluation:   evaluationStoreMetrics{EvaluationStore: st.Evaluation, m: sm},
		Certificates: certificateStoreMetrics{CertificateStore: st.Certificates, m: sm},
		Outbox:       outboxDeliveries{outboxStoreMetrics: outboxStoreMetrics{Store: st.Outbox, m: sm}, m: b.m},
	}
}

func (b *meteredBackend) Ready(ctx context.Context) (err error) {
	defer b.m.store.observe("backend.Ready", time.Now(), &err)
	return b.b.Ready(ctx)
}

func (b *meteredBackend) Export(ctx context.Context, w store.RecordWriter) (err error) {
	defer b.m.store.observe("backend.Export", time.Now(), &err)
	return b.b.Export(ctx, w)
}

func (b *meteredBackend) Import(ctx context.Context, r store.RecordReader) (err error) {
	defer b.m.store.observe("backend.Import", time.Now(), &err)
	return b.b.Import(ctx, r)
}

func (b *meteredBackend) Empty(ctx context.Context) (_ bool, err error) {
	defer b.m.store.observe("backend.Empty", time.Now(), &err)
	return b.b.Empty(ctx)
}

func (b *meteredBackend) Close() error { return b.b.Close() }

func (b *meteredBackend) Unavailable(err error) bool { return b.b.Unavailable(err) }

// backendOperations are the operations meteredBackend times itself.
var backendOperations = []string{"backend.Ready", "backend.Export", "backend.Import", "backend.Empty",
	"backend.OutboxStats", "grading.GradingStamp"}

// errNoMonitor is returned by a backend that cannot summarize its outbox.
var errNoMonitor = errors.New("app: the store gives no outbox statistics")

func (b *meteredBackend) OutboxStats(ctx context.Context) (_ []store.OutboxStat, err error) {
	defer b.m.store.observe("backend.OutboxStats", time.Now(), &err)
	mon, ok := b.b.(store.Monitor)
	if !ok {
		return nil, errNoMonitor
	}
	return mon.OutboxStats(ctx)
}

// stampingGradingStore keeps the grading store's optional grading.Stamper
// (the correction queue's cache) visible through the wrapper.
type stampingGradingStore struct {
	gradingStoreMetrics
	stamper grading.Stamper
}

func (s stampingGradingStore) GradingStamp(ctx context.Context, sessionID string) (_ string, _ bool, err error) {
	defer s.m.observe("grading.GradingStamp", time.Now(), &err)
	return s.stamper.GradingStamp(ctx, sessionID)
}

// outboxDeliveries counts the outcome of each delivery by channel: Claim
// tells the message's channel, Finish its outcome.
type outboxDeliveries struct {
	outboxStoreMetrics
	m *Metrics
}

func (o outboxDeliveries) Claim(ctx context.Context, now, leaseUntil time.Time) (*notify.Message, error) {
	msg, err := o.outboxStoreMetrics.Claim(ctx, now, leaseUntil)
	if err == nil {
		o.m.claimed.Store(msg.ID, channelOf(msg.Kind))
	}
	return msg, err
}

func (o outboxDeliveries) Finish(ctx context.Context, id string, attempt int, oc notify.Outcome) (bool, error) {
	ok, err := o.outboxStoreMetrics.Finish(ctx, id, attempt, oc)
	ch, known := o.m.claimed.LoadAndDelete(id)
	if err != nil || !known {
		return ok, err
	}
	outcome := "lost"
	switch {
	case !ok:
	case oc.Status == notify.StatusSent:
		outcome = "sent"
	case oc.Status == notify.StatusFailed:
		outcome = "failed"
	default:
		outcome = "retried"
	}
	o.m.deliveries.WithLabelValues(ch.(string), outcome).Inc()
	return ok, err
}

// channelOf is the channel a message of kind k goes through.
func channelOf(k notify.Kind) string {
	if k == notify.KindMattermost {
		return channelMattermost
	}
	return channelEmail
}

// The platform's state, read at each scrape

// CollectTimeout bounds the reads of one scrape.
const CollectTimeout = 10 * time.Second

var (
	descReady = prometheus.NewDesc("librecours_ready",
		"1 when the database answers and takes writes (what /readyz checks), 0 otherwise.", nil, nil)
	descInfo = prometheus.NewDesc("librecours_info",
		"Always 1; the store label says which backend the platform runs on (sqlite or mongodb).", []string{"store"}, nil)
	descSessions = prometheus.NewDesc("librecours_sessions",
		"Sessions by state (upcoming, running, ended, closed).", []string{"state"}, nil)
	descQueueItems = prometheus.NewDesc("librecours_correction_queue_items",
		"Items in the correction queue of each session running or ended but not closed, by session code.", []string{"session"}, nil)
	descQueueOldest = prometheus.NewDesc("librecours_correction_queue_oldest_age_seconds",
		"Age of the oldest item in the correction queue of each session running or ended but not closed (0 when empty).", []string{"session"}, nil)
	descCertsIssued = prometheus.NewDesc("librecours_certificates_issued",
		"Certificates issued, revoked ones included.", nil, nil)
	descCertsRevoked = prometheus.NewDesc("librecours_certificates_revoked",
		"Certificates revoked.", nil, nil)
	descOutbox = prometheus.NewDesc("librecours_outbox_messages",
		"Messages in the outbox not sent, by channel and status (pending, sending, failed: given up).", []string{"channel", "status"}, nil)
	descOutboxOldest = prometheus.NewDesc("librecours_outbox_oldest_pending_age_seconds",
		"Age of the oldest message waiting to go out (pending or sending), by channel (0 when none).", []string{"channel"}, nil)
	descDataFree = prometheus.NewDesc("librecours_data_free_bytes",
		"Bytes free for the platform on the data folder's file system (embedded store).", nil, nil)
	descDataSize = prometheus.NewDesc("librecours_data_size_bytes",
		"Size of the data folder's file system in bytes (embedded store).", nil, nil)
)

// platformCollector reads the platform's state at each scrape, through the
// stores and services, so that several instances report the same database.
// Scrapes are served one at a time.
type platformCollector struct {
	src Sources
	m   *Metrics
	mu  sync.Mutex
}

// Sources are what a scrape reads the platform's state from.
type Sources struct {
	Backend store.Backend
	Grading *grading.Service // the correction queues
	Now     func() time.Time
	DataDir string // the embedded store's folder ("" with MongoDB)
}

// Watch reads the platform's state from src at each scrape.
func (m *Metrics) Watch(src Sources) {
	if m == nil {
		return
	}
	if err := m.reg.Register(&platformCollector{src: src, m: m}); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic(err) // the collector's descriptions are constants
		}
	}
}

func (pc *platformCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descReady, descInfo, descSessions, descQueueItems, descQueueOldest,
		descCertsIssued, descCertsRevoked, descOutbox, descOutboxOldest, descDataFree, descDataSize} {
		ch <- d
	}
}

func (pc *platformCollector) Collect(ch chan<- prometheus.Metric) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	src := pc.src
	ctx, cancel := context.WithTimeout(context.Background(), CollectTimeout)
	defer cancel()
	now := src.Now()
	failed := func(part string) { pc.m.collectErrors.WithLabelValues(part).Inc() }

	ch <- prometheus.MustNewConstMetric(descInfo, prometheus.GaugeValue, 1, src.Backend.Kind())
	ready := 1.0
	if err := src.Backend.Ready(ctx); err != nil {
		ready = 0
		failed("ready")
	}
	ch <- prometheus.MustNewConstMetric(descReady, prometheus.GaugeValue, ready)

	if sessions, err := src.Backend.Stores().Course.ListSessions(ctx); err != nil {
		failed("sessions")
	} else {
		pc.collectSessions(ctx, ch, sessions, now, failed)
	}
	pc.collectOutbox(ctx, ch, now, failed)
	if src.DataDir != "" {
		free, size, err := diskSpace(src.DataDir)
		if err != nil {
			failed("disk")
		} else {
			ch <- prometheus.MustNewConstMetric(descDataFree, prometheus.GaugeValue, float64(free))
			ch <- prometheus.MustNewConstMetric(descDataSize, prometheus.GaugeValue, float64(size))
		}
	}
}

// collectSessions counts sessions by state, the correction queues of those
// open (running, or ended and not closed), and the certificates.
// metricsActor reads the correction queues for the gauges.
var metricsActor = &course.User{ID: "metrics", Name: "metrics", Roles: []course.Role{course.RoleCoordinator}}

func (pc *platformCollector) collectSessions(ctx context.Context, ch chan<- prometheus.Metric, sessions []*course.Session,
	now time.Time, failed func(string)) {
	src := pc.src
	states := map[course.Status]int{course.StatusUpcoming: 0, course.StatusRunning: 0, course.StatusEnded: 0, course.StatusClosed: 0}
	issued, revoked := 0, 0
	certsOK := true
	for _, sess := range sessions {
		st := sess.Status(now)
		states[st]++
		if st == course.StatusRunning || st == course.StatusEnded {
			items, err := src.Grading.Corrections(ctx, metricsActor, sess.ID)
			if err != nil {
				failed("sessions")
			} else {
				var oldest time.Time
				for _, it := range items {
					if !it.EnteredAt.IsZero() && (oldest.IsZero() || it.EnteredAt.Before(oldest)) {
						oldest = it.EnteredAt
					}
				}
				age := 0.0
				if !oldest.IsZero() {
					age = max(now.Sub(oldest).Seconds(), 0)
				}
				ch <- prometheus.MustNewConstMetric(descQueueItems, prometheus.GaugeValue, float64(len(items)), sess.Code)
				ch <- prometheus.MustNewConstMetric(descQueueOldest, prometheus.GaugeValue, age, sess.Code)
			}
		}
		certs, err := src.Backend.Stores().Certificates.CertificatesBySession(ctx, sess.ID)
		if err != nil {
			certsOK = false
			continue
		}
		for _, c := range certs {
			issued++
			if !c.Valid() {
				revoked++
			}
		}
	}
	for st, n := range states {
		ch <- prometheus.MustNewConstMetric(descSessions, prometheus.GaugeValue, float64(n), string(st))
	}
	if !certsOK {
		failed("certificates")
		return
	}
	ch <- prometheus.MustNewConstMetric(descCertsIssued, prometheus.GaugeValue, float64(issued))
	ch <- prometheus.MustNewConstMetric(descCertsRevoked, prometheus.GaugeValue, float64(revoked))
}

// collectOutbox reports the unsent messages by channel and status, and the
// age of the oldest waiting to go out.
func (pc *platformCollector) collectOutbox(ctx context.Context, ch chan<- prometheus.Metric, now time.Time, failed func(string)) {
	mon, ok := pc.src.Backend.(store.Monitor)
	if !ok {
		failed("outbox")
		return
	}
	stats, err := mon.OutboxStats(ctx)
	if err != nil {
		failed("outbox")
		return
	}
	type key struct{ channel, status string }
	counts := map[key]int{}
	oldest := map[string]time.Time{}
	for _, c := range []string{channelEmail, channelMattermost} {
		for _, st := range []notify.Status{notify.StatusPending, notify.StatusSending, notify.StatusFailed} {
			counts[key{c, string(st)}] = 0
		}
	}
	for _, st := range stats {
		c := channelOf(st.Kind)
		counts[key{c, string(st.Status)}] += st.Count
		if st.Status == notify.StatusFailed {
			continue
		}
		if o, ok := oldest[c]; !ok || st.Oldest.Before(o) {
			oldest[c] = st.Oldest
		}
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(n), k.channel, k.status)
	}
	for _, c := range []string{channelEmail, channelMattermost} {
		age := 0.0
		if o, ok := oldest[c]; ok && !o.IsZero() {
			age = max(now.Sub(o).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(descOutboxOldest, prometheus.GaugeValue, age, c)
	}
}
