package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"librecours/grading"
)

// Collections of the peer exercises.
const (
	colExercises  = "exercises"
	colPartStates = "part_states"
	colSubs       = "submissions"
	colVersions   = "submission_versions"
	colReviews    = "reviews"
	colFiles      = "files"
	colChunks     = "file_chunks"
)

// peerIndexes serve the queries below on MongoDB (FerretDB scans anyway).
var peerIndexes = []index{
	{colExercises, "session", bson.D{{Key: "session_id", Value: 1}}, false},                                                                                         // Exercises
	{colPartStates, "session", bson.D{{Key: "session_id", Value: 1}}, false},                                                                                        // PartStates
	{colSubs, "session_part_author", bson.D{{Key: "session_id", Value: 1}, {Key: "part", Value: 1}, {Key: "author_id", Value: 1}}, true},                            // SubmissionByAuthor, Submissions
	{colSubs, "session_part_late", bson.D{{Key: "session_id", Value: 1}, {Key: "part", Value: 1}, {Key: "late", Value: 1}, {Key: "submitted_at", Value: 1}}, false}, // LateShort
	{colVersions, "submission_n", bson.D{{Key: "submission_id", Value: 1}, {Key: "n", Value: 1}}, true},                                                             // Versions
	{colReviews, "session_part", bson.D{{Key: "session_id", Value: 1}, {Key: "part", Value: 1}}, false},                                                             // Reviews
	{colReviews, "session_reviewer", bson.D{{Key: "session_id", Value: 1}, {Key: "reviewer_id", Value: 1}}, false},                                                  // ReviewsByReviewer
	{colReviews, "submission", bson.D{{Key: "submission_id", Value: 1}}, false},                                                                                     // ReviewsBySubmission
	{colFiles, "owner", bson.D{{Key: "owner_id", Value: 1}}, false},                                                                                                 // FileBytes
	{colChunks, "file_n", bson.D{{Key: "file_id", Value: 1}, {Key: "n", Value: 1}}, true},                                                                           // File
}

// GradingStore stores exercises, part states, submissions, reviews and files.
type GradingStore struct{ db *DB }

var _ grading.Store = (*GradingStore)(nil)

// NewGradingStore returns the grading store over db.
func NewGradingStore(db *DB) *GradingStore { return &GradingStore{db: db} }

func notFound(err error, what string) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return grading.ErrNotFound
	}
	return fmt.Errorf("mongostore: %s: %w", what, err)
}

func partKey(sessionID string, part int) string { return sessionID + ":" + strconv.Itoa(part) }

type criterionDoc struct {
	ID        string     `bson:"id"`
	Label     string     `bson:"label"`
	MaxPoints int        `bson:"max_points"`
	Levels    []levelDoc `bson:"levels,omitempty"`
}

type levelDoc struct {
	Points int    `bson:"points"`
	Label  string `bson:"label"`
}

func toCriterionDoc(c grading.Criterion) criterionDoc {
	d := criterionDoc{ID: c.ID, Label: c.Label, MaxPoints: c.MaxPoints}
	for _, l := range c.Levels {
		d.Levels = append(d.Levels, levelDoc(l))
	}
	return d
}

func (d criterionDoc) criterion() grading.Criterion {
	c := grading.Criterion{ID: d.ID, Label: d.Label, MaxPoints: d.MaxPoints}
	for _, l := range d.Levels {
		c.Levels = append(c.Levels, grading.Level(l))
	}
	return c
}

type exerciseDoc struct {
	ID           string         `bson:"_id"`
	SessionID    string         `bson:"session_id"`
	Part         int            `bson:"part"`
	Instructions string         `bson:"instructions"`
	Rubric       []criterionDoc `bson:"rubric"`
	HTML         string         `bson:"instructions_html,omitempty"`
}

// PutExercise replaces a part's exercise.
func (s *GradingStore) PutExercise(ctx context.Context, sessionID string, e grading.Exercise) error {
	d := toExerciseDoc(sessionID, e)
	if err := s.db.put(ctx, colExercises, d.ID, d); err != nil {
		return fmt.Errorf("mongostore: put exercise %s: %w", d.ID, err)
	}
	return nil
}

// Exercises returns a session's stored exercises, by part.
func (s *GradingStore) Exercises(ctx context.Context, sessionID string) ([]grading.Exercise, error) {
	return findList(ctx, s.db, colExercises, bson.M{"session_id": sessionID}, sortBy(ascending("part")), (*exerciseDoc).exercise)
}

// Exercise returns one stored exercise; grading.ErrNotFound when the part
// has none.
func (s *GradingStore) Exercise(ctx context.Context, sessionID string, part int) (grading.Exercise, error) {
	var d exerciseDoc
	if err := s.db.findOne(ctx, colExercises, bson.M{"_id": partKey(sessionID, part)}, &d); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return grading.Exercise{}, grading.ErrNotFound
		}
		return grading.Exercise{}, fmt.Errorf("mongostore: exercise %s/%d: %w", sessionID, part, err)
	}
	return d.exercise(), nil
}

func toExerciseDoc(sessionID string, e grading.Exercise) exerciseDoc {
	d := exerciseDoc{ID: partKey(sessionID, e.Part), SessionID: sessionID, Part: e.Part, Instructions: e.Instructions, Rubric: []criterionDoc{}, HTML: e.InstructionsHTML}
	for _, c := range e.Rubric {
		d.Rubric = append(d.Rubric, toCriterionDoc(c))
	}
	return d
}

// exercise returns the stored exercise; an empty rubric comes back nil.
func (d exerciseDoc) exercise() grading.Exercise {
	e := grading.Exercise{Part: d.Part, Instructions: d.Instructions, InstructionsHTML: d.HTML}
	for _, c := range d.Rubric {
		e.Rubric = append(e.Rubric, c.criterion())
	}
	return e
}

type partStateDoc struct {
	ID         string    `bson:"_id"`
	SessionID  string    `bson:"session_id"`
	Part       int       `bson:"part"`
	Phase      string    `bson:"phase"`
	ClaimedAt  time.Time `bson:"claimed_at"`
	AssignedAt time.Time `bson:"assigned_at"`
	ClosedAt   time.Time `bson:"closed_at"`
	Mode       string    `bson:"mode"`
	EffectiveK int       `bson:"effective_k"`
	// Calibration is the part's calibration sample (submission IDs);
	// absent for parts assigned before samples were drawn.
	Calibration []string `bson:"calibration,omitempty"`
}

func (d partStateDoc) state() grading.PartState {
	return grading.PartState{SessionID: d.SessionID, Part: d.Part, Phase: grading.Phase(d.Phase), ClaimedAt: d.ClaimedAt.UTC(),
		AssignedAt: d.AssignedAt.UTC(), ClosedAt: d.ClosedAt.UTC(), Mode: grading.AssignMode(d.Mode), EffectiveK: d.EffectiveK, Calibration: d.Calibration}
}

func toPartStateDoc(st grading.PartState) partStateDoc {
	return partStateDoc{ID: partKey(st.SessionID, st.Part), SessionID: st.SessionID, Part: st.Part, Phase: string(st.Phase), ClaimedAt: st.ClaimedAt,
		AssignedAt: st.AssignedAt, ClosedAt: st.ClosedAt, Mode: string(st.Mode), EffectiveK: st.EffectiveK, Calibration: st.Calibration}
}

// PartState returns a part's state; a part never touched is in PhaseSubmission.
func (s *GradingStore) PartState(ctx context.Context, sessionID string, part int) (grading.PartState, error) {
	var d partStateDoc
	err := s.db.findOne(ctx, colPartStates, bson.M{"_id": partKey(sessionID, part)}, &d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return grading.PartState{SessionID: sessionID, Part: part, Phase: grading.PhaseSubmission}, nil
	}
	if err != nil {
		return grading.PartState{}, fmt.Errorf("mongostore: part state: %w", err)
	}
	return d.state(), nil
}

// PartStates returns the stored states of a session's parts.
func (s *GradingStore) PartStates(ctx context.Context, sessionID string) ([]grading.PartState, error) {
	return findList(ctx, s.db, colPartStates, bson.M{"session_id": sessionID}, sortBy(ascending("part")), (*partStateDoc).state)
}

// TransitionPart moves a part with one conditional update, so exactly one
// caller wins; a missing state is created by an insert, whose duplicate-key
// error tells a losing racer.
func (s *GradingStore) TransitionPart(ctx context.Context, st grading.PartState, from []grading.Phase, staleBefore time.Time) (bool, error) {
	d := toPartStateDoc(st)
	id := d.ID
	phases := bson.A{}
	fromSubmission := false
	for _, p := range from {
		phases = append(phases, string(p))
		fromSubmission = fromSubmission || p == grading.PhaseSubmission
	}
	or := bson.A{bson.M{"phase": bson.M{"$in": phases}}}
	if !staleBefore.IsZero() {
		or = append(or, bson.M{"phase": bson.M{"$in": bson.A{string(grading.PhaseAssigning), string(grading.PhaseClosing)}}, "claimed_at": bson.M{"$lt": staleBefore}})
	}
	set := bson.M{"phase": d.Phase, "claimed_at": d.ClaimedAt, "assigned_at": d.AssignedAt, "closed_at": d.ClosedAt, "mode": d.Mode, "effective_k": d.EffectiveK}
	update := bson.M{"$set": set}
	if len(d.Calibration) > 0 {
		set["calibration"] = d.Calibration
	} else {
		update["$unset"] = bson.M{"calibration": ""}
	}
	res, err := s.db.W(colPartStates).UpdateOne(ctx, bson.M{"_id": id, "$or": or}, update)
	if err != nil {
		return false, fmt.Errorf("mongostore: transition %s: %w", id, err)
	}
	if res.MatchedCount > 0 {
		return true, nil
	}
	if !fromSubmission {
		return false, nil
	}
	if _, err := s.db.W(colPartStates).InsertOne(ctx, d); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		return false, fmt.Errorf("mongostore: create part state %s: %w", id, err)
	}
	return true, nil
}

type attachmentDoc struct {
	FileID      string `bson:"file_id"`
	Name        string `bson:"name"`
	ContentType string `bson:"content_type"`
	Size        int64  `bson:"size"`
}

func toAttachmentDoc(a *grading.Attachment) *attachmentDoc {
	if a == nil {
		return nil
	}
	d := attachmentDoc(*a)
	return &d
}

func (d *attachmentDoc) attachment() *grading.Attachment {
	if d == nil {
		return nil
	}
	a := grading.Attachment(*d)
	return &a
}

type gradeDoc struct {
	Score        float64    `bson:"score"`
	Source       string     `bson:"source"`
	Method       string     `bson:"method"`
	ReviewCount  int        `bson:"review_count"`
	Disagreement float64    `bson:"disagreement"`
	ComputedAt   time.Time  `bson:"computed_at"`
	SD           float64    `bson:"sd,omitempty"`
	PriorShare   float64    `bson:"prior_share,omitempty"`
	Reviews      []shareDoc `bson:"reviews,omitempty"`
}

type shareDoc struct {
	ReviewerID string  `bson:"reviewer_id"`
	Corrected  float64 `bson:"corrected"`
	Weight     float64 `bson:"weight"`
}

func toGradeDoc(g grading.Grade) *gradeDoc {
	d := &gradeDoc{Score: g.Score, Source: g.Source, Method: string(g.Method), ReviewCount: g.ReviewCount,
		Disagreement: g.Disagreement, ComputedAt: g.ComputedAt, SD: g.SD, PriorShare: g.PriorShare}
	for _, r := range g.Reviews {
		d.Reviews = append(d.Reviews, shareDoc(r))
	}
	return d
}

func (g *gradeDoc) grade() *grading.Grade {
	out := &grading.Grade{Score: g.Score, Source: g.Source, Method: grading.GradeMethod(g.Method), ReviewCount: g.ReviewCount,
		Disagreement: g.Disagreement, ComputedAt: g.ComputedAt.UTC(), SD: g.SD, PriorShare: g.PriorShare}
	for _, r := range g.Reviews {
		out.Reviews = append(out.Reviews, grading.ReviewShare(r))
	}
	return out
}

type animatorDoc struct {
	Score   float64   `bson:"score"`
	Comment string    `bson:"comment"`
	By      string    `bson:"by"`
	At      time.Time `bson:"at"`
	Confirm bool      `bson:"confirm"`
}

type submissionDoc struct {
	ID          string         `bson:"_id"`
	SessionID   string         `bson:"session_id"`
	Part        int            `bson:"part"`
	AuthorID    string         `bson:"author_id"`
	Text        string         `bson:"text"`
	Attachment  *attachmentDoc `bson:"attachment,omitempty"`
	Version     int            `bson:"version"`
	SubmittedAt time.Time      `bson:"submitted_at"`
	UpdatedAt   time.Time      `bson:"updated_at"`
	Late        bool           `bson:"late"`
	Grade       *gradeDoc      `bson:"grade,omitempty"`
	Animator    *animatorDoc   `bson:"animator,omitempty"`
	QueuedAt    *time.Time     `bson:"queued_at,omitempty"`
	TextHTML    string         `bson:"text_html,omitempty"`
}

func (d *submissionDoc) submission() *grading.Submission {
	s := &grading.Submission{ID: d.ID, SessionID: d.SessionID, Part: d.Part, AuthorID: d.AuthorID, Text: d.Text, TextHTML: d.TextHTML,
		Attachment: d.Attachment.attachment(), Version: d.Version, SubmittedAt: d.SubmittedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Late: d.Late}
	if g := d.Grade; g != nil {
		s.Grade = g.grade()
	}
	if a := d.Animator; a != nil {
		s.Animator = &grading.AnimatorGrade{Score: a.Score, Comment: a.Comment, By: a.By, At: a.At.UTC(), Confirm: a.Confirm}
	}
	if d.QueuedAt != nil {
		q := d.QueuedAt.UTC()
		s.QueuedAt = &q
	}
	return s
}

type versionDoc struct {
	ID           string         `bson:"_id"`
	SubmissionID string         `bson:"submission_id"`
	N            int            `bson:"n"`
	Text         string         `bson:"text"`
	Attachment   *attachmentDoc `bson:"attachment,omitempty"`
	At           time.Time      `bson:"at"`
}

// SaveSubmission keeps the version first, then writes the submission, so an
// acknowledged save is never lost. Grades and animator decisions are left as
// they are.
func (s *GradingStore) SaveSubmission(ctx context.Context, sub *grading.Submission, v grading.Version) error {
	if sub.ID == "" {
		sub.ID = newID()
	}
	// A version number already taken belongs to a save that failed after
	// keeping its version: this one takes the next number, so no
	// acknowledged text is ever folded into another's.
	for n := v.N; ; n++ {
		vd := versionDoc{ID: sub.ID + ":" + strconv.Itoa(n), SubmissionID: sub.ID, N: n, Text: v.Text, Attachment: toAttachmentDoc(v.Attachment), At: v.At}
		_, err := s.db.W(colVersions).InsertOne(ctx, vd)
		if err == nil {
			sub.Version = n
			break
		}
		if !mongo.IsDuplicateKeyError(err) || n > v.N+100 {
			return fmt.Errorf("mongostore: insert version: %w", err)
		}
		var prev versionDoc
		if err := s.db.R(colVersions).FindOne(ctx, bson.M{"_id": vd.ID}).Decode(&prev); err != nil {
			return fmt.Errorf("mongostore: read version: %w", err)
		}
		if prev.Text == vd.Text && (prev.Attachment == nil) == (vd.Attachment == nil) &&
			(prev.Attachment == nil || *prev.Attachment == *vd.Attachment) {
			sub.Version = n // the same save, retried
			break
		}
	}
	set := bson.M{"session_id": sub.SessionID, "part": sub.Part, "author_id": sub.AuthorID, "text": sub.Text, "text_html": sub.TextHTML,
		"version": sub.Version, "submitted_at": sub.SubmittedAt, "updated_at": sub.UpdatedAt, "late": sub.Late}
	update := bson.M{"$set": set}
	if sub.Attachment != nil {
		set["attachment"] = toAttachmentDoc(sub.Attachment)
	} else {
		update["$unset"] = bson.M{"attachment": ""}
	}
	if _, err := s.db.W(colSubs).UpdateOne(ctx, bson.M{"_id": sub.ID}, update, options.UpdateOne().SetUpsert(true)); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return grading.ErrConflict
		}
		return fmt.Errorf("mongostore: save submission: %w", err)
	}
	return nil
}

func (s *GradingStore) findSubmission(ctx context.Context, filter bson.M, opts ...options.Lister[options.FindOneOptions]) (*grading.Submission, error) {
	var d submissionDoc
	if err := s.db.findOne(ctx, colSubs, filter, &d, opts...); err != nil {
		return nil, notFound(err, "find submission")
	}
	return d.submission(), nil
}

// SubmissionByID returns one submission.
func (s *GradingStore) SubmissionByID(ctx context.Context, id string) (*grading.Submission, error) {
	return s.findSubmission(ctx, bson.M{"_id": id})
}

// SubmissionByAuthor returns an author's submission of a part.
func (s *GradingStore) SubmissionByAuthor(ctx context.Context, sessionID string, part int, authorID string) (*grading.Submission, error) {
	return s.findSubmission(ctx, bson.M{"session_id": sessionID, "part": part, "author_id": authorID})
}

// SubmissionMetaByAuthor is SubmissionByAuthor without the texts (a
// projection).
func (s *GradingStore) SubmissionMetaByAuthor(ctx context.Context, sessionID string, part int, authorID string) (*grading.Submission, error) {
	return s.findSubmission(ctx, bson.M{"session_id": sessionID, "part": part, "author_id": authorID},
		options.FindOne().SetProjection(bson.M{"text": 0, "text_html": 0}))
}

// Submissions returns a part's submissions (every part's when part is 0).
func (s *GradingStore) Submissions(ctx context.Context, sessionID string, part int) ([]*grading.Submission, error) {
	filter := bson.M{"session_id": sessionID}
	if part != 0 {
		filter["part"] = part
	}
	return s.submissions(ctx, filter)
}

// SubmissionsByIDs returns these submissions (those that exist), by part and
// time.
func (s *GradingStore) SubmissionsByIDs(ctx context.Context, ids []string) ([]*grading.Submission, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.submissions(ctx, bson.M{"_id": bson.M{"$in": ids}})
}

// submissions returns the submissions matching filter, by part and time.
// SubmissionsMeta is Submissions without the texts (a projection).
func (s *GradingStore) SubmissionsMeta(ctx context.Context, sessionID string, part int) ([]*grading.Submission, error) {
	filter := bson.M{"session_id": sessionID}
	if part != 0 {
		filter["part"] = part
	}
	return s.submissionsWith(ctx, filter, bson.M{"text": 0, "text_html": 0})
}

func (s *GradingStore) submissions(ctx context.Context, filter bson.M) ([]*grading.Submission, error) {
	return s.submissionsWith(ctx, filter, nil)
}

func (s *GradingStore) submissionsWith(ctx context.Context, filter, projection bson.M) ([]*grading.Submission, error) {
	opts := sortBy(bson.D{{Key: "part", Value: 1}, {Key: "submitted_at", Value: 1}, {Key: "_id", Value: 1}})
	if projection != nil {
		opts.SetProjection(projection)
	}
	return findList(ctx, s.db, colSubs, filter, opts, (*submissionDoc).submission)
}

// LateShort returns up to limit late submissions of a part with fewer than
// want reviews, first submitted first: the part's late submissions (index
// session_part_late), then a count of each one's reviews (index submission)
// until limit are found.
func (s *GradingStore) LateShort(ctx context.Context, sessionID string, part, want, limit int) ([]*grading.Submission, error) {
	cur, err := s.db.R(colSubs).Find(ctx, bson.M{"session_id": sessionID, "part": part, "late": true},
		options.Find().SetSort(bson.D{{Key: "submitted_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("mongostore: late submissions of %s/%d: %w", sessionID, part, err)
	}
	defer func() { _ = cur.Close(ctx) }()
	out := []*grading.Submission{}
	for len(out) < limit && cur.Next(ctx) {
		var d submissionDoc
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("mongostore: late submissions of %s/%d: %w", sessionID, part, err)
		}
		n, err := s.db.R(colReviews).CountDocuments(ctx, bson.M{"submission_id": d.ID})
		if err != nil {
			return nil, fmt.Errorf("mongostore: reviews of %s: %w", d.ID, err)
		}
		if n < int64(want) {
			out = append(out, d.submission())
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("mongostore: late submissions of %s/%d: %w", sessionID, part, err)
	}
	return out, nil
}

// Versions returns every kept version of a submission, oldest first.
func (s *GradingStore) Versions(ctx context.Context, submissionID string) ([]grading.Version, error) {
	return findList(ctx, s.db, colVersions, bson.M{"submission_id": submissionID}, sortBy(ascending("n")), func(d *versionDoc) grading.Version {
		return grading.Version{SubmissionID: d.SubmissionID, N: d.N, Text: d.Text, Attachment: d.Attachment.attachment(), At: d.At.UTC()}
	})
}

// SetGrades stores computed grades.
func (s *GradingStore) SetGrades(ctx context.Context, grades map[string]grading.Grade) error {
	for id, g := range grades {
		d := toGradeDoc(g)
		if _, err := s.db.W(colSubs).UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"grade": d}}); err != nil {
			return fmt.Errorf("mongostore: set grade %s: %w", id, err)
		}
	}
	return nil
}

// SetAnimatorGrade records an animator's decision on a submission.
func (s *GradingStore) SetAnimatorGrade(ctx context.Context, submissionID string, g grading.AnimatorGrade) error {
	res, err := s.db.W(colSubs).UpdateOne(ctx, bson.M{"_id": submissionID}, bson.M{"$set": bson.M{"animator": animatorDoc(g)}})
	if err != nil {
		return fmt.Errorf("mongostore: set animator grade: %w", err)
	}
	if res.MatchedCount == 0 {
		return grading.ErrNotFound
	}
	return nil
}

// MarkQueued records when submissions first needed an animator.
func (s *GradingStore) MarkQueued(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.W(colSubs).UpdateMany(ctx, bson.M{"_id": bson.M{"$in": ids}, "queued_at": nil}, bson.M{"$set": bson.M{"queued_at": at}})
	if err != nil {
		return fmt.Errorf("mongostore: mark queued: %w", err)
	}
	return nil
}

type flagDoc struct {
	Reason string    `bson:"reason"`
	At     time.Time `bson:"at"`
}

type reviewDoc struct {
	ID           string         `bson:"_id"`
	SessionID    string         `bson:"session_id"`
	Part         int            `bson:"part"`
	SubmissionID string         `bson:"submission_id"`
	AuthorID     string         `bson:"author_id"`
	ReviewerID   string         `bson:"reviewer_id"`
	Status       string         `bson:"status"`
	Scores       map[string]int `bson:"scores,omitempty"`
	Comment      string         `bson:"comment"`
	Percent      float64        `bson:"percent"`
	AssignedAt   time.Time      `bson:"assigned_at"`
	UpdatedAt    time.Time      `bson:"updated_at"`
	DoneAt       *time.Time     `bson:"done_at,omitempty"`
	Required     bool           `bson:"required"`
	TakenFrom    string         `bson:"taken_from,omitempty"`
	Flag         *flagDoc       `bson:"flag,omitempty"`
	Reply        *replyDoc      `bson:"reply,omitempty"` // absent: no answer, no rating
}

// replyDoc is grading.Reply; a missing field reads as none.
type replyDoc struct {
	Text        string     `bson:"text,omitempty"`
	HTML        string     `bson:"html,omitempty"`
	At          *time.Time `bson:"at,omitempty"`
	Helpfulness int        `bson:"helpfulness,omitempty"`
	RatedAt     *time.Time `bson:"rated_at,omitempty"`
}

func toReplyDoc(rp *grading.Reply) *replyDoc {
	if rp == nil {
		return nil
	}
	d := &replyDoc{Text: rp.Text, HTML: rp.TextHTML, Helpfulness: rp.Helpfulness}
	if !rp.At.IsZero() {
		t := rp.At
		d.At = &t
	}
	if !rp.RatedAt.IsZero() {
		t := rp.RatedAt
		d.RatedAt = &t
	}
	return d
}

func (d *replyDoc) reply() *grading.Reply {
	if d == nil || (d.Text == "" && d.Helpfulness == 0) {
		return nil
	}
	rp := &grading.Reply{Text: d.Text, TextHTML: d.HTML, Helpfulness: d.Helpfulness}
	if d.At != nil {
		rp.At = d.At.UTC()
	}
	if d.RatedAt != nil {
		rp.RatedAt = d.RatedAt.UTC()
	}
	return rp
}

func toReviewDoc(r grading.Review) reviewDoc {
	d := reviewDoc{ID: r.ID, SessionID: r.SessionID, Part: r.Part, SubmissionID: r.SubmissionID, AuthorID: r.AuthorID,
		ReviewerID: r.ReviewerID, Status: string(r.Status), Scores: r.Scores, Comment: r.Comment, Percent: r.Percent,
		AssignedAt: r.AssignedAt, UpdatedAt: r.UpdatedAt, DoneAt: r.DoneAt, Required: r.Required, TakenFrom: r.TakenFrom}
	if r.Flag != nil {
		d.Flag = &flagDoc{Reason: r.Flag.Reason, At: r.Flag.At}
	}
	d.Reply = toReplyDoc(r.Reply)
	return d
}

func (d reviewDoc) review() grading.Review {
	r := grading.Review{ID: d.ID, SessionID: d.SessionID, Part: d.Part, SubmissionID: d.SubmissionID, AuthorID: d.AuthorID,
		ReviewerID: d.ReviewerID, Status: grading.ReviewStatus(d.Status), Scores: d.Scores, Comment: d.Comment, Percent: d.Percent,
		AssignedAt: d.AssignedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), Required: d.Required, TakenFrom: d.TakenFrom}
	if len(r.Scores) == 0 {
		r.Scores = nil // no scores read back alike, whether stored absent, null or empty
	}
	if d.DoneAt != nil {
		t := d.DoneAt.UTC()
		r.DoneAt = &t
	}
	if d.Flag != nil {
		r.Flag = &grading.Flag{Reason: d.Flag.Reason, At: d.Flag.At.UTC()}
	}
	r.Reply = d.Reply.reply()
	return r
}

// InsertReviews inserts reviews one by one, ignoring IDs already there (a
// retried assignment), which works alike on MongoDB and FerretDB.
func (s *GradingStore) InsertReviews(ctx context.Context, rs []grading.Review) error {
	for _, r := range rs {
		if _, err := s.db.W(colReviews).InsertOne(ctx, toReviewDoc(r)); err != nil && !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("mongostore: insert review: %w", err)
		}
	}
	return nil
}

// ReviewByID returns one review.
func (s *GradingStore) ReviewByID(ctx context.Context, id string) (*grading.Review, error) {
	var d reviewDoc
	if err := s.db.findOne(ctx, colReviews, bson.M{"_id": id}, &d); err != nil {
		return nil, notFound(err, "find review")
	}
	r := d.review()
	return &r, nil
}

func (s *GradingStore) reviews(ctx context.Context, filter bson.M) ([]grading.Review, error) {
	return findList(ctx, s.db, colReviews, filter, sortBy(ascending("part", "assigned_at", "_id")), (*reviewDoc).review)
}

// Reviews returns a part's reviews (every part's when part is 0).
func (s *GradingStore) Reviews(ctx context.Context, sessionID string, part int) ([]grading.Review, error) {
	filter := bson.M{"session_id": sessionID}
	if part != 0 {
		filter["part"] = part
	}
	return s.reviews(ctx, filter)
}

// ReviewsByReviewer returns the reviews a person has in a session.
func (s *GradingStore) ReviewsByReviewer(ctx context.Context, sessionID, reviewerID string) ([]grading.Review, error) {
	return s.reviews(ctx, bson.M{"session_id": sessionID, "reviewer_id": reviewerID})
}

// ReviewsBySubmission returns the reviews of one submission.
func (s *GradingStore) ReviewsBySubmission(ctx context.Context, submissionID string) ([]grading.Review, error) {
	return s.reviews(ctx, bson.M{"submission_id": submissionID})
}

// SaveReview stores the reviewer's work if the review is still theirs.
func (s *GradingStore) SaveReview(ctx context.Context, r grading.Review) error {
	matched, err := s.db.updateOneIf(ctx, colReviews, r.ID, bson.M{"reviewer_id": r.ReviewerID}, bson.M{"$set": bson.M{
		"status": string(r.Status), "scores": r.Scores, "comment": r.Comment, "percent": r.Percent,
		"updated_at": r.UpdatedAt, "done_at": r.DoneAt}})
	if err != nil {
		return fmt.Errorf("mongostore: save review: %w", err)
	}
	if !matched {
		if _, err := s.ReviewByID(ctx, r.ID); err != nil {
			return err
		}
		return grading.ErrForbidden
	}
	return nil
}

// TakeOver hands an untouched review to another reviewer, atomically.
func (s *GradingStore) TakeOver(ctx context.Context, reviewID, oldReviewer, newReviewer string, untouchedAt, now time.Time) (bool, error) {
	ok, err := s.db.updateOneIf(ctx, colReviews, reviewID,
		bson.M{"reviewer_id": oldReviewer, "status": string(grading.ReviewAssigned), "updated_at": bson.M{"$lte": untouchedAt}},
		bson.M{"$set": bson.M{"reviewer_id": newReviewer, "taken_from": oldReviewer, "assigned_at": now, "updated_at": now, "required": false}})
	if err != nil {
		return false, fmt.Errorf("mongostore: take over review: %w", err)
	}
	return ok, nil
}

// SetFlag records an appeal against a review, once.
func (s *GradingStore) SetFlag(ctx context.Context, reviewID string, f grading.Flag) error {
	res, err := s.db.W(colReviews).UpdateOne(ctx, bson.M{"_id": reviewID, "flag": nil}, bson.M{"$set": bson.M{"flag": flagDoc{Reason: f.Reason, At: f.At}}})
	if err != nil {
		return fmt.Errorf("mongostore: flag review: %w", err)
	}
	if res.MatchedCount == 0 {
		if _, err := s.ReviewByID(ctx, reviewID); err != nil {
			return err
		}
		return grading.ErrAlreadyFlagged
	}
	return nil
}

// SetReply stores the author's answer to a review: the text only while
// none is stored (the filter makes it once, whoever answers first), the
// rating whenever one is given.
func (s *GradingStore) SetReply(ctx context.Context, reviewID string, rp grading.Reply) error {
	filter := bson.M{"_id": reviewID}
	set := bson.M{}
	if rp.Text != "" {
		filter["$or"] = bson.A{bson.M{"reply.text": nil}, bson.M{"reply.text": ""}}
		set["reply.text"], set["reply.html"], set["reply.at"] = rp.Text, rp.TextHTML, rp.At
	}
	if rp.Helpfulness > 0 {
		set["reply.helpfulness"], set["reply.rated_at"] = rp.Helpfulness, rp.RatedAt
	}
	if len(set) == 0 {
		_, err := s.ReviewByID(ctx, reviewID)
		return err
	}
	res, err := s.db.W(colReviews).UpdateOne(ctx, filter, bson.M{"$set": set})
	if err != nil {
		return fmt.Errorf("mongostore: reply to review: %w", err)
	}
	if res.MatchedCount == 0 {
		if _, err := s.ReviewByID(ctx, reviewID); err != nil {
			return err
		}
		return grading.ErrAlreadyReplied
	}
	return nil
}

const chunkSize = 255 << 10

type fileDoc struct {
	ID          string    `bson:"_id"`
	Name        string    `bson:"name"`
	ContentType string    `bson:"content_type"`
	Size        int64     `bson:"size"`
	SessionID   string    `bson:"session_id"`
	OwnerID     string    `bson:"owner_id"`
	Chunks      int       `bson:"chunks"`
	CreatedAt   time.Time `bson:"created_at"`
}

type chunkDoc struct {
	ID     string `bson:"_id"`
	FileID string `bson:"file_id"`
	N      int    `bson:"n"`
	Data   []byte `bson:"data"`
}

// PutFile stores a file in chunks (so a replica set holds it too): chunks
// first, the metadata last.
func (s *GradingStore) PutFile(ctx context.Context, a *grading.Attachment, data []byte, sessionID, ownerID string) error {
	if a.FileID == "" {
		a.FileID = newID()
	}
	d := fileDoc{ID: a.FileID, Name: a.Name, ContentType: a.ContentType, SessionID: sessionID, OwnerID: ownerID, CreatedAt: time.Now().UTC()}
	if err := putFile(ctx, s.db, d, data); err != nil {
		return err
	}
	a.Size = int64(len(data))
	return nil
}

// putFile inserts the chunks of data, then d with its size and chunk count.
func putFile(ctx context.Context, db *DB, d fileDoc, data []byte) error {
	n := 0
	for off := 0; off < len(data) || n == 0; off += chunkSize {
		end := min(off+chunkSize, len(data))
		c := chunkDoc{ID: d.ID + ":" + strconv.Itoa(n), FileID: d.ID, N: n, Data: data[off:end]}
		if _, err := db.W(colChunks).InsertOne(ctx, c); err != nil {
			return fmt.Errorf("mongostore: insert file chunk: %w", err)
		}
		n++
		if end == len(data) {
			break
		}
	}
	d.Size, d.Chunks = int64(len(data)), n
	if _, err := db.W(colFiles).InsertOne(ctx, d); err != nil {
		return fmt.Errorf("mongostore: insert file: %w", err)
	}
	return nil
}

// FileBytes sums the sizes of the files ownerID uploaded (index owner).
func (s *GradingStore) FileBytes(ctx context.Context, ownerID string) (int64, error) {
	var docs []struct {
		Size int64 `bson:"size"`
	}
	opts := options.Find().SetProjection(bson.M{"size": 1})
	if err := s.db.findAll(ctx, colFiles, bson.M{"owner_id": ownerID}, opts, &docs); err != nil {
		return 0, fmt.Errorf("mongostore: file bytes of %s: %w", ownerID, err)
	}
	var n int64
	for _, d := range docs {
		n += d.Size
	}
	return n, nil
}

// File returns a file's metadata and bytes.
func (s *GradingStore) File(ctx context.Context, fileID string) (grading.Attachment, []byte, error) {
	var d fileDoc
	if err := s.db.R(colFiles).FindOne(ctx, bson.M{"_id": fileID}).Decode(&d); err != nil {
		return grading.Attachment{}, nil, notFound(err, "find file")
	}
	data, err := fileData(ctx, s.db, d)
	if err != nil {
		return grading.Attachment{}, nil, err
	}
	return grading.Attachment{FileID: d.ID, Name: d.Name, ContentType: d.ContentType, Size: d.Size}, data, nil
}

// fileData reads and checks the chunks of a file.
func fileData(ctx context.Context, db *DB, d fileDoc) ([]byte, error) {
	var chunks []chunkDoc
	if err := db.findAll(ctx, colChunks, bson.M{"file_id": d.ID}, sortBy(bson.D{{Key: "n", Value: 1}}), &chunks); err != nil {
		return nil, err
	}
	data := make([]byte, 0, d.Size)
	for i, c := range chunks {
		if c.N != i {
			return nil, fmt.Errorf("mongostore: file %s: chunk %d missing", d.ID, i)
		}
		data = append(data, c.Data...)
	}
	if int64(len(data)) != d.Size {
		return nil, fmt.Errorf("mongostore: file %s: %d bytes, want %d", d.ID, len(data), d.Size)
	}
	return data, nil
}
