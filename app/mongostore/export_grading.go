package mongostore

import (
	"context"
	"fmt"
	"strconv"

	"librecours/app/store"
	"librecours/grading"
)

// exportGrading writes exercises, part states, files (whole, one record
// each), submissions, their versions, reviews, evaluations and attempts,
// each in the order the sqlstore uses too, with times in UTC.
func exportGrading(ctx context.Context, db *DB, w store.RecordWriter) error {
	byID := ascending("_id")
	bySessionPart := ascending("session_id", "part")
	if err := exportColl(ctx, db, w, colExercises, bySessionPart, func(d *exerciseDoc) any {
		return store.ExerciseRecord{SessionID: d.SessionID, Exercise: d.exercise()}
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colPartStates, bySessionPart, func(d *partStateDoc) any {
		return d.state()
	}); err != nil {
		return err
	}
	if err := eachDoc(ctx, db, colFiles, byID, func(d *fileDoc) error {
		data, err := fileData(ctx, db, *d)
		if err != nil {
			return fmt.Errorf("mongostore: export %s: %w", colFiles, err)
		}
		return w.Write(colFiles, store.FileRecord{Attachment: grading.Attachment{FileID: d.ID, Name: d.Name, ContentType: d.ContentType, Size: d.Size},
			SessionID: d.SessionID, OwnerID: d.OwnerID, CreatedAt: d.CreatedAt.UTC(), Data: data})
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colSubs, byID, func(d *submissionDoc) any {
		return *d.submission()
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colVersions, ascending("submission_id", "n"), func(d *versionDoc) any {
		return grading.Version{SubmissionID: d.SubmissionID, N: d.N, Text: d.Text, Attachment: d.Attachment.attachment(), At: d.At.UTC()}
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colReviews, byID, func(d *reviewDoc) any {
		return d.review()
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colEvaluations, byID, func(d *evaluationDoc) any {
		return store.EvaluationRecord{SessionID: d.ID, Evaluation: *d.evaluation()}
	}); err != nil {
		return err
	}
	return exportColl(ctx, db, w, colAttempts, byID, func(d *attemptDoc) any {
		return d.attempt()
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
