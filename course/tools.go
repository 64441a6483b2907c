package course

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// MaxShiftDays bounds a shift of a session's deadlines.
const MaxShiftDays = 366

// shiftTime moves t by days calendar days in loc, keeping its wall-clock
// time across daylight-saving changes, then by d.
func shiftTime(t time.Time, loc *time.Location, days int, d time.Duration) time.Time {
	lt := t.In(loc)
	return time.Date(lt.Year(), lt.Month(), lt.Day()+days, lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), loc).Add(d).UTC()
}

// shiftDate moves a YYYY-MM-DD date by days.
func shiftDate(s string, days int) string {
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		return s
	}
	return d.AddDate(0, 0, days).Format(DateLayout)
}

// Shifted returns a copy of sess's schedule moved by days (calendar days in
// the session's time zone, wall-clock times kept) and then by d: the start
// and end dates move by the days only.
func Shifted(sess *Session, days int, d time.Duration) Schedule {
	loc := sess.Location()
	out := Schedule{StartsOn: shiftDate(sess.StartsOn, days), EndsOn: shiftDate(sess.EndsOn, days),
		Evaluation: Window{OpensAt: shiftTime(sess.Evaluation.OpensAt, loc, days, d), Due: shiftTime(sess.Evaluation.Due, loc, days, d)}}
	for _, p := range sess.Parts {
		p.OpensAt = shiftTime(p.OpensAt, loc, days, d)
		p.SubmissionDue = shiftTime(p.SubmissionDue, loc, days, d)
		p.ReviewDue = shiftTime(p.ReviewDue, loc, days, d)
		out.Parts = append(out.Parts, p)
	}
	return out
}

// CheckShift validates a shift of days and hours (either may be negative).
func CheckShift(days, hours int) error {
	switch {
	case days < -MaxShiftDays || days > MaxShiftDays:
		return &ValidationError{Field: "days", Key: "course.shift.days_range", Args: map[string]any{"Max": MaxShiftDays}}
	case hours < -23 || hours > 23:
		return Invalid("hours", "course.shift.hours_range")
	case days == 0 && hours == 0:
		return Invalid("days", "course.shift.nothing")
	}
	return nil
}

// ShiftDeadlines moves every window of a session at once, by days and
// hours (either may be negative), for a coordinator. A closed session
// keeps its schedule.
func (s *Service) ShiftDeadlines(ctx context.Context, actor *User, sessionID string, days, hours int) (*Session, error) {
	if !actor.IsCoordinator() {
		return nil, ErrForbidden
	}
	sess, err := s.Store.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	if err := CheckShift(days, hours); err != nil {
		return nil, err
	}
	if sess.ClosedAt != nil {
		return nil, ErrSessionClosed
	}
	plan := Shifted(sess, days, time.Duration(hours)*time.Hour)
	if err := s.Store.SetSchedule(ctx, sess.ID, plan); err != nil {
		return nil, err
	}
	e := AuditEntry{Action: AuditShift, SessionID: sess.ID, Target: sess.Code, Detail: AuditDetail("audit.detail.shift",
		map[string]string{"Days": fmt.Sprintf("%+d", days), "Hours": fmt.Sprintf("%+d", hours)})}
	if err := RecordAudit(ctx, s.Audit, s.Now(), actor, e); err != nil {
		return nil, err
	}
	return s.Store.SessionByID(ctx, sess.ID)
}

// DuplicateSession creates, for a coordinator, a new session of the same
// format from a past one, starting on startsOn: its capacity, time zone,
// settings, workload and part titles are kept, and every window keeps its
// place relative to the start. The caller copies the exercises, evaluation
// and rules, which live in the other domains.
func (s *Service) DuplicateSession(ctx context.Context, actor *User, sourceID, startsOn string) (*Session, error) {
	if !actor.IsCoordinator() {
		return nil, ErrForbidden
	}
	src, err := s.Store.SessionByID(ctx, sourceID)
	if err != nil {
		return nil, err
	}
	f, start, _, err := NewSession{Format: string(src.Format), StartsOn: startsOn, Capacity: src.Capacity, TimeZone: src.TimeZone}.Validate()
	if err != nil {
		return nil, err
	}
	from, err := time.Parse(DateLayout, src.StartsOn)
	if err != nil {
		return nil, fmt.Errorf("course: session %s starts on %q: %w", src.Code, src.StartsOn, err)
	}
	to := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	plan := Shifted(src, int(to.Sub(from).Hours()/24), 0)
	num, err := s.Store.NextSessionNumber(ctx, f)
	if err != nil {
		return nil, err
	}
	sess := &Session{
		Code: SessionCode(f, num), Format: f, Number: num,
		StartsOn: plan.StartsOn, EndsOn: plan.EndsOn, TimeZone: src.TimeZone,
		Capacity: src.Capacity, Parts: plan.Parts, Evaluation: plan.Evaluation,
		Animators: []string{}, Settings: src.Settings, WorkloadHours: src.Workload(),
		CreatedAt: s.Now().UTC(), CreatedBy: actor.ID,
	}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	e := AuditEntry{Action: AuditSessionCopy, SessionID: sess.ID, Target: sess.Code, Detail: AuditDetail("audit.detail.duplicate",
		map[string]string{"From": src.Code, "Starts": strings.TrimSpace(startsOn)})}
	if err := RecordAudit(ctx, s.Audit, s.Now(), actor, e); err != nil {
		return nil, err
	}
	// A failure from here leaves the copy with the default content of what
	// failed, which the coordinator may edit or fill again.
	for _, c := range s.Copiers {
		if err := c.CopySession(ctx, src.ID, sess.ID); err != nil {
			return sess, err
		}
	}
	return sess, nil
}

// SessionCopier carries over what a domain keeps per session from one
// session to its duplicate.
type SessionCopier interface {
	CopySession(ctx context.Context, fromID, toID string) error
}
