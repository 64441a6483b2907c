package course

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// lineKeys summarises a RosterError as "line:key" strings.
func lineKeys(t *testing.T, err error) []string {
	t.Helper()
	var re *RosterError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want *RosterError", err)
	}
	var out []string
	for _, l := range re.Lines {
		out = append(out, fmt.Sprintf("%d:%s", l.Line, l.Key))
	}
	return out
}

func TestParseRoster(t *testing.T) {
	long := strings.Repeat("é", MaxNameRunes)
	tests := []struct {
		name string
		in   string
		want []RosterEntry
		errs []string
	}{
		{
			name: "semicolons, BOM, CRLF, quotes, blank lines",
			in: "\uFEFFemail;nom\r\n\r\n Ada@Example.ORG ; Ada Lovelace \r\n" +
				"\"grace@example.org\";\"Hopper; Grace \"\"Amazing\"\"\"\r\n;;\r\n   \r\n" +
				"jean@example.fr;Jean, dit « le Libre »\r\n",
			want: []RosterEntry{
				{Line: 3, Email: "ada@example.org", Name: "Ada Lovelace"},
				{Line: 4, Email: "grace@example.org", Name: `Hopper; Grace "Amazing"`},
				{Line: 7, Email: "jean@example.fr", Name: "Jean, dit « le Libre »"},
			},
		},
		{
			name: "commas, name first, other columns, header after blank lines",
			in:   "\n\nName, E-Mail ,Ville\n\"Dupont, Marie\",marie@example.org,Lyon\nZoé,zoe@example.org\n",
			want: []RosterEntry{
				{Line: 4, Email: "marie@example.org", Name: "Dupont, Marie"},
				{Line: 5, Email: "zoe@example.org", Name: "Zoé"},
			},
		},
		{
			name: "courriel and mail headers, old Mac line ends",
			in:   "COURRIEL;Nom\ra@b.fr;A\rc@d.fr;C",
			want: []RosterEntry{{Line: 2, Email: "a@b.fr", Name: "A"}, {Line: 3, Email: "c@d.fr", Name: "C"}},
		},
		{name: "120-rune name", in: "mail,name\na@b.fr," + long, want: []RosterEntry{{Line: 2, Email: "a@b.fr", Name: long}}},
		{name: "empty file", in: "", errs: []string{"1:" + RosterHeaderMissing}},
		{name: "only blank lines", in: "\n \r\n", errs: []string{"1:" + RosterHeaderMissing}},
		{name: "no header", in: "ada@example.org;Ada\n", errs: []string{"1:" + RosterHeaderMissing}},
		{name: "one column", in: "email\nada@example.org\n", errs: []string{"1:" + RosterHeaderMissing}},
		{name: "column twice", in: "email;name;mail\na@b.fr;A;a@b.fr\n", errs: []string{"1:" + RosterHeaderDup}},
		{name: "header only", in: "email;name\r\n\r\n", errs: []string{"0:" + RosterEmpty}},
		{
			name: "every bad line",
			in: "email;name\n" +
				"ok@example.org;OK\n" + // 2
				"not-an-email;Nom\n" + // 3
				";Sans adresse\n" + // 4
				"sans-nom@example.org;\n" + // 5
				"seule@example.org\n" + // 6
				"OK@example.org;Encore\n" + // 7: duplicate of 2
				"Ada <ada@example.org>;Ada\n" + // 8
				"long@example.org;" + long + "x\n" + // 9
				"multi@example.org;\"deux\nlignes\"\n" + // 10-11
				"bad@example.org;\"unterminated\n", // 12
			errs: []string{"3:" + RosterEmailInvalid, "4:" + RosterEmailRequired, "5:" + RosterNameRequired,
				"6:" + RosterColumnsMissing, "7:" + RosterDuplicate, "8:" + RosterEmailInvalid, "9:" + RosterNameTooLong,
				"10:" + RosterNameInvalid, "12:" + RosterMalformed},
		},
		{name: "Latin-1", in: "email;nom\na@b.fr;Ada\nb@c.fr;Jos\xe9\nc@d.fr;Z\xf6e\n", errs: []string{"3:" + RosterEncoding, "4:" + RosterEncoding}},
		{name: "UTF-16", in: "\xff\xfee\x00m\x00a\x00i\x00l\x00", errs: []string{"1:" + RosterEncoding}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRoster([]byte(tc.in))
			if tc.errs != nil {
				if diff := cmp.Diff(tc.errs, lineKeys(t, err)); diff != "" {
					t.Fatalf("errors (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("entries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRosterDetails(t *testing.T) {
	_, err := ParseRoster([]byte("email;name\nada@example.org;Ada\n\nADA@example.org;Ada bis\n"))
	var re *RosterError
	if !errors.As(err, &re) || len(re.Lines) != 1 {
		t.Fatalf("err = %v", err)
	}
	if l := re.Lines[0]; l.Line != 4 || l.Args["Other"] != 2 || l.Value != "ada@example.org" {
		t.Fatalf("duplicate reported as %+v, want line 4 naming line 2", l)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Key != "course.roster.invalid" || ve.Args["Count"] != 1 {
		t.Fatalf("a RosterError must unwrap to a validation error, got %v", ve)
	}
	_, err = ParseRoster([]byte("email;name\na@b.fr;Jos\xe9 " + strings.Repeat("x", 100) + "\n"))
	if !errors.As(err, &re) || !utf8.ValidString(re.Lines[0].Value) || utf8.RuneCountInString(re.Lines[0].Value) > maxValueRunes {
		t.Fatalf("encoding error value %q must be valid UTF-8 and short", re.Lines[0].Value)
	}
}

func rosterOf(n int, sep string) []byte {
	var b strings.Builder
	b.WriteString("email" + sep + "name\n")
	for i := range n {
		fmt.Fprintf(&b, "p%d@example.org%sPersonne %d\n\n", i, sep, i)
	}
	return []byte(b.String())
}

func TestParseRosterLimit(t *testing.T) {
	got, err := ParseRoster(rosterOf(MaxRosterLines, ","))
	if err != nil || len(got) != MaxRosterLines {
		t.Fatalf("%d lines: %d entries, %v", MaxRosterLines, len(got), err)
	}
	if last := got[len(got)-1]; last.Line != 2*MaxRosterLines || last.Email != fmt.Sprintf("p%d@example.org", MaxRosterLines-1) {
		t.Fatalf("last entry %+v", last)
	}
	_, err = ParseRoster(rosterOf(MaxRosterLines+1, ";"))
	if diff := cmp.Diff([]string{fmt.Sprintf("%d:%s", 2*MaxRosterLines+2, RosterTooMany)}, lineKeys(t, err)); diff != "" {
		t.Fatalf("over the limit (-want +got):\n%s", diff)
	}
}

// FuzzParseRoster: no input makes the parser panic; it returns either
// valid, unique people or a RosterError naming lines.
func FuzzParseRoster(f *testing.F) {
	for _, seed := range []string{
		"email;name\nada@example.org;Ada\n",
		"\uFEFFName,Email\n\"Dupont, Marie\",marie@example.org\n",
		"email;nom\n\"a@b.fr\";\"x\"\"y\n", "email,name\n,\n", "mail;nom\r\na@b.fr;\xe9\r\n",
		"email;name;email\n", "\"email;name\n", "e-mail;nom\ra@b.fr;A\r", "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseRoster(data)
		if err != nil {
			var re *RosterError
			if !errors.As(err, &re) || len(re.Lines) == 0 {
				t.Fatalf("error %v is not a RosterError listing lines", err)
			}
			for _, l := range re.Lines {
				if l.Line < 0 || l.Key == "" || !utf8.ValidString(l.Value) {
					t.Fatalf("bad line error %+v", l)
				}
			}
			return
		}
		if len(got) == 0 || len(got) > MaxRosterLines {
			t.Fatalf("%d entries", len(got))
		}
		seen := map[string]bool{}
		prev := 0
		for _, e := range got {
			if ValidateEmail(e.Email) != nil || seen[e.Email] || e.Name == "" || utf8.RuneCountInString(e.Name) > MaxNameRunes ||
				e.Line <= prev || strings.TrimSpace(e.Name) != e.Name {
				t.Fatalf("bad entry %+v", e)
			}
			seen[e.Email], prev = true, e.Line
		}
	})
}

// fakeStore keeps accounts, sessions, enrolments, invitations and feeds in
// memory; fail makes one named method fail.
type fakeStore struct {
	Store // methods not used here panic
	users map[string]*User
	sess  *Session
	enrol map[string]Enrolment
	invs  map[string]Invitation
	used  map[string]bool
	feeds map[string]CalendarFeed
	fail  string
	seq   int
}

var errDisk = errors.New("disk full")

func newFakeStore(sess *Session, users ...*User) *fakeStore {
	f := &fakeStore{users: map[string]*User{}, sess: sess, enrol: map[string]Enrolment{}, invs: map[string]Invitation{},
		used: map[string]bool{}, feeds: map[string]CalendarFeed{}}
	for _, u := range users {
		f.users[u.ID] = u
	}
	return f
}

func (f *fakeStore) SessionByID(_ context.Context, id string) (*Session, error) {
	if f.sess == nil || id != f.sess.ID {
		return nil, ErrNotFound
	}
	c := *f.sess
	return &c, nil
}

func (f *fakeStore) UserByID(_ context.Context, id string) (*User, error) {
	if u, ok := f.users[id]; ok {
		c := *u
		return &c, nil
	}
	return nil, ErrNotFound
}

func (f *fakeStore) UsersByEmails(_ context.Context, emails []string) ([]*User, error) {
	var out []*User
	for _, u := range f.users {
		if slices.Contains(emails, u.Email) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (f *fakeStore) CreateUsers(_ context.Context, users []*User) error {
	for _, u := range users {
		f.seq++
		u.ID = fmt.Sprintf("new%d", f.seq)
	}
	if f.fail == "CreateUsers" {
		return errDisk
	}
	for _, u := range users {
		c := *u
		f.users[u.ID] = &c
	}
	return nil
}

func (f *fakeStore) DeleteUsers(_ context.Context, ids []string) error {
	for _, id := range ids {
		delete(f.users, id)
	}
	return nil
}

func (f *fakeStore) SetUserName(_ context.Context, id, name string) error {
	f.users[id].Name = name
	return nil
}

func (f *fakeStore) SetUserPassword(_ context.Context, id, hash string) error {
	if f.fail == "SetUserPassword" {
		return errDisk
	}
	f.users[id].PasswordHash = hash
	return nil
}

func (f *fakeStore) EnrolmentsBySession(_ context.Context, sessionID string) ([]Enrolment, error) {
	var out []Enrolment
	for _, e := range f.enrol {
		if e.SessionID == sessionID {
			out = append(out, e)
		}
	}
	return out, nil
}

func (f *fakeStore) IsEnrolled(_ context.Context, sessionID, userID string) (bool, error) {
	_, ok := f.enrol[sessionID+":"+userID]
	return ok, nil
}

func (f *fakeStore) EnrolMany(_ context.Context, sessionID, _ string, es []Enrolment) error {
	if f.fail == "EnrolMany" {
		return errDisk
	}
	if f.sess.Capacity > 0 && f.sess.Enrolled+len(es) > f.sess.Capacity {
		return ErrSessionFull
	}
	for _, e := range es {
		f.enrol[sessionID+":"+e.UserID] = e
	}
	f.sess.Enrolled += len(es)
	return nil
}

func (f *fakeStore) CreateInvitations(_ context.Context, invs []Invitation) error {
	if f.fail == "CreateInvitations" {
		f.fail = ""                         // once: undoing may write invitations again
		f.invs[invs[0].TokenHash] = invs[0] // a partial write
		return errDisk
	}
	for _, v := range invs {
		f.invs[v.TokenHash] = v
	}
	return nil
}

func (f *fakeStore) DeleteInvitations(_ context.Context, userIDs []string) error {
	maps.DeleteFunc(f.invs, func(_ string, v Invitation) bool { return slices.Contains(userIDs, v.UserID) })
	return nil
}

func (f *fakeStore) InvitationByHash(_ context.Context, hash string) (*Invitation, error) {
	v, ok := f.invs[hash]
	if !ok || f.used[hash] {
		return nil, ErrNotFound
	}
	return &v, nil
}

func (f *fakeStore) PendingInvitations(_ context.Context, userIDs []string) ([]Invitation, error) {
	var out []Invitation
	for h, v := range f.invs {
		if !f.used[h] && slices.Contains(userIDs, v.UserID) {
			out = append(out, v)
		}
	}
	return out, nil
}

func (f *fakeStore) UseInvitation(_ context.Context, hash string, now time.Time) error {
	v, ok := f.invs[hash]
	if !ok || f.used[hash] || !now.Before(v.ExpiresAt) {
		return ErrNotFound
	}
	f.used[hash] = true
	return nil
}

func (f *fakeStore) RestoreInvitation(_ context.Context, hash string) error {
	delete(f.used, hash)
	return nil
}

func (f *fakeStore) PutCalendarFeed(_ context.Context, c CalendarFeed) error {
	f.feeds[c.SessionID+":"+c.UserID] = c
	return nil
}

func (f *fakeStore) CalendarFeed(_ context.Context, sessionID, userID string) (*CalendarFeed, error) {
	if c, ok := f.feeds[sessionID+":"+userID]; ok {
		return &c, nil
	}
	return nil, ErrNotFound
}

func (f *fakeStore) CalendarFeedByHash(_ context.Context, hash string) (*CalendarFeed, error) {
	for _, c := range f.feeds {
		if c.TokenHash == hash {
			return &c, nil
		}
	}
	return nil, ErrNotFound
}

func (f *fakeStore) DeleteCalendarFeed(_ context.Context, sessionID, userID string) error {
	delete(f.feeds, sessionID+":"+userID)
	return nil
}

// snapshot is the state an import must leave untouched when it fails.
func (f *fakeStore) snapshot() string {
	ids := slices.Sorted(maps.Keys(f.users))
	return fmt.Sprint(ids, slices.Sorted(maps.Keys(f.enrol)), len(f.invs), f.sess.Enrolled)
}

// rosterEnv is a service over a fake store with a session in Paris that
// starts on 2 March 2026, a coordinator, and two participants of whom Bea
// is already enrolled.
func rosterEnv(t *testing.T) (*Service, *fakeStore, *User) {
	t.Helper()
	loc := paris(t)
	start, _ := time.ParseInLocation(DateLayout, "2026-03-02", loc)
	plan := PlanSchedule(LCIII, start, loc)
	sess := &Session{ID: "s1", Code: "LCIII-001", StartsOn: plan.StartsOn, EndsOn: plan.EndsOn, TimeZone: "Europe/Paris",
		Parts: plan.Parts, Evaluation: plan.Evaluation, Enrolled: 1}
	coord := &User{ID: "c", Email: "coord@example.org", Name: "Coord", Roles: []Role{RoleCoordinator}}
	ann := &User{ID: "u1", Email: "ann@example.org", Name: "Ann", Roles: []Role{RoleParticipant}, PasswordHash: "hash:ann"}
	bea := &User{ID: "u2", Email: "bea@example.org", Name: "Bea", Roles: []Role{RoleParticipant}, PasswordHash: "hash:bea"}
	st := newFakeStore(sess, coord, ann, bea)
	st.enrol["s1:u2"] = Enrolment{SessionID: "s1", UserID: "u2"}
	now := utc("2026-03-01T10:00:00Z")
	svc := &Service{Store: st, Roster: st, Feeds: st, Now: func() time.Time { return now }, HashPassword: func(p string) (string, error) { return "hash:" + p, nil },
		CommonPassword: func(p string) bool { return p == "password123" }}
	return svc, st, coord
}

const goodRoster = "email;nom\nNew.One@example.org;Nouvelle Une\nann@example.org;Ann (ignored)\nbea@example.org;Bea\nnew2@example.org;Nouveau Deux\n"

func TestImportRoster(t *testing.T) {
	svc, st, coord := rosterEnv(t)
	ctx := context.Background()
	if _, err := svc.ImportRoster(ctx, st.users["u1"], "s1", []byte(goodRoster)); !errors.Is(err, ErrForbidden) {
		t.Fatalf("participant import: %v", err)
	}
	if _, err := svc.ImportRoster(ctx, coord, "nope", []byte(goodRoster)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown session: %v", err)
	}
	res, err := svc.ImportRoster(ctx, coord, "s1", []byte(goodRoster))
	if err != nil {
		t.Fatal(err)
	}
	emails := func(ps []ImportedPerson) (out []string) {
		for _, p := range ps {
			out = append(out, p.Email)
		}
		return out
	}
	if diff := cmp.Diff([]string{"new.one@example.org", "new2@example.org"}, emails(res.Created)); diff != "" {
		t.Fatalf("created (-want +got):\n%s", diff)
	}
	if got := emails(res.Enrolled); !slices.Equal(got, []string{"ann@example.org"}) {
		t.Fatalf("enrolled %v", got)
	}
	if got := emails(res.Already); !slices.Equal(got, []string{"bea@example.org"}) {
		t.Fatalf("already enrolled %v", got)
	}
	if res.EnrolledCount() != 3 || st.sess.Enrolled != 4 {
		t.Fatalf("enrolled %d, session count %d", res.EnrolledCount(), st.sess.Enrolled)
	}
	if st.users["u1"].Name != "Ann" {
		t.Fatal("an existing account was renamed")
	}
	for _, p := range res.Created {
		u := st.users[p.UserID]
		if u == nil || u.Name != p.Name || !slices.Equal(u.Roles, []Role{RoleParticipant}) || !strings.HasPrefix(u.PasswordHash, "hash:") {
			t.Fatalf("new account %+v", u)
		}
		if ok, _ := st.IsEnrolled(ctx, "s1", p.UserID); !ok {
			t.Fatalf("%s not enrolled", p.Email)
		}
		inv, ok := st.invs[HashSecret(p.Token)]
		if len(p.Token) != 43 || !ok || inv.UserID != p.UserID || !inv.ExpiresAt.Equal(utc("2026-03-15T10:00:00Z")) {
			t.Fatalf("invitation of %s: token %q, %+v", p.Email, p.Token, inv)
		}
		if _, stored := st.invs[p.Token]; stored {
			t.Fatal("the token is stored in clear")
		}
	}
	if res.Created[0].Token == res.Created[1].Token {
		t.Fatal("two invitations share a token")
	}
	// Importing the same file again changes nothing.
	before := st.snapshot()
	again, err := svc.ImportRoster(ctx, coord, "s1", []byte(goodRoster))
	if err != nil || again.EnrolledCount() != 0 || len(again.Already) != 4 || st.snapshot() != before {
		t.Fatalf("second import: %+v %v", again, err)
	}
}

func TestImportRosterAllOrNothing(t *testing.T) {
	ctx := context.Background()
	t.Run("bad file", func(t *testing.T) {
		svc, st, coord := rosterEnv(t)
		before := st.snapshot()
		_, err := svc.ImportRoster(ctx, coord, "s1", []byte(goodRoster+"pas-une-adresse;X\n"))
		if diff := cmp.Diff([]string{"6:" + RosterEmailInvalid}, lineKeys(t, err)); diff != "" {
			t.Fatal(diff)
		}
		if st.snapshot() != before {
			t.Fatal("a refused file wrote something")
		}
	})
	t.Run("capacity", func(t *testing.T) {
		svc, st, coord := rosterEnv(t)
		st.sess.Capacity = 3 // one enrolled, two seats left, three to enrol
		before := st.snapshot()
		_, err := svc.ImportRoster(ctx, coord, "s1", []byte(goodRoster))
		if diff := cmp.Diff([]string{"0:" + RosterCapacity}, lineKeys(t, err)); diff != "" {
			t.Fatal(diff)
		}
		var re *RosterError
		errors.As(err, &re)
		if re.Lines[0].Args["People"] != 3 || re.Lines[0].Args["Free"] != 2 || st.snapshot() != before {
			t.Fatalf("capacity error %+v", re.Lines[0])
		}
		st.sess.Capacity = 4
		if _, err := svc.ImportRoster(ctx, coord, "s1", []byte(goodRoster)); err != nil {
			t.Fatalf("exactly enough seats: %v", err)
		}
	})
	t.Run("closed session", func(t *testing.T) {
		svc, st, coord := rosterEnv(t)
		closed := utc("2026-03-01T00:00:00Z")
		st.sess.ClosedAt = &closed
		if _, err := svc.ImportRoster(ctx, coord, "s1", []byte(goodRoster)); !errors.Is(err, ErrSessionClosed) {
			t.Fatalf("closed session: %v", err)
		}
	})
	for _, step := range []string{"CreateUsers", "CreateInvitations", "EnrolMany"} {
		t.Run(step+" fails", func(t *testing.T) {
			svc, st, coord := rosterEnv(t)
			before := st.snapshot()
			st.fail = step
			if _, err := svc.ImportRoster(ctx, coord, "s1", []byte(goodRoster)); !errors.Is(err, errDisk) {
				t.Fatalf("err = %v", err)
			}
			if got := st.snapshot(); got != before {
				t.Fatalf("after a failed %s: %s, want %s", step, got, before)
			}
		})
	}
}

// TestImportRenewsInvitations: importing again gives a new link to the
// accounts never activated whose invitation expired (or to all of them with
// Renew), and the earlier link stops working; a failure keeps the old ones.
func TestImportRenewsInvitations(t *testing.T) {
	ctx := context.Background()
	svc, st, coord := rosterEnv(t)
	first, err := svc.ImportRoster(ctx, coord, "s1", []byte(goodRoster))
	if err != nil {
		t.Fatal(err)
	}
	one, two := first.Created[0], first.Created[1]
	if _, err := svc.AcceptInvitation(ctx, two.Token, "", "un bon mot de passe"); err != nil {
		t.Fatal(err)
	}
	// Still valid: nothing renewed.
	if res, err := svc.ImportRoster(ctx, coord, "s1", []byte(goodRoster)); err != nil || len(res.Reinvited) != 0 {
		t.Fatalf("import with valid links: %+v %v", res, err)
	}
	// Expired: renewed, for the account never activated only.
	h := HashSecret(one.Token)
	inv := st.invs[h]
	inv.ExpiresAt = utc("2026-03-01T09:00:00Z")
	st.invs[h] = inv
	res, err := svc.ImportRoster(ctx, coord, "s1", []byte(goodRoster))
	if err != nil || len(res.Reinvited) != 1 || res.Reinvited[0].UserID != one.UserID || res.Reinvited[0].Line != 2 || res.EnrolledCount() != 0 {
		t.Fatalf("import after expiry: %+v %v", res, err)
	}
	renewed := res.Reinvited[0].Token
	if _, ok := st.invs[h]; ok {
		t.Fatal("the expired invitation is still stored")
	}
	if _, _, err := svc.Invitation(ctx, renewed); err != nil {
		t.Fatalf("the new link: %v", err)
	}

	// Renew, and a failure on the way: the valid link keeps working.
	st.fail = "CreateInvitations"
	if _, err := svc.ImportRosterWith(ctx, coord, "s1", []byte(goodRoster), ImportOptions{Renew: true}); !errors.Is(err, errDisk) {
		t.Fatalf("failed renewal: %v", err)
	}
	if _, _, err := svc.Invitation(ctx, renewed); err != nil || len(st.invs) != 2 {
		t.Fatalf("after a failed renewal the link is lost: %v (%d invitations)", err, len(st.invs))
	}
	res, err = svc.ImportRosterWith(ctx, coord, "s1", []byte(goodRoster), ImportOptions{Renew: true})
	if err != nil || len(res.Reinvited) != 1 || res.Reinvited[0].Token == renewed {
		t.Fatalf("renewal of a valid link: %+v %v", res, err)
	}
	if _, _, err := svc.Invitation(ctx, renewed); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the replaced link still works: %v", err)
	}
	if _, err := svc.AcceptInvitation(ctx, res.Reinvited[0].Token, "", "un bon mot de passe"); err != nil {
		t.Fatal(err)
	}
}

func TestAcceptInvitation(t *testing.T) {
	svc, st, coord := rosterEnv(t)
	ctx := context.Background()
	res, err := svc.ImportRoster(ctx, coord, "s1", []byte(goodRoster))
	if err != nil {
		t.Fatal(err)
	}
	tok, id := res.Created[0].Token, res.Created[0].UserID
	if _, _, err := svc.Invitation(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
	if _, u, err := svc.Invitation(ctx, tok); err != nil || u.ID != id {
		t.Fatalf("invitation: %v", err)
	}
	for _, tc := range []struct{ name, password, field string }{
		{"short", "court", "password"}, {"common", "password123", "password"}, {"holds the name", "nouvelle-2026-ok", "password"},
	} {
		name := "Nouvelle"
		if _, err := svc.AcceptInvitation(ctx, tok, name, tc.password); fieldOf(err) != tc.field {
			t.Fatalf("%s: %v", tc.name, err)
		}
	}
	st.fail = "SetUserPassword"
	if _, err := svc.AcceptInvitation(ctx, tok, "", "un bon mot de passe"); !errors.Is(err, errDisk) {
		t.Fatalf("failed write: %v", err)
	}
	st.fail = ""
	u, err := svc.AcceptInvitation(ctx, tok, "  Une\n\u200bNouvelle\u202e ", "un bon mot de passe")
	if err != nil {
		t.Fatalf("the invitation must survive refused and failed attempts: %v", err)
	}
	if st.users[id].PasswordHash != "hash:un bon mot de passe" || st.users[id].Name != "Une Nouvelle" || u.Name != "Une Nouvelle" {
		t.Fatalf("account after acceptance: %+v", st.users[id])
	}
	if _, err := svc.AcceptInvitation(ctx, tok, "", "un autre mot de passe"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second use: %v", err)
	}
	// Expired after 14 days.
	later := res.Created[1].Token
	svc.Now = func() time.Time { return utc("2026-03-15T10:00:00Z") }
	if _, err := svc.AcceptInvitation(ctx, later, "", "un bon mot de passe"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired: %v", err)
	}
}

func TestCalendarFeeds(t *testing.T) {
	svc, st, coord := rosterEnv(t)
	ctx := context.Background()
	bea, ann := st.users["u2"], st.users["u1"] // Bea is enrolled, Ann is not
	if _, _, err := svc.NewCalendarFeed(ctx, ann, "s1"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("outsider: %v", err)
	}
	if _, _, err := svc.NewCalendarFeed(ctx, nil, "s1"); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("anonymous: %v", err)
	}
	_, first, err := svc.NewCalendarFeed(ctx, bea, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if sess, u, err := svc.CalendarByToken(ctx, first); err != nil || sess.ID != "s1" || u.ID != "u2" {
		t.Fatalf("feed: %v", err)
	}
	_, second, err := svc.NewCalendarFeed(ctx, bea, "s1")
	if err != nil || second == first {
		t.Fatalf("regenerate: %v", err)
	}
	if _, _, err := svc.CalendarByToken(ctx, first); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old token after regeneration: %v", err)
	}
	if _, f, err := svc.CalendarFeedOf(ctx, bea, "s1"); err != nil || f == nil || f.TokenHash != HashSecret(second) {
		t.Fatalf("feed of: %+v %v", f, err)
	}
	if _, _, err := svc.NewCalendarFeed(ctx, coord, "s1"); err != nil {
		t.Fatalf("coordinator: %v", err)
	}
	if err := svc.RevokeCalendarFeed(ctx, bea, "s1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CalendarByToken(ctx, second); !errors.Is(err, ErrNotFound) {
		t.Fatalf("revoked token: %v", err)
	}
	if _, f, err := svc.CalendarFeedOf(ctx, bea, "s1"); err != nil || f != nil {
		t.Fatalf("feed after revocation: %+v %v", f, err)
	}
	// A feed stops when its owner no longer takes part.
	_, third, _ := svc.NewCalendarFeed(ctx, bea, "s1")
	delete(st.enrol, "s1:u2")
	if _, _, err := svc.CalendarByToken(ctx, third); !errors.Is(err, ErrNotFound) {
		t.Fatalf("feed of someone no longer enrolled: %v", err)
	}
	if _, _, err := svc.CalendarByToken(ctx, strings.Repeat("x", 500)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("huge token: %v", err)
	}
}
