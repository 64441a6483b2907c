package web

import (
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
	"librecours/grading"
)

// Reviews as a dialogue (issue #12 item 7): the author of a reviewed
// submission replies once to each review and rates its helpfulness, from
// the part page (a form, no JavaScript) or the API. The reviewer's page
// and the staff's submission page show the thread through the dialogue_*
// partials; the JSON of reviews carries it as "reply".

func (s *Server) registerDialogueRoutes() {
	s.app.Post("/reviews/:rid/reply", signedIn(s.handleReviewReply))
	s.app.Put("/api/v1/reviews/:rid/reply", apiJSON(s.handleAPIReviewReply))
}

// handleReviewReply saves the reply and/or rating posted from the part
// page, then goes back to it; a refusal shows the page with the field
// marked and what was typed kept.
func (s *Server) handleReviewReply(c *fiber.Ctx, u *course.User) error {
	r, err := s.grading.ReviewOfMyWork(c.UserContext(), u, c.Params("rid"))
	if err != nil {
		return err
	}
	return s.formAction(c, "app.flash.reply_saved", "app.part.title", "/sessions/"+r.SessionID+"/parts/"+strconv.Itoa(r.Part),
		func() error {
			h, err := formHelpfulness(c.FormValue("helpfulness"))
			if err != nil {
				return err
			}
			_, err = s.grading.ReplyToReview(c.UserContext(), u, r.ID, c.FormValue("text"), h)
			return err
		},
		func(p *page) error { return s.renderPart(c, u, p, r.SessionID, r.Part) })
}

// formHelpfulness reads the rating's radio buttons: none chosen is 0 (the
// rating left as it is).
func formHelpfulness(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e := course.Invalid("helpfulness", grading.KeyHelpfulnessRange)
		e.Args = map[string]any{"Min": grading.MinHelpfulness, "Max": grading.MaxHelpfulness}
		return 0, e
	}
	return n, nil
}

type replyInJSON struct {
	Text        string `json:"text"`
	Helpfulness int    `json:"helpfulness"` // 1..5; 0 or absent leaves the rating as it is
}

func (s *Server) handleAPIReviewReply(c *fiber.Ctx, u *course.User, in *replyInJSON) (any, error) {
	r, err := s.grading.ReplyToReview(c.UserContext(), u, c.Params("rid"), in.Text, in.Helpfulness)
	if err != nil {
		return nil, err
	}
	return fiber.Map{"id": r.ID, "reply": toReplyJSON(r.Reply)}, nil
}

// replyJSON is the author's reply to a review, as the author, the reviewer
// and the staff read it: no one's name or ID.
type replyJSON struct {
	Text        string `json:"text,omitempty"`
	HTML        string `json:"html,omitempty"`
	At          string `json:"at,omitempty"`
	Helpfulness int    `json:"helpfulness,omitempty"`
	RatedAt     string `json:"rated_at,omitempty"`
}

func toReplyJSON(rp *grading.Reply) *replyJSON {
	if rp == nil {
		return nil
	}
	j := &replyJSON{Text: rp.Text, HTML: rp.TextHTML, Helpfulness: rp.Helpfulness}
	if !rp.At.IsZero() {
		j.At = rfc3339(rp.At)
	}
	if !rp.RatedAt.IsZero() {
		j.RatedAt = rfc3339(rp.RatedAt)
	}
	return j
}

// reviewerQualityJSON is a reviewer's quality score over the session
// (grading.ReviewQuality), for the staff.
type reviewerQualityJSON struct {
	Score       float64  `json:"score"`
	Reviews     int      `json:"reviews"`
	Agreement   *float64 `json:"agreement"`
	Comments    float64  `json:"comments"`
	Helpfulness *float64 `json:"helpfulness"`
	Rated       int      `json:"rated"`
}

func toReviewerQualityJSON(q grading.ReviewerQuality) *reviewerQualityJSON {
	if q.Reviews == 0 {
		return nil
	}
	round := func(p *float64, unit float64) *float64 {
		if p == nil {
			return nil
		}
		x := math.Round(*p*unit) / unit
		return &x
	}
	return &reviewerQualityJSON{Score: q.Score, Reviews: q.Reviews, Agreement: round(q.Agreement, 10), Comments: math.Round(q.Comments*10) / 10,
		Helpfulness: round(q.Helpfulness, 100), Rated: q.Rated}
}
