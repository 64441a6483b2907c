package storetest

import (
	"context"
	"encoding/json"
	"errors"
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

// Privacy is the conformance suite of course.PrivacyStore: a person's data
// exported, and their account deleted with their work kept under a
// tombstone.
func Privacy(t *testing.T, open Open) {
	t.Run("PersonalData", func(t *testing.T) { privacyPersonalData(t, open) })
	t.Run("DeleteAccount", func(t *testing.T) { privacyDeleteAccount(t, open) })
	t.Run("DeleteTwoAccounts", func(t *testing.T) { privacyDeleteTwo(t, open) })
}

// privacyWorld is a session where Paul submitted, reviewed and was reviewed,
// got a certificate and a commitment, and left traces in every table; Pia
// is another participant, Anne an animator and Claude a coordinator.
type privacyWorld struct {
	b                      store.Backend
	st                     store.Stores
	paul, pia, anne, coord *course.User
	sess, other            *course.Session
	paulSub, piaSub        *grading.Submission
	code                   string
}

func privacySession(t *testing.T, s store.CourseStore, f course.Format, startsOn time.Time, createdBy string) *course.Session {
	t.Helper()
	return createSession(t, s, f, startsOn, func(sess *course.Session) { sess.CreatedBy = createdBy })
}

func newPrivacyWorld(t *testing.T, open Open) *privacyWorld {
	t.Helper()
	ctx := context.Background()
	b := open(t)
	w := &privacyWorld{b: b, st: b.Stores()}
	cs, gs := w.st.Course, w.st.Grading
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	user := func(email, name string, roles ...course.Role) *course.User {
		u := &course.User{Email: email, Name: name, Roles: roles, PasswordHash: "$argon2id$" + name, Locale: "fr", CreatedAt: T0}
		must(cs.CreateUser(ctx, u))
		return u
	}
	w.paul = &course.User{Email: "paul@example.org", Name: "Paul Participant", Roles: []course.Role{course.RoleParticipant, course.RoleAnimator}, // #nosec G101 -- a test fixture, no secret
		PasswordHash: "$argon2id$paul-hash", Locale: "en", CreatedAt: T0} // #nosec G101 -- a test fixture, no secret
	must(cs.CreateUser(ctx, w.paul))
	w.pia = user("pia@example.org", "Pia Autre", course.RoleParticipant)
	w.anne = user("anne@example.org", "Anne Animatrice", course.RoleAnimator)
	w.coord = user("claude@example.org", "Claude Coordination", course.RoleCoordinator)
	w.sess = privacySession(t, cs, course.LCIII, T0, w.coord.ID)
	w.other = privacySession(t, cs, course.LCVI, T0.AddDate(0, 2, 0), w.paul.ID)
	must(cs.AddAnimator(ctx, w.sess.ID, w.anne.ID))
	must(cs.AddAnimator(ctx, w.other.ID, w.anne.ID))
	must(cs.AddAnimator(ctx, w.other.ID, w.paul.ID))
	for _, u := range []*course.User{w.paul, w.pia} {
		must(cs.Enrol(ctx, course.Enrolment{SessionID: w.sess.ID, UserID: u.ID, EnrolledAt: T0}))
	}
	must(cs.CreateInvitations(ctx, []course.Invitation{{TokenHash: "paul-invitation-hash", UserID: w.paul.ID, Email: w.paul.Email,
		SessionID: w.sess.ID, CreatedAt: T0, ExpiresAt: T0.Add(7 * 24 * time.Hour)}}))
	must(cs.PutCalendarFeed(ctx, course.CalendarFeed{SessionID: w.sess.ID, UserID: w.paul.ID, TokenHash: "paul-feed-hash", CreatedAt: T0}))

	// Submissions: Paul's in two versions with a file, Pia's.
	up := &grading.Attachment{Name: "travail.pdf", ContentType: "application/pdf"}
	must(gs.PutFile(ctx, up, []byte("%PDF-1.4 Paul"), w.sess.ID, w.paul.ID))
	w.paulSub = &grading.Submission{SessionID: w.sess.ID, Part: 1, AuthorID: w.paul.ID, Text: "Le texte de Paul, version 2", Version: 2,
		SubmittedAt: T0, UpdatedAt: T0.Add(time.Hour), Attachment: up}
	must(gs.SaveSubmission(ctx, w.paulSub, grading.Version{N: 1, Text: "Le texte de Paul, version 1", At: T0}))
	must(gs.SaveSubmission(ctx, w.paulSub, grading.Version{N: 2, Text: "Le texte de Paul, version 2", Attachment: up, At: T0.Add(time.Hour)}))
	w.piaSub = &grading.Submission{SessionID: w.sess.ID, Part: 1, AuthorID: w.pia.ID, Text: "Le texte de Pia", Version: 1, SubmittedAt: T0, UpdatedAt: T0}
	must(gs.SaveSubmission(ctx, w.piaSub, grading.Version{N: 1, Text: "Le texte de Pia", At: T0}))
	must(gs.SetAnimatorGrade(ctx, w.piaSub.ID, grading.AnimatorGrade{Score: 70, Comment: "Bien", By: w.paul.ID, At: T0}))
	must(gs.SetAnimatorGrade(ctx, w.paulSub.ID, grading.AnimatorGrade{Score: 80, Comment: "Très bien", By: w.anne.ID, At: T0}))

	// Reviews: Paul reviewed Pia; Pia reviewed Paul; Anne's review of Paul
	// is not handed in; one of Pia's reviews was taken over from Paul.
	done := T0.Add(2 * time.Hour)
	must(gs.InsertReviews(ctx, []grading.Review{
		{ID: "r-paul-pia", SessionID: w.sess.ID, Part: 1, SubmissionID: w.piaSub.ID, AuthorID: w.pia.ID, ReviewerID: w.paul.ID,
			Status: grading.ReviewDone, Scores: map[string]int{"c": 3}, Comment: "La relecture écrite par Paul", Percent: 75, AssignedAt: T0, UpdatedAt: done, DoneAt: &done, Required: true},
		{ID: "r-pia-paul", SessionID: w.sess.ID, Part: 1, SubmissionID: w.paulSub.ID, AuthorID: w.paul.ID, ReviewerID: w.pia.ID,
			Status: grading.ReviewDone, Scores: map[string]int{"c": 4}, Comment: "La relecture reçue par Paul", Percent: 100, AssignedAt: T0, UpdatedAt: done, DoneAt: &done, Required: true},
		{ID: "r-anne-paul", SessionID: w.sess.ID, Part: 1, SubmissionID: w.paulSub.ID, AuthorID: w.paul.ID, ReviewerID: w.anne.ID,
			Status: grading.ReviewAssigned, Comment: "Brouillon d'Anne", AssignedAt: T0, UpdatedAt: T0},
		{ID: "r-taken", SessionID: w.sess.ID, Part: 1, SubmissionID: w.piaSub.ID, AuthorID: w.pia.ID, ReviewerID: w.anne.ID, TakenFrom: w.paul.ID,
			Status: grading.ReviewAssigned, AssignedAt: T0, UpdatedAt: T0},
	}))

	// The evaluation, the certificate, its commitment and the decisions.
	score := 90.0
	sub := T0.Add(3 * time.Hour)
	must(w.st.Evaluation.SaveAttempt(ctx, grading.Attempt{ID: w.sess.ID + ":" + w.paul.ID + ":1", SessionID: w.sess.ID, UserID: w.paul.ID, N: 1,
		Answers: map[string][]string{"q1": {"a"}}, StartedAt: T0, SubmittedAt: &sub, Score: &score}))
	w.code = "LCIII-PAUL-0001"
	certs := w.st.Certificates
	must(certs.InsertCertificate(ctx, certificates.Certificate{Code: w.code, SessionID: w.sess.ID, SessionCode: w.sess.Code,
		SessionStart: w.sess.StartsOn, SessionEnd: w.sess.EndsOn, UserID: w.paul.ID, HolderName: w.paul.Name, Level: certificates.LevelII,
		Lang: "en", Salt: "salt", Badge: "header.payload.signature", Rules: certificates.DefaultRules(), IssuedAt: T0}))
	must(certs.PutCommitment(ctx, certificates.Commitment{ID: w.paul.ID + ":" + w.sess.ID, UserID: w.paul.ID, FromSessionID: w.sess.ID,
		FromSessionCode: w.sess.Code, FromStart: w.sess.StartsOn, Certificate: w.code, Status: certificates.CommitmentPending, CreatedAt: T0}))
	must(certs.SetDeclined(ctx, w.sess.ID, w.paul.ID, true))
	must(certs.PutOverride(ctx, w.sess.ID, certificates.Override{UserID: w.paul.ID, Level: 2, Reason: "Jury", By: w.coord.ID, At: T0}))
	must(certs.PutOverride(ctx, w.sess.ID, certificates.Override{UserID: w.pia.ID, Level: 1, Reason: "Jury", By: w.paul.ID, At: T0}))
	must(certs.Audit(ctx, certificates.AuditEntry{At: T0, ActorID: w.coord.ID, Action: "certificate.issue", SessionID: w.sess.ID,
		Target: w.code, Detail: "level 2 for " + w.paul.ID}))
	must(certs.Audit(ctx, certificates.AuditEntry{At: T0, ActorID: w.paul.ID, Action: "level.override", SessionID: w.sess.ID, Target: w.pia.ID}))
	must(certs.SetAvailability(ctx, certificates.Availability{UserID: w.paul.ID, SessionID: w.other.ID, Available: true, At: T0}))
	must(certs.SetAvailability(ctx, certificates.Availability{UserID: w.anne.ID, SessionID: w.other.ID, Available: true, At: T0}))

	// Sign-in sessions, tokens and counters.
	for _, a := range []course.AuthSession{
		{TokenHash: "paul-web-hash", Kind: "web", UserID: w.paul.ID, CSRF: "paul-csrf-secret", CreatedAt: T0, LastSeen: T0, ExpiresAt: T0.Add(time.Hour), IdleExpiresAt: T0.Add(time.Hour)},
		{TokenHash: "paul-api-hash", Kind: "api", UserID: w.paul.ID, CreatedAt: T0, LastSeen: T0, ExpiresAt: T0.Add(time.Hour), IdleExpiresAt: T0.Add(time.Hour)},
		{TokenHash: "pia-web-hash", Kind: "web", UserID: w.pia.ID, CSRF: "pia-csrf", CreatedAt: T0, LastSeen: T0, ExpiresAt: T0.Add(time.Hour), IdleExpiresAt: T0.Add(time.Hour)}, // #nosec G101 -- a test fixture, no secret
	} {
		must(w.st.Auth.CreateSession(ctx, a))
	}
	for _, u := range []*course.User{w.paul, w.pia} {
		if _, err := w.st.Auth.RecordFailure(ctx, "email:"+u.Email, T0, time.Hour); err != nil {
			t.Fatal(err)
		}
	}

	// Messages and notification preferences.
	for _, m := range []notify.Message{
		{ID: "o1", Kind: notify.KindDeadline, UserID: w.paul.ID, Status: notify.StatusPending, NextAt: T0, CreatedAt: T0, UpdatedAt: T0,
			Events: []notify.Event{{Key: "k1", What: "submission", SessionID: w.sess.ID, SessionCode: w.sess.Code, Part: 1, At: T0, Text: "Rappel pour Paul"}}},
		{ID: "o2", Kind: notify.KindDeadline, UserID: w.pia.ID, Status: notify.StatusPending, NextAt: T0, CreatedAt: T0, UpdatedAt: T0,
			Events: []notify.Event{{Key: "k1", What: "submission", SessionID: w.sess.ID, SessionCode: w.sess.Code, Part: 1, At: T0, Text: "Rappel pour Pia"}}},
	} {
		if _, err := w.st.Outbox.Add(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	must(w.st.Outbox.SetPrefs(ctx, w.paul.ID, notify.Prefs{Off: []notify.Kind{notify.KindQueueNew}}))
	return w
}

func privacyPersonalData(t *testing.T, open Open) {
	w := newPrivacyWorld(t, open)
	ctx := context.Background()
	pd, err := w.st.Course.PersonalData(ctx, w.paul.ID)
	if err != nil {
		t.Fatal(err)
	}
	if pd.User.ID != w.paul.ID || pd.User.Email != w.paul.Email || pd.User.Name != w.paul.Name || pd.User.PasswordHash != "" {
		t.Fatalf("user: %+v", pd.User)
	}
	count := map[string]int{}
	for name, recs := range pd.Sections {
		count[name] = len(recs)
	}
	want := map[string]int{"enrolments": 1, "sessions_animated": 1, "submissions": 1, "files": 1, "reviews_written": 1,
		"reviews_received": 1, "evaluation_attempts": 1, "certificates": 1, "commitments": 1, "commitment_choices": 1,
		"level_overrides": 1, "sign_in_sessions": 2, "outbox": 1, "notify_prefs": 1, "invitations": 1, "calendar_feeds": 1, "availability": 1}
	for name, n := range want {
		if got, ok := count[name]; !ok || got != n {
			t.Errorf("section %s: %d records (present %v), want %d", name, got, ok, n)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if versions, _ := pd.Sections["submissions"][0]["versions"].([]course.Record); len(versions) != 2 {
		t.Errorf("submission versions: %v", pd.Sections["submissions"][0]["versions"])
	}
	if code := pd.Sections["enrolments"][0]["session_code"]; code != w.sess.Code {
		t.Errorf("enrolment session code %v, want %s", code, w.sess.Code)
	}
	if at, ok := pd.Sections["submissions"][0]["submitted_at"].(time.Time); !ok || !at.Equal(T0) || at.Location() != time.UTC {
		t.Errorf("submitted_at is %#v, want %v in UTC", pd.Sections["submissions"][0]["submitted_at"], T0)
	}
	if code := pd.Sections["sessions_animated"][0]["code"]; code != w.other.Code {
		t.Errorf("session animated %v, want %s", code, w.other.Code)
	}
	b, err := json.Marshal(pd)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, s := range []string{"Le texte de Paul, version 1", "Le texte de Paul, version 2", "travail.pdf", "La relecture écrite par Paul",
		"La relecture reçue par Paul", "Très bien", w.code, "Paul Participant", "Rappel pour Paul", string(notify.KindQueueNew), "Jury"} {
		if !strings.Contains(text, s) {
			t.Errorf("the export lacks %q", s)
		}
	}
	// Nothing secret, nothing that names someone else, nothing of theirs.
	for _, s := range []string{"paul-hash", "paul-web-hash", "paul-api-hash", "paul-csrf-secret", "paul-invitation-hash", "paul-feed-hash",
		"%PDF-1.4", w.pia.ID, w.anne.ID, w.coord.ID, "Le texte de Pia", "Brouillon d'Anne", "Rappel pour Pia", "pia@example.org", "Pia Autre"} {
		if strings.Contains(text, s) {
			t.Errorf("the export holds %q", s)
		}
	}
	// Someone who did nothing has every section, empty.
	pd, err = w.st.Course.PersonalData(ctx, w.coord.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name := range want {
		if n := len(pd.Sections[name]); n != 0 {
			t.Errorf("Claude's section %s: %d records", name, n)
		}
	}
	if _, err := w.st.Course.PersonalData(ctx, "nobody"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("unknown person: %v", err)
	}
}

// privacyRecords is an in-memory backup: each collection's records as
// JSON lines.
type privacyRecords map[string]*strings.Builder

func (m privacyRecords) Write(collection string, rec any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if m[collection] == nil {
		m[collection] = &strings.Builder{}
	}
	_, _ = m[collection].Write(b)
	_ = m[collection].WriteByte('\n')
	return nil
}

// dump returns every record of the backend, by collection.
func privacyDump(t *testing.T, b store.Backend) map[string]string {
	t.Helper()
	m := privacyRecords{}
	if err := b.Export(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for c, sb := range m {
		out[c] = sb.String()
	}
	return out
}

func privacyDeleteAccount(t *testing.T, open Open) {
	w := newPrivacyWorld(t, open)
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	gs, certs := w.st.Grading, w.st.Certificates
	before, err := gs.Reviews(ctx, w.sess.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if dump := privacyDump(t, w.b); !strings.Contains(dump["users"], w.paul.ID) || !strings.Contains(dump["outbox"], "Rappel pour Paul") {
		t.Fatalf("the export before the deletion lacks Paul:\n%v", dump)
	}
	tomb, err := w.st.Course.DeleteAccount(ctx, w.paul.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tomb, "deleted-") || strings.Contains(tomb, w.paul.ID) {
		t.Fatalf("tombstone %q", tomb)
	}

	// Nothing anywhere names Paul or carries his ID, except the name on
	// his certificate, kept as issued.
	for coll, docs := range privacyDump(t, w.b) {
		for _, s := range []string{w.paul.ID, w.paul.Email, "paul-web-hash", "paul-api-hash", "paul-invitation-hash", "paul-feed-hash", "Rappel pour Paul"} {
			if strings.Contains(docs, s) {
				t.Errorf("%s still holds %q:\n%s", coll, s, docs)
			}
		}
		if coll != "certificates" && strings.Contains(docs, w.paul.Name) {
			t.Errorf("%s still holds Paul's name:\n%s", coll, docs)
		}
	}
	if _, err := w.st.Course.UserByID(ctx, w.paul.ID); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("the account is still there: %v", err)
	}
	if _, err := w.st.Course.UserByEmail(ctx, w.paul.Email); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("the address is still taken: %v", err)
	}
	if _, err := w.st.Course.UserByID(ctx, w.pia.ID); err != nil {
		t.Fatalf("Pia's account: %v", err)
	}
	if _, err := w.st.Auth.Session(ctx, "paul-web-hash", T0); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("Paul's web session: %v", err)
	}
	if _, err := w.st.Auth.Session(ctx, "pia-web-hash", T0); err != nil {
		t.Fatalf("Pia's web session: %v", err)
	}
	if n, _ := w.st.Auth.Failures(ctx, "email:"+w.paul.Email, T0, time.Hour); n != 0 {
		t.Fatalf("Paul's sign-in failures: %d", n)
	}
	if n, _ := w.st.Auth.Failures(ctx, "email:"+w.pia.Email, T0, time.Hour); n != 1 {
		t.Fatalf("Pia's sign-in failures: %d", n)
	}

	// His work stays, under the tombstone, and still counts.
	sub, err := gs.SubmissionByID(ctx, w.paulSub.ID)
	if err != nil || sub.AuthorID != tomb || sub.Text != w.paulSub.Text || sub.Animator == nil || sub.Animator.By != w.anne.ID {
		t.Fatalf("Paul's submission: %+v, %v", sub, err)
	}
	if got, err := gs.SubmissionByAuthor(ctx, w.sess.ID, 1, tomb); err != nil || got.ID != w.paulSub.ID {
		t.Fatalf("Paul's submission by its new author: %+v, %v", got, err)
	}
	if vs, _ := gs.Versions(ctx, w.paulSub.ID); len(vs) != 2 {
		t.Fatalf("versions: %d", len(vs))
	}
	if _, data, err := gs.File(ctx, sub.Attachment.FileID); err != nil || string(data) != "%PDF-1.4 Paul" {
		t.Fatalf("file: %q %v", data, err)
	}
	if pia, _ := gs.SubmissionByID(ctx, w.piaSub.ID); pia == nil || pia.AuthorID != w.pia.ID || pia.Animator == nil || pia.Animator.By != tomb {
		t.Fatalf("Pia's submission: %+v", pia)
	}
	after, _ := gs.Reviews(ctx, w.sess.ID, 0)
	if len(after) != len(before) {
		t.Fatalf("%d reviews, want %d", len(after), len(before))
	}
	byID := map[string]grading.Review{}
	for _, r := range after {
		byID[r.ID] = r
	}
	if r := byID["r-paul-pia"]; r.ReviewerID != tomb || r.AuthorID != w.pia.ID || r.Status != grading.ReviewDone || r.Percent != 75 {
		t.Fatalf("review written: %+v", r)
	}
	if r := byID["r-pia-paul"]; r.AuthorID != tomb || r.ReviewerID != w.pia.ID || r.Comment != "La relecture reçue par Paul" {
		t.Fatalf("review received: %+v", r)
	}
	if r := byID["r-taken"]; r.TakenFrom != tomb || r.ReviewerID != w.anne.ID {
		t.Fatalf("review taken over: %+v", r)
	}
	enrols, _ := w.st.Course.EnrolmentsBySession(ctx, w.sess.ID)
	var ids []string
	for _, e := range enrols {
		ids = append(ids, e.UserID)
	}
	if len(ids) != 2 || !slices.Contains(ids, tomb) || !slices.Contains(ids, w.pia.ID) {
		t.Fatalf("enrolments: %v", ids)
	}
	if ok, _ := w.st.Course.IsEnrolled(ctx, w.sess.ID, tomb); !ok {
		t.Fatal("the tombstone's enrolment is not found by its key")
	}
	if s, _ := w.st.Course.SessionByID(ctx, w.sess.ID); s.Enrolled != 2 {
		t.Fatalf("seats taken: %d", s.Enrolled)
	}
	if as, _ := w.st.Evaluation.Attempts(ctx, w.sess.ID, tomb); len(as) != 1 || as[0].Score == nil || *as[0].Score != 90 || strings.Contains(as[0].ID, w.paul.ID) {
		t.Fatalf("attempts: %+v", as)
	}
	c, err := certs.Certificate(ctx, w.code)
	if err != nil || c.UserID != tomb || c.HolderName != "Paul Participant" || !c.Valid() {
		t.Fatalf("certificate: %+v %v", c, err)
	}
	// A pending commitment is released, for a reason pages translate.
	cms, _ := certs.Commitments(ctx)
	if len(cms) != 1 || cms[0].UserID != tomb || cms[0].Status != certificates.CommitmentReleased || cms[0].Reason != "account_deleted" {
		t.Fatalf("commitments: %+v", cms)
	}
	if ov, _ := certs.Overrides(ctx, w.sess.ID); ov[tomb].Level != 2 || ov[w.pia.ID].By != tomb || ov[tomb].By != w.coord.ID {
		t.Fatalf("overrides: %+v", ov)
	}
	if d, _ := certs.Declined(ctx, w.sess.ID); len(d) != 1 {
		t.Fatalf("commitment choices: %+v", d)
	} else if _, ok := d[tomb]; !ok {
		t.Fatalf("commitment choices: %+v", d)
	}
	if other, _ := w.st.Course.SessionByID(ctx, w.other.ID); strings.Join(other.Animators, " ") != w.anne.ID+" "+tomb || other.CreatedBy != tomb {
		t.Fatalf("session animated: %v by %s", other.Animators, other.CreatedBy)
	}
	if s, _ := w.st.Course.SessionByID(ctx, w.sess.ID); s.CreatedBy != w.coord.ID {
		t.Fatalf("a session Claude created: by %s", s.CreatedBy)
	}

	// What was only his is gone; other people's stays.
	if _, err := w.st.Outbox.Message(ctx, "o1"); !errors.Is(err, notify.ErrNotFound) {
		t.Fatalf("Paul's message: %v", err)
	}
	if _, err := w.st.Outbox.Message(ctx, "o2"); err != nil {
		t.Fatalf("Pia's message: %v", err)
	}
	if p, err := w.st.Outbox.Prefs(ctx, w.paul.ID); err != nil || len(p.Off) != 0 {
		t.Fatalf("Paul's preferences: %+v, %v", p, err)
	}
	if _, err := w.st.Course.CalendarFeedByHash(ctx, "paul-feed-hash"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("Paul's calendar feed: %v", err)
	}
	if _, err := w.st.Course.InvitationByHash(ctx, "paul-invitation-hash"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("Paul's invitation: %v", err)
	}
	if av, _ := certs.Availabilities(ctx); len(av) != 1 || av[0].UserID != w.anne.ID {
		t.Fatalf("availabilities: %+v", av)
	}

	// The audit log records the deletion, under the tombstone only, and the
	// earlier entries name the tombstone.
	log, err := certs.AuditSearch(ctx, certificates.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var found int
	for _, e := range log {
		switch e.Action {
		case course.AuditAccountDelete:
			found++
			if e.ActorID != tomb || e.Target != tomb || e.Detail != "" || e.Reason != "" || e.SessionID != "" || !e.At.Equal(at) {
				t.Fatalf("audit entry: %+v", e)
			}
		case "certificate.issue":
			if e.Detail != "level 2 for "+tomb || e.ActorID != w.coord.ID {
				t.Fatalf("audit entry: %+v", e)
			}
		case "level.override":
			if e.ActorID != tomb || e.Target != w.pia.ID {
				t.Fatalf("audit entry: %+v", e)
			}
		}
	}
	if found != 1 || len(log) != 3 {
		t.Fatalf("%d account.delete entries in %d", found, len(log))
	}
	if got, _ := certs.AuditSearch(ctx, certificates.AuditFilter{Person: tomb}); len(got) != 2 {
		t.Fatalf("the tombstone's entries: %+v", got)
	}

	// It is done: a second run finds no account.
	if _, err := w.st.Course.DeleteAccount(ctx, w.paul.ID, at); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("second run: %v", err)
	}
	if _, err := w.st.Course.DeleteAccount(ctx, "nobody", at); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("unknown person: %v", err)
	}
}

// privacyDeleteTwo: two people who reviewed each other both leave; each
// gets a tombstone of their own and the reviews keep them apart.
func privacyDeleteTwo(t *testing.T, open Open) {
	w := newPrivacyWorld(t, open)
	ctx := context.Background()
	t1, err := w.st.Course.DeleteAccount(ctx, w.paul.ID, T0)
	if err != nil {
		t.Fatal(err)
	}
	t2, err := w.st.Course.DeleteAccount(ctx, w.pia.ID, T0)
	if err != nil {
		t.Fatal(err)
	}
	if t1 == t2 {
		t.Fatalf("the same tombstone %s twice", t1)
	}
	r, err := w.st.Grading.ReviewByID(ctx, "r-paul-pia")
	if err != nil || r.ReviewerID != t1 || r.AuthorID != t2 {
		t.Fatalf("review: %+v, %v", r, err)
	}
	enrols, _ := w.st.Course.EnrolmentsBySession(ctx, w.sess.ID)
	var ids []string
	for _, e := range enrols {
		ids = append(ids, e.UserID)
	}
	slices.Sort(ids)
	want := []string{t1, t2}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("enrolments: %v, want %v", ids, want)
	}
	if _, err := w.st.Outbox.Message(ctx, "o2"); !errors.Is(err, notify.ErrNotFound) {
		t.Fatalf("Pia's message: %v", err)
	}
	users, err := w.st.Course.ListUsers(ctx)
	if err != nil || len(users) != 2 {
		t.Fatalf("accounts left: %d, %v", len(users), err)
	}
	if pd, err := w.st.Course.PersonalData(ctx, w.anne.ID); err != nil || len(pd.Sections["sessions_animated"]) != 2 {
		t.Fatalf("Anne's data: %+v, %v", pd, err)
	}
}
