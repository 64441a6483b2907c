package certificates

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"librecours/course"
	"librecours/grading"
)

// Certificate is an issued certificate.
type Certificate struct {
	Code         string
	SessionID    string
	SessionCode  string
	SessionStart string
	SessionEnd   string
	UserID       string
	HolderName   string // as issued, kept if the account goes
	Level        Level
	Lang         string
	Salt         string
	Badge        string // the signed VC-JWT
	Rules        Rules  // applied at issue
	IssuedAt     time.Time
	RevokedAt    *time.Time
	RevokeReason string
	// RevokePublic: the coordinator who revoked it let the reason be shown
	// to whoever verifies the certificate (PublicReason).
	RevokePublic bool
	// StatusIndex is the certificate's bit in the issuer's revocation list
	// (its badge's credentialStatus); zero for badges issued before status
	// lists, which have no entry.
	StatusIndex int
	// WorkloadHours is the course's workload the certificate was issued
	// with (the session's at issue): a later change to the session does not
	// alter it. Zero, for certificates from before the setting, means
	// DefaultWorkloadHours, which those certificates stated.
	WorkloadHours int
}

// Workload returns the workload in hours the certificate states.
func (c *Certificate) Workload() int {
	if c.WorkloadHours <= 0 {
		return DefaultWorkloadHours
	}
	return c.WorkloadHours
}

// PublicReason is the revocation reason verification may show: only when
// the coordinator said so.
func (c *Certificate) PublicReason() string {
	if c.RevokedAt == nil || !c.RevokePublic {
		return ""
	}
	return c.RevokeReason
}

// Valid reports whether the certificate is not revoked.
func (c *Certificate) Valid() bool { return c.RevokedAt == nil }

// Override is a coordinator's decision on one person's level.
type Override struct {
	UserID string
	Level  Level
	Reason string
	By     string
	At     time.Time
}

// Commitment is a level II holder's promise to animate a later session.
type Commitment struct {
	ID              string
	UserID          string
	FromSessionID   string
	FromSessionCode string
	FromStart       string
	Certificate     string
	Status          string // pending, fulfilled, released
	CreatedAt       time.Time
	FulfilledBy     string // session code
	Reason          string // release reason
}

// Commitment statuses.
const (
	CommitmentPending   = "pending"
	CommitmentFulfilled = "fulfilled"
	CommitmentReleased  = "released"
)

// AuditEntry records a sensitive action: who, when, what, why.
type AuditEntry = course.AuditEntry

// StoredKey is a signing key as stored.
type StoredKey struct {
	PEM       []byte
	CreatedAt time.Time
}

// Store is what the certificates service needs from the database.
type Store interface {
	Rules(ctx context.Context, sessionID string) (Rules, error) // ErrNotFound: defaults
	PutRules(ctx context.Context, sessionID string, r Rules) error
	Declined(ctx context.Context, sessionID string) (map[string]bool, error)
	SetDeclined(ctx context.Context, sessionID, userID string, declined bool) error
	Overrides(ctx context.Context, sessionID string) (map[string]Override, error)
	PutOverride(ctx context.Context, sessionID string, o Override) error
	DeleteOverride(ctx context.Context, sessionID, userID string) error

	// InsertCertificate returns ErrStatusIndexTaken when another
	// certificate holds c.StatusIndex (not zero).
	InsertCertificate(ctx context.Context, c Certificate) error
	Certificate(ctx context.Context, code string) (*Certificate, error)
	CertificatesBySession(ctx context.Context, sessionID string) ([]Certificate, error)
	CertificatesByUser(ctx context.Context, userID string) ([]Certificate, error)
	// Revoke records the revocation, its reason and whether the reason is
	// public; ErrRevoked if already.
	Revoke(ctx context.Context, code, reason string, public bool, at time.Time) error
	// RevokedStatusIndices returns the status indexes (never zero) of the
	// revoked certificates, in any order.
	RevokedStatusIndices(ctx context.Context) ([]int, error)

	Commitments(ctx context.Context) ([]Commitment, error)
	CommitmentsOf(ctx context.Context, userID string) ([]Commitment, error) // oldest first
	PutCommitment(ctx context.Context, c Commitment) error                  // inserts or replaces by ID

	SigningKeys(ctx context.Context) ([]StoredKey, error)
	AddSigningKey(ctx context.Context, k StoredKey) error

	Audit(ctx context.Context, e AuditEntry) error
	AuditSearch(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

// Texts localizes the texts a certificate carries (level names, criteria).
type Texts interface {
	T(lang, id string, args map[string]any) string
	// Languages lists the platform's languages, the default first.
	Languages() []string
}

// Notifier hears what a close did: who got a certificate, and the report.
type Notifier interface {
	SessionClosed(ctx context.Context, sess *course.Session, res *CloseResult)
}

// Service issues, verifies and revokes certificates.
type Service struct {
	Store        Store
	Animators    AnimatorStore
	Course       course.Store
	Grading      grading.Store
	Quiz         *grading.Quiz
	Now          func() time.Time
	BaseURL      string
	Organisation string
	Texts        Texts
	// Events, when set, hears of every close (the notification rules,
	// app/jobs): it is told after the certificates are stored.
	Events Notifier

	// statusMu guards status, the last signed status list and the revoked
	// indexes it was made from: it is answered again only while the
	// database still holds the same revocations.
	statusMu sync.Mutex
	status   signedStatusList
}

// signedStatusList is a signed status list and what it was made from.
type signedStatusList struct {
	revoked []int // sorted
	kid     string
	token   string
	etag    string
}

// Result is one participant's standing in a session.
type Result struct {
	User            *course.User
	Input           ParticipantResult
	Outcome         Outcome
	Computed        Level // by the rules, before any override
	Override        *Override
	ReviewsDone     int
	ReviewsAssigned int
	// Deleted: the participant deleted their account. Their anonymised work
	// still counts in the session's figures, under the tombstone ID in
	// User.ID (User has no name or e-mail), but no certificate is issued or
	// revoked for them.
	Deleted bool
}

// Level returns the level after any override.
func (r Result) Level() Level { return r.Outcome.Level }

func (s *Service) manage(ctx context.Context, actor *course.User, sessionID string, coordinatorOnly bool) (*course.Session, error) {
	if actor == nil {
		return nil, course.ErrUnauthenticated
	}
	sess, err := s.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if coordinatorOnly && !actor.IsCoordinator() || !course.CanManage(actor, sess) {
		return nil, course.ErrForbidden
	}
	return sess, nil
}

// rules returns the session's rules or the defaults.
func (s *Service) rules(ctx context.Context, sessionID string) (Rules, error) {
	r, err := s.Store.Rules(ctx, sessionID)
	if errors.Is(err, ErrNotFound) {
		return DefaultRules(), nil
	}
	return r, err
}

// SessionRules returns a session's rules to its staff.
func (s *Service) SessionRules(ctx context.Context, actor *course.User, sessionID string) (Rules, error) {
	if _, err := s.manage(ctx, actor, sessionID, false); err != nil {
		return Rules{}, err
	}
	return s.rules(ctx, sessionID)
}

// Criteria returns the rules a session's participants are graded by (its
// own, or the defaults) to anyone signed in: they are the published
// criteria of the certificates, shown before the final evaluation.
func (s *Service) Criteria(ctx context.Context, actor *course.User, sessionID string) (Rules, error) {
	if actor == nil {
		return Rules{}, course.ErrUnauthenticated
	}
	if _, err := s.Course.SessionByID(ctx, sessionID); err != nil {
		return Rules{}, err
	}
	return s.rules(ctx, sessionID)
}

// SetRules changes a session's thresholds before it is closed.
func (s *Service) SetRules(ctx context.Context, actor *course.User, sessionID string, r Rules) error {
	sess, err := s.manage(ctx, actor, sessionID, true)
	if err != nil {
		return err
	}
	if sess.ClosedAt != nil {
		return course.ErrSessionClosed
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if err := s.Store.PutRules(ctx, sessionID, r); err != nil {
		return err
	}
	num := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return s.audit(ctx, actor, "rules.change", sessionID, "", course.AuditDetail("audit.detail.rules", map[string]string{
		"PassGrade": num(r.PassGrade), "Level1Exercises": strconv.Itoa(r.Level1Exercises), "Level1Evaluation": num(r.Level1Evaluation),
		"Level2Exercises": strconv.Itoa(r.Level2Exercises), "Level2Evaluation": num(r.Level2Evaluation)}), "")
}

// levelDetail is the audit detail naming a level (I, II).
func levelDetail(l Level) string {
	name := map[Level]string{LevelI: "I", LevelII: "II"}[l]
	if name == "" {
		name = strconv.Itoa(int(l))
	}
	return course.AuditDetail("audit.detail.level", map[string]string{"Level": name})
}

// MaxReasonRunes bounds the reason of a coordinator's decision (a level set
// by hand, a reopening, a revocation, a commitment closed by hand): it goes
// to the audit log and, for a revocation made public, to the verification
// page.
const MaxReasonRunes = 1000

// checkReason checks a decision's reason, trimmed: at least 5 characters one
// can read (invisible ones do not count), at most MaxReasonRunes.
func checkReason(reason string) error {
	if course.VisibleRunes(reason) < 5 {
		return &ValidationError{Field: "reason", Key: "certificates.reason_required"}
	}
	if utf8.RuneCountInString(reason) > MaxReasonRunes {
		return &ValidationError{Field: "reason", Key: "certificates.reason_too_long", Args: map[string]any{"Max": MaxReasonRunes}}
	}
	return nil
}

func (s *Service) audit(ctx context.Context, actor *course.User, action, sessionID, target, detail, reason string) error {
	return course.RecordAudit(ctx, s.Store, s.Now(), actor, AuditEntry{Action: action, SessionID: sessionID, Target: target, Detail: detail, Reason: reason})
}

// resultInput is what results are computed from: a whole session's, or one
// participant's.
type resultInput struct {
	users   []*course.User
	deleted map[string]bool // enrolments whose account was deleted
	subs    []*grading.Submission
	reviews []grading.Review
	scores  map[string]float64
	// reviewed are the submissions the participants reviewed, when subs
	// lacks them (one participant's standing): their grades are the
	// consensus of the reviewer-quality score.
	reviewed []*grading.Submission
}

// results computes every participant's standing with a constant number of
// queries, whatever the number of participants.
func (s *Service) results(ctx context.Context, sess *course.Session) ([]Result, Rules, error) {
	var in resultInput
	enrols, err := s.Course.EnrolmentsBySession(ctx, sess.ID)
	if err != nil {
		return nil, Rules{}, err
	}
	ids := make([]string, len(enrols))
	for i, e := range enrols {
		ids[i] = e.UserID
	}
	if in.users, err = s.Course.UsersByIDs(ctx, ids); err != nil {
		return nil, Rules{}, err
	}
	in.users, in.deleted = withDeleted(in.users, ids)
	if in.subs, err = s.Grading.Submissions(ctx, sess.ID, 0); err != nil {
		return nil, Rules{}, err
	}
	if in.reviews, err = s.Grading.Reviews(ctx, sess.ID, 0); err != nil {
		return nil, Rules{}, err
	}
	if in.scores, err = s.Quiz.BestScores(ctx, sess.ID); err != nil {
		return nil, Rules{}, err
	}
	return s.compute(ctx, sess, in)
}

// withDeleted adds to users a nameless stand-in for every ID they lack: an
// enrolment whose account was deleted, now keyed by its tombstone.
func withDeleted(users []*course.User, ids []string) ([]*course.User, map[string]bool) {
	found := make(map[string]bool, len(users))
	for _, u := range users {
		found[u.ID] = true
	}
	var deleted map[string]bool
	for _, id := range ids {
		if !found[id] {
			found[id] = true
			users = append(users, &course.User{ID: id})
			if deleted == nil {
				deleted = map[string]bool{}
			}
			deleted[id] = true
		}
	}
	return users, deleted
}

// resultOf computes one participant's standing, reading only their own
// submissions, reviews and attempts: the work does not grow with the session.
func (s *Service) resultOf(ctx context.Context, sess *course.Session, u *course.User) (*Result, error) {
	in := resultInput{users: []*course.User{u}}
	var err error
	if in.subs, err = s.Grading.SubmissionsByAuthor(ctx, sess.ID, u.ID); err != nil {
		return nil, err
	}
	if in.reviews, err = s.Grading.ReviewsInvolving(ctx, sess.ID, u.ID); err != nil {
		return nil, err
	}
	var reviewed []string
	for _, r := range in.reviews {
		if r.ReviewerID == u.ID && r.Status == grading.ReviewDone {
			reviewed = append(reviewed, r.SubmissionID)
		}
	}
	if len(reviewed) > 0 {
		if in.reviewed, err = s.Grading.SubmissionsByIDs(ctx, reviewed); err != nil {
			return nil, err
		}
	}
	if in.scores, err = s.Quiz.BestScoreOf(ctx, sess.ID, u.ID); err != nil {
		return nil, err
	}
	rs, _, err := s.compute(ctx, sess, in)
	if err != nil || len(rs) != 1 {
		return nil, cmp.Or(err, course.ErrForbidden)
	}
	return &rs[0], nil
}

// compute applies the session's rules, decisions and part closings to in.
func (s *Service) compute(ctx context.Context, sess *course.Session, in resultInput) ([]Result, Rules, error) {
	rules, err := s.rules(ctx, sess.ID)
	if err != nil {
		return nil, rules, err
	}
	users, subs, reviews, scores, deleted := in.users, in.subs, in.reviews, in.scores, in.deleted
	states, err := s.Grading.PartStates(ctx, sess.ID)
	if err != nil {
		return nil, rules, err
	}
	declined, err := s.Store.Declined(ctx, sess.ID)
	if err != nil {
		return nil, rules, err
	}
	overrides, err := s.Store.Overrides(ctx, sess.ID)
	if err != nil {
		return nil, rules, err
	}
	closedAt := map[int]time.Time{}
	for _, p := range sess.Parts {
		closedAt[p.Number] = p.ReviewDue
	}
	for _, st := range states {
		if st.Phase == grading.PhaseClosed && !st.ClosedAt.IsZero() {
			closedAt[st.Part] = st.ClosedAt
		}
	}
	grades := map[string]*[PartCount]*float64{}
	for _, sub := range subs {
		if sub.Grade == nil || sub.Part < 1 || sub.Part > PartCount {
			continue
		}
		if grades[sub.AuthorID] == nil {
			grades[sub.AuthorID] = &[PartCount]*float64{}
		}
		g := sub.Grade.Score
		grades[sub.AuthorID][sub.Part-1] = &g
	}
	effK := map[int]int{} // reviews owed per part submitted in, once the part is assigned
	for _, st := range states {
		if st.Phase == grading.PhaseReview || st.Phase == grading.PhaseClosing || st.Phase == grading.PhaseClosed {
			effK[st.Part] = st.EffectiveK
		}
	}
	owed := map[string]int{}
	for _, sub := range subs {
		owed[sub.AuthorID] += effK[sub.Part]
	}
	assigned, onTime := map[string]int{}, map[string]int{}
	for _, r := range reviews {
		switch {
		case r.TakenFrom != "":
			assigned[r.TakenFrom]++ // a lapsed review counts against who let it lapse
		case r.Required:
			assigned[r.ReviewerID]++
			if r.Status == grading.ReviewDone && r.DoneAt != nil && !r.DoneAt.After(closedAt[r.Part]) {
				onTime[r.ReviewerID]++
			}
		}
	}
	quality := grading.ReviewerQualities(append(slices.Clip(subs), in.reviewed...), reviews)
	out := make([]Result, 0, len(users))
	for _, u := range users {
		in := ParticipantResult{ReviewsAssigned: assigned[u.ID], ReviewsOnTime: onTime[u.ID], ReviewsOwed: owed[u.ID], CommitmentDeclined: declined[u.ID]}
		if q, ok := quality[u.ID]; ok {
			in.ReviewQuality = &q.Score
		}
		if g := grades[u.ID]; g != nil {
			in.Grades = *g
		}
		if sc, ok := scores[u.ID]; ok {
			in.EvaluationScore = &sc
		}
		r := Result{User: u, Input: in, Outcome: Evaluate(rules, in), ReviewsDone: onTime[u.ID], ReviewsAssigned: max(assigned[u.ID], owed[u.ID]), Deleted: deleted[u.ID]}
		r.Computed = r.Outcome.Level
		if o, ok := overrides[u.ID]; ok {
			r.Override = &o
			r.Outcome.Level = o.Level
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Result) int {
		return cmp.Or(strings.Compare(a.User.Name, b.User.Name), strings.Compare(a.User.ID, b.User.ID))
	})
	return out, rules, nil
}

// Results returns the session's results table to its staff.
func (s *Service) Results(ctx context.Context, actor *course.User, sessionID string) ([]Result, error) {
	sess, err := s.manage(ctx, actor, sessionID, false)
	if err != nil {
		return nil, err
	}
	rs, _, err := s.results(ctx, sess)
	return rs, err
}

// Progress returns one participant's own standing (dashboard).
func (s *Service) Progress(ctx context.Context, actor *course.User, sessionID string) (*Result, error) {
	sess, err := course.ParticipantSession(ctx, s.Course, actor, sessionID)
	if err != nil {
		return nil, err
	}
	return s.resultOf(ctx, sess, actor)
}

// SetCommitment records whether a participant accepts the animator
// commitment; declining caps them at level I.
func (s *Service) SetCommitment(ctx context.Context, actor *course.User, sessionID string, accept *bool) error {
	if actor == nil {
		return course.ErrUnauthenticated
	}
	ok, err := s.Course.IsEnrolled(ctx, sessionID, actor.ID)
	if err != nil {
		return err
	}
	if !ok {
		return course.ErrForbidden
	}
	if accept == nil {
		return &ValidationError{Field: "accept", Key: "certificates.commitment.accept_required"}
	}
	return s.Store.SetDeclined(ctx, sessionID, actor.ID, !*accept)
}

// SetOverride sets one person's level by hand, with a reason; level -1
// removes the override.
func (s *Service) SetOverride(ctx context.Context, actor *course.User, sessionID, userID string, level int, reason string) error {
	if _, err := s.manage(ctx, actor, sessionID, true); err != nil {
		return err
	}
	if ok, err := s.Course.IsEnrolled(ctx, sessionID, userID); err != nil {
		return err
	} else if !ok {
		return &ValidationError{Field: "user_id", Key: "certificates.override.not_enrolled"}
	}
	reason = strings.TrimSpace(reason)
	if err := checkReason(reason); err != nil {
		return err
	}
	if level == -1 {
		if err := s.Store.DeleteOverride(ctx, sessionID, userID); err != nil {
			return err
		}
		return s.audit(ctx, actor, "level.override_removed", sessionID, userID, "", reason)
	}
	if level < 0 || level > 2 {
		return &ValidationError{Field: "level", Key: "certificates.override.level_invalid"}
	}
	o := Override{UserID: userID, Level: Level(level), Reason: reason, By: actor.ID, At: s.Now().UTC()}
	if err := s.Store.PutOverride(ctx, sessionID, o); err != nil {
		return err
	}
	return s.audit(ctx, actor, "level.override", sessionID, userID, levelDetail(Level(level)), reason)
}

// Report counts a session's outcome.
type Report struct {
	Participants int
	Validated    int
	Level1       int
	Level2       int
}

// CloseResult says what a close did.
type CloseResult struct {
	Report  Report
	Issued  []Certificate
	Revoked []string
	// Withheld lists the participants whose certificate a coordinator
	// revoked: a close never issues them one again (see Reissue).
	Withheld []string
}

// ReasonReissued is the revocation reason of a certificate replaced by a
// close after its holder's level changed; any other reason is a
// coordinator's, and withholds the certificate from later closes.
const ReasonReissued = "reissued"

// withheld reports whether a coordinator revoked userID's certificate of the
// session and none was issued since.
func withheld(existing []Certificate, userID string) bool {
	out := false
	for _, c := range existing {
		if c.UserID != userID {
			continue
		}
		if c.Valid() {
			return false
		}
		if c.RevokeReason != ReasonReissued {
			out = true
		}
	}
	return out
}

// Close computes the results and issues the certificates; it may run at any
// time and again: a second close issues nothing new, and after a reopening
// only what changed is revoked and issued again.
func (s *Service) Close(ctx context.Context, actor *course.User, sessionID string) (*CloseResult, error) {
	sess, err := s.manage(ctx, actor, sessionID, true)
	if err != nil {
		return nil, err
	}
	results, rules, err := s.results(ctx, sess)
	if err != nil {
		return nil, err
	}
	existing, err := s.Store.CertificatesBySession(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	valid := map[string]Certificate{}
	for _, c := range existing {
		if c.Valid() {
			valid[c.UserID] = c
		}
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	out := &CloseResult{}
	for _, r := range results {
		if r.Deleted {
			continue // nobody to issue to; what was issued stays as it was
		}
		lvl := r.Level()
		old, had := valid[r.User.ID]
		if had && old.Level == lvl {
			continue
		}
		if !had && lvl != LevelNone && withheld(existing, r.User.ID) {
			out.Withheld = append(out.Withheld, r.User.ID)
			continue
		}
		if had {
			if err := s.Store.Revoke(ctx, old.Code, ReasonReissued, false, now); err != nil && !errors.Is(err, ErrRevoked) {
				return nil, err
			}
			if err := s.audit(ctx, actor, "certificate.revoke", sess.ID, old.Code, course.AuditDetail("audit.detail.revoke_reclose", nil), "reissued"); err != nil {
				return nil, err
			}
			out.Revoked = append(out.Revoked, old.Code)
		}
		if lvl == LevelNone {
			continue
		}
		c, err := s.issue(ctx, sess, r, rules, key, now)
		if err != nil {
			return nil, err
		}
		out.Issued = append(out.Issued, c)
		if err := s.audit(ctx, actor, "certificate.issue", sess.ID, c.Code, levelDetail(c.Level), ""); err != nil {
			return nil, err
		}
	}
	if sess.ClosedAt == nil {
		if err := s.Course.SetClosed(ctx, sess.ID, &now); err != nil {
			return nil, err
		}
		if err := s.fulfil(ctx, sess, now); err != nil {
			return nil, err
		}
		if err := s.audit(ctx, actor, "session.close", sess.ID, sess.Code, "", ""); err != nil {
			return nil, err
		}
		sess.ClosedAt = &now
	}
	out.Report = CountReport(results)
	if s.Events != nil {
		s.Events.SessionClosed(ctx, sess, out)
	}
	return out, nil
}

// CountReport counts participants and certificates by level from results.
func CountReport(results []Result) Report {
	rep := Report{Participants: len(results)}
	for _, r := range results {
		switch r.Level() {
		case LevelI:
			rep.Level1++
			rep.Validated++
		case LevelII:
			rep.Level2++
			rep.Validated++
		}
	}
	return rep
}

// issue makes, signs and stores one certificate; level II also records the
// holder's commitment.
func (s *Service) issue(ctx context.Context, sess *course.Session, r Result, rules Rules, key SigningKey, now time.Time) (Certificate, error) {
	code, err := NewCode(string(sess.Format), nil)
	if err != nil {
		return Certificate{}, err
	}
	salt, err := NewSalt(nil)
	if err != nil {
		return Certificate{}, err
	}
	lang := r.User.Locale
	if lang == "" {
		lang = "fr"
	}
	subject, err := NewSubjectID(nil)
	if err != nil {
		return Certificate{}, err
	}
	in := s.AchievementInput(r.Level(), lang)
	in.Code, in.SessionCode, in.HolderEmail, in.Salt, in.SubjectID, in.ValidFrom = code, sess.Code, r.User.Email, salt, subject, now
	hours := sess.Workload()
	in.WorkloadNote = s.Texts.T(lang, KeyWorkloadNote, map[string]any{"Count": hours})
	c := Certificate{Code: code, SessionID: sess.ID, SessionCode: sess.Code, SessionStart: sess.StartsOn, SessionEnd: sess.EndsOn,
		UserID: r.User.ID, HolderName: r.User.Name, Level: r.Level(), Lang: lang, Salt: salt, Rules: rules, IssuedAt: now,
		WorkloadHours: hours}
	// A random status index may be taken already: draw again. With the list
	// a tenth full, eight draws all fail once in 10^8 issues.
	for attempt := 0; ; attempt++ {
		if in.StatusIndex, err = NewStatusIndex(nil); err != nil {
			return Certificate{}, err
		}
		cred, err := BuildCredential(in)
		if err != nil {
			return Certificate{}, err
		}
		if c.Badge, err = SignCredential(key, cred); err != nil {
			return Certificate{}, err
		}
		c.StatusIndex = in.StatusIndex
		err = s.Store.InsertCertificate(ctx, c)
		if errors.Is(err, ErrStatusIndexTaken) && attempt < 8 {
			continue
		}
		if err != nil {
			return Certificate{}, err
		}
		break
	}
	if c.Level == LevelII {
		cm := Commitment{ID: r.User.ID + ":" + sess.ID, UserID: r.User.ID, FromSessionID: sess.ID, FromSessionCode: sess.Code,
			FromStart: sess.StartsOn, Certificate: code, Status: CommitmentPending, CreatedAt: now}
		if err := s.Store.PutCommitment(ctx, cm); err != nil {
			return Certificate{}, err
		}
	}
	return c, nil
}

// fulfil marks fulfilled the pending commitments of this session's animators
// made in a session that started before this one.
func (s *Service) fulfil(ctx context.Context, sess *course.Session, now time.Time) error {
	all, err := s.Store.Commitments(ctx)
	if err != nil {
		return err
	}
	for _, c := range all {
		if c.Status == CommitmentPending && sess.HasAnimator(c.UserID) && c.FromStart < sess.StartsOn {
			c.Status, c.FulfilledBy = CommitmentFulfilled, sess.Code
			if err := s.Store.PutCommitment(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// Reopen lets a coordinator correct a closed session; closing it again
// issues or revokes only what changed.
func (s *Service) Reopen(ctx context.Context, actor *course.User, sessionID, reason string) error {
	sess, err := s.manage(ctx, actor, sessionID, true)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if err := checkReason(reason); err != nil {
		return err
	}
	if sess.ClosedAt == nil {
		return nil
	}
	if err := s.Course.SetClosed(ctx, sess.ID, nil); err != nil {
		return err
	}
	return s.audit(ctx, actor, "session.reopen", sess.ID, sess.Code, "", reason)
}

// Revoke revokes a certificate with a reason: coordinators.
func (s *Service) Revoke(ctx context.Context, actor *course.User, code, reason string, public bool) error {
	if !actor.IsCoordinator() {
		return course.ErrForbidden
	}
	c, err := s.Store.Certificate(ctx, code)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if err := checkReason(reason); err != nil {
		return err
	}
	if err := s.Store.Revoke(ctx, c.Code, reason, public, s.Now().UTC()); err != nil {
		return err
	}
	detail := ""
	if public {
		detail = course.AuditDetail("audit.detail.revoke_public", nil)
	}
	return s.audit(ctx, actor, "certificate.revoke", c.SessionID, c.Code, detail, reason)
}

// Reissue issues again, at the level the rules give now, the certificate of
// userID in a closed session after a coordinator revoked it: the explicit
// action a close never takes by itself. The reason is required and audited.
func (s *Service) Reissue(ctx context.Context, actor *course.User, sessionID, userID, reason string) (*Certificate, error) {
	if actor == nil {
		return nil, course.ErrUnauthenticated
	}
	if !actor.IsCoordinator() {
		return nil, course.ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	sess, err := s.Course.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if sess.ClosedAt == nil {
		return nil, &ValidationError{Field: "session", Key: "certificates.session_not_closed"}
	}
	existing, err := s.Store.CertificatesBySession(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	if !withheld(existing, userID) {
		return nil, ErrNotFound
	}
	results, rules, err := s.results(ctx, sess)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(results, func(r Result) bool { return r.User != nil && r.User.ID == userID && !r.Deleted })
	if i < 0 {
		return nil, ErrNotFound
	}
	if results[i].Level() == LevelNone {
		return nil, ErrNotEligible
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.issue(ctx, sess, results[i], rules, key, s.Now().UTC())
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, actor, "certificate.reissue", sess.ID, c.Code, levelDetail(c.Level), reason); err != nil {
		return nil, err
	}
	return &c, nil
}

// Lookup returns a certificate for its public verification.
func (s *Service) Lookup(ctx context.Context, code string) (*Certificate, error) {
	norm, ok := NormalizeCode(code)
	if !ok {
		return nil, ErrNotFound
	}
	return s.Store.Certificate(ctx, norm)
}

// Owned returns a certificate to its holder or a coordinator.
func (s *Service) Owned(ctx context.Context, actor *course.User, code string) (*Certificate, error) {
	if actor == nil {
		return nil, course.ErrUnauthenticated
	}
	c, err := s.Lookup(ctx, code)
	if err != nil {
		return nil, err
	}
	if c.UserID != actor.ID && !actor.IsCoordinator() {
		return nil, ErrNotFound
	}
	return c, nil
}

// SessionCertificates lists a session's certificates: coordinators.
func (s *Service) SessionCertificates(ctx context.Context, actor *course.User, sessionID string) ([]Certificate, error) {
	if _, err := s.manage(ctx, actor, sessionID, true); err != nil {
		return nil, err
	}
	return s.Store.CertificatesBySession(ctx, sessionID)
}

// MyCertificates lists the actor's certificates.
func (s *Service) MyCertificates(ctx context.Context, actor *course.User) ([]Certificate, error) {
	if actor == nil {
		return nil, course.ErrUnauthenticated
	}
	return s.Store.CertificatesByUser(ctx, actor.ID)
}

// EnsureKey creates the first signing key at the platform's first start.
func (s *Service) EnsureKey(ctx context.Context) error {
	_, err := s.signingKey(ctx)
	return err
}

// signingKey returns the newest key, creating the first one if there is none.
func (s *Service) signingKey(ctx context.Context) (SigningKey, error) {
	keys, err := s.Keys(ctx)
	if err != nil {
		return SigningKey{}, err
	}
	if k, ok := LatestKey(keys); ok {
		return k, nil
	}
	return s.RotateKey(ctx)
}

// Translation keys of the workload sentences of the achievement's criteria.
const (
	// KeyWorkloadNote states a session's workload in a credential's own
	// copy of the achievement; its Count is the hours.
	KeyWorkloadNote = "certificates.achievement.workload"
	// KeyWorkloadVaries says, in the achievement served at its id, that the
	// workload is set per session and stated in each credential.
	KeyWorkloadVaries = "certificates.achievement.workload_varies"
)

// AchievementInput returns the issuer and achievement part of a level's
// badge in lang: what the badges and the achievement pages share.
func (s *Service) AchievementInput(level Level, lang string) BadgeInput {
	lvl := int(level)
	t := func(id string) string { return s.Texts.T(lang, id, map[string]any{"Level": lvl}) }
	return BadgeInput{
		BaseURL: s.BaseURL, IssuerName: s.Organisation, Level: level, Lang: lang, OtherLangs: s.Texts.Languages(),
		AchievementName:        t(fmt.Sprintf("certificates.level%d.name", lvl)),
		AchievementDescription: t(fmt.Sprintf("certificates.level%d.meaning", lvl)),
		CriteriaNarrative:      t(fmt.Sprintf("certificates.level%d.criteria", lvl)),
		ImageCaption:           t("certificates.badge.image_caption"),
	}
}

// Achievement returns a level's Achievement in lang, as its id serves it.
func (s *Service) Achievement(level Level, lang string) (Achievement, error) {
	if level != LevelI && level != LevelII || !slices.Contains(s.Texts.Languages(), lang) {
		return Achievement{}, ErrNotFound
	}
	in := s.AchievementInput(level, lang)
	// The served achievement is shared by every session of the level, whose
	// workloads differ: it says so, and each credential's embedded copy
	// states its own session's hours.
	in.WorkloadNote = s.Texts.T(lang, KeyWorkloadVaries, nil)
	// BuildCredential checks the texts and assembles the achievement; the
	// holder fields only satisfy it.
	in.Code, in.HolderEmail, in.Salt, in.ValidFrom = "LC3-0000-0000-0000-0000", "-", "-", time.Unix(0, 0)
	cred, err := BuildCredential(in)
	if err != nil {
		return Achievement{}, err
	}
	return cred.CredentialSubject.Achievement, nil
}

// Issuer returns the issuer's Profile, as its id serves it.
func (s *Service) Issuer(lang string) Profile {
	base := strings.TrimRight(s.BaseURL, "/")
	return Profile{ID: IssuerID(base), Type: []string{"Profile"}, Name: s.Organisation, URL: base,
		Description: s.Texts.T(lang, "certificates.issuer.description", map[string]any{"Organisation": s.Organisation})}
}

// Key returns the signing key whose KID is kid, old ones included, or
// ErrNotFound.
func (s *Service) Key(ctx context.Context, kid string) (SigningKey, error) {
	keys, err := s.Keys(ctx)
	if err != nil {
		return SigningKey{}, err
	}
	for _, k := range keys {
		if k.KID == kid {
			return k, nil
		}
	}
	return SigningKey{}, ErrNotFound
}

// StatusList returns the issuer's signed revocation list and its entity
// tag. The revoked indexes are read from the database at every call; the
// list is signed again only when they changed (a revocation) or the
// signing key did (a rotation), so its ETag changes exactly then.
func (s *Service) StatusList(ctx context.Context) (token, etag string, err error) {
	revoked, err := s.Store.RevokedStatusIndices(ctx)
	if err != nil {
		return "", "", err
	}
	slices.Sort(revoked)
	key, err := s.signingKey(ctx)
	if err != nil {
		return "", "", err
	}
	s.statusMu.Lock()
	defer s.statusMu.Unlock()
	if s.status.token != "" && s.status.kid == key.HeaderKID() && slices.Equal(s.status.revoked, revoked) {
		return s.status.token, s.status.etag, nil
	}
	list, err := BuildStatusList(s.BaseURL, revoked, s.Now())
	if err != nil {
		return "", "", err
	}
	token, err = SignStatusList(key, list)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256([]byte(token))
	s.status = signedStatusList{revoked: revoked, kid: key.HeaderKID(), token: token, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
	return s.status.token, s.status.etag, nil
}

// Keys returns every signing key, old ones included, each with its URL.
func (s *Service) Keys(ctx context.Context) ([]SigningKey, error) {
	stored, err := s.Store.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	keys := make([]SigningKey, 0, len(stored))
	for _, k := range stored {
		sk, err := ParseSigningKeyPEM(k.PEM, k.CreatedAt)
		if err != nil {
			return nil, fmt.Errorf("certificates: stored key: %w", err)
		}
		sk.URL = KeyURL(s.BaseURL, sk.KID)
		keys = append(keys, sk)
	}
	return keys, nil
}

// RotateKey adds a new signing key; older public keys stay published.
func (s *Service) RotateKey(ctx context.Context) (SigningKey, error) {
	k, err := GenerateSigningKey(nil, s.Now().UTC())
	if err != nil {
		return SigningKey{}, err
	}
	k.URL = KeyURL(s.BaseURL, k.KID)
	pem, err := k.MarshalPEM()
	if err != nil {
		return SigningKey{}, err
	}
	if err := s.Store.AddSigningKey(ctx, StoredKey{PEM: pem, CreatedAt: k.CreatedAt}); err != nil {
		return SigningKey{}, err
	}
	return k, nil
}

// SessionReport returns a session's report: counts over its results.
func (s *Service) SessionReport(ctx context.Context, actor *course.User, sessionID string) (Report, []Result, error) {
	sess, err := s.manage(ctx, actor, sessionID, false)
	if err != nil {
		return Report{}, nil, err
	}
	rs, _, err := s.results(ctx, sess)
	if err != nil {
		return Report{}, nil, err
	}
	return CountReport(rs), rs, nil
}

// PartStats is one part's completion, for the report.
type PartStats struct {
	Part            int
	Title           string
	Submitted       int
	ReviewsAssigned int
	ReviewsDone     int
	Grades          []float64
}

// Completion returns each part's submissions, reviews and grades.
func (s *Service) Completion(ctx context.Context, actor *course.User, sessionID string) ([]PartStats, error) {
	sess, err := s.manage(ctx, actor, sessionID, false)
	if err != nil {
		return nil, err
	}
	subs, err := s.Grading.Submissions(ctx, sessionID, 0)
	if err != nil {
		return nil, err
	}
	reviews, err := s.Grading.Reviews(ctx, sessionID, 0)
	if err != nil {
		return nil, err
	}
	out := make([]PartStats, len(sess.Parts))
	idx := map[int]int{}
	for i, p := range sess.Parts {
		out[i] = PartStats{Part: p.Number, Title: p.Title}
		idx[p.Number] = i
	}
	for _, sub := range subs {
		if i, ok := idx[sub.Part]; ok {
			out[i].Submitted++
			if sub.Grade != nil {
				out[i].Grades = append(out[i].Grades, sub.Grade.Score)
			}
		}
	}
	for _, r := range reviews {
		if i, ok := idx[r.Part]; ok {
			out[i].ReviewsAssigned++
			if r.Status == grading.ReviewDone {
				out[i].ReviewsDone++
			}
		}
	}
	return out, nil
}
