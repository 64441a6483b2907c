package mongostore

import (
	"context"
	"fmt"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"

	"librecours/app/store"
	"librecours/grading"
)

// exportGradingColl decodes every document of coll, sorted, into a D and
// writes the record rec makes of it to collection.
func exportGradingColl[D any](ctx context.Context, db *DB, w store.RecordWriter, collection, coll string, sort bson.D, rec func(*D) (any, error)) error {
	cur, err := db.R(coll).Find(ctx, bson.M{}, sortBy(sort))
	if err != nil {
		return fmt.Errorf("mongostore: export %s: %w", collection, err)
	}
	defer func() { _ = cur.Close(ctx) }()
	for cur.Next(ctx) {
		var d D
		if err := cur.Decode(&d); err != nil {
			return fmt.Errorf("mongostore: export %s: %w", collection, err)
		}
		r, err := rec(&d)
		if err != nil {
			return fmt.Errorf("mongostore: export %s: %w", collection, err)
		}
		if err := w.Write(collection, r); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("mongostore: export %s: %w", collection, err)
	}
	return nil
}

// exportGrading writes exercises, part states, files (whole, one record
// each), submissions, their versions, reviews, evaluations and attempts,
// each in the order the sqlstore uses too, with times in UTC.
func exportGrading(ctx context.Context, db *DB, w store.RecordWriter) error {
	byID := bson.D{{Key: "_id", Value: 1}}
	bySessionPart := bson.D{{Key: "session_id", Value: 1}, {Key: "part", Value: 1}}
	if err := exportGradingColl(ctx, db, w, "exercises", colExercises, bySessionPart, func(d *exerciseDoc) (any, error) {
		return store.ExerciseRecord{SessionID: d.SessionID, Exercise: d.exercise()}, nil
	}); err != nil {
		return err
	}
	if err := exportGradingColl(ctx, db, w, "part_states", colPartStates, bySessionPart, func(d *partStateDoc) (any, error) {
		return d.state(), nil
	}); err != nil {
		return err
	}
	if err := exportGradingColl(ctx, db, w, "files", colFiles, byID, func(d *fileDoc) (any, error) {
		data, err := fileData(ctx, db, *d)
		if err != nil {
			return nil, err
		}
		return store.FileRecord{Attachment: grading.Attachment{FileID: d.ID, Name: d.Name, ContentType: d.ContentType, Size: d.Size},
			SessionID: d.SessionID, OwnerID: d.OwnerID, CreatedAt: d.CreatedAt.UTC(), Data: data}, nil
	}); err != nil {
		return err
	}
	if err := exportGradingColl(ctx, db, w, "submissions", colSubs, byID, func(d *submissionDoc) (any, error) {
		return *d.submission(), nil
	}); err != nil {
		return err
	}
	if err := exportGradingColl(ctx, db, w, "submission_versions", colVersions, bson.D{{Key: "submission_id", Value: 1}, {Key: "n", Value: 1}}, func(d *versionDoc) (any, error) {
		return grading.Version{SubmissionID: d.SubmissionID, N: d.N, Text: d.Text, Attachment: d.Attachment.attachment(), At: d.At.UTC()}, nil
	}); err != nil {
		return err
	}
	if err := exportGradingColl(ctx, db, w, "reviews", colReviews, byID, func(d *reviewDoc) (any, error) {
		return d.review(), nil
	}); err != nil {
		return err
	}
	if err := exportGradingColl(ctx, db, w, "evaluations", colEvaluations, byID, func(d *evaluationDoc) (any, error) {
		return store.EvaluationRecord{SessionID: d.ID, Evaluation: *d.evaluation()}, nil
	}); err != nil {
		return err
	}
	return exportGradingColl(ctx, db, w, "evaluation_attempts", colAttempts, byID, func(d *attemptDoc) (any, error) {
		return d.attempt(), nil
	})
}

// importGrading inserts the grading collections' records as the stores
// write them.
func importGrading(ctx context.Context, db *DB, r store.RecordReader) error {
	insert := func(coll string, doc any) error {
		if _, err := db.W(coll).InsertOne(ctx, doc); err != nil {
			return fmt.Errorf("mongostore: import %s: %w", coll, err)
		}
		return nil
	}
	if err := store.Each(r, "exercises", func(rec store.ExerciseRecord) error {
		return insert(colExercises, toExerciseDoc(rec.SessionID, rec.Exercise))
	}); err != nil {
		return err
	}
	if err := store.Each(r, "part_states", func(st grading.PartState) error {
		return insert(colPartStates, toPartStateDoc(st))
	}); err != nil {
		return err
	}
	if err := store.Each(r, "files", func(rec store.FileRecord) error {
		a := rec.Attachment
		return putFile(ctx, db, fileDoc{ID: a.FileID, Name: a.Name, ContentType: a.ContentType, SessionID: rec.SessionID,
			OwnerID: rec.OwnerID, CreatedAt: rec.CreatedAt.UTC()}, rec.Data)
	}); err != nil {
		return err
	}
	if err := store.Each(r, "submissions", func(sub grading.Submission) error {
		d := submissionDoc{ID: sub.ID, SessionID: sub.SessionID, Part: sub.Part, AuthorID: sub.AuthorID, Text: sub.Text, TextHTML: sub.TextHTML,
			Attachment: toAttachmentDoc(sub.Attachment), Version: sub.Version, SubmittedAt: sub.SubmittedAt, UpdatedAt: sub.UpdatedAt,
			Late: sub.Late, QueuedAt: sub.QueuedAt}
		if g := sub.Grade; g != nil {
			d.Grade = toGradeDoc(*g)
		}
		if a := sub.Animator; a != nil {
			ad := animatorDoc(*a)
			d.Animator = &ad
		}
		return insert(colSubs, d)
	}); err != nil {
		return err
	}
	if err := store.Each(r, "submission_versions", func(v grading.Version) error {
		return insert(colVersions, versionDoc{ID: v.SubmissionID + ":" + strconv.Itoa(v.N), SubmissionID: v.SubmissionID, N: v.N,
			Text: v.Text, Attachment: toAttachmentDoc(v.Attachment), At: v.At})
	}); err != nil {
		return err
	}
	if err := store.Each(r, "reviews", func(rv grading.Review) error {
		return insert(colReviews, toReviewDoc(rv))
	}); err != nil {
		return err
	}
	if err := store.Each(r, "evaluations", func(rec store.EvaluationRecord) error {
		return insert(colEvaluations, toEvaluationDoc(rec.SessionID, rec.Evaluation))
	}); err != nil {
		return err
	}
	return store.Each(r, "evaluation_attempts", func(a grading.Attempt) error {
		return insert(colAttempts, toAttemptDoc(a))
	})
}
