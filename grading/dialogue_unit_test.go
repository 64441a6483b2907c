package grading_test

import (
	"strings"
	"testing"

	"librecours/grading"
)

// receivedBy returns the done reviews of author's part-1 work in the
// closed fixture.
func receivedBy(t *testing.T, e *env, author string) []grading.Review {
	t.Helper()
	rs, err := e.store.Reviews(ctx, sid, 1)
	noErr(t, err)
	var out []grading.Review
	for _, r := range rs {
		if r.AuthorID == author && r.Status == grading.ReviewDone {
			out = append(out, r)
		}
	}
	if len(out) < 2 {
		t.Fatalf("%s received %d reviews, want 2 or more", author, len(out))
	}
	return out
}

func TestReplyToReview(t *testing.T) {
	t.Parallel()
	e, _ := closed(t)
	rs := receivedBy(t, e, "p1")
	r := rs[0]
	at := e.clock.Now().UTC()

	// Only the author replies: the reviewer, another participant and the
	// staff do not find the review.
	for _, u := range []string{r.ReviewerID, "p6", "anim"} {
		_, err := e.svc.ReplyToReview(ctx, user(u), r.ID, "Merci pour ce retour.", 4)
		wantErr(t, err, grading.ErrNotFound)
	}
	_, err := e.svc.ReplyToReview(ctx, nil, r.ID, "Merci", 4)
	if err == nil {
		t.Fatal("anonymous reply accepted")
	}

	tests := []struct {
		name, text  string
		helpfulness int
		key         string
	}{
		{"nothing", "  ", 0, grading.KeyReplyEmpty},
		{"rating 0 is none, text empty", "", 0, grading.KeyReplyEmpty},
		{"rating below range", "Merci", -1, grading.KeyHelpfulnessRange},
		{"rating above range", "Merci", 6, grading.KeyHelpfulnessRange},
		{"text too long", strings.Repeat("é", grading.MaxReplyRunes+1), 3, grading.KeyReplyTooLong},
	}
	for _, tt := range tests {
		_, err := e.svc.ReplyToReview(ctx, user("p1"), r.ID, tt.text, tt.helpfulness)
		wantKey(t, err, tt.key)
	}

	got, err := e.svc.ReplyToReview(ctx, user("p1"), r.ID, "  Merci, **très** utile.  ", 4)
	noErr(t, err)
	want := grading.Reply{Text: "Merci, **très** utile.", TextHTML: "<p>Merci, **très** utile.</p>", At: at, Helpfulness: 4, RatedAt: at}
	if got.Reply == nil || *got.Reply != want {
		t.Fatalf("reply = %+v, want %+v", got.Reply, want)
	}

	// Once answered, sending nothing points at the rating, the only field left.
	_, err = e.svc.ReplyToReview(ctx, user("p1"), r.ID, " ", 0)
	if ve, ok := err.(*grading.ValidationError); !ok || ve.Field != "helpfulness" || ve.Key != grading.KeyReplyEmpty {
		t.Fatalf("empty after the text: %v, want %s on helpfulness", err, grading.KeyReplyEmpty)
	}

	// Once: a second text is refused and leaves the first.
	_, err = e.svc.ReplyToReview(ctx, user("p1"), r.ID, "Autre chose", 0)
	wantErr(t, err, grading.ErrAlreadyReplied)

	// The rating may change until the session closes; the text stays.
	e.clock.Set(at.Add(day))
	got, err = e.svc.ReplyToReview(ctx, user("p1"), r.ID, "", 2)
	noErr(t, err)
	want.Helpfulness, want.RatedAt = 2, at.Add(day)
	if *got.Reply != want {
		t.Fatalf("after re-rating, reply = %+v, want %+v", got.Reply, want)
	}

	// A rating alone, then a text later: both kept.
	r2 := rs[1]
	_, err = e.svc.ReplyToReview(ctx, user("p1"), r2.ID, "", 5)
	noErr(t, err)
	got, err = e.svc.ReplyToReview(ctx, user("p1"), r2.ID, "Je n’avais pas vu.", 0)
	noErr(t, err)
	if got.Reply.Helpfulness != 5 || got.Reply.Text != "Je n’avais pas vu." {
		t.Fatalf("reply = %+v, want rating 5 and the text", got.Reply)
	}

	// The author reads their reply with the review received.
	mine, err := e.svc.MySubmission(ctx, user("p1"), sid, 1)
	noErr(t, err)
	found := false
	for _, rr := range mine.Reviews {
		if rr.ID == r.ID {
			found = rr.Reply != nil && rr.Reply.Text == want.Text
		}
	}
	if !found {
		t.Fatal("the author's view of the review lacks the reply")
	}

	// The reviewer reads the reply to their review, which names no one.
	task, err := e.svc.MyReview(ctx, user(r.ReviewerID), r.ID)
	noErr(t, err)
	if task.Review.Reply == nil || task.Review.Reply.Text != want.Text {
		t.Fatalf("the reviewer sees reply %+v", task.Review.Reply)
	}
	if strings.Contains(task.Review.Reply.Text+task.Review.Reply.TextHTML, "p1") {
		t.Fatal("the reply names its author")
	}

	// The animators see the thread and the reviewer's quality score with
	// the author's rating in it.
	it, err := e.svc.StaffSubmission(ctx, anim, r.SubmissionID)
	noErr(t, err)
	var sr *grading.StaffReview
	for i := range it.Reviews {
		if it.Reviews[i].Review.ID == r.ID {
			sr = &it.Reviews[i]
		}
	}
	if sr == nil || sr.Review.Reply == nil || sr.Review.Reply.Text != want.Text {
		t.Fatalf("the staff see %+v", sr)
	}
	if sr.Reviewer.Rated < 1 || sr.Reviewer.Helpfulness == nil || sr.Reviewer.Reviews < 1 {
		t.Fatalf("the reviewer's quality %+v counts no rating", sr.Reviewer)
	}

	// Closing the session freezes the dialogue.
	closedSession := newSession()
	closedAt := e.clock.Now()
	closedSession.ClosedAt = &closedAt
	e.course.AddSession(closedSession)
	_, err = e.svc.ReplyToReview(ctx, user("p1"), r.ID, "", 3)
	wantErr(t, err, grading.ErrDialogueClosed)
}

// A review is answered only once its part is closed: before, its author
// does not see it.
func TestReplyBeforeClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.submit(t, 1, "p1", "p2", "p3", "p4")
	e.assign(t, 1)
	e.clock.Set(part(1).SubmissionDue.Add(day))
	var done grading.Review
	for _, r := range e.reviewsOf(t, 1, "p2") {
		done = *e.review(t, r, 6, 2)
	}
	_, err := e.svc.ReplyToReview(ctx, user(done.AuthorID), done.ID, "Merci", 4)
	wantErr(t, err, grading.ErrNotFound)
}
