package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
)

// The account page, the export of one's personal data and the deletion of
// one's account.
func (s *Server) registerPrivacyRoutes() {
	a := s.app
	a.Get("/account", signedIn(s.handleAccountShow))
	a.Get("/account/export.json", signedIn(s.handleAccountExport))
	a.Post("/account/delete", signedIn(s.handleAccountDelete))

	api := a.Group("/api/v1")
	api.Get("/me/export", apiJSON(s.handleAPIMeExport))
	api.Delete("/me", signedIn(s.handleAPIMeDelete))
}

// personalDataFormat names the layout of the export, for whoever reads it.
const personalDataFormat = "librecours-personal-data/1"

func (s *Server) handleAccountShow(c *fiber.Ctx, u *course.User) error {
	return s.renderAccount(c, u, s.newPage(c, "app.privacy.title"))
}

func (s *Server) renderAccount(c *fiber.Ctx, u *course.User, p *page) error {
	last := false
	if err := s.course.DeletionBlocked(c.UserContext(), u); errors.Is(err, course.ErrLastCoordinator) {
		last = true
	} else if err != nil {
		return err
	}
	p.Data = fiber.Map{"LastCoordinator": last, "TZ": s.cfg.TimeZone}
	return s.render(c, "pages/account/show", p)
}

// accountJSON is the account in an export: the user of the API plus when
// the account was made.
type accountJSON struct {
	userJSON
	CreatedAt string `json:"created_at"`
}

// personalDataJSON lays out an export: what it is, when it was made, the
// account, then one list per kind of document.
func (s *Server) personalDataJSON(pd *course.PersonalData) map[string]any {
	out := make(map[string]any, len(pd.Sections)+3)
	for name, recs := range pd.Sections {
		out[name] = recs
	}
	out["format"] = personalDataFormat
	out["exported_at"] = rfc3339(s.now())
	out["user"] = accountJSON{userJSON: toUserJSON(&pd.User), CreatedAt: rfc3339(pd.User.CreatedAt)}
	return out
}

// myPersonalData is the export of the caller's personal data.
func (s *Server) myPersonalData(c *fiber.Ctx, u *course.User) (map[string]any, error) {
	pd, err := s.course.ExportPersonalData(c.UserContext(), u, "")
	if err != nil {
		return nil, err
	}
	return s.personalDataJSON(pd), nil
}

func (s *Server) handleAccountExport(c *fiber.Ctx, u *course.User) error {
	out, err := s.myPersonalData(c, u)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	return sendFile(c, fiber.MIMEApplicationJSONCharsetUTF8, "librecours-personal-data-"+s.now().UTC().Format("2006-01-02")+".json", "no-store", b)
}

// deletionCheck verifies the password given to delete u's account, counted
// with the sign-in failures of the account: a stolen session cannot guess
// the password here any faster than on the sign-in form.
func (s *Server) deletionCheck(ctx context.Context, u *course.User) course.PasswordCheck {
	return func(hash, pw string) (bool, error) {
		if err := s.attempt(ctx, []throttleKey{{key: "email:" + course.NormalizeEmail(u.Email), free: throttlePerAccount}}); err != nil {
			return false, err
		}
		return s.checkPassword(ctx, hash, pw)
	}
}

// deleteAccount runs the deletion and logs it without personal data.
func (s *Server) deleteAccount(c *fiber.Ctx, u *course.User, password string, confirmed bool) error {
	ctx := c.UserContext()
	tomb, err := s.course.DeleteAccount(ctx, u, course.AccountDeletion{Password: password, Confirmed: confirmed}, s.deletionCheck(ctx, u))
	if err != nil {
		return err
	}
	s.log.Info("account deleted", "tombstone", tomb, "request_id", requestID(c))
	return nil
}

func (s *Server) handleAccountDelete(c *fiber.Ctx, u *course.User) error {
	return s.formAction(c, "app.flash.account_deleted", "app.privacy.title", "/",
		func() error {
			if err := s.deleteAccount(c, u, c.FormValue("password"), c.FormValue("confirm_delete") != ""); err != nil {
				return err
			}
			s.setCookie(c, cookieSession, "", -1)
			return nil
		},
		func(p *page) error { return s.renderAccount(c, u, p) })
}

// API

func (s *Server) handleAPIMeExport(c *fiber.Ctx, u *course.User, _ *noBody) (any, error) {
	out, err := s.myPersonalData(c, u)
	if err != nil {
		return nil, err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return out, nil
}

type accountDeleteJSON struct {
	Password string `json:"password"`
}

func (s *Server) handleAPIMeDelete(c *fiber.Ctx, u *course.User) error {
	var in accountDeleteJSON
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.deleteAccount(c, u, in.Password, true); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
