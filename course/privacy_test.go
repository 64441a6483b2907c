package course

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// privacyFake is a Store and a PrivacyStore over a few users; the Store
// methods it does not need panic through the nil embedded interface.
type privacyFake struct {
	Store
	users   map[string]*User
	data    *PersonalData
	deleted []string
	at      time.Time
}

func (f *privacyFake) UserByID(_ context.Context, id string) (*User, error) {
	if u, ok := f.users[id]; ok {
		return u, nil
	}
	return nil, ErrNotFound
}

func (f *privacyFake) ListUsers(context.Context) ([]*User, error) {
	var out []*User
	for _, u := range f.users {
		out = append(out, u)
	}
	return out, nil
}

func (f *privacyFake) PersonalData(_ context.Context, id string) (*PersonalData, error) {
	if _, ok := f.users[id]; !ok {
		return nil, ErrNotFound
	}
	return f.data, nil
}

func (f *privacyFake) DeleteAccount(_ context.Context, id string, at time.Time) (string, error) {
	f.deleted, f.at = append(f.deleted, id), at
	delete(f.users, id)
	return "deleted-" + id, nil
}

// plainCheck accepts the password "right" for the hash "h".
func plainCheck(hash, password string) (bool, error) { return hash == "h" && password == "right", nil }

func newPrivacyFake(users ...*User) (*Service, *privacyFake) {
	f := &privacyFake{users: map[string]*User{}}
	for _, u := range users {
		f.users[u.ID] = u
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.FixedZone("CEST", 7200))
	return &Service{Store: f, Privacy: f, Now: func() time.Time { return now }}, f
}

func TestDeleteAccountRules(t *testing.T) {
	part := &User{ID: "p", Name: "Paul", Roles: []Role{RoleParticipant}, PasswordHash: "h"}
	coord := &User{ID: "c", Name: "Camille", Roles: []Role{RoleCoordinator}, PasswordHash: "h"}
	coord2 := &User{ID: "c2", Name: "Claude", Roles: []Role{RoleCoordinator, RoleAnimator}, PasswordHash: "h"}
	boom := errors.New("throttled")
	tests := []struct {
		name    string
		users   []*User
		actor   *User
		req     AccountDeletion
		check   PasswordCheck
		wantErr error
		wantKey string // a validation error's key
	}{
		{name: "own account", users: []*User{part, coord}, actor: part, req: AccountDeletion{Password: "right", Confirmed: true}},
		{name: "own account named", users: []*User{part, coord}, actor: part, req: AccountDeletion{UserID: "p", Password: "right", Confirmed: true}},
		{name: "anonymous", users: []*User{part}, req: AccountDeletion{Password: "right", Confirmed: true}, wantErr: ErrUnauthenticated},
		{name: "someone else's, even as coordinator", users: []*User{part, coord, coord2}, actor: coord,
			req: AccountDeletion{UserID: "p", Password: "right", Confirmed: true}, wantErr: ErrForbidden},
		{name: "no password", users: []*User{part}, actor: part, req: AccountDeletion{Confirmed: true}, wantKey: "course.privacy.password_required"},
		{name: "not confirmed", users: []*User{part}, actor: part, req: AccountDeletion{Password: "right"}, wantKey: "course.privacy.confirm_required"},
		{name: "wrong password", users: []*User{part}, actor: part, req: AccountDeletion{Password: "wrong", Confirmed: true}, wantKey: "course.privacy.password_wrong"},
		{name: "checker refuses", users: []*User{part}, actor: part, req: AccountDeletion{Password: "right", Confirmed: true},
			check: func(string, string) (bool, error) { return false, boom }, wantErr: boom},
		{name: "last coordinator", users: []*User{part, coord}, actor: coord, req: AccountDeletion{Password: "right", Confirmed: true}, wantErr: ErrLastCoordinator},
		{name: "one of two coordinators", users: []*User{part, coord, coord2}, actor: coord, req: AccountDeletion{Password: "right", Confirmed: true}},
		{name: "account already gone", users: []*User{coord}, actor: part, req: AccountDeletion{Password: "right", Confirmed: true}, wantErr: ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, f := newPrivacyFake(tc.users...)
			check := tc.check
			if check == nil {
				check = plainCheck
			}
			tomb, err := s.DeleteAccount(context.Background(), tc.actor, tc.req, check)
			var ve *ValidationError
			switch {
			case tc.wantKey != "":
				if !errors.As(err, &ve) || ve.Key != tc.wantKey {
					t.Fatalf("err = %v, want validation error %s", err, tc.wantKey)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if tomb != "deleted-"+tc.actor.ID || len(f.deleted) != 1 || f.deleted[0] != tc.actor.ID {
					t.Fatalf("tombstone %q, deleted %v", tomb, f.deleted)
				}
				if f.at.Location() != time.UTC || !f.at.Equal(s.Now()) {
					t.Fatalf("deleted at %v, want the clock's time in UTC", f.at)
				}
				return
			}
			if len(f.deleted) != 0 {
				t.Fatalf("refused, yet %v deleted", f.deleted)
			}
		})
	}
}

func TestDeletionBlocked(t *testing.T) {
	part := &User{ID: "p", Roles: []Role{RoleParticipant}}
	coord := &User{ID: "c", Roles: []Role{RoleCoordinator}}
	s, _ := newPrivacyFake(part, coord)
	if err := s.DeletionBlocked(context.Background(), part); err != nil {
		t.Fatalf("participant: %v", err)
	}
	if err := s.DeletionBlocked(context.Background(), coord); !errors.Is(err, ErrLastCoordinator) {
		t.Fatalf("only coordinator: %v", err)
	}
	if err := s.DeletionBlocked(context.Background(), nil); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("anonymous: %v", err)
	}
}

func TestExportPersonalData(t *testing.T) {
	u := &User{ID: "p", Name: "Paul", Email: "p@example.org", PasswordHash: "$argon2id$secret"}
	other := &User{ID: "o", Name: "Other"}
	s, f := newPrivacyFake(u, other)
	f.data = &PersonalData{User: *u, Sections: map[string][]Record{
		"submissions": {{"id": "s1", "text": "Mon texte", "versions": []Record{{"n": 1, "text": "v1", "upload_token": "x"}}}},
		"api":         {{"kind": "api", "token_hash": "abc", "csrf": "c", "created_at": time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}},
		"outbox":      {{"body": map[string]any{"subject": "Bonjour", "unsubscribe_token": "t", "links": []any{map[string]any{"Secret": "s", "href": "/x"}}}}},
		"empty":       nil,
	}}
	pd, err := s.ExportPersonalData(context.Background(), u, "")
	if err != nil {
		t.Fatal(err)
	}
	if pd.User.PasswordHash != "" || pd.User.Email != "p@example.org" {
		t.Fatalf("user: %+v", pd.User)
	}
	want := map[string][]Record{
		"submissions": {{"id": "s1", "text": "Mon texte", "versions": []Record{{"n": 1, "text": "v1"}}}},
		"api":         {{"kind": "api", "created_at": time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}},
		"outbox":      {{"body": map[string]any{"subject": "Bonjour", "links": []any{map[string]any{"href": "/x"}}}}},
		"empty":       {},
	}
	if diff := cmp.Diff(want, pd.Sections); diff != "" {
		t.Fatalf("sections (-want +got):\n%s", diff)
	}
	if _, err := s.ExportPersonalData(context.Background(), u, "o"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("another person's data: %v", err)
	}
	if _, err := s.ExportPersonalData(context.Background(), nil, "p"); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("anonymous: %v", err)
	}
}

func TestSecretField(t *testing.T) {
	for name, want := range map[string]bool{
		"password_hash": true, "token_hash": true, "TokenHash": true, "feed_token": true, "csrf": true, "client_secret": true,
		"name": false, "email": false, "text": false, "salt": false, "holder_name": false, "_id": false,
	} {
		if got := SecretField(name); got != want {
			t.Errorf("SecretField(%q) = %v, want %v", name, got, want)
		}
	}
}
