package grading_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"librecours/course"
	"librecours/grading"
	"librecours/grading/gradingtest"
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

// replyNotifier is the test Notifier that also hears of replies
// (grading.ReplyNotifier).
type replyNotifier struct {
	*gradingtest.Notifier
	mu      sync.Mutex
	replies []heardReply
}

type heardReply struct {
	Session, ReviewID, ReviewerID string
	Part                          int
}

func (n *replyNotifier) ReviewReplied(_ context.Context, sess *course.Session, part int, reviewID, reviewerID string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.replies = append(n.replies, heardReply{Session: sess.ID, Part: part, ReviewID: reviewID, ReviewerID: reviewerID})
}

func (n *replyNotifier) heard() []heardReply {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.replies)
}

var _ grading.ReplyNotifier = (*replyNotifier)(nil)

// TestReplyTellsTheReviewer: the reviewer hears of the text of a reply
// once, with their review and no word of the author; a rating alone, a
// refused second text, an invalid reply and a reply the store could not
// keep tell nothing.
func TestReplyTellsTheReviewer(t *testing.T) {
	t.Parallel()
	e, _ := closed(t)
	n := &replyNotifier{Notifier: e.events}
	e.svc.Events = n
	rs := receivedBy(t, e, "p1")
	r, r2 := rs[0], rs[1]
	if r.ReviewerID == "" || r.ReviewerID == "p1" {
		t.Fatalf("review %s has reviewer %q", r.ID, r.ReviewerID)
	}

	steps := []struct {
		name        string
		review      grading.Review
		text        string
		helpfulness int
		fail        bool // the store refuses SetReply
		want        []heardReply
	}{
		{name: "a rating alone", review: r, helpfulness: 3},
		{name: "a rating changed", review: r, helpfulness: 5},
		{name: "an invalid rating with a text", review: r, text: "Merci", helpfulness: 9},
		{name: "a text the store could not keep", review: r, text: "Merci", fail: true},
		{name: "the text", review: r, text: "Merci, très utile.", want: []heardReply{{sid, r.ID, r.ReviewerID, 1}}},
		{name: "a second text, refused", review: r, text: "Encore merci", want: []heardReply{{sid, r.ID, r.ReviewerID, 1}}},
		{name: "a rating after the text", review: r, helpfulness: 2, want: []heardReply{{sid, r.ID, r.ReviewerID, 1}}},
		{name: "a text with a rating, another review", review: r2, text: "Je n’avais pas vu.", helpfulness: 4,
			want: []heardReply{{sid, r.ID, r.ReviewerID, 1}, {sid, r2.ID, r2.ReviewerID, 1}}},
	}
	for _, s := range steps {
		if s.fail {
			e.store.Fail = func(op string) error {
				if op == "SetReply" {
					return errors.New("disk full")
				}
				return nil
			}
		}
		_, err := e.svc.ReplyToReview(ctx, user("p1"), s.review.ID, s.text, s.helpfulness)
		e.store.Fail = nil
		if ok := err == nil; ok == (s.fail || s.helpfulness > grading.MaxHelpfulness || s.name == "a second text, refused") {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := n.heard(); !slices.Equal(got, s.want) {
			t.Fatalf("after %s, the notifier heard %+v, want %+v", s.name, got, s.want)
		}
	}
	for _, h := range n.heard() {
		if strings.Contains(fmt.Sprint(h), "p1") {
			t.Fatalf("the notice %+v names the author", h)
		}
	}

	// A Notifier that does not hear replies is not asked (the service
	// does not fail for want of one).
	e.svc.Events = e.events
	rs3 := receivedBy(t, e, "p2")
	if _, err := e.svc.ReplyToReview(ctx, user("p2"), rs3[0].ID, "Merci", 0); err != nil {
		t.Fatal(err)
	}
	if len(n.heard()) != 2 {
		t.Fatalf("the replaced notifier heard %+v", n.heard())
	}
}
