package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/course"
)

// CourseStore stores accounts, sessions and enrolments.
type CourseStore struct{ db *DB }

var _ course.Store = (*CourseStore)(nil)

// NewCourseStore returns the course store over db.
func NewCourseStore(db *DB) *CourseStore { return &CourseStore{db: db} }

type userDoc struct {
	ID           string    `bson:"_id"`
	Email        string    `bson:"email"`
	Name         string    `bson:"name"`
	Roles        []string  `bson:"roles"`
	PasswordHash string    `bson:"password_hash"`
	Locale       string    `bson:"locale,omitempty"`
	CreatedAt    time.Time `bson:"created_at"`
}

func (d *userDoc) user() *course.User {
	u := &course.User{ID: d.ID, Email: d.Email, Name: d.Name, PasswordHash: d.PasswordHash, Locale: d.Locale, CreatedAt: d.CreatedAt}
	for _, r := range d.Roles {
		u.Roles = append(u.Roles, course.Role(r))
	}
	return u
}

// toUserDoc is the document of u under the ID id.
func toUserDoc(id string, u *course.User) userDoc {
	d := userDoc{ID: id, Email: u.Email, Name: u.Name, PasswordHash: u.PasswordHash, Locale: u.Locale, CreatedAt: u.CreatedAt, Roles: []string{}}
	for _, r := range u.Roles {
		d.Roles = append(d.Roles, string(r))
	}
	return d
}

// CreateUser inserts u and sets its ID; a taken e-mail gives course.ErrEmailTaken.
func (s *CourseStore) CreateUser(ctx context.Context, u *course.User) error {
	d := toUserDoc(newID(), u)
	if _, err := s.db.W(colUsers).InsertOne(ctx, d); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return course.ErrEmailTaken
		}
		return fmt.Errorf("mongostore: insert user: %w", err)
	}
	u.ID = d.ID
	return nil
}

func (s *CourseStore) findUser(ctx context.Context, filter bson.M, what string) (*course.User, error) {
	var d userDoc
	if err := s.db.R(colUsers).FindOne(ctx, filter).Decode(&d); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, course.ErrNotFound
		}
		return nil, fmt.Errorf("mongostore: find user %s: %w", what, err)
	}
	return d.user(), nil
}

// UserByID returns one account.
func (s *CourseStore) UserByID(ctx context.Context, id string) (*course.User, error) {
	return s.findUser(ctx, bson.M{"_id": id}, id)
}

// UserByEmail returns the account with that (normalised) e-mail.
func (s *CourseStore) UserByEmail(ctx context.Context, email string) (*course.User, error) {
	return s.findUser(ctx, bson.M{"email": course.NormalizeEmail(email)}, email)
}

func (s *CourseStore) findUsers(ctx context.Context, filter bson.M) ([]*course.User, error) {
	return findList(ctx, s.db, colUsers, filter, sortBy(ascending("name")), (*userDoc).user)
}

// UsersByIDs returns the accounts among ids, sorted by name, in one query.
func (s *CourseStore) UsersByIDs(ctx context.Context, ids []string) ([]*course.User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.findUsers(ctx, bson.M{"_id": bson.M{"$in": ids}})
}

// ListUsers returns every account, sorted by name.
func (s *CourseStore) ListUsers(ctx context.Context) ([]*course.User, error) {
	return s.findUsers(ctx, bson.M{})
}

func (s *CourseStore) updateUser(ctx context.Context, id string, update bson.M) error {
	res, err := s.db.W(colUsers).UpdateOne(ctx, bson.M{"_id": id}, update)
	if err != nil {
		return fmt.Errorf("mongostore: update user %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return course.ErrNotFound
	}
	return nil
}

// AddUserRole gives the account a role it may already hold.
func (s *CourseStore) AddUserRole(ctx context.Context, id string, r course.Role) error {
	return s.updateUser(ctx, id, bson.M{"$addToSet": bson.M{"roles": string(r)}})
}

// SetUserLocale remembers the account's language.
func (s *CourseStore) SetUserLocale(ctx context.Context, id, locale string) error {
	return s.updateUser(ctx, id, bson.M{"$set": bson.M{"locale": locale}})
}

// SetUserPassword replaces the account's password hash.
func (s *CourseStore) SetUserPassword(ctx context.Context, id, hash string) error {
	return s.updateUser(ctx, id, bson.M{"$set": bson.M{"password_hash": hash}})
}

// SetUserEmail changes an account's address; course.ErrEmailTaken when
// another account has it. The unique index on email decides a race (a
// duplicate-key error on MongoDB); the read before it gives the answer on
// FerretDB too, whose update reports the index as an internal error.
func (s *CourseStore) SetUserEmail(ctx context.Context, id, email string) error {
	n, err := s.db.W(colUsers).CountDocuments(ctx, bson.M{"email": email, "_id": bson.M{"$ne": id}})
	if err != nil {
		return fmt.Errorf("mongostore: find address of %s: %w", id, err)
	}
	if n > 0 {
		return course.ErrEmailTaken
	}
	err = s.updateUser(ctx, id, bson.M{"$set": bson.M{"email": email}})
	if err != nil && mongo.IsDuplicateKeyError(err) {
		return course.ErrEmailTaken
	}
	return err
}

type partDoc struct {
	Number        int       `bson:"number"`
	Title         string    `bson:"title"`
	OpensAt       time.Time `bson:"opens_at"`
	SubmissionDue time.Time `bson:"submission_due"`
	ReviewDue     time.Time `bson:"review_due"`
}

type windowDoc struct {
	OpensAt time.Time `bson:"opens_at"`
	Due     time.Time `bson:"due"`
}

type settingsDoc struct {
	ReviewsPerSubmission int  `bson:"reviews_per_submission"`
	CommentMinLength     int  `bson:"comment_min_length"`
	AcceptLate           bool `bson:"accept_late"`
}

type sessionDoc struct {
	ID         string      `bson:"_id"`
	Code       string      `bson:"code"`
	Format     string      `bson:"format"`
	Number     int         `bson:"number"`
	StartsOn   string      `bson:"starts_on"`
	EndsOn     string      `bson:"ends_on"`
	TimeZone   string      `bson:"time_zone"`
	Capacity   int         `bson:"capacity"`
	Enrolled   int         `bson:"enrolled"`
	Parts      []partDoc   `bson:"parts"`
	Evaluation windowDoc   `bson:"evaluation"`
	Animators  []string    `bson:"animators"`
	Settings   settingsDoc `bson:"settings"`
	ClosedAt   *time.Time  `bson:"closed_at,omitempty"`
	CreatedAt  time.Time   `bson:"created_at"`
	CreatedBy  string      `bson:"created_by"`
	// WorkloadHours is absent from documents written before the setting:
	// they read as course.DefaultWorkloadHours (Session.Workload).
	WorkloadHours int `bson:"workload_hours,omitempty"`
}

func toPartDoc(p course.Part) partDoc {
	return partDoc{Number: p.Number, Title: p.Title, OpensAt: p.OpensAt, SubmissionDue: p.SubmissionDue, ReviewDue: p.ReviewDue}
}

func (d *sessionDoc) session() *course.Session {
	s := &course.Session{
		ID: d.ID, Code: d.Code, Format: course.Format(d.Format), Number: d.Number,
		StartsOn: d.StartsOn, EndsOn: d.EndsOn, TimeZone: d.TimeZone,
		Capacity: d.Capacity, Enrolled: d.Enrolled,
		Evaluation: course.Window{OpensAt: d.Evaluation.OpensAt.UTC(), Due: d.Evaluation.Due.UTC()},
		Animators:  append([]string{}, d.Animators...),
		Settings: course.Settings{
			ReviewsPerSubmission: d.Settings.ReviewsPerSubmission,
			CommentMinLength:     d.Settings.CommentMinLength,
			AcceptLate:           d.Settings.AcceptLate,
		},
		ClosedAt: d.ClosedAt, CreatedAt: d.CreatedAt.UTC(), CreatedBy: d.CreatedBy,
		WorkloadHours: d.WorkloadHours,
	}
	s.WorkloadHours = s.Workload()
	for _, p := range d.Parts {
		s.Parts = append(s.Parts, course.Part{Number: p.Number, Title: p.Title, OpensAt: p.OpensAt.UTC(), SubmissionDue: p.SubmissionDue.UTC(), ReviewDue: p.ReviewDue.UTC()})
	}
	return s
}

// NextSessionNumber takes the next number of format f from an atomic counter.
func (s *CourseStore) NextSessionNumber(ctx context.Context, f course.Format) (int, error) {
	n, err := s.db.Increment(ctx, "session:"+string(f))
	return int(n), err
}

// CreateSession inserts sess and sets its ID.
func (s *CourseStore) CreateSession(ctx context.Context, sess *course.Session) error {
	d := sessionDoc{
		ID: newID(), Code: sess.Code, Format: string(sess.Format), Number: sess.Number,
		StartsOn: sess.StartsOn, EndsOn: sess.EndsOn, TimeZone: sess.TimeZone,
		Capacity: sess.Capacity, Enrolled: sess.Enrolled,
		Evaluation: windowDoc{OpensAt: sess.Evaluation.OpensAt, Due: sess.Evaluation.Due},
		Animators:  append([]string{}, sess.Animators...),
		Settings: settingsDoc{
			ReviewsPerSubmission: sess.Settings.ReviewsPerSubmission,
			CommentMinLength:     sess.Settings.CommentMinLength,
			AcceptLate:           sess.Settings.AcceptLate,
		},
		ClosedAt: sess.ClosedAt, CreatedAt: sess.CreatedAt, CreatedBy: sess.CreatedBy,
		WorkloadHours: sess.Workload(),
	}
	for _, p := range sess.Parts {
		d.Parts = append(d.Parts, toPartDoc(p))
	}
	if _, err := s.db.W(colSessions).InsertOne(ctx, d); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("mongostore: session code %s: %w", sess.Code, course.ErrConflict)
		}
		return fmt.Errorf("mongostore: insert session: %w", err)
	}
	sess.ID = d.ID
	return nil
}

// SessionByID returns one session.
func (s *CourseStore) SessionByID(ctx context.Context, id string) (*course.Session, error) {
	var d sessionDoc
	if err := s.db.findOne(ctx, colSessions, bson.M{"_id": id}, &d); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil, course.ErrNotFound
		}
		return nil, fmt.Errorf("mongostore: find session %s: %w", id, err)
	}
	return d.session(), nil
}

// ListSessions returns every session, latest start first.
func (s *CourseStore) ListSessions(ctx context.Context) ([]*course.Session, error) {
	return s.sessions(ctx, "list sessions", bson.M{}, latestFirst())
}

// OpenSessions returns the sessions not closed, latest start first (index
// open).
func (s *CourseStore) OpenSessions(ctx context.Context) ([]*course.Session, error) {
	return s.sessions(ctx, "open sessions", bson.M{"closed_at": nil}, latestFirst())
}

// ClosedSessions returns one page of the closed sessions, latest start first
// (index open: closed_at, then starts_on).
func (s *CourseStore) ClosedSessions(ctx context.Context, offset, limit int) ([]*course.Session, error) {
	return s.sessions(ctx, "closed sessions", bson.M{"closed_at": bson.M{"$ne": nil}},
		latestFirst().SetSkip(int64(offset)).SetLimit(int64(limit)))
}

// latestFirst sorts sessions by start, latest first, then by code.
func latestFirst() *options.FindOptionsBuilder {
	return sortBy(bson.D{{Key: "starts_on", Value: -1}, {Key: "code", Value: 1}})
}

// sessions returns the sessions filter selects, in the order opts gives.
func (s *CourseStore) sessions(ctx context.Context, what string, filter bson.M, opts *options.FindOptionsBuilder) ([]*course.Session, error) {
	out, err := findList(ctx, s.db, colSessions, filter, opts, (*sessionDoc).session)
	if err != nil {
		return nil, fmt.Errorf("mongostore: %s: %w", what, err)
	}
	return out, nil
}

// CountClosedSessions counts the closed sessions.
func (s *CourseStore) CountClosedSessions(ctx context.Context) (int, error) {
	n, err := s.db.R(colSessions).CountDocuments(ctx, bson.M{"closed_at": bson.M{"$ne": nil}})
	if err != nil {
		return 0, fmt.Errorf("mongostore: count closed sessions: %w", err)
	}
	return int(n), nil
}

// SessionsOf returns the sessions userID is enrolled in or animates, latest
// start first: the person's enrolments (index enrolments user), then their
// sessions by _id or by the animators index.
func (s *CourseStore) SessionsOf(ctx context.Context, userID string) ([]*course.Session, error) {
	enrols, err := s.EnrolmentsByUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(enrols))
	for i, e := range enrols {
		ids[i] = e.SessionID
	}
	filter := bson.M{"$or": bson.A{bson.M{"_id": bson.M{"$in": ids}}, bson.M{"animators": userID}}}
	return s.sessions(ctx, "sessions of "+userID, filter, latestFirst())
}

func (s *CourseStore) updateSession(ctx context.Context, filter, update bson.M) (*mongo.UpdateResult, error) {
	res, err := s.db.W(colSessions).UpdateOne(ctx, filter, update)
	if err != nil {
		return nil, fmt.Errorf("mongostore: update session %v: %w", filter["_id"], err)
	}
	return res, nil
}

func (s *CourseStore) updateSessionByID(ctx context.Context, id string, update bson.M) error {
	res, err := s.updateSession(ctx, bson.M{"_id": id}, update)
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		return course.ErrNotFound
	}
	return nil
}

// UpdatePart replaces part p.Number of the session. Parts are stored in order,
// so part n sits at index n-1 (FerretDB has no positional $ operator); the
// filter checks that the element there is indeed part n.
func (s *CourseStore) UpdatePart(ctx context.Context, sessionID string, p course.Part) error {
	if p.Number < 1 || p.Number > course.PartCount {
		return course.ErrNotFound
	}
	path := fmt.Sprintf("parts.%d", p.Number-1)
	res, err := s.updateSession(ctx, bson.M{"_id": sessionID, path + ".number": p.Number},
		bson.M{"$set": bson.M{path: toPartDoc(p)}})
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		return course.ErrNotFound
	}
	return nil
}

// UpdateEvaluationWindow replaces the session's evaluation window.
func (s *CourseStore) UpdateEvaluationWindow(ctx context.Context, sessionID string, w course.Window) error {
	return s.updateSessionByID(ctx, sessionID, bson.M{"$set": bson.M{"evaluation": windowDoc{OpensAt: w.OpensAt, Due: w.Due}}})
}

// SetWorkload changes the session's workload in hours.
func (s *CourseStore) SetWorkload(ctx context.Context, sessionID string, hours int) error {
	return s.updateSessionByID(ctx, sessionID, bson.M{"$set": bson.M{"workload_hours": hours}})
}

// SetCapacity changes the capacity unless it is below the enrolled count.
func (s *CourseStore) SetCapacity(ctx context.Context, sessionID string, capacity int) error {
	filter := bson.M{"_id": sessionID}
	if capacity > 0 {
		filter["enrolled"] = bson.M{"$lte": capacity}
	}
	res, err := s.updateSession(ctx, filter, bson.M{"$set": bson.M{"capacity": capacity}})
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		if _, err := s.SessionByID(ctx, sessionID); err != nil {
			return err
		}
		return course.ErrCapacityTooSmall
	}
	return nil
}

// SetClosed closes the session at at, or reopens it when at is nil.
func (s *CourseStore) SetClosed(ctx context.Context, sessionID string, at *time.Time) error {
	if at == nil {
		return s.updateSessionByID(ctx, sessionID, bson.M{"$unset": bson.M{"closed_at": ""}})
	}
	return s.updateSessionByID(ctx, sessionID, bson.M{"$set": bson.M{"closed_at": at.UTC()}})
}

// AddAnimator adds userID to the session's animators.
func (s *CourseStore) AddAnimator(ctx context.Context, sessionID, userID string) error {
	return s.updateSessionByID(ctx, sessionID, bson.M{"$addToSet": bson.M{"animators": userID}})
}

// enrolmentDoc is an enrolment as stored; Batch is the import (EnrolMany)
// that made it, absent for one enrolled alone.
type enrolmentDoc struct {
	ID         string    `bson:"_id"` // session_id:user_id
	SessionID  string    `bson:"session_id"`
	UserID     string    `bson:"user_id"`
	EnrolledAt time.Time `bson:"enrolled_at"`
	Batch      string    `bson:"batch,omitempty"`
}

// Enrol takes a seat with one conditional update of the session (no $expr:
// the filter carries the capacity read just before), then records the
// enrolment; a duplicate gives the seat back.
func (s *CourseStore) Enrol(ctx context.Context, e course.Enrolment) error {
	sess, err := s.SessionByID(ctx, e.SessionID)
	if err != nil {
		return err
	}
	if ok, err := s.IsEnrolled(ctx, e.SessionID, e.UserID); err != nil {
		return err
	} else if ok {
		return course.ErrAlreadyEnrolled
	}
	filter := bson.M{"_id": sess.ID, "capacity": sess.Capacity}
	if sess.Capacity > 0 {
		filter["enrolled"] = bson.M{"$lt": sess.Capacity}
	}
	res, err := s.updateSession(ctx, filter, bson.M{"$inc": bson.M{"enrolled": 1}})
	if err != nil {
		return err
	}
	if res.MatchedCount == 0 {
		return course.ErrSessionFull
	}
	d := enrolmentDoc{ID: e.SessionID + ":" + e.UserID, SessionID: e.SessionID, UserID: e.UserID, EnrolledAt: e.EnrolledAt}
	if _, err := s.db.W(colEnrolments).InsertOne(ctx, d); err != nil {
		_, rerr := s.updateSession(ctx, bson.M{"_id": sess.ID}, bson.M{"$inc": bson.M{"enrolled": -1}})
		if mongo.IsDuplicateKeyError(err) {
			return errors.Join(course.ErrAlreadyEnrolled, rerr)
		}
		return errors.Join(fmt.Errorf("mongostore: insert enrolment: %w", err), rerr)
	}
	return nil
}

// IsEnrolled reports whether userID is enrolled in the session.
func (s *CourseStore) IsEnrolled(ctx context.Context, sessionID, userID string) (bool, error) {
	var d enrolmentDoc
	err := s.db.findOne(ctx, colEnrolments, bson.M{"_id": sessionID + ":" + userID}, &d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mongostore: find enrolment: %w", err)
	}
	return true, nil
}

func (s *CourseStore) enrolments(ctx context.Context, filter bson.M) ([]course.Enrolment, error) {
	return findList(ctx, s.db, colEnrolments, filter, sortBy(ascending("enrolled_at")), func(d *enrolmentDoc) course.Enrolment {
		return course.Enrolment{SessionID: d.SessionID, UserID: d.UserID, EnrolledAt: d.EnrolledAt.UTC()}
	})
}

// EnrolmentsByUser lists a person's enrolments.
func (s *CourseStore) EnrolmentsByUser(ctx context.Context, userID string) ([]course.Enrolment, error) {
	return s.enrolments(ctx, bson.M{"user_id": userID})
}

// EnrolmentsBySession lists a session's enrolments, first enrolled first.
func (s *CourseStore) EnrolmentsBySession(ctx context.Context, sessionID string) ([]course.Enrolment, error) {
	return s.enrolments(ctx, bson.M{"session_id": sessionID})
}

// RemoveAnimator takes userID off the session's animators.
func (s *CourseStore) RemoveAnimator(ctx context.Context, sessionID, userID string) error {
	return s.updateSessionByID(ctx, sessionID, bson.M{"$pull": bson.M{"animators": userID}})
}

// Unenrol removes the enrolment, then gives its seat back.
func (s *CourseStore) Unenrol(ctx context.Context, sessionID, userID string) error {
	res, err := s.db.W(colEnrolments).DeleteOne(ctx, bson.M{"_id": sessionID + ":" + userID})
	if err != nil {
		return fmt.Errorf("mongostore: unenrol %s from %s: %w", userID, sessionID, err)
	}
	if res.DeletedCount == 0 {
		return course.ErrNotFound
	}
	_, err = s.updateSession(ctx, bson.M{"_id": sessionID, "enrolled": bson.M{"$gt": 0}}, bson.M{"$inc": bson.M{"enrolled": -1}})
	return err
}

// DeleteSession removes a session nobody is enrolled in: the session
// document goes only while its enrolled count is zero (Enrol takes the seat
// there first), then its content in the other collections.
func (s *CourseStore) DeleteSession(ctx context.Context, sessionID string) error {
	if _, err := s.SessionByID(ctx, sessionID); err != nil {
		return err
	}
	subs, err := s.db.R(colSubs).CountDocuments(ctx, bson.M{"session_id": sessionID}, nil)
	if err != nil {
		return fmt.Errorf("mongostore: count submissions of %s: %w", sessionID, err)
	}
	if subs > 0 {
		return course.ErrConflict
	}
	res, err := s.db.W(colSessions).DeleteOne(ctx, bson.M{"_id": sessionID, "enrolled": 0})
	if err != nil {
		return fmt.Errorf("mongostore: delete session %s: %w", sessionID, err)
	}
	if res.DeletedCount == 0 {
		return course.ErrConflict
	}
	var errs []error
	for _, c := range []string{colEvaluations, colCertRules} {
		if _, err := s.db.W(c).DeleteOne(ctx, bson.M{"_id": sessionID}); err != nil {
			errs = append(errs, err)
		}
	}
	for _, c := range []string{colEnrolments, colExercises, colPartStates, colAvailability, colInvitations, colCalendarFeeds, colSessionHooks} {
		if _, err := s.db.W(c).DeleteMany(ctx, bson.M{"session_id": sessionID}); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("mongostore: delete the content of session %s: %w", sessionID, err)
	}
	return nil
}
