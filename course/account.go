package course

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Account links are e-mailed, single-use and short-lived. They are kept as
// AuthSessions of their own kind (only the SHA-256 of the token), taken
// with AuthStore.TakeSession, and never sign anyone in.
const (
	// KindReset lets the holder choose a new password (Mot de passe oublié,
	// or a link a coordinator sent).
	KindReset = "reset"
	// KindEmail confirms a new address, carried in AuthSession.CSRF.
	KindEmail = "email"
)

// Lifetimes of account links.
const (
	ResetTTL       = time.Hour
	EmailChangeTTL = 24 * time.Hour // the new mailbox may be read later
)

// Audit action of a coordinator sending a reset link.
const AuditResetLink = "user.reset_link"

// checkNewPassword applies the password rules to the account of email and
// name, the common list included.
func (s *Service) checkNewPassword(password, email, name string) error {
	if err := CheckPassword(password, email, name); err != nil {
		return err
	}
	if s.CommonPassword != nil && s.CommonPassword(password) {
		return Invalid("password", PasswordCommon)
	}
	return nil
}

// NewPasswordHash checks a new password of u against the rules and returns
// its hash; nothing is stored. Account links check the password before
// they are taken, so a refused password leaves the link usable.
func (s *Service) NewPasswordHash(u *User, password string) (string, error) {
	if u == nil {
		return "", ErrUnauthenticated
	}
	if err := s.checkNewPassword(password, u.Email, u.Name); err != nil {
		return "", err
	}
	hash, err := s.HashPassword(password)
	if err != nil {
		return "", fmt.Errorf("course: hash password: %w", err)
	}
	return hash, nil
}

// SetPasswordHash stores a hash NewPasswordHash made for u.
func (s *Service) SetPasswordHash(ctx context.Context, u *User, hash string) error {
	if err := s.Store.SetUserPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	u.PasswordHash = hash
	return nil
}

// PasswordChange is the account page's form: the current password, the new
// one twice.
type PasswordChange struct {
	Current string
	New     string
	Confirm string
}

// ChangePassword sets the actor's new password once their current one is
// checked (check counts the attempt like a sign-in). Ending their other
// sessions is the caller's: it knows which one to keep.
func (s *Service) ChangePassword(ctx context.Context, actor *User, pc PasswordChange, check PasswordCheck) error {
	if actor == nil {
		return ErrUnauthenticated
	}
	if pc.Current == "" {
		return Invalid("current_password", "account.password.current_required")
	}
	if pc.New != pc.Confirm {
		return Invalid("password_confirm", "app.register.password_mismatch")
	}
	u, err := s.Store.UserByID(ctx, actor.ID)
	if err != nil {
		return err
	}
	ok, err := check(u.PasswordHash, pc.Current)
	if err != nil {
		return err
	}
	if !ok {
		return Invalid("current_password", "account.password.current_wrong")
	}
	hash, err := s.NewPasswordHash(u, pc.New)
	if err != nil {
		return err
	}
	if err := s.SetPasswordHash(ctx, u, hash); err != nil {
		return err
	}
	actor.PasswordHash = hash
	return nil
}

// CheckName cleans a display name and checks it.
func CheckName(name string) (string, error) {
	name = CleanName(name)
	switch {
	case name == "":
		return "", Invalid("name", "course.user.name_required")
	case utf8.RuneCountInString(name) > MaxNameRunes:
		return "", Invalid("name", "course.user.name_too_long")
	case strings.ContainsFunc(name, unicode.IsControl):
		return "", Invalid("name", RosterNameInvalid)
	}
	return name, nil
}

// Rename changes the actor's name.
func (s *Service) Rename(ctx context.Context, actor *User, name string) error {
	if actor == nil {
		return ErrUnauthenticated
	}
	name, err := CheckName(name)
	if err != nil {
		return err
	}
	rs, err := s.rosterStore()
	if err != nil {
		return err
	}
	if err := rs.SetUserName(ctx, actor.ID, name); err != nil {
		return err
	}
	actor.Name = name
	return nil
}

// NewEmail checks the address the actor wants instead of theirs and
// returns it normalised. Whether another account has it is not said here
// (that would tell any signed-in person who has an account): the
// confirmation fails then (ConfirmEmail).
func (s *Service) NewEmail(actor *User, email string) (string, error) {
	if actor == nil {
		return "", ErrUnauthenticated
	}
	email = NormalizeEmail(email)
	if err := ValidateEmail(email); err != nil {
		return "", err
	}
	if email == actor.Email {
		return "", Invalid("email", "account.email.same")
	}
	return email, nil
}

// ConfirmEmail gives userID the address a followed link confirmed;
// ErrEmailTaken when another account took it meanwhile.
func (s *Service) ConfirmEmail(ctx context.Context, userID, email string) (*User, error) {
	email = NormalizeEmail(email)
	if err := ValidateEmail(email); err != nil {
		return nil, err
	}
	if err := s.Store.SetUserEmail(ctx, userID, email); err != nil {
		return nil, err
	}
	return s.Store.UserByID(ctx, userID)
}

// ResetTarget is the account a coordinator sends a reset link to, the
// request recorded in the audit log.
func (s *Service) ResetTarget(ctx context.Context, actor *User, userID string) (*User, error) {
	if err := SendResetAllowed(actor); err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if err := RecordAudit(ctx, s.Audit, s.Now(), actor, AuditEntry{Action: AuditResetLink, Target: u.ID}); err != nil {
		return nil, err
	}
	return u, nil
}

// Users lists every account, for a coordinator.
func (s *Service) Users(ctx context.Context, actor *User) ([]*User, error) {
	if actor == nil {
		return nil, ErrUnauthenticated
	}
	if !actor.IsCoordinator() {
		return nil, ErrForbidden
	}
	return s.Store.ListUsers(ctx)
}

// Names maps user IDs to display names, in one read, for staff (an
// animator or a coordinator): participants never see who reviewed whom.
func (s *Service) Names(ctx context.Context, actor *User, ids []string) (map[string]string, error) {
	if actor == nil {
		return nil, ErrUnauthenticated
	}
	if !actor.Has(RoleAnimator) && !actor.IsCoordinator() {
		return nil, ErrForbidden
	}
	users, err := s.Store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(users))
	for _, u := range users {
		out[u.ID] = u.Name
	}
	return out, nil
}

// SendResetAllowed checks that actor may send a reset link to someone:
// coordinators only.
func SendResetAllowed(actor *User) error {
	if actor == nil {
		return ErrUnauthenticated
	}
	if !actor.IsCoordinator() {
		return ErrForbidden
	}
	return nil
}
