package mongostore_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"librecours/app/mongostore"
	"librecours/app/mongostore/storetest"
	"librecours/course"
)

func countDocs(t *testing.T, db *storetest.DB, coll string, filter bson.M) int64 {
	t.Helper()
	n, err := db.R(coll).CountDocuments(context.Background(), filter)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRosterUsersAndEnrolments: batches of accounts and enrolments are all
// or nothing.
func TestRosterUsersAndEnrolments(t *testing.T) {
	db := storetest.Open(t, storetest.Options{})
	s := mongostore.NewCourseStore(db.DB)
	ctx := context.Background()
	taken := newUser("taken@example.org", course.RoleParticipant)
	if err := s.CreateUser(ctx, taken); err != nil {
		t.Fatal(err)
	}

	batch := []*course.User{newUser("a@example.org", course.RoleParticipant), newUser("b@example.org", course.RoleParticipant)}
	if err := s.CreateUsers(ctx, batch); err != nil {
		t.Fatal(err)
	}
	got, err := s.UsersByEmails(ctx, []string{"b@example.org", "a@example.org", "missing@example.org"})
	if err != nil || len(got) != 2 || batch[0].ID == "" || got[0].ID != batch[0].ID || !slices.Equal(got[0].Roles, []course.Role{course.RoleParticipant}) {
		t.Fatalf("UsersByEmails = %+v, %v", got, err)
	}
	// A taken address in the middle of a batch: none of it stays.
	bad := []*course.User{newUser("c@example.org"), newUser("taken@example.org"), newUser("d@example.org")}
	if err := s.CreateUsers(ctx, bad); !errors.Is(err, course.ErrEmailTaken) {
		t.Fatalf("CreateUsers with a taken address: %v", err)
	}
	if n := countDocs(t, db, "users", bson.M{}); n != 3 {
		t.Fatalf("%d accounts after a refused batch, want 3", n)
	}
	if err := s.SetUserName(ctx, batch[0].ID, "Ada"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUsers(ctx, []string{batch[1].ID}); err != nil {
		t.Fatal(err)
	}
	if u, err := s.UserByID(ctx, batch[0].ID); err != nil || u.Name != "Ada" {
		t.Fatalf("renamed: %+v %v", u, err)
	}
	if _, err := s.UserByID(ctx, batch[1].ID); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("deleted account: %v", err)
	}

	sess := newSession(t, s, course.LCIII, 3)
	enrol := func(ids ...string) []course.Enrolment {
		var es []course.Enrolment
		for _, id := range ids {
			es = append(es, course.Enrolment{SessionID: sess.ID, UserID: id, EnrolledAt: t0})
		}
		return es
	}
	if err := s.EnrolMany(ctx, sess.ID, "b1", enrol("u1", "u2")); err != nil {
		t.Fatal(err)
	}
	check := func(wantEnrolled int, wantUsers ...string) {
		t.Helper()
		got, err := s.SessionByID(ctx, sess.ID)
		if err != nil || got.Enrolled != wantEnrolled {
			t.Fatalf("enrolled = %d, want %d (%v)", got.Enrolled, wantEnrolled, err)
		}
		es, err := s.EnrolmentsBySession(ctx, sess.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range es {
			ids = append(ids, e.UserID)
			if !e.EnrolledAt.Equal(t0) {
				t.Fatalf("enrolled at %s", e.EnrolledAt)
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, wantUsers) {
			t.Fatalf("enrolments %v, want %v", ids, wantUsers)
		}
		for _, id := range wantUsers {
			if ok, _ := s.IsEnrolled(ctx, sess.ID, id); !ok {
				t.Fatalf("%s not enrolled", id)
			}
		}
	}
	check(2, "u1", "u2")
	if err := s.EnrolMany(ctx, sess.ID, "b2", enrol("u3", "u4")); !errors.Is(err, course.ErrSessionFull) {
		t.Fatalf("over capacity: %v", err)
	}
	check(2, "u1", "u2")
	// u2 is already enrolled: the batch fails after taking its seat and
	// inserting u0; both are undone, and u2's own enrolment stays.
	if err := s.SetCapacity(ctx, sess.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.EnrolMany(ctx, sess.ID, "b3", enrol("u0", "u2", "u5")); !errors.Is(err, course.ErrAlreadyEnrolled) {
		t.Fatalf("a batch with someone enrolled: %v", err)
	}
	check(2, "u1", "u2")
	if err := s.EnrolMany(ctx, "nope", "b4", enrol("u9")); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("unknown session: %v", err)
	}
	if err := s.EnrolMany(ctx, sess.ID, "b5", enrol("u0", "u5")); err != nil {
		t.Fatal(err)
	}
	check(4, "u0", "u1", "u2", "u5")
}

// TestInvitationsStore: single use, expiry, undo, and the user_id that
// account deletion relies on.
func TestInvitationsStore(t *testing.T) {
	db := storetest.Open(t, storetest.Options{})
	s := mongostore.NewCourseStore(db.DB)
	ctx := context.Background()
	exp := t0.Add(course.InvitationTTL)
	invs := []course.Invitation{
		{TokenHash: "h1", UserID: "u1", Email: "a@example.org", SessionID: "s", CreatedAt: t0, ExpiresAt: exp},
		{TokenHash: "h2", UserID: "u2", Email: "b@example.org", SessionID: "s", CreatedAt: t0, ExpiresAt: exp},
		{TokenHash: "h3", UserID: "u3", Email: "c@example.org", SessionID: "s", CreatedAt: t0, ExpiresAt: exp},
	}
	if err := s.CreateInvitations(ctx, invs); err != nil {
		t.Fatal(err)
	}
	got, err := s.InvitationByHash(ctx, "h1")
	if err != nil || cmp.Diff(invs[0], *got) != "" {
		t.Fatalf("InvitationByHash = %+v, %v", got, err)
	}
	if _, err := s.InvitationByHash(ctx, "nope"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if err := s.UseInvitation(ctx, "h1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.UseInvitation(ctx, "h1", t0.Add(time.Hour)); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("second use: %v", err)
	}
	if _, err := s.InvitationByHash(ctx, "h1"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("used invitation still found: %v", err)
	}
	if err := s.RestoreInvitation(ctx, "h1"); err != nil {
		t.Fatal(err)
	}
	if err := s.UseInvitation(ctx, "h1", t0.Add(2*time.Hour)); err != nil {
		t.Fatalf("restored invitation: %v", err)
	}
	if err := s.UseInvitation(ctx, "h2", exp); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("expired invitation: %v", err)
	}
	if err := s.DeleteInvitations(ctx, []string{"u2"}); err != nil {
		t.Fatal(err)
	}
	if n := countDocs(t, db, "invitations", bson.M{}); n != 2 {
		t.Fatalf("%d invitations, want 2", n)
	}
	// Account deletion removes {user_id: id}.
	if _, err := db.W("invitations").DeleteMany(ctx, bson.M{"user_id": "u3"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InvitationByHash(ctx, "h3"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("invitation of a deleted account: %v", err)
	}
}

// TestCalendarFeedsStore: one feed per person and session, replaced by a new
// token, revoked by deletion.
func TestCalendarFeedsStore(t *testing.T) {
	db := storetest.Open(t, storetest.Options{})
	s := mongostore.NewCourseStore(db.DB)
	ctx := context.Background()
	put := func(hash, sessionID, userID string) {
		t.Helper()
		if err := s.PutCalendarFeed(ctx, course.CalendarFeed{SessionID: sessionID, UserID: userID, TokenHash: hash, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	put("h1", "s1", "u1")
	put("h2", "s2", "u1")
	put("h3", "s1", "u2")
	f, err := s.CalendarFeedByHash(ctx, "h1")
	if err != nil || cmp.Diff(course.CalendarFeed{SessionID: "s1", UserID: "u1", TokenHash: "h1", CreatedAt: t0}, *f) != "" {
		t.Fatalf("CalendarFeedByHash = %+v, %v", f, err)
	}
	put("h4", "s1", "u1") // a new address replaces the old one
	if _, err := s.CalendarFeedByHash(ctx, "h1"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("replaced feed: %v", err)
	}
	if f, err := s.CalendarFeed(ctx, "s1", "u1"); err != nil || f.TokenHash != "h4" {
		t.Fatalf("CalendarFeed = %+v, %v", f, err)
	}
	if n := countDocs(t, db, "calendar_feeds", bson.M{"session_id": "s1", "user_id": "u1"}); n != 1 {
		t.Fatalf("%d feeds for one person and session", n)
	}
	if err := s.DeleteCalendarFeed(ctx, "s1", "u1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCalendarFeed(ctx, "s1", "u1"); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if _, err := s.CalendarFeed(ctx, "s1", "u1"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("revoked feed: %v", err)
	}
	if _, err := s.CalendarFeedByHash(ctx, "h2"); err != nil {
		t.Fatalf("another session's feed: %v", err)
	}
	if _, err := db.W("calendar_feeds").DeleteMany(ctx, bson.M{"user_id": "u1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CalendarFeedByHash(ctx, "h2"); !errors.Is(err, course.ErrNotFound) {
		t.Fatalf("feed of a deleted account: %v", err)
	}
}
