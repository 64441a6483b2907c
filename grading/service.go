package grading

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"librecours/course"
)

// claimTimeout is how long an assigning or closing claim holds before
// another worker may take it over (a crashed worker's claim).
const claimTimeout = 2 * time.Minute

// Service runs the peer exercises. Pages, the JSON API and the scheduler call
// it; it checks who may do what.
type Service struct {
	Store  Store
	Course course.Store
	Now    func() time.Time
	Audit  course.Auditor // grade decisions and reassignments; nil records nothing
	Events Notifier       // notifications (events.go); nil tells no one
	// Markdown renders a text a person wrote (a submission, instructions)
	// to sanitised HTML when it is saved, or refuses it with a validation
	// error on field when it is beyond the renderer's bounds. app/markdown
	// provides it; nil stores no HTML (pages then render the text).
	Markdown func(field, src string) (string, error)
	// VersionCap is how many versions a submission may have; 0 means
	// MaxVersions (20). The load harness, which saves a version per
	// request, raises it.
	VersionCap int
	// UploadQuota bounds what one person uploads in all, every version of
	// every attachment counted; 0 means DefaultUploadQuota (50 MiB).
	UploadQuota int64
	// IDKey returns the platform's secret (at least MinIDKey bytes) that
	// keys review IDs, so they cannot be computed from the people's IDs;
	// app keeps it in the settings. nil uses a fixed key (tests).
	IDKey func(ctx context.Context) ([]byte, error)
	// ReviewLease is how long a review stays with its reviewer untouched
	// before the scheduler hands it to someone who finished theirs (see
	// LeaseEnd); 0 means the default ReviewLease (48 h), a negative value
	// turns the automatic hand-over off (staff and volunteers still can).
	ReviewLease time.Duration
	// Calibration sizes the sample of each part offered to the animators
	// before it closes (CalibrationSample; zero: 5 %, at least 2).
	Calibration CalibrationOptions

	// QueueSpacing is the least time between two computations of a
	// session's staff view while its reviews keep changing (by default four
	// times the last computation's): in between, the previous view is
	// served, marked stale.
	QueueSpacing time.Duration
	queues       queueCache // the staff's view of sessions, when Store is a Stamper
	lapses       lapseScans // when the scheduler last looked for lapsed reviews
}

// render is Markdown, when set.
func (s *Service) render(field, src string) (string, error) {
	if s.Markdown == nil || src == "" {
		return "", nil
	}
	return s.Markdown(field, src)
}

// withHTML fills e.InstructionsHTML from its instructions.
func (s *Service) withHTML(e Exercise) (Exercise, error) {
	var err error
	e.InstructionsHTML, err = s.render("instructions", e.Instructions)
	return e, err
}

// participantPart loads a session the actor is enrolled in, and its part n:
// course.ErrForbidden to anyone else, ErrNotFound for a part it has not.
func (s *Service) participantPart(ctx context.Context, actor *course.User, sessionID string, n int) (*course.Session, course.Part, error) {
	sess, _, enrolled, err := s.session(ctx, actor, sessionID)
	if err != nil {
		return nil, course.Part{}, err
	}
	if !enrolled {
		return nil, course.Part{}, course.ErrForbidden
	}
	p, err := sessionPart(sess, n)
	if err != nil {
		return nil, course.Part{}, err
	}
	return sess, p, nil
}

// managedSession loads a session and checks that actor runs it (an animator
// of it or a coordinator); denied is the error for anyone else.
func (s *Service) managedSession(ctx context.Context, actor *course.User, sessionID string, denied error) (*course.Session, error) {
	sess, err := s.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if !course.CanManage(actor, sess) {
		return nil, denied
	}
	return sess, nil
}

// session loads a session and whether actor manages it or is enrolled in it.
func (s *Service) session(ctx context.Context, actor *course.User, sessionID string) (*course.Session, bool, bool, error) {
	if actor == nil {
		return nil, false, false, course.ErrUnauthenticated
	}
	sess, err := s.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, false, false, err
	}
	enrolled, err := s.Course.IsEnrolled(ctx, sessionID, actor.ID)
	if err != nil {
		return nil, false, false, err
	}
	return sess, course.CanManage(actor, sess), enrolled, nil
}

func sessionPart(sess *course.Session, n int) (course.Part, error) {
	p, ok := sess.Part(n)
	if !ok {
		return course.Part{}, ErrNotFound
	}
	return p, nil
}

// InitSession stores the default exercises of a new session.
func (s *Service) InitSession(ctx context.Context, sessionID string) error {
	for _, e := range DefaultExercises() {
		e, err := s.withHTML(e)
		if err != nil {
			return err
		}
		if err := s.Store.PutExercise(ctx, sessionID, e); err != nil {
			return err
		}
	}
	return nil
}

// exercise returns the session's exercise of a part, or the default one.
func (s *Service) exercise(ctx context.Context, sessionID string, part int) (Exercise, error) {
	e, err := s.Store.Exercise(ctx, sessionID, part)
	if !errors.Is(err, ErrNotFound) {
		return e, err
	}
	defs := DefaultExercises()
	if part < 1 || part > len(defs) {
		return Exercise{}, ErrNotFound
	}
	return s.withHTML(defs[part-1])
}

// Exercise returns a part's exercise to enrolled participants and staff.
func (s *Service) Exercise(ctx context.Context, actor *course.User, sessionID string, part int) (Exercise, error) {
	sess, manage, enrolled, err := s.session(ctx, actor, sessionID)
	if err != nil {
		return Exercise{}, err
	}
	if !manage && !enrolled {
		return Exercise{}, course.ErrForbidden
	}
	if _, err := sessionPart(sess, part); err != nil {
		return Exercise{}, err
	}
	return s.exercise(ctx, sessionID, part)
}

// PutExercise replaces a part's exercise: coordinators and session animators.
func (s *Service) PutExercise(ctx context.Context, actor *course.User, sessionID string, e Exercise) error {
	sess, manage, _, err := s.session(ctx, actor, sessionID)
	if err != nil {
		return err
	}
	if !manage {
		return course.ErrForbidden
	}
	if _, err := sessionPart(sess, e.Part); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	e, err = s.withHTML(e)
	if err != nil {
		return err
	}
	if err := s.Store.PutExercise(ctx, sessionID, e); err != nil {
		return err
	}
	points := 0
	for _, c := range e.Rubric {
		points += c.MaxPoints
	}
	a := course.AuditEntry{Action: course.AuditExerciseEdit, SessionID: sess.ID, Target: sess.Code, Detail: course.AuditDetail("audit.detail.exercise_edit",
		map[string]string{"Part": strconv.Itoa(e.Part), "Count": strconv.Itoa(len(e.Rubric)), "Points": strconv.Itoa(points)})}
	return course.RecordAudit(ctx, s.Audit, s.Now(), actor, a)
}

// Upload is a file sent with a submission, its type not yet checked.
type Upload struct {
	Data []byte
}

// Submit saves a participant's work for a part. Before submission_due it may be
// edited freely (every version is kept); after it, an existing submission is
// closed, and a first one is accepted as late while reviews are open, unless
// the session turned late work off.
func (s *Service) Submit(ctx context.Context, actor *course.User, sessionID string, part int, text string, up *Upload) (*Submission, error) {
	sub, err := s.submit(ctx, actor, sessionID, part, text, up)
	if errors.Is(err, ErrConflict) {
		// Two first versions of the same work raced (a double click, two
		// tabs) and the other was saved first: this one is its next
		// version, not a refusal.
		sub, err = s.submit(ctx, actor, sessionID, part, text, up)
	}
	return sub, err
}

func (s *Service) submit(ctx context.Context, actor *course.User, sessionID string, part int, text string, up *Upload) (*Submission, error) {
	sess, p, err := s.participantPart(ctx, actor, sessionID, part)
	if err != nil {
		return nil, err
	}
	if len(text) > MaxTextBytes {
		return nil, ErrTooLarge
	}
	if !utf8.ValidString(text) {
		return nil, invalid("text", "grading.submission.text_encoding")
	}
	text = strings.TrimSpace(text)
	now := s.Now().UTC()
	if now.Before(p.OpensAt) {
		return nil, ErrPartNotOpen
	}
	st, err := s.Store.PartState(ctx, sessionID, part)
	if err != nil {
		return nil, err
	}
	prev, err := s.Store.SubmissionMetaByAuthor(ctx, sessionID, part, actor.ID) // its number, dates and file, not its texts
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	onTime := st.Phase == PhaseSubmission && now.Before(p.SubmissionDue)
	late := false
	if !onTime {
		open := st.Phase == PhaseSubmission || st.Phase == PhaseAssigning || st.Phase == PhaseReview
		if prev != nil || !sess.Settings.AcceptLate || !open || !now.Before(p.ReviewDue) {
			return nil, ErrSubmissionsClosed
		}
		late = true
	}
	if limit := s.versionCap(); prev != nil && prev.Version >= limit {
		e := invalid("text", "grading.submission.versions")
		e.Args = map[string]any{"Max": limit}
		return nil, e
	}
	var att *Attachment
	var data []byte
	if up != nil && len(up.Data) > 0 {
		if att, data, err = checkUpload(up.Data); err != nil {
			return nil, err
		}
		used, err := s.Store.FileBytes(ctx, actor.ID)
		if err != nil {
			return nil, err
		}
		if quota := s.uploadQuota(); used+int64(len(data)) > quota {
			e := invalid("file", "grading.submission.quota")
			e.Args = map[string]any{"QuotaMiB": quota >> 20, "UsedMiB": fmt.Sprintf("%.1f", float64(used)/(1<<20))}
			return nil, e
		}
	} else if prev != nil {
		att = prev.Attachment
	}
	if text == "" && att == nil {
		return nil, invalid("text", "grading.submission.text_required")
	}
	html, err := s.render("text", text)
	if err != nil {
		return nil, err
	}
	sub := &Submission{SessionID: sessionID, Part: part, AuthorID: actor.ID, Text: text, TextHTML: html, Attachment: att,
		Version: 1, SubmittedAt: now, UpdatedAt: now, Late: late}
	if prev != nil {
		sub.ID, sub.Version, sub.SubmittedAt, sub.Late = prev.ID, prev.Version+1, prev.SubmittedAt, prev.Late
	}
	if data != nil {
		if err := s.Store.PutFile(ctx, att, data, sessionID, actor.ID); err != nil {
			return nil, err
		}
	}
	if err := s.Store.SaveSubmission(ctx, sub, Version{N: sub.Version, Text: text, Attachment: att, At: now}); err != nil {
		return nil, err
	}
	if late && prev == nil && st.Phase == PhaseReview {
		if err := s.fillLate(ctx, sess, part, st); err != nil {
			return nil, err
		}
		if err := s.owe(ctx, sess, part, st, sub); err != nil {
			return nil, err
		}
	}
	return sub, nil
}

// owe gives a late submitter the reviews of the part everyone owes (the
// on-time submissions with the fewest reviews first), as required reviews: a
// late submission is no way out of reviewing.
func (s *Service) owe(ctx context.Context, sess *course.Session, part int, st PartState, sub *Submission) error {
	subs, err := s.Store.SubmissionsMeta(ctx, sess.ID, part)
	if err != nil {
		return err
	}
	rs, err := s.Store.Reviews(ctx, sess.ID, part)
	if err != nil {
		return err
	}
	count := map[string]int{}
	in := AssignOwedInput{Reviewer: sub.AuthorID}
	for _, r := range rs {
		count[r.SubmissionID]++
		if r.ReviewerID == sub.AuthorID || r.TakenFrom == sub.AuthorID {
			in.Exclude = append(in.Exclude, r.SubmissionID)
		}
	}
	owed := max(st.EffectiveK, min(k(sess), len(subs)-1))
	for _, r := range rs {
		if r.ReviewerID == sub.AuthorID && r.Required {
			owed-- // owed already (a retried submission)
		}
	}
	if owed <= 0 {
		return nil
	}
	for _, o := range subs {
		if !o.Late { // late work gets its reviewers as extra work (fillLate)
			in.Targets = append(in.Targets, AssignTarget{Author: o.AuthorID, Submission: o.ID, Reviews: count[o.ID]})
		}
	}
	if in.History, err = s.history(ctx, sess.ID, part); err != nil {
		return err
	}
	as, err := AssignOwed(in, owed, seeded(sess.ID, part, sub.AuthorID, "owed"))
	if err != nil || len(as) == 0 {
		return err
	}
	key, err := s.idKey(ctx)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	reviews := make([]Review, len(as))
	for i, a := range as {
		reviews[i] = newReview(key, sess.ID, part, a, now, true)
	}
	return s.Store.InsertReviews(ctx, reviews)
}

// File returns an attachment to its author, the session's staff, or a
// reviewer assigned to the submission.
func (s *Service) File(ctx context.Context, actor *course.User, submissionID string) (Attachment, []byte, error) {
	sub, err := s.Store.SubmissionByID(ctx, submissionID)
	if err != nil {
		return Attachment{}, nil, err
	}
	if sub.Attachment == nil {
		return Attachment{}, nil, ErrNotFound
	}
	if err := s.canSee(ctx, actor, sub); err != nil {
		return Attachment{}, nil, err
	}
	return s.Store.File(ctx, sub.Attachment.FileID)
}

// canSee allows a submission's author, its session's staff and its reviewers.
func (s *Service) canSee(ctx context.Context, actor *course.User, sub *Submission) error {
	if actor == nil {
		return course.ErrUnauthenticated
	}
	if sub.AuthorID == actor.ID {
		return nil
	}
	sess, err := s.Course.SessionByID(ctx, sub.SessionID)
	if err != nil {
		return err
	}
	if course.CanManage(actor, sess) {
		return nil
	}
	rs, err := s.Store.ReviewsBySubmission(ctx, sub.ID)
	if err != nil {
		return err
	}
	for _, r := range rs {
		if r.ReviewerID == actor.ID {
			return nil
		}
	}
	return ErrNotFound // not yours to know about
}

// ReceivedReview is a review as its author sees it: anonymous.
type ReceivedReview struct {
	ID      string
	Scores  map[string]int
	Percent float64
	Comment string
	Flag    *Flag
	Reply   *Reply // the author's answer and rating (dialogue.go)
	// Weighed is set when the grade says what this review counts: Weight
	// (0..1, its share of the grade) and Corrected (its score with its
	// reviewer's bias removed, 0..100).
	Weighed   bool
	Weight    float64
	Corrected float64
}

// MySubmission is a participant's own submission of a part, with the grade
// and the reviews received once the part is closed.
type MySubmission struct {
	Submission *Submission
	Reviews    []ReceivedReview
	Closed     bool
	Explain    *Explanation // why the grade is what it is; nil without a grade
}

// MySubmission returns the actor's own submission of a part.
func (s *Service) MySubmission(ctx context.Context, actor *course.User, sessionID string, part int) (*MySubmission, error) {
	if _, _, err := s.participantPart(ctx, actor, sessionID, part); err != nil {
		return nil, err
	}
	st, err := s.Store.PartState(ctx, sessionID, part)
	if err != nil {
		return nil, err
	}
	return s.mySubmission(ctx, actor.ID, sessionID, part, st)
}

// mySubmission is MySubmission once the caller is known to be enrolled and
// the part's state is read.
func (s *Service) mySubmission(ctx context.Context, userID, sessionID string, part int, st PartState) (*MySubmission, error) {
	sub, err := s.Store.SubmissionByAuthor(ctx, sessionID, part, userID)
	if err != nil {
		return nil, err
	}
	out := &MySubmission{Submission: sub, Closed: st.Phase == PhaseClosed}
	if !out.Closed {
		out.Submission = withoutGrade(sub)
		return out, nil
	}
	rs, err := s.Store.ReviewsBySubmission(ctx, sub.ID)
	if err != nil {
		return nil, err
	}
	shares := map[string]ReviewShare{}
	if g := sub.Grade; g != nil {
		e := Explain(g)
		out.Explain = &e
		for _, sh := range g.Reviews {
			shares[sh.ReviewerID] = sh
		}
	}
	for _, r := range rs {
		if r.Status == ReviewDone {
			rr := ReceivedReview{ID: r.ID, Scores: r.Scores, Percent: r.Percent, Comment: r.Comment, Flag: r.Flag, Reply: r.Reply}
			if sh, ok := shares[r.ReviewerID]; ok && sub.Grade.Source == SourcePeers {
				rr.Weighed, rr.Weight, rr.Corrected = true, sh.Weight, sh.Corrected
			}
			out.Reviews = append(out.Reviews, rr)
		}
	}
	return out, nil
}

func withoutGrade(sub *Submission) *Submission {
	c := *sub
	c.Grade, c.Animator = nil, nil
	return &c
}

// AssignReport says what an assignment did.
type AssignReport struct {
	Submissions     int
	ReviewsAssigned int
	Mode            AssignMode
	EffectiveK      int
	Already         bool // the part had been assigned before
}

// AssignPart closes a part's submissions and assigns the peer reviews. Staff
// call it to close the phase early (actor set); the scheduler calls it at
// submission_due (actor nil). The claim on the part's state makes it run once.
func (s *Service) AssignPart(ctx context.Context, actor *course.User, sessionID string, part int) (AssignReport, error) {
	sess, err := s.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return AssignReport{}, err
	}
	if actor != nil && !course.CanManage(actor, sess) {
		return AssignReport{}, course.ErrForbidden
	}
	p, err := sessionPart(sess, part)
	if err != nil {
		return AssignReport{}, err
	}
	now := s.Now().UTC()
	won, err := s.Store.TransitionPart(ctx, PartState{SessionID: sessionID, Part: part, Phase: PhaseAssigning, ClaimedAt: now},
		[]Phase{PhaseSubmission}, now.Add(-claimTimeout))
	if err != nil {
		return AssignReport{}, err
	}
	if !won {
		st, err := s.Store.PartState(ctx, sessionID, part)
		if err != nil {
			return AssignReport{}, err
		}
		if st.Phase == PhaseAssigning {
			return AssignReport{}, ErrConflict // another worker is on it
		}
		rs, err := s.Store.Reviews(ctx, sessionID, part)
		if err != nil {
			return AssignReport{}, err
		}
		subs, err := s.Store.Submissions(ctx, sessionID, part)
		if err != nil {
			return AssignReport{}, err
		}
		return AssignReport{Submissions: len(subs), ReviewsAssigned: len(rs), Mode: st.Mode, EffectiveK: st.EffectiveK, Already: true}, nil
	}
	if actor != nil && p.SubmissionDue.After(now) {
		p.SubmissionDue = now
		if p.ReviewDue.Before(now) {
			p.ReviewDue = now
		}
		if err := s.Course.UpdatePart(ctx, sessionID, p); err != nil {
			return AssignReport{}, err
		}
	}
	subs, err := s.Store.Submissions(ctx, sessionID, part)
	if err != nil {
		return AssignReport{}, err
	}
	history, err := s.history(ctx, sessionID, part)
	if err != nil {
		return AssignReport{}, err
	}
	in := AssignInput{K: k(sess), History: history}
	for _, sub := range subs {
		in.Submitters = append(in.Submitters, AssignSubmitter{Author: sub.AuthorID, Submission: sub.ID})
	}
	res, err := Assign(in, seeded(sessionID, part, "assign"))
	if err != nil {
		return AssignReport{}, err
	}
	key, err := s.idKey(ctx)
	if err != nil {
		return AssignReport{}, err
	}
	reviews := make([]Review, 0, len(res.Assignments))
	for _, a := range res.Assignments {
		reviews = append(reviews, newReview(key, sessionID, part, a, now, true))
	}
	if err := s.Store.InsertReviews(ctx, reviews); err != nil {
		return AssignReport{}, err
	}
	if len(res.Unreviewed) > 0 {
		ids := make([]string, len(res.Unreviewed))
		for i, u := range res.Unreviewed {
			ids[i] = u.Submission
		}
		if err := s.Store.MarkQueued(ctx, ids, now); err != nil {
			return AssignReport{}, err
		}
	}
	s.reviewsAssigned(ctx, sess, p, AssignReport{Submissions: len(subs), ReviewsAssigned: len(reviews), Mode: res.Mode, EffectiveK: res.EffectiveK}, reviews)
	done := PartState{SessionID: sessionID, Part: part, Phase: PhaseReview, ClaimedAt: now, AssignedAt: now, Mode: res.Mode, EffectiveK: res.EffectiveK}
	if done.Calibration, err = s.calibrationSample(sessionID, part, subs); err != nil {
		return AssignReport{}, err
	}
	if _, err := s.Store.TransitionPart(ctx, done, []Phase{PhaseAssigning}, time.Time{}); err != nil {
		return AssignReport{}, err
	}
	if actor != nil { // staff closed the submissions early
		e := course.AuditEntry{Action: course.AuditAssignEarly, SessionID: sessionID, Target: sess.Code, Detail: course.AuditDetail("audit.detail.assign_early",
			map[string]string{"Part": strconv.Itoa(part), "Submissions": strconv.Itoa(len(subs)), "Count": strconv.Itoa(len(reviews))})}
		if err := course.RecordAudit(ctx, s.Audit, now, actor, e); err != nil {
			return AssignReport{}, err
		}
	}
	return AssignReport{Submissions: len(subs), ReviewsAssigned: len(reviews), Mode: res.Mode, EffectiveK: res.EffectiveK}, nil
}

func k(sess *course.Session) int {
	if sess.Settings.ReviewsPerSubmission > 0 {
		return sess.Settings.ReviewsPerSubmission
	}
	return AssignDefaultK
}

// seeded returns a generator seeded from the session, part and purpose, so an
// assignment is reproducible.
func seeded(parts ...any) *rand.Rand {
	sum := sha256.Sum256([]byte(fmt.Sprint(parts...)))
	return rand.New(rand.NewPCG(binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16]))) // #nosec G404 -- reproducible assignment, seeded from the session; no secret depends on it
}

// reviewID is deterministic, so a retried assignment inserts nothing twice,
// and keyed: an HMAC-SHA256 under the platform's secret (Service.IDKey), cut
// to 128 bits, so no one can compute a review's ID from the session, the
// part and the people (the IDs were once a plain hash anyone could try).
func reviewID(key []byte, sessionID string, part int, reviewer, submission string) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "librecours/review|%s|%d|%s|%s", sessionID, part, reviewer, submission)
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func (s *Service) versionCap() int {
	if s.VersionCap > 0 {
		return s.VersionCap
	}
	return MaxVersions
}

// uploadQuota is the effective per-person upload quota.
func (s *Service) uploadQuota() int64 {
	if s.UploadQuota > 0 {
		return s.UploadQuota
	}
	return DefaultUploadQuota
}

// MinIDKey is the shortest secret Service.IDKey may return.
const MinIDKey = 32

// idKey is the secret that keys review IDs; without Service.IDKey (tests, a
// demo), a fixed key: IDs are then as guessable as the people's IDs.
func (s *Service) idKey(ctx context.Context) ([]byte, error) {
	if s.IDKey == nil {
		return []byte("librecours/review-id: no secret configured"), nil
	}
	k, err := s.IDKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("grading: review ID key: %w", err)
	}
	if len(k) < MinIDKey {
		return nil, errors.New("grading: review ID key too short")
	}
	return k, nil
}

func newReview(key []byte, sessionID string, part int, a Assignment, now time.Time, required bool) Review {
	return Review{ID: reviewID(key, sessionID, part, a.Reviewer, a.Submission), SessionID: sessionID, Part: part,
		SubmissionID: a.Submission, AuthorID: a.Author, ReviewerID: a.Reviewer, Status: ReviewAssigned,
		AssignedAt: now, UpdatedAt: now, Required: required}
}

// history counts the pairs of the session's earlier parts.
func (s *Service) history(ctx context.Context, sessionID string, part int) (PairHistory, error) {
	all, err := s.Store.Reviews(ctx, sessionID, 0)
	if err != nil {
		return nil, err
	}
	h := PairHistory{}
	for _, r := range all {
		if r.Part != part {
			h.Add(r.ReviewerID, r.AuthorID)
		}
	}
	return h, nil
}

// ReviewTask is a review to do, as its reviewer sees it: never the author.
type ReviewTask struct {
	Review           Review
	Text             string
	TextHTML         string
	HasAttachment    bool
	Rubric           []Criterion
	Instructions     string
	InstructionsHTML string
	Open             bool // reviews still accepted
}

// MyReviews lists the reviews assigned to actor in a session (one part, or
// every part when part is 0).
func (s *Service) MyReviews(ctx context.Context, actor *course.User, sessionID string, part int) ([]ReviewTask, error) {
	sess, _, enrolled, err := s.session(ctx, actor, sessionID)
	if err != nil {
		return nil, err
	}
	if !enrolled {
		return nil, course.ErrForbidden
	}
	if part != 0 {
		if _, err := sessionPart(sess, part); err != nil {
			return nil, err
		}
	}
	exs, err := s.exercisesOf(ctx, sessionID, part)
	if err != nil {
		return nil, err
	}
	states, err := s.states(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	return s.myReviews(ctx, actor.ID, sess, part, exs, states)
}

// myReviews is MyReviews once the caller is known to be enrolled and the
// session's exercises and part states are read.
func (s *Service) myReviews(ctx context.Context, userID string, sess *course.Session, part int, exs map[int]Exercise, states map[int]PartState) ([]ReviewTask, error) {
	rs, err := s.Store.ReviewsByReviewer(ctx, sess.ID, userID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		if part == 0 || r.Part == part {
			ids = append(ids, r.SubmissionID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	subs, err := s.Store.SubmissionsByIDs(ctx, ids) // only those reviewed: a MOOC part has thousands
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*Submission, len(subs))
	for _, sub := range subs {
		byID[sub.ID] = sub
	}
	now := s.Now()
	var out []ReviewTask
	for _, r := range rs {
		sub := byID[r.SubmissionID]
		if (part != 0 && r.Part != part) || sub == nil {
			continue
		}
		p, _ := sess.Part(r.Part)
		out = append(out, ReviewTask{Review: r, Text: sub.Text, TextHTML: sub.TextHTML, HasAttachment: sub.Attachment != nil,
			Rubric: exs[r.Part].Rubric, Instructions: exs[r.Part].Instructions, InstructionsHTML: exs[r.Part].InstructionsHTML,
			Open: states[r.Part].Phase == PhaseReview && now.Before(p.ReviewDue)})
	}
	slices.SortStableFunc(out, func(a, b ReviewTask) int {
		return cmp.Or(cmp.Compare(a.Review.Part, b.Review.Part), cmp.Compare(a.Review.AssignedAt.UnixNano(), b.Review.AssignedAt.UnixNano()), cmp.Compare(a.Review.ID, b.Review.ID))
	})
	return out, nil
}

// exercisesOf returns the exercise of part, or of every part when part is 0,
// by part number.
func (s *Service) exercisesOf(ctx context.Context, sessionID string, part int) (map[int]Exercise, error) {
	if part == 0 {
		return s.exercises(ctx, sessionID)
	}
	e, err := s.exercise(ctx, sessionID, part)
	if err != nil {
		return nil, err
	}
	return map[int]Exercise{part: e}, nil
}

func (s *Service) exercises(ctx context.Context, sessionID string) (map[int]Exercise, error) {
	stored, err := s.Store.Exercises(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	out := make(map[int]Exercise, course.PartCount)
	for _, e := range stored {
		out[e.Part] = e
	}
	for i, e := range DefaultExercises() {
		if _, ok := out[i+1]; !ok {
			if out[i+1], err = s.withHTML(e); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (s *Service) states(ctx context.Context, sessionID string) (map[int]PartState, error) {
	list, err := s.Store.PartStates(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	out := map[int]PartState{}
	for n := 1; n <= course.PartCount; n++ {
		out[n] = PartState{SessionID: sessionID, Part: n, Phase: PhaseSubmission}
	}
	for _, st := range list {
		out[st.Part] = st
	}
	return out, nil
}

// SaveReview records a reviewer's scores and comment. Every criterion must be
// scored within its range and the comment long enough; reviews may be edited
// until review_due.
func (s *Service) SaveReview(ctx context.Context, actor *course.User, reviewID string, scores map[string]int, comment string) (*Review, error) {
	r, sess, st, now, err := s.openReview(ctx, actor, reviewID)
	if err != nil {
		return nil, err
	}
	ex, err := s.exercise(ctx, r.SessionID, r.Part)
	if err != nil {
		return nil, err
	}
	pct, err := ScoreReview(ex.Rubric, scores)
	if err != nil {
		return nil, err
	}
	comment = strings.TrimSpace(comment)
	if min := sess.Settings.CommentMinLength; course.VisibleRunes(comment) < min {
		return nil, &ValidationError{Field: "comment", Key: "grading.review.comment_too_short", Args: map[string]any{"Min": min}}
	}
	if len(comment) > 20_000 {
		return nil, invalid("comment", "grading.review.comment_too_long")
	}
	wasDone := r.Status == ReviewDone
	r.Scores, r.Comment, r.Percent, r.Status, r.UpdatedAt = scores, comment, pct, ReviewDone, now
	if r.DoneAt == nil {
		r.DoneAt = &now
	}
	if err := s.Store.SaveReview(ctx, *r); err != nil {
		return nil, err
	}
	s.queues.patch(r.SessionID, *r) // the staff's view takes it in at once
	if wasDone {
		return r, nil // an edit: who has finished did not change
	}
	// Someone who just finished their reviews of the part is offered late work.
	mine, err := s.Store.ReviewsByReviewer(ctx, r.SessionID, actor.ID)
	if err != nil {
		return nil, err
	}
	if finished(slices.DeleteFunc(mine, func(o Review) bool { return o.Part != r.Part }))[actor.ID] {
		if err := s.offerLate(ctx, sess, r.Part, st, actor.ID); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// openReview reads a review its reviewer may save now: theirs, and its part
// open for reviews.
func (s *Service) openReview(ctx context.Context, actor *course.User, reviewID string) (*Review, *course.Session, PartState, time.Time, error) {
	var st PartState
	if actor == nil {
		return nil, nil, st, time.Time{}, course.ErrUnauthenticated
	}
	r, err := s.Store.ReviewByID(ctx, reviewID)
	if err != nil {
		return nil, nil, st, time.Time{}, err
	}
	if r.ReviewerID != actor.ID {
		return nil, nil, st, time.Time{}, course.ErrForbidden
	}
	sess, err := s.Course.SessionByID(ctx, r.SessionID)
	if err != nil {
		return nil, nil, st, time.Time{}, err
	}
	p, err := sessionPart(sess, r.Part)
	if err != nil {
		return nil, nil, st, time.Time{}, err
	}
	if st, err = s.Store.PartState(ctx, r.SessionID, r.Part); err != nil {
		return nil, nil, st, time.Time{}, err
	}
	now := s.Now().UTC()
	switch {
	case st.Phase == PhaseSubmission || st.Phase == PhaseAssigning:
		return nil, nil, st, now, ErrReviewsNotOpen
	case st.Phase != PhaseReview || !now.Before(p.ReviewDue):
		return nil, nil, st, now, ErrReviewsClosed
	}
	return r, sess, st, now, nil
}

// SaveDraft keeps a review's scores and comment as they are, incomplete or
// not, without handing it in: the review stays to do (it counts nowhere)
// and its form shows them again. Each score given must still be within its
// criterion (and one of its levels); a review already handed in is changed
// by SaveReview only.
func (s *Service) SaveDraft(ctx context.Context, actor *course.User, reviewID string, scores map[string]int, comment string) (*Review, error) {
	r, _, _, now, err := s.openReview(ctx, actor, reviewID)
	if err != nil {
		return nil, err
	}
	if r.Status == ReviewDone {
		return nil, invalid("draft", "grading.review.draft_done")
	}
	ex, err := s.exercise(ctx, r.SessionID, r.Part)
	if err != nil {
		return nil, err
	}
	for _, c := range ex.Rubric {
		if points, ok := scores[c.ID]; ok {
			if _, err := ScoreReview([]Criterion{c}, map[string]int{c.ID: points}); err != nil {
				return nil, err
			}
		}
	}
	for id := range scores {
		if !slices.ContainsFunc(ex.Rubric, func(c Criterion) bool { return c.ID == id }) {
			e := invalid(id, "grading.review.unknown_criterion")
			e.Args = map[string]any{"Criterion": id}
			return nil, e
		}
	}
	comment = strings.TrimSpace(comment)
	if len(comment) > 20_000 {
		return nil, invalid("comment", "grading.review.comment_too_long")
	}
	r.Scores, r.Comment, r.Percent, r.UpdatedAt = scores, comment, 0, now
	if err := s.Store.SaveReview(ctx, *r); err != nil {
		return nil, err
	}
	return r, nil
}

// lateOffer is how many late submissions short of reviews a reviewer who
// just finished the part is given at most: finishing those offers more.
const lateOffer = 1

// offerLate gives reviewer, who just finished their reviews of the part, a
// late submission still short of reviews, if there is one they may review:
// an indexed query of the part's late work, never a read of the whole part.
func (s *Service) offerLate(ctx context.Context, sess *course.Session, part int, st PartState, reviewer string) error {
	if st.Phase != PhaseReview {
		return nil
	}
	want := st.EffectiveK
	if want < 1 {
		want = k(sess)
	}
	short, err := s.Store.LateShort(ctx, sess.ID, part, want, lateOffer+4)
	if err != nil {
		return err
	}
	key, err := s.idKey(ctx)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	var extra []Review
	for _, sub := range short {
		if len(extra) == lateOffer {
			break
		}
		if sub.AuthorID == reviewer {
			continue
		}
		rs, err := s.Store.ReviewsBySubmission(ctx, sub.ID)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(rs, func(r Review) bool { return r.ReviewerID == reviewer || r.TakenFrom == reviewer }) {
			continue
		}
		extra = append(extra, newReview(key, sess.ID, part, Assignment{Reviewer: reviewer, Author: sub.AuthorID, Submission: sub.ID}, now, false))
	}
	if len(extra) == 0 {
		return nil
	}
	return s.Store.InsertReviews(ctx, extra)
}

// finished reports, per reviewer, whether all their reviews of the part are done.
func finished(rs []Review) map[string]bool {
	out := map[string]bool{}
	for _, r := range rs {
		if _, ok := out[r.ReviewerID]; !ok {
			out[r.ReviewerID] = true
		}
		if r.Status != ReviewDone {
			out[r.ReviewerID] = false
		}
	}
	return out
}

// fillLate offers late submissions that lack reviewers to the participants
// who finished their own reviews of the part, as extra work.
func (s *Service) fillLate(ctx context.Context, sess *course.Session, part int, st PartState) error {
	if st.Phase != PhaseReview {
		return nil
	}
	subs, err := s.Store.Submissions(ctx, sess.ID, part)
	if err != nil {
		return err
	}
	rs, err := s.Store.Reviews(ctx, sess.ID, part)
	if err != nil {
		return err
	}
	key, err := s.idKey(ctx)
	if err != nil {
		return err
	}
	want := max(st.EffectiveK, min(k(sess), len(subs)-1))
	count := map[string]int{}
	for _, r := range rs {
		count[r.SubmissionID]++
	}
	var short []*Submission
	for _, sub := range subs {
		if sub.Late && count[sub.ID] < want {
			short = append(short, sub)
		}
	}
	if len(short) == 0 {
		return nil
	}
	history, err := s.history(ctx, sess.ID, part)
	if err != nil {
		return err
	}
	done := finished(rs)
	loads := map[string]int{}
	for _, r := range rs {
		loads[r.ReviewerID]++
	}
	now := s.Now().UTC()
	var extra []Review
	for _, sub := range short {
		in := AssignExtraInput{Author: sub.AuthorID, Submission: sub.ID, History: history}
		for _, r := range rs {
			if r.SubmissionID == sub.ID {
				in.Exclude = append(in.Exclude, r.ReviewerID)
			}
		}
		for reviewer, ok := range done {
			if ok {
				in.Candidates = append(in.Candidates, AssignCandidate{Reviewer: reviewer, Load: loads[reviewer]})
			}
		}
		slices.SortFunc(in.Candidates, func(a, b AssignCandidate) int { return strings.Compare(a.Reviewer, b.Reviewer) })
		as, err := AssignLate(in, want-count[sub.ID], seeded(sess.ID, part, sub.ID, "late", len(rs)))
		if err != nil {
			return err
		}
		for _, a := range as {
			extra = append(extra, newReview(key, sess.ID, part, a, now, false))
			loads[a.Reviewer]++
			done[a.Reviewer] = false
		}
	}
	if len(extra) == 0 {
		return nil
	}
	return s.Store.InsertReviews(ctx, extra)
}
