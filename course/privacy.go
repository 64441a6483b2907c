package course

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrLastCoordinator refuses to delete the only coordinator account: the
// platform would be left with nobody able to run it.
var ErrLastCoordinator = errors.New("course: the last coordinator cannot delete their account")

// Record is one stored document about a person, as plain values (strings,
// numbers, booleans, times, lists and nested records) keyed by field name.
type Record map[string]any

// PersonalData is everything the platform keeps about one person: the
// account, and the documents about them section by section ("submissions",
// "reviews_written", "certificates", …). Other people's identities are left
// out by the store; secrets are left out by ExportPersonalData.
type PersonalData struct {
	User     User
	Sections map[string][]Record
}

// PrivacyStore is what exporting and deleting personal data need from the
// database. app/mongostore implements it on the course store.
type PrivacyStore interface {
	// PersonalData gathers the person's data; ErrNotFound for no such account.
	PersonalData(ctx context.Context, userID string) (*PersonalData, error)
	// DeleteAccount replaces the person's ID by a tombstone ID in the work
	// they leave behind (submissions, reviews, enrolments, certificates),
	// deletes everything else about them, the account last, and returns the
	// tombstone. It can run again after a failure and then finishes the job
	// with the same tombstone. ErrNotFound for no such account.
	DeleteAccount(ctx context.Context, userID string, at time.Time) (tombstone string, err error)
}

// PasswordCheck reports whether password matches the stored hash. The web
// layer supplies it (with its hashing and sign-in throttling); an error other
// than a mismatch stops the deletion.
type PasswordCheck func(hash, password string) (bool, error)

// AccountDeletion is a request to delete an account.
type AccountDeletion struct {
	UserID    string // whose account; "" means the actor's own
	Password  string // the current password, checked again
	Confirmed bool   // the person ticked "I understand this is irreversible"
}

// privacy returns the store's privacy side.
func (s *Service) privacy() (PrivacyStore, error) {
	ps := s.Privacy
	if ps == nil {
		return nil, fmt.Errorf("course: store %T cannot export or delete personal data", s.Store)
	}
	return ps, nil
}

// ExportPersonalData returns all of a person's own data, to that person only
// (userID "" means the actor's own). It never carries a password hash, a
// token or another secret.
func (s *Service) ExportPersonalData(ctx context.Context, actor *User, userID string) (*PersonalData, error) {
	if actor == nil {
		return nil, ErrUnauthenticated
	}
	if userID == "" {
		userID = actor.ID
	}
	if userID != actor.ID {
		return nil, ErrForbidden
	}
	ps, err := s.privacy()
	if err != nil {
		return nil, err
	}
	pd, err := ps.PersonalData(ctx, userID)
	if err != nil {
		return nil, err
	}
	pd.User.PasswordHash = ""
	if pd.Sections == nil {
		pd.Sections = map[string][]Record{}
	}
	for name, recs := range pd.Sections {
		for i, r := range recs {
			recs[i] = Scrub(r)
		}
		if recs == nil {
			pd.Sections[name] = []Record{}
		}
	}
	return pd, nil
}

// DeletionBlocked tells whether the actor's account may not be deleted now:
// ErrLastCoordinator when they are the only coordinator, nil otherwise.
func (s *Service) DeletionBlocked(ctx context.Context, actor *User) error {
	if actor == nil {
		return ErrUnauthenticated
	}
	if !actor.IsCoordinator() {
		return nil
	}
	users, err := s.Store.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.ID != actor.ID && u.IsCoordinator() {
			return nil
		}
	}
	return ErrLastCoordinator
}

// DeleteAccount deletes a person's account at their own request, once they
// have confirmed and given their current password. Their submissions and
// reviews stay, anonymised, so grades and session statistics hold; their
// certificates stay verifiable with the name as issued. It returns the
// tombstone ID that now stands for them.
func (s *Service) DeleteAccount(ctx context.Context, actor *User, d AccountDeletion, check PasswordCheck) (string, error) {
	if actor == nil {
		return "", ErrUnauthenticated
	}
	if d.UserID == "" {
		d.UserID = actor.ID
	}
	if d.UserID != actor.ID {
		return "", ErrForbidden
	}
	if d.Password == "" {
		return "", Invalid("password", "course.privacy.password_required")
	}
	if !d.Confirmed {
		return "", Invalid("confirm_delete", "course.privacy.confirm_required")
	}
	ps, err := s.privacy()
	if err != nil {
		return "", err
	}
	u, err := s.Store.UserByID(ctx, d.UserID)
	if err != nil {
		return "", err
	}
	ok, err := check(u.PasswordHash, d.Password)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", Invalid("password", "course.privacy.password_wrong")
	}
	s.deletions.Lock()
	defer s.deletions.Unlock()
	if err := s.DeletionBlocked(ctx, u); err != nil {
		return "", err
	}
	return ps.DeleteAccount(ctx, u.ID, s.Now().UTC())
}

// SecretField reports whether a field's name says it holds a secret (a
// password or token hash, a token, a CSRF token): such fields never leave
// the platform in an export.
func SecretField(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"hash", "token", "password", "secret", "csrf"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// Scrub returns r without its secret fields, at every depth.
func Scrub(r Record) Record {
	out := make(Record, len(r))
	for k, v := range r {
		if !SecretField(k) {
			out[k] = scrubValue(v)
		}
	}
	return out
}

func scrubValue(v any) any {
	switch v := v.(type) {
	case Record:
		return Scrub(v)
	case map[string]any:
		return map[string]any(Scrub(Record(v)))
	case []Record:
		out := make([]Record, len(v))
		for i, r := range v {
			out[i] = Scrub(r)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = scrubValue(x)
		}
		return out
	default:
		return v
	}
}
