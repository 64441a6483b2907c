package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
	"librecours/grading"
)

func (s *Server) registerEvaluationRoutes() {
	a := s.app
	a.Get("/sessions/:id/evaluation", signedIn(s.handleEvaluationShow))
	a.Post("/sessions/:id/evaluation/answers", signedIn(s.handleEvaluationAnswer))
	a.Get("/sessions/:id/evaluation/edit", signedIn(s.handleEvaluationEdit))
	a.Post("/sessions/:id/evaluation/questions", signedIn(s.handleEvaluationSave))
	a.Post("/sessions/:id/commitment", signedIn(s.handleCommitment))

	api := a.Group("/api/v1/sessions/:id")
	api.Get("/evaluation", s.sessionAPI(s.handleAPIEvaluationShow))
	api.Put("/evaluation", apiJSON(s.handleAPIEvaluationPut))
	api.Post("/evaluation/attempt", apiJSON(s.apiAnswer(true)))
	api.Put("/evaluation/draft", apiJSON(s.apiAnswer(false)))
	api.Put("/commitment", apiJSON(s.handleAPICommitment))
}

func (s *Server) handleEvaluationShow(c *fiber.Ctx, u *course.User) error {
	return s.renderEvaluation(c, u, s.newPage(c, "app.evaluation.title"), nil, sectionParam(c.Query("section")))
}

// evalDraft is a form sent back with an error: its answers and the
// questions it showed, kept over the saved answers.
type evalDraft struct {
	Answers map[string][]string
	Shown   []string
}

// renderEvaluation shows the evaluation: the facts before starting, one
// section of questions while answering, or with ?confirm=1 the
// confirmation before submitting.
func (s *Server) renderEvaluation(c *fiber.Ctx, u *course.User, p *page, draft *evalDraft, section int) error {
	ctx := c.UserContext()
	sess, err := s.course.Session(ctx, u, c.Params("id"))
	if err != nil {
		return err
	}
	v, err := s.quiz.View(ctx, u, sess.ID)
	if err != nil {
		return err
	}
	rules, err := s.certs.Criteria(ctx, u, sess.ID)
	if err != nil {
		return err
	}
	answers := map[string][]string{}
	if v.Current != nil {
		answers = v.Current.Answers
	}
	if draft != nil {
		answers = grading.MergeAnswers(answers, draft.Shown, draft.Answers)
	}
	chosen := map[string]bool{}
	for q, cs := range answers {
		for _, ch := range cs {
			chosen[q+"/"+ch] = true
		}
	}
	staff := course.CanManage(u, sess)
	m := buildEvalModel(p.translator, sess, v, staff, answers, rules, section, s.now())
	p.Data = fiber.Map{"Session": sess, "View": v, "Chosen": chosen, "Staff": staff, "M": m}
	if m.State == "answering" && c.Query("confirm") == "1" {
		p.Title = p.T("evaluation.confirm.title")
		return s.render(c, "pages/evaluation/confirm", p)
	}
	return s.render(c, "pages/evaluation/show", p)
}

// answersFromForm reads checkboxes named "q_<question>" whose values are
// choice IDs, and the IDs of the questions the form showed ("shown").
func answersFromForm(c *fiber.Ctx) (answers map[string][]string, shown []string) {
	answers = map[string][]string{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		switch key := string(k); {
		case strings.HasPrefix(key, "q_"):
			answers[strings.TrimPrefix(key, "q_")] = append(answers[strings.TrimPrefix(key, "q_")], string(v))
		case key == "shown":
			shown = append(shown, string(v))
		}
	})
	return answers, shown
}

// handleEvaluationAnswer saves the section shown, then: starts (action
// start), stays (save), moves to another section (a goto button), shows the
// confirmation (review, or submit without confirmed=1), or submits the
// attempt once confirmed.
func (s *Server) handleEvaluationAnswer(c *fiber.Ctx, u *course.User) error {
	answers, shown := answersFromForm(c)
	action := c.FormValue("action")
	section := sectionParam(c.FormValue("section"))
	submit := action == "submit" && c.FormValue("confirmed") == "1"
	if _, err := s.quiz.AnswerSection(c.UserContext(), u, c.Params("id"), shown, answers, submit); err != nil {
		p := s.newPage(c, "app.evaluation.title")
		return s.formError(c, err, p, func() error { return s.renderEvaluation(c, u, p, &evalDraft{answers, shown}, section) })
	}
	base := "/sessions/" + c.Params("id") + "/evaluation"
	switch {
	case submit:
		s.flash(c, "app.flash.evaluation_submitted")
		return c.Redirect(base, http.StatusSeeOther)
	case action == "review" || action == "submit":
		return c.Redirect(base+"?confirm=1", http.StatusSeeOther)
	case c.FormValue("goto") != "":
		return c.Redirect(base+"?section="+strconv.Itoa(sectionParam(c.FormValue("goto"))), http.StatusSeeOther)
	case action == "start":
		return c.Redirect(base+"?section=1", http.StatusSeeOther)
	}
	s.flash(c, "app.flash.answers_saved")
	return c.Redirect(base+"?section="+strconv.Itoa(section), http.StatusSeeOther)
}

func (s *Server) handleEvaluationEdit(c *fiber.Ctx, u *course.User) error {
	return s.renderEvaluationEdit(c, u, s.newPage(c, "app.evaluation.edit_title"))
}

func (s *Server) renderEvaluationEdit(c *fiber.Ctx, u *course.User, p *page) error {
	if !u.IsCoordinator() {
		return course.ErrForbidden
	}
	sess, err := s.course.Session(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return err
	}
	v, err := s.quiz.View(c.UserContext(), u, sess.ID)
	if err != nil {
		return err
	}
	if _, ok := p.Form["questions"]; !ok {
		p.Form["questions"] = grading.FormatQuestions(v.Evaluation.Questions)
		p.Form["attempts"] = strconv.Itoa(v.Evaluation.Settings.AttemptsAllowed())
		p.Form["time_limit"] = strconv.Itoa(int(v.Evaluation.Settings.TimeLimit.Minutes()))
	}
	p.Data = fiber.Map{"Session": sess, "Count": len(v.Evaluation.Questions)}
	return s.render(c, "pages/evaluation/edit", p)
}

func (s *Server) handleEvaluationSave(c *fiber.Ctx, u *course.User) error {
	return s.formAction(c, "app.flash.questions_saved", "app.evaluation.edit_title", "/sessions/"+c.Params("id")+"/evaluation",
		func() error {
			qs, err := grading.ParseQuestions(c.FormValue("questions"))
			if err != nil {
				return err
			}
			attempts, err := formInt(c, "attempts")
			if err != nil {
				return err
			}
			minutes, err := formInt(c, "time_limit")
			if err != nil {
				return err
			}
			limit, err := timeLimit(minutes)
			if err != nil {
				return err
			}
			return s.quiz.PutEvaluation(c.UserContext(), u, c.Params("id"), grading.Evaluation{Questions: qs,
				Settings: grading.EvaluationSettings{Attempts: attempts, TimeLimit: limit}})
		},
		func(p *page) error { return s.renderEvaluationEdit(c, u, p) })
}

// timeLimit is the evaluation's time limit of minutes typed or sent,
// checked (0 to 1440) before it is multiplied: a larger count would wrap
// time.Duration around to any value, 307445735 minutes to 26 seconds.
func timeLimit(minutes int) (time.Duration, error) {
	most := int(grading.EvaluationMaxTimeLimit / time.Minute)
	if minutes < 0 || minutes > most {
		return 0, &course.ValidationError{Field: "time_limit", Key: "grading.evaluation.time_limit_out_of_range", Args: map[string]any{"Max": most}}
	}
	return time.Duration(minutes) * time.Minute, nil
}

func (s *Server) handleCommitment(c *fiber.Ctx, u *course.User) error {
	accept := c.FormValue("accept") == "true"
	if err := s.certs.SetCommitment(c.UserContext(), u, c.Params("id"), &accept); err != nil {
		return err
	}
	s.flash(c, "app.flash.commitment_saved")
	return c.Redirect("/sessions/"+c.Params("id"), http.StatusSeeOther)
}

// API

type choiceJSON struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	Correct *bool  `json:"correct,omitempty"`
}

type questionJSON struct {
	ID      string       `json:"id"`
	Text    string       `json:"text"`
	Choices []choiceJSON `json:"choices"`
}

func toQuestionsJSON(qs []grading.Question, withKey bool) []questionJSON {
	return mapJSON(qs, func(q grading.Question) questionJSON {
		return questionJSON{ID: q.ID, Text: q.Text, Choices: mapJSON(q.Choices, func(ch grading.Choice) choiceJSON {
			cj := choiceJSON{ID: ch.ID, Text: ch.Text}
			if withKey {
				correct := ch.Correct
				cj.Correct = &correct
			}
			return cj
		})}
	})
}

func (s *Server) handleAPIEvaluationShow(c *fiber.Ctx, u *course.User, sess *course.Session, _ *noBody) (any, error) {
	v, err := s.quiz.View(c.UserContext(), u, sess.ID)
	if err != nil {
		return nil, err
	}
	rules, err := s.certs.Criteria(c.UserContext(), u, sess.ID)
	if err != nil {
		return nil, err
	}
	staff := course.CanManage(u, sess)
	out := fiber.Map{"questions": toQuestionsJSON(v.Evaluation.Questions, staff),
		"attempts": v.Evaluation.Settings.AttemptsAllowed(), "time_limit_minutes": int(v.Evaluation.Settings.TimeLimit.Minutes()),
		"opens_at": rfc3339(v.Window.OpensAt), "due": rfc3339(v.Window.Due), "open": v.Open,
		"pass_marks": fiber.Map{"level1": rules.Level1Evaluation, "level2": rules.Level2Evaluation},
		"sections":   sectionsJSON(sess, v.Evaluation.Questions)}
	if !staff {
		out["attempts_left"] = v.Left
		out["attempts_used"] = len(v.Attempts)
		results := []fiber.Map{}
		for _, a := range v.Attempts {
			if a.Score != nil {
				results = append(results, fiber.Map{"attempt": a.N, "score": *a.Score,
					"level1_passed": *a.Score >= rules.Level1Evaluation, "level2_passed": *a.Score >= rules.Level2Evaluation})
			}
		}
		out["results"] = results
		if v.Current != nil {
			out["draft"] = v.Current.Answers
			out["answered"] = grading.CountAnswered(v.Evaluation.Questions, v.Current.Answers)
		}
	}
	return out, nil
}

// sectionsJSON lists the evaluation's sections: each course part with its
// title (as the session names it) and the IDs of its questions, in order.
func sectionsJSON(sess *course.Session, qs []grading.Question) []fiber.Map {
	out := []fiber.Map{}
	for _, sec := range grading.Sections(qs) {
		title := ""
		for _, p := range sess.Parts {
			if p.Number == sec.Part {
				title = p.Title
			}
		}
		ids := mapJSON(sec.Questions, func(q grading.Question) string { return q.ID })
		out = append(out, fiber.Map{"part": sec.Part, "title": title, "first": sec.First, "questions": ids})
	}
	return out
}

type evaluationInJSON struct {
	Questions        []questionJSON `json:"questions"`
	Attempts         int            `json:"attempts"`
	TimeLimitMinutes int            `json:"time_limit_minutes"`
}

func (s *Server) handleAPIEvaluationPut(c *fiber.Ctx, u *course.User, in *evaluationInJSON) (any, error) {
	limit, err := timeLimit(in.TimeLimitMinutes)
	if err != nil {
		return nil, err
	}
	e := grading.Evaluation{Settings: grading.EvaluationSettings{Attempts: in.Attempts, TimeLimit: limit}}
	for _, q := range in.Questions {
		gq := grading.Question{ID: q.ID, Text: q.Text}
		for _, ch := range q.Choices {
			gq.Choices = append(gq.Choices, grading.Choice{ID: ch.ID, Text: ch.Text, Correct: ch.Correct != nil && *ch.Correct})
		}
		e.Questions = append(e.Questions, gq)
	}
	if err := s.quiz.PutEvaluation(c.UserContext(), u, c.Params("id"), e); err != nil {
		return nil, err
	}
	return fiber.Map{"questions": toQuestionsJSON(e.Questions, true)}, nil
}

type answersJSON struct {
	Answers map[string][]string `json:"answers"`
}

// apiAnswer saves the caller's answers to the evaluation, and submits the
// attempt if submit.
func (s *Server) apiAnswer(submit bool) func(c *fiber.Ctx, u *course.User, in *answersJSON) (any, error) {
	return func(c *fiber.Ctx, u *course.User, in *answersJSON) (any, error) {
		a, err := s.quiz.Answer(c.UserContext(), u, c.Params("id"), in.Answers, submit)
		if err != nil {
			return nil, err
		}
		out := fiber.Map{"attempt": a.N, "answers": a.Answers}
		if a.Score != nil {
			out["score"] = *a.Score
		}
		return out, nil
	}
}

type acceptJSON struct {
	Accept *bool `json:"accept"`
}

func (s *Server) handleAPICommitment(c *fiber.Ctx, u *course.User, in *acceptJSON) (any, error) {
	if err := s.certs.SetCommitment(c.UserContext(), u, c.Params("id"), in.Accept); err != nil {
		return nil, err
	}
	return fiber.Map{"accept": *in.Accept}, nil
}
