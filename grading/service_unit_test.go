package grading_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"librecours/course"
	"librecours/grading"
)

func TestServiceExercise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		actor   *course.User
		part    int
		wantErr error
		stored  bool // the test exercise, not a default one
	}{
		{name: "anonymous", actor: nil, part: 1, wantErr: course.ErrUnauthenticated},
		{name: "outsider", actor: outsider, part: 1, wantErr: course.ErrForbidden},
		{name: "part not in session", actor: user("p1"), part: 5, wantErr: grading.ErrNotFound},
		{name: "participant, stored exercise", actor: user("p1"), part: 1, stored: true},
		{name: "animator, stored exercise", actor: anim, part: 2, stored: true},
		{name: "coordinator, default exercise", actor: coord, part: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ex, err := e.svc.Exercise(ctx, tt.actor, sid, tt.part)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr)
				return
			}
			noErr(t, err)
			if ex.Part != tt.part {
				t.Errorf("part = %d, want %d", ex.Part, tt.part)
			}
			if tt.stored {
				if ex.MaxTotal() != 10 {
					t.Errorf("stored exercise total = %d, want 10", ex.MaxTotal())
				}
				return
			}
			def := grading.DefaultExercises()[tt.part-1]
			if ex.Instructions != def.Instructions || ex.InstructionsHTML != "<p>"+def.Instructions+"</p>" {
				t.Errorf("default exercise not served rendered")
			}
		})
	}
}

func TestServicePutExercise(t *testing.T) {
	t.Parallel()
	valid := grading.Exercise{Part: 2, Instructions: "Nouvelles consignes", Rubric: rubric}
	tests := []struct {
		name     string
		actor    *course.User
		ex       grading.Exercise
		markdown error
		wantErr  error
		wantKey  string
	}{
		{name: "anonymous", ex: valid, wantErr: course.ErrUnauthenticated},
		{name: "participant", actor: user("p1"), ex: valid, wantErr: course.ErrForbidden},
		{name: "part outside the session", actor: coord, ex: grading.Exercise{Part: 6, Instructions: "x", Rubric: rubric}, wantErr: grading.ErrNotFound},
		{name: "no instructions", actor: anim, ex: grading.Exercise{Part: 2, Instructions: " ", Rubric: rubric}, wantKey: "grading.exercise.instructions_required"},
		{name: "empty rubric", actor: anim, ex: grading.Exercise{Part: 2, Instructions: "x"}, wantKey: "grading.exercise.rubric_empty"},
		{name: "markdown refused", actor: coord, ex: valid, markdown: errors.New("too deep"), wantErr: errors.New("")},
		{name: "animator saves", actor: anim, ex: valid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tt.markdown != nil {
				e.svc.Markdown = func(string, string) (string, error) { return "", tt.markdown }
			}
			err := e.svc.PutExercise(ctx, tt.actor, sid, tt.ex)
			switch {
			case tt.markdown != nil:
				wantErr(t, err, tt.markdown)
				return
			case tt.wantErr != nil:
				wantErr(t, err, tt.wantErr)
				return
			case tt.wantKey != "":
				wantKey(t, err, tt.wantKey)
				return
			}
			noErr(t, err)
			got, err := e.store.Exercise(ctx, sid, 2)
			noErr(t, err)
			if got.Instructions != "Nouvelles consignes" || got.InstructionsHTML != "<p>Nouvelles consignes</p>" {
				t.Errorf("stored %+v", got)
			}
		})
	}
}

func TestServiceInitSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	noErr(t, e.svc.InitSession(ctx, "s2"))
	exs, err := e.store.Exercises(ctx, "s2")
	noErr(t, err)
	if len(exs) != 6 {
		t.Fatalf("%d exercises stored, want 6", len(exs))
	}
	for i, ex := range exs {
		if ex.Part != i+1 || !strings.HasPrefix(ex.InstructionsHTML, "<p>") {
			t.Errorf("exercise %d: part %d, html %.10q", i, ex.Part, ex.InstructionsHTML)
		}
	}
	boom := errors.New("boom")
	e.svc.Markdown = func(string, string) (string, error) { return "", boom }
	wantErr(t, e.svc.InitSession(ctx, "s3"), boom)
}

func TestServiceSubmit(t *testing.T) {
	t.Parallel()
	type result struct {
		sub *grading.Submission
		err error
	}
	tests := []struct {
		name    string
		run     func(t *testing.T, e *env) result
		wantErr error
		wantKey string
		check   func(t *testing.T, e *env, sub *grading.Submission)
	}{
		{name: "anonymous", wantErr: course.ErrUnauthenticated, run: func(t *testing.T, e *env) result {
			sub, err := e.svc.Submit(ctx, nil, sid, 1, "x", nil)
			return result{sub, err}
		}},
		{name: "not enrolled", wantErr: course.ErrForbidden, run: func(t *testing.T, e *env) result {
			sub, err := e.svc.Submit(ctx, anim, sid, 1, "x", nil)
			return result{sub, err}
		}},
		{name: "unknown session", wantErr: course.ErrNotFound, run: func(t *testing.T, e *env) result {
			sub, err := e.svc.Submit(ctx, user("p1"), "nope", 1, "x", nil)
			return result{sub, err}
		}},
		{name: "part outside the session", wantErr: grading.ErrNotFound, run: func(t *testing.T, e *env) result {
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 4, "x", nil)
			return result{sub, err}
		}},
		{name: "text too large", wantErr: grading.ErrTooLarge, run: func(t *testing.T, e *env) result {
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, strings.Repeat("a", grading.MaxTextBytes+1), nil)
			return result{sub, err}
		}},
		{name: "invalid UTF-8", wantKey: "grading.submission.text_encoding", run: func(t *testing.T, e *env) result {
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "caf\xe9", nil)
			return result{sub, err}
		}},
		{name: "part not open", wantErr: grading.ErrPartNotOpen, run: func(t *testing.T, e *env) result {
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 2, "x", nil)
			return result{sub, err}
		}},
		{name: "blank text and no file", wantKey: "grading.submission.text_required", run: func(t *testing.T, e *env) result {
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "  \n ", nil)
			return result{sub, err}
		}},
		{name: "first version", run: func(t *testing.T, e *env) result {
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "  Mon travail  ", nil)
			return result{sub, err}
		}, check: func(t *testing.T, e *env, sub *grading.Submission) {
			if sub.ID == "" || sub.Version != 1 || sub.Late || sub.Text != "Mon travail" || sub.TextHTML != "<p>Mon travail</p>" || !sub.SubmittedAt.Equal(t0) {
				t.Errorf("submission %+v", sub)
			}
		}},
		{name: "second version keeps the ID and first time", run: func(t *testing.T, e *env) result {
			first, err := e.svc.Submit(ctx, user("p1"), sid, 1, "v1", nil)
			noErr(t, err)
			e.clock.Set(t0.Add(day))
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "v2", nil)
			if err == nil && sub.ID != first.ID {
				t.Errorf("ID changed: %s then %s", first.ID, sub.ID)
			}
			return result{sub, err}
		}, check: func(t *testing.T, e *env, sub *grading.Submission) {
			if sub.Version != 2 || !sub.SubmittedAt.Equal(t0) || !sub.UpdatedAt.Equal(t0.Add(day)) {
				t.Errorf("submission %+v", sub)
			}
			vs, err := e.store.Versions(ctx, sub.ID)
			noErr(t, err)
			if len(vs) != 2 || vs[0].Text != "v1" || vs[1].Text != "v2" {
				t.Errorf("versions %+v", vs)
			}
		}},
		{name: "version cap", wantKey: "grading.submission.versions", run: func(t *testing.T, e *env) result {
			e.svc.VersionCap = 2
			for range 2 {
				_, err := e.svc.Submit(ctx, user("p1"), sid, 1, "v", nil)
				noErr(t, err)
			}
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "v3", nil)
			return result{sub, err}
		}},
		{name: "attachment", run: func(t *testing.T, e *env) result {
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "", &grading.Upload{Data: pngFile(t)})
			return result{sub, err}
		}, check: func(t *testing.T, e *env, sub *grading.Submission) {
			if sub.Attachment == nil || sub.Attachment.ContentType != "image/png" || sub.Attachment.Name != "travail.png" || sub.Attachment.FileID == "" {
				t.Fatalf("attachment %+v", sub.Attachment)
			}
			// A new version without a file keeps it.
			next, err := e.svc.Submit(ctx, user("p1"), sid, 1, "Avec un texte", nil)
			noErr(t, err)
			if next.Attachment == nil || next.Attachment.FileID != sub.Attachment.FileID {
				t.Errorf("attachment lost: %+v", next.Attachment)
			}
		}},
		{name: "file type refused", wantKey: "grading.submission.file_type", run: func(t *testing.T, e *env) result {
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "x", &grading.Upload{Data: []byte("just some text, not a file type we take")})
			return result{sub, err}
		}},
		{name: "upload quota", wantKey: "grading.submission.quota", run: func(t *testing.T, e *env) result {
			e.svc.UploadQuota = 10
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "x", &grading.Upload{Data: pngFile(t)})
			return result{sub, err}
		}},
		{name: "after the deadline, a second version", wantErr: grading.ErrSubmissionsClosed, run: func(t *testing.T, e *env) result {
			e.submit(t, 1, "p1")
			e.clock.Set(part(1).SubmissionDue)
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "v2", nil)
			return result{sub, err}
		}},
		{name: "late work turned off", wantErr: grading.ErrSubmissionsClosed, run: func(t *testing.T, e *env) result {
			s := newSession()
			s.Settings.AcceptLate = false
			e.course.AddSession(s, people...)
			e.clock.Set(part(1).SubmissionDue.Add(1))
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "x", nil)
			return result{sub, err}
		}},
		{name: "late after review deadline", wantErr: grading.ErrSubmissionsClosed, run: func(t *testing.T, e *env) result {
			e.clock.Set(part(1).ReviewDue)
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "x", nil)
			return result{sub, err}
		}},
		{name: "late before assignment", run: func(t *testing.T, e *env) result {
			e.clock.Set(part(1).SubmissionDue.Add(day))
			sub, err := e.svc.Submit(ctx, user("p1"), sid, 1, "x", nil)
			return result{sub, err}
		}, check: func(t *testing.T, e *env, sub *grading.Submission) {
			if !sub.Late {
				t.Error("not marked late")
			}
			if rs := e.reviewsOf(t, 1, "p1"); len(rs) != 0 {
				t.Errorf("reviews given before assignment: %d", len(rs))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			res := tt.run(t, e)
			switch {
			case tt.wantErr != nil:
				wantErr(t, res.err, tt.wantErr)
			case tt.wantKey != "":
				wantKey(t, res.err, tt.wantKey)
			default:
				noErr(t, res.err)
				if tt.check != nil {
					tt.check(t, e, res.sub)
				}
			}
		})
	}
}

// A late submitter during reviews owes the reviews everyone owes, of
// on-time work, and those who finished theirs are given the late work.
func TestServiceSubmitLateInReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	subs := e.submit(t, 1, "p1", "p2", "p3", "p4", "p5")
	rep := e.assign(t, 1)
	if rep.ReviewsAssigned != 15 || rep.EffectiveK != 3 {
		t.Fatalf("report %+v, want 15 reviews of k=3", rep)
	}
	e.finishAll(t, 1, "p1", 6, 2)
	// Staff had handed one of p2's reviews to p6 before p6 submitted.
	e.clock.Set(part(1).SubmissionDue.Add(day))
	handed, err := e.svc.Reassign(ctx, anim, e.reviewsOf(t, 1, "p2")[0].ID, "p6")
	noErr(t, err)

	late, err := e.svc.Submit(ctx, user("p6"), sid, 1, "En retard", nil)
	noErr(t, err)
	if !late.Late {
		t.Fatal("not late")
	}
	owed := e.reviewsOf(t, 1, "p6")
	if len(owed) != 4 {
		t.Fatalf("late submitter holds %d reviews, want the one handed over and 3 owed", len(owed))
	}
	seen := map[string]bool{}
	for _, r := range owed {
		if seen[r.SubmissionID] {
			t.Errorf("p6 reviews %s twice", r.SubmissionID)
		}
		seen[r.SubmissionID] = true
		if r.ID != handed.ID && !r.Required || r.SubmissionID == late.ID || r.AuthorID == "p6" {
			t.Errorf("owed review %+v", r)
		}
	}
	// p1 had finished: they are given the late work as extra.
	got, err := e.store.ReviewsBySubmission(ctx, late.ID)
	noErr(t, err)
	if !slices.ContainsFunc(got, func(r grading.Review) bool { return r.ReviewerID == "p1" && !r.Required }) {
		t.Errorf("late work not offered to p1 who had finished: %+v", got)
	}
	for _, r := range got {
		if r.ReviewerID == "p6" {
			t.Error("late submitter reviews their own work")
		}
	}
	_ = subs
	// p6 finishing their reviews is never offered their own late work.
	e.finishAll(t, 1, "p6", 4, 1)
	for _, r := range e.reviewsOf(t, 1, "p6") {
		if r.SubmissionID == late.ID {
			t.Fatalf("p6 given their own late work: %+v", r)
		}
	}
	// A second save of late work is refused: the late window allows one.
	_, err = e.svc.Submit(ctx, user("p6"), sid, 1, "encore", nil)
	wantErr(t, err, grading.ErrSubmissionsClosed)
}

func TestServiceFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(t0)
	data := pngFile(t)
	withFile, err := e.svc.Submit(ctx, user("p1"), sid, 1, "", &grading.Upload{Data: data})
	noErr(t, err)
	e.submit(t, 1, "p2", "p3", "p4")
	e.assign(t, 1)
	rs, err := e.store.ReviewsBySubmission(ctx, withFile.ID)
	noErr(t, err)
	reviewer := rs[0].ReviewerID
	notReviewer := ""
	for _, id := range []string{"p2", "p3", "p4"} {
		if !slices.ContainsFunc(rs, func(r grading.Review) bool { return r.ReviewerID == id }) {
			notReviewer = id
		}
	}
	tests := []struct {
		name    string
		actor   *course.User
		sub     string
		wantErr error
	}{
		{name: "anonymous", sub: withFile.ID, wantErr: course.ErrUnauthenticated},
		{name: "author", actor: user("p1"), sub: withFile.ID},
		{name: "reviewer", actor: user(reviewer), sub: withFile.ID},
		{name: "animator", actor: anim, sub: withFile.ID},
		{name: "outsider", actor: outsider, sub: withFile.ID, wantErr: grading.ErrNotFound},
		{name: "unknown submission", actor: user("p1"), sub: "nope", wantErr: grading.ErrNotFound},
	}
	if notReviewer != "" {
		tests = append(tests, struct {
			name    string
			actor   *course.User
			sub     string
			wantErr error
		}{name: "participant not reviewing it", actor: user(notReviewer), sub: withFile.ID, wantErr: grading.ErrNotFound})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, got, err := e.svc.File(ctx, tt.actor, tt.sub)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr)
				return
			}
			noErr(t, err)
			if a.ContentType != "image/png" || len(got) == 0 || int64(len(got)) != a.Size {
				t.Errorf("file %+v, %d bytes", a, len(got))
			}
		})
	}
	t.Run("submission without a file", func(t *testing.T) {
		t.Parallel()
		sub, err := e.store.SubmissionByAuthor(ctx, sid, 1, "p2")
		noErr(t, err)
		_, _, err = e.svc.File(ctx, user("p2"), sub.ID)
		wantErr(t, err, grading.ErrNotFound)
	})
}

func TestServiceMySubmission(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	subs := e.submit(t, 1, "p1", "p2", "p3", "p4")
	t.Run("errors", func(t *testing.T) {
		_, err := e.svc.MySubmission(ctx, nil, sid, 1)
		wantErr(t, err, course.ErrUnauthenticated)
		_, err = e.svc.MySubmission(ctx, anim, sid, 1)
		wantErr(t, err, course.ErrForbidden)
		_, err = e.svc.MySubmission(ctx, user("p1"), sid, 9)
		wantErr(t, err, grading.ErrNotFound)
		_, err = e.svc.MySubmission(ctx, user("p5"), sid, 1)
		wantErr(t, err, grading.ErrNotFound)
	})
	e.assign(t, 1)
	for _, id := range []string{"p1", "p2", "p3", "p4"} {
		e.finishAll(t, 1, id, 6, 2)
	}
	// An animator's grade is not shown before the part closes.
	_, err := e.svc.SetGrade(ctx, anim, subs["p2"].ID, 90, "Excellent")
	noErr(t, err)
	hidden, err := e.svc.MySubmission(ctx, user("p2"), sid, 1)
	noErr(t, err)
	if hidden.Submission.Grade != nil || hidden.Submission.Animator != nil {
		t.Errorf("grade shown before closing: %+v", hidden.Submission)
	}
	mine, err := e.svc.MySubmission(ctx, user("p1"), sid, 1)
	noErr(t, err)
	if mine.Closed || mine.Reviews != nil || mine.Explain != nil || mine.Submission.ID != subs["p1"].ID {
		t.Errorf("before closing: %+v", mine)
	}
	e.clock.Set(part(1).ReviewDue)
	graded, err := e.svc.ClosePart(ctx, nil, sid, 1)
	noErr(t, err)
	if graded != 4 {
		t.Fatalf("%d graded, want 4", graded)
	}
	mine, err = e.svc.MySubmission(ctx, user("p1"), sid, 1)
	noErr(t, err)
	if !mine.Closed || mine.Submission.Grade == nil || mine.Explain == nil {
		t.Fatalf("after closing: %+v", mine)
	}
	if len(mine.Reviews) != 3 {
		t.Fatalf("%d reviews received, want 3", len(mine.Reviews))
	}
	var weights float64
	for _, r := range mine.Reviews {
		if r.Percent != 80 || r.Comment != comment {
			t.Errorf("received review %+v", r)
		}
		if r.Weighed {
			weights += r.Weight
			if p := r.WeightPercent(); p < 0 || p > 100 {
				t.Errorf("weight percent %v", p)
			}
		}
	}
	if weights > 1.0001 {
		t.Errorf("weights sum to %v, more than the whole grade", weights)
	}
	if g := mine.Submission.Grade; g.Source != grading.SourcePeers || g.ReviewCount != 3 || g.Score < 0 || g.Score > 100 {
		t.Errorf("grade %+v", g)
	}
	args := mine.Explain.Args()
	if args["PassMark"] != int(grading.PassMark) {
		t.Errorf("explanation args %v", args)
	}
}

func TestServiceAssignPart(t *testing.T) {
	t.Parallel()
	t.Run("forbidden and missing", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, err := e.svc.AssignPart(ctx, user("p1"), sid, 1)
		wantErr(t, err, course.ErrForbidden)
		_, err = e.svc.AssignPart(ctx, coord, sid, 5)
		wantErr(t, err, grading.ErrNotFound)
		_, err = e.svc.AssignPart(ctx, coord, "nope", 1)
		wantErr(t, err, course.ErrNotFound)
	})
	t.Run("scheduler assigns once", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		subs := e.submit(t, 1, "p1", "p2", "p3", "p4", "p5")
		rep := e.assign(t, 1)
		if rep.Submissions != 5 || rep.ReviewsAssigned != 15 || rep.Already {
			t.Fatalf("report %+v", rep)
		}
		st, err := e.store.PartState(ctx, sid, 1)
		noErr(t, err)
		if st.Phase != grading.PhaseReview || st.EffectiveK != 3 || !st.AssignedAt.Equal(part(1).SubmissionDue) {
			t.Errorf("state %+v", st)
		}
		rs, err := e.store.Reviews(ctx, sid, 1)
		noErr(t, err)
		per := map[string]int{}
		load := map[string]int{}
		for _, r := range rs {
			if r.ReviewerID == r.AuthorID || subs[r.AuthorID].ID != r.SubmissionID || !r.Required || r.Status != grading.ReviewAssigned {
				t.Errorf("review %+v", r)
			}
			per[r.SubmissionID]++
			load[r.ReviewerID]++
		}
		for id, sub := range subs {
			if per[sub.ID] != 3 || load[id] != 3 {
				t.Errorf("%s: %d reviews received, %d to do; want 3 and 3", id, per[sub.ID], load[id])
			}
		}
		ev := e.events.Events()
		if len(ev) != 1 || ev[0].Kind != "assigned" || len(ev[0].Reviews) != 15 {
			t.Errorf("events %+v", ev)
		}
		again, err := e.svc.AssignPart(ctx, nil, sid, 1)
		noErr(t, err)
		if !again.Already || again.ReviewsAssigned != 15 || again.Submissions != 5 {
			t.Errorf("second assignment %+v", again)
		}
	})
	t.Run("a fresh claim is another worker's", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.clock.Set(part(1).SubmissionDue)
		e.store.SetPartState(grading.PartState{SessionID: sid, Part: 1, Phase: grading.PhaseAssigning, ClaimedAt: part(1).SubmissionDue})
		_, err := e.svc.AssignPart(ctx, nil, sid, 1)
		wantErr(t, err, grading.ErrConflict)
	})
	t.Run("staff close early and a lone submission is queued", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		subs := e.submit(t, 1, "p1")
		early := part(1).SubmissionDue.Add(-2 * day)
		e.clock.Set(early)
		rep, err := e.svc.AssignPart(ctx, anim, sid, 1)
		noErr(t, err)
		if rep.ReviewsAssigned != 0 || rep.Mode != grading.AssignModeLone {
			t.Errorf("report %+v", rep)
		}
		if len(e.course.Updated) != 1 || !e.course.Updated[0].SubmissionDue.Equal(early) {
			t.Errorf("part not moved to now: %+v", e.course.Updated)
		}
		sub, err := e.store.SubmissionByID(ctx, subs["p1"].ID)
		noErr(t, err)
		if sub.QueuedAt == nil || !sub.QueuedAt.Equal(early) {
			t.Errorf("lone submission not queued: %v", sub.QueuedAt)
		}
	})
}

func TestServiceMyReviews(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.submit(t, 1, "p1", "p2", "p3", "p4")
	tasks, err := e.svc.MyReviews(ctx, user("p1"), sid, 1)
	noErr(t, err)
	if len(tasks) != 0 {
		t.Errorf("%d tasks before assignment", len(tasks))
	}
	e.assign(t, 1)
	for _, tt := range []struct {
		name    string
		actor   *course.User
		part    int
		wantErr error
		want    int
	}{
		{name: "anonymous", part: 1, wantErr: course.ErrUnauthenticated},
		{name: "animator", actor: anim, part: 1, wantErr: course.ErrForbidden},
		{name: "unknown part", actor: user("p1"), part: 8, wantErr: grading.ErrNotFound},
		{name: "part 1", actor: user("p1"), part: 1, want: 3},
		{name: "every part", actor: user("p1"), part: 0, want: 3},
		{name: "part 2", actor: user("p1"), part: 2, want: 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tasks, err := e.svc.MyReviews(ctx, tt.actor, sid, tt.part)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr)
				return
			}
			noErr(t, err)
			if len(tasks) != tt.want {
				t.Fatalf("%d tasks, want %d", len(tasks), tt.want)
			}
			for _, task := range tasks {
				if !task.Open || len(task.Rubric) != 2 || task.InstructionsHTML != "<p>Écrivez.</p>" || !strings.HasPrefix(task.Text, "Le travail de ") || strings.HasSuffix(task.Text, "p1") {
					t.Errorf("task %+v", task)
				}
			}
		})
	}
	e.clock.Set(part(1).ReviewDue)
	tasks, err = e.svc.MyReviews(ctx, user("p1"), sid, 1)
	noErr(t, err)
	for _, task := range tasks {
		if task.Open {
			t.Error("task open after the review deadline")
		}
	}
}

func TestServiceSaveReview(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		setup   func(e *env)
		actor   func(r grading.Review) *course.User
		scores  map[string]int
		comment string
		wantErr error
		wantKey string
	}{
		{name: "anonymous", actor: func(grading.Review) *course.User { return nil }, wantErr: course.ErrUnauthenticated},
		{name: "someone else's", actor: func(r grading.Review) *course.User { return user(r.AuthorID) }, wantErr: course.ErrForbidden},
		{name: "after the deadline", setup: func(e *env) { e.clock.Set(part(1).ReviewDue) }, wantErr: grading.ErrReviewsClosed},
		{name: "closing", setup: func(e *env) {
			e.store.SetPartState(grading.PartState{SessionID: sid, Part: 1, Phase: grading.PhaseClosing})
		}, wantErr: grading.ErrReviewsClosed},
		{name: "not open", setup: func(e *env) {
			e.store.SetPartState(grading.PartState{SessionID: sid, Part: 1, Phase: grading.PhaseAssigning})
		}, wantErr: grading.ErrReviewsNotOpen},
		{name: "score missing", scores: map[string]int{"fond": 3}, wantKey: "grading.review.score_missing"},
		{name: "score out of range", scores: map[string]int{"fond": 9, "forme": 1}, wantKey: "grading.review.score_out_of_range"},
		{name: "comment too short", comment: "Bien.", wantKey: "grading.review.comment_too_short"},
		{name: "comment too long", comment: strings.Repeat("a", 20_001), wantKey: "grading.review.comment_too_long"},
		{name: "handed in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.submit(t, 1, "p1", "p2", "p3", "p4")
			e.assign(t, 1)
			e.clock.Set(part(1).SubmissionDue.Add(day))
			r := e.reviewsOf(t, 1, "p1")[0]
			if tt.setup != nil {
				tt.setup(e)
			}
			actor := user("p1")
			if tt.actor != nil {
				actor = tt.actor(r)
			}
			scores := tt.scores
			if scores == nil {
				scores = map[string]int{"fond": 6, "forme": 1}
			}
			c := tt.comment
			if c == "" {
				c = comment
			}
			got, err := e.svc.SaveReview(ctx, actor, r.ID, scores, c)
			switch {
			case tt.wantErr != nil:
				wantErr(t, err, tt.wantErr)
				return
			case tt.wantKey != "":
				wantKey(t, err, tt.wantKey)
				return
			}
			noErr(t, err)
			if got.Status != grading.ReviewDone || got.Percent != 70 || got.DoneAt == nil || !got.DoneAt.Equal(e.clock.Now()) {
				t.Errorf("saved %+v", got)
			}
			stored, err := e.store.ReviewByID(ctx, r.ID)
			noErr(t, err)
			if stored.Status != grading.ReviewDone || stored.Percent != 70 || stored.Comment != comment {
				t.Errorf("stored %+v", stored)
			}
			// An edit keeps the first hand-in time.
			first := *got.DoneAt
			e.clock.Set(e.clock.Now().Add(day))
			got, err = e.svc.SaveReview(ctx, actor, r.ID, map[string]int{"fond": 8, "forme": 2}, comment)
			noErr(t, err)
			if got.Percent != 100 || !got.DoneAt.Equal(first) {
				t.Errorf("edit %+v", got)
			}
		})
	}
}

// Finishing one's reviews of a part gets one offered a late submission
// still short of reviewers.
func TestServiceSaveReviewOffersLateWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.submit(t, 1, "p1", "p2", "p3", "p4", "p5")
	e.assign(t, 1)
	e.clock.Set(part(1).SubmissionDue.Add(day))
	late, err := e.svc.Submit(ctx, user("p6"), sid, 1, "En retard", nil)
	noErr(t, err)
	before, err := e.store.ReviewsBySubmission(ctx, late.ID)
	noErr(t, err)
	if len(before) != 0 {
		t.Fatalf("late work reviewed by %d before anyone finished", len(before))
	}
	mine := e.reviewsOf(t, 1, "p2")
	for i, r := range mine {
		e.review(t, r, 4, 1)
		got, err := e.store.ReviewsBySubmission(ctx, late.ID)
		noErr(t, err)
		if i < len(mine)-1 && len(got) != 0 {
			t.Fatalf("late work offered before p2 finished")
		}
	}
	got, err := e.store.ReviewsBySubmission(ctx, late.ID)
	noErr(t, err)
	if len(got) != 1 || got[0].ReviewerID != "p2" || got[0].Required {
		t.Fatalf("late work reviews %+v, want one extra review by p2", got)
	}
}

func TestServiceSaveDraft(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.submit(t, 1, "p1", "p2", "p3", "p4")
	e.assign(t, 1)
	rs := e.reviewsOf(t, 1, "p1")
	e.review(t, rs[1], 5, 1)
	tests := []struct {
		name    string
		review  grading.Review
		scores  map[string]int
		comment string
		wantErr error
		wantKey string
	}{
		{name: "handed in already", review: rs[1], scores: map[string]int{"fond": 1}, wantKey: "grading.review.draft_done"},
		{name: "score out of range", review: rs[0], scores: map[string]int{"forme": 3}, wantKey: "grading.review.score_out_of_range"},
		{name: "unknown criterion", review: rs[0], scores: map[string]int{"style": 1}, wantKey: "grading.review.unknown_criterion"},
		{name: "comment too long", review: rs[0], comment: strings.Repeat("é", 10_001), wantKey: "grading.review.comment_too_long"},
		{name: "incomplete draft", review: rs[0], scores: map[string]int{"fond": 7}, comment: " à finir "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.svc.SaveDraft(ctx, user("p1"), tt.review.ID, tt.scores, tt.comment)
			switch {
			case tt.wantErr != nil:
				wantErr(t, err, tt.wantErr)
				return
			case tt.wantKey != "":
				wantKey(t, err, tt.wantKey)
				return
			}
			noErr(t, err)
			stored, err := e.store.ReviewByID(ctx, tt.review.ID)
			noErr(t, err)
			if got.Status != grading.ReviewAssigned || stored.Status != grading.ReviewAssigned || stored.Scores["fond"] != 7 || stored.Comment != "à finir" || stored.Percent != 0 {
				t.Errorf("draft stored as %+v", stored)
			}
		})
	}
}
