package notify_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/notify"
)

var testKey = []byte("0123456789abcdef0123456789abcdef-test-key")

// parsedMail is a formatted mail read back with net/mail and mime/multipart.
type parsedMail struct {
	Header          mail.Header
	Subject         string
	From, To        *mail.Address
	Text, HTML      string
	PartTypes       []string
	LongLines       []string // header lines over MaxHeaderLine (but List-Unsubscribe)
	UnsubscribeLine string
}

func parseMail(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	var p parsedMail
	head, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("no end of headers:\n%s", raw)
	}
	for _, l := range strings.Split(string(head), "\r\n") {
		switch {
		case strings.HasPrefix(l, "List-Unsubscribe:"):
			p.UnsubscribeLine = l
		case len(l) > notify.MaxHeaderLine:
			p.LongLines = append(p.LongLines, l)
		}
		if strings.ContainsAny(l, "\r\n") || (!isASCII(l)) {
			t.Errorf("header line not 7-bit: %q", l)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	p.Header = msg.Header
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("subject %q: %v", msg.Header.Get("Subject"), err)
	}
	from, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil {
		t.Fatalf("From %q: %v", msg.Header.Get("From"), err)
	}
	to, err := mail.ParseAddress(msg.Header.Get("To"))
	if err != nil {
		t.Fatalf("To %q: %v", msg.Header.Get("To"), err)
	}
	p.From, p.To = from, to
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		pt, pp, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		p.PartTypes = append(p.PartTypes, pt+";"+pp["charset"])
		text := strings.ReplaceAll(string(b), "\r\n", "\n")
		switch pt {
		case "text/plain":
			p.Text = text
		case "text/html":
			p.HTML = text
		}
	}
	return p
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > '~' {
			return false
		}
	}
	return true
}

// TestMailFormat reads formatted mails back with net/mail and
// mime/multipart: folded headers of at most 76 characters with
// encoded-words, the same subject and names after decoding, a text and an
// HTML part, and the one-click unsubscribe headers.
func TestMailFormat(t *testing.T) {
	unsub := "https://cours.example.org" + notify.UnsubscribePath + notify.UnsubscribeToken(testKey, "0123456789abcdef0123456789abcdef", notify.KindDeadline)
	for _, tc := range []struct {
		name, subject, toName, fromName string
	}{
		{"short ASCII", "Hello", "Sam Smith", "Libre cours"},
		{"French subject of 83 characters", "Libre cours : des évaluations vous attendent (LCIII-2026-printemps-groupe-B)", "Léa Dupont", "Libre cours"},
		{"long accented subject", strings.Repeat("Échéance dépassée, évaluations à rendre ", 4), "Émilie-Éléonore de La Rochefoucauld-Liancourt", "Plateforme « Libre cours » de l’association"},
		{"long ASCII subject", strings.Repeat("Libre cours: reviews are waiting for you ", 3), `Sam "the reviewer" O'Brien, Jr.`, "Libre cours"},
		{"emoji and CJK", "📚 課程 " + strings.Repeat("é", 60), "山田 太郎", "Libre cours"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := notify.Mail{To: "lea@example.org", ToName: tc.toName, Subject: tc.subject, Lang: "fr",
				Body:      "Bonjour,\n\nUne ligne accentuée : é à ç, " + strings.Repeat("très longue ", 12) + "\nhttps://cours.example.org/sessions/s1\n",
				HTML:      "<p>Bonjour é</p>",
				MessageID: "<deadline.u1.2026-03-01@cours.example.org>", Date: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC),
				Unsubscribe: unsub}
			raw, err := m.Format(&mail.Address{Name: tc.fromName, Address: "noreply@cours.example.org"})
			if err != nil {
				t.Fatal(err)
			}
			p := parseMail(t, raw)
			if len(p.LongLines) > 0 {
				t.Errorf("header lines over %d characters:\n%s", notify.MaxHeaderLine, strings.Join(p.LongLines, "\n"))
			}
			if p.Subject != strings.Join(strings.Fields(tc.subject), " ") {
				t.Errorf("subject %q, want %q", p.Subject, tc.subject)
			}
			if p.From.Name != tc.fromName || p.From.Address != "noreply@cours.example.org" || p.To.Name != tc.toName || p.To.Address != "lea@example.org" {
				t.Errorf("From %+v To %+v", p.From, p.To)
			}
			if diff := cmp.Diff([]string{"text/plain;utf-8", "text/html;utf-8"}, p.PartTypes); diff != "" {
				t.Errorf("parts (-want +got):\n%s", diff)
			}
			if want := strings.ReplaceAll(m.Body, "\r\n", "\n"); p.Text != want {
				t.Errorf("text %q, want %q", p.Text, want)
			}
			if !strings.Contains(p.HTML, "<p>Bonjour é</p>") {
				t.Errorf("html %q", p.HTML)
			}
			if got := p.Header.Get("List-Unsubscribe"); got != "<"+unsub+">" || p.UnsubscribeLine != "List-Unsubscribe: <"+unsub+">" {
				t.Errorf("List-Unsubscribe %q (line %q), want <%s>", got, p.UnsubscribeLine, unsub)
			}
			if got := p.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
				t.Errorf("List-Unsubscribe-Post %q", got)
			}
			again, err := m.Format(&mail.Address{Name: tc.fromName, Address: "noreply@cours.example.org"})
			if err != nil || !bytes.Equal(raw, again) {
				t.Errorf("two attempts write different bytes (%v)", err)
			}
		})
	}
}

// TestMailFormatTextOnly: a mail without HTML and without an unsubscribe
// link (an account e-mail) is one text/plain part without List-* headers.
func TestMailFormatTextOnly(t *testing.T) {
	m := notify.Mail{To: "a@example.org", Subject: "Libre cours : votre compte est prêt", Body: "Bonjour\n", MessageID: "<x@y>"}
	raw, err := m.Format(&mail.Address{Address: "noreply@cours.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	for _, h := range []string{"List-Unsubscribe", "List-Unsubscribe-Post"} {
		if v := msg.Header.Get(h); v != "" {
			t.Errorf("%s: %q", h, v)
		}
	}
}

func TestUnsubscribeToken(t *testing.T) {
	const uid = "65f0c0ffee0123456789abcd"
	tok := notify.UnsubscribeToken(testKey, uid, notify.KindGradeAvailable)
	gotUID, kind, err := notify.ParseUnsubscribeToken(testKey, tok)
	if err != nil || gotUID != uid || kind != notify.KindGradeAvailable {
		t.Fatalf("round trip: %q %q %v", gotUID, kind, err)
	}
	if strings.ContainsAny(tok, "/?#% ") || url.PathEscape(tok) != tok {
		t.Errorf("token %q is not one clean path segment", tok)
	}
	if again := notify.UnsubscribeToken(testKey, uid, notify.KindGradeAvailable); again != tok {
		t.Errorf("token not stable: %q then %q", tok, again)
	}
	// The person is sealed: neither the ID nor its base64 shows.
	if strings.Contains(tok, uid) || strings.Contains(tok, base64.RawURLEncoding.EncodeToString([]byte(uid))) {
		t.Errorf("token %q shows the user ID", tok)
	}
	// Links sent before tokens were sealed (kind.base64(uid).MAC) still work.
	mac := hmac.New(sha256.New, testKey)
	mac.Write([]byte("librecours/unsubscribe|" + string(notify.KindDeadline) + "|" + uid))
	legacy := string(notify.KindDeadline) + "." + base64.RawURLEncoding.EncodeToString([]byte(uid)) + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
	if gotUID, kind, err := notify.ParseUnsubscribeToken(testKey, legacy); err != nil || gotUID != uid || kind != notify.KindDeadline {
		t.Errorf("legacy token: %q %q %v", gotUID, kind, err)
	}
	lp := strings.Split(legacy, ".")
	parts := strings.Split(tok, ".")
	otherUser := notify.UnsubscribeToken(testKey, "someone-else", notify.KindGradeAvailable)
	sealed, _ := base64.RawURLEncoding.DecodeString(parts[1])
	sealed[len(sealed)-1] ^= 1
	for name, bad := range map[string]string{
		"another kind, same seal":       string(notify.KindDeadline) + "." + parts[1],
		"seal changed":                  parts[0] + "." + base64.RawURLEncoding.EncodeToString(sealed),
		"seal cut":                      parts[0] + "." + parts[1][:10],
		"another key":                   notify.UnsubscribeToken([]byte("another key of at least thirty-two bytes"), uid, notify.KindGradeAvailable),
		"account kind":                  notify.UnsubscribeToken(testKey, uid, notify.KindAccountCreated),
		"unknown kind":                  "everything." + parts[1],
		"empty":                         "",
		"not base64":                    parts[0] + ".!!",
		"extra part":                    legacy + ".x",
		"legacy, another kind":          string(notify.KindGradeAvailable) + "." + lp[1] + "." + lp[2],
		"legacy, another person":        lp[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("someone-else")) + "." + lp[2],
		"legacy, MAC changed":           lp[0] + "." + lp[1] + "." + strings.ToUpper(lp[2][:1]) + lp[2][1:] + "x",
		"another person's seal, legacy": parts[0] + "." + strings.Split(otherUser, ".")[1] + "." + lp[2],
	} {
		if _, _, err := notify.ParseUnsubscribeToken(testKey, bad); !errors.Is(err, notify.ErrNotFound) {
			t.Errorf("%s (%q): %v, want ErrNotFound", name, bad, err)
		}
	}
	if _, _, err := notify.ParseUnsubscribeToken(testKey[:16], notify.UnsubscribeToken(testKey[:16], uid, notify.KindDeadline)); !errors.Is(err, notify.ErrNotFound) {
		t.Errorf("a 16-byte key is accepted: %v", err)
	}
}

// No mail header carries the recipient's user ID: the Message-ID is a hash
// of the outbox ID (which names the person), stable across attempts.
func TestMessageIDHidesTheUser(t *testing.T) {
	const uid = "0123456789abcdef0123456789abcdef"
	r := notify.Renderer{BaseURL: "https://cours.example.org"}
	id := notify.MailID(notify.KindDeadline, uid, "2026-03-01")
	got := r.MessageID(id)
	if strings.Contains(got, uid) || !strings.HasSuffix(got, "@cours.example.org>") || len(got) != len("<@cours.example.org>")+32 {
		t.Errorf("Message-ID %q", got)
	}
	if again := r.MessageID(id); again != got {
		t.Errorf("Message-ID not stable: %q then %q", got, again)
	}
	if other := r.MessageID(notify.MailID(notify.KindDeadline, uid, "2026-03-02")); other == got {
		t.Errorf("two messages share Message-ID %q", got)
	}
}

// TestOneClickUnsubscribe follows a mail's List-Unsubscribe link: its
// token names the recipient and the kind, and unsubscribing switches that
// kind alone off, so the next event of that kind queues nothing.
func TestOneClickUnsubscribe(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if _, err := r.outbox.Email(ctx, notify.KindDeadline, "u-fr", event("k1", 1)); err != nil {
		t.Fatal(err)
	}
	r.deliver(t)
	msgs := r.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails", len(msgs))
	}
	link := strings.Trim(msgs[0].Header.Get("List-Unsubscribe"), "<>")
	prefix := "https://librecours.test" + notify.UnsubscribePath
	if !strings.HasPrefix(link, prefix) {
		t.Fatalf("List-Unsubscribe %q", link)
	}
	if !strings.Contains(msgs[0].Body, "credentials.mail.unsubscribe Kind=[fr] app.notify.kind.deadline URL="+link) ||
		!strings.Contains(msgs[0].HTML, `<a href="`+link+`">`) {
		t.Errorf("the footer lacks the link:\n%s\n%s", msgs[0].Body, msgs[0].HTML)
	}
	uid, kind, err := notify.ParseUnsubscribeToken(testKey, strings.TrimPrefix(link, prefix))
	if err != nil || uid != "u-fr" || kind != notify.KindDeadline {
		t.Fatalf("token: %q %q %v", uid, kind, err)
	}
	p, err := r.outbox.Unsubscribe(ctx, uid, kind)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]notify.Kind{notify.KindDeadline}, p.Off); diff != "" {
		t.Errorf("off (-want +got):\n%s", diff)
	}
	r.clk.Add(24 * time.Hour)
	if got, err := r.outbox.Email(ctx, notify.KindDeadline, "u-fr", event("k2", 2)); err != nil || got != notify.Skipped {
		t.Errorf("deadline after unsubscribing: %v %v, want skipped", got, err)
	}
	if got, err := r.outbox.Email(ctx, notify.KindGradeAvailable, "u-fr", event("k3", 2)); err != nil || got != notify.Queued {
		t.Errorf("another kind: %v %v, want queued", got, err)
	}
	if _, err := r.outbox.Unsubscribe(ctx, uid, notify.KindAccountCreated); err == nil {
		t.Error("an account mail was switched off")
	}
}

// TestMailHTMLEscapes: the HTML alternative escapes what people typed (a
// name) and makes the platform's URLs links.
func TestMailHTMLEscapes(t *testing.T) {
	r := newRig(t)
	defer delete(people, "u-evil")
	ctx := context.Background()
	evil := *people["u-fr"]
	evil.ID, evil.Name, evil.Email = "u-evil", `<script>alert("x")</script> Ève`, "eve@example.org"
	people["u-evil"] = &evil
	if _, err := r.outbox.Email(ctx, notify.KindGradeAvailable, "u-evil", event("k", 1)); err != nil {
		t.Fatal(err)
	}
	r.deliver(t)
	m := r.smtp.Messages()[0]
	if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") {
		t.Errorf("name not escaped:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, `<a href="https://librecours.test/sessions/s1/parts/1">https://librecours.test/sessions/s1/parts/1</a>`) {
		t.Errorf("no link:\n%s", m.HTML)
	}
	if !strings.Contains(m.HTML, `<html lang="fr">`) {
		t.Errorf("no language:\n%s", m.HTML)
	}
}
