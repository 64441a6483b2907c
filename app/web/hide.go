package web

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"librecours/course"
	"librecours/grading"
)

// Uniform answers: a submission, a review, or a certificate's files are
// objects only some people may see. For them, "you may not" is answered
// as "there is none" (404), whether the object exists or not, so IDs and
// codes cannot be probed. Sessions are listed to everyone signed in, and a
// certificate's verification is public: there, 403 still says that an
// action is not allowed.

// hiddenPath reports the paths of objects answered 404 when refused.
func hiddenPath(p string) bool {
	for _, prefix := range []string{"/reviews/", "/api/v1/reviews/", "/submissions/", "/api/v1/submissions/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return certificateFile(p)
}

// hideObjects turns a refusal (403) on those paths into not found (404).
func (s *Server) hideObjects(c *fiber.Ctx) error {
	err := c.Next()
	if err != nil && hiddenPath(c.Path()) {
		return hidden(err)
	}
	return err
}

// hidden turns a refusal into not found; other errors are kept.
func hidden(err error) error {
	if errors.Is(err, course.ErrForbidden) || errors.Is(err, grading.ErrForbidden) {
		return fmt.Errorf("%w (refused: %s)", course.ErrNotFound, err.Error())
	}
	return err
}
