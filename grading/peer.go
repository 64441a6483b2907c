package grading

import (
	"context"
	"time"
)

// Phase is where a part stands in its peer-review cycle. Every transition is
// one atomic, conditional update of the part's state, so two instances or a
// retry never assign or close twice.
type Phase string

// The phases of a part.
const (
	PhaseSubmission Phase = "submission" // participants submit
	PhaseAssigning  Phase = "assigning"  // one worker holds the claim to assign
	PhaseReview     Phase = "review"     // reviews are assigned and open
	PhaseClosing    Phase = "closing"    // one worker holds the claim to grade
	PhaseClosed     Phase = "closed"     // grades are computed
)

// PartState is the peer-review state of one part of a session.
type PartState struct {
	SessionID  string
	Part       int
	Phase      Phase
	ClaimedAt  time.Time // when the current claim (assigning, closing) was taken
	AssignedAt time.Time
	ClosedAt   time.Time
	Mode       AssignMode // how the part was assigned
	EffectiveK int
	// Calibration is the part's calibration sample (CalibrationSample),
	// drawn once when the reviews are assigned: the submission IDs offered
	// to the animators before the part closes, sorted. Empty for a part
	// assigned before samples were drawn.
	Calibration []string
}

// MaxTextBytes bounds a submission's text (200 KB).
const MaxTextBytes = 200_000

// Attachment is the one file a submission may carry.
type Attachment struct {
	FileID      string
	Name        string // generated, never the uploader's file name
	ContentType string
	Size        int64
}

// Grade is the grade of a submission, 0..100.
type Grade struct {
	Score        float64
	Source       string // "peers" or "animator"
	Method       GradeMethod
	ReviewCount  int
	Disagreement float64
	ComputedAt   time.Time
	// SD, PriorShare and Reviews come from the aggregation (AggregateGrade):
	// how sure the grade is and what each review counts in it, so the
	// author can be told why (Explain). None for an animator's grade or a
	// grade computed before they were kept.
	SD         float64
	PriorShare float64
	Reviews    []ReviewShare
}

// Grade sources.
const (
	SourcePeers    = "peers"
	SourceAnimator = "animator"
)

// AnimatorGrade is an animator's decision on a submission: a grade that
// replaces the peers' one, or a confirmation of the peer grade (Confirm).
type AnimatorGrade struct {
	Score   float64
	Comment string
	By      string
	At      time.Time
	Confirm bool
}

// Submission is a participant's work for one part.
type Submission struct {
	ID          string
	SessionID   string
	Part        int
	AuthorID    string
	Text        string // Markdown, as written
	TextHTML    string // Text rendered and sanitised when saved; '' for older rows
	Attachment  *Attachment
	Version     int
	SubmittedAt time.Time // first submission
	UpdatedAt   time.Time // latest version
	Late        bool
	Grade       *Grade
	Animator    *AnimatorGrade
	QueuedAt    *time.Time // first time it needed an animator
}

// Version is one kept version of a submission.
type Version struct {
	SubmissionID string
	N            int
	Text         string
	Attachment   *Attachment
	At           time.Time
}

// ReviewStatus says whether a review was handed in.
type ReviewStatus string

// Review statuses.
const (
	ReviewAssigned ReviewStatus = "assigned"
	ReviewDone     ReviewStatus = "done"
)

// Flag is a participant's appeal against a review they received.
type Flag struct {
	Reason string
	At     time.Time
}

// Review is one peer's assessment of one submission.
type Review struct {
	ID           string
	SessionID    string
	Part         int
	SubmissionID string
	AuthorID     string // never shown to the reviewer
	ReviewerID   string // never shown to the author
	Status       ReviewStatus
	Scores       map[string]int
	Comment      string
	Percent      float64 // rubric total as a percentage
	AssignedAt   time.Time
	UpdatedAt    time.Time // last change by the reviewer (AssignedAt if untouched)
	DoneAt       *time.Time
	Required     bool   // part of the reviewer's k; extra work otherwise
	TakenFrom    string // reviewer whose lease ran out, when taken over
	Flag         *Flag
	Reply        *Reply // the author's answer and rating (dialogue.go); nil before either
}

// Store is what the grading service needs from the database.
// app/mongostore implements it.
type Store interface {
	PutExercise(ctx context.Context, sessionID string, e Exercise) error
	Exercises(ctx context.Context, sessionID string) ([]Exercise, error)        // sorted by part; missing parts absent
	Exercise(ctx context.Context, sessionID string, part int) (Exercise, error) // ErrNotFound when not stored

	PartState(ctx context.Context, sessionID string, part int) (PartState, error) // a fresh part is in PhaseSubmission
	PartStates(ctx context.Context, sessionID string) ([]PartState, error)
	// TransitionPart moves the part to st.Phase if its phase is one of from
	// (a missing state counts as PhaseSubmission), or if it is in a claim
	// phase (assigning, closing) claimed before staleBefore. It reports
	// whether this call made the move.
	TransitionPart(ctx context.Context, st PartState, from []Phase, staleBefore time.Time) (bool, error)

	SaveSubmission(ctx context.Context, s *Submission, v Version) error // inserts or replaces, keeps v
	SubmissionByID(ctx context.Context, id string) (*Submission, error)
	SubmissionByAuthor(ctx context.Context, sessionID string, part int, authorID string) (*Submission, error)
	// SubmissionMetaByAuthor is SubmissionByAuthor without the texts (Text
	// and TextHTML empty): what a new version needs of the previous one.
	SubmissionMetaByAuthor(ctx context.Context, sessionID string, part int, authorID string) (*Submission, error)
	Submissions(ctx context.Context, sessionID string, part int) ([]*Submission, error) // part 0: every part
	// SubmissionsMeta is Submissions without the texts (Text and TextHTML
	// empty): what the staff's view of a session needs, a fraction of the bytes.
	SubmissionsMeta(ctx context.Context, sessionID string, part int) ([]*Submission, error)
	SubmissionsByIDs(ctx context.Context, ids []string) ([]*Submission, error)
	// SubmissionsByAuthor returns one author's submissions in a session,
	// every part, without their texts (as SubmissionsMeta): their state,
	// grades and dates are what a dashboard, a standing or an unenrolment
	// reads, on every request of a participant's dashboard.
	SubmissionsByAuthor(ctx context.Context, sessionID, authorID string) ([]*Submission, error)
	// LateShort returns up to limit late submissions of a part that have
	// fewer than want reviews, first submitted first, without reading the
	// rest of the part.
	LateShort(ctx context.Context, sessionID string, part, want, limit int) ([]*Submission, error)
	// Corrections returns the submissions an animator graded or confirmed,
	// in every session (the animator pool's statistics).
	Corrections(ctx context.Context) ([]*Submission, error)
	Versions(ctx context.Context, submissionID string) ([]Version, error)
	SetGrades(ctx context.Context, grades map[string]Grade) error
	SetAnimatorGrade(ctx context.Context, submissionID string, g AnimatorGrade) error
	MarkQueued(ctx context.Context, submissionIDs []string, at time.Time) error // keeps the first time

	InsertReviews(ctx context.Context, rs []Review) error // duplicates of an existing ID are ignored
	ReviewByID(ctx context.Context, id string) (*Review, error)
	Reviews(ctx context.Context, sessionID string, part int) ([]Review, error) // part 0: every part
	ReviewsByReviewer(ctx context.Context, sessionID, reviewerID string) ([]Review, error)
	// ReviewsInvolving returns the reviews userID holds or let lapse (TakenFrom).
	ReviewsInvolving(ctx context.Context, sessionID, userID string) ([]Review, error)
	ReviewsBySubmission(ctx context.Context, submissionID string) ([]Review, error)
	// SaveReview stores the reviewer's scores and comment if the review is
	// still theirs and the part still open for reviews (checked by the caller).
	SaveReview(ctx context.Context, r Review) error
	// TakeOver hands an untouched review to newReviewer if it still belongs to
	// oldReviewer and was not touched since untouchedAt.
	TakeOver(ctx context.Context, reviewID, oldReviewer, newReviewer string, untouchedAt, now time.Time) (bool, error)
	SetFlag(ctx context.Context, reviewID string, f Flag) error
	// SetReply stores the author's answer to a review: rp.Text (with
	// TextHTML and At) only while the review has no reply text, else
	// ErrAlreadyReplied and nothing changes; rp.Helpfulness (with RatedAt),
	// when above 0, replaces an earlier rating. ErrNotFound for no review.
	SetReply(ctx context.Context, reviewID string, rp Reply) error

	PutFile(ctx context.Context, a *Attachment, data []byte, sessionID, ownerID string) error
	FileBytes(ctx context.Context, ownerID string) (int64, error) // the sizes of every file ownerID uploaded, summed (upload quota)
	File(ctx context.Context, fileID string) (Attachment, []byte, error)
}
