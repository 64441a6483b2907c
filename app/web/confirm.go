package web

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"librecours/certificates"
	"librecours/course"
	"librecours/grading"
)

// Consequential actions are confirmed, or can be undone. A form that does
// something hard to undo is posted once without "confirm": the answer is a
// page stating what will happen, in numbers, whose button posts the same
// fields again with confirm=yes. No JavaScript is needed.

// confirmation is what the confirmation page shows.
type confirmation struct {
	Heading  string
	Lines    []string // the consequences, in numbers
	Warnings []string // what deserves a second look
	Action   string   // where the form posts
	Fields   []field  // carried over as hidden fields
	Submit   string   // the button's label
	Back     string   // where "Cancel" goes
}

type field struct{ Name, Value string }

// confirmed reports whether the form was posted from a confirmation page.
func confirmed(c *fiber.Ctx) bool { return c.FormValue("confirm") == "yes" }

// renderConfirm shows a confirmation page.
func (s *Server) renderConfirm(c *fiber.Ctx, p *page, cf confirmation) error {
	p.Title = cf.Heading
	p.Data = cf
	return s.render(c, "pages/confirm", p)
}

// partConfirm states what assigning (assign) or closing the reviews of a
// part does now, to its staff.
func (s *Server) partConfirm(c *fiber.Ctx, u *course.User, id string, n int, assign bool) error {
	v, err := s.grading.PartPage(c.UserContext(), u, id, n)
	if err != nil {
		return err
	}
	if !v.Manage {
		return course.ErrForbidden
	}
	p := s.newPage(c, "app.confirm.title")
	now := s.now()
	back := partURL(id, n)
	cf := confirmation{Back: back, Action: back + "/close", Submit: p.T("app.part.close_now"),
		Heading: p.T("app.confirm.part_close_heading", "Code", v.Session.Code, "Part", n)}
	if assign {
		im := v.AssignImpact(now)
		cf.Action, cf.Submit = back+"/assign", p.T("app.part.assign_now")
		cf.Heading = p.T("app.confirm.assign_heading", "Code", v.Session.Code, "Part", n)
		cf.Lines = append(cf.Lines, p.T("app.confirm.assign_submitted", "Count", im.Submitted, "Submitted", im.Submitted, "Enrolled", im.Enrolled))
		if im.Missing > 0 && im.TimeLost > 0 {
			cf.Warnings = append(cf.Warnings, p.T("app.confirm.assign_time_lost", "Count", im.Missing, "Time", p.Duration(&im.TimeLost),
				"Due", p.Time(v.Part.SubmissionDue, v.Session.TimeZone)))
		}
		cf.Lines = append(cf.Lines, p.T("app.confirm.assign_reviews", "Count", im.Reviews))
		if im.LateAccepted {
			cf.Lines = append(cf.Lines, p.T("app.confirm.assign_late"))
		}
	} else {
		im := v.CloseImpact(now)
		cf.Lines = append(cf.Lines, p.T("app.confirm.close_reviews", "Done", im.Reviews-im.Undone, "Count", im.Reviews))
		if im.Undone > 0 {
			cf.Warnings = append(cf.Warnings, p.T("app.confirm.close_undone", "Count", im.Undone))
		}
		if im.TimeLost > 0 {
			cf.Warnings = append(cf.Warnings, p.T("app.confirm.close_time_lost", "Time", p.Duration(&im.TimeLost),
				"Due", p.Time(v.Part.ReviewDue, v.Session.TimeZone)))
		}
		cf.Lines = append(cf.Lines, p.T("app.confirm.close_grades"))
	}
	return s.renderConfirm(c, p, cf)
}

func partURL(id string, n int) string { return "/sessions/" + id + "/parts/" + itoa(n) }

// shiftConfirm states by how much a shift moves a session's deadlines,
// with the next deadline before and after.
func (s *Server) shiftConfirm(c *fiber.Ctx, u *course.User, id string, days, hours int) error {
	sess, err := s.course.Session(c.UserContext(), u, id)
	if err != nil {
		return err
	}
	if err := course.CheckShift(days, hours); err != nil {
		return err
	}
	p := s.newPage(c, "app.confirm.title")
	now := s.now()
	moved := course.Shifted(sess, days, time.Duration(hours)*time.Hour)
	cf := confirmation{Heading: p.T("app.confirm.shift_heading", "Code", sess.Code), Action: "/sessions/" + id + "/shift",
		Fields: []field{{"days", itoa(days)}, {"hours", itoa(hours)}}, Submit: p.T("app.tools.shift_submit"), Back: "/sessions/" + id}
	cf.Lines = append(cf.Lines, p.T("app.confirm.shift_by", "Days", days, "Hours", hours, "Count", len(sess.Parts)))
	after := &course.Session{Parts: moved.Parts, Evaluation: moved.Evaluation, EndsOn: moved.EndsOn, TimeZone: sess.TimeZone}
	if next := sess.NextDeadlines(now, 1); len(next) > 0 {
		d := next[0]
		for _, m := range after.NextDeadlines(time.Time{}, 0) {
			if m.Part == d.Part && m.Kind == d.Kind {
				cf.Lines = append(cf.Lines, p.T("app.confirm.shift_next", "What", deadlineName(p, d),
					"From", p.Time(d.At, sess.TimeZone), "To", p.Time(m.At, sess.TimeZone)))
			}
		}
	}
	cf.Lines = append(cf.Lines, p.T("app.confirm.shift_dates", "From", p.Date(sess.StartsOn)+" – "+p.Date(sess.EndsOn),
		"To", p.Date(moved.StartsOn)+" – "+p.Date(moved.EndsOn)))
	if sess.Enrolled > 0 {
		cf.Lines = append(cf.Lines, p.T("app.confirm.shift_people", "Count", sess.Enrolled))
	}
	if moved.Parts[0].OpensAt.Before(now) && !sess.Parts[0].OpensAt.Before(now) {
		cf.Warnings = append(cf.Warnings, p.T("app.confirm.shift_opens_now"))
	}
	return s.renderConfirm(c, p, cf)
}

// deadlineName is a deadline's label, as the dashboards show it.
func deadlineName(p *page, d course.Deadline) string {
	what := p.T("app.deadline." + d.Kind)
	if d.Part > 0 {
		return p.T("app.deadline.part", "Part", d.Part) + " · " + what
	}
	return what
}

// closeConfirm states what closing a session does: certificates by level,
// and parts not opened or not graded yet.
func (s *Server) closeConfirm(c *fiber.Ctx, u *course.User, id string) error {
	ctx := c.UserContext()
	sess, err := s.coordinatorSession(ctx, u, id)
	if err != nil {
		return err
	}
	results, err := s.certs.Results(ctx, u, sess.ID)
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.confirm.title")
	cf := confirmation{Heading: p.T("app.close.heading", "Code", sess.Code), Action: "/sessions/" + id + "/close",
		Submit: p.T("app.close.confirm"), Back: "/sessions/" + id + "/close"}
	cf.Lines, cf.Warnings, err = s.closeImpact(c, p, sess, results)
	if err != nil {
		return err
	}
	return s.renderConfirm(c, p, cf)
}

// closeImpact is what closing sess issues, and its warnings.
func (s *Server) closeImpact(c *fiber.Ctx, p *page, sess *course.Session, results []certificates.Result) (lines, warnings []string, err error) {
	rep := certificates.CountReport(results)
	lines = append(lines, p.T("app.confirm.close_certificates", "Count", rep.Level1+rep.Level2, "Level1", rep.Level1, "Level2", rep.Level2, "Participants", rep.Participants))
	if none := rep.Participants - rep.Level1 - rep.Level2; none > 0 {
		lines = append(lines, p.T("app.confirm.close_none", "Count", none))
	}
	states, err := s.grading.PartStates(c.UserContext(), sess.ID)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	var notOpen, notGraded []int
	for _, part := range sess.Parts {
		switch grading.PartPhase(part, states[part.Number], now) {
		case grading.ShownUpcoming:
			notOpen = append(notOpen, part.Number)
		case grading.ShownClosed:
		default:
			notGraded = append(notGraded, part.Number)
		}
	}
	if len(notOpen) > 0 {
		warnings = append(warnings, p.T("app.confirm.close_not_open", "Count", len(notOpen), "Parts", joinInts(notOpen)))
	}
	if len(notGraded) > 0 {
		warnings = append(warnings, p.T("app.confirm.close_not_graded", "Count", len(notGraded), "Parts", joinInts(notGraded)))
	}
	if now.Before(sess.Evaluation.Due) {
		warnings = append(warnings, p.T("app.confirm.close_evaluation_open", "Due", p.Time(sess.Evaluation.Due, sess.TimeZone)))
	}
	return lines, warnings, nil
}

// animatorConfirm asks before making one of the session's own
// participants its animator.
func (s *Server) animatorConfirm(c *fiber.Ctx, u *course.User, id, userID string) (bool, error) {
	ctx := c.UserContext()
	if !u.IsCoordinator() {
		return false, course.ErrForbidden
	}
	parts, err := s.course.Participants(ctx, u, id)
	if err != nil {
		return false, err
	}
	i := slices.IndexFunc(parts, func(pt course.Participant) bool { return pt.User.ID == userID })
	if i < 0 {
		return false, nil
	}
	sess, err := s.course.Session(ctx, u, id)
	if err != nil {
		return false, err
	}
	p := s.newPage(c, "app.confirm.title")
	cf := confirmation{Heading: p.T("app.confirm.animator_heading", "Code", sess.Code), Action: "/sessions/" + id + "/animators",
		Fields: []field{{"user_id", userID}}, Submit: p.T("app.session.add_animator_submit"), Back: "/sessions/" + id}
	cf.Warnings = []string{p.T("app.confirm.animator_participant", "Name", parts[i].User.Name, "Code", sess.Code)}
	return true, s.renderConfirm(c, p, cf)
}

// createConfirm asks before creating a session that starts in the past.
func (s *Server) createConfirm(c *fiber.Ctx, format, startsOn, capacity, workload string) error {
	p := s.newPage(c, "app.confirm.title")
	cf := confirmation{Heading: p.T("app.sessions.new.title"), Action: "/sessions",
		Fields: []field{{"format", format}, {"starts_on", startsOn}, {"capacity", capacity}, {"workload_hours", workload}},
		Submit: p.T("app.confirm.create_anyway"), Back: "/sessions/new"}
	cf.Warnings = []string{p.T("app.confirm.starts_in_past", "Date", p.Date(startsOn))}
	return s.renderConfirm(c, p, cf)
}

// Undo: unenrol a participant, remove an animator, cancel a session
// without participants.

func (s *Server) registerUndoRoutes() {
	a := s.app
	a.Post("/sessions/:id/enrolments/:uid/delete", signedIn(s.handleUnenrol))
	a.Post("/sessions/:id/animators/:uid/delete", signedIn(s.handleAnimatorRemove))
	a.Post("/sessions/:id/cancel", signedIn(s.handleSessionCancel))
}

func (s *Server) handleUnenrol(c *fiber.Ctx, u *course.User) error {
	return s.sessionAction(c, u, "app.flash.unenrolled", func(id string) error {
		return s.grading.Unenrol(c.UserContext(), u, id, c.Params("uid"))
	})
}

func (s *Server) handleAnimatorRemove(c *fiber.Ctx, u *course.User) error {
	return s.sessionAction(c, u, "app.flash.animator_removed", func(id string) error {
		return s.course.RemoveAnimator(c.UserContext(), u, id, c.Params("uid"))
	})
}

func (s *Server) handleSessionCancel(c *fiber.Ctx, u *course.User) error {
	id := c.Params("id")
	return s.formAction(c, "app.flash.session_cancelled", "app.session.title", "/sessions",
		func() error {
			_, err := s.grading.CancelSession(c.UserContext(), u, id)
			return err
		},
		func(p *page) error { return s.renderSession(c, u, id, p) })
}

func itoa(n int) string { return strconv.Itoa(n) }

// joinInts lists part numbers: "2, 3, 4".
func joinInts(ns []int) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.Itoa(n)
	}
	return strings.Join(out, ", ")
}

// errConfirm, returned by a sessionAction, answers with a confirmation page
// (or show's error) instead of doing the action.
type errConfirm struct{ show func() error }

func (errConfirm) Error() string { return "app: confirmation asked" }

// levelMeaning is what a certificate attests: the thresholds of the rules
// it was issued under, which its holder met, or that the coordination set
// the level.
func levelMeaning(tr *translator, cert *certificates.Certificate, byCoordination bool) string {
	if byCoordination {
		return tr.T("certificates.meaning_by_coordination", "Level", tr.T("app.level."+strconv.Itoa(int(cert.Level))))
	}
	r := cert.Rules
	if cert.Level == certificates.LevelII {
		m := tr.T("certificates.level2.meaning_met", "Exercises", r.Level2Exercises, "Pass", decimal(tr, r.PassGrade),
			"Score", decimal(tr, r.Level2Evaluation), "Reviews", r.Level2ReviewsOnTime, "Commitment", r.Level2Commitment)
		if r.ReviewQualityMin > 0 { // dialogue.*.toml
			m += " " + tr.T("certificates.level2.meaning_quality", "Quality", decimal(tr, r.ReviewQualityMin))
		}
		return m
	}
	return tr.T("certificates.level1.meaning_met", "Exercises", r.Level1Exercises, "Pass", decimal(tr, r.PassGrade),
		"Score", decimal(tr, r.Level1Evaluation))
}

// decimal writes x with at most one decimal, with a decimal comma in French.
func decimal(tr *translator, x float64) string {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s) > i+2 {
		s = strconv.FormatFloat(x, 'f', 1, 64)
	}
	if tr.lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
