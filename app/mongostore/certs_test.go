package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"librecours/app/mongostore"
	"librecours/app/mongostore/storetest"
	"librecours/certificates"
)

// newCertStore opens a fresh database and its certificate store.
func newCertStore(t *testing.T) *mongostore.CertificateStore {
	t.Helper()
	return mongostore.NewCertificateStore(storetest.Open(t, storetest.Options{}).DB)
}

// paris is a zone other than UTC: times given in it come back in UTC.
var paris = time.FixedZone("CET", 3600)

func TestCertRules(t *testing.T) {
	s := newCertStore(t)
	ctx := context.Background()

	if _, err := s.Rules(ctx, "s1"); !errors.Is(err, certificates.ErrNotFound) {
		t.Fatalf("Rules of a session without rules: err = %v, want ErrNotFound", err)
	}
	custom := certificates.Rules{PassGrade: 62.5, Level1Exercises: 3, Level1Evaluation: 0, Level2Exercises: 5,
		Level2Evaluation: 80.5, Level2ReviewsOnTime: false, Level2Commitment: true}
	for _, tc := range []struct {
		name  string
		rules certificates.Rules
	}{
		{"defaults", certificates.DefaultRules()},
		{"custom, replacing", custom},
		{"zero values, replacing", certificates.Rules{}},
		{"every flag set", certificates.Rules{PassGrade: 100, Level1Exercises: 6, Level1Evaluation: 100, Level2Exercises: 6,
			Level2Evaluation: 100, Level2ReviewsOnTime: true, Level2Commitment: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.PutRules(ctx, "s1", tc.rules); err != nil {
				t.Fatal(err)
			}
			got, err := s.Rules(ctx, "s1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.rules, got); diff != "" {
				t.Fatalf("Rules (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := s.Rules(ctx, "s2"); !errors.Is(err, certificates.ErrNotFound) {
		t.Fatalf("Rules of another session: err = %v, want ErrNotFound", err)
	}
}

func TestCommitmentDeclined(t *testing.T) {
	s := newCertStore(t)
	ctx := context.Background()

	for _, c := range []struct {
		session, user string
		declined      bool
	}{
		{"s1", "ada", true},
		{"s1", "bob", false},
		{"s1", "cyd", true},
		{"s1", "cyd", false}, // changed their mind
		{"s1", "dan", false},
		{"s1", "dan", true},
		{"s2", "bob", true},
	} {
		if err := s.SetDeclined(ctx, c.session, c.user, c.declined); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		session string
		want    map[string]bool
	}{
		{"s1", map[string]bool{"ada": true, "dan": true}},
		{"s2", map[string]bool{"bob": true}},
		{"none", map[string]bool{}},
	} {
		t.Run(tc.session, func(t *testing.T) {
			got, err := s.Declined(ctx, tc.session)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("Declined returned a nil map")
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("Declined (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLevelOverrides(t *testing.T) {
	s := newCertStore(t)
	ctx := context.Background()

	ada := certificates.Override{UserID: "ada", Level: certificates.LevelII, Reason: "Absence justifiée", By: "coord", At: t0.In(paris)}
	bob := certificates.Override{UserID: "bob", Level: certificates.LevelNone, Reason: "Plagiat", By: "coord", At: t0.Add(time.Minute)}
	cyd := certificates.Override{UserID: "cyd", Level: certificates.LevelI, Reason: "Erreur de note", By: "coord2", At: t0.Add(time.Hour)}
	other := certificates.Override{UserID: "ada", Level: certificates.LevelI, Reason: "Autre session", By: "coord", At: t0}
	for _, o := range []certificates.Override{ada, bob, cyd} {
		if err := s.PutOverride(ctx, "s1", o); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutOverride(ctx, "s2", other); err != nil {
		t.Fatal(err)
	}
	utc := func(o certificates.Override) certificates.Override { o.At = o.At.UTC(); return o }

	check := func(t *testing.T, session string, want map[string]certificates.Override) {
		t.Helper()
		got, err := s.Overrides(ctx, session)
		if err != nil {
			t.Fatal(err)
		}
		if got == nil {
			t.Fatal("Overrides returned a nil map")
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Overrides(%s) (-want +got):\n%s", session, diff)
		}
	}
	check(t, "s1", map[string]certificates.Override{"ada": utc(ada), "bob": bob, "cyd": cyd})
	check(t, "s2", map[string]certificates.Override{"ada": other})
	check(t, "none", map[string]certificates.Override{})

	// A second decision replaces the first.
	bob2 := certificates.Override{UserID: "bob", Level: certificates.LevelI, Reason: "Recours accepté", By: "coord2", At: t0.Add(2 * time.Hour)}
	if err := s.PutOverride(ctx, "s1", bob2); err != nil {
		t.Fatal(err)
	}
	check(t, "s1", map[string]certificates.Override{"ada": utc(ada), "bob": bob2, "cyd": cyd})

	for _, tc := range []struct {
		name, session, user string
		want                map[string]certificates.Override
	}{
		{"delete one", "s1", "cyd", map[string]certificates.Override{"ada": utc(ada), "bob": bob2}},
		{"delete it again", "s1", "cyd", map[string]certificates.Override{"ada": utc(ada), "bob": bob2}},
		{"delete someone without override", "s1", "zed", map[string]certificates.Override{"ada": utc(ada), "bob": bob2}},
		{"delete in an unknown session", "none", "ada", map[string]certificates.Override{"ada": utc(ada), "bob": bob2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.DeleteOverride(ctx, tc.session, tc.user); err != nil {
				t.Fatal(err)
			}
			check(t, "s1", tc.want)
			check(t, "s2", map[string]certificates.Override{"ada": other})
		})
	}
}

func newCertificate(code, session, user string, lvl certificates.Level, at time.Time) certificates.Certificate {
	return certificates.Certificate{Code: code, SessionID: session, SessionCode: "LCIII-" + session, SessionStart: "2026-03-02",
		SessionEnd: "2026-04-13", UserID: user, HolderName: "Nom de " + user, Level: lvl, Lang: "fr", Salt: "sel-" + code,
		Badge: "eyJhbGciOiJFUzI1NiJ9.e30." + code, Rules: certificates.DefaultRules(), IssuedAt: at}
}

func TestCertificateRoundTrip(t *testing.T) {
	s := newCertStore(t)
	ctx := context.Background()

	custom := newCertificate("LCIII-AAAA-BBBB-CCCC", "s1", "ada", certificates.LevelII, t0)
	custom.Rules = certificates.Rules{PassGrade: 60, Level1Exercises: 3, Level1Evaluation: 40, Level2Exercises: 5, Level2Commitment: true}
	revoked := newCertificate("LCIII-DDDD-EEEE-FFFF", "s1", "bob", certificates.LevelI, t0.In(paris))
	revoked.RevokedAt, revoked.RevokeReason = ptr(t0.Add(time.Hour)), "Erreur"
	for _, tc := range []struct {
		name string
		c    certificates.Certificate
	}{
		{"level II with custom rules", custom},
		{"level I, already revoked, local times", revoked},
		{"empty strings", certificates.Certificate{Code: "LCVI-0000-0000-0000", Level: certificates.LevelI, IssuedAt: t0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.InsertCertificate(ctx, tc.c); err != nil {
				t.Fatal(err)
			}
			got, err := s.Certificate(ctx, tc.c.Code)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.c
			want.IssuedAt = want.IssuedAt.UTC()
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Fatalf("Certificate (-want +got):\n%s", diff)
			}
			if got.IssuedAt.Location() != time.UTC {
				t.Fatalf("IssuedAt in %v, want UTC", got.IssuedAt.Location())
			}
		})
	}

	if got, err := s.Certificate(ctx, "LCIII-XXXX-XXXX-XXXX"); !errors.Is(err, certificates.ErrNotFound) {
		t.Fatalf("Certificate(unknown) = %v, %v; want ErrNotFound", got, err)
	}

	dup := newCertificate(custom.Code, "s2", "eve", certificates.LevelI, t0.Add(time.Hour))
	if err := s.InsertCertificate(ctx, dup); err == nil || errors.Is(err, certificates.ErrNotFound) {
		t.Fatalf("InsertCertificate with a used code: err = %v, want a failure", err)
	}
	got, err := s.Certificate(ctx, custom.Code)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&custom, got); diff != "" {
		t.Fatalf("a refused insert changed the certificate (-want +got):\n%s", diff)
	}
}

func TestCertificatesList(t *testing.T) {
	s := newCertStore(t)
	ctx := context.Background()

	cs := []certificates.Certificate{
		newCertificate("C-3", "s1", "ada", certificates.LevelII, t0.Add(time.Minute)),
		newCertificate("C-2", "s1", "bob", certificates.LevelI, t0),
		newCertificate("C-1", "s1", "cyd", certificates.LevelI, t0), // same instant as C-2: by code
		newCertificate("C-4", "s2", "ada", certificates.LevelI, t0.Add(-time.Hour)),
		newCertificate("C-5", "s1", "ada", certificates.LevelI, t0.Add(2*time.Minute)), // reissued
	}
	for _, c := range cs {
		if err := s.InsertCertificate(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Revoke(ctx, "C-3", "reissued", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	cs[0].RevokedAt, cs[0].RevokeReason = ptr(t0.Add(2*time.Minute)), "reissued"

	for _, tc := range []struct {
		name string
		call func() ([]certificates.Certificate, error)
		want []certificates.Certificate
	}{
		{"by session, revoked included", func() ([]certificates.Certificate, error) { return s.CertificatesBySession(ctx, "s1") },
			[]certificates.Certificate{cs[2], cs[1], cs[0], cs[4]}},
		{"by other session", func() ([]certificates.Certificate, error) { return s.CertificatesBySession(ctx, "s2") },
			[]certificates.Certificate{cs[3]}},
		{"by unknown session", func() ([]certificates.Certificate, error) { return s.CertificatesBySession(ctx, "none") }, nil},
		{"by user across sessions", func() ([]certificates.Certificate, error) { return s.CertificatesByUser(ctx, "ada") },
			[]certificates.Certificate{cs[3], cs[0], cs[4]}},
		{"by user", func() ([]certificates.Certificate, error) { return s.CertificatesByUser(ctx, "bob") },
			[]certificates.Certificate{cs[1]}},
		{"by unknown user", func() ([]certificates.Certificate, error) { return s.CertificatesByUser(ctx, "zed") }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.call()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCertificateRevoke(t *testing.T) {
	s := newCertStore(t)
	ctx := context.Background()

	c := newCertificate("LCIII-AAAA-BBBB-CCCC", "s1", "ada", certificates.LevelII, t0)
	if err := s.InsertCertificate(ctx, c); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(24 * time.Hour).In(paris)
	for _, tc := range []struct {
		name, code, reason string
		at                 time.Time
		want               error
	}{
		{"first revocation", c.Code, "Fraude avérée", at, nil},
		{"second revocation", c.Code, "Encore", at.Add(time.Hour), certificates.ErrRevoked},
		{"unknown code", "LCIII-XXXX-XXXX-XXXX", "Fraude avérée", at, certificates.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Revoke(ctx, tc.code, tc.reason, tc.at); !errors.Is(err, tc.want) {
				t.Fatalf("Revoke: err = %v, want %v", err, tc.want)
			}
			got, err := s.Certificate(ctx, c.Code)
			if err != nil {
				t.Fatal(err)
			}
			want := c
			want.RevokedAt, want.RevokeReason = ptr(at.UTC()), "Fraude avérée"
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Fatalf("certificate after Revoke (-want +got):\n%s", diff)
			}
			if got.Valid() {
				t.Fatal("a revoked certificate is Valid")
			}
		})
	}
	if _, err := s.Certificate(ctx, "LCIII-XXXX-XXXX-XXXX"); !errors.Is(err, certificates.ErrNotFound) {
		t.Fatalf("Revoke of an unknown code created it: err = %v", err)
	}
}

// TestCertificateRevokeConcurrent: of 8 racing revocations, one wins and the
// others get ErrRevoked.
func TestCertificateRevokeConcurrent(t *testing.T) {
	s := newCertStore(t)
	ctx := context.Background()
	c := newCertificate("LCIII-AAAA-BBBB-CCCC", "s1", "ada", certificates.LevelII, t0)
	if err := s.InsertCertificate(ctx, c); err != nil {
		t.Fatal(err)
	}
	const workers = 8
	var wins, revoked atomic.Int32
	var winner atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := s.Revoke(ctx, c.Code, fmt.Sprintf("raison %d", w), t0.Add(time.Duration(w)*time.Minute))
			switch {
			case err == nil:
				wins.Add(1)
				winner.Store(int32(w))
			case errors.Is(err, certificates.ErrRevoked):
				revoked.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || revoked.Load() != workers-1 {
		t.Fatalf("%d wins and %d ErrRevoked, want 1 and %d", wins.Load(), revoked.Load(), workers-1)
	}
	got, err := s.Certificate(ctx, c.Code)
	if err != nil {
		t.Fatal(err)
	}
	w := winner.Load()
	if got.RevokedAt == nil || got.RevokeReason != fmt.Sprintf("raison %d", w) || !got.RevokedAt.Equal(t0.Add(time.Duration(w)*time.Minute)) {
		t.Fatalf("revoked %v for %q, want the winner %d's", got.RevokedAt, got.RevokeReason, w)
	}
}

func TestCommitments(t *testing.T) {
	s := newCertStore(t)
	ctx := context.Background()

	if got, err := s.Commitments(ctx); err != nil || len(got) != 0 {
		t.Fatalf("Commitments of an empty database = %v, %v", got, err)
	}
	newCommitment := func(user, session string, at time.Time) certificates.Commitment {
		return certificates.Commitment{ID: user + ":" + session, UserID: user, FromSessionID: session, FromSessionCode: "LCIII-" + session,
			FromStart: "2026-03-02", Certificate: "LCIII-" + user, Status: certificates.CommitmentPending, CreatedAt: at}
	}
	ada := newCommitment("ada", "s1", t0.Add(time.Hour))
	bob := newCommitment("bob", "s1", t0)
	cyd := newCommitment("cyd", "s1", t0) // same instant as bob: by ID
	eve := newCommitment("eve", "s2", t0.Add(-time.Hour).In(paris))
	for _, c := range []certificates.Commitment{ada, bob, cyd, eve} {
		if err := s.PutCommitment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	eve.CreatedAt = eve.CreatedAt.UTC()

	check := func(t *testing.T, want []certificates.Commitment) {
		t.Helper()
		got, err := s.Commitments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Commitments (-want +got):\n%s", diff)
		}
	}
	check(t, []certificates.Commitment{eve, bob, cyd, ada})

	// Putting a commitment again replaces it, every field.
	bob.Status, bob.FulfilledBy = certificates.CommitmentFulfilled, "LCIII-007"
	ada.Status, ada.Reason, ada.Certificate = certificates.CommitmentReleased, "Déménagement", ""
	for _, c := range []certificates.Commitment{bob, ada} {
		if err := s.PutCommitment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	check(t, []certificates.Commitment{eve, bob, cyd, ada})
	bob.FulfilledBy, bob.Status = "", certificates.CommitmentPending
	if err := s.PutCommitment(ctx, bob); err != nil {
		t.Fatal(err)
	}
	check(t, []certificates.Commitment{eve, bob, cyd, ada})
}

func TestSigningKeys(t *testing.T) {
	s := newCertStore(t)
	ctx := context.Background()

	if got, err := s.SigningKeys(ctx); err != nil || len(got) != 0 {
		t.Fatalf("SigningKeys of an empty database = %v, %v", got, err)
	}
	pem := func(n int) []byte {
		return fmt.Appendf(nil, "-----BEGIN PRIVATE KEY-----\nkey %d \x00\xff\n-----END PRIVATE KEY-----\n", n)
	}
	keys := []certificates.StoredKey{
		{PEM: pem(2), CreatedAt: t0.Add(24 * time.Hour)},
		{PEM: pem(1), CreatedAt: t0.In(paris)},
		{PEM: pem(3), CreatedAt: t0.Add(48 * time.Hour)},
	}
	var want []certificates.StoredKey
	for i, k := range keys {
		if err := s.AddSigningKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		k.CreatedAt = k.CreatedAt.UTC()
		want = append(want, k)
		if i == 1 {
			want[0], want[1] = want[1], want[0]
		}
		got, err := s.SigningKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("SigningKeys after %d adds (-want +got):\n%s", i+1, diff)
		}
	}
}

func TestAuditLog(t *testing.T) {
	s := newCertStore(t)
	ctx := context.Background()

	if got, err := s.AuditLog(ctx, "", 0); err != nil || len(got) != 0 {
		t.Fatalf("AuditLog of an empty database = %v, %v", got, err)
	}
	es := []certificates.AuditEntry{
		{At: t0.Add(2 * time.Minute), ActorID: "coord", Action: "certificate.revoke", SessionID: "s1", Target: "C-1", Reason: "Fraude avérée"},
		{At: t0.In(paris), ActorID: "coord", Action: "rules.change", SessionID: "s1", Detail: "{PassGrade:60}"},
		{At: t0.Add(time.Minute), ActorID: "coord2", Action: "session.close", SessionID: "s2", Target: "LCIII-002"},
		{At: t0.Add(3 * time.Minute), Action: "key.rotate"}, // no actor, no session
		{At: t0.Add(time.Minute), ActorID: "coord", Action: "certificate.issue", SessionID: "s1", Target: "C-2", Detail: "level 2 for ada"},
	}
	for _, e := range es {
		if err := s.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	es[1].At = es[1].At.UTC()

	for _, tc := range []struct {
		name    string
		session string
		limit   int
		want    []certificates.AuditEntry
	}{
		{"all, newest first", "", 0, []certificates.AuditEntry{es[3], es[0], es[4], es[2], es[1]}},
		{"all, negative limit", "", -1, []certificates.AuditEntry{es[3], es[0], es[4], es[2], es[1]}},
		{"all, limited", "", 2, []certificates.AuditEntry{es[3], es[0]}},
		{"one session", "s1", 0, []certificates.AuditEntry{es[0], es[4], es[1]}},
		{"one session, limited", "s1", 2, []certificates.AuditEntry{es[0], es[4]}},
		{"one session, limit above the count", "s2", 10, []certificates.AuditEntry{es[2]}},
		{"unknown session", "none", 5, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.AuditLog(ctx, tc.session, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("AuditLog (-want +got):\n%s", diff)
			}
		})
	}
}
