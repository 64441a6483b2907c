package mongostore

import (
	"context"

	"librecours/app/store"
	"librecours/course"
)

// counterDoc is a named sequence of the counters collection (Increment).
type counterDoc struct {
	ID  string `bson:"_id"`
	Seq int64  `bson:"seq"`
}

// exportCourse writes users, counters, sessions, enrolments, invitations
// and calendar feeds, each sorted by key, with times in UTC.
func exportCourse(ctx context.Context, db *DB, w store.RecordWriter) error {
	byID := ascending("_id")
	if err := exportColl(ctx, db, w, colUsers, byID, func(d *userDoc) any {
		u := d.user()
		u.CreatedAt = u.CreatedAt.UTC()
		return u
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colCounters, byID, func(d *counterDoc) any {
		return store.Counter{Name: d.ID, Value: d.Seq}
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colSessions, byID, func(d *sessionDoc) any {
		s := d.session()
		if s.ClosedAt != nil {
			t := s.ClosedAt.UTC()
			s.ClosedAt = &t
		}
		return s
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colEnrolments, ascending("session_id", "user_id"), func(d *enrolmentDoc) any {
		return store.EnrolmentRecord{
			Enrolment: course.Enrolment{SessionID: d.SessionID, UserID: d.UserID, EnrolledAt: d.EnrolledAt.UTC()},
			Batch:     d.Batch,
		}
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colInvitations, byID, func(d *invitationDoc) any {
		r := store.InvitationRecord{Invitation: d.invitation(), Used: d.Used}
		if d.UsedAt != nil {
			t := d.UsedAt.UTC()
			r.UsedAt = &t
		}
		return r
	}); err != nil {
		return err
	}
	return exportColl(ctx, db, w, colCalendarFeeds, byID, func(d *calendarFeedDoc) any { return d.feed() })
}

// importCourse loads the collections exportCourse writes.
func importCourse(ctx context.Context, db *DB, r store.RecordReader) error {
	if err := importDocs(ctx, db, r, colUsers, func(u course.User) any {
		return toUserDoc(u.ID, &u) // BSON keeps the instant, not the zone
	}); err != nil {
		return err
	}
	if err := importDocs(ctx, db, r, colCounters, func(c store.Counter) any {
		return counterDoc{ID: c.Name, Seq: c.Value}
	}); err != nil {
		return err
	}
	if err := importDocs(ctx, db, r, colSessions, func(s course.Session) any {
		d := sessionDoc{
			ID: s.ID, Code: s.Code, Format: string(s.Format), Number: s.Number,
			StartsOn: s.StartsOn, EndsOn: s.EndsOn, TimeZone: s.TimeZone,
			Capacity: s.Capacity, Enrolled: s.Enrolled,
			Evaluation: windowDoc{OpensAt: s.Evaluation.OpensAt.UTC(), Due: s.Evaluation.Due.UTC()},
			Animators:  append([]string{}, s.Animators...),
			Settings: settingsDoc{
				ReviewsPerSubmission: s.Settings.ReviewsPerSubmission,
				CommentMinLength:     s.Settings.CommentMinLength,
				AcceptLate:           s.Settings.AcceptLate,
			},
			CreatedAt: s.CreatedAt.UTC(), CreatedBy: s.CreatedBy, WorkloadHours: s.Workload(),
		}
		if s.ClosedAt != nil {
			t := s.ClosedAt.UTC()
			d.ClosedAt = &t
		}
		for _, p := range s.Parts {
			d.Parts = append(d.Parts, toPartDoc(p))
		}
		return d
	}); err != nil {
		return err
	}
	if err := importDocs(ctx, db, r, colEnrolments, func(e store.EnrolmentRecord) any {
		return enrolmentDoc{ID: e.SessionID + ":" + e.UserID, SessionID: e.SessionID, UserID: e.UserID, EnrolledAt: e.EnrolledAt.UTC(), Batch: e.Batch}
	}); err != nil {
		return err
	}
	if err := importDocs(ctx, db, r, colInvitations, func(v store.InvitationRecord) any {
		d := invitationDoc{ID: v.TokenHash, UserID: v.UserID, Email: v.Email, SessionID: v.SessionID,
			CreatedAt: v.CreatedAt.UTC(), ExpiresAt: v.ExpiresAt.UTC(), Used: v.Used}
		if v.UsedAt != nil {
			t := v.UsedAt.UTC()
			d.UsedAt = &t
		}
		return d
	}); err != nil {
		return err
	}
	return importDocs(ctx, db, r, colCalendarFeeds, func(f course.CalendarFeed) any {
		return calendarFeedDoc{ID: f.TokenHash, SessionID: f.SessionID, UserID: f.UserID, CreatedAt: f.CreatedAt.UTC()}
	})
}
