package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"librecours/course"
)

// Collections of the enrolment import and the calendar feeds. Both carry a
// user_id: deleting an account deletes {user_id: id} from each.
const (
	colInvitations   = "invitations"
	colCalendarFeeds = "calendar_feeds"
)

// rosterIndexes serve the queries below on MongoDB. Lookups by token go
// through _id (the token's hash), which FerretDB also finds without a scan.
var rosterIndexes = []index{
	{colInvitations, "user", bson.D{{Key: "user_id", Value: 1}}, false},                                                // DeleteInvitations, account deletion
	{colCalendarFeeds, "session_user_unique", bson.D{{Key: "session_id", Value: 1}, {Key: "user_id", Value: 1}}, true}, // CalendarFeed: one per person and session
	{colCalendarFeeds, "user", bson.D{{Key: "user_id", Value: 1}}, false},                                              // account deletion
}

var (
	_ course.RosterStore = (*CourseStore)(nil)
	_ course.FeedStore   = (*CourseStore)(nil)
)

// UsersByEmails returns the accounts among the (normalised) addresses, in
// one query.
func (s *CourseStore) UsersByEmails(ctx context.Context, emails []string) ([]*course.User, error) {
	if len(emails) == 0 {
		return nil, nil
	}
	return s.findUsers(ctx, bson.M{"email": bson.M{"$in": emails}})
}

// CreateUsers sets fresh IDs and inserts the accounts in one ordered batch.
// When it fails, it removes those it inserted: all or none.
func (s *CourseStore) CreateUsers(ctx context.Context, users []*course.User) error {
	if len(users) == 0 {
		return nil
	}
	docs := make([]userDoc, len(users))
	ids := make([]string, len(users))
	for i, u := range users {
		u.ID = newID()
		ids[i] = u.ID
		docs[i] = toUserDoc(u.ID, u)
	}
	if _, err := s.db.W(colUsers).InsertMany(ctx, docs); err != nil {
		werr := fmt.Errorf("mongostore: insert users: %w", err)
		if mongo.IsDuplicateKeyError(err) {
			werr = fmt.Errorf("mongostore: insert users: %w", course.ErrEmailTaken)
		}
		return errors.Join(werr, s.DeleteUsers(context.WithoutCancel(ctx), ids))
	}
	return nil
}

// DeleteUsers removes accounts (an import's undo).
func (s *CourseStore) DeleteUsers(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.db.W(colUsers).DeleteMany(ctx, bson.M{"_id": bson.M{"$in": ids}}); err != nil {
		return fmt.Errorf("mongostore: delete users: %w", err)
	}
	return nil
}

// SetUserName renames an account.
func (s *CourseStore) SetUserName(ctx context.Context, id, name string) error {
	return s.updateUser(ctx, id, bson.M{"$set": bson.M{"name": name}})
}

// EnrolMany takes len(es) seats with one conditional update of the session
// (the filter carries the capacity and count read just before, as Enrol
// does), then inserts the enrolments tagged with batch. On failure it
// removes that batch's enrolments and gives the seats back.
func (s *CourseStore) EnrolMany(ctx context.Context, sessionID, batch string, es []course.Enrolment) error {
	if len(es) == 0 {
		return nil
	}
	sess, err := s.SessionByID(ctx, sessionID)
	if err != nil {
		return err
	}
	n := len(es)
	filter := bson.M{"_id": sess.ID, "capacity": sess.Capacity}
	if sess.Capacity > 0 {
		if sess.Capacity-n < 0 {
			return course.ErrSessionFull
		}
		filter["enrolled"] = bson.M{"$lte": sess.Capacity - n}
	}
	res, err := s.updateSession(ctx, filter, bson.M{"$inc": bson.M{"enrolled": n}})
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		return course.ErrSessionFull
	}
	docs := make([]enrolmentDoc, n)
	for i, e := range es {
		docs[i] = enrolmentDoc{ID: sessionID + ":" + e.UserID, SessionID: sessionID, UserID: e.UserID, EnrolledAt: e.EnrolledAt, Batch: batch}
	}
	if _, err := s.db.W(colEnrolments).InsertMany(ctx, docs); err != nil {
		werr := fmt.Errorf("mongostore: insert enrolments: %w", err)
		if mongo.IsDuplicateKeyError(err) {
			werr = fmt.Errorf("mongostore: insert enrolments: %w", course.ErrAlreadyEnrolled)
		}
		uctx := context.WithoutCancel(ctx)
		_, derr := s.db.W(colEnrolments).DeleteMany(uctx, bson.M{"session_id": sessionID, "batch": batch})
		if derr != nil {
			derr = fmt.Errorf("mongostore: undo enrolments: %w", derr)
		}
		_, ierr := s.updateSession(uctx, bson.M{"_id": sess.ID}, bson.M{"$inc": bson.M{"enrolled": -n}})
		return errors.Join(werr, derr, ierr)
	}
	return nil
}

type invitationDoc struct {
	ID        string     `bson:"_id"` // the token's SHA-256
	UserID    string     `bson:"user_id"`
	Email     string     `bson:"email"`
	SessionID string     `bson:"session_id"`
	CreatedAt time.Time  `bson:"created_at"`
	ExpiresAt time.Time  `bson:"expires_at"`
	Used      bool       `bson:"used"`
	UsedAt    *time.Time `bson:"used_at,omitempty"`
}

// CreateInvitations inserts invitations in one batch.
func (s *CourseStore) CreateInvitations(ctx context.Context, invs []course.Invitation) error {
	if len(invs) == 0 {
		return nil
	}
	docs := make([]invitationDoc, len(invs))
	for i, v := range invs {
		docs[i] = invitationDoc{ID: v.TokenHash, UserID: v.UserID, Email: v.Email, SessionID: v.SessionID,
			CreatedAt: v.CreatedAt.UTC(), ExpiresAt: v.ExpiresAt.UTC()}
	}
	if _, err := s.db.W(colInvitations).InsertMany(ctx, docs); err != nil {
		return fmt.Errorf("mongostore: insert invitations: %w", err)
	}
	return nil
}

// DeleteInvitations removes the invitations of these accounts.
func (s *CourseStore) DeleteInvitations(ctx context.Context, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	if _, err := s.db.W(colInvitations).DeleteMany(ctx, bson.M{"user_id": bson.M{"$in": userIDs}}); err != nil {
		return fmt.Errorf("mongostore: delete invitations: %w", err)
	}
	return nil
}

// InvitationByHash returns an unused invitation; ErrNotFound otherwise.
func (s *CourseStore) InvitationByHash(ctx context.Context, hash string) (*course.Invitation, error) {
	var d invitationDoc
	if err := s.db.R(colInvitations).FindOne(ctx, bson.M{"_id": hash, "used": false}).Decode(&d); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, course.ErrNotFound
		}
		return nil, fmt.Errorf("mongostore: find invitation: %w", err)
	}
	inv := d.invitation()
	return &inv, nil
}

// PendingInvitations returns the unused invitations, expired or not, of
// these accounts.
func (s *CourseStore) PendingInvitations(ctx context.Context, userIDs []string) ([]course.Invitation, error) {
	if len(userIDs) == 0 {
		return nil, nil
	}
	cur, err := s.db.R(colInvitations).Find(ctx, bson.M{"user_id": bson.M{"$in": userIDs}, "used": false})
	if err != nil {
		return nil, fmt.Errorf("mongostore: find invitations: %w", err)
	}
	var docs []invitationDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("mongostore: read invitations: %w", err)
	}
	out := make([]course.Invitation, len(docs))
	for i, d := range docs {
		out[i] = d.invitation()
	}
	return out, nil
}

func (d invitationDoc) invitation() course.Invitation {
	return course.Invitation{TokenHash: d.ID, UserID: d.UserID, Email: d.Email, SessionID: d.SessionID,
		CreatedAt: d.CreatedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC()}
}

// UseInvitation marks an unused, unexpired invitation used, atomically:
// of two concurrent uses, one gets ErrNotFound.
func (s *CourseStore) UseInvitation(ctx context.Context, hash string, now time.Time) error {
	res, err := s.db.W(colInvitations).UpdateOne(ctx,
		bson.M{"_id": hash, "used": false, "expires_at": bson.M{"$gt": now.UTC()}},
		bson.M{"$set": bson.M{"used": true, "used_at": now.UTC()}})
	if err != nil {
		return fmt.Errorf("mongostore: use invitation: %w", err)
	}
	if res.MatchedCount == 0 {
		return course.ErrNotFound
	}
	return nil
}

// RestoreInvitation makes a used invitation usable again.
func (s *CourseStore) RestoreInvitation(ctx context.Context, hash string) error {
	_, err := s.db.W(colInvitations).UpdateOne(ctx, bson.M{"_id": hash},
		bson.M{"$set": bson.M{"used": false}, "$unset": bson.M{"used_at": ""}})
	if err != nil {
		return fmt.Errorf("mongostore: restore invitation: %w", err)
	}
	return nil
}

type calendarFeedDoc struct {
	ID        string    `bson:"_id"` // the token's SHA-256
	SessionID string    `bson:"session_id"`
	UserID    string    `bson:"user_id"`
	CreatedAt time.Time `bson:"created_at"`
}

func (d *calendarFeedDoc) feed() *course.CalendarFeed {
	return &course.CalendarFeed{SessionID: d.SessionID, UserID: d.UserID, TokenHash: d.ID, CreatedAt: d.CreatedAt.UTC()}
}

// PutCalendarFeed replaces the person's feed of the session. The unique
// index keeps one feed per person and session even when two requests race:
// the loser removes the winner's feed and tries again.
func (s *CourseStore) PutCalendarFeed(ctx context.Context, f course.CalendarFeed) error {
	d := calendarFeedDoc{ID: f.TokenHash, SessionID: f.SessionID, UserID: f.UserID, CreatedAt: f.CreatedAt.UTC()}
	var err error
	for range 3 {
		if err = s.DeleteCalendarFeed(ctx, f.SessionID, f.UserID); err != nil {
			return err
		}
		if _, err = s.db.W(colCalendarFeeds).InsertOne(ctx, d); err == nil || !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("mongostore: insert calendar feed: %w", err)
	}
	return nil
}

// CalendarFeed returns the person's feed of the session.
func (s *CourseStore) CalendarFeed(ctx context.Context, sessionID, userID string) (*course.CalendarFeed, error) {
	return s.findFeed(ctx, bson.M{"session_id": sessionID, "user_id": userID})
}

// CalendarFeedByHash returns the feed of a token's hash.
func (s *CourseStore) CalendarFeedByHash(ctx context.Context, hash string) (*course.CalendarFeed, error) {
	return s.findFeed(ctx, bson.M{"_id": hash})
}

func (s *CourseStore) findFeed(ctx context.Context, filter bson.M) (*course.CalendarFeed, error) {
	var d calendarFeedDoc
	if err := s.db.R(colCalendarFeeds).FindOne(ctx, filter).Decode(&d); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, course.ErrNotFound
		}
		return nil, fmt.Errorf("mongostore: find calendar feed: %w", err)
	}
	return d.feed(), nil
}

// DeleteCalendarFeed revokes the person's feed of the session, if any.
func (s *CourseStore) DeleteCalendarFeed(ctx context.Context, sessionID, userID string) error {
	if _, err := s.db.W(colCalendarFeeds).DeleteMany(ctx, bson.M{"session_id": sessionID, "user_id": userID}); err != nil {
		return fmt.Errorf("mongostore: delete calendar feed: %w", err)
	}
	return nil
}
