package course_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/course"
)

// TestAuditDetail: a detail written as a message ID and its arguments reads
// back as such, numbers as numbers; the free text of older entries is not
// taken for one.
func TestAuditDetail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		detail string
		key    string
		args   map[string]any
		ok     bool
	}{
		{"no arguments", course.AuditDetail("audit.detail.x", nil), "audit.detail.x", map[string]any{}, true},
		{"words and numbers", course.AuditDetail("audit.detail.roster_import", map[string]string{"Count": "12", "Session": "LCIII-001", "Score": "64.5", "Shift": "+1"}),
			"audit.detail.roster_import", map[string]any{"Count": 12, "Session": "LCIII-001", "Score": 64.5, "Shift": "+1"}, true},
		{"characters that need escaping", course.AuditDetail("audit.detail.y", map[string]string{"Name": "a&b=c ?é"}), "audit.detail.y", map[string]any{"Name": "a&b=c ?é"}, true},
		{"older free text", "part 1: 64.4", "", nil, false},
		{"older free text with a question mark", "from LCIII-001 (2026-09-07)?", "", nil, false},
		{"empty", "", "", nil, false},
		{"prefix alone", "i18n:", "", nil, false},
		{"not a key", "i18n:two words", "", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, args, ok := course.ParseAuditDetail(tc.detail)
			if key != tc.key || ok != tc.ok {
				t.Fatalf("ParseAuditDetail(%q) = %q, %v; want %q, %v", tc.detail, key, ok, tc.key, tc.ok)
			}
			if diff := cmp.Diff(tc.args, args); diff != "" {
				t.Fatalf("args (-want +got):\n%s", diff)
			}
		})
	}
}

// rosterMem adds to memStore what an enrolment import writes.
type rosterMem struct {
	*memStore
	invs []course.Invitation
}

func (m *rosterMem) UsersByEmails(_ context.Context, emails []string) ([]*course.User, error) {
	var out []*course.User
	for _, e := range emails {
		for _, u := range m.users {
			if u.Email == e {
				out = append(out, u)
			}
		}
	}
	return out, nil
}

func (m *rosterMem) CreateUsers(_ context.Context, users []*course.User) error {
	for _, u := range users {
		u.ID = "new" + strconv.Itoa(len(m.users))
		m.users[u.ID] = u
	}
	return nil
}

func (m *rosterMem) EnrolMany(ctx context.Context, sessionID, _ string, es []course.Enrolment) error {
	for _, e := range es {
		if err := m.Enrol(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

func (m *rosterMem) CreateInvitations(_ context.Context, invs []course.Invitation) error {
	m.invs = append(m.invs, invs...)
	return nil
}

func (m *rosterMem) PendingInvitations(context.Context, []string) ([]course.Invitation, error) {
	return nil, nil
}

// TestImportAudited: an import that enrols people is in the audit log, with
// its counts as message arguments and the session's code as its target; an
// import that changes nothing is not; a failing audit fails the import's
// answer.
func TestImportAudited(t *testing.T) {
	t.Parallel()
	st := &rosterMem{memStore: newMem(coordinator(), participant("p1"))}
	sess := lcIII(st.memStore)
	svc := svcWith(st.memStore, "2026-02-20T10:00:00Z")
	svc.Roster = st
	file := []byte("email;nom\np1@example.org;Person P1\nnew@example.org;Nouvelle Personne\n")
	res, err := svc.ImportRoster(t.Context(), coordinator(), sess.ID, file)
	if err != nil || res.EnrolledCount() != 2 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	want := []course.AuditEntry{{At: at("2026-02-20T10:00:00Z"), ActorID: "c", Action: course.AuditRosterImport, SessionID: "s1", Target: "LCIII-001",
		Detail: course.AuditDetail("audit.detail.roster_import", map[string]string{"Count": "2", "Created": "1", "Reinvited": "0"})}}
	if diff := cmp.Diff(want, st.audits); diff != "" {
		t.Fatalf("audit (-want +got):\n%s", diff)
	}
	key, args, ok := course.ParseAuditDetail(st.audits[0].Detail)
	if !ok || key != "audit.detail.roster_import" || args["Count"] != 2 || args["Created"] != 1 {
		t.Fatalf("detail %q reads %q %v %v", st.audits[0].Detail, key, args, ok)
	}
	// The same file again changes nothing and records nothing.
	if _, err := svc.ImportRoster(t.Context(), coordinator(), sess.ID, file); err != nil {
		t.Fatal(err)
	}
	if len(st.audits) != 1 {
		t.Fatalf("%d audit entries after a second, empty import", len(st.audits))
	}
	st.fail["Audit"] = errStore
	_, err = svc.ImportRoster(t.Context(), coordinator(), sess.ID, []byte("email;nom\nthird@example.org;Tierce\n"))
	check(t, err, errStore)
}

// TestSessionEditsAudited: a coordinator creating a session, changing its
// seats or workload, moving a part or the final evaluation, or enrolling
// someone is in the audit log with the session's code as target (a person
// for an enrolment) and the new values in words, in the session's time
// zone; people enrolling themselves are not.
func TestSessionEditsAudited(t *testing.T) {
	t.Parallel()
	st := newMem(coordinator(), participant("p1"), participant("p2"))
	svc := svcWith(st, "2026-02-20T10:00:00Z")
	ctx := t.Context()
	c := coordinator()
	sess, err := svc.CreateSession(ctx, c, course.NewSession{Format: "LCIII", StartsOn: "2026-03-02"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.SetCapacity(ctx, c, sess.ID, 30)
	noErrC(t, err)
	_, err = svc.SetCapacity(ctx, c, sess.ID, 0)
	noErrC(t, err)
	_, err = svc.SetWorkload(ctx, c, sess.ID, 30)
	noErrC(t, err)
	opens := at("2026-03-03T08:00:00Z")
	_, err = svc.UpdatePart(ctx, c, sess.ID, 1, course.PartPatch{OpensAt: &opens})
	noErrC(t, err)
	due := at("2026-03-28T22:00:00Z")
	_, err = svc.UpdateEvaluation(ctx, c, sess.ID, course.WindowPatch{Due: &due})
	noErrC(t, err)
	noErrC(t, svc.Enrol(ctx, c, sess.ID, "p1"))
	noErrC(t, svc.Enrol(ctx, participant("p2"), sess.ID, ""))

	p1 := sess.Parts[0]
	type row struct{ Action, Target, Key string }
	var got []row
	args := map[string]map[string]any{}
	for _, e := range st.audits {
		if e.ActorID != "c" || e.SessionID != sess.ID || !e.At.Equal(at("2026-02-20T10:00:00Z")) {
			t.Errorf("entry %+v: actor, session or time", e)
		}
		key, a, ok := course.ParseAuditDetail(e.Detail)
		if e.Detail != "" && !ok {
			t.Errorf("%s: detail %q is not a message", e.Action, e.Detail)
		}
		got = append(got, row{e.Action, e.Target, key})
		args[key] = a
	}
	want := []row{
		{course.AuditSessionCreate, "LCIII-001", "audit.detail.session_create"},
		{course.AuditSessionEdit, "LCIII-001", "audit.detail.capacity"},
		{course.AuditSessionEdit, "LCIII-001", "audit.detail.capacity_none"},
		{course.AuditSessionEdit, "LCIII-001", "audit.detail.workload"},
		{course.AuditPartEdit, "LCIII-001", "audit.detail.part_edit"},
		{course.AuditEvaluationEdit, "LCIII-001", "audit.detail.evaluation_edit"},
		{course.AuditEnrol, "p1", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("audit (-want +got):\n%s", diff)
	}
	for key, w := range map[string]map[string]any{
		"audit.detail.session_create": {"Starts": "2026-03-02", "Ends": sess.EndsOn, "Zone": "Europe/Paris"},
		"audit.detail.capacity":       {"Capacity": 30},
		"audit.detail.workload":       {"Hours": 30},
		"audit.detail.part_edit": {"Part": 1, "Opens": "2026-03-03 09:00 CET",
			"SubmissionDue": p1.SubmissionDue.In(paris(t)).Format("2006-01-02 15:04 MST"), "ReviewDue": p1.ReviewDue.In(paris(t)).Format("2006-01-02 15:04 MST")},
		"audit.detail.evaluation_edit": {"Opens": sess.Evaluation.OpensAt.In(paris(t)).Format("2006-01-02 15:04 MST"), "Due": "2026-03-28 23:00 CET"},
	} {
		if diff := cmp.Diff(w, args[key]); diff != "" {
			t.Errorf("%s arguments (-want +got):\n%s", key, diff)
		}
	}
	// A failing audit reaches the caller.
	st.fail["Audit"] = errStore
	_, err = svc.SetWorkload(ctx, c, sess.ID, 40)
	check(t, err, errStore)
}

func noErrC(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestInvite: a coordinator enrols one person by address and name; someone
// without an account gets one with an invitation, the action is logged as
// session.invite; bad input names its field; others may not.
func TestInvite(t *testing.T) {
	t.Parallel()
	st := &rosterMem{memStore: newMem(coordinator(), participant("p1"))}
	sess := lcIII(st.memStore)
	svc := svcWith(st.memStore, "2026-02-20T10:00:00Z")
	svc.Roster = st
	ctx := t.Context()
	res, err := svc.Invite(ctx, coordinator(), sess.ID, " Zoe@Example.org ", " Zoé Écrivaine ")
	if err != nil || len(res.Created) != 1 || res.Created[0].Token == "" || res.Created[0].Email != "zoe@example.org" || res.Created[0].Name != "Zoé Écrivaine" {
		t.Fatalf("new person: %+v, %v", res, err)
	}
	if len(st.invs) != 1 || st.invs[0].UserID != res.Created[0].UserID || st.invs[0].SessionID != sess.ID {
		t.Fatalf("invitations %+v", st.invs)
	}
	if len(st.audits) != 1 || st.audits[0].Action != course.AuditInvite || st.audits[0].Target != "LCIII-001" {
		t.Fatalf("audit %+v", st.audits)
	}
	res, err = svc.Invite(ctx, coordinator(), sess.ID, "p1@example.org", "Person P1")
	if err != nil || len(res.Enrolled) != 1 || res.Enrolled[0].UserID != "p1" || len(res.Created) != 0 {
		t.Fatalf("existing account: %+v, %v", res, err)
	}
	for _, tc := range []struct{ email, name, field, key string }{
		{"", "Zoé", "email", course.RosterEmailRequired},
		{"not an address", "Zoé", "email", course.RosterEmailInvalid},
		{"x@example.org", " ", "name", course.RosterNameRequired},
		{"x@example.org", "two\nlines", "name", course.RosterNameInvalid},
	} {
		_, err := svc.Invite(ctx, coordinator(), sess.ID, tc.email, tc.name)
		wantValidation(t, err, tc.field, tc.key)
	}
	_, err = svc.Invite(ctx, participant("p1"), sess.ID, "y@example.org", "Y")
	check(t, err, course.ErrForbidden)
	if len(st.audits) != 2 {
		t.Fatalf("%d audit entries", len(st.audits))
	}
}
