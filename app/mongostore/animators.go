package mongostore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"librecours/grading"
)

// animatorIndexes serve the animator pool's and the per-person queries.
var animatorIndexes = []index{
	{colSubs, "session_author", bson.D{{Key: "session_id", Value: 1}, {Key: "author_id", Value: 1}}, false},         // SubmissionsByAuthor
	{colSubs, "animator_by", bson.D{{Key: "animator.by", Value: 1}}, false},                                         // Corrections
	{colReviews, "session_taken_from", bson.D{{Key: "session_id", Value: 1}, {Key: "taken_from", Value: 1}}, false}, // ReviewsInvolving
}

// SubmissionsByAuthor returns one author's submissions in a session, every part.
func (s *GradingStore) SubmissionsByAuthor(ctx context.Context, sessionID, authorID string) ([]*grading.Submission, error) {
	return s.submissions(ctx, bson.M{"session_id": sessionID, "author_id": authorID})
}

// Corrections returns the submissions an animator graded or confirmed.
func (s *GradingStore) Corrections(ctx context.Context) ([]*grading.Submission, error) {
	return s.submissions(ctx, bson.M{"animator.by": bson.M{"$gt": ""}})
}

// ReviewsInvolving returns the reviews a person holds or let lapse.
func (s *GradingStore) ReviewsInvolving(ctx context.Context, sessionID, userID string) ([]grading.Review, error) {
	return s.reviews(ctx, bson.M{"session_id": sessionID, "$or": bson.A{bson.M{"reviewer_id": userID}, bson.M{"taken_from": userID}}})
}
