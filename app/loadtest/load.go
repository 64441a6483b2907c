// Package loadtest is the load harness (go run ./app/cmd/load): it seeds a
// platform through its services, then drives its web server over HTTP.
package loadtest

import (
	"cmp"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"librecours/app"
	"librecours/app/password"
	"librecours/app/web"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"librecours/app/config"
	"librecours/app/sqlstore"
	"librecours/app/store"
	"librecours/course"
	"librecours/grading"
)

// Options configure Run, the load harness (go run ./app/cmd/load).
// One run is made for every pair of a Closed and a Participants value, each
// on a database of its own.
type Options struct {
	// Closed lists how many closed sessions, with their full history, are
	// seeded before the running one (Libre cours scale: 20).
	Closed []int
	// ClosedSize is the number of participants of each closed session (30).
	ClosedSize int
	// Participants lists sizes of the running session (Libre cours scale:
	// 100; MOOC scale: 100, 500, 1000 and 5000).
	Participants []int
	// Concurrency is the number of clients, each sending one request at a
	// time (32).
	Concurrency int
	// Duration is how long each scenario is measured (10 s); Warmup runs it
	// before, unmeasured (2 s).
	Duration, Warmup time.Duration
	// DataDir keeps the seeded databases (one folder per run) so that a
	// second run reuses them; empty means a temporary folder removed at the
	// end. MONGODB_URI, when set, is used instead of the embedded database.
	DataDir string
	// ProfileDir, when set, receives a CPU profile of every measured
	// scenario (go tool pprof -top FILE).
	ProfileDir string
	// Log receives the platform's warnings; nil discards them.
	Log *slog.Logger
}

func (o *Options) defaults() {
	if len(o.Closed) == 0 {
		o.Closed = []int{20}
	}
	if o.ClosedSize == 0 {
		o.ClosedSize = 30
	}
	if len(o.Participants) == 0 {
		o.Participants = []int{100}
	}
	if o.Concurrency == 0 {
		o.Concurrency = 32
	}
	if o.Duration == 0 {
		o.Duration = 10 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// Report is what Run measured.
type Report struct {
	Runs []Round
}

// Round is one dataset and its measurements.
type Round struct {
	Closed, ClosedSize, Participants int
	Reused                           bool          // the data folder was seeded by an earlier run
	SeedTime                         time.Duration // seeding (0 when reused)
	StartToReady                     time.Duration // opening the seeded database until /readyz answers
	Documents                        map[string]int64
	Scenarios                        []ScenarioResult
	RSS, PeakRSS                     int64   // bytes, of the whole process (server, embedded database and clients)
	RawUpsert                        float64 // raw SQLite upserts per second, measured in the same run
	// StoreSave and StoreReviewSave are the embedded store's own
	// submission and review saves per second (storeSaves), measured in the
	// same run: the floor of a save through this store, its HTTP, sign-in,
	// checks and Markdown aside.
	StoreSave, StoreReviewSave float64
	// RawSave and RawReviewSave are SQLite itself running the statements
	// of those saves on a fresh database of the store's schema, one writer,
	// without the store's code (rawSaves): "what SQLite itself does for the
	// same upsert", the baseline of the native-store issue's targets.
	RawSave, RawReviewSave float64
}

// TotalDocuments sums Documents.
func (r Round) TotalDocuments() int64 {
	var n int64
	for _, v := range r.Documents {
		n += v
	}
	return n
}

// ScenarioResult is one scenario's figures.
type ScenarioResult struct {
	Name       string
	Write      bool // saves something (the write targets apply)
	Requests   int
	Errors     int
	FirstError string
	Elapsed    time.Duration
	PerSecond  float64
	P50, P99   time.Duration
	Ratio      float64 // PerSecond divided by the ceiling's
	// CPU is the process's CPU time per request (server and clients, which
	// share the process), and PeakRSS its highest resident set during the
	// scenario (Linux; 0 elsewhere).
	CPU     time.Duration
	PeakRSS int64
	// Pool is the number of requests a scenario that uses its requests up
	// (first-time saves) has, 0 for the others; Warmed of them warmed it
	// up, unmeasured.
	Pool, Warmed int
}

// The running session's clock: it started on Monday 2026-11-23 and it is
// Thursday noon, so part 1 is in its review phase and part 2 open for
// submissions.
var (
	loadRunningStart = "2026-11-23"
	loadNow          = time.Date(2026, 11, 26, 11, 0, 0, 0, time.UTC)
)

const (
	loadMarker   = "load"
	loadVersion  = 1
	loadPassword = "load-test-password-not-secret"
)

// Run seeds each dataset, opens the platform on it again (start to
// ready), serves it on a loopback port with its real middleware and drives it
// with concurrent HTTP clients through the scenarios, then reports requests
// per second, latencies and errors, with /healthz of the same server as the
// ceiling. It writes Markdown tables to out as it goes.
func Run(ctx context.Context, o Options, out io.Writer) (*Report, error) {
	o.defaults()
	base := o.DataDir
	if base == "" {
		dir, err := os.MkdirTemp("", "librecours-load-")
		if err != nil {
			return nil, fmt.Errorf("load: temp folder: %w", err)
		}
		defer os.RemoveAll(dir)
		base = dir
	}
	if o.ProfileDir != "" {
		if err := os.MkdirAll(o.ProfileDir, 0o750); err != nil {
			return nil, fmt.Errorf("load: profile folder: %w", err)
		}
	}
	fmt.Fprintf(out, "# Load: %d clients, %v per scenario (%v warm-up), GOMAXPROCS %d, %s\n\n",
		o.Concurrency, o.Duration, o.Warmup, runtime.GOMAXPROCS(0), runtime.Version())
	rep := &Report{}
	for _, closed := range o.Closed {
		for _, n := range o.Participants {
			if closed < 0 || n < 4 || o.ClosedSize < 4 {
				return nil, fmt.Errorf("load: need at least 4 participants per session and no negative count")
			}
			run, err := runLoadOnce(ctx, o, filepath.Join(base, fmt.Sprintf("c%d-s%d-p%d", closed, o.ClosedSize, n)), closed, n, out)
			if err != nil {
				return rep, err
			}
			rep.Runs = append(rep.Runs, *run)
		}
	}
	if len(rep.Runs) > 1 {
		writeCurve(out, rep)
	}
	return rep, nil
}

func loadConfig(dir string) (config.Config, error) {
	cfg, err := config.FromEnv(func(k string) string {
		if k == "MONGODB_URI" {
			return os.Getenv(k)
		}
		return ""
	})
	if err != nil {
		return cfg, err
	}
	cfg.DataDir = dir
	if !cfg.Embedded() {
		cfg.Database = "librecours_load_" + filepath.Base(dir)
	}
	return cfg, nil
}

// loadClock is the platform's clock while seeding and measuring.
type loadClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *loadClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *loadClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func runLoadOnce(ctx context.Context, o Options, dir string, closed, n int, out io.Writer) (*Round, error) {
	run := &Round{Closed: closed, ClosedSize: o.ClosedSize, Participants: n}
	if closed == 0 {
		run.ClosedSize = 0
	}
	fmt.Fprintf(out, "## %d closed sessions of %d, running session of %d participants\n\n", closed, run.ClosedSize, n)
	cfg, err := loadConfig(dir)
	if err != nil {
		return nil, err
	}
	clk := &loadClock{t: loadNow}

	// Seed, or find the world an earlier run seeded.
	p, err := app.Open(ctx, cfg, o.Log, app.Options{Holder: "load", Now: clk.Now})
	if err != nil {
		return nil, err
	}
	srv := p
	if err == nil {
		err = srv.Certificates.EnsureKey(ctx)
	}
	var world loadWorld
	if err == nil {
		err = p.Store.Stores().Settings.Get(ctx, loadMarker, &world)
		switch {
		case err == nil && world.Version == loadVersion && world.Closed == closed && world.ClosedSize == run.ClosedSize && world.Participants == n:
			run.Reused = true
		case err == nil || errors.Is(err, course.ErrNotFound):
			var sizes map[string]int64
			if sizes, err = collectionSizes(ctx, p.Store); err == nil && sizes["users"] > 0 {
				err = fmt.Errorf("load: %s holds other data; give an empty folder", dir)
				break
			}
			start := time.Now()
			var w *loadWorld
			w, err = seedLoad(ctx, srv, clk, closed, run.ClosedSize, n, out)
			if err == nil {
				world = *w
				run.SeedTime = time.Since(start)
				err = p.Store.Stores().Settings.Put(ctx, loadMarker, world)
			}
		}
	}
	p.Close()
	if err != nil {
		return nil, err
	}
	if run.Reused {
		fmt.Fprintf(out, "Reusing the data seeded in %s.\n\n", dir)
	} else {
		fmt.Fprintf(out, "Seeded in %.1f s.\n\n", run.SeedTime.Seconds())
	}

	// Every run works on a copy of the seeded data, so that each starts from
	// the same state (first-time review saves included).
	work, err := os.MkdirTemp("", "librecours-load-run-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(work) }()
	if err := copyDataFolder(dir, work); err != nil {
		return nil, err
	}
	if cfg, err = loadConfig(work); err != nil {
		return nil, err
	}

	// Start to ready: open the seeded database until /readyz answers.
	clk.Set(loadNow)
	start := time.Now()
	p, err = app.Open(ctx, cfg, o.Log, app.Options{Holder: "load", Now: clk.Now})
	if err != nil {
		return nil, err
	}
	defer p.Close()
	srv = p
	srv.Grading.VersionCap = math.MaxInt32 // "submit (form)" saves a version of the same work per request
	if err := srv.Certificates.EnsureKey(ctx); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("load: listen: %w", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Web.App().Listener(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Web.Shutdown(sctx)
		<-served
	}()
	baseURL := "http://" + ln.Addr().String()
	client := loadClient(o.Concurrency)
	if err := waitReady(ctx, client, baseURL); err != nil {
		return nil, err
	}
	run.StartToReady = time.Since(start)
	if run.Documents, err = collectionSizes(ctx, p.Store); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "Start to ready: %d ms. Data: %s.\n\n", run.StartToReady.Milliseconds(), describeSizes(run.Documents))

	d := &loadDriver{o: o, client: client, base: baseURL, world: &world, run: run}
	if err := d.prepare(ctx, srv); err != nil {
		return nil, err
	}
	scenarios := d.scenarios()
	results := make([]ScenarioResult, 0, len(scenarios))
	for _, sc := range scenarios {
		res, err := d.measure(ctx, sc)
		if err != nil {
			return nil, err
		}
		results = append(results, res)
	}
	ceiling := results[0].PerSecond
	for i := range results {
		if ceiling > 0 {
			results[i].Ratio = results[i].PerSecond / ceiling
		}
	}
	run.Scenarios = results
	run.RSS, run.PeakRSS = processRSS()
	if run.RawUpsert, err = rawUpsert(ctx, o.Concurrency, o.Duration); err != nil {
		return nil, err
	}
	saves, err := storeSaves(ctx, o.Concurrency, o.Duration, d.text, srv.Markdown.Render(d.text), d.rubric)
	if err != nil {
		return nil, err
	}
	run.StoreSave, run.StoreReviewSave, run.RawSave, run.RawReviewSave = saves.store, saves.storeReview, saves.raw, saves.rawReview
	writeScenarios(out, run)
	return run, nil
}

// copyDataFolder copies the database files of a closed data folder (not its
// lock or socket) into an empty one.
func copyDataFolder(from, to string) error {
	entries, err := os.ReadDir(from)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || e.Name() == "LOCK" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name())) // #nosec G304 -- the harness's own data folder
		if err != nil {
			return fmt.Errorf("load: %w", err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil { // #nosec G703 -- a name read from the harness's own data folder
			return fmt.Errorf("load: %w", err)
		}
	}
	return nil
}

// rawUpsert measures what SQLite itself does on this machine, in the same
// run: c goroutines upserting rows of 1 KB through one writer connection, in
// WAL mode with synchronous=NORMAL, as the embedded store runs; it returns
// upserts per second.
func rawUpsert(ctx context.Context, c int, d time.Duration) (float64, error) {
	dir, err := os.MkdirTemp("", "librecours-raw-")
	if err != nil {
		return 0, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "raw.db")+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return 0, err
	}
	defer func() { _ = db.Close() }()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id TEXT PRIMARY KEY, v TEXT NOT NULL, n INTEGER NOT NULL)`); err != nil {
		return 0, err
	}
	text := strings.Repeat("x", 1024)
	perSecond, err := eachFor(c, d, func(g, i int) error {
		_, err := db.ExecContext(ctx, `INSERT INTO t (id, v, n) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET v = excluded.v, n = excluded.n`, "row-"+strconv.Itoa(g), text, i)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("load: raw upsert: %w", err)
	}
	return perSecond, nil
}

// saveRates are the save baselines of a run, per second: the embedded
// store's own submission and review saves, and SQLite itself running their
// statements.
type saveRates struct {
	store, storeReview, raw, rawReview float64
}

// storeSaves measures the embedded store's own saves on this machine, in
// the same run: c goroutines each saving, again and again, a new version of
// their own submission (GradingStore.SaveSubmission, text and html the
// sizes the submit scenario sends and renders), then each handing in their
// own review again (GradingStore.SaveReview, the review scenarios' scores
// and comments), in a fresh store's database, one writer, as the platform
// runs it. rawSaves then runs the same saves' statements in another fresh
// database. They are "the same upsert" of the native-store issue, where
// rawUpsert is the cheapest upsert SQLite can do.
func storeSaves(ctx context.Context, c int, d time.Duration, text string, html template.HTML, rubric []grading.Criterion) (saveRates, error) {
	var rates saveRates
	f := newSaveFixture(c, text, html, rubric)
	err := inSaveFolder(ctx, f, func(db *sqlstore.DB) error {
		gs := sqlstore.NewGradingStore(db)
		var err error
		rates.store, err = eachFor(c, d, func(g, i int) error {
			sub := f.submission(g, i)
			return gs.SaveSubmission(ctx, sub, grading.Version{N: sub.Version, Text: text, At: sub.UpdatedAt})
		})
		if err != nil {
			return fmt.Errorf("load: store save: %w", err)
		}
		rates.storeReview, err = eachFor(c, d, func(g, i int) error { return gs.SaveReview(ctx, f.review(g, i)) })
		if err != nil {
			return fmt.Errorf("load: store save: %w", err)
		}
		return nil
	})
	if err != nil {
		return rates, err
	}
	err = inSaveFolder(ctx, f, func(db *sqlstore.DB) error {
		if err := db.Close(); err != nil {
			return err
		}
		rates.raw, rates.rawReview, err = rawSaves(ctx, filepath.Join(db.Dir(), sqlstore.FileName), c, d, f)
		return err
	})
	return rates, err
}

// inSaveFolder runs measure on a fresh store in a temporary folder, the
// fixture's reviews assigned, and removes the folder.
func inSaveFolder(ctx context.Context, f *saveFixture, measure func(*sqlstore.DB) error) error {
	dir, err := os.MkdirTemp("", "librecours-save-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	db, err := sqlstore.Open(ctx, dir, sqlstore.Options{Holder: "load: save baselines"})
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	if err := sqlstore.NewGradingStore(db).InsertReviews(ctx, f.reviews); err != nil {
		return err
	}
	return measure(db)
}

// saveFixture is what the save baselines save: goroutine g's submission and
// the review it hands in, both as the scenarios make them.
type saveFixture struct {
	text    string
	html    template.HTML
	rubric  []grading.Criterion
	at      time.Time
	reviews []grading.Review // goroutine g's, assigned
}

func newSaveFixture(c int, text string, html template.HTML, rubric []grading.Criterion) *saveFixture {
	f := &saveFixture{text: text, html: html, rubric: rubric, at: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), reviews: make([]grading.Review, c)}
	for g := range f.reviews {
		f.reviews[g] = grading.Review{ID: "review-" + strconv.Itoa(g), SessionID: "session", Part: 2, SubmissionID: "submission-" + strconv.Itoa(g),
			AuthorID: saveAuthor(g), ReviewerID: saveAuthor((g + 1) % c), Status: grading.ReviewAssigned, AssignedAt: f.at, UpdatedAt: f.at, Required: true}
	}
	return f
}

func saveAuthor(g int) string { return "author-" + strconv.Itoa(g) }

// submission is goroutine g's submission at its version i+1.
func (f *saveFixture) submission(g, i int) *grading.Submission {
	return &grading.Submission{ID: "submission-" + strconv.Itoa(g), SessionID: "session", Part: 2, AuthorID: saveAuthor(g), Text: f.text,
		TextHTML: string(f.html), Version: i + 1, SubmittedAt: f.at, UpdatedAt: f.at.Add(time.Duration(i) * time.Second)}
}

// review is goroutine g's review handed in for the i-th time.
func (f *saveFixture) review(g, i int) grading.Review {
	r := f.reviews[g]
	r.Scores = make(map[string]int, len(f.rubric))
	for k, cr := range f.rubric {
		r.Scores[cr.ID] = (i + k) % (cr.MaxPoints + 1)
	}
	done := f.at.Add(time.Duration(i) * time.Second)
	r.Status, r.Comment, r.Percent, r.UpdatedAt, r.DoneAt = grading.ReviewDone, loadComments[i%len(loadComments)], 50, done, &done
	return r
}

// rawSaves runs, on the store's database file at path, the statements the
// store runs for a submission save and a review save (app/sqlstore's
// SaveSubmission and SaveReview, written out here: what the baseline
// measures is SQLite without the store's code), from c goroutines through
// one connection opened with the store's writer's connection string (WAL,
// synchronous=NORMAL, BEGIN IMMEDIATE), for d each. Everything else is
// SQLite's default: in particular it checkpoints the WAL in the commit that
// takes it past 1,000 pages, where the store checkpoints in the background.
// A submission save is its version's insert and the submission's upsert in
// one transaction; a review save is one conditional UPDATE in one.
func rawSaves(ctx context.Context, path string, c int, d time.Duration, f *saveFixture) (subs, reviews float64, err error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = db.Close() }()
	db.SetMaxOpenConns(1)
	ns := func(t time.Time) int64 { return t.UnixNano() } // as the store keeps times
	subs, err = eachFor(c, d, func(g, i int) error {
		sub := f.submission(g, i)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		if _, err := tx.ExecContext(ctx, `INSERT INTO submission_versions (submission_id, n, text, attachment, at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (submission_id, n) DO NOTHING`, sub.ID, sub.Version, sub.Text, nil, ns(sub.UpdatedAt)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO submissions (id, session_id, part, author_id, text, attachment, version, submitted_at, updated_at, late, text_html)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET text = excluded.text, attachment = excluded.attachment, version = excluded.version,
				updated_at = excluded.updated_at, late = excluded.late, text_html = excluded.text_html
			WHERE session_id = excluded.session_id AND part = excluded.part AND author_id = excluded.author_id
				AND submitted_at = excluded.submitted_at`,
			sub.ID, sub.SessionID, sub.Part, sub.AuthorID, sub.Text, nil, sub.Version, ns(sub.SubmittedAt), ns(sub.UpdatedAt), 0, sub.TextHTML); err != nil {
			return err
		}
		return tx.Commit()
	})
	if err != nil {
		return 0, 0, fmt.Errorf("load: raw submission save: %w", err)
	}
	reviews, err = eachFor(c, d, func(g, i int) error {
		r := f.review(g, i)
		scores, err := json.Marshal(r.Scores)
		if err != nil {
			return err
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer func() { _ = tx.Rollback() }()
		res, err := tx.ExecContext(ctx, `UPDATE reviews SET status = ?, scores = ?, comment = ?, percent = ?, updated_at = ?, done_at = ?
			WHERE id = ? AND reviewer_id = ?`, string(r.Status), string(scores), r.Comment, r.Percent, ns(r.UpdatedAt), ns(*r.DoneAt), r.ID, r.ReviewerID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("review %s: %d rows, %v", r.ID, n, err)
		}
		return tx.Commit()
	})
	if err != nil {
		return 0, 0, fmt.Errorf("load: raw review save: %w", err)
	}
	return subs, reviews, nil
}

// eachFor runs save(g, i) in c goroutines, i counting each one's calls,
// for d, and returns the calls per second. Each goroutine calls save at
// least once.
func eachFor(c int, d time.Duration, save func(g, i int) error) (float64, error) {
	var n atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for g := range c {
		wg.Go(func() {
			for i := 0; i == 0 || time.Now().Before(deadline); i++ {
				if err := save(g, i); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return 0, err
	}
	return float64(n.Load()) / d.Seconds(), nil
}

func loadClient(c int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConns: 2 * c, MaxIdleConnsPerHost: 2 * c, IdleConnTimeout: time.Minute},
		// A form answers 303 on success: keep it, do not follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

func waitReady(ctx context.Context, client *http.Client, base string) error {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// loadWorld is what the clients need of a seeded dataset; it is kept in the
// settings so a later run on the same folder reuses the data.
type loadWorld struct {
	Version      int          `bson:"version"`
	Closed       int          `bson:"closed"`
	ClosedSize   int          `bson:"closed_size"`
	Participants int          `bson:"participants"`
	SessionID    string       `bson:"session_id"`
	Animator     loadPerson   `bson:"animator"`
	People       []loadPerson `bson:"people"`
}

// loadPerson is a signed-in account of the running session: a web session
// with its CSRF token, an API token and the reviews it holds in part 1.
type loadPerson struct {
	ID      string   `bson:"id"`
	Web     string   `bson:"web"`
	CSRF    string   `bson:"csrf"`
	API     string   `bson:"api"`
	Reviews []string `bson:"reviews"`
}

// seeder creates realistic data through the platform's services (accounts
// straight through the store, with one password hash, since hashing each
// would only measure argon2id).
type seeder struct {
	srv   *app.Platform
	clk   *loadClock
	hash  string
	seq   int
	coord *course.User
	anims []*course.User
	rnd   *rand.Rand
	texts []string
}

func seedLoad(ctx context.Context, srv *app.Platform, clk *loadClock, closed, closedSize, n int, out io.Writer) (*loadWorld, error) {
	hash, err := password.Hash(loadPassword)
	if err != nil {
		return nil, err
	}
	sd := &seeder{srv: srv, clk: clk, hash: hash,
		rnd: rand.New(rand.NewPCG(20261125, uint64(closed*100_003+n))), // #nosec G404 G115 -- reproducible test data, no secret; small non-negative sizes
	}
	sd.texts = loadTexts(sd.rnd, 24)
	// The history is seeded without notifications: queuing one updates the
	// outbox with a filter beyond _id, which the embedded database answers
	// by decoding the whole outbox, so seeding 20 sessions took over half
	// an hour (docs/performance.md). No measured scenario reads the outbox.
	events := srv.Grading.Events
	srv.Grading.Events = nil
	defer func() { srv.Grading.Events = events }()
	start, err := time.ParseInLocation(course.DateLayout, loadRunningStart, time.UTC)
	if err != nil {
		return nil, err
	}
	clk.Set(start.AddDate(0, 0, -21*(closed+2)))
	if sd.coord, err = sd.user(ctx, course.RoleCoordinator); err != nil {
		return nil, err
	}
	for range 3 {
		a, err := sd.user(ctx, course.RoleAnimator)
		if err != nil {
			return nil, err
		}
		sd.anims = append(sd.anims, a)
	}
	// Closed sessions, oldest first, one every three weeks.
	for i := closed; i >= 1; i-- {
		t0 := time.Now()
		if err := sd.closedSession(ctx, start.AddDate(0, 0, -21*i), closedSize, i); err != nil {
			return nil, fmt.Errorf("load: closed session %d: %w", i, err)
		}
		fmt.Fprintf(out, "- closed session %d of %d seeded in %.1f s\n", closed-i+1, closed, time.Since(t0).Seconds())
	}
	t0 := time.Now()
	w, err := sd.runningSession(ctx, start, n)
	if err != nil {
		return nil, fmt.Errorf("load: running session: %w", err)
	}
	fmt.Fprintf(out, "- running session of %d seeded in %.1f s\n", n, time.Since(t0).Seconds())
	w.Version, w.Closed, w.ClosedSize, w.Participants = loadVersion, closed, closedSize, n
	return w, nil
}

var (
	loadFirstNames = []string{"Camille", "Léo", "Inès", "Hugo", "Chloé", "Nathan", "Zoé", "Lucas", "Manon", "Théo", "Léa", "Noah", "Jade", "Louis", "Emma", "Gabriel", "Alice", "Jules", "Lina", "Adam"}
	loadLastNames  = []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"}
)

func (sd *seeder) user(ctx context.Context, role course.Role) (*course.User, error) {
	sd.seq++
	u := &course.User{
		Email:        fmt.Sprintf("%s%05d@load.librecours.test", role, sd.seq),
		Name:         fmt.Sprintf("%s %s %d", loadFirstNames[sd.seq%len(loadFirstNames)], loadLastNames[(sd.seq/len(loadFirstNames))%len(loadLastNames)], sd.seq),
		Roles:        []course.Role{role},
		PasswordHash: sd.hash,
		CreatedAt:    sd.clk.Now().UTC(),
	}
	return u, sd.srv.Store.Stores().Course.CreateUser(ctx, u)
}

// cohort creates a session with n new participants enrolled before it starts.
func (sd *seeder) cohort(ctx context.Context, startsOn time.Time, n int, anim *course.User) (*course.Session, []*course.User, []float64, error) {
	sd.clk.Set(startsOn.AddDate(0, 0, -14))
	sess, err := sd.srv.Course.CreateSession(ctx, sd.coord, course.NewSession{Format: string(course.LCIII), StartsOn: startsOn.Format(course.DateLayout)})
	if err != nil {
		return nil, nil, nil, err
	}
	if err := sd.srv.Grading.InitSession(ctx, sess.ID); err != nil {
		return nil, nil, nil, err
	}
	if err := sd.srv.Course.AddAnimator(ctx, sd.coord, sess.ID, anim.ID); err != nil {
		return nil, nil, nil, err
	}
	people := make([]*course.User, n)
	quality := make([]float64, n)
	for i := range people {
		sd.clk.Set(startsOn.AddDate(0, 0, -7).Add(time.Duration(i) * time.Second))
		if people[i], err = sd.user(ctx, course.RoleParticipant); err != nil {
			return nil, nil, nil, err
		}
		if err := sd.srv.Course.Enrol(ctx, people[i], sess.ID, ""); err != nil {
			return nil, nil, nil, err
		}
		quality[i] = min(1, max(0.2, 0.7+0.15*sd.rnd.NormFloat64()))
	}
	return sess, people, quality, nil
}

// seedEvent is one step of a session's life, run with the clock at at.
type seedEvent struct {
	at time.Time
	do func() error
}

func (sd *seeder) play(events []seedEvent) error {
	slices.SortStableFunc(events, func(a, b seedEvent) int { return a.at.Compare(b.at) })
	for _, e := range events {
		sd.clk.Set(e.at)
		if err := e.do(); err != nil {
			return err
		}
	}
	return nil
}

// partEvents are a part's submissions (share submit of the people), its
// assignment at the deadline and its reviews (share review of them done);
// closing at review_due when close is set.
func (sd *seeder) partEvents(ctx context.Context, sess *course.Session, n int, people []*course.User, quality []float64, submit, review float64, closePart bool) []seedEvent {
	p := sess.Parts[n-1]
	ev := []seedEvent{
		{p.OpensAt.Add(2 * time.Hour), func() error {
			for i, u := range people {
				if sd.rnd.Float64() >= submit {
					continue
				}
				if _, err := sd.srv.Grading.Submit(ctx, u, sess.ID, n, sd.text(i, n, quality[i]), nil); err != nil {
					return fmt.Errorf("submit: %w", err)
				}
			}
			return nil
		}},
		{p.SubmissionDue.Add(time.Minute), func() error {
			_, err := sd.srv.Grading.AssignPart(ctx, nil, sess.ID, n)
			return err
		}},
		{p.SubmissionDue.Add(3 * time.Hour), func() error { return sd.reviews(ctx, sess.ID, n, people, quality, review) }},
	}
	if closePart {
		ev = append(ev, seedEvent{p.ReviewDue.Add(time.Minute), func() error {
			_, err := sd.srv.Grading.ClosePart(ctx, nil, sess.ID, n)
			return err
		}})
	}
	return ev
}

// reviews hands in a share of a part's assigned reviews, scoring the
// author's quality with each reviewer's noise. They are written through the
// store (the service would also check the deadline and offer late work,
// which the seeding does not need): the documents are the ones the service
// writes.
func (sd *seeder) reviews(ctx context.Context, sessionID string, part int, people []*course.User, quality []float64, share float64) error {
	exs, err := sd.srv.Grading.Store.Exercises(ctx, sessionID)
	if err != nil {
		return err
	}
	var rubric []grading.Criterion
	for _, e := range exs {
		if e.Part == part {
			rubric = e.Rubric
		}
	}
	idx := make(map[string]int, len(people))
	for i, u := range people {
		idx[u.ID] = i
	}
	rs, err := sd.srv.Grading.Store.Reviews(ctx, sessionID, part)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if sd.rnd.Float64() >= share {
			continue
		}
		q := quality[idx[r.AuthorID]]
		scores := make(map[string]int, len(rubric))
		for _, c := range rubric {
			v := q*float64(c.MaxPoints) + sd.rnd.NormFloat64()*0.15*float64(c.MaxPoints)
			scores[c.ID] = int(math.Round(min(float64(c.MaxPoints), max(0, v))))
		}
		pct, err := grading.ScoreReview(rubric, scores)
		if err != nil {
			return err
		}
		now := sd.clk.Now().UTC().Add(time.Duration(sd.rnd.IntN(3600)) * time.Second)
		r.Scores, r.Percent, r.Status, r.UpdatedAt, r.DoneAt = scores, pct, grading.ReviewDone, now, &now
		r.Comment = loadComments[sd.rnd.IntN(len(loadComments))]
		if err := sd.srv.Grading.Store.SaveReview(ctx, r); err != nil {
			return fmt.Errorf("review: %w", err)
		}
	}
	return nil
}

func (sd *seeder) closedSession(ctx context.Context, startsOn time.Time, size, i int) error {
	sess, people, quality, err := sd.cohort(ctx, startsOn, size, sd.anims[i%len(sd.anims)])
	if err != nil {
		return err
	}
	var events []seedEvent
	for n := 1; n <= course.PartCount; n++ {
		events = append(events, sd.partEvents(ctx, sess, n, people, quality, 0.92, 0.9, true)...)
	}
	questions := grading.DefaultEvaluation()
	events = append(events,
		seedEvent{sess.Evaluation.OpensAt.Add(26 * time.Hour), func() error {
			for k, u := range people {
				if sd.rnd.Float64() < 0.1 {
					no := false
					if err := sd.srv.Certificates.SetCommitment(ctx, u, sess.ID, &no); err != nil {
						return err
					}
				}
				if sd.rnd.Float64() >= 0.9 {
					continue
				}
				if _, err := sd.srv.Quiz.Answer(ctx, u, sess.ID, sd.answers(questions, quality[k]), true); err != nil {
					return fmt.Errorf("evaluation: %w", err)
				}
			}
			return nil
		}},
		seedEvent{sess.Evaluation.Due.Add(12 * time.Hour), func() error {
			_, err := sd.srv.Certificates.Close(ctx, sd.coord, sess.ID)
			return err
		}})
	return sd.play(events)
}

// answers picks each question's right choices with probability q, one
// random choice otherwise.
func (sd *seeder) answers(qs []grading.Question, q float64) map[string][]string {
	out := make(map[string][]string, len(qs))
	for _, qu := range qs {
		if sd.rnd.Float64() < q {
			for _, c := range qu.Choices {
				if c.Correct {
					out[qu.ID] = append(out[qu.ID], c.ID)
				}
			}
			continue
		}
		out[qu.ID] = []string{qu.Choices[sd.rnd.IntN(len(qu.Choices))].ID}
	}
	return out
}

func (sd *seeder) runningSession(ctx context.Context, startsOn time.Time, n int) (*loadWorld, error) {
	sess, people, quality, err := sd.cohort(ctx, startsOn, n, sd.anims[0])
	if err != nil {
		return nil, err
	}
	events := sd.partEvents(ctx, sess, 1, people, quality, 0.95, 0.4, false)
	events = append(events, sd.partEvents(ctx, sess, 2, people, quality, 0.5, 0, false)[0])
	if err := sd.play(events); err != nil {
		return nil, err
	}
	sd.clk.Set(loadNow)
	w := &loadWorld{SessionID: sess.ID}
	token, a, err := sd.srv.Auth.Start(ctx, sd.anims[0], "web")
	if err != nil {
		return nil, err
	}
	w.Animator = loadPerson{ID: sd.anims[0].ID, Web: token, CSRF: a.CSRF}
	rs, err := sd.srv.Grading.Store.Reviews(ctx, sess.ID, 1)
	if err != nil {
		return nil, err
	}
	byReviewer := map[string][]string{}
	for _, r := range rs {
		byReviewer[r.ReviewerID] = append(byReviewer[r.ReviewerID], r.ID)
	}
	for _, u := range people {
		web, a, err := sd.srv.Auth.Start(ctx, u, "web")
		if err != nil {
			return nil, err
		}
		api, _, err := sd.srv.Auth.Start(ctx, u, "api")
		if err != nil {
			return nil, err
		}
		w.People = append(w.People, loadPerson{ID: u.ID, Web: web, CSRF: a.CSRF, API: api, Reviews: byReviewer[u.ID]})
	}
	return w, nil
}

var loadComments = []string{
	"Analyse claire et bien argumentée ; pensez à citer l'article du Code de la propriété intellectuelle.",
	"Le raisonnement sur la durée des droits patrimoniaux est juste, mais la partie sur la licence manque de précision.",
	"Très bon travail : les exceptions au droit d'auteur sont bien expliquées et les sources sont citées.",
	"Il manque la distinction entre droits moraux et patrimoniaux ; le reste est correct et agréable à lire.",
	"Bonne synthèse. La question de la compatibilité entre licences libres mériterait un exemple concret.",
}

var loadSentences = []string{
	"Les droits patrimoniaux durent toute la vie de l'auteur et soixante-dix ans après sa mort.",
	"Les droits moraux sont perpétuels, inaliénables et imprescriptibles : il faut toujours citer l'auteur.",
	"Une licence Creative Commons BY-SA permet la réutilisation commerciale à condition de partager à l'identique.",
	"La courte citation est permise dans un but critique, pédagogique ou d'information, en indiquant la source.",
	"Les données d'OpenStreetMap sont sous licence ODbL : il faut créditer les contributeurs et partager les améliorations.",
	"Une œuvre entrée dans le domaine public peut être reproduite librement, mais sa numérisation récente n'y change rien.",
	"Le logiciel libre garantit quatre libertés : utiliser, étudier, modifier et redistribuer le programme.",
	"La GPL impose que les versions modifiées distribuées restent sous la même licence, ce qu'on appelle le copyleft.",
	"Une photographie prise par soi-même appartient à son auteur, sous réserve du droit à l'image des personnes représentées.",
	"La musique de fond d'une vidéo demande une autorisation, sauf si elle est publiée sous une licence qui le permet.",
	"Le droit de panorama français autorise la reproduction d'œuvres architecturales situées dans l'espace public, à des fins non commerciales.",
	"Les idées ne sont pas protégées par le droit d'auteur ; seule leur forme d'expression originale l'est.",
}

// loadTexts makes k submission texts of about 2 KB, in Markdown.
func loadTexts(rnd *rand.Rand, k int) []string {
	out := make([]string, k)
	for i := range out {
		var b strings.Builder
		b.WriteString("## Mon analyse\n\n")
		for b.Len() < 2000 {
			for range 3 + rnd.IntN(3) {
				b.WriteString(loadSentences[rnd.IntN(len(loadSentences))])
				b.WriteByte(' ')
			}
			b.WriteString("\n\n")
		}
		out[i] = b.String()
	}
	return out
}

func (sd *seeder) text(i, part int, q float64) string {
	return fmt.Sprintf("%s\n\n(Partie %d, participant·e %d, niveau %.0f.)", sd.texts[(i*7+part)%len(sd.texts)], part, i, 100*q)
}

// loadDriver runs the scenarios against the served platform.
type loadDriver struct {
	o         Options
	client    *http.Client
	base      string
	world     *loadWorld
	run       *Round
	rubric    []grading.Criterion
	reviewers []int // indexes of the people who hold reviews
	text      string
	firsts    []firstSave // reviews never saved, for first-time saves
}

// firstSave is a review not yet done and its reviewer's API token.
type firstSave struct{ review, token string }

func (d *loadDriver) prepare(ctx context.Context, srv *app.Platform) error {
	exs, err := srv.Grading.Store.Exercises(ctx, d.world.SessionID)
	if err != nil {
		return err
	}
	for _, e := range exs {
		if e.Part == 1 {
			d.rubric = e.Rubric
		}
	}
	for i, p := range d.world.People {
		if len(p.Reviews) > 0 {
			d.reviewers = append(d.reviewers, i)
		}
	}
	if len(d.rubric) == 0 || len(d.reviewers) == 0 {
		return errors.New("load: the running session has no rubric or no reviews")
	}
	tokens := map[string]string{}
	for _, p := range d.world.People {
		tokens[p.ID] = p.API
	}
	rs, err := srv.Grading.Store.Reviews(ctx, d.world.SessionID, 1)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.Status != grading.ReviewDone && tokens[r.ReviewerID] != "" {
			d.firsts = append(d.firsts, firstSave{r.ID, tokens[r.ReviewerID]})
		}
	}
	d.text = loadTexts(rand.New(rand.NewPCG(1, 2)), 1)[0] // #nosec G404 -- test data
	return nil
}

// loadScenario builds the i-th request of a scenario and says which status
// means success.
type loadScenario struct {
	name  string
	write bool
	build func(i int) (*http.Request, int, error)
	// limit, when set, is how many requests the scenario has (each changes
	// the data for good): it runs without warm-up until they are sent.
	limit int
}

func (d *loadDriver) scenarios() []loadScenario {
	w := d.world
	sess := w.SessionID
	person := func(i int) loadPerson { return w.People[i%len(w.People)] }
	page := func(p loadPerson, path string) (*http.Request, error) {
		req, err := http.NewRequest(http.MethodGet, d.base+path, nil)
		if err == nil {
			req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: p.Web}) // #nosec G124 -- a client sending its cookie back: attributes are the server's
		}
		return req, err
	}
	api := func(p loadPerson, method, path string, body any) (*http.Request, error) {
		var r io.Reader
		if body != nil {
			b, err := json.Marshal(body)
			if err != nil {
				return nil, err
			}
			r = strings.NewReader(string(b))
		}
		req, err := http.NewRequest(method, d.base+path, r)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+p.API)
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
	reviewBody := d.reviewBody
	saveReview := func(i int) (*http.Request, int, error) {
		p := w.People[d.reviewers[i%len(d.reviewers)]]
		req, err := api(p, http.MethodPut, "/api/v1/reviews/"+p.Reviews[(i/len(d.reviewers))%len(p.Reviews)], reviewBody(i))
		return req, http.StatusOK, err
	}
	return []loadScenario{
		{name: "ceiling: GET /healthz", build: func(int) (*http.Request, int, error) {
			req, err := http.NewRequest(http.MethodGet, d.base+"/healthz", nil)
			return req, http.StatusOK, err
		}},
		{name: "dashboard page", build: func(i int) (*http.Request, int, error) {
			req, err := page(person(i), "/dashboard")
			return req, http.StatusOK, err
		}},
		{name: "part page", build: func(i int) (*http.Request, int, error) {
			req, err := page(person(i), "/sessions/"+sess+"/parts/2")
			return req, http.StatusOK, err
		}},
		{name: "reviews to do (API)", build: func(i int) (*http.Request, int, error) {
			req, err := api(w.People[d.reviewers[i%len(d.reviewers)]], http.MethodGet, "/api/v1/me/reviews?session="+sess+"&part=1", nil)
			return req, http.StatusOK, err
		}},
		{name: "animator queue page", build: func(int) (*http.Request, int, error) {
			req, err := page(w.Animator, "/sessions/"+sess+"/corrections")
			return req, http.StatusOK, err
		}},
		{name: "submit (form)", write: true, build: func(i int) (*http.Request, int, error) {
			p := person(i)
			form := url.Values{"_csrf": {p.CSRF}, "text": {d.text + "\n\nVersion " + strconv.Itoa(i) + "."}}
			req, err := http.NewRequest(http.MethodPost, d.base+"/sessions/"+sess+"/parts/2/submission", strings.NewReader(form.Encode()))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: p.Web}) // #nosec G124 -- a client sending its cookie back: attributes are the server's
			}
			return req, http.StatusSeeOther, err
		}},
		{name: "save a review (API)", write: true, build: saveReview},
		{name: "queue page + 10% review saves", build: func(i int) (*http.Request, int, error) {
			if i%10 == 9 {
				return saveReview(i / 10)
			}
			req, err := page(w.Animator, "/sessions/"+sess+"/corrections")
			return req, http.StatusOK, err
		}},
		{name: "first review saves (API)", write: true, limit: len(d.firsts), build: func(i int) (*http.Request, int, error) {
			f := d.firsts[i]
			req, err := api(loadPerson{API: f.token}, http.MethodPut, "/api/v1/reviews/"+f.review, reviewBody(i))
			return req, http.StatusOK, err
		}},
	}
}

// reviewBody is the i-th review a harness client sends.
func (d *loadDriver) reviewBody(i int) map[string]any {
	scores := make(map[string]int, len(d.rubric))
	for k, c := range d.rubric {
		scores[c.ID] = (i + k) % (c.MaxPoints + 1)
	}
	return map[string]any{"scores": scores, "comment": loadComments[i%len(loadComments)]}
}

// measure warms a scenario up, then runs it for the duration with every
// client sending one request at a time.
func (d *loadDriver) measure(ctx context.Context, sc loadScenario) (ScenarioResult, error) {
	var seq atomic.Int64
	switch {
	case d.o.Warmup > 0 && sc.limit == 0:
		d.drive(ctx, sc, d.o.Warmup, &seq)
	case d.o.Warmup > 0 && sc.limit >= 5*d.o.Concurrency:
		// A pool used up once (first-time saves) warms up on its first
		// fifth, as the others do for Warmup: its first requests all start
		// at once from idle, and with a pool of 177 the p99 is the second
		// slowest request.
		warm := sc
		warm.limit = sc.limit / 5
		d.drive(ctx, warm, time.Hour, &seq)                // until that fifth is used up
		seq.Store(int64(min(warm.limit, int(seq.Load())))) // each worker drew one past the limit
	}
	warmed := int(seq.Load())
	resetPeakRSS()
	cpu0 := processCPU()
	var prof *os.File
	if d.o.ProfileDir != "" {
		name := fmt.Sprintf("c%d-p%d-%s.pprof", d.run.Closed, d.run.Participants, slug(sc.name))
		f, err := os.Create(filepath.Join(d.o.ProfileDir, name)) // #nosec G304 -- the folder comes from the command line
		if err != nil {
			return ScenarioResult{}, fmt.Errorf("load: profile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return ScenarioResult{}, fmt.Errorf("load: profile: %w", err)
		}
		prof = f
		runtime.SetBlockProfileRate(10000) // a sample per 10 µs blocked
		runtime.SetMutexProfileFraction(5)
	}
	res := d.drive(ctx, sc, d.o.Duration, &seq)
	if sc.limit > 0 {
		res.Pool, res.Warmed = sc.limit, warmed
	}
	if res.Requests > 0 {
		res.CPU = (processCPU() - cpu0) / time.Duration(res.Requests)
	}
	_, res.PeakRSS = processRSS()
	if prof != nil {
		pprof.StopCPUProfile()
		if err := prof.Close(); err != nil {
			return res, fmt.Errorf("load: profile: %w", err)
		}
		// And what the heap holds after it (go tool pprof -sample_index=inuse_space).
		name := fmt.Sprintf("c%d-p%d-%s.heap.pprof", d.run.Closed, d.run.Participants, slug(sc.name))
		f, err := os.Create(filepath.Join(d.o.ProfileDir, name)) // #nosec G304 -- the folder comes from the command line
		if err != nil {
			return res, fmt.Errorf("load: profile: %w", err)
		}
		for _, kind := range []string{"block", "mutex"} {
			bf, err := os.Create(filepath.Join(d.o.ProfileDir, fmt.Sprintf("c%d-p%d-%s.%s.pprof", d.run.Closed, d.run.Participants, slug(sc.name), kind))) // #nosec G304 -- the folder comes from the command line
			if err != nil {
				return res, fmt.Errorf("load: profile: %w", err)
			}
			err = pprof.Lookup(kind).WriteTo(bf, 0)
			if cerr := bf.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return res, fmt.Errorf("load: profile: %w", err)
			}
		}
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
		runtime.GC()
		err = pprof.WriteHeapProfile(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return res, fmt.Errorf("load: profile: %w", err)
		}
	}
	return res, ctx.Err()
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

func (d *loadDriver) drive(ctx context.Context, sc loadScenario, dur time.Duration, seq *atomic.Int64) ScenarioResult {
	type worker struct {
		lat      []time.Duration
		errors   int
		firstErr string
	}
	workers := make([]worker, d.o.Concurrency)
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func(w *worker) {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				i := int(seq.Add(1) - 1)
				if sc.limit > 0 && i >= sc.limit {
					break
				}
				t0 := time.Now()
				msg := d.once(ctx, sc, i)
				w.lat = append(w.lat, time.Since(t0))
				if msg != "" {
					w.errors++
					if w.firstErr == "" {
						w.firstErr = msg
					}
				}
			}
		}(&workers[k])
	}
	wg.Wait()
	res := ScenarioResult{Name: sc.name, Write: sc.write, Elapsed: time.Since(start)}
	var all []time.Duration
	for _, w := range workers {
		all = append(all, w.lat...)
		res.Errors += w.errors
		res.FirstError = cmp.Or(res.FirstError, w.firstErr)
	}
	res.Requests = len(all)
	slices.Sort(all)
	res.P50, res.P99 = percentile(all, 0.50), percentile(all, 0.99)
	res.PerSecond = float64(res.Requests) / res.Elapsed.Seconds()
	return res
}

// once sends one request and returns what went wrong, or "".
func (d *loadDriver) once(ctx context.Context, sc loadScenario, i int) string {
	req, want, err := sc.build(i)
	if err != nil {
		return err.Error()
	}
	// A browser asks for gzip, as net/http does, but net/http then also
	// inflates the body, which a load generator (wrk, hey) does not do:
	// asked explicitly, the body stays compressed, the server compresses
	// as it would for a browser, and the clients, which share this
	// process's CPU with the server, spend none inflating what they throw
	// away (8% of the part page scenario's CPU).
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := d.client.Do(req.WithContext(ctx))
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode == want {
		_, err := io.Copy(io.Discard, resp.Body)
		if err != nil {
			return err.Error()
		}
		return ""
	}
	var body io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		if zr, err := gzip.NewReader(resp.Body); err == nil {
			body = zr
		}
	}
	text, _ := io.ReadAll(io.LimitReader(body, 1<<20))
	return fmt.Sprintf("%s %s: status %d, want %d: %.200s", req.Method, req.URL.Path, resp.StatusCode, want, text)
}

// percentile returns the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// processRSS reads the resident and peak resident memory of this process.
// processCPU returns the process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS starts the process's peak RSS (VmHWM) again from its current
// RSS, so that each scenario reports its own peak (Linux).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

func processRSS() (rss, peak int64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return rss, peak
}

// collectionSizes counts the records of every collection, through the
// store-neutral export.
func collectionSizes(ctx context.Context, b store.Backend) (map[string]int64, error) {
	w := countingWriter{}
	if err := b.Export(ctx, w); err != nil {
		return nil, fmt.Errorf("load: count records: %w", err)
	}
	return w, nil
}

type countingWriter map[string]int64

func (w countingWriter) Write(collection string, _ any) error { w[collection]++; return nil }

func describeSizes(m map[string]int64) string {
	names := make([]string, 0, len(m))
	var total int64
	for n, v := range m {
		total += v
		if v > 0 {
			names = append(names, n)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b)) })
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, m[n]))
	}
	return fmt.Sprintf("%d documents (%s)", total, strings.Join(parts, ", "))
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

func writeScenarios(out io.Writer, run *Round) {
	fmt.Fprintln(out, "| scenario | req/s | p50 ms | p99 ms | errors | ratio to ceiling | CPU µs/req | peak RSS MB |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, s := range run.Scenarios {
		fmt.Fprintf(out, "| %s | %.0f | %s | %s | %d / %d | %.3f | %d | %d |\n", s.Name, s.PerSecond, ms(s.P50), ms(s.P99), s.Errors, s.Requests, s.Ratio,
			s.CPU.Microseconds(), s.PeakRSS>>20)
	}
	fmt.Fprintf(out, "\nRSS %d MB, peak %d MB (the whole process: server, embedded database, clients).\n\n",
		run.RSS>>20, run.PeakRSS>>20)
	if run.RawUpsert > 0 {
		fmt.Fprintf(out, "Raw SQLite upsert in the same run (1 KB rows, one writer, WAL, synchronous=NORMAL): %.0f/s.", run.RawUpsert)
		for _, s := range run.Scenarios {
			if s.Write {
				fmt.Fprintf(out, " %s: %.1f%% of it.", s.Name, 100*s.PerSecond/run.RawUpsert)
			}
		}
		fmt.Fprintln(out)
		fmt.Fprintln(out)
	}
	writeSaveShares(out, run, "The store's own saves in the same run (one writer, the scenarios' texts)", run.StoreSave, run.StoreReviewSave)
	writeSaveShares(out, run, "SQLite itself running those saves' statements in the same run (a fresh database of the store's schema, one writer, WAL, synchronous=NORMAL, no store code)",
		run.RawSave, run.RawReviewSave)
	for _, s := range run.Scenarios {
		if s.FirstError != "" {
			fmt.Fprintf(out, "First error of %q: %s\n\n", s.Name, s.FirstError)
		}
	}
}

// writeSaveShares writes a save baseline of the run (what, submissions and
// reviews per second) and each saving scenario's share of it.
func writeSaveShares(out io.Writer, run *Round, what string, submissions, reviews float64) {
	if submissions <= 0 {
		return
	}
	fmt.Fprintf(out, "%s: submissions %.0f/s, reviews %.0f/s.", what, submissions, reviews)
	for _, s := range run.Scenarios {
		switch {
		case s.Name == "submit (form)":
			fmt.Fprintf(out, " %s: %.1f%% of the first.", s.Name, 100*s.PerSecond/submissions)
		case s.Write && reviews > 0:
			fmt.Fprintf(out, " %s: %.1f%% of the second.", s.Name, 100*s.PerSecond/reviews)
		}
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out)
}

// writeCurve summarises several runs: req/s of each scenario against the
// data size.
func writeCurve(out io.Writer, rep *Report) {
	fmt.Fprintln(out, "## Curve")
	fmt.Fprintln(out)
	head := "| closed sessions | running session | documents |"
	sep := "|---:|---:|---:|"
	for _, s := range rep.Runs[0].Scenarios {
		head += " " + s.Name + " |"
		sep += "---:|"
	}
	fmt.Fprintln(out, head)
	fmt.Fprintln(out, sep)
	for _, r := range rep.Runs {
		row := fmt.Sprintf("| %d | %d | %d |", r.Closed, r.Participants, r.TotalDocuments())
		for _, s := range r.Scenarios {
			row += fmt.Sprintf(" %.0f (p99 %s) |", s.PerSecond, ms(s.P99))
		}
		fmt.Fprintln(out, row)
	}
	fmt.Fprintln(out)
}
