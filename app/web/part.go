package web

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
	"librecours/grading"
)

func (s *Server) registerPartRoutes() {
	a := s.app
	a.Get("/sessions/:id/parts/:n", onPart(s.handlePartShow))
	a.Post("/sessions/:id/parts/:n/submission", onPart(s.handleSubmissionSave))
	a.Get("/sessions/:id/parts/:n/exercise/edit", signedIn(s.handleExerciseEdit))
	a.Post("/sessions/:id/parts/:n/exercise", onPart(s.handleExerciseSave))
	a.Get("/sessions/:id/parts/:n/assign", onPart(s.partConfirmAssign))
	a.Post("/sessions/:id/parts/:n/assign", onPart(s.handlePartAssign))
	a.Get("/sessions/:id/parts/:n/close", onPart(s.partConfirmClose))
	a.Post("/sessions/:id/parts/:n/close", onPart(s.handlePartClose))
	a.Get("/submissions/:sid/file", signedIn(s.handleSubmissionFile))

	api := a.Group("/api/v1/sessions/:id/parts/:n")
	api.Get("/exercise", partAPI(s.handleAPIExerciseShow))
	api.Put("/exercise", partAPI(s.handleAPIExercisePut))
	api.Get("/submission", partAPI(s.handleAPISubmissionShow))
	api.Put("/submission", partAPI(s.handleAPISubmissionPut))
	api.Post("/submission/attachment", partAPI(s.handleAPISubmissionAttach))
	api.Post("/assign", partAPI(s.handleAPIPartAssign))
	api.Post("/close", partAPI(s.handleAPIPartClose))
	a.Get("/api/v1/submissions/:sid/file", signedIn(s.handleSubmissionFile))
}

// partParams reads the session ID and part number of the path.
func partParams(c *fiber.Ctx) (string, int, error) {
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil || n < 1 || n > course.PartCount {
		return "", 0, course.ErrNotFound
	}
	return c.Params("id"), n, nil
}

// upload reads the optional "file" of a multipart form.
func upload(c *fiber.Ctx) (*grading.Upload, error) {
	fh, err := c.FormFile("file")
	if err != nil || fh == nil || fh.Size == 0 {
		return nil, nil //nolint:nilerr // no file sent
	}
	if fh.Size > grading.MaxUploadBytes {
		return nil, grading.ErrTooLarge
	}
	f, err := fh.Open()
	if err != nil {
		return nil, badRequest("app.error.upload")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, grading.MaxUploadBytes+1))
	if err != nil {
		return nil, badRequest("app.error.upload")
	}
	return &grading.Upload{Data: data}, nil
}

// partView is what the part page shows.
func (s *Server) handlePartShow(c *fiber.Ctx, u *course.User, id string, n int) error {
	return s.renderPart(c, u, s.newPage(c, "app.part.title"), id, n)
}

func (s *Server) renderPart(c *fiber.Ctx, u *course.User, p *page, id string, n int) error {
	v, err := s.grading.PartPage(c.UserContext(), u, id, n)
	if err != nil {
		return err
	}
	p.Title = p.T("app.part.heading", "Code", v.Session.Code, "Part", n)
	p.Data = v
	if p.Form["text"] == "" && v.Mine != nil {
		p.Form["text"] = v.Mine.Submission.Text
	}
	return s.render(c, "pages/parts/show", p)
}

// partAction runs a form action of the part page and comes back to it.
func (s *Server) partAction(c *fiber.Ctx, u *course.User, id string, n int, flash string, act func() error) error {
	return s.formAction(c, flash, "app.part.title", "/sessions/"+id+"/parts/"+strconv.Itoa(n), act,
		func(p *page) error { return s.renderPart(c, u, p, id, n) })
}

func (s *Server) handleSubmissionSave(c *fiber.Ctx, u *course.User, id string, n int) error {
	return s.partAction(c, u, id, n, "app.flash.submission_saved", func() error {
		up, err := upload(c)
		if err != nil {
			return err
		}
		_, err = s.grading.Submit(c.UserContext(), u, id, n, c.FormValue("text"), up)
		return err
	})
}

func (s *Server) handlePartAssign(c *fiber.Ctx, u *course.User, id string, n int) error {
	return s.partStep(c, u, id, n, true, "app.flash.part_assigned", func() error {
		_, err := s.grading.AssignPart(c.UserContext(), u, id, n)
		return err
	})
}

// partStep runs the assign (assign) or close form of a part: posted
// without confirm, it answers the confirmation page; confirmed, it runs
// run and comes back to the part.
func (s *Server) partStep(c *fiber.Ctx, u *course.User, id string, n int, assign bool, flash string, run func() error) error {
	if !confirmed(c) {
		return s.partConfirm(c, u, id, n, assign)
	}
	return s.partAction(c, u, id, n, flash, run)
}

// partConfirmAssign and partConfirmClose answer a part's assign or close
// form posted without confirm: the confirmation page, in numbers
// (app/confirm.go).
func (s *Server) partConfirmAssign(c *fiber.Ctx, u *course.User, id string, n int) error {
	return s.partConfirm(c, u, id, n, true)
}

func (s *Server) partConfirmClose(c *fiber.Ctx, u *course.User, id string, n int) error {
	return s.partConfirm(c, u, id, n, false)
}

func (s *Server) handlePartClose(c *fiber.Ctx, u *course.User, id string, n int) error {
	return s.partStep(c, u, id, n, false, "app.flash.part_closed", func() error {
		_, err := s.grading.ClosePart(c.UserContext(), u, id, n)
		return err
	})
}

func (s *Server) handleExerciseEdit(c *fiber.Ctx, u *course.User) error {
	return s.renderExerciseEdit(c, u, s.newPage(c, "app.exercise.edit_title"), nil)
}

func (s *Server) renderExerciseEdit(c *fiber.Ctx, u *course.User, p *page, draft *grading.Exercise) error {
	id, n, err := partParams(c)
	if err != nil {
		return err
	}
	sess, err := s.course.Session(c.UserContext(), u, id)
	if err != nil {
		return err
	}
	if !course.CanManage(u, sess) {
		return course.ErrForbidden
	}
	ex, err := s.grading.Exercise(c.UserContext(), u, id, n)
	if err != nil {
		return err
	}
	if draft != nil {
		ex = *draft
	}
	var rows []rubricRow
	for _, c := range ex.Rubric {
		rows = append(rows, rubricRow{Criterion: c, LevelsText: levelsText(c.Levels)})
	}
	for len(rows) < len(ex.Rubric)+2 {
		rows = append(rows, rubricRow{})
	}
	part, _ := sess.Part(n)
	p.Data = fiber.Map{"Session": sess, "Part": part, "Exercise": ex, "Rows": rows}
	return s.render(c, "pages/parts/exercise", p)
}

// rubricRow is a criterion on the exercise form, its levels one a line.
type rubricRow struct {
	grading.Criterion
	LevelsText string
}

// levelsText writes levels one a line, "points: label".
func levelsText(ls []grading.Level) string {
	var b strings.Builder
	for _, l := range ls {
		if l.Points < 0 { // a line that did not parse, shown as typed
			b.WriteString(l.Label + "\n")
			continue
		}
		fmt.Fprintf(&b, "%d: %s\n", l.Points, l.Label)
	}
	return b.String()
}

// parseLevels reads levels written one a line, "points: label"; a line
// whose points are not a whole number keeps -1, which the validation
// names.
func parseLevels(text string) []grading.Level {
	var out []grading.Level
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		pts, label, _ := strings.Cut(line, ":")
		n, err := strconv.Atoi(strings.TrimSpace(pts))
		if err != nil {
			n, label = -1, line
		}
		out = append(out, grading.Level{Points: n, Label: strings.TrimSpace(label)})
	}
	return out
}

// exerciseFromForm reads the instructions and the rubric rows of the form.
func exerciseFromForm(c *fiber.Ctx, n int) grading.Exercise {
	ex := grading.Exercise{Part: n, Instructions: c.FormValue("instructions")}
	args := c.Request().PostArgs()
	ids, labels, points := args.PeekMulti("criterion_id"), args.PeekMulti("criterion_label"), args.PeekMulti("criterion_points")
	levels := args.PeekMulti("criterion_levels")
	for i := range labels {
		label := strings.TrimSpace(string(labels[i]))
		if label == "" {
			continue
		}
		cr := grading.Criterion{Label: label}
		if i < len(ids) {
			cr.ID = strings.TrimSpace(string(ids[i]))
		}
		if cr.ID == "" {
			cr.ID = "c" + strconv.Itoa(i+1)
		}
		if i < len(points) {
			cr.MaxPoints, _ = strconv.Atoi(strings.TrimSpace(string(points[i])))
		}
		if i < len(levels) {
			cr.Levels = parseLevels(string(levels[i]))
		}
		ex.Rubric = append(ex.Rubric, cr)
	}
	return ex
}

func (s *Server) handleExerciseSave(c *fiber.Ctx, u *course.User, id string, n int) error {
	ex := exerciseFromForm(c, n)
	return s.formAction(c, "app.flash.exercise_saved", "app.exercise.edit_title", "/sessions/"+id+"/parts/"+strconv.Itoa(n),
		func() error { return s.grading.PutExercise(c.UserContext(), u, id, ex) },
		func(p *page) error { return s.renderExerciseEdit(c, u, p, &ex) })
}

// handleSubmissionFile sends an attachment under its generated name, to its
// author, the staff and its reviewers.
func (s *Server) handleSubmissionFile(c *fiber.Ctx, u *course.User) error {
	att, data, err := s.grading.File(c.UserContext(), u, c.Params("sid"))
	if err != nil {
		return err
	}
	return sendFile(c, att.ContentType, att.Name, "private, no-store", data)
}

// API

type criterionJSON struct {
	ID        string          `json:"id"`
	Label     string          `json:"label"`
	MaxPoints int             `json:"max_points"`
	Levels    []grading.Level `json:"levels,omitempty"` // {points, label}
}

type exerciseJSON struct {
	Instructions string          `json:"instructions"`
	Rubric       []criterionJSON `json:"rubric"`
}

func toCriterionJSON(c grading.Criterion) criterionJSON { return criterionJSON(c) }

func toExerciseJSON(e grading.Exercise) exerciseJSON {
	return exerciseJSON{Instructions: e.Instructions, Rubric: mapJSON(e.Rubric, toCriterionJSON)}
}

func (s *Server) handleAPIExerciseShow(c *fiber.Ctx, u *course.User, id string, n int, _ *noBody) (any, error) {
	ex, err := s.grading.Exercise(c.UserContext(), u, id, n)
	if err != nil {
		return nil, err
	}
	return toExerciseJSON(ex), nil
}

func (s *Server) handleAPIExercisePut(c *fiber.Ctx, u *course.User, id string, n int, in *exerciseJSON) (any, error) {
	ex := grading.Exercise{Part: n, Instructions: in.Instructions}
	for _, cr := range in.Rubric {
		ex.Rubric = append(ex.Rubric, grading.Criterion(cr))
	}
	if err := s.grading.PutExercise(c.UserContext(), u, id, ex); err != nil {
		return nil, err
	}
	return toExerciseJSON(ex), nil
}

type gradeJSON struct {
	Score  float64 `json:"score"`
	Source string  `json:"source"`
	Method string  `json:"method,omitempty"`
}

func toGradeJSON(g *grading.Grade) *gradeJSON {
	if g == nil {
		return nil
	}
	return &gradeJSON{Score: g.Score, Source: g.Source, Method: string(g.Method)}
}

type submissionInJSON struct {
	Text string `json:"text"`
}

func (s *Server) handleAPISubmissionPut(c *fiber.Ctx, u *course.User, id string, n int, in *submissionInJSON) (any, error) {
	sub, err := s.grading.Submit(c.UserContext(), u, id, n, in.Text, nil)
	if err != nil {
		return nil, err
	}
	return fiber.Map{"id": sub.ID, "submitted_at": rfc3339(sub.SubmittedAt), "updated_at": rfc3339(sub.UpdatedAt), "late": sub.Late, "version": sub.Version}, nil
}

func (s *Server) handleAPISubmissionAttach(c *fiber.Ctx, u *course.User, id string, n int, _ *noBody) (any, error) {
	up, err := upload(c)
	if err != nil {
		return nil, err
	}
	if up == nil {
		// Only an enrolled participant learns that the file is missing.
		if _, err := s.grading.MySubmission(c.UserContext(), u, id, n); err != nil && !errors.Is(err, grading.ErrNotFound) {
			return nil, err
		}
		return nil, course.Invalid("file", "grading.submission.file_required")
	}
	text := c.FormValue("text")
	if text == "" {
		if mine, err := s.grading.MySubmission(c.UserContext(), u, id, n); err == nil {
			text = mine.Submission.Text
		}
	}
	sub, err := s.grading.Submit(c.UserContext(), u, id, n, text, up)
	if err != nil {
		return nil, err
	}
	return fiber.Map{"id": sub.ID, "submitted_at": rfc3339(sub.SubmittedAt), "late": sub.Late, "version": sub.Version,
		"attachment": fiber.Map{"name": sub.Attachment.Name, "content_type": sub.Attachment.ContentType, "size": sub.Attachment.Size}}, nil
}

type receivedReviewJSON struct {
	ID      string         `json:"id"`
	Scores  map[string]int `json:"scores"`
	Comment string         `json:"comment"`
	Flagged bool           `json:"flagged"`
	// Percent is the review's total, 0..100; Weight (0..1, its share of
	// the grade) and Corrected (the score once the reviewer's bias is
	// removed) are there when the peer grade says what it counts.
	Percent   float64    `json:"percent"`
	Weight    *float64   `json:"weight,omitempty"`
	Corrected *float64   `json:"corrected,omitempty"`
	Reply     *replyJSON `json:"reply,omitempty"` // the caller's answer and rating (dialogue.go)
}

// ownGradeJSON is the grade as its author sees it: with the pass mark, the
// outcome and the one-sentence reason, in the caller's language.
type ownGradeJSON struct {
	gradeJSON
	PassMark float64 `json:"pass_mark"`
	Passed   bool    `json:"passed"`
	Reason   string  `json:"reason"`
}

func round3(x float64) *float64 {
	r := math.Round(x*1000) / 1000
	return &r
}

func (s *Server) handleAPISubmissionShow(c *fiber.Ctx, u *course.User, id string, n int, _ *noBody) (any, error) {
	mine, err := s.grading.MySubmission(c.UserContext(), u, id, n)
	if err != nil {
		return nil, err
	}
	sub := mine.Submission
	reviews := mapJSON(mine.Reviews, func(r grading.ReceivedReview) receivedReviewJSON {
		rj := receivedReviewJSON{ID: r.ID, Scores: r.Scores, Comment: r.Comment, Flagged: r.Flag != nil, Percent: math.Round(r.Percent*10) / 10}
		if r.Weighed {
			rj.Weight, rj.Corrected = round3(r.Weight), round3(r.Corrected)
		}
		rj.Reply = toReplyJSON(r.Reply)
		return rj
	})
	var grade *ownGradeJSON
	if g := toGradeJSON(sub.Grade); g != nil && mine.Explain != nil {
		e := mine.Explain
		grade = &ownGradeJSON{gradeJSON: *g, PassMark: e.PassMark, Passed: e.Passed, Reason: s.translator(c).T(e.Key, e.Args())}
	}
	out := fiber.Map{"id": sub.ID, "text": sub.Text, "submitted_at": rfc3339(sub.SubmittedAt), "updated_at": rfc3339(sub.UpdatedAt),
		"late": sub.Late, "version": sub.Version, "grade": grade, "reviews": reviews}
	if sub.Attachment != nil {
		out["attachment"] = fiber.Map{"name": sub.Attachment.Name, "content_type": sub.Attachment.ContentType, "size": sub.Attachment.Size,
			"url": "/api/v1/submissions/" + sub.ID + "/file"}
	}
	return out, nil
}

func (s *Server) handleAPIPartAssign(c *fiber.Ctx, u *course.User, id string, n int, _ *noBody) (any, error) {
	rep, err := s.grading.AssignPart(c.UserContext(), u, id, n)
	if err != nil {
		return nil, err
	}
	return fiber.Map{"submissions": rep.Submissions, "reviews_assigned": rep.ReviewsAssigned, "mode": rep.Mode, "effective_k": rep.EffectiveK, "already_assigned": rep.Already}, nil
}

func (s *Server) handleAPIPartClose(c *fiber.Ctx, u *course.User, id string, n int, _ *noBody) (any, error) {
	graded, err := s.grading.ClosePart(c.UserContext(), u, id, n)
	if err != nil {
		return nil, err
	}
	return fiber.Map{"graded": graded}, nil
}
