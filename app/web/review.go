package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
	"librecours/grading"
)

func (s *Server) registerReviewRoutes() {
	a := s.app
	a.Get("/sessions/:id/reviews", s.handleReviewIndex)
	a.Post("/sessions/:id/parts/:n/extra", onPart(s.handleReviewExtra))
	a.Get("/reviews/:rid", signedIn(s.handleReviewShow))
	a.Post("/reviews/:rid", signedIn(s.handleReviewSave))
	a.Post("/reviews/:rid/flag", signedIn(s.handleReviewFlag))

	a.Get("/api/v1/me/reviews", apiJSON(s.handleAPIMyReviews))
	a.Put("/api/v1/reviews/:rid", apiJSON(s.handleAPIReviewPut))
	a.Post("/api/v1/reviews/:rid/flag", apiJSON(s.handleAPIReviewFlag))
	a.Post("/api/v1/sessions/:id/parts/:n/reviews/extra", partAPI(s.handleAPIReviewExtra))
}

func (s *Server) handleReviewIndex(c *fiber.Ctx) error {
	u, sess, err := s.callerSession(c)
	if err != nil {
		return err
	}
	tasks, err := s.grading.MyReviews(c.UserContext(), u, sess.ID, 0)
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.reviews.title")
	p.Data = fiber.Map{"Session": sess, "Tasks": tasks}
	return s.render(c, "pages/reviews/index", p)
}

// findTask returns the actor's review task with that ID: reviewers only see
// their own reviews (others get 404, which tells nothing).
func (s *Server) findTask(c *fiber.Ctx, u *course.User, rid string) (*grading.ReviewTask, *course.Session, error) {
	task, err := s.grading.MyReview(c.UserContext(), u, rid)
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.course.Session(c.UserContext(), u, task.Review.SessionID)
	if err != nil {
		return nil, nil, err
	}
	return task, sess, nil
}

func (s *Server) handleReviewShow(c *fiber.Ctx, u *course.User) error {
	return s.renderReview(c, u, s.newPage(c, "app.review.title"), nil)
}

func (s *Server) renderReview(c *fiber.Ctx, u *course.User, p *page, draft map[string]int) error {
	task, sess, err := s.findTask(c, u, c.Params("rid"))
	if err != nil {
		return err
	}
	scores := task.Review.Scores
	if draft != nil {
		scores = draft
	}
	if p.Form["comment"] == "" {
		p.Form["comment"] = task.Review.Comment
	}
	part, _ := sess.Part(task.Review.Part)
	p.Data = fiber.Map{"Session": sess, "Part": part, "Task": task, "Scores": scores, "MinComment": sess.Settings.CommentMinLength,
		"Total": reviewTotal(task.Rubric, task.Review.Scores)}
	return s.render(c, "pages/reviews/show", p)
}

// reviewTotalView is the total of the saved scores, shown under the rubric.
type reviewTotalView struct {
	Points, Max int
	Percent     float64
}

// reviewTotal adds up the saved scores (a draft's too); nil before any.
func reviewTotal(rubric []grading.Criterion, scores map[string]int) *reviewTotalView {
	if len(scores) == 0 {
		return nil
	}
	t := &reviewTotalView{}
	for _, c := range rubric {
		t.Points += scores[c.ID]
		t.Max += c.MaxPoints
	}
	if t.Max > 0 {
		t.Percent = 100 * float64(t.Points) / float64(t.Max)
	}
	return t
}

// scoresFromForm reads "score_<criterion>" fields; an empty one is left out
// so the service names the missing criterion.
func scoresFromForm(c *fiber.Ctx) (map[string]int, error) {
	scores := map[string]int{}
	var bad error
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		if !strings.HasPrefix(key, "score_") || strings.TrimSpace(string(v)) == "" {
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(v)))
		if err != nil {
			// Not the service's out-of-range message: its criterion and
			// bounds are not known here.
			bad = &grading.ValidationError{Field: strings.TrimPrefix(key, "score_"), Key: "app.review.score_whole"}
			return
		}
		scores[strings.TrimPrefix(key, "score_")] = n
	})
	return scores, bad
}

func (s *Server) handleReviewSave(c *fiber.Ctx, u *course.User) error {
	scores, err := scoresFromForm(c)
	draft := c.FormValue("draft") != ""
	if err == nil && draft {
		if _, err = s.grading.SaveDraft(c.UserContext(), u, c.Params("rid"), scores, c.FormValue("comment")); err == nil {
			s.flash(c, "app.flash.review_draft_saved")
			return c.Redirect("/reviews/"+c.Params("rid"), http.StatusSeeOther)
		}
	}
	var saved *grading.Review
	if err == nil {
		saved, err = s.grading.SaveReview(c.UserContext(), u, c.Params("rid"), scores, c.FormValue("comment"))
	}
	if err != nil {
		p := s.newPage(c, "app.review.title")
		p.Form["comment"] = c.FormValue("comment")
		return s.formError(c, err, p, func() error { return s.renderReview(c, u, p, scores) })
	}
	s.flash(c, "app.flash.review_saved")
	return c.Redirect("/sessions/"+saved.SessionID+"/reviews", http.StatusSeeOther)
}

func (s *Server) handleReviewExtra(c *fiber.Ctx, u *course.User, id string, n int) error {
	r, err := s.grading.ExtraReview(c.UserContext(), u, id, n)
	if err != nil {
		return err
	}
	return c.Redirect("/reviews/"+r.ID, http.StatusSeeOther)
}

func (s *Server) handleReviewFlag(c *fiber.Ctx, u *course.User) error {
	r, err := s.grading.ReviewOfMyWork(c.UserContext(), u, c.Params("rid"))
	if err != nil {
		return err
	}
	return s.formAction(c, "app.flash.review_flagged", "app.part.title", "/sessions/"+r.SessionID+"/parts/"+strconv.Itoa(r.Part),
		func() error { return s.grading.FlagReview(c.UserContext(), u, r.ID, c.FormValue("reason")) },
		func(p *page) error { return s.renderPart(c, u, p, r.SessionID, r.Part) })
}

// API

type reviewTaskJSON struct {
	ID         string          `json:"id"`
	Part       int             `json:"part"`
	Status     string          `json:"status"`
	Required   bool            `json:"required"`
	Open       bool            `json:"open"`
	Submission map[string]any  `json:"submission"`
	Rubric     []criterionJSON `json:"rubric"`
	Scores     map[string]int  `json:"scores,omitempty"`
	Comment    string          `json:"comment,omitempty"`
	Reply      *replyJSON      `json:"reply,omitempty"` // the author's answer and rating, nameless (dialogue.go)
}

func toReviewTaskJSON(t grading.ReviewTask) reviewTaskJSON {
	j := reviewTaskJSON{ID: t.Review.ID, Part: t.Review.Part, Status: string(t.Review.Status), Required: t.Review.Required, Open: t.Open,
		Submission: map[string]any{"text": t.Text}, Rubric: mapJSON(t.Rubric, toCriterionJSON),
		Scores: t.Review.Scores, Comment: t.Review.Comment, Reply: toReplyJSON(t.Review.Reply)}
	if t.HasAttachment {
		j.Submission["attachment_url"] = "/api/v1/submissions/" + t.Review.SubmissionID + "/file"
	}
	return j
}

func (s *Server) handleAPIMyReviews(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	part := 0
	if v := c.Query("part"); v != "" {
		var err error
		if part, err = strconv.Atoi(v); err != nil || part < 1 || part > course.PartCount {
			return nil, course.Invalid("part", "app.error.part_number")
		}
	}
	if c.Query("session") == "" {
		return nil, course.Invalid("session", "app.error.session_required")
	}
	tasks, err := s.grading.MyReviews(c.UserContext(), u, c.Query("session"), part)
	if err != nil {
		return nil, err
	}
	return mapJSON(tasks, toReviewTaskJSON), nil
}

type reviewInJSON struct {
	Scores  map[string]int `json:"scores"`
	Comment string         `json:"comment"`
	Draft   bool           `json:"draft"` // keep as a draft: the review stays to do
}

func (s *Server) handleAPIReviewPut(c *fiber.Ctx, u *course.User, in *reviewInJSON) (any, error) {
	save := s.grading.SaveReview
	if in.Draft {
		save = s.grading.SaveDraft
	}
	r, err := save(c.UserContext(), u, c.Params("rid"), in.Scores, in.Comment)
	if err != nil {
		return nil, err
	}
	return fiber.Map{"id": r.ID, "status": r.Status, "scores": r.Scores, "comment": r.Comment, "updated_at": rfc3339(r.UpdatedAt)}, nil
}

func (s *Server) handleAPIReviewFlag(c *fiber.Ctx, u *course.User, in *reasonJSON) (any, error) {
	if err := s.grading.FlagReview(c.UserContext(), u, c.Params("rid"), in.Reason); err != nil {
		return nil, err
	}
	return fiber.Map{"id": c.Params("rid"), "flagged": true}, nil
}

func (s *Server) handleAPIReviewExtra(c *fiber.Ctx, u *course.User, id string, n int, _ *noBody) (any, error) {
	r, err := s.grading.ExtraReview(c.UserContext(), u, id, n)
	if err != nil {
		return nil, err
	}
	return created(fiber.Map{"id": r.ID, "status": r.Status, "part": r.Part}), nil
}
