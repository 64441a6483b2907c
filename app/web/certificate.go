package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"librecours/certificates"
	"librecours/course"
)

func (s *Server) registerCertificateRoutes() {
	a := s.app
	a.Get("/sessions/:id/close", signedIn(s.handleCloseShow))
	a.Post("/sessions/:id/rules", signedIn(s.handleRulesSave))
	a.Post("/sessions/:id/overrides", signedIn(s.handleOverrideSave))
	a.Post("/sessions/:id/close", signedIn(s.handleCloseConfirm))
	a.Post("/sessions/:id/reopen", signedIn(s.handleReopen))
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
	api.Post("/certificates/:code/revoke", apiJSON(s.handleAPIRevoke))
	api.Post("/certificates/:code/reissue", apiJSON(s.handleAPIReissue))
	api.Get("/me/certificates", apiJSON(s.handleAPIMyCertificates))
	api.Post("/sessions/:id/close", apiJSON(s.handleAPIClose))
	api.Post("/sessions/:id/reopen", apiJSON(s.handleAPIReopen))
	api.Get("/sessions/:id/results", apiJSON(s.handleAPIResults))
	api.Get("/sessions/:id/report", apiJSON(s.handleAPIReport))
	api.Get("/sessions/:id/certificates", apiJSON(s.handleAPISessionCertificates))
	api.Get("/sessions/:id/rules", apiJSON(s.handleAPIRulesShow))
	api.Put("/sessions/:id/rules", apiJSON(s.handleAPIRulesPut))
	api.Put("/sessions/:id/overrides/:uid", apiJSON(s.handleAPIOverride))
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

// closeAction runs a form of the close screen and comes back to it, or to
// the session's page under back.
func (s *Server) closeAction(c *fiber.Ctx, u *course.User, flash, back string, act func(id string) error) error {
	id := c.Params("id")
	return s.formAction(c, flash, "app.close.title", "/sessions/"+id+back, func() error { return act(id) },
		func(p *page) error { return s.renderClose(c, u, p) })
}

func formFloat(c *fiber.Ctx, field string) (float64, error) {
	f, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(c.FormValue(field)), ",", "."), 64)
	if err != nil {
		return 0, course.Invalid(field, "app.error.number_invalid")
	}
	return f, nil
}

func (s *Server) handleRulesSave(c *fiber.Ctx, u *course.User) error {
	return s.closeAction(c, u, "app.flash.rules_saved", "/close", func(id string) error {
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
		if strings.TrimSpace(c.FormValue("review_quality_min")) != "" { // absent from older forms: the rule off
			if r.ReviewQualityMin, err = formFloat(c, "review_quality_min"); err != nil {
				return err
			}
		}
		r.Level2ReviewsOnTime = c.FormValue("level2_reviews_on_time") == "on"
		r.Level2Commitment = c.FormValue("level2_commitment") == "on"
		return s.certs.SetRules(c.UserContext(), u, id, r)
	})
}

func (s *Server) handleOverrideSave(c *fiber.Ctx, u *course.User) error {
	return s.closeAction(c, u, "app.flash.override_saved", "/close", func(id string) error {
		lvl, err := strconv.Atoi(c.FormValue("level"))
		if err != nil {
			return course.Invalid("level", "certificates.override.level_invalid")
		}
		return s.certs.SetOverride(c.UserContext(), u, id, c.FormValue("user_id"), lvl, c.FormValue("reason"))
	})
}

func (s *Server) handleCloseConfirm(c *fiber.Ctx, u *course.User) error {
	if !confirmed(c) {
		return s.closeConfirm(c, u, c.Params("id"))
	}
	return s.closeAction(c, u, "app.flash.session_closed", "/report", func(id string) error {
		_, err := s.certs.Close(c.UserContext(), u, id)
		return err
	})
}

func (s *Server) handleReopen(c *fiber.Ctx, u *course.User) error {
	return s.closeAction(c, u, "app.flash.session_reopened", "/close", func(id string) error {
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

// certificateAction runs a form about the path's certificate (:code),
// which the caller may manage, and comes back to its session's list.
func (s *Server) certificateAction(c *fiber.Ctx, u *course.User, flash string, act func(cert *certificates.Certificate) error) error {
	cert, err := s.certs.Owned(c.UserContext(), u, c.Params("code"))
	if err != nil {
		return err
	}
	return s.formAction(c, flash, "app.certificates.title", "/sessions/"+cert.SessionID+"/certificates",
		func() error { return act(cert) },
		func(p *page) error { return s.renderCertificates(c, u, p, cert.SessionID) })
}

func (s *Server) handleRevoke(c *fiber.Ctx, u *course.User) error {
	return s.certificateAction(c, u, "app.flash.certificate_revoked", func(cert *certificates.Certificate) error {
		return s.certs.Revoke(c.UserContext(), u, cert.Code, c.FormValue("reason"), c.FormValue("reason_public") != "")
	})
}

// handleReissue issues again a certificate a coordinator revoked, for a
// reason: a close never does it by itself.
func (s *Server) handleReissue(c *fiber.Ctx, u *course.User) error {
	return s.certificateAction(c, u, "app.flash.certificate_reissued", func(cert *certificates.Certificate) error {
		_, err := s.certs.Reissue(c.UserContext(), u, cert.SessionID, cert.UserID, c.FormValue("reason"))
		return err
	})
}

type reasonJSON struct {
	Reason string `json:"reason"`
}

func (s *Server) handleAPIReissue(c *fiber.Ctx, u *course.User, in *reasonJSON) (any, error) {
	cert, err := s.certs.Owned(c.UserContext(), u, c.Params("code"))
	if err != nil {
		return nil, err
	}
	issued, err := s.certs.Reissue(c.UserContext(), u, cert.SessionID, cert.UserID, in.Reason)
	if err != nil {
		return nil, err
	}
	return created(fiber.Map{"code": issued.Code, "level": issued.Level, "status": "valid", "replaces": cert.Code}), nil
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

// verifyCode is the :code of a verification address as it was typed: the
// path is not unescaped, and a code pasted with spaces arrives as %20.
func verifyCode(c *fiber.Ctx) string {
	raw := c.Params("code")
	if s, err := url.PathUnescape(raw); err == nil {
		return s
	}
	return raw
}

// shownCode is a code typed in an address, to show back on the page of
// an unknown code: valid UTF-8, cut to a few dozen characters.
func shownCode(s string) string {
	const most = 40
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= most {
		return s
	}
	return string([]rune(s)[:most]) + "…"
}

func (s *Server) handleVerifyShow(c *fiber.Ctx) error {
	code := verifyCode(c)
	cert, err := s.certs.Lookup(c.UserContext(), code)
	if errors.Is(err, certificates.ErrNotFound) {
		// A clear page, with the form to try again, for an unknown code.
		p := s.newPage(c, "app.verify.title")
		p.Form["code"] = shownCode(code)
		p.Data = fiber.Map{"Unknown": shownCode(code)}
		c.Status(http.StatusNotFound)
		return s.render(c, "pages/certificates/lookup", p)
	}
	if err != nil {
		return err
	}
	// What the level attests, for this holder: their session's thresholds,
	// or the coordination's decision, as their PDF says.
	byCoordination, err := s.certs.ByCoordination(c.UserContext(), cert)
	if err != nil {
		return err
	}
	p := s.newPage(c, "app.verify.title")
	linkedIn := s.linkedInURL(c, cert) // app/linkedin.go: for the holder only
	p.Data = fiber.Map{"Cert": cert, "Organisation": s.cfg.Organisation, "JWKS": s.cfg.BaseURL + "/.well-known/jwks.json", "LinkedIn": linkedIn,
		"Meaning": levelMeaning(p.translator, cert, byCoordination), "TimeZone": s.cfg.TimeZone}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	if linkedIn != "" {
		c.Set(fiber.HeaderCacheControl, "private, no-cache")
	}
	return c.Render("pages/certificates/verify", p, "layouts/main")
}

// certificatePDF renders the PDF of a certificate in its language; its text
// states the thresholds its holder met, or that the coordination set the
// level (byCoordination). It is dated in the platform's time zone, as the
// verification page is.
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
		Issuer:       s.cfg.Organisation, IssuedOn: tr.T("certificates.pdf.issued_on", "Date", datePhrase(tr, cert.IssuedAt.In(s.zones.get(s.cfg.TimeZone)).Format(course.DateLayout))),
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

// datePhrase writes a YYYY-MM-DD date in words: "1er décembre 2026",
// "1 December 2026".
func datePhrase(tr *translator, d string) string {
	t, err := time.Parse(course.DateLayout, d)
	if err != nil {
		return d
	}
	return tr.T("app.date.format", "Day", dayOfMonth(tr, t.Day()), "Month", tr.T(fmt.Sprintf("app.month.%d", t.Month())), "Year", t.Year())
}

// dayOfMonth writes a day of the month as dates write it: the first is
// "1er" in French.
func dayOfMonth(tr *translator, day int) string {
	if day == 1 {
		return tr.T("app.date.first_day")
	}
	return strconv.Itoa(day)
}

// errRevokedFile answers a holder who asks for the PDF or the badge of a
// certificate revoked since: the dashboard no longer offers them.
var errRevokedFile = &httpError{Status: http.StatusGone, Code: "revoked", Key: "certificates.file.revoked"}

// certificateFile is the certificate whose PDF or badge the caller asks
// for: its holder's while it is valid, any for a coordinator.
func (s *Server) certificateFile(c *fiber.Ctx, u *course.User) (*certificates.Certificate, error) {
	cert, err := s.certs.Owned(c.UserContext(), u, c.Params("code"))
	if err != nil {
		return nil, err
	}
	if cert.RevokedAt != nil && !u.IsCoordinator() {
		return nil, errRevokedFile
	}
	return cert, nil
}

func (s *Server) handleCertificatePDF(c *fiber.Ctx, u *course.User) error {
	cert, err := s.certificateFile(c, u)
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
	return sendFile(c, "application/pdf", certificateFileName(s.translators[cert.Lang], cert.Code), "private, no-store", b)
}

func (s *Server) handleCertificateBadge(c *fiber.Ctx, u *course.User) error {
	cert, err := s.certificateFile(c, u)
	if err != nil {
		return err
	}
	return sendFile(c, "application/jwt", "badge-"+cert.Code+".jwt", "private, no-store", []byte(cert.Badge))
}

// handleCertificateBakedBadge sends the level's badge image with the
// holder's signed credential baked in, for wallets and backpacks that take
// images.
func (s *Server) handleCertificateBakedBadge(c *fiber.Ctx, u *course.User) error {
	cert, err := s.certificateFile(c, u)
	if err != nil {
		return err
	}
	svg, err := certificates.BakeSVG(certificates.BadgeSVG(cert.Level, s.cfg.Organisation), cert.Badge)
	if err != nil {
		return err
	}
	return sendFile(c, mimeSVG, "badge-"+cert.Code+".svg", "private, no-store", []byte(svg))
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

func (s *Server) handleAPIVerify(c *fiber.Ctx) error {
	cert, err := s.certs.Lookup(c.UserContext(), verifyCode(c))
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

type revokeJSON struct {
	Reason       string `json:"reason"`
	ReasonPublic bool   `json:"reason_public"`
}

func (s *Server) handleAPIRevoke(c *fiber.Ctx, u *course.User, in *revokeJSON) (any, error) {
	if !u.IsCoordinator() {
		return nil, course.ErrForbidden
	}
	norm, ok := certificates.NormalizeCode(c.Params("code"))
	if !ok {
		return nil, certificates.ErrNotFound
	}
	if err := s.certs.Revoke(c.UserContext(), u, norm, in.Reason, in.ReasonPublic); err != nil {
		return nil, err
	}
	return fiber.Map{"code": norm, "status": "revoked"}, nil
}

func (s *Server) handleAPIMyCertificates(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	return jsonOf(listOf(s.toCertificateJSON))(s.certs.MyCertificates(c.UserContext(), u))
}

func reportJSON(r certificates.Report) fiber.Map {
	return fiber.Map{"participants": r.Participants, "validated": r.Validated, "level1": r.Level1, "level2": r.Level2}
}

func (s *Server) handleAPIClose(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	res, err := s.certs.Close(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return nil, err
	}
	out := reportJSON(res.Report)
	out["issued"], out["revoked"], out["withheld"] = len(res.Issued), len(res.Revoked), len(res.Withheld)
	return out, nil
}

func (s *Server) handleAPIReopen(c *fiber.Ctx, u *course.User, in *reasonJSON) (any, error) {
	if err := s.certs.Reopen(c.UserContext(), u, c.Params("id"), in.Reason); err != nil {
		return nil, err
	}
	return fiber.Map{"status": "reopened"}, nil
}

func resultJSON(r certificates.Result) fiber.Map {
	m := fiber.Map{"user_id": r.User.ID, "name": r.User.Name, "exercises_passed": r.Outcome.ExercisesPassed,
		"reviews_done": r.ReviewsDone, "reviews_assigned": r.ReviewsAssigned, "evaluation_score": r.Input.EvaluationScore,
		"level": int(r.Level()), "computed_level": int(r.Computed), "commitment_declined": r.Input.CommitmentDeclined, "deleted": r.Deleted}
	if r.Override != nil {
		m["override"] = fiber.Map{"level": int(r.Override.Level), "reason": r.Override.Reason}
	}
	return m
}

func (s *Server) handleAPIResults(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	return jsonOf(listOf(resultJSON))(s.certs.Results(c.UserContext(), u, c.Params("id")))
}

func (s *Server) handleAPIReport(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	v, err := s.reportView(c, u, s.translator(c))
	if err != nil {
		return nil, err
	}
	out := reportJSON(v.Report)
	out["sentence"] = v.Sentence
	out["parts"] = mapJSON(v.Parts, func(p certificates.PartStats) fiber.Map {
		return fiber.Map{"part": p.Part, "submitted": p.Submitted, "reviews_assigned": p.ReviewsAssigned, "reviews_done": p.ReviewsDone}
	})
	return out, nil
}

func (s *Server) handleAPISessionCertificates(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	return jsonOf(listOf(s.toCertificateJSON))(s.certs.SessionCertificates(c.UserContext(), u, c.Params("id")))
}

type rulesJSON struct {
	PassGrade           float64 `json:"pass_grade"`
	Level1Exercises     int     `json:"level1_exercises"`
	Level1Evaluation    float64 `json:"level1_evaluation"`
	Level2Exercises     int     `json:"level2_exercises"`
	Level2Evaluation    float64 `json:"level2_evaluation"`
	Level2ReviewsOnTime bool    `json:"level2_reviews_on_time"`
	Level2Commitment    bool    `json:"level2_commitment"`
	ReviewQualityMin    float64 `json:"review_quality_min"`
}

func (s *Server) handleAPIRulesShow(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	r, err := s.certs.SessionRules(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return nil, err
	}
	return rulesJSON(r), nil
}

// rulesPutJSON is the body of PUT .../rules: every rule, none left out or
// null (a rule left out used to become 0: a pass grade of 0 passed
// everything).
type rulesPutJSON struct {
	PassGrade           *float64 `json:"pass_grade"`
	Level1Exercises     *int     `json:"level1_exercises"`
	Level1Evaluation    *float64 `json:"level1_evaluation"`
	Level2Exercises     *int     `json:"level2_exercises"`
	Level2Evaluation    *float64 `json:"level2_evaluation"`
	Level2ReviewsOnTime *bool    `json:"level2_reviews_on_time"`
	Level2Commitment    *bool    `json:"level2_commitment"`
	ReviewQualityMin    *float64 `json:"review_quality_min"`
}

// rules returns the rules of in, or the first one missing.
func (in *rulesPutJSON) rules() (rulesJSON, error) {
	for _, f := range []struct {
		name    string
		missing bool
	}{
		{"pass_grade", in.PassGrade == nil},
		{"level1_exercises", in.Level1Exercises == nil},
		{"level1_evaluation", in.Level1Evaluation == nil},
		{"level2_exercises", in.Level2Exercises == nil},
		{"level2_evaluation", in.Level2Evaluation == nil},
		{"level2_reviews_on_time", in.Level2ReviewsOnTime == nil},
		{"level2_commitment", in.Level2Commitment == nil},
		{"review_quality_min", in.ReviewQualityMin == nil},
	} {
		if f.missing {
			return rulesJSON{}, &course.ValidationError{Field: f.name, Key: "certificates.rules.field_missing"}
		}
	}
	return rulesJSON{PassGrade: *in.PassGrade, Level1Exercises: *in.Level1Exercises, Level1Evaluation: *in.Level1Evaluation,
		Level2Exercises: *in.Level2Exercises, Level2Evaluation: *in.Level2Evaluation, Level2ReviewsOnTime: *in.Level2ReviewsOnTime,
		Level2Commitment: *in.Level2Commitment, ReviewQualityMin: *in.ReviewQualityMin}, nil
}

func (s *Server) handleAPIRulesPut(c *fiber.Ctx, u *course.User, in *rulesPutJSON) (any, error) {
	r, err := in.rules()
	if err != nil {
		// The caller must be allowed to change the rules before being
		// told what the body lacks.
		if _, aerr := s.certs.SessionRules(c.UserContext(), u, c.Params("id")); aerr != nil {
			return nil, aerr
		}
		if !u.IsCoordinator() { // SetRules is the coordinators'
			return nil, course.ErrForbidden
		}
		return nil, err
	}
	if err := s.certs.SetRules(c.UserContext(), u, c.Params("id"), certificates.Rules(r)); err != nil {
		return nil, err
	}
	return r, nil
}

type overrideJSON struct {
	Level  *int   `json:"level"`
	Reason string `json:"reason"`
}

func (s *Server) handleAPIOverride(c *fiber.Ctx, u *course.User, in *overrideJSON) (any, error) {
	level := -99 // missing: refused as invalid, once the caller is authorized
	if in.Level != nil {
		level = *in.Level
	}
	if err := s.certs.SetOverride(c.UserContext(), u, c.Params("id"), c.Params("uid"), level, in.Reason); err != nil {
		return nil, err
	}
	return fiber.Map{"user_id": c.Params("uid"), "level": level}, nil
}
