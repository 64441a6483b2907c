package course

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of an enrolment file.
const (
	MaxRosterLines = 5000 // data lines, the header and blank lines apart
	MaxNameRunes   = 120
	maxValueRunes  = 60 // an offending value quoted back in an error
)

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 14 * 24 * time.Hour

// Message IDs of the reasons a line of an enrolment file is refused.
const (
	RosterEncoding       = "course.roster.encoding"         // not UTF-8
	RosterHeaderMissing  = "course.roster.header_missing"   // no email and name columns on line 1
	RosterHeaderDup      = "course.roster.header_duplicate" // a column named twice
	RosterEmpty          = "course.roster.empty"            // no data line
	RosterTooMany        = "course.roster.too_many"         // Args: Max
	RosterMalformed      = "course.roster.malformed"        // quotes the CSV reader cannot read
	RosterColumnsMissing = "course.roster.columns_missing"  // fewer fields than the header
	RosterEmailRequired  = "course.roster.email_required"
	RosterEmailInvalid   = "course.roster.email_invalid"
	RosterNameRequired   = "course.roster.name_required"
	RosterNameTooLong    = "course.roster.name_too_long" // Args: Max
	RosterNameInvalid    = "course.roster.name_invalid"  // control characters, line breaks
	RosterDuplicate      = "course.roster.duplicate"     // Args: Other (the first line)
	RosterCapacity       = "course.roster.capacity"      // Args: People, Free
)

// RosterEntry is one person of an enrolment file.
type RosterEntry struct {
	Line  int    // where the record starts in the file (the header is line 1)
	Email string // normalised
	Name  string // trimmed
}

// LineError is one refused line of an enrolment file.
type LineError struct {
	Line  int            // 0: the file as a whole
	Key   string         // message ID of the reason
	Args  map[string]any // fills the message
	Value string         // the offending value, shortened, when it helps
}

// RosterError lists every refused line of an enrolment file: when there is
// one, nothing is imported. It unwraps to a *ValidationError, so that any
// error handler answers 422; the web layer lists the lines.
type RosterError struct {
	Lines []LineError
}

func (e *RosterError) Error() string {
	return fmt.Sprintf("course: enrolment file refused (%d lines)", len(e.Lines))
}

// Unwrap gives the summary as a validation error.
func (e *RosterError) Unwrap() error {
	return &ValidationError{Key: "course.roster.invalid", Args: map[string]any{"Count": len(e.Lines)}}
}

// rosterColumns are the header names understood, after folding case.
var (
	emailHeaders = []string{"email", "e-mail", "courriel", "mail", "adresse électronique"}
	nameHeaders  = []string{"name", "nom"}
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ParseRoster reads an enrolment file: UTF-8 (a BOM is accepted), a header
// line naming an e-mail and a name column (email, e-mail, courriel or mail;
// name or nom; any case, either order, other columns ignored), fields
// separated by ";" or "," as the header shows, RFC 4180 quotes, blank lines
// skipped. It returns the people, or a *RosterError listing every bad line.
func ParseRoster(data []byte) ([]RosterEntry, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if !bytes.Contains(data, []byte{'\n'}) && bytes.Contains(data, []byte{'\r'}) {
		data = bytes.ReplaceAll(data, []byte{'\r'}, []byte{'\n'}) // old Mac line ends
	}
	if errs := checkEncoding(data); len(errs) > 0 {
		return nil, &RosterError{Lines: errs}
	}
	header, rest, headerLine := firstLine(data)
	if header == "" {
		return nil, &RosterError{Lines: []LineError{{Line: 1, Key: RosterHeaderMissing}}}
	}
	sep := ','
	if strings.Count(header, ";") >= strings.Count(header, ",") && strings.Contains(header, ";") {
		sep = ';'
	}
	r := csv.NewReader(bytes.NewReader(data[rest:]))
	r.Comma = sep
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	r.TrimLeadingSpace = true
	cols, err := r.Read()
	if err != nil {
		return nil, &RosterError{Lines: []LineError{{Line: headerLine, Key: RosterHeaderMissing}}}
	}
	emailCol, nameCol, herr := headerColumns(cols)
	if herr != "" {
		return nil, &RosterError{Lines: []LineError{{Line: headerLine, Key: herr}}}
	}
	need := max(emailCol, nameCol) + 1
	offset := headerLine - 1 // the reader counts lines from the header
	var (
		out   []RosterEntry
		errs  []LineError
		seen  = map[string]int{}
		count int
	)
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			errs = append(errs, LineError{Line: pe.StartLine + offset, Key: RosterMalformed})
			count++
			if count > MaxRosterLines {
				return nil, tooMany(pe.StartLine + offset)
			}
			continue
		}
		if err != nil { // not expected from a bytes.Reader
			return nil, fmt.Errorf("course: read enrolment file: %w", err)
		}
		if blank(rec) {
			continue
		}
		line, _ := r.FieldPos(0)
		line += offset
		count++
		if count > MaxRosterLines {
			return nil, tooMany(line)
		}
		if len(rec) < need {
			errs = append(errs, LineError{Line: line, Key: RosterColumnsMissing, Value: shorten(strings.Join(rec, string(sep)))})
			continue
		}
		// A name over several lines is refused (the file is likely
		// misread); other invisible characters are removed.
		e := RosterEntry{Line: line, Email: NormalizeEmail(rec[emailCol]), Name: strings.TrimSpace(rec[nameCol])}
		lineErrs := validateEntry(e, rec[emailCol])
		e.Name = CleanName(e.Name)
		if len(lineErrs) == 0 {
			if first, dup := seen[e.Email]; dup {
				lineErrs = append(lineErrs, LineError{Line: line, Key: RosterDuplicate, Args: map[string]any{"Other": first}, Value: shorten(e.Email)})
			} else {
				seen[e.Email] = line
			}
		}
		if len(lineErrs) > 0 {
			errs = append(errs, lineErrs...)
			continue
		}
		out = append(out, e)
	}
	if len(errs) > 0 {
		return nil, &RosterError{Lines: errs}
	}
	if len(out) == 0 {
		return nil, &RosterError{Lines: []LineError{{Line: 0, Key: RosterEmpty}}}
	}
	return out, nil
}

func tooMany(line int) *RosterError {
	return &RosterError{Lines: []LineError{{Line: line, Key: RosterTooMany, Args: map[string]any{"Max": MaxRosterLines}}}}
}

// checkEncoding names every line that is not valid UTF-8 (at most as many
// as a file may have lines).
func checkEncoding(data []byte) []LineError {
	if utf8.Valid(data) {
		return nil
	}
	var errs []LineError
	for i, line := range bytes.Split(data, []byte{'\n'}) {
		if !utf8.Valid(line) {
			errs = append(errs, LineError{Line: i + 1, Key: RosterEncoding, Value: shorten(strings.ToValidUTF8(string(line), "\uFFFD"))})
			if len(errs) > MaxRosterLines {
				break
			}
		}
	}
	return errs
}

// firstLine returns the first non-blank line (the header), the offset where
// it starts and its line number; "" when there is none.
func firstLine(data []byte) (string, int, int) {
	start, n := 0, 1
	for start < len(data) {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data) - start
		}
		l := strings.TrimSpace(string(data[start : start+end]))
		if l != "" {
			return l, start, n
		}
		start += end + 1
		n++
	}
	return "", 0, 1
}

// headerColumns finds the e-mail and name columns, or a reason.
func headerColumns(cols []string) (emailCol, nameCol int, reason string) {
	emailCol, nameCol = -1, -1
	for i, c := range cols {
		c = strings.ToLower(strings.TrimSpace(c))
		switch {
		case slices.Contains(emailHeaders, c):
			if emailCol >= 0 {
				return 0, 0, RosterHeaderDup
			}
			emailCol = i
		case slices.Contains(nameHeaders, c):
			if nameCol >= 0 {
				return 0, 0, RosterHeaderDup
			}
			nameCol = i
		}
	}
	if emailCol < 0 || nameCol < 0 {
		return 0, 0, RosterHeaderMissing
	}
	return emailCol, nameCol, ""
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// validateEntry checks one person's e-mail and name.
func validateEntry(e RosterEntry, rawEmail string) []LineError {
	var errs []LineError
	switch {
	case e.Email == "":
		errs = append(errs, LineError{Line: e.Line, Key: RosterEmailRequired})
	case ValidateEmail(e.Email) != nil:
		errs = append(errs, LineError{Line: e.Line, Key: RosterEmailInvalid, Value: shorten(strings.TrimSpace(rawEmail))})
	}
	switch {
	case e.Name == "":
		errs = append(errs, LineError{Line: e.Line, Key: RosterNameRequired})
	case utf8.RuneCountInString(e.Name) > MaxNameRunes:
		errs = append(errs, LineError{Line: e.Line, Key: RosterNameTooLong, Args: map[string]any{"Max": MaxNameRunes}, Value: shorten(e.Name)})
	case strings.ContainsFunc(e.Name, unicode.IsControl):
		errs = append(errs, LineError{Line: e.Line, Key: RosterNameInvalid, Value: shorten(e.Name)})
	}
	return errs
}

// shorten keeps a value short and printable for an error message.
func shorten(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) <= maxValueRunes {
		return s
	}
	return string([]rune(s)[:maxValueRunes-1]) + "…"
}

// Invitation lets a person whose account was created for them choose a
// password. Only the SHA-256 of its token is stored.
type Invitation struct {
	TokenHash string
	UserID    string
	Email     string
	SessionID string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// RosterStore is what the enrolment import and invitations need beyond
// Store. The enrolments an import makes carry its batch ID, so that a failed
// import removes what it wrote and nothing else.
type RosterStore interface {
	UsersByEmails(ctx context.Context, emails []string) ([]*User, error)
	// CreateUsers sets fresh IDs and inserts the accounts: all of them, or
	// none (ErrEmailTaken when an address was taken meanwhile). Deleting the
	// IDs it set is safe whatever happened.
	CreateUsers(ctx context.Context, users []*User) error
	DeleteUsers(ctx context.Context, ids []string) error
	SetUserName(ctx context.Context, id, name string) error
	// EnrolMany takes len(es) seats at once and records the enrolments, all
	// or none (ErrSessionFull, ErrAlreadyEnrolled): on failure it removes the
	// enrolments tagged with batch and gives the seats back.
	EnrolMany(ctx context.Context, sessionID, batch string, es []Enrolment) error
	CreateInvitations(ctx context.Context, invs []Invitation) error
	DeleteInvitations(ctx context.Context, userIDs []string) error
	InvitationByHash(ctx context.Context, hash string) (*Invitation, error)
	// PendingInvitations returns the unused invitations, expired or not, of
	// these accounts: those never activated.
	PendingInvitations(ctx context.Context, userIDs []string) ([]Invitation, error)
	// UseInvitation marks a valid invitation used; ErrNotFound when it is
	// unknown, used or expired at now.
	UseInvitation(ctx context.Context, hash string, now time.Time) error
	// RestoreInvitation makes a used invitation usable again.
	RestoreInvitation(ctx context.Context, hash string) error
}

// ImportedPerson is a line of an import, once done.
type ImportedPerson struct {
	Line   int
	UserID string
	Email  string
	Name   string
	Token  string // the invitation token of a new account
}

// ImportResult is what an import did. People already enrolled are reported
// and left as they are: importing the same file twice is harmless, and
// renews the expired invitations of those who did not use theirs.
type ImportResult struct {
	Created  []ImportedPerson // new accounts, enrolled, each with an invitation
	Enrolled []ImportedPerson // existing accounts, enrolled now
	Already  []ImportedPerson // existing accounts already enrolled
	// Reinvited lists the existing accounts of the file (in Enrolled or
	// Already too) that an earlier import created and nobody activated, and
	// whose invitation expired (or any, with ImportOptions.Renew): each gets
	// a new invitation (Token), and the earlier link stops working.
	Reinvited []ImportedPerson
}

// EnrolledCount is how many people the import enrolled.
func (r *ImportResult) EnrolledCount() int { return len(r.Created) + len(r.Enrolled) }

func (s *Service) rosterStore() (RosterStore, error) {
	rs := s.Roster
	if rs == nil {
		return nil, errors.New("course: the store cannot import enrolment files")
	}
	return rs, nil
}

// newSecret returns 32 random bytes, base64url, and their SHA-256 in hex.
func newSecret() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("course: random: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashSecret(token), nil
}

// HashSecret is how tokens (invitations, calendar feeds) are stored.
func HashSecret(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ImportRoster enrols the people of an enrolment file in a session:
// coordinators only. It is all or nothing. Everything is checked before the
// first write (the file, the accounts, who is enrolled, the seats left);
// then the new accounts are created (without a usable password, each with
// an invitation), and everyone not yet enrolled is enrolled. When a write
// fails, what the import wrote is removed again.
func (s *Service) ImportRoster(ctx context.Context, actor *User, sessionID string, data []byte) (*ImportResult, error) {
	return s.ImportRosterWith(ctx, actor, sessionID, data, ImportOptions{})
}

// ImportOptions change what ImportRosterWith does.
type ImportOptions struct {
	// Renew gives a new invitation to every account of the file not yet
	// activated, even when its link is still valid (the coordinator lost
	// it); without it only expired invitations are renewed.
	Renew bool
}

// ImportRosterWith is ImportRoster with options.
func (s *Service) ImportRosterWith(ctx context.Context, actor *User, sessionID string, data []byte, opts ImportOptions) (*ImportResult, error) {
	if actor == nil {
		return nil, ErrUnauthenticated
	}
	if !actor.IsCoordinator() {
		return nil, ErrForbidden
	}
	entries, err := ParseRoster(data)
	if err != nil {
		return nil, err
	}
	return s.importEntries(ctx, actor, sessionID, entries, opts, AuditRosterImport)
}

// Invite enrols one person, by address and name, as an import of one line
// does: a coordinator's action. Someone without an account gets one and an
// invitation (Created); an account never activated gets a new invitation
// (Reinvited, as with ImportOptions.Renew); anyone else is enrolled or left
// enrolled. A bad address or name is a validation error on "email" or
// "name".
func (s *Service) Invite(ctx context.Context, actor *User, sessionID, email, name string) (*ImportResult, error) {
	if actor == nil {
		return nil, ErrUnauthenticated
	}
	if !actor.IsCoordinator() {
		return nil, ErrForbidden
	}
	e := RosterEntry{Line: 1, Email: NormalizeEmail(email), Name: strings.TrimSpace(name)}
	if errs := validateEntry(e, email); len(errs) > 0 {
		field := "name"
		if k := errs[0].Key; k == RosterEmailRequired || k == RosterEmailInvalid {
			field = "email"
		}
		return nil, &ValidationError{Field: field, Key: errs[0].Key, Args: errs[0].Args}
	}
	e.Name = CleanName(e.Name)
	return s.importEntries(ctx, actor, sessionID, []RosterEntry{e}, ImportOptions{Renew: true}, AuditInvite)
}

// importEntries enrols the people of an import, checked already; action is
// the audit action recorded.
func (s *Service) importEntries(ctx context.Context, actor *User, sessionID string, entries []RosterEntry, opts ImportOptions, action string) (*ImportResult, error) {
	rs, err := s.rosterStore()
	if err != nil {
		return nil, err
	}
	sess, err := s.Store.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	if !sess.EnrolmentOpen(now) {
		return nil, ErrSessionClosed
	}
	emails := make([]string, len(entries))
	for i, e := range entries {
		emails[i] = e.Email
	}
	existing, err := rs.UsersByEmails(ctx, emails)
	if err != nil {
		return nil, err
	}
	byEmail := make(map[string]*User, len(existing))
	for _, u := range existing {
		byEmail[u.Email] = u
	}
	enrols, err := s.Store.EnrolmentsBySession(ctx, sess.ID)
	if err != nil {
		return nil, err
	}
	enrolled := make(map[string]bool, len(enrols))
	for _, e := range enrols {
		enrolled[e.UserID] = true
	}

	res := &ImportResult{}
	var newUsers []*User
	for _, e := range entries {
		u := byEmail[e.Email]
		switch {
		case u == nil:
			newUsers = append(newUsers, &User{Email: e.Email, Name: e.Name, Roles: []Role{RoleParticipant}, CreatedAt: now})
			res.Created = append(res.Created, ImportedPerson{Line: e.Line, Email: e.Email, Name: e.Name})
		case enrolled[u.ID]:
			res.Already = append(res.Already, ImportedPerson{Line: e.Line, UserID: u.ID, Email: u.Email, Name: u.Name})
		default:
			res.Enrolled = append(res.Enrolled, ImportedPerson{Line: e.Line, UserID: u.ID, Email: u.Email, Name: u.Name})
		}
	}
	if n := res.EnrolledCount(); sess.Capacity > 0 && sess.Enrolled+n > sess.Capacity {
		free := max(sess.Capacity-sess.Enrolled, 0)
		return nil, &RosterError{Lines: []LineError{{Key: RosterCapacity, Args: map[string]any{"People": n, "Free": free}}}}
	}
	known := make([]string, 0, len(res.Enrolled)+len(res.Already))
	for _, p := range slices.Concat(res.Enrolled, res.Already) {
		known = append(known, p.UserID)
	}
	waiting, err := rs.PendingInvitations(ctx, known)
	if err != nil {
		return nil, err
	}
	var pending []Invitation // the ones renewed
	renew := map[string]bool{}
	for _, inv := range waiting {
		if opts.Renew || !now.Before(inv.ExpiresAt) {
			pending = append(pending, inv)
			renew[inv.UserID] = true
		}
	}
	for _, p := range slices.Concat(res.Enrolled, res.Already) {
		if renew[p.UserID] {
			res.Reinvited = append(res.Reinvited, p)
		}
	}
	slices.SortFunc(res.Reinvited, func(a, b ImportedPerson) int { return cmp.Compare(a.Line, b.Line) })
	if res.EnrolledCount() == 0 && len(res.Reinvited) == 0 {
		return res, nil
	}
	if len(newUsers) > 0 {
		// One hash of a secret nobody keeps: no password opens these accounts,
		// and signing in to one takes as long as to any other.
		secret, _, err := newSecret()
		if err != nil {
			return nil, err
		}
		hash, err := s.HashPassword(secret)
		if err != nil {
			return nil, fmt.Errorf("course: hash password: %w", err)
		}
		for _, u := range newUsers {
			u.PasswordHash = hash
		}
	}
	if err := s.writeImport(ctx, rs, sess, res, newUsers, pending, now); err != nil {
		return nil, err
	}
	e := AuditEntry{Action: action, SessionID: sess.ID, Target: sess.Code, Detail: AuditDetail("audit.detail.roster_import", map[string]string{
		"Count": strconv.Itoa(res.EnrolledCount()), "Created": strconv.Itoa(len(res.Created)), "Reinvited": strconv.Itoa(len(res.Reinvited))})}
	return res, RecordAudit(ctx, s.Audit, now, actor, e)
}

// invite gives each person a new invitation token and returns the
// invitations to store.
func invite(people []ImportedPerson, sessionID string, now time.Time) ([]Invitation, error) {
	invs := make([]Invitation, len(people))
	for i := range people {
		token, hash, err := newSecret()
		if err != nil {
			return nil, err
		}
		people[i].Token = token
		invs[i] = Invitation{TokenHash: hash, UserID: people[i].UserID, Email: people[i].Email, SessionID: sessionID, CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	}
	return invs, nil
}

// writeImport makes the writes of an import, undoing them on failure.
func (s *Service) writeImport(ctx context.Context, rs RosterStore, sess *Session, res *ImportResult, newUsers []*User, pending []Invitation, now time.Time) (err error) {
	var createdIDs []string
	var undo []func(context.Context) error
	defer func() {
		if err == nil {
			return
		}
		// Undo with a context of its own: the request's may be what failed.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		for i := len(undo) - 1; i >= 0; i-- {
			if uerr := undo[i](uctx); uerr != nil {
				err = errors.Join(err, fmt.Errorf("course: undo import: %w", uerr))
			}
		}
	}()
	if len(newUsers) > 0 {
		undo = append(undo, func(ctx context.Context) error {
			ids := make([]string, 0, len(newUsers))
			for _, u := range newUsers {
				if u.ID != "" {
					ids = append(ids, u.ID)
				}
			}
			return rs.DeleteUsers(ctx, ids)
		})
		if err := rs.CreateUsers(ctx, newUsers); err != nil {
			return err
		}
		for i, u := range newUsers {
			res.Created[i].UserID = u.ID
			createdIDs = append(createdIDs, u.ID)
		}
		invs, err := invite(res.Created, sess.ID, now)
		if err != nil {
			return err
		}
		undo = append(undo, func(ctx context.Context) error { return rs.DeleteInvitations(ctx, createdIDs) })
		if err := rs.CreateInvitations(ctx, invs); err != nil {
			return err
		}
	}
	if len(res.Reinvited) > 0 {
		var ids []string
		for _, p := range res.Reinvited {
			ids = append(ids, p.UserID)
		}
		invs, err := invite(res.Reinvited, sess.ID, now)
		if err != nil {
			return err
		}
		// The earlier links stop working; undoing puts them back as they were.
		undo = append(undo, func(ctx context.Context) error {
			if err := rs.DeleteInvitations(ctx, ids); err != nil {
				return err
			}
			return rs.CreateInvitations(ctx, pending)
		})
		if err := rs.DeleteInvitations(ctx, ids); err != nil {
			return err
		}
		if err := rs.CreateInvitations(ctx, invs); err != nil {
			return err
		}
	}
	if res.EnrolledCount() == 0 {
		return nil
	}
	batch, _, err := newSecret()
	if err != nil {
		return err
	}
	es := make([]Enrolment, 0, res.EnrolledCount())
	for _, p := range slices.Concat(res.Created, res.Enrolled) {
		es = append(es, Enrolment{SessionID: sess.ID, UserID: p.UserID, EnrolledAt: now})
	}
	slices.SortStableFunc(es, func(a, b Enrolment) int { return cmp.Compare(a.UserID, b.UserID) })
	return rs.EnrolMany(ctx, sess.ID, batch, es) // the last write: it undoes itself

}

// Invitation returns a usable invitation and its account; ErrNotFound when
// the token is unknown, used or expired.
func (s *Service) Invitation(ctx context.Context, token string) (*Invitation, *User, error) {
	rs, err := s.rosterStore()
	if err != nil {
		return nil, nil, err
	}
	if token == "" || len(token) > 100 {
		return nil, nil, ErrNotFound
	}
	inv, err := rs.InvitationByHash(ctx, HashSecret(token))
	if err != nil {
		return nil, nil, err
	}
	if !s.Now().Before(inv.ExpiresAt) {
		return nil, nil, ErrNotFound
	}
	u, err := s.Store.UserByID(ctx, inv.UserID)
	if err != nil {
		return nil, nil, err
	}
	return inv, u, nil
}

// AcceptInvitation sets the password (and the name, when given) of an
// invited account; the invitation then stops working.
func (s *Service) AcceptInvitation(ctx context.Context, token, name, password string) (*User, error) {
	inv, u, err := s.Invitation(ctx, token)
	if err != nil {
		return nil, err
	}
	rs, err := s.rosterStore()
	if err != nil {
		return nil, err
	}
	name = CleanName(name)
	if name != "" {
		if utf8.RuneCountInString(name) > MaxNameRunes {
			return nil, Invalid("name", "course.user.name_too_long")
		}
		if strings.ContainsFunc(name, unicode.IsControl) {
			return nil, Invalid("name", RosterNameInvalid)
		}
	}
	if err := CheckPassword(password, u.Email, cmp.Or(name, u.Name)); err != nil {
		return nil, err
	}
	if s.CommonPassword != nil && s.CommonPassword(password) {
		return nil, Invalid("password", PasswordCommon)
	}
	hash, err := s.HashPassword(password)
	if err != nil {
		return nil, fmt.Errorf("course: hash password: %w", err)
	}
	if name != "" && name != u.Name {
		if err := rs.SetUserName(ctx, u.ID, name); err != nil {
			return nil, err
		}
		u.Name = name
	}
	if err := rs.UseInvitation(ctx, inv.TokenHash, s.Now().UTC()); err != nil {
		return nil, err
	}
	if err := s.Store.SetUserPassword(ctx, u.ID, hash); err != nil {
		return nil, errors.Join(err, rs.RestoreInvitation(context.WithoutCancel(ctx), inv.TokenHash))
	}
	u.PasswordHash = hash
	return u, nil
}
