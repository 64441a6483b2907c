package web

import (
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
	"librecours/grading"
)

func (s *Server) registerCorrectionRoutes() {
	a := s.app
	a.Get("/sessions/:id/corrections", s.handleCorrectionIndex)
	a.Get("/sessions/:id/submissions", s.handleStaffSubmissionIndex)
	a.Get("/submissions/:sid", signedIn(s.handleStaffSubmissionShow))
	a.Post("/submissions/:sid/grade", signedIn(s.handleStaffGrade))
	a.Post("/submissions/:sid/confirm", signedIn(s.handleStaffConfirm))
	a.Post("/reviews/:rid/reassign", signedIn(s.handleStaffReassign))

	a.Get("/api/v1/sessions/:id/corrections", apiJSON(s.handleAPICorrections))
	a.Get("/api/v1/submissions/:sid", apiJSON(s.handleAPIStaffSubmission))
	a.Put("/api/v1/submissions/:sid/grade", apiJSON(s.handleAPIGrade))
	a.Post("/api/v1/submissions/:sid/confirm", apiJSON(s.handleAPIConfirm))
	a.Post("/api/v1/reviews/:rid/reassign", apiJSON(s.handleAPIReassign))
}

func (s *Server) handleCorrectionIndex(c *fiber.Ctx) error {
	u, sess, err := s.callerSession(c)
	if err != nil {
		return err
	}
	q, err := s.grading.CorrectionQueue(c.UserContext(), u, sess.ID)
	if err != nil {
		return err
	}
	pg, err := pageOf(c, len(q.Items), queuePageSize)
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.corrections.title")
	p.Data = fiber.Map{"Session": sess, "Items": queueRows(p, sess.TimeZone, q.Items[pg.From:pg.To], pg.FirstOnPage), "Pager": pg,
		"Stale": q.Stale, "At": p.Time(q.At, sess.TimeZone), "Patched": q.Patched}
	return s.render(c, "pages/corrections/index", p)
}

// handleStaffSubmissionIndex lists every submission of the session for
// its staff, queued or not, by part: the correction queue holds only those
// that need an animator.
func (s *Server) handleStaffSubmissionIndex(c *fiber.Ctx) error {
	u, sess, err := s.callerSession(c)
	if err != nil {
		return err
	}
	items, err := s.grading.StaffSubmissions(c.UserContext(), u, sess.ID)
	if err != nil {
		return err
	}
	pg, err := pageOf(c, len(items), queuePageSize)
	if err != nil {
		return err
	}
	items = items[pg.From:pg.To]
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.Submission.AuthorID
	}
	names, err := s.course.Names(c.UserContext(), u, ids)
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.submissions.title")
	rows := queueRows(p, sess.TimeZone, items, pg.FirstOnPage)
	for i := range rows {
		rows[i].Author = names[items[i].Submission.AuthorID]
	}
	p.Data = fiber.Map{"Session": sess, "Items": rows, "Pager": pg}
	return s.render(c, "pages/corrections/all", p)
}

// queueRow is a line of the correction queue page, its texts written once
// here: a template calling the page's methods on each of 50 rows spent most
// of the page's time in reflection.
type queueRow struct {
	SubmissionID, Grade, Disagreement, Since string
	Author                                   string // on the list of every submission
	Part                                     int
	Number                                   int // in the whole queue, from 1
	Reasons                                  []reasonLabel
}

type reasonLabel struct{ Code, Label string }

func queueRows(p *page, tz string, items []grading.QueueItem, first int) []queueRow {
	rows := make([]queueRow, len(items))
	for i, it := range items {
		r := queueRow{SubmissionID: it.Submission.ID, Part: it.Part, Number: first + i, Disagreement: "–", Grade: "–"}
		switch g := it.Submission.Grade; {
		case g != nil:
			r.Grade = p.Pct(g.Score)
		case it.Model != nil: // the part is open: the model's grade so far, which ranks the item
			r.Grade = p.T("queue.provisional", "Grade", p.Pct(it.Model.Grade))
		}
		if it.ReviewsDone >= 2 { // a spread needs two reviews
			r.Disagreement = p.Pct(it.Disagreement)
		}
		if !it.EnteredAt.IsZero() {
			r.Since = p.Time(it.EnteredAt, tz)
		}
		if it.Urgent { // the head of the queue the session's animators can handle
			r.Reasons = append(r.Reasons, reasonLabel{Code: "urgent", Label: p.T("queue.urgent")})
		}
		for _, code := range it.Reasons {
			r.Reasons = append(r.Reasons, reasonLabel{Code: code, Label: p.T("app.reason." + code)})
		}
		rows[i] = r
	}
	return rows
}

// queuePageSize is how many items a page of the correction queue shows: a
// MOOC's queue holds hundreds, most urgent first.
const queuePageSize = 50

// pager is one page of a long list, for the pages/pager partial.
type pager struct {
	Page, Pages   int // 1-based
	From, To      int // the page's items: list[From:To]
	Total         int
	Path          string // the page's path, without the query
	Prev, Next    int    // 0 when none
	FirstOnPage   int    // 1-based number of the first item, for display
	MultiplePages bool
}

// pageOf reads ?page=N for a list of total items; a page past the end shows
// the last one, and anything but a positive number is a 400.
func pageOf(c *fiber.Ctx, total, size int) (pager, error) {
	pages := max((total+size-1)/size, 1)
	n := 1
	if v := c.Query("page"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return pager{}, badRequest("app.error.page_invalid")
		}
	}
	n = min(n, pages)
	pg := pager{Page: n, Pages: pages, Total: total, Path: c.Path(), From: (n - 1) * size, MultiplePages: pages > 1}
	pg.To = min(pg.From+size, total)
	pg.FirstOnPage = pg.From + 1
	if n > 1 {
		pg.Prev = n - 1
	}
	if n < pages {
		pg.Next = n + 1
	}
	return pg, nil
}

func (s *Server) handleStaffSubmissionShow(c *fiber.Ctx, u *course.User) error {
	return s.renderStaffSubmission(c, u, s.newPage(c, "app.submission.title"), c.Params("sid"))
}

func (s *Server) renderStaffSubmission(c *fiber.Ctx, u *course.User, p *page, sid string) error {
	ctx := c.UserContext()
	item, err := s.grading.StaffSubmission(ctx, u, sid)
	if err != nil {
		return err
	}
	sess, err := s.course.Session(ctx, u, item.Submission.SessionID)
	if err != nil {
		return err
	}
	ids := []string{item.Submission.AuthorID}
	for _, r := range item.Reviews {
		ids = append(ids, r.Review.ReviewerID)
	}
	parts, err := s.course.Participants(ctx, u, sess.ID)
	if err != nil {
		return err
	}
	names, err := s.course.Names(c.UserContext(), currentUser(c), ids)
	if err != nil {
		return err
	}
	ex, err := s.grading.Exercise(ctx, u, sess.ID, item.Part)
	if err != nil {
		return err
	}
	next, err := s.grading.NextInQueue(ctx, u, sess.ID, sid)
	if err != nil {
		return err
	}
	p.Title = p.T("app.submission.heading", "Code", sess.Code, "Part", item.Part)
	p.Data = fiber.Map{"Session": sess, "Item": item, "Names": names, "Participants": parts, "Rubric": ex.Rubric, "Next": next,
		"RubricTotal": ex.MaxTotal()}
	return s.render(c, "pages/corrections/submission", p)
}

// staffAction runs a correction form about the submission sid and comes
// back to it. The values typed are kept by formError.
func (s *Server) staffAction(c *fiber.Ctx, u *course.User, sid, flash string, act func() error) error {
	return s.formAction(c, flash, "app.submission.title", "/submissions/"+sid, act,
		func(p *page) error { return s.renderStaffSubmission(c, u, p, sid) })
}

func parseScore(v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(v), ",", "."), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, &grading.ValidationError{Field: "score", Key: "grading.grade.score_range"}
	}
	return f, nil
}

func (s *Server) handleStaffGrade(c *fiber.Ctx, u *course.User) error {
	sid := c.Params("sid")
	return s.staffAction(c, u, sid, "app.flash.grade_saved", func() error {
		// The rubric form (score_<criterion>, as a review's), or the bare
		// 0..100 box the API and a part without rubric use.
		scores, err := scoresFromForm(c)
		if err != nil {
			return err
		}
		if len(scores) > 0 || strings.TrimSpace(c.FormValue("score")) == "" {
			_, err = s.grading.SetRubricGrade(c.UserContext(), u, sid, scores, c.FormValue("comment"))
			return err
		}
		score, err := parseScore(c.FormValue("score"))
		if err != nil {
			return err
		}
		_, err = s.grading.SetGrade(c.UserContext(), u, sid, score, c.FormValue("comment"))
		return err
	})
}

func (s *Server) handleStaffConfirm(c *fiber.Ctx, u *course.User) error {
	sid := c.Params("sid")
	return s.staffAction(c, u, sid, "app.flash.grade_confirmed", func() error {
		_, err := s.grading.ConfirmGrade(c.UserContext(), u, sid, c.FormValue("comment"))
		return err
	})
}

func (s *Server) handleStaffReassign(c *fiber.Ctx, u *course.User) error {
	r, err := s.grading.StaffReview(c.UserContext(), u, c.Params("rid"))
	if err != nil {
		return err // no submission to show again: the error page
	}
	return s.staffAction(c, u, r.SubmissionID, "app.flash.review_reassigned", func() error {
		_, err := s.grading.Reassign(c.UserContext(), u, r.ID, c.FormValue("reviewer_id"))
		return err
	})
}

// API

type staffReviewJSON struct {
	ID          string         `json:"id"`
	ReviewerID  string         `json:"reviewer_id"`
	Status      string         `json:"status"`
	Scores      map[string]int `json:"scores"`
	Percent     float64        `json:"percent"`
	Comment     string         `json:"comment"`
	Reliability float64        `json:"reliability"`
	Quality     float64        `json:"quality"`
	Unreliable  bool           `json:"unreliable"`
	Flag        *string        `json:"flag"`
	// Reply is the author's answer and rating (dialogue.go), ReviewerQuality
	// the reviewer's quality score over the session.
	Reply           *replyJSON           `json:"reply,omitempty"`
	ReviewerQuality *reviewerQualityJSON `json:"reviewer_quality,omitempty"`
}

type queueItemJSON struct {
	SubmissionID string            `json:"submission_id"`
	Part         int               `json:"part"`
	Reasons      []string          `json:"reasons"`
	Disagreement float64           `json:"disagreement"`
	Grade        *gradeJSON        `json:"grade"`
	EnteredAt    string            `json:"entered_at,omitempty"`
	Reviews      []staffReviewJSON `json:"reviews"`
	// Doubt is the queue's key after appeals and calibration; Urgent marks
	// the head of the queue the session's animators can handle.
	Doubt  float64 `json:"doubt"`
	Urgent bool    `json:"urgent"`
}

func toQueueItemJSON(it grading.QueueItem) queueItemJSON {
	j := queueItemJSON{SubmissionID: it.Submission.ID, Part: it.Part, Reasons: append([]string{}, it.Reasons...),
		Disagreement: math.Round(it.Disagreement*10) / 10, Grade: toGradeJSON(it.Submission.Grade), Reviews: []staffReviewJSON{},
		Doubt: math.Round(it.Doubt*1000) / 1000, Urgent: it.Urgent}
	if !it.EnteredAt.IsZero() {
		j.EnteredAt = rfc3339(it.EnteredAt)
	}
	for _, r := range it.Reviews {
		rj := staffReviewJSON{ID: r.Review.ID, ReviewerID: r.Review.ReviewerID, Status: string(r.Review.Status), Scores: r.Review.Scores,
			Percent: r.Review.Percent, Comment: r.Review.Comment, Reliability: math.Round(r.Reliability*100) / 100,
			Quality: math.Round(r.Quality*10) / 10, Unreliable: r.Unreliable}
		if r.Review.Flag != nil {
			rj.Flag = &r.Review.Flag.Reason
		}
		rj.Reply, rj.ReviewerQuality = toReplyJSON(r.Review.Reply), toReviewerQualityJSON(r.Reviewer)
		j.Reviews = append(j.Reviews, rj)
	}
	return j
}

func (s *Server) handleAPICorrections(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	return jsonOf(listOf(toQueueItemJSON))(s.grading.Corrections(c.UserContext(), u, c.Params("id")))
}

func (s *Server) handleAPIStaffSubmission(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	it, err := s.grading.StaffSubmission(c.UserContext(), u, c.Params("sid"))
	if err != nil {
		return nil, err
	}
	j := toQueueItemJSON(*it)
	return fiber.Map{"submission_id": j.SubmissionID, "part": j.Part, "author_id": it.Submission.AuthorID, "text": it.Submission.Text,
		"late": it.Submission.Late, "grade": j.Grade, "reasons": j.Reasons, "reviews": j.Reviews}, nil
}

type gradeInJSON struct {
	Score   *float64 `json:"score"`
	Comment string   `json:"comment"`
}

func (s *Server) handleAPIGrade(c *fiber.Ctx, u *course.User, in *gradeInJSON) (any, error) {
	score := math.NaN() // missing: refused as out of range, once the caller is authorized
	if in.Score != nil {
		score = *in.Score
	}
	sub, err := s.grading.SetGrade(c.UserContext(), u, c.Params("sid"), score, in.Comment)
	if err != nil {
		return nil, err
	}
	return fiber.Map{"submission_id": sub.ID, "grade": toGradeJSON(sub.Grade)}, nil
}

func (s *Server) handleAPIConfirm(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	var in struct {
		Comment string `json:"comment"`
	}
	if err := optionalJSON(c, &in); err != nil {
		return nil, err
	}
	sub, err := s.grading.ConfirmGrade(c.UserContext(), u, c.Params("sid"), in.Comment)
	if err != nil {
		return nil, err
	}
	return fiber.Map{"submission_id": sub.ID, "grade": toGradeJSON(sub.Grade), "confirmed": true}, nil
}

type reviewerJSON struct {
	ReviewerID string `json:"reviewer_id"`
}

func (s *Server) handleAPIReassign(c *fiber.Ctx, u *course.User, in *reviewerJSON) (any, error) {
	r, err := s.grading.Reassign(c.UserContext(), u, c.Params("rid"), in.ReviewerID)
	if err != nil {
		return nil, err
	}
	return fiber.Map{"id": r.ID, "reviewer_id": r.ReviewerID, "status": r.Status}, nil
}
