package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
)

// animatorIndexes serve the animator pool's and the per-person queries.
var animatorIndexes = []index{
	{colSubs, "session_author", bson.D{{Key: "session_id", Value: 1}, {Key: "author_id", Value: 1}}, false},         // SubmissionsByAuthor
	{colSubs, "animator_by", bson.D{{Key: "animator.by", Value: 1}}, false},                                         // Corrections
	{colAvailability, "user", bson.D{{Key: "user_id", Value: 1}}, false},                                            // AvailabilitiesOf
	{colReviews, "session_taken_from", bson.D{{Key: "session_id", Value: 1}, {Key: "taken_from", Value: 1}}, false}, // ReviewsInvolving
}

// SubmissionsByAuthor returns one author's submissions in a session, every part.
func (s *GradingStore) SubmissionsByAuthor(ctx context.Context, sessionID, authorID string) ([]*grading.Submission, error) {
	return s.submissionsWith(ctx, bson.M{"session_id": sessionID, "author_id": authorID}, bson.M{"text": 0, "text_html": 0})
}

// Corrections returns the submissions an animator graded or confirmed.
func (s *GradingStore) Corrections(ctx context.Context) ([]*grading.Submission, error) {
	return s.submissions(ctx, bson.M{"animator.by": bson.M{"$gt": ""}})
}

// ReviewsInvolving returns the reviews a person holds or let lapse.
func (s *GradingStore) ReviewsInvolving(ctx context.Context, sessionID, userID string) ([]grading.Review, error) {
	return s.reviews(ctx, bson.M{"session_id": sessionID, "$or": bson.A{bson.M{"reviewer_id": userID}, bson.M{"taken_from": userID}}})
}

const colAvailability = "availability"

var _ certificates.AnimatorStore = (*CertificateStore)(nil)

type availabilityDoc struct {
	ID        string    `bson:"_id"` // user:session
	UserID    string    `bson:"user_id"`
	SessionID string    `bson:"session_id"`
	Available bool      `bson:"available"`
	At        time.Time `bson:"at"`
}

func toAvailabilityDoc(a certificates.Availability) availabilityDoc {
	return availabilityDoc{ID: certUserKey(a.SessionID, a.UserID), UserID: a.UserID, SessionID: a.SessionID, Available: a.Available, At: a.At}
}

func (d *availabilityDoc) availability() certificates.Availability {
	return certificates.Availability{UserID: d.UserID, SessionID: d.SessionID, Available: d.Available, At: d.At.UTC()}
}

// SetAvailability records a person's declaration for a session, replacing
// the previous one.
func (s *CertificateStore) SetAvailability(ctx context.Context, a certificates.Availability) error {
	d := toAvailabilityDoc(a)
	if err := s.db.put(ctx, colAvailability, d.ID, d); err != nil {
		return fmt.Errorf("mongostore: set availability: %w", err)
	}
	return nil
}

// Availabilities returns every declaration, by session then person.
func (s *CertificateStore) Availabilities(ctx context.Context) ([]certificates.Availability, error) {
	return s.availabilities(ctx, bson.M{})
}

// AvailabilitiesOf returns one person's declarations, by session.
func (s *CertificateStore) AvailabilitiesOf(ctx context.Context, userID string) ([]certificates.Availability, error) {
	return s.availabilities(ctx, bson.M{"user_id": userID})
}

func (s *CertificateStore) availabilities(ctx context.Context, filter bson.M) ([]certificates.Availability, error) {
	return findList(ctx, s.db, colAvailability, filter, sortBy(ascending("session_id", "user_id")), (*availabilityDoc).availability)
}

// SetSchedule replaces a session's dates, parts and evaluation window in one
// update.
func (s *CourseStore) SetSchedule(ctx context.Context, sessionID string, plan course.Schedule) error {
	parts := make([]partDoc, len(plan.Parts))
	for i, p := range plan.Parts {
		parts[i] = toPartDoc(p)
	}
	return s.updateSessionByID(ctx, sessionID, bson.M{"$set": bson.M{"starts_on": plan.StartsOn, "ends_on": plan.EndsOn,
		"parts": parts, "evaluation": windowDoc{OpensAt: plan.Evaluation.OpensAt, Due: plan.Evaluation.Due}}})
}
