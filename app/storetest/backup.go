package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"librecours/app/store"
	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
	"librecours/notify"
)

// Populate writes at least one record of every collection of
// store.Collections through the domain stores of b.
func Populate(t testing.TB, b store.Backend) {
	t.Helper()
	ctx := context.Background()
	st := b.Stores()
	check := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("populate %s: %v", what, err)
		}
	}
	u := &course.User{Email: "lea@example.org", Name: "Léa Élève", Roles: []course.Role{course.RoleParticipant}, PasswordHash: "hash", Locale: "fr", CreatedAt: T0}
	check("user", st.Course.CreateUser(ctx, u))
	a := &course.User{Email: "anim@example.org", Name: "Aurélie", Roles: []course.Role{course.RoleAnimator, course.RoleCoordinator}, PasswordHash: "hash", CreatedAt: T0}
	check("user", st.Course.CreateUser(ctx, a))
	n, err := st.Course.NextSessionNumber(ctx, course.LCIII)
	check("counter", err)
	day := 24 * time.Hour
	s := &course.Session{Code: "LCIII-001", Format: course.LCIII, Number: n, StartsOn: "2026-03-02", EndsOn: "2026-03-22",
		TimeZone: "Europe/Paris", Capacity: 10, Settings: course.DefaultSettings(), CreatedAt: T0, CreatedBy: a.ID,
		Evaluation: course.Window{OpensAt: T0.Add(14 * day), Due: T0.Add(20 * day)}}
	for i := 1; i <= 6; i++ {
		s.Parts = append(s.Parts, course.Part{Number: i, Title: "Partie", OpensAt: T0, SubmissionDue: T0.Add(3 * day), ReviewDue: T0.Add(5 * day)})
	}
	check("session", st.Course.CreateSession(ctx, s))
	check("animator", st.Course.AddAnimator(ctx, s.ID, a.ID))
	check("enrolment", st.Course.Enrol(ctx, course.Enrolment{SessionID: s.ID, UserID: u.ID, EnrolledAt: T0}))
	check("invitation", st.Course.CreateInvitations(ctx, []course.Invitation{{TokenHash: "invite-hash", UserID: u.ID, Email: u.Email, SessionID: s.ID, CreatedAt: T0, ExpiresAt: T0.Add(7 * day)}}))
	check("feed", st.Course.PutCalendarFeed(ctx, course.CalendarFeed{SessionID: s.ID, UserID: u.ID, TokenHash: "feed-hash", CreatedAt: T0}))
	check("auth session", st.Auth.CreateSession(ctx, course.AuthSession{TokenHash: "token-hash", Kind: "web", UserID: u.ID, CSRF: "csrf",
		CreatedAt: T0, LastSeen: T0, ExpiresAt: T0.Add(day), IdleExpiresAt: T0.Add(time.Hour)}))
	_, err = st.Auth.RecordFailure(ctx, "email:lea@example.org", T0, time.Hour)
	check("throttle", err)
	check("setting", st.Settings.Put(ctx, "demo", map[string]any{"sessions": []string{s.ID}}))

	check("exercise", st.Grading.PutExercise(ctx, s.ID, grading.Exercise{Part: 1, Instructions: "Écrivez *un* texte.",
		Rubric: []grading.Criterion{{ID: "c1", Label: "Clarté", MaxPoints: 4}}}))
	_, err = st.Grading.TransitionPart(ctx, grading.PartState{SessionID: s.ID, Part: 1, Phase: grading.PhaseReview, AssignedAt: T0.Add(3 * day), Mode: grading.AssignModeFull, EffectiveK: 3,
		Calibration: []string{"sub-calibrated", "sub-sampled"}},
		[]grading.Phase{grading.PhaseSubmission}, T0)
	check("part state", err)
	att := &grading.Attachment{Name: "travail.pdf", ContentType: "application/pdf"}
	check("file", st.Grading.PutFile(ctx, att, append([]byte("%PDF-1.4 "), bytes.Repeat([]byte{0, 1, 2, 255}, 300<<10)...), s.ID, u.ID))
	sub := &grading.Submission{SessionID: s.ID, Part: 1, AuthorID: u.ID, Text: "Mon travail, première version.", Attachment: att,
		Version: 1, SubmittedAt: T0.Add(time.Hour), UpdatedAt: T0.Add(time.Hour)}
	check("submission", st.Grading.SaveSubmission(ctx, sub, grading.Version{N: 1, Text: sub.Text, Attachment: att, At: sub.UpdatedAt}))
	done := T0.Add(4 * day)
	check("reviews", st.Grading.InsertReviews(ctx, []grading.Review{{ID: "review-1", SessionID: s.ID, Part: 1, SubmissionID: sub.ID, AuthorID: u.ID,
		ReviewerID: a.ID, Status: grading.ReviewDone, Scores: map[string]int{"c1": 3}, Comment: "Un commentaire assez long pour passer.",
		Percent: 75, AssignedAt: T0.Add(3 * day), UpdatedAt: done, DoneAt: &done, Required: true,
		Reply: &grading.Reply{Text: "Merci, c’est utile.", TextHTML: "<p>Merci, c’est utile.</p>", At: done.Add(day), Helpfulness: 4, RatedAt: done.Add(day)}}}))
	check("grades", st.Grading.SetGrades(ctx, map[string]grading.Grade{sub.ID: {Score: 75, Source: "peers", Method: grading.GradeMethodPeersMedian, ReviewCount: 1, ComputedAt: done}}))
	check("evaluation", st.Evaluation.PutEvaluation(ctx, s.ID, grading.Evaluation{Questions: []grading.Question{{ID: "q1", Text: "Une licence libre ?",
		Choices: []grading.Choice{{ID: "a", Text: "CC BY-SA", Correct: true}, {ID: "b", Text: "Tous droits réservés"}}}},
		Settings: grading.EvaluationSettings{Attempts: 2, TimeLimit: 30 * time.Minute}}))
	score := 100.0
	sent := T0.Add(15 * day)
	check("attempt", st.Evaluation.SaveAttempt(ctx, grading.Attempt{ID: "attempt-1", SessionID: s.ID, UserID: u.ID, N: 1,
		Answers: map[string][]string{"q1": {"a"}}, StartedAt: T0.Add(15 * day), SubmittedAt: &sent, Score: &score}))

	check("rules", st.Certificates.PutRules(ctx, s.ID, certificates.DefaultRules()))
	check("choice", st.Certificates.SetDeclined(ctx, s.ID, u.ID, false))
	check("override", st.Certificates.PutOverride(ctx, s.ID, certificates.Override{UserID: u.ID, Level: 2, Reason: "Jury", By: a.ID, At: T0.Add(20 * day)}))
	check("certificate", st.Certificates.InsertCertificate(ctx, certificates.Certificate{Code: "LC-ABCD-EFGH", SessionID: s.ID, SessionCode: s.Code,
		SessionStart: s.StartsOn, SessionEnd: s.EndsOn, UserID: u.ID, HolderName: u.Name, Level: 2, Lang: "fr", Salt: "salt", Badge: "jwt",
		Rules: certificates.DefaultRules(), IssuedAt: T0.Add(21 * day)}))
	check("commitment", st.Certificates.PutCommitment(ctx, certificates.Commitment{ID: "commit-1", UserID: u.ID, FromSessionID: s.ID,
		FromSessionCode: s.Code, FromStart: s.StartsOn, Certificate: "LC-ABCD-EFGH", Status: "pending", CreatedAt: T0.Add(21 * day)}))
	check("key", st.Certificates.AddSigningKey(ctx, certificates.StoredKey{PEM: []byte("-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n"), CreatedAt: T0}))
	check("availability", st.Certificates.SetAvailability(ctx, certificates.Availability{UserID: u.ID, SessionID: s.ID, Available: true, At: T0}))
	check("audit", st.Certificates.Audit(ctx, course.AuditEntry{At: T0.Add(21 * day), ActorID: a.ID, Action: "session.close", SessionID: s.ID, Target: s.Code, Detail: "1 certificat"}))

	_, err = st.Outbox.Add(ctx, notify.Message{ID: "mail-1", Kind: notify.KindGradeAvailable, UserID: u.ID,
		Events: []notify.Event{{Key: "grade:1", What: "grade", SessionID: s.ID, SessionCode: s.Code, TimeZone: s.TimeZone, Part: 1}},
		NextAt: done, CreatedAt: done, UpdatedAt: done})
	check("outbox", err)
	check("prefs", st.Outbox.SetPrefs(ctx, u.ID, notify.Prefs{Off: []notify.Kind{notify.KindDeadline}}))
	check("webhook", st.Outbox.SetWebhook(ctx, s.ID, "https://chat.example.org/hooks/abc", 12))
	_, err = st.Outbox.MarkReminded(ctx, s.ID, "submission:1")
	check("reminder", err)
}

// Records returns every record of b as JSON, by collection, sorted.
func Records(t testing.TB, b store.Backend) map[string][]string {
	t.Helper()
	w := jsonLines{}
	if err := b.Export(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	for _, recs := range w {
		slices.Sort(recs)
	}
	return w
}

type jsonLines map[string][]string

func (w jsonLines) Write(collection string, rec any) error {
	b, err := json.Marshal(rec)
	w[collection] = append(w[collection], string(b))
	return err
}

// SameRecords fails unless a and b hold the same records in every collection.
func SameRecords(t testing.TB, a, b store.Backend) {
	t.Helper()
	ra, rb := Records(t, a), Records(t, b)
	for _, c := range store.Collections {
		if !slices.Equal(ra[c], rb[c]) {
			t.Errorf("collection %s differs:\n%s\n---\n%s", c, strings.Join(ra[c], "\n"), strings.Join(rb[c], "\n"))
		}
	}
}

// Backup is the suite of the store-neutral backup: every collection written,
// restored record for record, damaged or hostile backups refused before
// anything is written, and no restore into a database with data.
func Backup(t *testing.T, open Open) {
	ctx := context.Background()
	src := open(t)
	Populate(t, src)
	all := Records(t, src)
	for _, c := range store.Collections {
		if len(all[c]) == 0 {
			t.Errorf("the fixture wrote no %s", c)
		}
	}
	dir := filepath.Join(t.TempDir(), "backup")
	m, err := store.Backup(ctx, src, dir, T0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Store != src.Kind() || len(m.Collections) != len(store.Collections) {
		t.Fatalf("manifest: %+v", m)
	}

	t.Run("round trip", func(t *testing.T) {
		dst := open(t)
		if _, err := store.Restore(ctx, dst, dir); err != nil {
			t.Fatal(err)
		}
		SameRecords(t, src, dst)
		if _, err := store.Restore(ctx, dst, dir); !errors.Is(err, store.ErrNotEmpty) {
			t.Fatalf("restore into a database with data: %v", err)
		}
		// The restored store serves: a user by e-mail, the file's bytes.
		if _, err := dst.Stores().Course.UserByEmail(ctx, "lea@example.org"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("not into an existing folder", func(t *testing.T) {
		if _, err := store.Backup(ctx, src, dir, T0); err == nil {
			t.Fatal("a backup over another one was accepted")
		}
	})

	damaged := func(t *testing.T, change func(dir string)) {
		t.Helper()
		bad := filepath.Join(t.TempDir(), "bad")
		if err := os.CopyFS(bad, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		change(bad)
		dst := open(t)
		if _, err := store.Restore(ctx, dst, bad); err == nil {
			t.Fatal("a damaged backup was restored")
		}
		if empty, err := dst.Empty(ctx); err != nil || !empty {
			t.Fatalf("a refused restore wrote data: empty=%v %v", empty, err)
		}
	}
	t.Run("a changed record", func(t *testing.T) {
		damaged(t, func(bad string) {
			p := filepath.Join(bad, "users.jsonl")
			b, _ := os.ReadFile(p)                                                        // #nosec G304 -- a file of the test's own temporary backup
			_ = os.WriteFile(p, bytes.Replace(b, []byte("Léa"), []byte("Eve"), 1), 0o600) // #nosec G703 -- the test's own temporary backup
		})
	})
	t.Run("a missing file", func(t *testing.T) {
		damaged(t, func(bad string) { _ = os.Remove(filepath.Join(bad, "reviews.jsonl")) })
	})
	t.Run("a name outside the folder", func(t *testing.T) {
		damaged(t, func(bad string) {
			p := filepath.Join(bad, "manifest.json")
			b, _ := os.ReadFile(p) // #nosec G304 -- a file of the test's own temporary backup
			var mm map[string]any
			_ = json.Unmarshal(b, &mm)
			mm["collections"].(map[string]any)["a/../../x"] = map[string]any{"file": "a/../../x.jsonl", "count": 0, "sha256": ""}
			b, _ = json.Marshal(mm)
			_ = os.WriteFile(p, b, 0o600) // #nosec G703 -- the test's own temporary backup
		})
	})
	t.Run("a file renamed outside the folder", func(t *testing.T) {
		damaged(t, func(bad string) {
			p := filepath.Join(bad, "manifest.json")
			b, _ := os.ReadFile(p)                                                                                               // #nosec G304 -- a file of the test's own temporary backup
			_ = os.WriteFile(p, bytes.Replace(b, []byte(`"file": "users.jsonl"`), []byte(`"file": "../users.jsonl"`), 1), 0o600) // #nosec G703 -- the test's own temporary backup
		})
	})
	t.Run("another format", func(t *testing.T) {
		damaged(t, func(bad string) {
			p := filepath.Join(bad, "manifest.json")
			b, _ := os.ReadFile(p)                                                                                     // #nosec G304 -- a file of the test's own temporary backup
			_ = os.WriteFile(p, bytes.Replace(b, []byte(store.BackupFormat), []byte("librecours-backup-1"), 1), 0o600) // #nosec G703 -- the test's own temporary backup
		})
	})
	t.Run("an unfinished backup", func(t *testing.T) {
		damaged(t, func(bad string) { _ = os.Remove(filepath.Join(bad, "manifest.json")) })
	})
	// Files that match their manifest but that the store refuses halfway
	// through the load (a backup edited, its manifest recomputed): the
	// collections loaded before it must not stay. MongoDB, loaded
	// collection by collection, kept them, and a second restore was then
	// refused as "not empty".
	t.Run("a record refused halfway, manifest matching", func(t *testing.T) {
		damaged(t, func(bad string) {
			editRecords(t, bad, "reviews", func(lines [][]byte) [][]byte { return append(lines, lines[0]) })
		})
	})
	t.Run("a line that is no record, manifest matching", func(t *testing.T) {
		damaged(t, func(bad string) {
			editRecords(t, bad, "reviews", func(lines [][]byte) [][]byte { return append(lines, []byte("{broken")) })
		})
	})
}

// editRecords changes the records of one collection of the backup in dir,
// then writes its count and SHA-256 in the manifest, as a careful forger
// would.
func editRecords(t *testing.T, dir, coll string, edit func(lines [][]byte) [][]byte) {
	t.Helper()
	p := filepath.Join(dir, coll+".jsonl")
	b, err := os.ReadFile(p) // #nosec G304 -- a file of the test's own temporary backup
	if err != nil {
		t.Fatal(err)
	}
	lines := edit(bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")))
	b = append(bytes.Join(lines, []byte("\n")), '\n')
	if err := os.WriteFile(p, b, 0o600); err != nil { // #nosec G703 -- the test's own temporary backup
		t.Fatal(err)
	}
	mp := filepath.Join(dir, "manifest.json")
	mb, err := os.ReadFile(mp) // #nosec G304 -- a file of the test's own temporary backup
	if err != nil {
		t.Fatal(err)
	}
	var m store.Manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	m.Collections[coll] = store.FileInfo{File: coll + ".jsonl", Count: len(lines), SHA256: hex.EncodeToString(sum[:])}
	if mb, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mp, mb, 0o600); err != nil { // #nosec G703 -- the test's own temporary backup
		t.Fatal(err)
	}
}
