package web

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"librecours/certificates"
)

// linkedInURL is the "Ajouter à LinkedIn" link of a certificate, for its
// holder only (signed in, valid certificate): LinkedIn's add-to-profile
// form with the certification's name in the holder's language, the
// organisation, the issue month in the platform's time zone, the
// verification URL and the code. "" for anyone else.
func (s *Server) linkedInURL(c *fiber.Ctx, cert *certificates.Certificate) string {
	u := currentUser(c)
	if u == nil || cert == nil || u.ID != cert.UserID || !cert.Valid() {
		return ""
	}
	tr := s.translator(c)
	name := tr.T(fmt.Sprintf("certificates.level%d.name", int(cert.Level))) // "Libre cours Libre Culture — niveau II"
	issued := cert.IssuedAt
	if loc, err := time.LoadLocation(s.cfg.TimeZone); err == nil {
		issued = issued.In(loc)
	}
	return certificates.LinkedInAddURL(name, s.cfg.Organisation, issued, certificates.VerifyURL(s.cfg.BaseURL, cert.Code), cert.Code)
}
