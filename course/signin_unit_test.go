package course_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"librecours/course"
)

// authFake is an in-memory AuthStore and Accounts.
type authFake struct {
	mu       sync.Mutex
	sessions map[string]course.AuthSession
	counts   map[string]int
	users    map[string]*course.User
	touched  int
	failTo   error // Touch fails with it
}

func newAuthFake() *authFake {
	return &authFake{sessions: map[string]course.AuthSession{}, counts: map[string]int{}, users: map[string]*course.User{}}
}

func (f *authFake) CreateSession(_ context.Context, a course.AuthSession) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions[a.TokenHash] = a
	return nil
}

func (f *authFake) live(hash string, now time.Time) (course.AuthSession, bool) {
	a, ok := f.sessions[hash]
	return a, ok && now.Before(a.ExpiresAt) && now.Before(a.IdleExpiresAt)
}

func (f *authFake) Session(_ context.Context, hash string, now time.Time) (*course.AuthSession, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.live(hash, now); ok {
		return &a, nil
	}
	return nil, course.ErrNotFound
}

func (f *authFake) Caller(_ context.Context, hash string, now time.Time) (*course.AuthSession, *course.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.live(hash, now)
	if !ok || f.users[a.UserID] == nil {
		return nil, nil, course.ErrNotFound
	}
	return &a, f.users[a.UserID], nil
}

func (f *authFake) Touch(_ context.Context, hash string, now, idle time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.touched++
	if f.failTo != nil {
		return f.failTo
	}
	a := f.sessions[hash]
	a.LastSeen, a.IdleExpiresAt = now, idle
	f.sessions[hash] = a
	return nil
}

func (f *authFake) DeleteSession(_ context.Context, hash string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sessions, hash)
	return nil
}

func (f *authFake) TakeSession(_ context.Context, hash, kind string, now time.Time) (*course.AuthSession, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.live(hash, now)
	if !ok || a.Kind != kind {
		return nil, course.ErrNotFound
	}
	delete(f.sessions, hash)
	return &a, nil
}

func (f *authFake) DeleteUserSessions(_ context.Context, userID, keep string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for h, a := range f.sessions {
		if a.UserID == userID && h != keep {
			delete(f.sessions, h)
			n++
		}
	}
	return n, nil
}

func (f *authFake) DeleteExpired(_ context.Context, now time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var n int64
	for h := range f.sessions {
		if _, ok := f.live(h, now); !ok {
			delete(f.sessions, h)
			n++
		}
	}
	return n, nil
}

func (f *authFake) Failures(_ context.Context, key string, _ time.Time, _ time.Duration) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[key], nil
}

func (f *authFake) RecordFailure(_ context.Context, key string, _ time.Time, _ time.Duration) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[key]++
	return f.counts[key], nil
}

func (f *authFake) ResetFailures(_ context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.counts, key)
	return nil
}

func (f *authFake) UserByID(_ context.Context, id string) (*course.User, error) {
	if u := f.users[id]; u != nil {
		return u, nil
	}
	return nil, course.ErrNotFound
}

func (f *authFake) UserByEmail(_ context.Context, email string) (*course.User, error) {
	for _, u := range f.users {
		if u.Email == email {
			return u, nil
		}
	}
	return nil, course.ErrNotFound
}

func TestAuth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newAuthFake()
	u := &course.User{ID: "u1", Email: "lea@example.org", Name: "Léa"}
	f.users[u.ID] = u
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	a := &course.Auth{Store: f, Users: f, Now: func() time.Time { return now },
		SessionIdle: time.Hour, SessionMax: 24 * time.Hour, TokenTTL: 30 * 24 * time.Hour}

	web, ws, err := a.Start(ctx, u, course.KindWeb)
	if err != nil || ws.CSRF == "" || !ws.IdleExpiresAt.Equal(now.Add(time.Hour)) || !ws.ExpiresAt.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("web session: %+v %v", ws, err)
	}
	if ws.TokenHash != course.HashToken(web) || ws.TokenHash == web {
		t.Fatal("only the token's hash is stored")
	}
	api, as, err := a.Start(ctx, u, course.KindAPI)
	if err != nil || as.CSRF != "" || !as.IdleExpiresAt.Equal(now.Add(30*24*time.Hour)) {
		t.Fatalf("API token: %+v %v", as, err)
	}
	if _, _, err := a.Start(ctx, u, "other"); err == nil {
		t.Fatal("a session of an unknown kind")
	}

	// A caller is found by token and kind; another kind is not found.
	for _, tc := range []struct {
		name, token, kind string
		ok                bool
	}{
		{"web", web, course.KindWeb, true}, {"api", api, course.KindAPI, true},
		{"web token as API", web, course.KindAPI, false}, {"empty", "", course.KindWeb, false},
		{"too long", string(make([]byte, 201)), course.KindWeb, false}, {"unknown", "nope", course.KindWeb, false},
	} {
		_, got, err := a.Caller(ctx, tc.token, tc.kind)
		if tc.ok != (err == nil) || (tc.ok && got.ID != u.ID) || (!tc.ok && !errors.Is(err, course.ErrNotFound)) {
			t.Errorf("%s: %v %v", tc.name, got, err)
		}
	}
	// The idle clock moves once a minute at most, and a failed move does
	// not fail the caller.
	touched := f.touched
	now = now.Add(30 * time.Second)
	if _, _, err := a.Caller(ctx, web, course.KindWeb); err != nil || f.touched != touched {
		t.Fatalf("within a minute: %v, %d touches", err, f.touched-touched)
	}
	now = now.Add(time.Minute)
	f.failTo = errors.New("disk full")
	if _, _, err := a.Caller(ctx, web, course.KindWeb); err != nil || f.touched != touched+1 {
		t.Fatalf("a failed touch: %v, %d touches", err, f.touched-touched)
	}
	f.failTo = nil
	now = now.Add(2 * time.Hour) // idle past the hour: the web session ended, the token not
	if _, _, err := a.Caller(ctx, web, course.KindWeb); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("an idle web session: %v", err)
	}
	if _, _, err := a.Caller(ctx, api, course.KindAPI); err != nil {
		t.Fatalf("the API token: %v", err)
	}

	// Links are single use and of their kind.
	tok, hash, err := a.StartLink(ctx, u, course.KindReset, time.Hour, "")
	if err != nil || hash != course.HashToken(tok) {
		t.Fatalf("link: %v", err)
	}
	if _, _, err := a.StartLink(ctx, u, course.KindWeb, time.Hour, ""); err == nil {
		t.Fatal("a link of the web kind")
	}
	if _, err := a.Take(ctx, tok, course.KindEmail); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("a reset link taken as an e-mail link: %v", err)
	}
	if _, err := a.Take(ctx, tok, course.KindReset); err != nil {
		t.Fatalf("take: %v", err)
	}
	if _, err := a.Take(ctx, tok, course.KindReset); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("taken twice: %v", err)
	}

	// Counting, reading and forgetting attempts.
	for want := 1; want <= 3; want++ {
		if n, err := a.Count(ctx, "ip:x", time.Hour); err != nil || n != want {
			t.Fatalf("count %d: %d %v", want, n, err)
		}
	}
	if n, _ := a.Counted(ctx, "ip:x", time.Hour); n != 3 {
		t.Fatalf("counted %d", n)
	}
	if err := a.Forget(ctx, "ip:x", "gate:ip:x"); err != nil {
		t.Fatal(err)
	}
	if n, _ := a.Counted(ctx, "ip:x", time.Hour); n != 0 {
		t.Fatalf("after forgetting: %d", n)
	}

	// Accounts by address (normalised) and ID; sessions ended.
	if got, err := a.Account(ctx, " LEA@Example.org "); err != nil || got.ID != u.ID {
		t.Fatalf("account by address: %v %v", got, err)
	}
	if _, err := a.AccountByID(ctx, "nobody"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("unknown ID: %v", err)
	}
	_, keep, _ := a.Start(ctx, u, course.KindAPI)
	if n, err := a.EndAll(ctx, u.ID, keep.TokenHash); err != nil || n != 2 { // the idle web session and the first token
		t.Fatalf("end all but one: %d %v", n, err)
	}
	if err := a.End(ctx, keep.TokenHash); err != nil {
		t.Fatal(err)
	}
	if n, err := a.ExpireOld(ctx); err != nil || n != 0 {
		t.Fatalf("expire: %d %v", n, err)
	}
}

// settingsFake is an in-memory SettingsStore.
type settingsFake struct {
	mu   sync.Mutex
	m    map[string][]byte
	puts int
}

func (f *settingsFake) Get(_ context.Context, key string, v any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.m[key]
	if !ok {
		return course.ErrNotFound
	}
	return json.Unmarshal(b, v)
}

func (f *settingsFake) Put(_ context.Context, key string, v any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := json.Marshal(v)
	f.m[key] = b
	f.puts++
	return err
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := &settingsFake{m: map[string][]byte{}}
	s := &course.Secrets{Settings: f}
	k1, err := s.Key(ctx, course.SecretDevices)
	if err != nil || len(k1) != 32 {
		t.Fatalf("key: %d bytes, %v", len(k1), err)
	}
	again, _ := s.Key(ctx, course.SecretDevices)
	other, _ := s.KeyFunc(course.SecretUnsubscribe)(ctx)
	if string(again) != string(k1) || string(other) == string(k1) || f.puts != 2 {
		t.Fatalf("one key per name, made once: %d puts", f.puts)
	}
	// Another instance reads the stored key.
	s2 := &course.Secrets{Settings: f}
	if k, _ := s2.Key(ctx, course.SecretDevices); string(k) != string(k1) {
		t.Fatal("a second instance made its own key")
	}
	// A stored key too short is refused, not used.
	f.m["short"] = []byte(`{"Key":"c2hvcnQ="}`)
	if _, err := s2.Key(ctx, "short"); err == nil {
		t.Fatal("a 5-byte key accepted")
	}
}
