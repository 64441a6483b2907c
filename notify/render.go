package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"time"

	"librecours/course"
)

// Texts localizes message IDs (the platform's bundle). An argument named
// Count selects a plural form, so only plural messages get one.
type Texts interface {
	T(lang, id string, args map[string]any) string
}

// DefaultLang is the language of people who chose none.
const DefaultLang = "fr"

// LangOf is the language of a recipient: their choice, French when none.
func LangOf(u *course.User) string {
	if u == nil || u.Locale == "" {
		return DefaultLang
	}
	return u.Locale
}

// Renderer writes the subjects and bodies of messages. Texts never name a
// reviewer or an author: peer reviews are anonymous.
type Renderer struct {
	Texts   Texts
	BaseURL string // links point there
}

// link is an absolute URL of the platform.
func (r Renderer) link(path string) string { return strings.TrimRight(r.BaseURL, "/") + path }

// when formats a time in the session's zone and the reader's language.
func (r Renderer) when(lang string, t time.Time, tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc = time.UTC
	}
	lt := t.In(loc)
	return r.Texts.T(lang, "notify.time", map[string]any{
		"Date": lt.Format(r.Texts.T(lang, "notify.date_layout", nil)), "Clock": lt.Format("15:04"), "Zone": lt.Format("MST")})
}

// line is the text of one event of a message of kind.
func (r Renderer) line(lang string, kind Kind, e Event) string {
	sp := "/sessions/" + url.PathEscape(e.SessionID)
	args := map[string]any{"Session": e.SessionCode, "Part": e.Part}
	if !e.At.IsZero() {
		args["Due"] = r.when(lang, e.At, e.TimeZone)
	}
	id := "notify." + string(kind) + ".line"
	switch kind {
	case KindReviewsAssigned:
		args["Count"], args["URL"] = e.Count, r.link(sp+"/reviews")
	case KindDeadline:
		if e.What == DeadlineReview {
			id = "notify.deadline.review"
			args["Count"], args["URL"] = e.Count, r.link(sp+"/reviews")
		} else {
			id = "notify.deadline.submission"
			args["URL"] = r.link(sp + "/parts/" + strconv.Itoa(e.Part))
		}
	case KindGradeAvailable, KindGradeChanged:
		args["URL"] = r.link(sp + "/parts/" + strconv.Itoa(e.Part))
	case KindReviewReplied:
		// The reviewer's own review, where the reply is shown: the mail
		// names the session and part, never the author.
		args["URL"] = r.link("/reviews/" + url.PathEscape(e.Code))
	case KindCertificateIssued:
		args["Level"], args["Code"] = e.Level, e.Code
		args["URL"] = r.link("/certificates/" + url.PathEscape(e.Code))
	case KindQueueNew:
		args["Count"], args["URL"] = e.Count, r.link(sp+"/corrections")
	case KindAccountCreated, KindAccountExists:
		args["URL"] = r.link("/login")
	case KindPasswordReset, KindEmailChange:
		args["URL"], args["Email"] = r.link(LinkPaths[kind]+url.PathEscape(e.Code)), e.Text
	case KindInvitation:
		args["URL"] = r.link(LinkPaths[kind] + url.PathEscape(e.Code))
	case KindMattermost:
		id = "notify.mattermost." + e.What
		switch e.What {
		case PostAssigned:
			args["Submissions"], args["Reviews"] = e.Count, e.Total
		case PostQueue:
			args["Count"], args["Threshold"], args["URL"] = e.Count, e.Total, r.link(sp+"/corrections")
		case PostClosed:
			args["Sentence"], args["URL"] = e.Text, r.link(sp+"/report")
		}
	}
	return r.Texts.T(lang, id, args)
}

// Mail renders an e-mail message for its recipient, in their language:
// the text and its HTML alternative come from the same paragraphs. With an
// unsubscribe link (see UnsubscribeURL), the footer offers it and the mail
// carries it in List-Unsubscribe.
func (r Renderer) Mail(m *Message, to *course.User, unsubscribe string) Mail {
	lang := LangOf(to)
	code := ""
	if len(m.Events) > 0 {
		code = m.Events[0].SessionCode
	}
	c := mailContent{Lang: lang, Greeting: r.Texts.T(lang, "notify.mail.greeting", map[string]any{"Name": to.Name}),
		Footer: []string{r.Texts.T(lang, "notify.mail.footer", map[string]any{"URL": r.link("/account/notifications")})}}
	for _, e := range m.Events {
		c.Paragraphs = append(c.Paragraphs, r.line(lang, m.Kind, e))
	}
	if unsubscribe != "" {
		c.Footer = append(c.Footer, r.Texts.T(lang, "credentials.mail.unsubscribe", map[string]any{
			"Kind": r.Texts.T(lang, "app.notify.kind."+string(m.Kind), nil), "URL": unsubscribe}))
	}
	subject := r.Texts.T(lang, "notify."+string(m.Kind)+".subject", map[string]any{"Session": code})
	c.Subject = subject
	rcpt := to.Email
	if m.Kind == KindEmailChange && len(m.Events) > 0 && m.Events[0].Text != "" {
		rcpt = m.Events[0].Text // the link confirms the address it reaches
	}
	return Mail{To: rcpt, ToName: to.Name, Lang: lang, Body: c.text(), HTML: c.html(), MessageID: r.MessageID(m.ID),
		Subject: subject, Unsubscribe: unsubscribe}
}

// Post renders a Mattermost message in its language.
func (r Renderer) Post(m *Message) string {
	lang := m.Lang
	if lang == "" {
		lang = DefaultLang
	}
	lines := make([]string, 0, len(m.Events))
	for _, e := range m.Events {
		lines = append(lines, r.line(lang, KindMattermost, e))
	}
	return strings.Join(lines, "\n")
}

// MessageID is the Message-ID header of the outbox message id: the same on
// every attempt, so a mail sent twice (a crash between the server's
// acceptance and the "sent" mark) is recognisable as one. It is a hash of
// the ID (128 bits, hex): an outbox ID names the recipient, and no mail
// header may carry a user ID (issue #12).
func (r Renderer) MessageID(id string) string {
	host := "librecours.invalid"
	if u, err := url.Parse(r.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	sum := sha256.Sum256([]byte("librecours/message-id|" + id))
	return "<" + hex.EncodeToString(sum[:16]) + "@" + host + ">"
}
