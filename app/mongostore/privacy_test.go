package mongostore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"librecours/app/mongostore"
	"librecours/app/mongostore/mongotest"
	"librecours/course"
	"librecours/grading"
)

// TestPrivacyDeleteAccountResumes finishes a deletion that stopped midway,
// which only MongoDB can leave (it has no transaction): the tombstone was
// chosen, an enrolment already copied under it and the submission moved.
// The scenarios shared with the embedded store are in storetest.Privacy.
func TestPrivacyDeleteAccountResumes(t *testing.T) {
	db := mongotest.Open(t, mongotest.Options{})
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cs, gs := mongostore.NewCourseStore(db.DB), mongostore.NewGradingStore(db.DB)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	paul := &course.User{Email: "paul@example.org", Name: "Paul", Roles: []course.Role{course.RoleParticipant}, CreatedAt: t0}
	pia := &course.User{Email: "pia@example.org", Name: "Pia", Roles: []course.Role{course.RoleParticipant}, CreatedAt: t0}
	must(cs.CreateUser(ctx, paul))
	must(cs.CreateUser(ctx, pia))
	sess := &course.Session{Code: "LCIII-001", Format: course.LCIII, Number: 1, StartsOn: "2026-03-02", EndsOn: "2026-04-30",
		TimeZone: "Europe/Paris", Settings: course.DefaultSettings(), CreatedAt: t0, CreatedBy: pia.ID}
	must(cs.CreateSession(ctx, sess))
	for _, u := range []*course.User{paul, pia} {
		must(cs.Enrol(ctx, course.Enrolment{SessionID: sess.ID, UserID: u.ID, EnrolledAt: t0}))
	}
	sub := &grading.Submission{SessionID: sess.ID, Part: 1, AuthorID: paul.ID, Text: "Le texte de Paul", Version: 1, SubmittedAt: t0, UpdatedAt: t0}
	must(gs.SaveSubmission(ctx, sub, grading.Version{N: 1, Text: sub.Text, At: t0}))

	const tomb = "deleted-interrupted"
	if _, err := db.W("users").UpdateOne(ctx, bson.M{"_id": paul.ID}, bson.M{"$set": bson.M{"deletion_tombstone": tomb}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W("enrolments").InsertOne(ctx, bson.M{"_id": sess.ID + ":" + tomb, "session_id": sess.ID, "user_id": tomb, "enrolled_at": t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.W("submissions").UpdateOne(ctx, bson.M{"_id": sub.ID}, bson.M{"$set": bson.M{"author_id": tomb}}); err != nil {
		t.Fatal(err)
	}
	got, err := cs.DeleteAccount(ctx, paul.ID, t0)
	if err != nil || got != tomb {
		t.Fatalf("resumed deletion: %q, %v", got, err)
	}
	enrols, err := cs.EnrolmentsBySession(ctx, sess.ID)
	if err != nil || len(enrols) != 2 {
		t.Fatalf("enrolments: %+v, %v", enrols, err)
	}
	if s, _ := gs.SubmissionByID(ctx, sub.ID); s == nil || s.AuthorID != tomb {
		t.Fatalf("submission: %+v", s)
	}
	names, err := db.R("users").Database().ListCollectionNames(ctx, bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		var docs []bson.M
		cur, err := db.R(name).Find(ctx, bson.M{})
		if err != nil {
			t.Fatal(err)
		}
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			b, err := bson.MarshalExtJSON(d, false, false)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), paul.ID) {
				t.Errorf("%s still holds Paul's ID: %s", name, b)
			}
		}
	}
}
