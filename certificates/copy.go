package certificates

import (
	"context"
	"errors"
)

// CopySession gives the duplicate toID the certificate rules of fromID, if
// it has its own (course.SessionCopier).
func (s *Service) CopySession(ctx context.Context, fromID, toID string) error {
	rules, err := s.Store.Rules(ctx, fromID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	return s.Store.PutRules(ctx, toID, rules)
}
