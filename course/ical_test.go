package course

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// icalProp is one content line, unfolded: NAME;PARAMS:VALUE.
type icalProp struct {
	Name   string
	Params map[string]string
	Value  string
}

// parseICal unfolds and splits a calendar; it fails the test on any line
// longer than 75 octets or not ended by CRLF.
func parseICal(t *testing.T, b []byte) []icalProp {
	t.Helper()
	s := string(b)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatal("the calendar does not end with CRLF")
	}
	for i, l := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Fatalf("line %d has %d octets: %q", i+1, len(l), l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d holds a bare line break: %q", i+1, l)
		}
		if !utf8.ValidString(l) {
			t.Fatalf("line %d splits a UTF-8 sequence: %q", i+1, l)
		}
	}
	s = strings.ReplaceAll(s, "\r\n ", "")
	var out []icalProp
	for _, l := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		head, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("no colon in %q", l)
		}
		parts := strings.Split(head, ";")
		p := icalProp{Name: parts[0], Params: map[string]string{}, Value: value}
		for _, kv := range parts[1:] {
			k, v, _ := strings.Cut(kv, "=")
			p.Params[k] = strings.Trim(v, `"`)
		}
		out = append(out, p)
	}
	return out
}

// unescapeText undoes TEXT escaping.
func unescapeText(s string) string {
	r := strings.NewReplacer(`\\`, `\`, `\;`, ";", `\,`, ",", `\n`, "\n", `\N`, "\n")
	return r.Replace(s)
}

type icalEvent map[string]icalProp

type icalOnset struct {
	start    string
	from, to int
}

func parseOffset(t *testing.T, s string) int {
	t.Helper()
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	h, _ := strconv.Atoi(s[1:3])
	m, _ := strconv.Atoi(s[3:5])
	sec := 0
	if len(s) == 7 {
		sec, _ = strconv.Atoi(s[5:7])
	}
	return sign * (h*3600 + m*60 + sec)
}

// components returns the events and the VTIMEZONE onsets of a calendar.
func components(t *testing.T, props []icalProp) (cal map[string]string, events []icalEvent, onsets []icalOnset, tzid string) {
	t.Helper()
	cal = map[string]string{}
	var stack []string
	var ev icalEvent
	var on icalOnset
	for _, p := range props {
		switch p.Name {
		case "BEGIN":
			stack = append(stack, p.Value)
			switch p.Value {
			case "VEVENT":
				ev = icalEvent{}
			case "STANDARD", "DAYLIGHT":
				on = icalOnset{}
			}
			continue
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != p.Value {
				t.Fatalf("END:%s does not close %v", p.Value, stack)
			}
			stack = stack[:len(stack)-1]
			switch p.Value {
			case "VEVENT":
				events = append(events, ev)
			case "STANDARD", "DAYLIGHT":
				onsets = append(onsets, on)
			}
			continue
		}
		switch top := stack[len(stack)-1]; top {
		case "VCALENDAR":
			cal[p.Name] = p.Value
		case "VEVENT":
			ev[p.Name] = p
		case "VALARM":
			ev["VALARM."+p.Name] = p
		case "VTIMEZONE":
			if p.Name == "TZID" {
				tzid = p.Value
			}
		case "STANDARD", "DAYLIGHT":
			switch p.Name {
			case "DTSTART":
				on.start = p.Value
			case "TZOFFSETFROM":
				on.from = parseOffset(t, p.Value)
			case "TZOFFSETTO":
				on.to = parseOffset(t, p.Value)
			}
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unclosed components %v", stack)
	}
	return cal, events, onsets, tzid
}

// offsetAt resolves the UTC offset of instant at from the VTIMEZONE alone,
// as a calendar client without Go's zone data would.
func offsetAt(t *testing.T, onsets []icalOnset, at time.Time) int {
	t.Helper()
	best, found := time.Time{}, false
	off := 0
	for _, o := range onsets {
		local, err := time.Parse(icalLocal, o.start)
		if err != nil {
			t.Fatalf("onset DTSTART %q: %v", o.start, err)
		}
		instant := local.Add(-time.Duration(o.from) * time.Second) // local time before the change
		if !instant.After(at) && (!found || instant.After(best)) {
			best, found, off = instant, true, o.to
		}
	}
	if !found {
		t.Fatalf("no VTIMEZONE onset covers %s", at)
	}
	return off
}

func calendarOf(t *testing.T, f Format, startsOn, tz string) *Session {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	start, _ := time.ParseInLocation(DateLayout, startsOn, loc)
	plan := PlanSchedule(f, start, loc)
	plan.Parts[1].Title = `Licences; "libres", \ et copyleft` + "\n" + strings.Repeat("é", 60)
	return &Session{ID: "66a1b2c3d4e5f60718293a4b", Code: SessionCode(f, 1), Format: f, StartsOn: plan.StartsOn, EndsOn: plan.EndsOn,
		TimeZone: tz, Parts: plan.Parts, Evaluation: plan.Evaluation}
}

var testTexts = CalendarTexts{
	Name: "Libre cours LCIII-001, calendrier", Reminder: "Échéance demain", URL: "https://librecours.example/sessions/66a1",
	Summary: func(d Deadline, title string) string {
		if d.Kind == "evaluation" {
			return "Évaluation finale"
		}
		return fmt.Sprintf("Partie %d (%s) : %s", d.Part, d.Kind, title)
	},
}

// TestSessionCalendar parses feeds back and checks that every deadline,
// read with its TZID through time.LoadLocation, is the stored instant, and
// that the VTIMEZONE alone gives Go's offset at each of them: in Paris
// across the spring change, in New York across the autumn one, and in
// zones without changes.
func TestSessionCalendar(t *testing.T) {
	for _, tc := range []struct {
		format       Format
		start, tz    string
		wantOffsets  int // distinct offsets among the events
		wantTimezone bool
	}{
		{LCIII, "2026-03-23", "Europe/Paris", 2, true},
		{LCVI, "2026-10-05", "America/New_York", 2, true},
		{LCIII, "2026-03-23", "Asia/Tokyo", 1, true},
		{LCIII, "2026-03-23", "UTC", 1, true},
		{LCVI, "2026-12-14", "Australia/Lord_Howe", 1, true}, // half-hour DST, southern summer
	} {
		t.Run(tc.tz, func(t *testing.T) {
			sess := calendarOf(t, tc.format, tc.start, tc.tz)
			stamp := time.Date(2026, 3, 1, 8, 30, 0, 0, time.FixedZone("x", 3600))
			b := SessionCalendar(sess, testTexts, "librecours.example", stamp)
			cal, events, onsets, tzid := components(t, parseICal(t, b))
			for k, v := range map[string]string{"VERSION": "2.0", "CALSCALE": "GREGORIAN", "METHOD": "PUBLISH", "X-WR-TIMEZONE": tc.tz} {
				if cal[k] != v {
					t.Errorf("%s = %q, want %q", k, cal[k], v)
				}
			}
			if cal["PRODID"] == "" || unescapeText(cal["X-WR-CALNAME"]) != testTexts.Name {
				t.Errorf("PRODID %q, X-WR-CALNAME %q", cal["PRODID"], cal["X-WR-CALNAME"])
			}
			if tzid != tc.tz || len(onsets) == 0 {
				t.Fatalf("VTIMEZONE %q with %d onsets", tzid, len(onsets))
			}
			loc, _ := time.LoadLocation(tc.tz)
			type want struct {
				at    time.Time
				alarm bool
			}
			wants := map[string]want{}
			for _, p := range sess.Parts {
				wants[fmt.Sprintf("%s-part%d-opens@librecours.example", sess.ID, p.Number)] = want{p.OpensAt, false}
				wants[fmt.Sprintf("%s-part%d-submission@librecours.example", sess.ID, p.Number)] = want{p.SubmissionDue, true}
				wants[fmt.Sprintf("%s-part%d-review@librecours.example", sess.ID, p.Number)] = want{p.ReviewDue, true}
			}
			wants[sess.ID+"-evaluation@librecours.example"] = want{sess.Evaluation.OpensAt, true}
			if len(events) != len(wants) {
				t.Fatalf("%d events, want %d", len(events), len(wants))
			}
			offsets := map[int]bool{}
			for _, ev := range events {
				uid := unescapeText(ev["UID"].Value)
				w, ok := wants[uid]
				if !ok {
					t.Fatalf("unexpected UID %q", uid)
				}
				delete(wants, uid)
				if ev["DTSTAMP"].Value != "20260301T073000Z" {
					t.Errorf("DTSTAMP %q, want UTC", ev["DTSTAMP"].Value)
				}
				check := func(p icalProp, at time.Time) {
					t.Helper()
					if p.Params["TZID"] != tc.tz {
						t.Fatalf("%s TZID %q", p.Name, p.Params["TZID"])
					}
					got, err := time.ParseInLocation(icalLocal, p.Value, loc)
					if err != nil || !got.Equal(at) {
						t.Fatalf("%s %s = %s (%v), want %s", uid, p.Name, got.UTC(), err, at)
					}
					_, goOff := at.In(loc).Zone()
					if off := offsetAt(t, onsets, at); off != goOff {
						t.Fatalf("%s: VTIMEZONE gives offset %d at %s, Go %d", uid, off, at, goOff)
					}
					offsets[goOff] = true
				}
				check(ev["DTSTART"], w.at)
				if strings.HasSuffix(uid, "-evaluation@librecours.example") {
					check(ev["DTEND"], sess.Evaluation.Due)
				}
				if got := ev["VALARM.TRIGGER"].Value; (got == "-PT24H") != w.alarm {
					t.Errorf("%s: alarm %q", uid, got)
				}
				if strings.Contains(uid, "part2-") && !strings.Contains(unescapeText(ev["SUMMARY"].Value), sess.Parts[1].Title) {
					t.Errorf("summary %q does not round-trip the title", ev["SUMMARY"].Value)
				}
			}
			if len(offsets) != tc.wantOffsets {
				t.Errorf("events fall in %d offsets, want %d", len(offsets), tc.wantOffsets)
			}
			// UIDs are stable: another stamp gives the same events.
			again := SessionCalendar(sess, testTexts, "librecours.example", stamp.Add(time.Hour))
			if strings.ReplaceAll(string(again), "20260301T083000Z", "20260301T073000Z") != string(b) {
				t.Error("the feed changes with its stamp beyond DTSTAMP")
			}
		})
	}
}

func TestFold(t *testing.T) {
	for _, n := range []int{0, 1, 74, 75, 76, 200} {
		for _, unit := range []string{"a", "é", "€", "𝄞"} {
			l := "SUMMARY:" + strings.Repeat(unit, n)
			got := fold(l)
			lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
			for i, pl := range lines {
				if len(pl) > 75 || !utf8.ValidString(pl) || (i > 0 && !strings.HasPrefix(pl, " ")) {
					t.Fatalf("fold(%d×%q) line %d: %q", n, unit, i, pl)
				}
			}
			if unfolded := strings.ReplaceAll(strings.TrimSuffix(got, "\r\n"), "\r\n ", ""); unfolded != l {
				t.Fatalf("unfold(fold(x)) != x for %d×%q", n, unit)
			}
		}
	}
}

func TestEscapeText(t *testing.T) {
	in := "a\\b;c,d\r\ne\nf\tg\x00h"
	if got, want := escapeText(in), `a\\b\;c\,d\ne\nf`+"\tg h"; got != want {
		t.Fatalf("escapeText = %q, want %q", got, want)
	}
	if got := paramValue("Europe/Paris"); got != "Europe/Paris" {
		t.Fatal(got)
	}
	if got := paramValue(`a:b"c`); got != `"a:bc"` {
		t.Fatal(got)
	}
	var got []string
	for _, s := range []int{3600, -12600, 20700 + 14} {
		got = append(got, utcOffset(s))
	}
	if !slices.Equal(got, []string{"+0100", "-0330", "+054514"}) {
		t.Fatalf("offsets %v", got)
	}
}

// FuzzICalText: whatever a title holds, its escaped and folded line keeps
// within 75 octets, never splits a character, and reads back as the title.
func FuzzICalText(f *testing.F) {
	for _, seed := range []string{"Licences libres", "a;b,c\\d", "ligne\r\nsuivante\rfin\n", strings.Repeat("é€𝄞", 40),
		"\x00\x1b[31m", "\xff\xfe", "END:VCALENDAR\r\nBEGIN:VEVENT"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := fold("SUMMARY:" + escapeText(s))
		if !strings.HasSuffix(out, "\r\n") {
			t.Fatal("no CRLF")
		}
		lines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
		for i, l := range lines {
			if len(l) > 75 || strings.ContainsAny(l, "\r\n") || !utf8.ValidString(l) || (i > 0 && !strings.HasPrefix(l, " ")) {
				t.Fatalf("line %d: %q", i, l)
			}
		}
		got := unescapeText(strings.TrimPrefix(strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", ""), "SUMMARY:"))
		want := strings.Map(func(r rune) rune {
			if r != '\n' && r != '\t' && unicode.IsControl(r) {
				return ' '
			}
			return r
		}, strings.ReplaceAll(strings.ReplaceAll(string([]rune(s)), "\r\n", "\n"), "\r", "\n"))
		if got != want {
			t.Fatalf("read back %q, want %q", got, want)
		}
	})
}
