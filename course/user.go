package course

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a person may do on the platform. A person may hold several.
type Role string

// The three roles of api-v1.md.
const (
	RoleParticipant Role = "participant"
	RoleAnimator    Role = "animator"
	RoleCoordinator Role = "coordinator"
)

// Roles lists every role, in display order.
var Roles = []Role{RoleParticipant, RoleAnimator, RoleCoordinator}

// ParseRole returns the role named s, or false.
func ParseRole(s string) (Role, bool) {
	r := Role(strings.TrimSpace(strings.ToLower(s)))
	return r, slices.Contains(Roles, r)
}

// Password length bounds (OWASP ASVS: at least 8, allow at least 64).
const (
	PasswordMinLen = 8
	PasswordMaxLen = 128
)

// User is an account.
type User struct {
	ID           string
	Email        string
	Name         string
	Roles        []Role
	PasswordHash string
	Locale       string // "fr", "en" or "" (let the browser decide)
	CreatedAt    time.Time
}

// Has reports whether u holds role r.
func (u *User) Has(r Role) bool { return u != nil && slices.Contains(u.Roles, r) }

// IsCoordinator is a shortcut for Has(RoleCoordinator).
func (u *User) IsCoordinator() bool { return u.Has(RoleCoordinator) }

// NewUser is the input to create an account.
type NewUser struct {
	Email    string
	Name     string
	Password string
	Roles    []Role
	Locale   string
}

// Validate checks the fields of a new account.
func (n *NewUser) Validate() error {
	n.Email = NormalizeEmail(n.Email)
	n.Name = CleanName(n.Name)
	if err := ValidateEmail(n.Email); err != nil {
		return err
	}
	if n.Name == "" {
		return Invalid("name", "course.user.name_required")
	}
	if utf8.RuneCountInString(n.Name) > 120 {
		return Invalid("name", "course.user.name_too_long")
	}
	if err := CheckPassword(n.Password, n.Email, n.Name); err != nil {
		return err
	}
	if len(n.Roles) == 0 {
		n.Roles = []Role{RoleParticipant}
	}
	for _, r := range n.Roles {
		if !slices.Contains(Roles, r) {
			return Invalid("roles", "course.user.role_invalid")
		}
	}
	slices.Sort(n.Roles)
	n.Roles = slices.Compact(n.Roles)
	if n.Locale != "" && n.Locale != "fr" && n.Locale != "en" {
		return Invalid("locale", "course.user.locale_invalid")
	}
	return nil
}

// ValidateEmail checks that s is a plain, normalised e-mail address.
func ValidateEmail(s string) error {
	if s == "" {
		return Invalid("email", "course.user.email_required")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return Invalid("email", "course.user.email_invalid")
	}
	return nil
}

// ValidatePassword checks the length rules on a password.
func ValidatePassword(p string) error {
	n := utf8.RuneCountInString(p)
	if n < PasswordMinLen {
		return &ValidationError{Field: "password", Key: "course.user.password_too_short", Args: map[string]any{"Min": PasswordMinLen}}
	}
	if n > PasswordMaxLen {
		return &ValidationError{Field: "password", Key: "course.user.password_too_long", Args: map[string]any{"Max": PasswordMaxLen}}
	}
	return nil
}
