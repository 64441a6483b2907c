package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/app/store"
	"librecours/course"
)

// Auth is the conformance suite of course.AuthStore (web sessions, API
// tokens, sign-in throttling) and course.SettingsStore.
func Auth(t *testing.T, open Open) {
	t.Run("SessionExpiry", func(t *testing.T) { authSessionExpiry(t, open) })
	t.Run("DeleteSessions", func(t *testing.T) { authDeleteSessions(t, open) })
	t.Run("DeleteExpired", func(t *testing.T) { authDeleteExpired(t, open) })
	t.Run("Caller", func(t *testing.T) { authCaller(t, open) })
	t.Run("TakeLink", func(t *testing.T) { authTakeLink(t, open) })
	t.Run("TakeLinkConcurrent", func(t *testing.T) { authTakeLinkConcurrent(t, open) })
	t.Run("Throttle", func(t *testing.T) { authThrottle(t, open) })
	t.Run("ThrottleConcurrent", func(t *testing.T) { authThrottleConcurrent(t, open) })
	t.Run("Settings", func(t *testing.T) { authSettings(t, open) })
	t.Run("BackupRoundTrip", func(t *testing.T) { authBackupRoundTrip(t, open) })
}

// authSession is a web session of userID created at T0, ending an hour
// later, idle after ten minutes.
func authSession(hash, userID string) course.AuthSession {
	return course.AuthSession{TokenHash: hash, Kind: "web", UserID: userID, CSRF: "csrf-" + hash, CreatedAt: T0, LastSeen: T0,
		ExpiresAt: T0.Add(time.Hour), IdleExpiresAt: T0.Add(10 * time.Minute)}
}

// authLink is a single-use link of kind for userID, created at T0, valid
// an hour.
func authLink(hash, kind, userID, data string) course.AuthSession {
	return course.AuthSession{TokenHash: hash, Kind: kind, UserID: userID, CSRF: data, CreatedAt: T0, LastSeen: T0,
		ExpiresAt: T0.Add(time.Hour), IdleExpiresAt: T0.Add(time.Hour)}
}

// authTakeLink: a link is taken once, only with its kind, only while live.
func authTakeLink(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t).Stores().Auth
	for _, a := range []course.AuthSession{authLink("r1", course.KindReset, "u1", ""),
		authLink("e1", course.KindEmail, "u1", "new@example.org"), authLink("r2", course.KindReset, "u1", ""), authSession("w1", "u1")} {
		if err := s.CreateSession(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name, hash, kind string
		at               time.Time
		want             *course.AuthSession
	}{
		{name: "unknown", hash: "nope", kind: course.KindReset, at: T0},
		{name: "wrong kind", hash: "r1", kind: course.KindEmail, at: T0},
		{name: "a web session is no link", hash: "w1", kind: course.KindReset, at: T0},
		{name: "live", hash: "r1", kind: course.KindReset, at: T0.Add(59 * time.Minute), want: new(authLink("r1", course.KindReset, "u1", ""))},
		{name: "taken already", hash: "r1", kind: course.KindReset, at: T0.Add(59 * time.Minute)},
		{name: "carries its data", hash: "e1", kind: course.KindEmail, at: T0, want: new(authLink("e1", course.KindEmail, "u1", "new@example.org"))},
		{name: "expired", hash: "r2", kind: course.KindReset, at: T0.Add(time.Hour)},
	}
	for _, st := range steps {
		got, err := s.TakeSession(ctx, st.hash, st.kind, st.at)
		if st.want == nil {
			if !errors.Is(err, course.ErrNotFound) {
				t.Fatalf("%s: got %+v, %v; want course.ErrNotFound", st.name, got, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", st.name, diff)
		}
	}
	if _, err := s.Session(ctx, "w1", T0); err != nil {
		t.Fatalf("the web session is gone: %v", err)
	}
}

// authTakeLinkConcurrent: of ten takers of one link, exactly one gets it.
func authTakeLinkConcurrent(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t).Stores().Auth
	if err := s.CreateSession(ctx, authLink("r1", course.KindReset, "u1", "")); err != nil {
		t.Fatal(err)
	}
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = s.TakeSession(ctx, "r1", course.KindReset, T0) })
	}
	wg.Wait()
	won := wins(t, "take", errs, course.ErrNotFound)
	if won != 1 {
		t.Fatalf("%d takers got the link, want 1", won)
	}
}

func authSessionExpiry(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t).Stores().Auth
	a := authSession("h1", "u1")
	if err := s.CreateSession(ctx, a); err != nil {
		t.Fatal(err)
	}
	got, err := s.Session(ctx, "h1", T0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&a, got); diff != "" {
		t.Fatalf("session (-want +got):\n%s", diff)
	}
	steps := []struct {
		name  string
		touch *[2]time.Time // now, idle expiry
		at    time.Time
		live  bool
	}{
		{name: "unknown", at: T0},
		{name: "live", at: T0.Add(9 * time.Minute), live: true},
		{name: "idle expiry is the end", at: T0.Add(10 * time.Minute)},
		{name: "idle", at: T0.Add(11 * time.Minute)},
		{name: "touched", touch: &[2]time.Time{T0.Add(9 * time.Minute), T0.Add(19 * time.Minute)}, at: T0.Add(11 * time.Minute), live: true},
		{name: "idle again", at: T0.Add(19 * time.Minute)},
		{name: "touched near the end", touch: &[2]time.Time{T0.Add(55 * time.Minute), T0.Add(65 * time.Minute)}, at: T0.Add(59 * time.Minute), live: true},
		{name: "absolute expiry", at: T0.Add(61 * time.Minute)},
	}
	for _, st := range steps {
		hash := "h1"
		if st.name == "unknown" {
			hash = "nope"
		}
		if st.touch != nil {
			if err := s.Touch(ctx, hash, st.touch[0], st.touch[1]); err != nil {
				t.Fatalf("%s: touch: %v", st.name, err)
			}
		}
		got, err := s.Session(ctx, hash, st.at)
		switch {
		case st.live && err != nil:
			t.Fatalf("%s: %v", st.name, err)
		case !st.live && !errors.Is(err, course.ErrNotFound):
			t.Fatalf("%s: got %+v, %v; want course.ErrNotFound", st.name, got, err)
		}
		if st.touch != nil && (!got.LastSeen.Equal(st.touch[0]) || !got.IdleExpiresAt.Equal(st.touch[1]) || !got.ExpiresAt.Equal(a.ExpiresAt)) {
			t.Fatalf("%s: touched session %+v", st.name, got)
		}
	}
	if err := s.Touch(ctx, "nope", T0, T0.Add(time.Hour)); err != nil {
		t.Fatalf("touching an unknown session: %v", err)
	}
	if _, err := s.Session(ctx, "nope", T0); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("touch created a session: %v", err)
	}
}

func authDeleteSessions(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t).Stores().Auth
	for _, a := range []course.AuthSession{authSession("u1-a", "u1"), authSession("u1-b", "u1"), authSession("u1-c", "u1"), authSession("u2-a", "u2")} {
		if err := s.CreateSession(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	tok := authSession("u1-token", "u1")
	tok.Kind, tok.CSRF = "api", ""
	if err := s.CreateSession(ctx, tok); err != nil {
		t.Fatal(err)
	}
	live := func(want ...string) {
		t.Helper()
		for _, h := range []string{"u1-a", "u1-b", "u1-c", "u1-token", "u2-a"} {
			_, err := s.Session(ctx, h, T0)
			if slices.Contains(want, h) != (err == nil) {
				t.Fatalf("session %s: %v (want live: %v)", h, err, slices.Contains(want, h))
			}
			if err != nil && !errors.Is(err, course.ErrNotFound) {
				t.Fatalf("session %s: %v", h, err)
			}
		}
	}
	live("u1-a", "u1-b", "u1-c", "u1-token", "u2-a")
	if err := s.DeleteSession(ctx, "u1-a"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, "u1-a"); err != nil {
		t.Fatalf("deleting a deleted session: %v", err)
	}
	live("u1-b", "u1-c", "u1-token", "u2-a")
	if n, err := s.DeleteUserSessions(ctx, "u1", "u1-b"); err != nil || n != 2 {
		t.Fatalf("DeleteUserSessions keeping one = %d, %v; want 2", n, err)
	}
	live("u1-b", "u2-a")
	if n, err := s.DeleteUserSessions(ctx, "u1", ""); err != nil || n != 1 {
		t.Fatalf("DeleteUserSessions keeping none = %d, %v; want 1", n, err)
	}
	live("u2-a")
	if n, err := s.DeleteUserSessions(ctx, "nobody", ""); err != nil || n != 0 {
		t.Fatalf("DeleteUserSessions of nobody = %d, %v", n, err)
	}
}

func authDeleteExpired(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t).Stores().Auth
	sessions := map[string]course.AuthSession{}
	for _, c := range []struct {
		hash           string
		absolute, idle time.Duration // from T0
	}{
		{"absolute", time.Hour, 3 * time.Hour},
		{"idle", 3 * time.Hour, 30 * time.Minute},
		{"at the limit", 2 * time.Hour, 3 * time.Hour},
		{"live", 3 * time.Hour, 3 * time.Hour},
	} {
		a := authSession(c.hash, "u1")
		a.ExpiresAt, a.IdleExpiresAt = T0.Add(c.absolute), T0.Add(c.idle)
		sessions[c.hash] = a
		if err := s.CreateSession(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.DeleteExpired(ctx, T0.Add(2*time.Hour)); err != nil || n != 3 {
		t.Fatalf("DeleteExpired = %d, %v; want 3", n, err)
	}
	if n, err := s.DeleteExpired(ctx, T0.Add(2*time.Hour)); err != nil || n != 0 {
		t.Fatalf("DeleteExpired again = %d, %v; want 0", n, err)
	}
	if got, err := s.Session(ctx, "live", T0.Add(2*time.Hour)); err != nil || !cmp.Equal(*got, sessions["live"]) {
		t.Fatalf("the live session: %+v, %v", got, err)
	}
	// A session expired but not yet purged is not found either.
	if _, err := s.Session(ctx, "live", T0.Add(3*time.Hour)); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("an expired session: %v", err)
	}
}

func authCaller(t *testing.T, open Open) {
	ctx := context.Background()
	st := open(t).Stores()
	u := &course.User{Email: "caller@example.org", Name: "Camille Caller", Roles: []course.Role{course.RoleParticipant, course.RoleAnimator},
		PasswordHash: "hash", Locale: "fr", CreatedAt: T0}
	if err := st.Course.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	a := authSession("caller", u.ID)
	orphan := authSession("orphan", "no-such-account")
	for _, x := range []course.AuthSession{a, orphan} {
		if err := st.Auth.CreateSession(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	gotA, gotU, err := st.Auth.Caller(ctx, "caller", T0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&a, gotA); diff != "" {
		t.Fatalf("session (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(u, gotU); diff != "" {
		t.Fatalf("account (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		name, hash string
		at         time.Time
	}{
		{"unknown session", "nope", T0},
		{"no account", "orphan", T0},
		{"idle", "caller", T0.Add(10 * time.Minute)},
		{"expired", "caller", T0.Add(2 * time.Hour)},
	} {
		if a, u, err := st.Auth.Caller(ctx, c.hash, c.at); !errors.Is(err, course.ErrNotFound) || a != nil || u != nil {
			t.Errorf("%s: %+v, %+v, %v; want course.ErrNotFound", c.name, a, u, err)
		}
	}
	if err := st.Course.DeleteUsers(ctx, []string{u.ID}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Auth.Caller(ctx, "caller", T0.Add(time.Minute)); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("account gone: %v; want course.ErrNotFound", err)
	}
	if _, err := st.Auth.Session(ctx, "caller", T0.Add(time.Minute)); err != nil {
		t.Fatalf("the session itself stays until deleted: %v", err)
	}
}

func authThrottle(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t).Stores().Auth
	const w = 15 * time.Minute
	at := func(m int) time.Time { return T0.Add(time.Duration(m) * time.Minute) }
	steps := []struct {
		name   string
		do     string // "record", "failures", "reset"
		key    string
		minute int
		want   int
	}{
		{"none yet", "failures", "k", 0, 0},
		{"first", "record", "k", 0, 1},
		{"second", "record", "k", 1, 2},
		{"third", "record", "k", 2, 3},
		{"in the window", "failures", "k", 5, 3},
		{"another key", "failures", "other", 5, 0},
		{"another key counts apart", "record", "other", 5, 1},
		{"the window ends", "failures", "k", 15, 0},
		{"after the window", "failures", "k", 16, 0},
		{"a new window starts at one", "record", "k", 20, 1},
		{"in the new window", "failures", "k", 21, 1},
		{"the new window counts", "record", "k", 34, 2},
		{"the new window started at its first failure", "failures", "k", 34, 2},
		{"the new window ends", "failures", "k", 35, 0},
		{"the other key", "failures", "other", 6, 1},
		{"reset", "reset", "k", 0, 0},
		{"after reset", "failures", "k", 34, 0},
		{"after reset, again at one", "record", "k", 34, 1},
		{"reset of an unknown key", "reset", "unknown", 0, 0},
	}
	for _, st := range steps {
		var n int
		var err error
		switch st.do {
		case "record":
			n, err = s.RecordFailure(ctx, st.key, at(st.minute), w)
		case "failures":
			n, err = s.Failures(ctx, st.key, at(st.minute), w)
		case "reset":
			err = s.ResetFailures(ctx, st.key)
		}
		if err != nil || n != st.want {
			t.Fatalf("%s: %s %s at +%dmin = %d, %v; want %d", st.name, st.do, st.key, st.minute, n, err, st.want)
		}
	}
}

// authThrottleConcurrent: failures counted at once on one key each get
// their own count.
func authThrottleConcurrent(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t).Stores().Auth
	const n = 20
	counts := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { counts[i], errs[i] = s.RecordFailure(ctx, "email:busy@example.org", T0, time.Hour) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	slices.Sort(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("counts returned %v, want 1..%d each once", counts, n)
		}
	}
	if got, err := s.Failures(ctx, "email:busy@example.org", T0.Add(time.Minute), time.Hour); err != nil || got != n {
		t.Fatalf("Failures = %d, %v; want %d", got, err, n)
	}
}

func authSettings(t *testing.T, open Open) {
	ctx := context.Background()
	s := open(t).Stores().Settings
	type marker struct {
		Sessions []string
		Count    int
		At       time.Time
	}
	var m marker
	if err := s.Get(ctx, "demo", &m); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("unset: %v; want course.ErrNotFound", err)
	}
	want := marker{Sessions: []string{"s1", "s2"}, Count: 2, At: T0}
	if err := s.Put(ctx, "demo", want); err != nil {
		t.Fatal(err)
	}
	if err := s.Get(ctx, "demo", &m); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Fatalf("setting (-want +got):\n%s", diff)
	}
	want2 := marker{Sessions: []string{"s3"}, Count: 1}
	if err := s.Put(ctx, "demo", &want2); err != nil {
		t.Fatal(err)
	}
	var m2 marker
	if err := s.Get(ctx, "demo", &m2); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want2, m2); diff != "" {
		t.Fatalf("replaced setting (-want +got):\n%s", diff)
	}
	for key, v := range map[string]any{"flag": true, "name": "Libre cours", "limits": map[string]int{"a": 1, "b": 2}} {
		if err := s.Put(ctx, key, v); err != nil {
			t.Fatal(err)
		}
	}
	var flag bool
	var name string
	var limits map[string]int
	for key, v := range map[string]any{"flag": &flag, "name": &name, "limits": &limits} {
		if err := s.Get(ctx, key, v); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
	if !flag || name != "Libre cours" || !cmp.Equal(limits, map[string]int{"a": 1, "b": 2}) {
		t.Fatalf("values: %v %q %v", flag, name, limits)
	}
	if err := s.Get(ctx, "Demo", &m); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("keys are case-sensitive: %v", err)
	}
}

// authBackupRoundTrip: sessions, counters and settings export as the
// records of the backup format and load into a fresh backend unchanged.
func authBackupRoundTrip(t *testing.T, open Open) {
	ctx := context.Background()
	b := open(t)
	st := b.Stores()
	web := authSession("b-web", "u1")
	api := authSession("a-api", "u1")
	api.Kind, api.CSRF = "api", ""
	for _, a := range []course.AuthSession{web, api} {
		if err := st.Auth.CreateSession(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"ip:10.0.0.1", "email:a@example.org", "email:a@example.org"} {
		if _, err := st.Auth.RecordFailure(ctx, k, T0, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Settings.Put(ctx, "demo", map[string]any{"Sessions": []string{"s1"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Settings.Put(ctx, "banner", "Bienvenue"); err != nil {
		t.Fatal(err)
	}
	recs := memRecords{}
	if err := b.Export(ctx, recs); err != nil {
		t.Fatal(err)
	}
	auth := func(m memRecords) map[string][]string {
		return m.strings("auth_sessions", "login_throttle", "settings")
	}
	want := map[string][]string{
		"auth_sessions": {
			`{"TokenHash":"a-api","Kind":"api","UserID":"u1","CSRF":"","CreatedAt":"2026-03-02T09:00:00Z","LastSeen":"2026-03-02T09:00:00Z","ExpiresAt":"2026-03-02T10:00:00Z","IdleExpiresAt":"2026-03-02T09:10:00Z"}`,
			`{"TokenHash":"b-web","Kind":"web","UserID":"u1","CSRF":"csrf-b-web","CreatedAt":"2026-03-02T09:00:00Z","LastSeen":"2026-03-02T09:00:00Z","ExpiresAt":"2026-03-02T10:00:00Z","IdleExpiresAt":"2026-03-02T09:10:00Z"}`,
		},
		"login_throttle": {
			`{"Key":"email:a@example.org","Count":2,"WindowStart":"2026-03-02T09:00:00Z"}`,
			`{"Key":"ip:10.0.0.1","Count":1,"WindowStart":"2026-03-02T09:00:00Z"}`,
		},
		"settings": {
			`{"Key":"banner","Value":"Bienvenue"}`,
			`{"Key":"demo","Value":{"Sessions":["s1"]}}`,
		},
	}
	if diff := cmp.Diff(want, auth(recs)); diff != "" {
		t.Fatalf("exported records (-want +got):\n%s", diff)
	}

	// Only the auth collections: a restore of them alone.
	only := memRecords{}
	for c, rs := range recs {
		if c == "auth_sessions" || c == "login_throttle" || c == "settings" {
			only[c] = rs
		}
	}
	b2 := open(t)
	if err := b2.Import(ctx, only); err != nil {
		t.Fatal(err)
	}
	if err := b2.Import(ctx, only); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("import into a database with data: %v; want store.ErrNotEmpty", err)
	}
	again := memRecords{}
	if err := b2.Export(ctx, again); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, auth(again)); diff != "" {
		t.Fatalf("records after a restore (-want +got):\n%s", diff)
	}
	st2 := b2.Stores()
	if got, err := st2.Auth.Session(ctx, "b-web", T0); err != nil || !cmp.Equal(*got, web) {
		t.Fatalf("restored session: %+v, %v", got, err)
	}
	if n, err := st2.Auth.RecordFailure(ctx, "email:a@example.org", T0.Add(time.Minute), time.Hour); err != nil || n != 3 {
		t.Fatalf("restored counter counts on: %d, %v", n, err)
	}
	var banner string
	if err := st2.Settings.Get(ctx, "banner", &banner); err != nil || banner != "Bienvenue" {
		t.Fatalf("restored setting: %q, %v", banner, err)
	}
}
