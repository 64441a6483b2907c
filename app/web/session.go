package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
	"librecours/grading"
)

func (s *Server) registerSessionRoutes() {
	a := s.app
	a.Get("/dashboard", signedIn(s.handleDashboard))
	a.Get("/sessions", signedIn(s.handleSessionIndex))
	a.Get("/sessions/new", signedIn(s.handleSessionNew))
	a.Post("/sessions", signedIn(s.handleSessionCreate))
	a.Get("/sessions/:id", signedIn(s.handleSessionShow))
	a.Post("/sessions/:id/enrol", signedIn(s.handleSessionEnrolSelf))
	a.Post("/sessions/:id/enrolments", signedIn(s.handleSessionEnrolOther))
	a.Post("/sessions/:id/capacity", s.sessionNumber("app.flash.capacity_saved", "capacity", s.course.SetCapacity))
	// The course's workload in hours, stated on the certificates (issue
	// #15 item 4); an empty field is refused like any number out of 1..500.
	a.Post("/sessions/:id/workload", s.sessionNumber("workload.saved", "workload_hours", s.course.SetWorkload))
	a.Post("/sessions/:id/animators", signedIn(s.handleSessionAnimatorAdd))
	a.Post("/sessions/:id/parts/:n", signedIn(s.handleSessionPartUpdate))
	a.Post("/sessions/:id/evaluation", signedIn(s.handleSessionEvaluationUpdate))

	s.registerUndoRoutes() // app/confirm.go

	api := a.Group("/api/v1/sessions")
	api.Get("/", apiJSON(s.handleAPISessionIndex))
	api.Post("/", apiJSON(s.handleAPISessionCreate))
	api.Get("/:id", s.sessionAPI(s.handleAPISessionShow))
	api.Patch("/:id", apiJSON(s.handleAPISessionUpdate))
	api.Get("/:id/enrolments", apiJSON(s.handleAPIEnrolmentIndex))
	api.Post("/:id/enrolments", apiJSON(s.handleAPIEnrolmentCreate))
	api.Post("/:id/animators", apiJSON(s.handleAPIAnimatorCreate))
	api.Patch("/:id/parts/:n", partAPI(s.handleAPIPartUpdate))
	api.Patch("/:id/evaluation", apiJSON(s.handleAPIEvaluationUpdate))
}

// Pages

func (s *Server) handleDashboard(c *fiber.Ctx, u *course.User) error {
	return s.renderDashboard(c, u, s.newPage(c, "app.dashboard.title"))
}

func (s *Server) renderDashboard(c *fiber.Ctx, u *course.User, p *page) error {
	mine, err := s.course.Dashboard(c.UserContext(), u)
	if err != nil {
		return err
	}
	certs, err := s.certs.MyCertificates(c.UserContext(), u)
	if err != nil {
		return err
	}
	avail, err := s.certs.MyAvailability(c.UserContext(), u)
	if err != nil {
		return err
	}
	rows, err := s.dashboardRows(c, u, mine)
	if err != nil {
		return err
	}
	data := fiber.Map{"Sessions": rows, "Now": s.now(), "Certificates": certs, "Availability": avail}
	if u.IsCoordinator() {
		o, err := s.certs.Overview(c.UserContext(), u)
		if err != nil {
			return err
		}
		data["Overview"] = o
	}
	p.Data = data
	return s.render(c, "pages/dashboard", p)
}

// dashboardRow is a session on the dashboard with what to do next: the
// participant's next step, the animator's correction queue.
type dashboardRow struct {
	course.MySession
	Step  *grading.NextStep     // enrolled, session not closed
	Queue *grading.QueueSummary // animating, session not closed
}

// dashboardRows adds to each session what its viewer should do next. Each
// open session costs three indexed reads for a participant, and the cached
// staff view for an animator.
func (s *Server) dashboardRows(c *fiber.Ctx, u *course.User, mine []course.MySession) ([]dashboardRow, error) {
	ctx := c.UserContext()
	rows := make([]dashboardRow, 0, len(mine))
	for _, m := range mine {
		r := dashboardRow{MySession: m}
		if m.Session.ClosedAt == nil {
			if m.Enrolled {
				st, err := s.grading.NextStep(ctx, u, m.Session)
				if err != nil {
					return nil, err
				}
				r.Step = &st
			}
			if m.Animating {
				q, err := s.grading.Queue(ctx, u, m.Session.ID)
				if err != nil {
					return nil, err
				}
				r.Queue = &q
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// sessionRow is a session in the list, with what the viewer may do.
type sessionRow struct {
	Session  *course.Session
	Status   string
	Enrolled bool
	CanEnrol bool
}

func (s *Server) handleSessionIndex(c *fiber.Ctx, u *course.User) error {
	ctx := c.UserContext()
	requested, _ := strconv.Atoi(c.Query("page"))
	list, _, err := s.course.SessionIndex(ctx, u, requested)
	if err != nil {
		return err
	}
	pg, err := pageOf(c, list.ClosedTotal, course.ClosedPageSize) // validates ?page= and says which closed ones are shown
	if err != nil {
		return err
	}
	all := append(list.Open, list.Closed...)
	mine := list.Enrolled
	now := s.now()
	rows := make([]sessionRow, 0, len(all))
	for _, sess := range all {
		rows = append(rows, sessionRow{
			Session: sess, Status: string(sess.Status(now)), Enrolled: mine[sess.ID],
			CanEnrol: !mine[sess.ID] && u.Has(course.RoleParticipant) && sess.EnrolmentOpen(now) && !sess.Full(),
		})
	}
	p := s.newPage(c, "app.sessions.title")
	p.Data = fiber.Map{"Rows": rows, "Pager": pg}
	return s.render(c, "pages/sessions/index", p)
}

func (s *Server) handleSessionNew(c *fiber.Ctx, u *course.User) error {
	if !u.IsCoordinator() {
		return course.ErrForbidden
	}
	p := s.newPage(c, "app.sessions.new.title")
	p.Form["format"], p.Form["capacity"], p.Form["workload_hours"] = "LCIII", "0", strconv.Itoa(course.DefaultWorkloadHours)
	return s.render(c, "pages/sessions/new", p)
}

func (s *Server) handleSessionCreate(c *fiber.Ctx, u *course.User) error {
	p := s.newPage(c, "app.sessions.new.title")
	p.Form["format"], p.Form["starts_on"], p.Form["capacity"] = c.FormValue("format"), c.FormValue("starts_on"), c.FormValue("capacity")
	p.Form["workload_hours"] = c.FormValue("workload_hours")
	capacity, err := formInt(c, "capacity")
	workload, werr := formInt(c, "workload_hours") // empty: the default
	if err == nil {
		err = werr
	}
	if err == nil && !confirmed(c) && u.IsCoordinator() && s.course.StartsInPast(c.FormValue("starts_on")) {
		return s.createConfirm(c, c.FormValue("format"), c.FormValue("starts_on"), c.FormValue("capacity"), c.FormValue("workload_hours"))
	}
	if err == nil {
		var sess *course.Session
		sess, err = s.createSession(c, u, course.NewSession{
			Format: c.FormValue("format"), StartsOn: c.FormValue("starts_on"), Capacity: capacity, WorkloadHours: workload,
		})
		if err == nil {
			s.flash(c, "app.flash.session_created")
			return c.Redirect("/sessions/"+sess.ID, http.StatusSeeOther)
		}
	}
	return s.formError(c, err, p, s.formPage(c, "pages/sessions/new", p))
}

// createSession creates a session with its six default exercises.
func (s *Server) createSession(c *fiber.Ctx, u *course.User, n course.NewSession) (*course.Session, error) {
	sess, err := s.course.CreateSession(c.UserContext(), u, n)
	if err != nil {
		return nil, err
	}
	if err := s.grading.InitSession(c.UserContext(), sess.ID); err != nil {
		return nil, err
	}
	return sess, nil
}

// formInt reads an optional integer form field (empty is 0).
func formInt(c *fiber.Ctx, field string) (int, error) {
	v := strings.TrimSpace(c.FormValue(field))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, course.Invalid(field, "app.error.number_invalid")
	}
	return n, nil
}

// formTime reads a datetime-local field in the session's time zone.
func formTime(c *fiber.Ctx, field string, loc *time.Location) (*time.Time, error) {
	v := strings.TrimSpace(c.FormValue(field))
	if v == "" {
		return nil, nil
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", v, loc)
	if err != nil {
		return nil, course.Invalid(field, "app.error.time_invalid")
	}
	t = t.UTC()
	return &t, nil
}

// callerSession returns the signed-in caller and the session of the path's
// :id, which they may see.
func (s *Server) callerSession(c *fiber.Ctx) (*course.User, *course.Session, error) {
	u, err := requireUser(c)
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.course.Session(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return nil, nil, err
	}
	return u, sess, nil
}

func (s *Server) handleSessionShow(c *fiber.Ctx, u *course.User) error {
	return s.renderSession(c, u, c.Params("id"), s.newPage(c, "app.session.title"))
}

func (s *Server) renderSession(c *fiber.Ctx, u *course.User, id string, p *page) error {
	ctx := c.UserContext()
	sess, err := s.course.Session(ctx, u, id)
	if err != nil {
		return err
	}
	enrolled, err := s.course.IsEnrolled(ctx, u, sess.ID)
	if err != nil {
		return err
	}
	now := s.now()
	data := fiber.Map{
		"Session": sess, "Status": string(sess.Status(now)), "Enrolled": enrolled,
		"CanEnrol":  !enrolled && u.Has(course.RoleParticipant) && sess.EnrolmentOpen(now) && !sess.Full(),
		"CanManage": course.CanManage(u, sess), "IsCoordinator": u.IsCoordinator(),
		"Next": sess.NextDeadlines(now, 3),
	}
	if enrolled {
		prog, err := s.certs.Progress(ctx, u, sess.ID)
		if err != nil {
			return err
		}
		data["Progress"], data["Standing"] = prog, prog.Standing(sess.ClosedAt != nil)
	}
	if course.CanManage(u, sess) {
		parts, err := s.course.Participants(ctx, u, sess.ID)
		if err != nil {
			return err
		}
		anims, err := s.course.Animators(ctx, u, sess)
		if err != nil {
			return err
		}
		ids := make(map[string]bool, len(parts))
		for _, pt := range parts {
			ids[pt.User.ID] = true
		}
		data["Participants"], data["Animators"], data["ParticipantIDs"] = parts, anims, ids
		data["Cancellable"] = u.IsCoordinator() && grading.Cancellable(sess)
		if u.IsCoordinator() {
			cands, err := s.certs.Candidates(ctx, u, sess.ID)
			if err != nil {
				return err
			}
			data["Candidates"] = cands
			if data["Webhook"], err = s.webhookView(ctx, u, sess); err != nil {
				return err
			}
		}
	}
	p.Title = sess.Code
	p.Data = data
	return s.render(c, "pages/sessions/show", p)
}

// sessionAction runs a form action on a session, then comes back to its page
// with a flash message, or shows the page again with the error.
func (s *Server) sessionAction(c *fiber.Ctx, u *course.User, flash string, act func(id string) error) error {
	id := c.Params("id")
	return s.formAction(c, flash, "app.session.title", "/sessions/"+id, func() error { return act(id) },
		func(p *page) error { return s.renderSession(c, u, id, p) })
}

func (s *Server) handleSessionEnrolSelf(c *fiber.Ctx, u *course.User) error {
	return s.sessionAction(c, u, "app.flash.enrolled", func(id string) error {
		return s.course.Enrol(c.UserContext(), u, id, "")
	})
}

func (s *Server) handleSessionEnrolOther(c *fiber.Ctx, u *course.User) error {
	return s.sessionAction(c, u, "app.flash.participant_enrolled", func(id string) error {
		return s.course.EnrolByEmail(c.UserContext(), u, id, c.FormValue("email"))
	})
}

// sessionNumber saves a whole-number setting of a session (capacity,
// workload) from the form's field through set.
func (s *Server) sessionNumber(flash, field string, set func(ctx context.Context, u *course.User, id string, n int) (*course.Session, error)) fiber.Handler {
	return signedIn(func(c *fiber.Ctx, u *course.User) error {
		return s.sessionAction(c, u, flash, func(id string) error {
			n, err := formInt(c, field)
			if err != nil {
				return err
			}
			_, err = set(c.UserContext(), u, id, n)
			return err
		})
	})
}

func (s *Server) handleSessionAnimatorAdd(c *fiber.Ctx, u *course.User) error {
	return s.sessionAction(c, u, "app.flash.animator_added", func(id string) error {
		if !confirmed(c) {
			if asked, err := s.animatorConfirm(c, u, id, c.FormValue("user_id")); asked || err != nil {
				return errConfirm{func() error { return err }}
			}
		}
		return s.course.AddAnimator(c.UserContext(), u, id, c.FormValue("user_id"))
	})
}

func (s *Server) handleSessionPartUpdate(c *fiber.Ctx, u *course.User) error {
	return s.sessionAction(c, u, "app.flash.part_saved", func(id string) error {
		sess, err := s.course.Session(c.UserContext(), u, id)
		if err != nil {
			return err
		}
		n, err := strconv.Atoi(c.Params("n"))
		if err != nil {
			return course.ErrNotFound
		}
		loc := sess.Location()
		var patch course.PartPatch
		if t := c.FormValue("title"); t != "" || c.Request().PostArgs().Has("title") {
			patch.Title = &t
		}
		if patch.OpensAt, err = formTime(c, "opens_at", loc); err != nil {
			return err
		}
		if patch.SubmissionDue, err = formTime(c, "submission_due", loc); err != nil {
			return err
		}
		if patch.ReviewDue, err = formTime(c, "review_due", loc); err != nil {
			return err
		}
		_, err = s.course.UpdatePart(c.UserContext(), u, id, n, patch)
		return err
	})
}

func (s *Server) handleSessionEvaluationUpdate(c *fiber.Ctx, u *course.User) error {
	return s.sessionAction(c, u, "app.flash.evaluation_saved", func(id string) error {
		sess, err := s.course.Session(c.UserContext(), u, id)
		if err != nil {
			return err
		}
		var patch course.WindowPatch
		if patch.OpensAt, err = formTime(c, "opens_at", sess.Location()); err != nil {
			return err
		}
		if patch.Due, err = formTime(c, "due", sess.Location()); err != nil {
			return err
		}
		_, err = s.course.UpdateEvaluation(c.UserContext(), u, id, patch)
		return err
	})
}

// API

type newSessionJSON struct {
	Format        string `json:"format"`
	StartsOn      string `json:"starts_on"`
	Capacity      int    `json:"capacity"`
	TimeZone      string `json:"time_zone"`
	WorkloadHours int    `json:"workload_hours"`
}

func (s *Server) handleAPISessionCreate(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	var in newSessionJSON
	if err := coordinatorBody(c, u, &in); err != nil {
		return nil, err
	}
	sess, err := s.createSession(c, u, course.NewSession(in))
	if err != nil {
		return nil, err
	}
	return created(toSessionJSON(sess, s.now())), nil
}

func (s *Server) handleAPISessionIndex(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	all, err := s.course.Sessions(c.UserContext(), u)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return mapJSON(all, func(sess *course.Session) sessionJSON { return toSessionJSON(sess, now) }), nil
}

func (s *Server) handleAPISessionShow(c *fiber.Ctx, u *course.User, sess *course.Session, _ *noBody) (any, error) {
	return toSessionJSON(sess, s.now()), nil
}

type sessionPatchJSON struct {
	Capacity      *int `json:"capacity"`
	WorkloadHours *int `json:"workload_hours"`
}

func (s *Server) handleAPISessionUpdate(c *fiber.Ctx, u *course.User, in *sessionPatchJSON) (any, error) {
	if !u.IsCoordinator() {
		return nil, course.ErrForbidden
	}
	sess, err := s.course.Session(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return nil, err
	}
	if in.Capacity != nil {
		if sess, err = s.course.SetCapacity(c.UserContext(), u, sess.ID, *in.Capacity); err != nil {
			return nil, err
		}
	}
	if in.WorkloadHours != nil {
		if sess, err = s.course.SetWorkload(c.UserContext(), u, sess.ID, *in.WorkloadHours); err != nil {
			return nil, err
		}
	}
	return toSessionJSON(sess, s.now()), nil
}

type enrolmentJSON struct {
	SessionID  string `json:"session_id"`
	UserID     string `json:"user_id"`
	Name       string `json:"name,omitempty"`
	EnrolledAt string `json:"enrolled_at,omitempty"`
}

// optionalJSON decodes an optional body: an empty one leaves v as it is.
func optionalJSON(c *fiber.Ctx, v any) error {
	if len(strings.TrimSpace(string(c.Body()))) == 0 {
		return nil
	}
	return decodeJSON(c, v)
}

func (s *Server) handleAPIEnrolmentCreate(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	var in struct {
		UserID string `json:"user_id"`
	}
	if err := optionalJSON(c, &in); err != nil {
		return nil, err
	}
	if err := s.course.Enrol(c.UserContext(), u, c.Params("id"), in.UserID); err != nil {
		return nil, err
	}
	if in.UserID == "" {
		in.UserID = u.ID
	}
	return created(enrolmentJSON{SessionID: c.Params("id"), UserID: in.UserID, EnrolledAt: rfc3339(s.now())}), nil
}

func (s *Server) handleAPIEnrolmentIndex(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	parts, err := s.course.Participants(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return nil, err
	}
	return mapJSON(parts, func(p course.Participant) enrolmentJSON {
		return enrolmentJSON{SessionID: c.Params("id"), UserID: p.User.ID, Name: p.User.Name, EnrolledAt: rfc3339(p.EnrolledAt)}
	}), nil
}

type userIDJSON struct {
	UserID string `json:"user_id"`
}

func (s *Server) handleAPIAnimatorCreate(c *fiber.Ctx, u *course.User, in *userIDJSON) (any, error) {
	if err := s.course.AddAnimator(c.UserContext(), u, c.Params("id"), in.UserID); err != nil {
		return nil, err
	}
	return created(fiber.Map{"session_id": c.Params("id"), "user_id": in.UserID}), nil
}

type partPatchJSON struct {
	Title         *string `json:"title"`
	OpensAt       *string `json:"opens_at"`
	SubmissionDue *string `json:"submission_due"`
	ReviewDue     *string `json:"review_due"`
}

func (s *Server) handleAPIPartUpdate(c *fiber.Ctx, u *course.User, id string, n int, in *partPatchJSON) (any, error) {
	patch := course.PartPatch{Title: in.Title}
	var err error
	if patch.OpensAt, err = parseTime("opens_at", in.OpensAt); err != nil {
		return nil, err
	}
	if patch.SubmissionDue, err = parseTime("submission_due", in.SubmissionDue); err != nil {
		return nil, err
	}
	if patch.ReviewDue, err = parseTime("review_due", in.ReviewDue); err != nil {
		return nil, err
	}
	p, err := s.course.UpdatePart(c.UserContext(), u, id, n, patch)
	if err != nil {
		return nil, err
	}
	return toPartJSON(p), nil
}

type windowPatchJSON struct {
	OpensAt *string `json:"opens_at"`
	Due     *string `json:"due"`
}

func (s *Server) handleAPIEvaluationUpdate(c *fiber.Ctx, u *course.User, in *windowPatchJSON) (any, error) {
	var patch course.WindowPatch
	var err error
	if patch.OpensAt, err = parseTime("opens_at", in.OpensAt); err != nil {
		return nil, err
	}
	if patch.Due, err = parseTime("due", in.Due); err != nil {
		return nil, err
	}
	w, err := s.course.UpdateEvaluation(c.UserContext(), u, c.Params("id"), patch)
	if err != nil {
		return nil, err
	}
	return toWindowJSON(w), nil
}
