package storetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/app/store"
	"librecours/certificates"
)

// certParis is a zone other than UTC: times given in it come back in UTC.
var certParis = time.FixedZone("CET", 3600)

func certPtr[T any](v T) *T { return &v }

// certStore is a fresh backend's certificate store.
func certStore(t *testing.T, open Open) store.CertificateStore {
	t.Helper()
	return open(t).Stores().Certificates
}

func certNew(code, session, user string, lvl certificates.Level, at time.Time) certificates.Certificate {
	return certificates.Certificate{Code: code, SessionID: session, SessionCode: "LCIII-" + session, SessionStart: "2026-03-02",
		SessionEnd: "2026-04-13", UserID: user, HolderName: "Nom de " + user, Level: lvl, Lang: "fr", Salt: "sel-" + code,
		Badge: "eyJhbGciOiJFUzI1NiJ9.e30." + code, Rules: certificates.DefaultRules(), IssuedAt: at, WorkloadHours: certificates.DefaultWorkloadHours}
}

// Certificates is the conformance suite of certificates.Store and
// certificates.AnimatorStore: rules, commitment choices, level overrides,
// certificates and their revocation, commitments, signing keys, the audit
// log, availabilities, and their backup.
func Certificates(t *testing.T, open Open) {
	t.Run("Rules", func(t *testing.T) { certRules(t, open) })
	t.Run("Declined", func(t *testing.T) { certDeclined(t, open) })
	t.Run("Overrides", func(t *testing.T) { certOverrides(t, open) })
	t.Run("RoundTrip", func(t *testing.T) { certRoundTrip(t, open) })
	t.Run("List", func(t *testing.T) { certList(t, open) })
	t.Run("Revoke", func(t *testing.T) { certRevoke(t, open) })
	t.Run("RevokeConcurrent", func(t *testing.T) { certRevokeConcurrent(t, open) })
	t.Run("StatusIndex", func(t *testing.T) { certStatusIndex(t, open) })
	t.Run("Commitments", func(t *testing.T) { certCommitments(t, open) })
	t.Run("SigningKeys", func(t *testing.T) { certSigningKeys(t, open) })
	t.Run("AuditLog", func(t *testing.T) { certAuditLog(t, open) })
	t.Run("Availability", func(t *testing.T) { certAvailability(t, open) })
	t.Run("Backup", func(t *testing.T) { certBackup(t, open) })
}

func certRules(t *testing.T, open Open) {
	s := certStore(t, open)
	ctx := context.Background()

	if _, err := s.Rules(ctx, "s1"); !errors.Is(err, certificates.ErrNotFound) {
		t.Fatalf("Rules of a session without rules: err = %v, want ErrNotFound", err)
	}
	custom := certificates.Rules{PassGrade: 62.5, Level1Exercises: 3, Level1Evaluation: 0, Level2Exercises: 5,
		Level2Evaluation: 80.5, Level2ReviewsOnTime: false, Level2Commitment: true, ReviewQualityMin: 45.5}
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

func certDeclined(t *testing.T, open Open) {
	s := certStore(t, open)
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

func certOverrides(t *testing.T, open Open) {
	s := certStore(t, open)
	ctx := context.Background()

	ada := certificates.Override{UserID: "ada", Level: certificates.LevelII, Reason: "Absence justifiée", By: "coord", At: T0.In(certParis)}
	bob := certificates.Override{UserID: "bob", Level: certificates.LevelNone, Reason: "Plagiat", By: "coord", At: T0.Add(time.Minute)}
	cyd := certificates.Override{UserID: "cyd", Level: certificates.LevelI, Reason: "Erreur de note", By: "coord2", At: T0.Add(time.Hour)}
	other := certificates.Override{UserID: "ada", Level: certificates.LevelI, Reason: "Autre session", By: "coord", At: T0}
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
	bob2 := certificates.Override{UserID: "bob", Level: certificates.LevelI, Reason: "Recours accepté", By: "coord2", At: T0.Add(2 * time.Hour)}
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

func certRoundTrip(t *testing.T, open Open) {
	s := certStore(t, open)
	ctx := context.Background()

	custom := certNew("LCIII-AAAA-BBBB-CCCC", "s1", "ada", certificates.LevelII, T0)
	custom.Rules = certificates.Rules{PassGrade: 60, Level1Exercises: 3, Level1Evaluation: 40, Level2Exercises: 5, Level2Commitment: true}
	revoked := certNew("LCIII-DDDD-EEEE-FFFF", "s1", "bob", certificates.LevelI, T0.In(certParis))
	revoked.RevokedAt, revoked.RevokeReason, revoked.RevokePublic = certPtr(T0.Add(time.Hour)), "Erreur", true
	for _, tc := range []struct {
		name string
		c    certificates.Certificate
	}{
		{"level II with custom rules", custom},
		{"level I, already revoked, local times", revoked},
		{"empty strings", certificates.Certificate{Code: "LCVI-0000-0000-0000", Level: certificates.LevelI, IssuedAt: T0, WorkloadHours: 1}},
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

	dup := certNew(custom.Code, "s2", "eve", certificates.LevelI, T0.Add(time.Hour))
	if err := s.InsertCertificate(ctx, dup); err == nil || errors.Is(err, certificates.ErrNotFound) || store.Unavailable(err) {
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

func certList(t *testing.T, open Open) {
	s := certStore(t, open)
	ctx := context.Background()

	cs := []certificates.Certificate{
		certNew("C-3", "s1", "ada", certificates.LevelII, T0.Add(time.Minute)),
		certNew("C-2", "s1", "bob", certificates.LevelI, T0),
		certNew("C-1", "s1", "cyd", certificates.LevelI, T0), // same instant as C-2: by code
		certNew("C-4", "s2", "ada", certificates.LevelI, T0.Add(-time.Hour)),
		certNew("C-5", "s1", "ada", certificates.LevelI, T0.Add(2*time.Minute)), // reissued
	}
	for _, c := range cs {
		if err := s.InsertCertificate(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Revoke(ctx, "C-3", "reissued", false, T0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	cs[0].RevokedAt, cs[0].RevokeReason = certPtr(T0.Add(2*time.Minute)), "reissued"

	checkCalls(t, []listCall[certificates.Certificate]{
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
	})
}

func certRevoke(t *testing.T, open Open) {
	s := certStore(t, open)
	ctx := context.Background()

	c := certNew("LCIII-AAAA-BBBB-CCCC", "s1", "ada", certificates.LevelII, T0)
	if err := s.InsertCertificate(ctx, c); err != nil {
		t.Fatal(err)
	}
	at := T0.Add(24 * time.Hour).In(certParis)
	for _, tc := range []struct {
		name, code, reason string
		public             bool
		at                 time.Time
		want               error
	}{
		{"first revocation, reason public", c.Code, "Fraude avérée", true, at, nil},
		{"second revocation", c.Code, "Encore", false, at.Add(time.Hour), certificates.ErrRevoked},
		{"unknown code", "LCIII-XXXX-XXXX-XXXX", "Fraude avérée", false, at, certificates.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Revoke(ctx, tc.code, tc.reason, tc.public, tc.at); !errors.Is(err, tc.want) {
				t.Fatalf("Revoke: err = %v, want %v", err, tc.want)
			}
			got, err := s.Certificate(ctx, c.Code)
			if err != nil {
				t.Fatal(err)
			}
			want := c
			want.RevokedAt, want.RevokeReason, want.RevokePublic = certPtr(at.UTC()), "Fraude avérée", true
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

// certRevokeConcurrent: of racing revocations of one certificate, exactly
// one wins and the others get ErrRevoked.
func certRevokeConcurrent(t *testing.T, open Open) {
	for _, workers := range []int{2, 8} {
		t.Run(fmt.Sprintf("%d revocations", workers), func(t *testing.T) {
			s := certStore(t, open)
			ctx := context.Background()
			c := certNew("LCIII-AAAA-BBBB-CCCC", "s1", "ada", certificates.LevelII, T0)
			if err := s.InsertCertificate(ctx, c); err != nil {
				t.Fatal(err)
			}
			var wins, revoked, winner atomic.Int32
			together(workers, func(w int) {
				err := s.Revoke(ctx, c.Code, fmt.Sprintf("raison %d", w), false, T0.Add(time.Duration(w)*time.Minute))
				switch {
				case err == nil:
					wins.Add(1)
					winner.Store(int32(w)) // #nosec G115 -- a handful of workers
				case errors.Is(err, certificates.ErrRevoked):
					revoked.Add(1)
				default:
					t.Error(err)
				}
			})
			if wins.Load() != 1 || int(revoked.Load()) != workers-1 {
				t.Fatalf("%d wins and %d ErrRevoked, want 1 and %d", wins.Load(), revoked.Load(), workers-1)
			}
			got, err := s.Certificate(ctx, c.Code)
			if err != nil {
				t.Fatal(err)
			}
			w := winner.Load()
			if got.RevokedAt == nil || got.RevokeReason != fmt.Sprintf("raison %d", w) || !got.RevokedAt.Equal(T0.Add(time.Duration(w)*time.Minute)) {
				t.Fatalf("revoked %v for %q, want the winner %d's", got.RevokedAt, got.RevokeReason, w)
			}
		})
	}
}

func certCommitments(t *testing.T, open Open) {
	s := certStore(t, open)
	ctx := context.Background()

	if got, err := s.Commitments(ctx); err != nil || len(got) != 0 {
		t.Fatalf("Commitments of an empty database = %v, %v", got, err)
	}
	newCommitment := func(user, session string, at time.Time) certificates.Commitment {
		return certificates.Commitment{ID: user + ":" + session, UserID: user, FromSessionID: session, FromSessionCode: "LCIII-" + session,
			FromStart: "2026-03-02", Certificate: "LCIII-" + user, Status: certificates.CommitmentPending, CreatedAt: at}
	}
	ada := newCommitment("ada", "s1", T0.Add(time.Hour))
	bob := newCommitment("bob", "s1", T0)
	cyd := newCommitment("cyd", "s1", T0) // same instant as bob: by ID
	eve := newCommitment("eve", "s2", T0.Add(-time.Hour).In(certParis))
	ada2 := newCommitment("ada", "s0", T0.Add(-2*time.Hour))
	for _, c := range []certificates.Commitment{ada, bob, cyd, eve, ada2} {
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
	check(t, []certificates.Commitment{ada2, eve, bob, cyd, ada})

	// Putting a commitment again replaces it, every field.
	bob.Status, bob.FulfilledBy = certificates.CommitmentFulfilled, "LCIII-007"
	ada.Status, ada.Reason, ada.Certificate = certificates.CommitmentReleased, "Déménagement", ""
	for _, c := range []certificates.Commitment{bob, ada} {
		if err := s.PutCommitment(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	check(t, []certificates.Commitment{ada2, eve, bob, cyd, ada})
	bob.FulfilledBy, bob.Status = "", certificates.CommitmentPending
	if err := s.PutCommitment(ctx, bob); err != nil {
		t.Fatal(err)
	}
	check(t, []certificates.Commitment{ada2, eve, bob, cyd, ada})

	for _, tc := range []struct {
		user string
		want []certificates.Commitment
	}{
		{"ada", []certificates.Commitment{ada2, ada}},
		{"bob", []certificates.Commitment{bob}},
		{"zed", nil},
	} {
		t.Run("of "+tc.user, func(t *testing.T) {
			got, err := s.CommitmentsOf(ctx, tc.user)
			checkList(t, fmt.Sprintf("CommitmentsOf(%s)", tc.user), tc.want, got, err)
		})
	}
}

func certSigningKeys(t *testing.T, open Open) {
	s := certStore(t, open)
	ctx := context.Background()

	if got, err := s.SigningKeys(ctx); err != nil || len(got) != 0 {
		t.Fatalf("SigningKeys of an empty database = %v, %v", got, err)
	}
	pem := func(n int) []byte {
		return fmt.Appendf(nil, "-----BEGIN PRIVATE KEY-----\nkey %d \x00\xff\n-----END PRIVATE KEY-----\n", n)
	}
	keys := []certificates.StoredKey{
		{PEM: pem(2), CreatedAt: T0.Add(24 * time.Hour)},
		{PEM: pem(1), CreatedAt: T0.In(certParis)},
		{PEM: pem(3), CreatedAt: T0.Add(48 * time.Hour)},
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

// certAuditEntries are the audit log of certAuditLog and certBackup, in the
// order they are written.
func certAuditEntries() []certificates.AuditEntry {
	return []certificates.AuditEntry{
		{At: T0.Add(2 * time.Minute), ActorID: "coord", Action: "certificate.revoke", SessionID: "s1", Target: "C-1", Reason: "Fraude avérée"},
		{At: T0.In(certParis), ActorID: "coord", Action: "rules.change", SessionID: "s1", Detail: "{PassGrade:60}"},
		{At: T0.Add(time.Minute), ActorID: "coord2", Action: "session.close", SessionID: "s2", Target: "LCIII-002"},
		{At: T0.Add(3 * time.Minute), Action: "key.rotate"}, // no actor, no session
		{At: T0.Add(time.Minute), ActorID: "coord", Action: "certificate.issue", SessionID: "s1", Target: "ada", Detail: "level 2"},
		{At: T0.Add(4 * time.Minute), ActorID: "ada", Action: "role.change", SessionID: "s2", Target: "bob"},
		{At: T0.Add(time.Minute), ActorID: "bob", Action: "certificate.issue", SessionID: "s2", Target: "bob"}, // actor and target
	}
}

func certAuditLog(t *testing.T, open Open) {
	s := certStore(t, open)
	ctx := context.Background()

	if got, err := s.AuditSearch(ctx, certificates.AuditFilter{}); err != nil || len(got) != 0 {
		t.Fatalf("AuditSearch of an empty database = %v, %v", got, err)
	}
	es := certAuditEntries()
	for _, e := range es {
		if err := s.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	es[1].At = es[1].At.UTC()
	// Newest first; entries of one instant, last written first.
	all := []certificates.AuditEntry{es[5], es[3], es[0], es[6], es[4], es[2], es[1]}

	type F = certificates.AuditFilter
	for _, tc := range []struct {
		name string
		f    F
		want []certificates.AuditEntry
	}{
		{"all, newest first", F{}, all},
		{"all, negative limit", F{Limit: -1}, all},
		{"all, limited", F{Limit: 2}, all[:2]},
		{"one session", F{SessionID: "s1"}, []certificates.AuditEntry{es[0], es[4], es[1]}},
		{"one session, limited", F{SessionID: "s1", Limit: 2}, []certificates.AuditEntry{es[0], es[4]}},
		{"one session, limit above the count", F{SessionID: "s2", Limit: 10}, []certificates.AuditEntry{es[5], es[6], es[2]}},
		{"unknown session", F{SessionID: "none", Limit: 5}, nil},
		{"one action", F{Action: "certificate.issue"}, []certificates.AuditEntry{es[6], es[4]}},
		{"action and session", F{Action: "certificate.issue", SessionID: "s2"}, []certificates.AuditEntry{es[6]}},
		{"unknown action", F{Action: "nope"}, nil},
		{"person as actor", F{Person: "coord"}, []certificates.AuditEntry{es[0], es[4], es[1]}},
		{"person as actor or target", F{Person: "ada"}, []certificates.AuditEntry{es[5], es[4]}},
		{"person as actor and target, once", F{Person: "bob"}, []certificates.AuditEntry{es[5], es[6]}},
		{"person, limited", F{Person: "bob", Limit: 1}, []certificates.AuditEntry{es[5]}},
		{"person and session", F{Person: "ada", SessionID: "s1"}, []certificates.AuditEntry{es[4]}},
		{"person and action", F{Person: "bob", Action: "role.change"}, []certificates.AuditEntry{es[5]}},
		{"every filter", F{Person: "bob", Action: "certificate.issue", SessionID: "s2", Limit: 3}, []certificates.AuditEntry{es[6]}},
		{"every filter, no match", F{Person: "coord", Action: "certificate.issue", SessionID: "s2"}, nil},
		{"from an instant, included", F{From: T0.Add(2 * time.Minute)}, []certificates.AuditEntry{es[5], es[3], es[0]}},
		{"to an instant, excluded", F{To: T0.Add(time.Minute)}, []certificates.AuditEntry{es[1]}},
		{"between, in another zone", F{From: T0.Add(time.Minute).In(certParis), To: T0.Add(3 * time.Minute).In(certParis)}, []certificates.AuditEntry{es[0], es[6], es[4], es[2]}},
		{"between, limited", F{From: T0.Add(time.Minute), To: T0.Add(3 * time.Minute), Limit: 2}, []certificates.AuditEntry{es[0], es[6]}},
		{"between and a session", F{SessionID: "s1", From: T0, To: T0.Add(2 * time.Minute)}, []certificates.AuditEntry{es[4], es[1]}},
		{"between and a person", F{Person: "bob", From: T0.Add(2 * time.Minute)}, []certificates.AuditEntry{es[5]}},
		{"between and an action", F{Action: "certificate.issue", To: T0.Add(time.Minute)}, nil},
		{"an empty range", F{From: T0.Add(5 * time.Minute), To: T0.Add(6 * time.Minute)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.AuditSearch(ctx, tc.f)
			checkList(t, fmt.Sprintf("AuditSearch(%+v)", tc.f), tc.want, got, err)
		})
	}
}

func certAvailability(t *testing.T, open Open) {
	s := certStore(t, open)
	ctx := context.Background()

	if got, err := s.Availabilities(ctx); err != nil || len(got) != 0 {
		t.Fatalf("Availabilities of an empty database = %v, %v", got, err)
	}
	type A = certificates.Availability
	for _, a := range []A{
		{UserID: "bob", SessionID: "s2", Available: true, At: T0},
		{UserID: "ada", SessionID: "s2", Available: false, At: T0.Add(time.Minute).In(certParis)},
		{UserID: "ada", SessionID: "s1", Available: true, At: T0.Add(2 * time.Minute)},
		{UserID: "bob", SessionID: "s2", Available: false, At: T0.Add(3 * time.Minute)}, // changed their mind
	} {
		if err := s.SetAvailability(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	adaS1 := A{UserID: "ada", SessionID: "s1", Available: true, At: T0.Add(2 * time.Minute)}
	adaS2 := A{UserID: "ada", SessionID: "s2", Available: false, At: T0.Add(time.Minute)}
	bobS2 := A{UserID: "bob", SessionID: "s2", Available: false, At: T0.Add(3 * time.Minute)}
	checkCalls(t, []listCall[A]{
		{"all, by session then person", func() ([]A, error) { return s.Availabilities(ctx) }, []A{adaS1, adaS2, bobS2}},
		{"of one person, by session", func() ([]A, error) { return s.AvailabilitiesOf(ctx, "ada") }, []A{adaS1, adaS2}},
		{"replaced", func() ([]A, error) { return s.AvailabilitiesOf(ctx, "bob") }, []A{bobS2}},
		{"of nobody", func() ([]A, error) { return s.AvailabilitiesOf(ctx, "zed") }, nil},
	})
}

// certCollections are the backup collections of the certificates.
var certCollections = []string{"certificate_rules", "commitment_choices", "level_overrides", "certificates", "commitments",
	"signing_keys", "availability", "audit_log"}

// backupRoundTrip backs b up, restores the backup into a fresh backend and
// backs that up: the files of collections must be byte for byte the same.
// It returns the restored backend.
func backupRoundTrip(t *testing.T, open Open, b store.Backend, collections []string) store.Backend {
	t.Helper()
	ctx := context.Background()
	first := filepath.Join(t.TempDir(), "first")
	if _, err := store.Backup(ctx, b, first, T0); err != nil {
		t.Fatal(err)
	}
	restored := open(t)
	if _, err := store.Restore(ctx, restored, first); err != nil {
		t.Fatal(err)
	}
	second := filepath.Join(t.TempDir(), "second")
	if _, err := store.Backup(ctx, restored, second, T0); err != nil {
		t.Fatal(err)
	}
	for _, c := range collections {
		a, err := os.ReadFile(filepath.Join(first, c+".jsonl")) // #nosec G304 -- a test's folder
		if err != nil {
			t.Fatal(err)
		}
		if len(a) == 0 {
			t.Errorf("%s: the backup holds no record", c)
		}
		z, err := os.ReadFile(filepath.Join(second, c+".jsonl")) // #nosec G304 -- a test's folder
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(a), string(z)); diff != "" {
			t.Errorf("%s: the backup of the restored database differs (-first +second):\n%s", c, diff)
		}
	}
	return restored
}

// certStatusIndex: a status list index belongs to one certificate (zero, no
// entry, to any number), and RevokedStatusIndices lists those of the revoked
// certificates only; a restored store still refuses a taken index.
func certStatusIndex(t *testing.T, open Open) {
	b := open(t)
	s := b.Stores().Certificates
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	with := func(c certificates.Certificate, index int) certificates.Certificate {
		c.StatusIndex = index
		return c
	}
	must(s.InsertCertificate(ctx, with(certNew("C-1", "s1", "ada", certificates.LevelII, T0), 7)))
	must(s.InsertCertificate(ctx, with(certNew("C-2", "s1", "bob", certificates.LevelI, T0), 131071)))
	must(s.InsertCertificate(ctx, certNew("C-3", "s1", "eve", certificates.LevelI, T0)))
	must(s.InsertCertificate(ctx, certNew("C-4", "s1", "ida", certificates.LevelI, T0)))
	must(s.InsertCertificate(ctx, with(certNew("C-5", "s1", "joe", certificates.LevelI, T0), 42)))

	if err := s.InsertCertificate(ctx, with(certNew("C-6", "s1", "kim", certificates.LevelI, T0), 7)); !errors.Is(err, certificates.ErrStatusIndexTaken) {
		t.Fatalf("InsertCertificate(taken index) err = %v, want ErrStatusIndexTaken", err)
	}
	if _, err := s.Certificate(ctx, "C-6"); !errors.Is(err, certificates.ErrNotFound) {
		t.Fatalf("a certificate refused for its index was stored: err = %v", err)
	}
	// The refusal left nothing behind: the code and another index are free.
	must(s.InsertCertificate(ctx, with(certNew("C-6", "s1", "kim", certificates.LevelI, T0), 8)))
	got, err := s.Certificate(ctx, "C-6")
	must(err)
	if got.StatusIndex != 8 {
		t.Fatalf("StatusIndex = %d, want 8", got.StatusIndex)
	}

	revoked := func(s store.CertificateStore) []int {
		t.Helper()
		got, err := s.RevokedStatusIndices(ctx)
		must(err)
		slices.Sort(got)
		return got
	}
	if got := revoked(s); len(got) != 0 {
		t.Fatalf("RevokedStatusIndices before any revocation = %v", got)
	}
	for _, code := range []string{"C-1", "C-2", "C-3"} {
		must(s.Revoke(ctx, code, "Fraude avérée", false, T0.Add(time.Hour)))
	}
	if diff := cmp.Diff([]int{7, 131071}, revoked(s)); diff != "" {
		t.Fatalf("RevokedStatusIndices (-want +got):\n%s", diff)
	}

	r := backupRoundTrip(t, open, b, []string{"certificates"}).Stores().Certificates
	if diff := cmp.Diff([]int{7, 131071}, revoked(r)); diff != "" {
		t.Fatalf("RevokedStatusIndices after a restore (-want +got):\n%s", diff)
	}
	if err := r.InsertCertificate(ctx, with(certNew("C-7", "s1", "lou", certificates.LevelI, T0), 42)); !errors.Is(err, certificates.ErrStatusIndexTaken) {
		t.Fatalf("InsertCertificate(index taken before the restore) err = %v, want ErrStatusIndexTaken", err)
	}
}

func certBackup(t *testing.T, open Open) {
	b := open(t)
	s := b.Stores().Certificates
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.PutRules(ctx, "s1", certificates.Rules{PassGrade: 62.5, Level1Exercises: 3, Level2Commitment: true}))
	must(s.SetDeclined(ctx, "s1", "ada", true))
	must(s.SetDeclined(ctx, "s1", "bob", false))
	must(s.PutOverride(ctx, "s1", certificates.Override{UserID: "ada", Level: certificates.LevelI, Reason: "r", By: "coord", At: T0.In(certParis)}))
	c1 := certNew("C-1", "s1", "ada", certificates.LevelII, T0)
	c2 := certNew("C-2", "s1", "bob", certificates.LevelI, T0)
	c2.StatusIndex = 94567
	must(s.InsertCertificate(ctx, c1))
	must(s.InsertCertificate(ctx, c2))
	must(s.Revoke(ctx, "C-2", "Erreur", false, T0.Add(time.Hour)))
	must(s.PutCommitment(ctx, certificates.Commitment{ID: "ada:s1", UserID: "ada", FromSessionID: "s1", FromSessionCode: "LCIII-s1",
		FromStart: "2026-03-02", Certificate: "C-1", Status: certificates.CommitmentPending, CreatedAt: T0}))
	for i := range 3 { // the same instant: the order of insertion is kept
		must(s.AddSigningKey(ctx, certificates.StoredKey{PEM: fmt.Appendf(nil, "key %d \x00", i), CreatedAt: T0}))
	}
	must(s.SetAvailability(ctx, certificates.Availability{UserID: "ada", SessionID: "s2", Available: true, At: T0}))
	for _, e := range certAuditEntries() {
		must(s.Audit(ctx, e))
	}

	r := backupRoundTrip(t, open, b, certCollections).Stores().Certificates
	checkRestored(t, s, r, []storeRead[store.CertificateStore]{
		{"rules", func(s store.CertificateStore) (any, error) { return s.Rules(ctx, "s1") }},
		{"declined", func(s store.CertificateStore) (any, error) { return s.Declined(ctx, "s1") }},
		{"overrides", func(s store.CertificateStore) (any, error) { return s.Overrides(ctx, "s1") }},
		{"certificates", func(s store.CertificateStore) (any, error) { return s.CertificatesBySession(ctx, "s1") }},
		{"revoked status indexes", func(s store.CertificateStore) (any, error) { return s.RevokedStatusIndices(ctx) }},
		{"commitments", func(s store.CertificateStore) (any, error) { return s.Commitments(ctx) }},
		{"signing keys", func(s store.CertificateStore) (any, error) { return s.SigningKeys(ctx) }},
		{"availability", func(s store.CertificateStore) (any, error) { return s.Availabilities(ctx) }},
		{"audit log", func(s store.CertificateStore) (any, error) { return s.AuditSearch(ctx, certificates.AuditFilter{}) }},
	})
}
