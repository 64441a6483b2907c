package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Mail is one e-mail, ready to send.
type Mail struct {
	To        string // address
	ToName    string
	Subject   string
	Body      string // plain text, lines separated by \n
	HTML      string // the same message as an HTML document; "" for text only
	Lang      string // Content-Language
	MessageID string // <id@host>, the same on every attempt
	Date      time.Time
	// Unsubscribe is the https link that switches this kind of mail off in
	// one click (RFC 8058); "" for mails that cannot be switched off.
	Unsubscribe string
}

// Mailer sends e-mails.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// permanentError marks a failure that no retry will cure.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as a failure that retrying will not cure: the message
// is given up at once.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// Format writes m as an RFC 5322 message from from: headers folded at
// MaxHeaderLine with encoded-words for what is not ASCII, the text (and its
// HTML alternative, multipart/alternative) in UTF-8 quoted-printable, the
// Message-ID that makes a redelivery recognisable and, for a kind that can
// be switched off, List-Unsubscribe with List-Unsubscribe-Post (RFC 2369,
// RFC 8058).
func (m Mail) Format(from *mail.Address) ([]byte, error) {
	var b bytes.Buffer
	h := func(k, v string) { writeHeader(&b, k, strings.Fields(v)) }
	writeHeader(&b, "From", addressWords("From", from))
	writeHeader(&b, "To", addressWords("To", &mail.Address{Name: m.ToName, Address: m.To}))
	writeHeader(&b, "Subject", textWords("Subject", m.Subject))
	h("Date", m.Date.Format(time.RFC1123Z))
	h("Message-ID", oneLine(m.MessageID))
	h("MIME-Version", "1.0")
	if m.Lang != "" {
		h("Content-Language", oneLine(m.Lang))
	}
	h("Auto-Submitted", "auto-generated")
	if u := oneLine(m.Unsubscribe); u != "" && !strings.ContainsAny(u, "<> ") {
		// The URL is one word: RFC 2369 forbids whitespace inside <>.
		writeHeader(&b, "List-Unsubscribe", []string{"<" + u + ">"})
		h("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	if m.HTML == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, m.Body); err != nil {
			return nil, err
		}
		b.WriteString("\r\n")
		return b.Bytes(), nil
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	// The boundary follows from the Message-ID: every attempt writes the
	// same bytes. Its "=_" cannot occur in quoted-printable text.
	sum := sha256.Sum256([]byte(m.MessageID))
	if err := mw.SetBoundary("=_lc_" + hex.EncodeToString(sum[:12])); err != nil {
		return nil, err
	}
	for _, part := range []struct{ typ, text string }{{"text/plain", m.Body}, {"text/html", m.HTML}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		var qp bytes.Buffer
		if err := writeQP(&qp, part.text); err != nil {
			return nil, err
		}
		if _, err := w.Write(qp.Bytes()); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	writeHeader(&b, "Content-Type", []string{"multipart/alternative;", `boundary="` + mw.Boundary() + `"`})
	b.WriteString("\r\n")
	b.WriteString("This is a message in several formats (MIME).\r\n")
	b.Write(body.Bytes())
	return b.Bytes(), nil
}

// writeQP writes text in quoted-printable, lines ended by CRLF (a
// multipart delimiter brings its own CRLF).
func writeQP(b *bytes.Buffer, text string) error {
	w := quotedprintable.NewWriter(b)
	if _, err := w.Write([]byte(strings.ReplaceAll(text, "\r\n", "\n"))); err != nil {
		return err
	}
	return w.Close()
}

// oneLine keeps header values on one line.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, breakingSpace), " ")
}

// breakingSpace is a space a line may break at: the no-break spaces of
// French typography (U+00A0, U+2007, U+202F) stay inside a word.
func breakingSpace(r rune) bool {
	switch r {
	case '\u00a0', '\u2007', '\u202f':
		return false
	}
	return unicode.IsSpace(r)
}

// TLSMode is how the SMTP connection is protected.
type TLSMode string

// TLS modes.
const (
	TLSStartTLS TLSMode = "starttls" // upgrade when the server offers STARTTLS
	TLSImplicit TLSMode = "tls"      // TLS from the first byte (port 465)
	TLSNone     TLSMode = "none"
)

// ParseTLSMode returns the mode named s, or false.
func ParseTLSMode(s string) (TLSMode, bool) {
	switch m := TLSMode(strings.ToLower(strings.TrimSpace(s))); m {
	case TLSStartTLS, TLSImplicit, TLSNone:
		return m, true
	}
	return "", false
}

// SMTPMailer sends e-mails through an SMTP server.
type SMTPMailer struct {
	Host      string
	Port      int
	Username  string // PLAIN authentication when set
	Password  string
	From      string // "Name <address>" or an address
	TLS       TLSMode
	TLSConfig *tls.Config   // nil: the system's roots, server name Host
	LocalName string        // EHLO name; "localhost" when empty
	Timeout   time.Duration // a whole delivery; 30 s when zero
}

// Send delivers m: one connection, one transaction. A 5xx answer to the
// recipient is permanent; everything else may be retried.
func (s *SMTPMailer) Send(ctx context.Context, m Mail) error {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return Permanent(fmt.Errorf("notify: sender %q: %w", s.From, err))
	}
	msg, err := m.Format(from)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(s.Host, strconv.Itoa(s.Port)))
	if err != nil {
		return fmt.Errorf("notify: smtp dial: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() }) // unblocks a stuck server
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	tc := s.tlsConfig()
	if s.TLS == TLSImplicit {
		tconn := tls.Client(conn, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("notify: smtp tls: %w", err)
		}
		conn = tconn
	}
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return fmt.Errorf("notify: smtp greeting: %w", err)
	}
	defer c.Close()
	name := s.LocalName
	if name == "" {
		name = "localhost"
	}
	if err := c.Hello(name); err != nil {
		return fmt.Errorf("notify: smtp hello: %w", err)
	}
	if s.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tc); err != nil {
				return fmt.Errorf("notify: smtp starttls: %w", err)
			}
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return fmt.Errorf("notify: smtp auth: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("notify: smtp mail from: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		var te *textproto.Error
		if errors.As(err, &te) && te.Code >= 500 {
			return Permanent(fmt.Errorf("notify: smtp recipient refused: %w", err))
		}
		return fmt.Errorf("notify: smtp rcpt to: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("notify: smtp data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("notify: smtp data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("notify: smtp data: %w", err)
	}
	_ = c.Quit() // the server accepted the mail: a failing QUIT changes nothing
	return nil
}

func (s *SMTPMailer) tlsConfig() *tls.Config {
	if s.TLSConfig != nil {
		c := s.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = s.Host
		}
		c.MinVersion = max(c.MinVersion, tls.VersionTLS12)
		return c
	}
	return &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

// LogMailer writes e-mails to the log instead of sending them: the platform
// without SMTP configured.
type LogMailer struct {
	Log *slog.Logger
}

// Send logs m.
func (l LogMailer) Send(ctx context.Context, m Mail) error {
	l.Log.InfoContext(ctx, "mail (no SMTP configured)", "to", m.To, "subject", m.Subject, "lang", m.Lang,
		"message_id", m.MessageID, "body", m.Body)
	return nil
}
