package grading_test

import (
	"testing"

	"librecours/course"
	"librecours/grading"
)

func TestServiceUnenrol(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(t *testing.T, e *env)
		actor   *course.User
		session string // sid when empty
		target  string
		wantErr error
		wantKey string
	}{
		{name: "animator", actor: anim, target: "p6", wantErr: course.ErrForbidden},
		{name: "unknown session", actor: coord, session: "nope", target: "p6", wantErr: course.ErrNotFound},
		{name: "closed session", actor: coord, target: "p6", wantErr: course.ErrSessionClosed, setup: func(t *testing.T, e *env) {
			s := newSession()
			at := t0
			s.ClosedAt = &at
			e.course.AddSession(s, people...)
		}},
		{name: "not enrolled", actor: coord, target: "out", wantKey: "course.enrol.not_enrolled"},
		{name: "has submitted", actor: coord, target: "p1", wantKey: "course.enrol.has_work", setup: func(t *testing.T, e *env) {
			e.submit(t, 1, "p1")
		}},
		{name: "has reviews to do", actor: coord, target: "p2", wantKey: "course.enrol.has_work", setup: func(t *testing.T, e *env) {
			noErr(t, e.store.InsertReviews(ctx, []grading.Review{{ID: "r1", SessionID: sid, Part: 1, SubmissionID: "x", AuthorID: "p1", ReviewerID: "p2"}}))
		}},
		{name: "let a review lapse", actor: coord, target: "p3", wantKey: "course.enrol.has_work", setup: func(t *testing.T, e *env) {
			noErr(t, e.store.InsertReviews(ctx, []grading.Review{{ID: "r1", SessionID: sid, Part: 1, SubmissionID: "x", AuthorID: "p1", ReviewerID: "p2", TakenFrom: "p3"}}))
		}},
		{name: "unenrolled", actor: coord, target: "p6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			session := tt.session
			if session == "" {
				session = sid
			}
			err := e.svc.Unenrol(ctx, tt.actor, session, tt.target)
			switch {
			case tt.wantErr != nil:
				wantErr(t, err, tt.wantErr)
				return
			case tt.wantKey != "":
				wantKey(t, err, tt.wantKey)
				return
			}
			noErr(t, err)
			if ok, _ := e.course.IsEnrolled(ctx, sid, tt.target); ok {
				t.Error("still enrolled")
			}
			a := e.audit.Entries()
			if len(a) != 1 || a[0].Action != course.AuditUnenrol || a[0].Target != tt.target || a[0].ActorID != "coord" || a[0].Detail != course.AuditDetail("audit.detail.unenrol", map[string]string{"Session": "LCIII-001"}) {
				t.Errorf("audit %+v", a)
			}
		})
	}
}

func TestServiceCancelSession(t *testing.T) {
	t.Parallel()
	empty := newSession()
	empty.ID, empty.Code = "s-empty", "LCIII-002"
	at := t0
	closedEmpty := newSession()
	closedEmpty.ID, closedEmpty.ClosedAt = "s-closed", &at
	tests := []struct {
		name    string
		actor   *course.User
		session string
		wantErr error
		wantKey string
	}{
		{name: "animator", actor: anim, session: "s-empty", wantErr: course.ErrForbidden},
		{name: "unknown", actor: coord, session: "nope", wantErr: course.ErrNotFound},
		{name: "has participants", actor: coord, session: sid, wantKey: "course.session.cancel_has_participants"},
		{name: "closed", actor: coord, session: "s-closed", wantKey: "course.session.cancel_has_participants"},
		{name: "cancelled", actor: coord, session: "s-empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.course.AddSession(empty)
			e.course.AddSession(closedEmpty)
			sess, err := e.svc.CancelSession(ctx, tt.actor, tt.session)
			switch {
			case tt.wantErr != nil:
				wantErr(t, err, tt.wantErr)
				return
			case tt.wantKey != "":
				wantKey(t, err, tt.wantKey)
				return
			}
			noErr(t, err)
			if sess.Code != "LCIII-002" || len(e.course.Deleted) != 1 || e.course.Deleted[0] != "s-empty" {
				t.Errorf("cancelled %+v, deleted %v", sess, e.course.Deleted)
			}
			if a := e.audit.Entries(); len(a) != 1 || a[0].Action != course.AuditSessionCancel || a[0].Target != "LCIII-002" {
				t.Errorf("audit %+v", a)
			}
		})
	}
	// The store refuses a session with submissions (a race with an
	// enrolment): the same validation error.
	t.Run("store conflict", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.course.AddSession(empty)
		e.course.Fail = func(op string) error {
			if op == "DeleteSession" {
				return course.ErrConflict
			}
			return nil
		}
		_, err := e.svc.CancelSession(ctx, coord, "s-empty")
		wantKey(t, err, "course.session.cancel_has_participants")
	})
}

func TestCancellable(t *testing.T) {
	t.Parallel()
	at := t0
	for _, tt := range []struct {
		name string
		s    course.Session
		want bool
	}{
		{name: "empty and open", s: course.Session{}, want: true},
		{name: "someone enrolled", s: course.Session{Enrolled: 1}},
		{name: "closed", s: course.Session{ClosedAt: &at}},
	} {
		if got := grading.Cancellable(&tt.s); got != tt.want {
			t.Errorf("%s: Cancellable = %v, want %v", tt.name, got, tt.want)
		}
	}
}
