package course

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CalendarFeed is a person's secret calendar address for one session. Only
// the SHA-256 of its token is stored; a new token replaces the old one.
type CalendarFeed struct {
	SessionID string
	UserID    string
	TokenHash string
	CreatedAt time.Time
}

// FeedStore is what the calendar feeds need beyond Store.
type FeedStore interface {
	// PutCalendarFeed replaces the person's feed of that session.
	PutCalendarFeed(ctx context.Context, f CalendarFeed) error
	CalendarFeed(ctx context.Context, sessionID, userID string) (*CalendarFeed, error)
	CalendarFeedByHash(ctx context.Context, hash string) (*CalendarFeed, error)
	// DeleteCalendarFeed revokes the person's feed; none is not an error.
	DeleteCalendarFeed(ctx context.Context, sessionID, userID string) error
}

func (s *Service) feedStore() (FeedStore, error) {
	fs := s.Feeds
	if fs == nil {
		return nil, errors.New("course: the store keeps no calendar feeds")
	}
	return fs, nil
}

// followable returns the session when actor may follow its calendar: its
// staff (coordinators, its animators) and its participants.
func (s *Service) followable(ctx context.Context, actor *User, sessionID string) (*Session, FeedStore, error) {
	if actor == nil {
		return nil, nil, ErrUnauthenticated
	}
	fs, err := s.feedStore()
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.Store.SessionByID(ctx, sessionID)
	if err != nil {
		return nil, nil, err
	}
	if ok, err := s.mayFollow(ctx, actor.ID, actor, sess); err != nil {
		return nil, nil, err
	} else if !ok {
		return nil, nil, ErrForbidden
	}
	return sess, fs, nil
}

func (s *Service) mayFollow(ctx context.Context, userID string, u *User, sess *Session) (bool, error) {
	if CanManage(u, sess) {
		return true, nil
	}
	return s.Store.IsEnrolled(ctx, sess.ID, userID)
}

// CalendarFeedOf returns the session and the actor's feed of it (nil when
// there is none).
func (s *Service) CalendarFeedOf(ctx context.Context, actor *User, sessionID string) (*Session, *CalendarFeed, error) {
	sess, fs, err := s.followable(ctx, actor, sessionID)
	if err != nil {
		return nil, nil, err
	}
	f, err := fs.CalendarFeed(ctx, sess.ID, actor.ID)
	if errors.Is(err, ErrNotFound) {
		return sess, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return sess, f, nil
}

// NewCalendarFeed gives the actor a new secret feed address for the
// session, returning its token; the previous address stops working.
func (s *Service) NewCalendarFeed(ctx context.Context, actor *User, sessionID string) (*Session, string, error) {
	sess, fs, err := s.followable(ctx, actor, sessionID)
	if err != nil {
		return nil, "", err
	}
	token, hash, err := newSecret()
	if err != nil {
		return nil, "", err
	}
	if err := fs.PutCalendarFeed(ctx, CalendarFeed{SessionID: sess.ID, UserID: actor.ID, TokenHash: hash, CreatedAt: s.Now().UTC()}); err != nil {
		return nil, "", err
	}
	return sess, token, nil
}

// RevokeCalendarFeed makes the actor's feed address of the session stop
// working.
func (s *Service) RevokeCalendarFeed(ctx context.Context, actor *User, sessionID string) error {
	sess, fs, err := s.followable(ctx, actor, sessionID)
	if err != nil {
		return err
	}
	return fs.DeleteCalendarFeed(ctx, sess.ID, actor.ID)
}

// CalendarByToken returns the session and the person of a feed token;
// ErrNotFound when the token is unknown or revoked, or when its owner may no
// longer follow the session.
func (s *Service) CalendarByToken(ctx context.Context, token string) (*Session, *User, error) {
	fs, err := s.feedStore()
	if err != nil {
		return nil, nil, err
	}
	if token == "" || len(token) > 100 {
		return nil, nil, ErrNotFound
	}
	f, err := fs.CalendarFeedByHash(ctx, HashSecret(token))
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.Store.SessionByID(ctx, f.SessionID)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.Store.UserByID(ctx, f.UserID)
	if err != nil {
		return nil, nil, err
	}
	if ok, err := s.mayFollow(ctx, u.ID, u, sess); err != nil {
		return nil, nil, err
	} else if !ok {
		return nil, nil, ErrNotFound
	}
	return sess, u, nil
}

// CalendarTexts are the localized words of a session's calendar.
type CalendarTexts struct {
	Name     string // the calendar's name (X-WR-CALNAME)
	Reminder string // what a reminder says
	URL      string // the session's page, linked from every event
	// Summary is the title of an event: Kind is "opens", "submission",
	// "review" (Part 1..6, title the part's title) or "evaluation" (the
	// final evaluation window, Part 0).
	Summary func(d Deadline, title string) string
}

// Calendar layouts.
const (
	icalLocal = "20060102T150405"
	icalUTC   = "20060102T150405Z"
)

// SessionCalendar writes the session's calendar (RFC 5545): each part's
// opening, submission deadline and review deadline, and the final
// evaluation window, in the session's time zone with its VTIMEZONE; the
// deadlines carry a reminder 24 hours before. host makes the UIDs unique
// (the platform's host name); stamp is the DTSTAMP.
func SessionCalendar(sess *Session, t CalendarTexts, host string, stamp time.Time) []byte {
	loc := sess.Location()
	tzid := loc.String()
	w := &icalWriter{}
	w.line("BEGIN", "VCALENDAR")
	w.line("VERSION", "2.0")
	w.line("PRODID", "-//Libre cours//Libre cours calendar//FR")
	w.line("CALSCALE", "GREGORIAN")
	w.line("METHOD", "PUBLISH")
	w.line("NAME", escapeText(t.Name))
	w.line("X-WR-CALNAME", escapeText(t.Name))
	w.line("X-WR-TIMEZONE", escapeText(tzid))
	w.line("REFRESH-INTERVAL;VALUE=DURATION", "PT1H")
	w.line("X-PUBLISHED-TTL", "PT1H")

	var first, last time.Time
	for _, p := range sess.Parts {
		for _, at := range []time.Time{p.OpensAt, p.SubmissionDue, p.ReviewDue} {
			first, last = earliest(first, at), latest(last, at)
		}
	}
	first, last = earliest(first, sess.Evaluation.OpensAt), latest(last, sess.Evaluation.Due)
	writeTimezone(w, loc, first, last)

	stampS := stamp.UTC().Format(icalUTC)
	local := func(at time.Time) string { return at.In(loc).Format(icalLocal) }
	tzParam := "DTSTART;TZID=" + paramValue(tzid)
	event := func(uid string, d Deadline, title string, end *time.Time, remind bool) {
		w.line("BEGIN", "VEVENT")
		w.line("UID", escapeText(fmt.Sprintf("%s-%s@%s", sess.ID, uid, host)))
		w.line("DTSTAMP", stampS)
		w.line(tzParam, local(d.At))
		if end != nil {
			w.line("DTEND;TZID="+paramValue(tzid), local(*end))
		}
		w.line("SUMMARY", escapeText(t.Summary(d, title)))
		if t.URL != "" {
			w.line("URL", t.URL)
			w.line("DESCRIPTION", escapeText(t.URL))
		}
		w.line("TRANSP", "TRANSPARENT")
		if remind {
			w.line("BEGIN", "VALARM")
			w.line("ACTION", "DISPLAY")
			w.line("DESCRIPTION", escapeText(t.Reminder))
			if end != nil {
				w.line("TRIGGER;RELATED=END", "-PT24H")
			} else {
				w.line("TRIGGER", "-PT24H")
			}
			w.line("END", "VALARM")
		}
		w.line("END", "VEVENT")
	}
	for _, p := range sess.Parts {
		event(fmt.Sprintf("part%d-opens", p.Number), Deadline{Part: p.Number, Kind: "opens", At: p.OpensAt}, p.Title, nil, false)
		event(fmt.Sprintf("part%d-submission", p.Number), Deadline{Part: p.Number, Kind: "submission", At: p.SubmissionDue}, p.Title, nil, true)
		event(fmt.Sprintf("part%d-review", p.Number), Deadline{Part: p.Number, Kind: "review", At: p.ReviewDue}, p.Title, nil, true)
	}
	if !sess.Evaluation.OpensAt.IsZero() {
		due := sess.Evaluation.Due
		event("evaluation", Deadline{Kind: "evaluation", At: sess.Evaluation.OpensAt}, "", &due, true)
	}
	w.line("END", "VCALENDAR")
	return []byte(w.b.String())
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// onset is a change of UTC offset in a time zone.
type onset struct {
	at       time.Time // the instant of the change; zero: since ever
	from, to int       // offsets in seconds east of UTC
	name     string
	dst      bool
}

// zoneOnsets lists the changes of offset of loc that matter between from
// and to, from Go's zone data: the one in effect at from, then every one up
// to to.
func zoneOnsets(loc *time.Location, from, to time.Time) []onset {
	if from.IsZero() {
		from = time.Now()
	}
	if to.Before(from) {
		to = from
	}
	at := func(t time.Time) onset {
		_, prev := t.Add(-time.Second).In(loc).Zone()
		lt := t.In(loc)
		name, off := lt.Zone()
		return onset{at: t.UTC(), from: prev, to: off, name: name, dst: lt.IsDST()}
	}
	cur := from.In(loc)
	var out []onset
	if start, _ := cur.ZoneBounds(); start.IsZero() {
		name, off := cur.Zone()
		out = append(out, onset{from: off, to: off, name: name, dst: cur.IsDST()})
	} else {
		out = append(out, at(start))
	}
	for range 10_000 { // a bound: sessions last weeks, zones change twice a year
		_, end := cur.ZoneBounds()
		if end.IsZero() || end.After(to) {
			break
		}
		out = append(out, at(end))
		cur = end.In(loc)
	}
	return out
}

// writeTimezone writes the VTIMEZONE of loc covering from..to, each change
// of offset listed as its own STANDARD or DAYLIGHT onset.
func writeTimezone(w *icalWriter, loc *time.Location, from, to time.Time) {
	w.line("BEGIN", "VTIMEZONE")
	w.line("TZID", escapeText(loc.String()))
	for _, o := range zoneOnsets(loc, from, to) {
		kind := "STANDARD"
		if o.dst {
			kind = "DAYLIGHT"
		}
		start := "19700101T000000"
		if !o.at.IsZero() {
			// DTSTART of an onset is the local time before the change.
			start = o.at.Add(time.Duration(o.from) * time.Second).Format(icalLocal)
		}
		w.line("BEGIN", kind)
		w.line("DTSTART", start)
		w.line("TZOFFSETFROM", utcOffset(o.from))
		w.line("TZOFFSETTO", utcOffset(o.to))
		if o.name != "" {
			w.line("TZNAME", escapeText(o.name))
		}
		w.line("END", kind)
	}
	w.line("END", "VTIMEZONE")
}

// utcOffset formats seconds east of UTC as RFC 5545's +HHMM[SS].
func utcOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	h, m, s := sec/3600, sec/60%60, sec%60
	if s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, h, m)
}

// escapeText escapes a TEXT value: backslash, semicolon, comma and line
// breaks; other control characters become spaces.
func escapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\n', '\r':
			b.WriteString(`\n`)
		case '\t':
			b.WriteRune(r)
		default:
			if unicode.IsControl(r) {
				r = ' '
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// paramValue quotes a parameter value when it holds ":", ";" or ",".
func paramValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if strings.ContainsAny(s, ":;,") {
		return `"` + s + `"`
	}
	return s
}

// icalWriter writes content lines, CRLF-terminated and folded at 75 octets.
type icalWriter struct{ b strings.Builder }

func (w *icalWriter) line(name, value string) {
	w.b.WriteString(fold(name + ":" + value))
}

// fold splits a content line into lines of at most 75 octets, continuation
// lines starting with a space, never inside a UTF-8 sequence.
func fold(l string) string {
	const limit = 75
	var b strings.Builder
	first := true
	for {
		room := limit
		if !first {
			room-- // the leading space
		}
		if len(l) <= room {
			if !first {
				b.WriteByte(' ')
			}
			b.WriteString(l)
			b.WriteString("\r\n")
			return b.String()
		}
		cut := room
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		if cut == 0 { // not UTF-8 at all: cut anywhere rather than loop
			cut = room
		}
		if !first {
			b.WriteByte(' ')
		}
		b.WriteString(l[:cut])
		b.WriteString("\r\n")
		l = l[cut:]
		first = false
	}
}
