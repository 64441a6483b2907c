package course

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestPlanSchedule checks every date of an LCIII session across the spring
// daylight-saving change (29 March 2026) and of an LCVI session across the
// autumn one (25 October 2026), in Paris.
func TestPlanSchedule(t *testing.T) {
	type row struct{ opens, sub, rev string }
	tests := []struct {
		name     string
		format   Format
		start    string
		endsOn   string
		parts    []row
		evalOpen string
		evalDue  string
	}{
		{
			name: "LCIII across spring DST", format: LCIII, start: "2026-03-23", endsOn: "2026-04-12",
			parts: []row{
				{"2026-03-22T23:00:00Z", "2026-03-24T22:59:00Z", "2026-03-26T22:59:00Z"},
				{"2026-03-25T23:00:00Z", "2026-03-27T22:59:00Z", "2026-03-29T21:59:00Z"},
				{"2026-03-29T22:00:00Z", "2026-03-31T21:59:00Z", "2026-04-02T21:59:00Z"},
				{"2026-04-01T22:00:00Z", "2026-04-03T21:59:00Z", "2026-04-05T21:59:00Z"},
				{"2026-04-05T22:00:00Z", "2026-04-07T21:59:00Z", "2026-04-09T21:59:00Z"},
				{"2026-04-08T22:00:00Z", "2026-04-10T21:59:00Z", "2026-04-12T21:59:00Z"},
			},
			evalOpen: "2026-04-05T22:00:00Z", evalDue: "2026-04-12T21:59:00Z",
		},
		{
			name: "LCVI across autumn DST", format: LCVI, start: "2026-10-05", endsOn: "2026-11-15",
			parts: []row{
				{"2026-10-04T22:00:00Z", "2026-10-08T21:59:00Z", "2026-10-11T21:59:00Z"},
				{"2026-10-11T22:00:00Z", "2026-10-15T21:59:00Z", "2026-10-18T21:59:00Z"},
				{"2026-10-18T22:00:00Z", "2026-10-22T21:59:00Z", "2026-10-25T22:59:00Z"},
				{"2026-10-25T23:00:00Z", "2026-10-29T22:59:00Z", "2026-11-01T22:59:00Z"},
				{"2026-11-01T23:00:00Z", "2026-11-05T22:59:00Z", "2026-11-08T22:59:00Z"},
				{"2026-11-08T23:00:00Z", "2026-11-12T22:59:00Z", "2026-11-15T22:59:00Z"},
			},
			evalOpen: "2026-11-08T23:00:00Z", evalDue: "2026-11-15T22:59:00Z",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := paris(t)
			start, _ := time.ParseInLocation(DateLayout, tc.start, loc)
			got := PlanSchedule(tc.format, start, loc)
			want := Schedule{StartsOn: tc.start, EndsOn: tc.endsOn,
				Evaluation: Window{OpensAt: utc(tc.evalOpen), Due: utc(tc.evalDue)}}
			for i, r := range tc.parts {
				want.Parts = append(want.Parts, Part{Number: i + 1, Title: DefaultPartTitles[i],
					OpensAt: utc(r.opens), SubmissionDue: utc(r.sub), ReviewDue: utc(r.rev)})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("PlanSchedule (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPlanScheduleInvariants checks the rules on a year of start dates.
func TestPlanScheduleInvariants(t *testing.T) {
	loc := paris(t)
	for _, f := range []Format{LCIII, LCVI} {
		for d := 0; d < 366; d++ {
			start := time.Date(2026, 1, 1+d, 0, 0, 0, 0, loc)
			s := PlanSchedule(f, start, loc)
			end, _ := time.ParseInLocation(DateLayout, s.EndsOn, loc)
			if got := int(end.Sub(start).Hours()/24 + 0.5); got != 7*f.Weeks()-1 {
				t.Fatalf("%s %s: ends_on is %d days after start", f, s.StartsOn, got)
			}
			if len(s.Parts) != PartCount {
				t.Fatalf("%d parts", len(s.Parts))
			}
			perWeek := map[int]int{}
			for i, p := range s.Parts {
				if p.Number != i+1 || !p.OpensAt.Before(p.SubmissionDue) || p.ReviewDue.Before(p.SubmissionDue) {
					t.Fatalf("%s %s part %d: bad window %+v", f, s.StartsOn, p.Number, p)
				}
				if p.OpensAt.Before(start) || !p.ReviewDue.Before(end.AddDate(0, 0, 1)) {
					t.Fatalf("%s %s part %d outside the session", f, s.StartsOn, p.Number)
				}
				if i > 0 && !s.Parts[i-1].OpensAt.Before(p.OpensAt) {
					t.Fatalf("%s %s: parts not in order", f, s.StartsOn)
				}
				perWeek[int(p.OpensAt.Sub(start.UTC()).Hours()/24+0.5)/7]++ // rounded: a DST day has 23 or 25 hours
			}
			for w := range f.Weeks() {
				if want := PartCount / f.Weeks(); perWeek[w] != want {
					t.Fatalf("%s %s: week %d has %d parts, want %d", f, s.StartsOn, w, perWeek[w], want)
				}
			}
			lastWeek := start.AddDate(0, 0, 7*(f.Weeks()-1))
			if !s.Evaluation.OpensAt.Equal(lastWeek) || !s.Evaluation.Due.Before(end.AddDate(0, 0, 1)) {
				t.Fatalf("%s %s: evaluation %+v not in the last week", f, s.StartsOn, s.Evaluation)
			}
		}
	}
}

func TestSessionCode(t *testing.T) {
	for _, tc := range []struct {
		f    Format
		n    int
		want string
	}{{LCIII, 1, "LCIII-001"}, {LCVI, 12, "LCVI-012"}, {LCIII, 1234, "LCIII-1234"}} {
		if got := SessionCode(tc.f, tc.n); got != tc.want {
			t.Errorf("SessionCode(%s, %d) = %s, want %s", tc.f, tc.n, got, tc.want)
		}
	}
}

func fieldOf(err error) string {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Field
	}
	return ""
}

func TestNewSessionValidate(t *testing.T) {
	tests := []struct {
		name  string
		in    NewSession
		field string
	}{
		{"ok LCIII", NewSession{Format: "LCIII", StartsOn: "2026-03-02"}, ""},
		{"ok lower-case LCVI with capacity", NewSession{Format: "lcvi", StartsOn: "2026-03-02", Capacity: 30}, ""},
		{"unknown format", NewSession{Format: "LCIV", StartsOn: "2026-03-02"}, "format"},
		{"empty format", NewSession{StartsOn: "2026-03-02"}, "format"},
		{"bad date", NewSession{Format: "LCIII", StartsOn: "02/03/2026"}, "starts_on"},
		{"impossible date", NewSession{Format: "LCIII", StartsOn: "2026-02-30"}, "starts_on"},
		{"far date", NewSession{Format: "LCIII", StartsOn: "9999-01-01"}, "starts_on"},
		{"negative capacity", NewSession{Format: "LCIII", StartsOn: "2026-03-02", Capacity: -1}, "capacity"},
		{"huge capacity", NewSession{Format: "LCIII", StartsOn: "2026-03-02", Capacity: MaxCapacity + 1}, "capacity"},
		{"unknown zone", NewSession{Format: "LCIII", StartsOn: "2026-03-02", TimeZone: "Mars/Olympus"}, "time_zone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := tc.in.Validate()
			if got := fieldOf(err); got != tc.field || (tc.field == "" && err != nil) {
				t.Fatalf("Validate() = %v (field %q), want field %q", err, got, tc.field)
			}
		})
	}
}

func TestNewUserValidate(t *testing.T) {
	long := string(make([]rune, 129))
	tests := []struct {
		name  string
		in    NewUser
		field string
	}{
		{"ok", NewUser{Email: " Ada@Example.org ", Name: "Ada", Password: "correct horse"}, ""},
		{"64-character password", NewUser{Email: "a@b.fr", Name: "A", Password: strings.Repeat("ab", 32)}, ""},
		{"no email", NewUser{Name: "A", Password: "12345678"}, "email"},
		{"bad email", NewUser{Email: "ada", Name: "A", Password: "12345678"}, "email"},
		{"display-name email", NewUser{Email: "Ada <ada@example.org>", Name: "A", Password: "12345678"}, "email"},
		{"no dot in domain", NewUser{Email: "ada@localhost", Name: "A", Password: "12345678"}, "email"},
		{"no name", NewUser{Email: "a@b.fr", Name: "  ", Password: "12345678"}, "name"},
		{"short password", NewUser{Email: "a@b.fr", Name: "A", Password: "1234567"}, "password"},
		{"long password", NewUser{Email: "a@b.fr", Name: "A", Password: long}, "password"},
		{"bad role", NewUser{Email: "a@b.fr", Name: "A", Password: "12345678", Roles: []Role{"admin"}}, "roles"},
		{"bad locale", NewUser{Email: "a@b.fr", Name: "A", Password: "12345678", Locale: "de"}, "locale"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.in.Validate()
			if got := fieldOf(err); got != tc.field || (tc.field == "" && err != nil) {
				t.Fatalf("Validate() = %v (field %q), want field %q", err, got, tc.field)
			}
		})
	}
	n := NewUser{Email: " Ada@Example.org ", Name: " Ada ", Password: "12345678", Roles: []Role{RoleAnimator, RoleParticipant, RoleAnimator}}
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	if n.Email != "ada@example.org" || n.Name != "Ada" || len(n.Roles) != 2 {
		t.Fatalf("normalised to %+v", n)
	}
}

func TestPartPatch(t *testing.T) {
	base := Part{Number: 1, Title: "T", OpensAt: utc("2026-03-02T00:00:00Z"), SubmissionDue: utc("2026-03-04T00:00:00Z"), ReviewDue: utc("2026-03-06T00:00:00Z")}
	ptr := func(s string) *time.Time { t := utc(s); return &t }
	str := func(s string) *string { return &s }
	tests := []struct {
		name  string
		patch PartPatch
		field string
	}{
		{"nothing", PartPatch{}, ""},
		{"open now", PartPatch{OpensAt: ptr("2026-01-01T10:00:00Z")}, ""},
		{"same submission and review", PartPatch{ReviewDue: ptr("2026-03-04T00:00:00Z")}, ""},
		{"rename", PartPatch{Title: str(" Nouveau titre ")}, ""},
		{"empty title", PartPatch{Title: str(" ")}, "title"},
		{"opens after submission", PartPatch{OpensAt: ptr("2026-03-05T00:00:00Z")}, "submission_due"},
		{"opens at submission", PartPatch{OpensAt: ptr("2026-03-04T00:00:00Z")}, "submission_due"},
		{"review before submission", PartPatch{ReviewDue: ptr("2026-03-03T00:00:00Z")}, "review_due"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.patch.Apply(base)
			if f := fieldOf(err); f != tc.field || (tc.field == "" && err != nil) {
				t.Fatalf("Apply() = %v (field %q), want field %q", err, f, tc.field)
			}
			if err == nil && tc.patch.Title != nil && got.Title != "Nouveau titre" {
				t.Fatalf("title = %q", got.Title)
			}
		})
	}
	if _, err := (WindowPatch{Due: ptr("2026-01-01T00:00:00Z")}).Apply(Window{OpensAt: utc("2026-03-02T00:00:00Z"), Due: utc("2026-03-09T00:00:00Z")}); fieldOf(err) != "due" {
		t.Fatalf("window due before open: %v", err)
	}
}

func TestStatusAndDeadlines(t *testing.T) {
	loc := paris(t)
	start, _ := time.ParseInLocation(DateLayout, "2026-03-02", loc)
	plan := PlanSchedule(LCIII, start, loc)
	s := &Session{StartsOn: plan.StartsOn, EndsOn: plan.EndsOn, TimeZone: "Europe/Paris", Parts: plan.Parts, Evaluation: plan.Evaluation}
	tests := []struct {
		at   time.Time
		want Status
	}{
		{plan.Parts[0].OpensAt.Add(-time.Second), StatusUpcoming},
		{plan.Parts[0].OpensAt, StatusRunning},
		{plan.Evaluation.Due, StatusRunning},
		{plan.Evaluation.Due.Add(time.Minute), StatusEnded},
	}
	for _, tc := range tests {
		if got := s.Status(tc.at); got != tc.want {
			t.Errorf("Status(%s) = %s, want %s", tc.at, got, tc.want)
		}
	}
	closed := time.Now()
	s.ClosedAt = &closed
	if s.Status(plan.Parts[0].OpensAt) != StatusClosed || s.EnrolmentOpen(plan.Parts[0].OpensAt) {
		t.Fatal("closed session still open")
	}
	s.ClosedAt = nil
	next := s.NextDeadlines(plan.Parts[0].OpensAt, 3)
	want := []Deadline{
		{Part: 1, Kind: "submission", At: plan.Parts[0].SubmissionDue},
		{Part: 2, Kind: "opens", At: plan.Parts[1].OpensAt},
		{Part: 1, Kind: "review", At: plan.Parts[0].ReviewDue},
	}
	if diff := cmp.Diff(want, next); diff != "" {
		t.Fatalf("NextDeadlines (-want +got):\n%s", diff)
	}
	if got := s.NextDeadlines(plan.Evaluation.Due, 0); len(got) != 0 {
		t.Fatalf("deadlines after the end: %v", got)
	}
	s.Capacity, s.Enrolled = 2, 2
	if !s.Full() {
		t.Fatal("Full() = false at capacity")
	}
}
