package mongostore_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"librecours/app/mongostore"
	"librecours/app/mongostore/storetest"
	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
)

// privacyWorld is a session where Paul submitted, reviewed and was reviewed,
// got a certificate and a commitment, and left traces in every collection;
// Pia is another participant, Anne an animator and Claude a coordinator.
type privacyWorld struct {
	db                     *storetest.DB
	cs                     *mongostore.CourseStore
	gs                     *mongostore.GradingStore
	es                     *mongostore.EvaluationStore
	certs                  *mongostore.CertificateStore
	auth                   *mongostore.AuthStore
	paul, pia, anne, coord *course.User
	sess, other            *course.Session
	paulSub, piaSub        *grading.Submission
	code                   string
}

func newPrivacyWorld(t *testing.T) *privacyWorld {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, storetest.Options{})
	w := &privacyWorld{db: db, cs: mongostore.NewCourseStore(db.DB), gs: mongostore.NewGradingStore(db.DB),
		es: mongostore.NewEvaluationStore(db.DB), certs: mongostore.NewCertificateStore(db.DB), auth: mongostore.NewAuthStore(db.DB)}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w.paul = &course.User{Email: "paul@example.org", Name: "Paul Participant", Roles: []course.Role{course.RoleParticipant, course.RoleAnimator},
		PasswordHash: "$argon2id$paul-hash", Locale: "en", CreatedAt: t0}
	w.pia = newUser("pia@example.org", course.RoleParticipant)
	w.anne = newUser("anne@example.org", course.RoleAnimator)
	w.coord = newUser("claude@example.org", course.RoleCoordinator)
	for _, u := range []*course.User{w.paul, w.pia, w.anne, w.coord} {
		must(w.cs.CreateUser(ctx, u))
	}
	w.sess = newSession(t, w.cs, course.LCIII, 0)
	w.other = newSession(t, w.cs, course.LCVI, 0)
	must(w.cs.AddAnimator(ctx, w.sess.ID, w.anne.ID))
	must(w.cs.AddAnimator(ctx, w.other.ID, w.anne.ID))
	must(w.cs.AddAnimator(ctx, w.other.ID, w.paul.ID))
	if _, err := w.db.W("sessions").UpdateOne(ctx, bson.M{"_id": w.other.ID}, bson.M{"$set": bson.M{"created_by": w.paul.ID}}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*course.User{w.paul, w.pia} {
		must(w.cs.Enrol(ctx, course.Enrolment{SessionID: w.sess.ID, UserID: u.ID, EnrolledAt: t0}))
	}

	// Submissions: Paul's in two versions with a file, Pia's.
	up := &grading.Attachment{Name: "travail.pdf", ContentType: "application/pdf"}
	must(w.gs.PutFile(ctx, up, []byte("%PDF-1.4 Paul"), w.sess.ID, w.paul.ID))
	w.paulSub = &grading.Submission{SessionID: w.sess.ID, Part: 1, AuthorID: w.paul.ID, Text: "Le texte de Paul, version 2", SubmittedAt: t0, UpdatedAt: t0.Add(time.Hour), Attachment: up}
	must(w.gs.SaveSubmission(ctx, w.paulSub, grading.Version{N: 1, Text: "Le texte de Paul, version 1", At: t0}))
	must(w.gs.SaveSubmission(ctx, w.paulSub, grading.Version{N: 2, Text: "Le texte de Paul, version 2", Attachment: up, At: t0.Add(time.Hour)}))
	w.piaSub = &grading.Submission{SessionID: w.sess.ID, Part: 1, AuthorID: w.pia.ID, Text: "Le texte de Pia", SubmittedAt: t0, UpdatedAt: t0}
	must(w.gs.SaveSubmission(ctx, w.piaSub, grading.Version{N: 1, Text: "Le texte de Pia", At: t0}))
	must(w.gs.SetAnimatorGrade(ctx, w.piaSub.ID, grading.AnimatorGrade{Score: 70, Comment: "Bien", By: w.paul.ID, At: t0}))
	must(w.gs.SetAnimatorGrade(ctx, w.paulSub.ID, grading.AnimatorGrade{Score: 80, Comment: "Très bien", By: w.anne.ID, At: t0}))

	// Reviews: Paul reviewed Pia; Pia reviewed Paul; Anne's review of Paul
	// is not handed in; one of Pia's reviews was taken over from Paul.
	done := t0.Add(2 * time.Hour)
	must(w.gs.InsertReviews(ctx, []grading.Review{
		{ID: "r-paul-pia", SessionID: w.sess.ID, Part: 1, SubmissionID: w.piaSub.ID, AuthorID: w.pia.ID, ReviewerID: w.paul.ID,
			Status: grading.ReviewDone, Scores: map[string]int{"c": 3}, Comment: "La relecture écrite par Paul", Percent: 75, AssignedAt: t0, UpdatedAt: done, DoneAt: &done, Required: true},
		{ID: "r-pia-paul", SessionID: w.sess.ID, Part: 1, SubmissionID: w.paulSub.ID, AuthorID: w.paul.ID, ReviewerID: w.pia.ID,
			Status: grading.ReviewDone, Scores: map[string]int{"c": 4}, Comment: "La relecture reçue par Paul", Percent: 100, AssignedAt: t0, UpdatedAt: done, DoneAt: &done, Required: true},
		{ID: "r-anne-paul", SessionID: w.sess.ID, Part: 1, SubmissionID: w.paulSub.ID, AuthorID: w.paul.ID, ReviewerID: w.anne.ID,
			Status: grading.ReviewAssigned, Comment: "Brouillon d'Anne", AssignedAt: t0, UpdatedAt: t0},
		{ID: "r-taken", SessionID: w.sess.ID, Part: 1, SubmissionID: w.piaSub.ID, AuthorID: w.pia.ID, ReviewerID: w.anne.ID, TakenFrom: w.paul.ID,
			Status: grading.ReviewAssigned, AssignedAt: t0, UpdatedAt: t0},
	}))

	// The evaluation, the certificate, its commitment and the decisions.
	score := 90.0
	sub := t0.Add(3 * time.Hour)
	must(w.es.SaveAttempt(ctx, grading.Attempt{ID: w.sess.ID + ":" + w.paul.ID + ":1", SessionID: w.sess.ID, UserID: w.paul.ID, N: 1,
		Answers: map[string][]string{"q1": {"a"}}, StartedAt: t0, SubmittedAt: &sub, Score: &score}))
	w.code = "LCIII-PAUL-0001"
	must(w.certs.InsertCertificate(ctx, certificates.Certificate{Code: w.code, SessionID: w.sess.ID, SessionCode: w.sess.Code,
		SessionStart: w.sess.StartsOn, SessionEnd: w.sess.EndsOn, UserID: w.paul.ID, HolderName: w.paul.Name, Level: certificates.LevelII,
		Lang: "en", Salt: "salt", Badge: "header.payload.signature", Rules: certificates.DefaultRules(), IssuedAt: t0}))
	must(w.certs.PutCommitment(ctx, certificates.Commitment{ID: w.paul.ID + ":" + w.sess.ID, UserID: w.paul.ID, FromSessionID: w.sess.ID,
		FromSessionCode: w.sess.Code, FromStart: w.sess.StartsOn, Certificate: w.code, Status: certificates.CommitmentPending, CreatedAt: t0}))
	must(w.certs.SetDeclined(ctx, w.sess.ID, w.paul.ID, false))
	must(w.certs.PutOverride(ctx, w.sess.ID, certificates.Override{UserID: w.paul.ID, Level: 2, Reason: "Jury", By: w.coord.ID, At: t0}))
	must(w.certs.PutOverride(ctx, w.sess.ID, certificates.Override{UserID: w.pia.ID, Level: 1, Reason: "Jury", By: w.paul.ID, At: t0}))
	must(w.certs.Audit(ctx, certificates.AuditEntry{At: t0, ActorID: w.coord.ID, Action: "certificate.issue", SessionID: w.sess.ID,
		Target: w.code, Detail: "level 2 for " + w.paul.ID}))
	must(w.certs.Audit(ctx, certificates.AuditEntry{At: t0, ActorID: w.paul.ID, Action: "level.override", SessionID: w.sess.ID, Target: w.pia.ID}))

	// Sign-in sessions, tokens and counters.
	for _, a := range []mongostore.AuthSession{
		{TokenHash: "paul-web-hash", Kind: "web", UserID: w.paul.ID, CSRF: "paul-csrf-secret", CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(time.Hour), IdleExpiresAt: t0.Add(time.Hour)},
		{TokenHash: "paul-api-hash", Kind: "api", UserID: w.paul.ID, CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(time.Hour), IdleExpiresAt: t0.Add(time.Hour)},
		{TokenHash: "pia-web-hash", Kind: "web", UserID: w.pia.ID, CSRF: "pia-csrf", CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(time.Hour), IdleExpiresAt: t0.Add(time.Hour)},
	} {
		must(w.auth.CreateSession(ctx, a))
	}
	must(w.auth.RecordFailure(ctx, "email:"+w.paul.Email, t0, time.Hour))
	must(w.auth.RecordFailure(ctx, "email:"+w.pia.Email, t0, time.Hour))

	// Other areas' documents.
	for coll, docs := range map[string][]any{
		"outbox": {bson.M{"_id": "o1", "user_id": w.paul.ID, "subject": "Rappel pour Paul", "unsubscribe_token": "paul-unsub-secret"},
			bson.M{"_id": "o2", "user_id": w.pia.ID, "subject": "Rappel pour Pia"}},
		"notify_prefs":   {bson.M{"_id": w.paul.ID, "digest": "daily"}},
		"calendar_feeds": {bson.M{"_id": "paul-feed-secret", "user_id": w.paul.ID, "label": "Agenda de Paul", "token_hash": "feed-hash"}},
		"availability":   {bson.M{"_id": "a1", "user_id": w.paul.ID, "slots": bson.A{bson.M{"day": "monday", "at": t0}}}},
	} {
		if _, err := w.db.W(coll).InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func TestPrivacyPersonalData(t *testing.T) {
	w := newPrivacyWorld(t)
	ctx := context.Background()
	pd, err := w.cs.PersonalData(ctx, w.paul.ID)
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
		"level_overrides": 1, "sign_in_sessions": 2, "outbox": 1, "notify_prefs": 1, "invitations": 0, "calendar_feeds": 1, "availability": 1}
	for name, n := range want {
		if got, ok := count[name]; !ok || got != n {
			t.Errorf("section %s: %d records (present %v), want %d", name, got, ok, n)
		}
	}
	if versions, _ := pd.Sections["submissions"][0]["versions"].([]course.Record); len(versions) != 2 {
		t.Errorf("submission versions: %v", pd.Sections["submissions"][0]["versions"])
	}
	if code := pd.Sections["enrolments"][0]["session_code"]; code != w.sess.Code {
		t.Errorf("enrolment session code %v, want %s", code, w.sess.Code)
	}
	if at, ok := pd.Sections["submissions"][0]["submitted_at"].(time.Time); !ok || !at.Equal(t0) || at.Location() != time.UTC {
		t.Errorf("submitted_at is %#v, want %v in UTC", pd.Sections["submissions"][0]["submitted_at"], t0)
	}
	b, err := json.Marshal(pd)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, s := range []string{"Le texte de Paul, version 1", "Le texte de Paul, version 2", "travail.pdf", "La relecture écrite par Paul",
		"La relecture reçue par Paul", "Très bien", w.code, "Paul Participant", "Rappel pour Paul", "daily", "Agenda de Paul", "monday", "Jury"} {
		if !strings.Contains(text, s) {
			t.Errorf("the export lacks %q", s)
		}
	}
	// Nothing secret, nothing that names someone else, nothing of theirs.
	for _, s := range []string{"paul-hash", "paul-web-hash", "paul-api-hash", "paul-csrf-secret", "paul-unsub-secret", "paul-feed-secret", "feed-hash",
		w.pia.ID, w.anne.ID, w.coord.ID, "Le texte de Pia", "Brouillon d'Anne", "Rappel pour Pia", "pia@example.org"} {
		if strings.Contains(text, s) {
			t.Errorf("the export holds %q", s)
		}
	}
	if _, err := w.cs.PersonalData(ctx, "nobody"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("unknown person: %v", err)
	}
}

// dump returns every document of every collection as extended JSON, by
// collection.
func dump(t *testing.T, db *storetest.DB) map[string]string {
	t.Helper()
	ctx := context.Background()
	names, err := db.R("users").Database().ListCollectionNames(ctx, bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, name := range names {
		var docs []bson.M
		cur, err := db.R(name).Find(ctx, bson.M{})
		if err != nil {
			t.Fatal(err)
		}
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		for _, d := range docs {
			b, err := bson.MarshalExtJSON(d, false, false)
			if err != nil {
				t.Fatal(err)
			}
			sb.Write(b)
			sb.WriteByte('\n')
		}
		out[name] = sb.String()
	}
	return out
}

func TestPrivacyDeleteAccount(t *testing.T) {
	w := newPrivacyWorld(t)
	ctx := context.Background()
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	before, err := w.gs.Reviews(ctx, w.sess.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	tomb, err := w.cs.DeleteAccount(ctx, w.paul.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tomb, "deleted-") || strings.Contains(tomb, w.paul.ID) {
		t.Fatalf("tombstone %q", tomb)
	}

	// Nothing anywhere names Paul or carries his ID, except the name on
	// his certificate, kept as issued.
	for coll, docs := range dump(t, w.db) {
		for _, s := range []string{w.paul.ID, w.paul.Email, "paul-web-hash", "paul-api-hash", "Rappel pour Paul", "Agenda de Paul"} {
			if strings.Contains(docs, s) {
				t.Errorf("%s still holds %q:\n%s", coll, s, docs)
			}
		}
		if coll != "certificates" && strings.Contains(docs, w.paul.Name) {
			t.Errorf("%s still holds Paul's name:\n%s", coll, docs)
		}
	}
	if _, err := w.cs.UserByID(ctx, w.paul.ID); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("the account is still there: %v", err)
	}
	if _, err := w.cs.UserByID(ctx, w.pia.ID); err != nil {
		t.Fatalf("Pia's account: %v", err)
	}
	if _, err := w.auth.Session(ctx, "paul-web-hash", t0); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("Paul's web session: %v", err)
	}
	if _, err := w.auth.Session(ctx, "pia-web-hash", t0); err != nil {
		t.Fatalf("Pia's web session: %v", err)
	}
	if n, _ := w.auth.Failures(ctx, "email:"+w.paul.Email, t0, time.Hour); n != 0 {
		t.Fatalf("Paul's sign-in failures: %d", n)
	}
	if n, _ := w.auth.Failures(ctx, "email:"+w.pia.Email, t0, time.Hour); n != 1 {
		t.Fatalf("Pia's sign-in failures: %d", n)
	}

	// His work stays, under the tombstone, and still counts.
	sub, err := w.gs.SubmissionByID(ctx, w.paulSub.ID)
	if err != nil || sub.AuthorID != tomb || sub.Text != w.paulSub.Text || sub.Animator == nil || sub.Animator.By != w.anne.ID {
		t.Fatalf("Paul's submission: %+v, %v", sub, err)
	}
	if vs, _ := w.gs.Versions(ctx, w.paulSub.ID); len(vs) != 2 {
		t.Fatalf("versions: %d", len(vs))
	}
	if _, data, err := w.gs.File(ctx, sub.Attachment.FileID); err != nil || string(data) != "%PDF-1.4 Paul" {
		t.Fatalf("file: %q %v", data, err)
	}
	if pia, _ := w.gs.SubmissionByID(ctx, w.piaSub.ID); pia.AuthorID != w.pia.ID || pia.Animator.By != tomb {
		t.Fatalf("Pia's submission: %+v", pia)
	}
	after, _ := w.gs.Reviews(ctx, w.sess.ID, 0)
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
	enrols, _ := w.cs.EnrolmentsBySession(ctx, w.sess.ID)
	var ids []string
	for _, e := range enrols {
		ids = append(ids, e.UserID)
	}
	if len(ids) != 2 || !strings.Contains(strings.Join(ids, " "), tomb) {
		t.Fatalf("enrolments: %v", ids)
	}
	if ok, _ := w.cs.IsEnrolled(ctx, w.sess.ID, tomb); !ok {
		t.Fatal("the tombstone's enrolment is not found by its key")
	}
	if s, _ := w.cs.SessionByID(ctx, w.sess.ID); s.Enrolled != 2 {
		t.Fatalf("seats taken: %d", s.Enrolled)
	}
	if as, _ := w.es.Attempts(ctx, w.sess.ID, tomb); len(as) != 1 || as[0].Score == nil || *as[0].Score != 90 {
		t.Fatalf("attempts: %+v", as)
	}
	c, err := w.certs.Certificate(ctx, w.code)
	if err != nil || c.UserID != tomb || c.HolderName != "Paul Participant" || !c.Valid() {
		t.Fatalf("certificate: %+v %v", c, err)
	}
	cms, _ := w.certs.Commitments(ctx)
	if len(cms) != 1 || cms[0].UserID != tomb || cms[0].Status != certificates.CommitmentReleased || cms[0].Reason != mongostore.ReleasedAccountDeletion {
		t.Fatalf("commitments: %+v", cms)
	}
	if ov, _ := w.certs.Overrides(ctx, w.sess.ID); ov[tomb].Level != 2 || ov[w.pia.ID].By != tomb {
		t.Fatalf("overrides: %+v", ov)
	}
	if other, _ := w.cs.SessionByID(ctx, w.other.ID); strings.Join(other.Animators, " ") != w.anne.ID+" "+tomb || other.CreatedBy != tomb {
		t.Fatalf("session animated: %v by %s", other.Animators, other.CreatedBy)
	}
	var pia bson.M
	if err := w.db.R("outbox").FindOne(ctx, bson.M{"_id": "o2"}).Decode(&pia); err != nil {
		t.Fatalf("Pia's outbox: %v", err)
	}

	// The audit log records the deletion, under the tombstone only.
	log, _ := w.certs.AuditLog(ctx, "", 0)
	var found int
	for _, e := range log {
		if e.Action == mongostore.AuditAccountDelete {
			found++
			if e.ActorID != tomb || e.Target != tomb || e.Detail != "" || e.Reason != "" || !e.At.Equal(at) {
				t.Fatalf("audit entry: %+v", e)
			}
		}
	}
	if found != 1 {
		t.Fatalf("%d account.delete entries", found)
	}

	// It is done: a second run finds no account.
	if _, err := w.cs.DeleteAccount(ctx, w.paul.ID, at); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("second run: %v", err)
	}
}

// TestPrivacyDeleteAccountResumes finishes a deletion that stopped midway:
// the tombstone was chosen and an enrolment already copied under it.
func TestPrivacyDeleteAccountResumes(t *testing.T) {
	w := newPrivacyWorld(t)
	ctx := context.Background()
	const tomb = "deleted-interrupted"
	if _, err := w.db.W("users").UpdateOne(ctx, bson.M{"_id": w.paul.ID}, bson.M{"$set": bson.M{"deletion_tombstone": tomb}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.W("enrolments").InsertOne(ctx, bson.M{"_id": w.sess.ID + ":" + tomb, "session_id": w.sess.ID, "user_id": tomb, "enrolled_at": t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.W("submissions").UpdateOne(ctx, bson.M{"_id": w.paulSub.ID}, bson.M{"$set": bson.M{"author_id": tomb}}); err != nil {
		t.Fatal(err)
	}
	got, err := w.cs.DeleteAccount(ctx, w.paul.ID, t0)
	if err != nil || got != tomb {
		t.Fatalf("resumed deletion: %q, %v", got, err)
	}
	enrols, _ := w.cs.EnrolmentsBySession(ctx, w.sess.ID)
	if len(enrols) != 2 {
		t.Fatalf("enrolments: %+v", enrols)
	}
	for coll, docs := range dump(t, w.db) {
		if strings.Contains(docs, w.paul.ID) {
			t.Errorf("%s still holds Paul's ID", coll)
		}
	}
	if sub, _ := w.gs.SubmissionByID(ctx, w.paulSub.ID); sub.AuthorID != tomb {
		t.Fatalf("submission author %s", sub.AuthorID)
	}
}
