package grading

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"librecours/course"
)

// Reviews are a dialogue (issue #12 item 7): once a part is closed and its
// reviews shown to their authors, the author of a reviewed submission may
// answer each review they received once, and rate how helpful it was (1 to
// 5). The text is final once sent; the rating may change until the session
// closes, when the certificates read it (the reviewer-quality score,
// quality.go). The reviewer reads the answer to their review (and is told
// of its text, ReplyNotifier) and the animators the whole thread; neither
// side ever learns the other's name.

// MaxReplyRunes bounds the text of a reply, in characters.
const MaxReplyRunes = 4000

// Helpfulness ratings run from MinHelpfulness to MaxHelpfulness.
const (
	MinHelpfulness = 1
	MaxHelpfulness = 5
)

// Reply is the author's answer to one review they received.
type Reply struct {
	Text        string    // Markdown, as written; "" when the author only rated
	TextHTML    string    // Text rendered and sanitised when saved
	At          time.Time // when the text was sent; zero without text
	Helpfulness int       // MinHelpfulness..MaxHelpfulness; 0 when not rated
	RatedAt     time.Time // the latest rating; zero without one
}

// ReplyNotifier is what a Notifier (Service.Events) may also do: hear that
// an author answered a review, to tell its reviewer. It is told the review
// and its reviewer only, never the author, so no notice can name them.
type ReplyNotifier interface {
	// ReviewReplied follows the text of the reply to review reviewID
	// (session sess, part), once: on the call whose Store.SetReply
	// recorded the text, which the store does for one call only. A
	// helpfulness rating alone tells nothing: it may change until the
	// session closes, and it is a number for the reviewer-quality score,
	// not a message to read.
	ReviewReplied(ctx context.Context, sess *course.Session, part int, reviewID, reviewerID string)
}

// Translation keys of the reply's validation errors.
const (
	KeyReplyEmpty       = "grading.reply.empty"
	KeyReplyTooLong     = "grading.reply.too_long"
	KeyHelpfulnessRange = "grading.reply.helpfulness_range"
)

// ReplyToReview records the author's answer to a review and/or their rating
// of its helpfulness (0 leaves the rating as it is). Only the author of
// the reviewed submission may, once the part is closed (before, they do not
// see the review) and until the session closes (ErrDialogueClosed). A
// second text is ErrAlreadyReplied; a rating may change.
func (s *Service) ReplyToReview(ctx context.Context, actor *course.User, reviewID, text string, helpfulness int) (*Review, error) {
	r, err := s.ReviewOfMyWork(ctx, actor, reviewID)
	if err != nil {
		return nil, err
	}
	if r.Status != ReviewDone {
		return nil, ErrNotFound // the author never sees a review not handed in
	}
	st, err := s.Store.PartState(ctx, r.SessionID, r.Part)
	if err != nil {
		return nil, err
	}
	if st.Phase != PhaseClosed {
		return nil, ErrNotFound // reviews are shown to their authors at close
	}
	sess, err := s.Course.SessionByID(ctx, r.SessionID)
	if err != nil {
		return nil, err
	}
	if sess.ClosedAt != nil {
		return nil, ErrDialogueClosed
	}
	text = strings.TrimSpace(text)
	switch {
	case utf8.RuneCountInString(text) > MaxReplyRunes:
		e := invalid("text", KeyReplyTooLong)
		e.Args = map[string]any{"Max": MaxReplyRunes}
		return nil, e
	case helpfulness != 0 && (helpfulness < MinHelpfulness || helpfulness > MaxHelpfulness):
		e := invalid("helpfulness", KeyHelpfulnessRange)
		e.Args = map[string]any{"Min": MinHelpfulness, "Max": MaxHelpfulness}
		return nil, e
	case text == "" && helpfulness == 0:
		if r.Reply != nil && r.Reply.Text != "" {
			return nil, invalid("helpfulness", KeyReplyEmpty) // the text is sent: only the rating is asked
		}
		return nil, invalid("text", KeyReplyEmpty)
	case text != "" && r.Reply != nil && r.Reply.Text != "":
		return nil, ErrAlreadyReplied
	}
	now := s.Now().UTC()
	rp := Reply{Helpfulness: helpfulness}
	if text != "" {
		if rp.TextHTML, err = s.render("text", text); err != nil {
			return nil, err
		}
		rp.Text, rp.At = text, now
	}
	if helpfulness != 0 {
		rp.RatedAt = now
	}
	if err := s.Store.SetReply(ctx, r.ID, rp); err != nil {
		return nil, err
	}
	s.queues.expire(r.SessionID)
	if rn, ok := s.Events.(ReplyNotifier); ok && text != "" {
		rn.ReviewReplied(ctx, sess, r.Part, r.ID, r.ReviewerID)
	}
	return s.Store.ReviewByID(ctx, r.ID)
}
