package course

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Format is the rhythm of a session: the same six parts over 3 or 6 weeks.
type Format string

// The two formats of the course.
const (
	LCIII Format = "LCIII" // 3 weeks, two parts a week
	LCVI  Format = "LCVI"  // 6 weeks, one part a week
)

// ParseFormat returns the format named s (case-insensitive), or false.
func ParseFormat(s string) (Format, bool) {
	switch Format(strings.ToUpper(strings.TrimSpace(s))) {
	case LCIII:
		return LCIII, true
	case LCVI:
		return LCVI, true
	}
	return "", false
}

// Weeks is how many weeks a session of format f lasts.
func (f Format) Weeks() int {
	if f == LCIII {
		return 3
	}
	return 6
}

// PartCount is the number of parts of the course, whatever the format.
const PartCount = 6

// DefaultTimeZone is where sessions are shown unless configured otherwise.
const DefaultTimeZone = "Europe/Paris"

// DateLayout is the layout of civil dates (starts_on, ends_on).
const DateLayout = "2006-01-02"

// DefaultPartTitles are the six parts of "Libre cours Libre Culture", in French,
// the language of the course. Coordinators may rename them per session.
var DefaultPartTitles = [PartCount]string{
	"Les bases du droit d'auteur en France",
	"Les licences libres",
	"Les licences Creative Commons",
	"Réutiliser des œuvres existantes",
	"Publier ses propres œuvres",
	"Contribuer aux communs",
}

// Status is where a session stands in its life.
type Status string

// Session statuses. Upcoming and running sessions accept enrolments.
const (
	StatusUpcoming Status = "upcoming"
	StatusRunning  Status = "running"
	StatusEnded    Status = "ended" // past its last day, not closed yet
	StatusClosed   Status = "closed"
)

// Part is one of the six parts of a session, with its three times (UTC).
type Part struct {
	Number        int
	Title         string
	OpensAt       time.Time
	SubmissionDue time.Time
	ReviewDue     time.Time
}

// Window is a time span, used for the final evaluation.
type Window struct {
	OpensAt time.Time
	Due     time.Time
}

// Settings are the per-session knobs of the peer exercises.
type Settings struct {
	ReviewsPerSubmission int  // k, default 3
	CommentMinLength     int  // default 20 characters
	AcceptLate           bool // a first submission after submission_due, while reviews are open
}

// DefaultSettings returns the settings of a new session.
func DefaultSettings() Settings {
	return Settings{ReviewsPerSubmission: 3, CommentMinLength: 20, AcceptLate: true}
}

// Session is one run of the course.
type Session struct {
	ID         string
	Code       string // LCIII-001
	Format     Format
	Number     int
	StartsOn   string // YYYY-MM-DD, in TimeZone
	EndsOn     string
	TimeZone   string
	Capacity   int // 0: no limit
	Enrolled   int
	Parts      []Part
	Evaluation Window
	Animators  []string // user IDs
	Settings   Settings
	// WorkloadHours is the course's workload in whole hours, stated on the
	// session's certificates (1..MaxWorkloadHours). Zero, in a session from
	// before the setting, means DefaultWorkloadHours: read it with Workload.
	WorkloadHours int
	ClosedAt      *time.Time
	CreatedAt     time.Time
	CreatedBy     string
}

// DefaultWorkloadHours is a session's workload unless a coordinator sets
// another: about 25 hours of work.
const DefaultWorkloadHours = 25

// MaxWorkloadHours bounds a session's workload.
const MaxWorkloadHours = 500

// KeyWorkloadInvalid is the translation key of a workload out of bounds;
// its Args are Min and Max.
const KeyWorkloadInvalid = "course.session.workload_invalid"

// ValidateWorkload checks a workload in hours: a whole number from 1 to
// MaxWorkloadHours.
func ValidateWorkload(hours int) error {
	if hours < 1 || hours > MaxWorkloadHours {
		return &ValidationError{Field: "workload_hours", Key: KeyWorkloadInvalid, Args: map[string]any{"Min": 1, "Max": MaxWorkloadHours}}
	}
	return nil
}

// Workload returns the session's workload in hours: DefaultWorkloadHours
// when it was never set.
func (s *Session) Workload() int {
	if s.WorkloadHours <= 0 {
		return DefaultWorkloadHours
	}
	return s.WorkloadHours
}

// Location returns the session's time zone, falling back to UTC when unknown.
func (s *Session) Location() *time.Location {
	if loc, err := time.LoadLocation(s.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// Part returns part n (1..6), or false.
func (s *Session) Part(n int) (Part, bool) {
	for _, p := range s.Parts {
		if p.Number == n {
			return p, true
		}
	}
	return Part{}, false
}

// HasAnimator reports whether userID animates the session.
func (s *Session) HasAnimator(userID string) bool {
	return slices.Contains(s.Animators, userID)
}

// Status derives the session's status at now.
func (s *Session) Status(now time.Time) Status {
	switch {
	case s.ClosedAt != nil:
		return StatusClosed
	case len(s.Parts) > 0 && now.Before(s.Parts[0].OpensAt):
		return StatusUpcoming
	case now.Before(s.end()):
		return StatusRunning
	default:
		return StatusEnded
	}
}

// end is the instant after the last day of the session.
func (s *Session) end() time.Time {
	d, err := time.ParseInLocation(DateLayout, s.EndsOn, s.Location())
	if err != nil {
		return s.Evaluation.Due
	}
	return d.AddDate(0, 0, 1)
}

// EnrolmentOpen reports whether people may still enrol at now.
func (s *Session) EnrolmentOpen(now time.Time) bool {
	st := s.Status(now)
	return st == StatusUpcoming || st == StatusRunning
}

// Full reports whether the session has reached its capacity.
func (s *Session) Full() bool { return s.Capacity > 0 && s.Enrolled >= s.Capacity }

// Deadline is one dated step of a session, for dashboards.
type Deadline struct {
	Part int    // 0 for the final evaluation
	Kind string // "opens", "submission", "review", "evaluation_opens", "evaluation"
	At   time.Time
}

// NextDeadlines returns the session's steps still ahead at now, soonest first,
// at most max of them (all of them when max <= 0). A closed session has
// none: nothing it still lists can be done.
func (s *Session) NextDeadlines(now time.Time, max int) []Deadline {
	if s.ClosedAt != nil {
		return nil
	}
	var out []Deadline
	add := func(d Deadline) {
		if d.At.After(now) {
			out = append(out, d)
		}
	}
	for _, p := range s.Parts {
		add(Deadline{Part: p.Number, Kind: "opens", At: p.OpensAt})
		add(Deadline{Part: p.Number, Kind: "submission", At: p.SubmissionDue})
		add(Deadline{Part: p.Number, Kind: "review", At: p.ReviewDue})
	}
	add(Deadline{Kind: "evaluation_opens", At: s.Evaluation.OpensAt})
	add(Deadline{Kind: "evaluation", At: s.Evaluation.Due})
	slices.SortStableFunc(out, func(a, b Deadline) int { return a.At.Compare(b.At) })
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}

// SessionCode formats the code of the n-th session of format f.
func SessionCode(f Format, n int) string { return fmt.Sprintf("%s-%03d", f, n) }

// Schedule is the layout of a session computed from its format and start date.
type Schedule struct {
	StartsOn   string
	EndsOn     string
	Parts      []Part
	Evaluation Window
}

// PlanSchedule lays out the six parts of a session of format f starting on the
// civil date startsOn in loc. Times are returned in UTC.
//
// Each week is split into half-weeks of work (LCIII) or spans one part (LCVI):
//   - LCIII, week w (days 7w..7w+6): part 2w+1 opens on day 7w, submissions are
//     due at the end of day 7w+1 and reviews at the end of day 7w+3; part 2w+2
//     opens on day 7w+3, submissions are due at the end of day 7w+4 and reviews
//     at the end of day 7w+6.
//   - LCVI, week w: part w+1 opens on day 7w, submissions are due at the end of
//     day 7w+3 and reviews at the end of day 7w+6.
//   - The final evaluation opens on the first day of the last week and is due
//     at the end of the last day.
//
// "Opens" is 00:00 local time and "the end of a day" is 23:59 local time, so
// deadlines follow the wall clock across daylight-saving changes.
func PlanSchedule(f Format, startsOn time.Time, loc *time.Location) Schedule {
	y, m, d := startsOn.Date()
	day := func(n int) time.Time { return time.Date(y, m, d+n, 0, 0, 0, 0, loc) }
	opens := func(n int) time.Time { return day(n).UTC() }
	due := func(n int) time.Time { return time.Date(y, m, d+n, 23, 59, 0, 0, loc).UTC() }

	weeks := f.Weeks()
	parts := make([]Part, 0, PartCount)
	for i := range PartCount {
		var o, s, r int
		if f == LCIII {
			w, half := i/2, i%2
			o, s, r = 7*w+3*half, 7*w+3*half+1, 7*w+3*half+3
		} else {
			o, s, r = 7*i, 7*i+3, 7*i+6
		}
		parts = append(parts, Part{
			Number:        i + 1,
			Title:         DefaultPartTitles[i],
			OpensAt:       opens(o),
			SubmissionDue: due(s),
			ReviewDue:     due(r),
		})
	}
	last := 7*weeks - 1
	return Schedule{
		StartsOn:   day(0).Format(DateLayout),
		EndsOn:     day(last).Format(DateLayout),
		Parts:      parts,
		Evaluation: Window{OpensAt: opens(7 * (weeks - 1)), Due: due(last)},
	}
}

// NewSession is the input to create a session.
type NewSession struct {
	Format   string
	StartsOn string
	Capacity int
	TimeZone string
	// WorkloadHours is the course's workload; 0 means DefaultWorkloadHours.
	WorkloadHours int
}

// Validate checks the input and returns the parsed format, date and location.
func (n NewSession) Validate() (Format, time.Time, *time.Location, error) {
	f, ok := ParseFormat(n.Format)
	if !ok {
		return "", time.Time{}, nil, Invalid("format", "course.session.format_invalid")
	}
	tz := n.TimeZone
	if tz == "" {
		tz = DefaultTimeZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "Local" {
		return "", time.Time{}, nil, Invalid("time_zone", "course.session.time_zone_invalid")
	}
	start, err := time.ParseInLocation(DateLayout, strings.TrimSpace(n.StartsOn), loc)
	if err != nil || start.Year() < 2000 || start.Year() > 2200 {
		return "", time.Time{}, nil, Invalid("starts_on", "course.session.starts_on_invalid")
	}
	if err := ValidateCapacity(n.Capacity); err != nil {
		return "", time.Time{}, nil, err
	}
	if n.WorkloadHours != 0 {
		if err := ValidateWorkload(n.WorkloadHours); err != nil {
			return "", time.Time{}, nil, err
		}
	}
	return f, start, loc, nil
}

// MaxCapacity bounds a session's capacity; 0 means no limit.
const MaxCapacity = 1_000_000

// ValidateCapacity checks a capacity value.
func ValidateCapacity(c int) error {
	if c < 0 || c > MaxCapacity {
		return Invalid("capacity", "course.session.capacity_invalid")
	}
	return nil
}

// PartPatch is a change to a part; nil fields are left as they are.
type PartPatch struct {
	Title         *string
	OpensAt       *time.Time
	SubmissionDue *time.Time
	ReviewDue     *time.Time
}

// Apply returns p changed by the patch, validated: staff may move any window
// to any time, as long as opens_at < submission_due <= review_due.
func (pp PartPatch) Apply(p Part) (Part, error) {
	if pp.Title != nil {
		t := strings.TrimSpace(*pp.Title)
		if t == "" {
			return p, Invalid("title", "course.part.title_required")
		}
		if utf8.RuneCountInString(t) > 200 {
			return p, Invalid("title", "course.part.title_too_long")
		}
		p.Title = t
	}
	if pp.OpensAt != nil {
		p.OpensAt = pp.OpensAt.UTC()
	}
	if pp.SubmissionDue != nil {
		p.SubmissionDue = pp.SubmissionDue.UTC()
	}
	if pp.ReviewDue != nil {
		p.ReviewDue = pp.ReviewDue.UTC()
	}
	if !p.OpensAt.Before(p.SubmissionDue) {
		return p, Invalid("submission_due", "course.part.submission_before_open")
	}
	if p.ReviewDue.Before(p.SubmissionDue) {
		return p, Invalid("review_due", "course.part.review_before_submission")
	}
	return p, nil
}

// WindowPatch is a change to the evaluation window; nil fields are kept.
type WindowPatch struct {
	OpensAt *time.Time
	Due     *time.Time
}

// Apply returns w changed by the patch, validated: opens_at < due.
func (wp WindowPatch) Apply(w Window) (Window, error) {
	if wp.OpensAt != nil {
		w.OpensAt = wp.OpensAt.UTC()
	}
	if wp.Due != nil {
		w.Due = wp.Due.UTC()
	}
	if !w.OpensAt.Before(w.Due) {
		return w, Invalid("due", "course.evaluation.due_before_open")
	}
	return w, nil
}
