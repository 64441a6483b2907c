package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"librecours/certificates"
	"librecours/course"
)

func (s *Server) registerCertificateRoutes() {
	a := s.app
	a.Get("/sessions/:id/close", signedIn(s.handleCloseShow))
	a.Post("/sessions/:id/rules", s.handleRulesSave)
	a.Post("/sessions/:id/overrides", s.handleOverrideSave)
	a.Post("/sessions/:id/close", s.handleCloseConfirm)
	a.Post("/sessions/:id/reopen", s.handleReopen)
	a.Get("/sessions/:id/report", signedIn(s.handleReportShow))
	a.Get("/sessions/:id/certificates", s.handleCertificateIndex)
	a.Post("/certificates/:code/revoke", signedIn(s.handleRevoke))
	a.Post("/certificates/:code/reissue", signedIn(s.handleReissue))

	// Verification is public and rate-limited per address, so codes cannot
	// be guessed by brute force. The verification API, the keys and the
	// other documents badges point to are in app/credentials.go.
	verify := limiter.New(limiter.Config{Max: 60, Expiration: time.Minute, KeyGenerator: s.clientKey, // the client behind a trusted proxy
		LimitReached: func(c *fiber.Ctx) error { return course.ErrTooManyAttempts }})
	a.Get("/certificates/:code.pdf", signedIn(s.handleCertificatePDF))
	a.Get("/certificates/:code/badge.jwt", signedIn(s.handleCertificateBadge))
	a.Get("/certificates/:code/badge.svg", signedIn(s.handleCertificateBakedBadge))
	a.Get("/certificates/:code", verify, s.handleVerifyShow)
	a.Get("/verify", verify, s.handleVerifyLookup)

	api := a.Group("/api/v1")
	api.Post("/certificates/:code/revoke", signedIn(s.handleAPIRevoke))
	api.Post("/certificates/:code/reissue", signedIn(s.handleAPIReissue))
	api.Get("/me/certificates", signedIn(s.handleAPIMyCertificates))
	api.Post("/sessions/:id/close", signedIn(s.handleAPIClose))
	api.Post("/sessions/:id/reopen", signedIn(s.handleAPIReopen))
	api.Get("/sessions/:id/results", signedIn(s.handleAPIResults))
	api.Get("/sessions/:id/report", signedIn(s.handleAPIReport))
	api.Get("/sessions/:id/certificates", signedIn(s.handleAPISessionCertificates))
	api.Get("/sessions/:id/rules", signedIn(s.handleAPIRulesShow))
	api.Put("/sessions/:id/rules", signedIn(s.handleAPIRulesPut))
	api.Put("/sessions/:id/overrides/:uid", signedIn(s.handleAPIOverride))
}

func (s *Server) handleCloseShow(c *fiber.Ctx, u *course.User) error {
	return s.renderClose(c, u, s.newPage(c, "app.close.title"))
}

func (s *Server) renderClose(c *fiber.Ctx, u *course.User, p *page) error {
	if !u.IsCoordinator() {
		return course.ErrForbidden
	}
	ctx := c.UserContext()
	sess, err := s.course.Session(ctx, u, c.Params("id"))
	if err != nil {
		return err
	}
	results, err := s.certs.Results(ctx, u, sess.ID)
	if err != nil {
		return err
	}
	rules, err := s.certs.SessionRules(ctx, u, sess.ID)
	if err != nil {
		return err
	}
	p.Title = p.T("app.close.heading", "Code", sess.Code)
	p.Data = fiber.Map{"Session": sess, "Results": results, "Rules": rules, "Report": certificates.CountReport(results)}
	return s.render(c, "pages/certificates/close", p)
}

// closeAction runs a form of the close screen and comes back to it.
func (s *Server) closeAction(c *fiber.Ctx, flash, back string, act func(u *course.User, id string) error) error {
	u, err := requireUser(c)
	if err != nil {
		return err
	}
	id := c.Params("id")
	if err := act(u, id); err != nil {
		p := s.newPage(c, "app.close.title")
		return s.formError(c, err, p, func() error { return s.renderClose(c, u, p) })
	}
	s.flash(c, flash)
	return c.Redirect("/sessions/"+id+back, http.StatusSeeOther)
}

func formFloat(c *fiber.Ctx, field string) (float64, error) {
	f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(c.FormValue(field)), ",", "."), 64)
	if err != nil {
		return 0, course.Invalid(field, "app.error.number_invalid")
	}
	return f, nil
}

func (s *Server) handleRulesSave(c *fiber.Ctx) error {
	return s.closeAction(c, "app.flash.rules_saved", "/close", func(u *course.User, id string) error {
		var r certificates.Rules
		var err error
		for _, f := range []struct {
			name string
			dst  *float64
		}{{"pass_grade", &r.PassGrade}, {"level1_evaluation", &r.Level1Evaluation}, {"level2_evaluation", &r.Level2Evaluation}} {
			if *f.dst, err = formFloat(c, f.name); err != nil {
				return err
			}
		}
		if r.Level1Exercises, err = formInt(c, "level1_exercises"); err != nil {
			return err
		}
		if r.Level2Exercises, err = formInt(c, "level2_exercises"); err != nil {
			return err
		}
		r.Level2ReviewsOnTime = c.FormValue("level2_reviews_on_time") == "on"
		r.Level2Commitment = c.FormValue("level2_commitment") == "on"
		return s.certs.SetRules(c.UserContext(), u, id, r)
	})
}

func (s *Server) handleOverrideSave(c *fiber.Ctx) error {
	return s.closeAction(c, "app.flash.override_saved", "/close", func(u *course.User, id string) error {
		lvl, err := strconv.Atoi(c.FormValue("level"))
		if err != nil {
			return course.Invalid("level", "certificates.override.level_invalid")
		}
		return s.certs.SetOverride(c.UserContext(), u, id, c.FormValue("user_id"), lvl, c.FormValue("reason"))
	})
}

func (s *Server) handleCloseConfirm(c *fiber.Ctx) error {
	if !confirmed(c) {
		u, err := requireUser(c)
		if err != nil {
			return err
		}
		return s.closeConfirm(c, u, c.Params("id"))
	}
	return s.closeAction(c, "app.flash.session_closed", "/report", func(u *course.User, id string) error {
		_, err := s.certs.Close(c.UserContext(), u, id)
		return err
	})
}

func (s *Server) handleReopen(c *fiber.Ctx) error {
	return s.closeAction(c, "app.flash.session_reopened", "/close", func(u *course.User, id string) error {
		return s.certs.Reopen(c.UserContext(), u, id, c.FormValue("reason"))
	})
}

// reportView gathers what the report page and API show.
type reportView struct {
	Session  *course.Session
	Report   certificates.Report
	Parts    []certificates.PartStats
	Sentence string
	Grades   any
	Funnel   any
}

func (s *Server) reportView(c *fiber.Ctx, u *course.User, tr *translator) (*reportView, error) {
	ctx := c.UserContext()
	sess, err := s.course.Session(ctx, u, c.Params("id"))
	if err != nil {
		return nil, err
	}
	rep, _, err := s.certs.SessionReport(ctx, u, sess.ID)
	if err != nil {
		return nil, err
	}
	parts, err := s.certs.Completion(ctx, u, sess.ID)
	if err != nil {
		return nil, err
	}
	v := &reportView{Session: sess, Report: rep, Parts: parts,
		Sentence: tr.T("app.report.sentence", "Validated", rep.Validated, "Participants", rep.Participants, "Level2", rep.Level2, "Count", rep.Validated)}
	return v, nil
}

func (s *Server) handleReportShow(c *fiber.Ctx, u *course.User) error {
	p := s.newPage(c, "app.report.title")
	v, err := s.reportView(c, u, p.translator)
	if err != nil {
		return err
	}
	v.Grades, v.Funnel = s.reportCharts(p.translator, v)
	p.Title = p.T("app.report.heading", "Code", v.Session.Code)
	p.Data = v
	return s.render(c, "pages/certificates/report", p)
}

func (s *Server) handleCertificateIndex(c *fiber.Ctx) error {
	u, sess, err := s.callerSession(c)
	if err != nil {
		return err
	}
	return s.renderCertificates(c, u, s.newPage(c, "app.certificates.title"), sess.ID)
}

func (s *Server) renderCertificates(c *fiber.Ctx, u *course.User, p *page, sessionID string) error {
	sess, err := s.course.Session(c.UserContext(), u, sessionID)
	if err != nil {
		return err
	}
	list, err := s.certs.SessionCertificates(c.UserContext(), u, sess.ID)
	if err != nil {
		return err
	}
	p.Data = fiber.Map{"Session": sess, "Certificates": list, "Base": s.cfg.BaseURL, "Reissued": certificates.ReasonReissued}
	return s.render(c, "pages/certificates/index", p)
}

func (s *Server) handleRevoke(c *fiber.Ctx, u *course.User) error {
	cert, err := s.certs.Owned(c.UserContext(), u, c.Params("code"))
	if err != nil {
		return err
	}
	if err := s.certs.Revoke(c.UserContext(), u, cert.Code, c.FormValue("reason"), c.FormValue("reason_public") != ""); err != nil {
		return err
	}
	s.flash(c, "app.flash.certificate_revoked")
	return c.Redirect("/sessions/"+cert.SessionID+"/certificates", http.StatusSeeOther)
}

// handleReissue issues again a certificate a coordinator revoked, for a
// reason: a close never does it by itself.
func (s *Server) handleReissue(c *fiber.Ctx, u *course.User) error {
	cert, err := s.certs.Owned(c.UserContext(), u, c.Params("code"))
	if err != nil {
		return err
	}
	if _, err := s.certs.Reissue(c.UserContext(), u, cert.SessionID, cert.UserID, c.FormValue("reason")); err != nil {
		p := s.newPage(c, "app.certificates.title")
		p.Form["reason-"+cert.Code] = c.FormValue("reason")
		return s.formError(c, err, p, func() error { return s.renderCertificates(c, u, p, cert.SessionID) })
	}
	s.flash(c, "app.flash.certificate_reissued")
	return c.Redirect("/sessions/"+cert.SessionID+"/certificates", http.StatusSeeOther)
}

func (s *Server) handleAPIReissue(c *fiber.Ctx, u *course.User) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cert, err := s.certs.Owned(c.UserContext(), u, c.Params("code"))
	if err != nil {
		return err
	}
	issued, err := s.certs.Reissue(c.UserContext(), u, cert.SessionID, cert.UserID, in.Reason)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(fiber.Map{"code": issued.Code, "level": issued.Level, "status": "valid", "replaces": cert.Code})
}

// handleVerifyLookup is the public form where a code is typed or pasted:
// a code of the right shape goes to its page in canonical form
// (certificates.NormalizeCode), another is a 422 on the form.
func (s *Server) handleVerifyLookup(c *fiber.Ctx) error {
	p := s.newPage(c, "app.verify.title")
	raw := strings.TrimSpace(c.Query("code"))
	p.Form["code"], p.Data = raw, fiber.Map{}
	if raw == "" {
		return s.render(c, "pages/certificates/lookup", p)
	}
	norm, ok := certificates.NormalizeCode(raw)
	if !ok {
		return s.formError(c, course.Invalid("code", "account.verify.malformed"), p, s.formPage(c, "pages/certificates/lookup", p))
	}
	return c.Redirect("/certificates/"+norm, http.StatusSeeOther)
}

func (s *Server) handleVerifyShow(c *fiber.Ctx) error {
	cert, err := s.certs.Lookup(c.UserContext(), c.Params("code"))
	if errors.Is(err, certificates.ErrNotFound) {
		// A clear page, with the form to try again, for an unknown code.
		p := s.newPage(c, "app.verify.title")
		p.Form["code"] = c.Params("code")
		p.Data = fiber.Map{"Unknown": c.Params("code")}
		c.Status(http.StatusNotFound)
		return s.render(c, "pages/certificates/lookup", p)
	}
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.verify.title")
	linkedIn := s.linkedInURL(c, cert) // app/linkedin.go: for the holder only
	p.Data = fiber.Map{"Cert": cert, "Organisation": s.cfg.Organisation, "JWKS": s.cfg.BaseURL + "/.well-known/jwks.json", "LinkedIn": linkedIn}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	if linkedIn != "" {
		c.Set(fiber.HeaderCacheControl, "private, no-cache")
	}
	return c.Render("pages/certificates/verify", p, "layouts/main")
}

// certificatePDF renders the PDF of a certificate in its language; its text
// states the thresholds its holder met, or that the coordination set the
// level (byCoordination).
func (s *Server) certificatePDF(cert *certificates.Certificate, byCoordination bool) ([]byte, error) {
	tr := s.translators[cert.Lang]
	if tr == nil {
		tr = s.translators[languages[0]]
	}
	lvl := int(cert.Level)
	return s.pdf.Render(certificates.CertificatePDF{
		Labels: certificates.PDFLabels{Title: tr.T("certificates.pdf.title"), AwardedTo: tr.T("certificates.pdf.awarded_to"),
			Session: tr.T("certificates.pdf.session"), IssuedBy: tr.T("certificates.pdf.issued_by"),
			Code: tr.T("certificates.pdf.code"), Verify: tr.T("certificates.pdf.verify"), QRAlt: tr.T("credentials.pdf.qr_alt")},
		Lang:       tr.lang,
		Workload:   tr.T("credentials.pdf.workload", "Count", cert.Workload()),
		HolderName: cert.HolderName, LevelName: tr.T(fmt.Sprintf("certificates.level%d.name", lvl)),
		LevelMeaning: levelMeaning(tr, cert, byCoordination),
		SessionCode:  cert.SessionCode,
		SessionDates: tr.T("certificates.pdf.dates", "From", datePhrase(tr, cert.SessionStart), "To", datePhrase(tr, cert.SessionEnd)),
		Issuer:       s.cfg.Organisation, IssuedOn: tr.T("certificates.pdf.issued_on", "Date", datePhrase(tr, cert.IssuedAt.Format(course.DateLayout))),
		IssuedAt: cert.IssuedAt, Code: cert.Code, VerifyURL: certificates.VerifyURL(s.cfg.BaseURL, cert.Code),
	})
}

// certificateFileName is the PDF's file name in the certificate's language:
// certificat-CODE.pdf, certificate-CODE.pdf.
func certificateFileName(tr *translator, code string) string {
	name := "certificat"
	if tr != nil {
		name = tr.T("credentials.pdf.file")
	}
	return name + "-" + code + ".pdf"
}

func datePhrase(tr *translator, d string) string {
	t, err := time.Parse(course.DateLayout, d)
	if err != nil {
		return d
	}
	return tr.T("app.date.format", "Day", t.Day(), "Month", tr.T(fmt.Sprintf("app.month.%d", t.Month())), "Year", t.Year())
}

func (s *Server) handleCertificatePDF(c *fiber.Ctx, u *course.User) error {
	cert, err := s.certs.Owned(c.UserContext(), u, c.Params("code"))
	if err != nil {
		return err
	}
	byCoordination, err := s.certs.ByCoordination(c.UserContext(), cert)
	if err != nil {
		return err
	}
	b, err := s.certificatePDF(cert, byCoordination)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+certificateFileName(s.translators[cert.Lang], cert.Code)+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(b)
}

func (s *Server) handleCertificateBadge(c *fiber.Ctx, u *course.User) error {
	cert, err := s.certs.Owned(c.UserContext(), u, c.Params("code"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/jwt")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="badge-`+cert.Code+`.jwt"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.SendString(cert.Badge)
}

// handleCertificateBakedBadge sends the level's badge image with the
// holder's signed credential baked in, for wallets and backpacks that take
// images.
func (s *Server) handleCertificateBakedBadge(c *fiber.Ctx, u *course.User) error {
	cert, err := s.certs.Owned(c.UserContext(), u, c.Params("code"))
	if err != nil {
		return err
	}
	svg, err := certificates.BakeSVG(certificates.BadgeSVG(cert.Level, s.cfg.Organisation), cert.Badge)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, mimeSVG)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="badge-`+cert.Code+`.svg"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.SendString(svg)
}

// API

type certificateJSON struct {
	Code      string `json:"code"`
	UserID    string `json:"user_id"`
	Level     int    `json:"level"`
	IssuedAt  string `json:"issued_at"`
	VerifyURL string `json:"verify_url"`
	Status    string `json:"status"`
	RevokedAt string `json:"revoked_at,omitempty"`
}

func (s *Server) toCertificateJSON(c certificates.Certificate) certificateJSON {
	j := certificateJSON{Code: c.Code, UserID: c.UserID, Level: int(c.Level), IssuedAt: rfc3339(c.IssuedAt),
		VerifyURL: certificates.VerifyURL(s.cfg.BaseURL, c.Code), Status: "valid"}
	if c.RevokedAt != nil {
		j.Status, j.RevokedAt = "revoked", rfc3339(*c.RevokedAt)
	}
	return j
}

func (s *Server) certificateList(list []certificates.Certificate) []certificateJSON {
	out := make([]certificateJSON, 0, len(list))
	for _, c := range list {
		out = append(out, s.toCertificateJSON(c))
	}
	return out
}

func (s *Server) handleAPIVerify(c *fiber.Ctx) error {
	cert, err := s.certs.Lookup(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	out := fiber.Map{"code": cert.Code, "level": int(cert.Level), "holder": cert.HolderName,
		"session":   fiber.Map{"code": cert.SessionCode, "starts_on": cert.SessionStart, "ends_on": cert.SessionEnd},
		"issued_at": rfc3339(cert.IssuedAt), "status": "valid", "issuer": s.cfg.Organisation}
	if cert.RevokedAt != nil {
		out["status"], out["revoked_at"] = "revoked", rfc3339(*cert.RevokedAt)
		if r := cert.PublicReason(); r != "" { // only when the coordinator made it public
			out["revoke_reason"] = r
		}
	}
	return c.JSON(out)
}

func (s *Server) handleAPIRevoke(c *fiber.Ctx, u *course.User) error {
	var in struct {
		Reason       string `json:"reason"`
		ReasonPublic bool   `json:"reason_public"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if !u.IsCoordinator() {
		return course.ErrForbidden
	}
	norm, ok := certificates.NormalizeCode(c.Params("code"))
	if !ok {
		return certificates.ErrNotFound
	}
	if err := s.certs.Revoke(c.UserContext(), u, norm, in.Reason, in.ReasonPublic); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"code": norm, "status": "revoked"})
}

func (s *Server) handleAPIMyCertificates(c *fiber.Ctx, u *course.User) error {
	list, err := s.certs.MyCertificates(c.UserContext(), u)
	if err != nil {
		return err
	}
	return c.JSON(s.certificateList(list))
}

func reportJSON(r certificates.Report) fiber.Map {
	return fiber.Map{"participants": r.Participants, "validated": r.Validated, "level1": r.Level1, "level2": r.Level2}
}

func (s *Server) handleAPIClose(c *fiber.Ctx, u *course.User) error {
	res, err := s.certs.Close(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return err
	}
	out := reportJSON(res.Report)
	out["issued"], out["revoked"], out["withheld"] = len(res.Issued), len(res.Revoked), len(res.Withheld)
	return c.JSON(out)
}

func (s *Server) handleAPIReopen(c *fiber.Ctx, u *course.User) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.certs.Reopen(c.UserContext(), u, c.Params("id"), in.Reason); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": "reopened"})
}

func (s *Server) handleAPIResults(c *fiber.Ctx, u *course.User) error {
	rs, err := s.certs.Results(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return err
	}
	out := make([]fiber.Map, 0, len(rs))
	for _, r := range rs {
		m := fiber.Map{"user_id": r.User.ID, "name": r.User.Name, "exercises_passed": r.Outcome.ExercisesPassed,
			"reviews_done": r.ReviewsDone, "reviews_assigned": r.ReviewsAssigned, "evaluation_score": r.Input.EvaluationScore,
			"level": int(r.Level()), "computed_level": int(r.Computed), "commitment_declined": r.Input.CommitmentDeclined, "deleted": r.Deleted}
		if r.Override != nil {
			m["override"] = fiber.Map{"level": int(r.Override.Level), "reason": r.Override.Reason}
		}
		out = append(out, m)
	}
	return c.JSON(out)
}

func (s *Server) handleAPIReport(c *fiber.Ctx, u *course.User) error {
	v, err := s.reportView(c, u, s.translator(c))
	if err != nil {
		return err
	}
	out := reportJSON(v.Report)
	out["sentence"] = v.Sentence
	parts := make([]fiber.Map, 0, len(v.Parts))
	for _, p := range v.Parts {
		parts = append(parts, fiber.Map{"part": p.Part, "submitted": p.Submitted, "reviews_assigned": p.ReviewsAssigned, "reviews_done": p.ReviewsDone})
	}
	out["parts"] = parts
	return c.JSON(out)
}

func (s *Server) handleAPISessionCertificates(c *fiber.Ctx, u *course.User) error {
	list, err := s.certs.SessionCertificates(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(s.certificateList(list))
}

type rulesJSON struct {
	PassGrade           float64 `json:"pass_grade"`
	Level1Exercises     int     `json:"level1_exercises"`
	Level1Evaluation    float64 `json:"level1_evaluation"`
	Level2Exercises     int     `json:"level2_exercises"`
	Level2Evaluation    float64 `json:"level2_evaluation"`
	Level2ReviewsOnTime bool    `json:"level2_reviews_on_time"`
	Level2Commitment    bool    `json:"level2_commitment"`
}

func (s *Server) handleAPIRulesShow(c *fiber.Ctx, u *course.User) error {
	r, err := s.certs.SessionRules(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(rulesJSON(r))
}

func (s *Server) handleAPIRulesPut(c *fiber.Ctx, u *course.User) error {
	var in rulesJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.certs.SetRules(c.UserContext(), u, c.Params("id"), certificates.Rules(in)); err != nil {
		return err
	}
	return c.JSON(in)
}

func (s *Server) handleAPIOverride(c *fiber.Ctx, u *course.User) error {
	var in struct {
		Level  *int   `json:"level"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	level := -99 // missing: refused as invalid, once the caller is authorized
	if in.Level != nil {
		level = *in.Level
	}
	if err := s.certs.SetOverride(c.UserContext(), u, c.Params("id"), c.Params("uid"), level, in.Reason); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user_id": c.Params("uid"), "level": level})
}
