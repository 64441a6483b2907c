package notifytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMTPMessage is a mail the test server accepted.
type SMTPMessage struct {
	From   string
	To     []string
	Auth   string // the user who authenticated, "" when none
	TLS    bool   // the transaction ran over TLS
	Raw    []byte
	Header mail.Header
	Body   string // the decoded text, lines separated by \n
	HTML   string // the decoded text/html alternative, if any
}

// SMTPOptions configure a test SMTP server.
type SMTPOptions struct {
	Users    map[string]string // AUTH PLAIN is offered when set: user → password
	StartTLS *tls.Config       // STARTTLS is offered when set
	Implicit *tls.Config       // TLS from the first byte when set
}

// SMTPServer is an SMTP server on loopback that records what it accepts. It
// speaks EHLO, HELO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP and
// QUIT, and can be told to refuse.
type SMTPServer struct {
	Addr string
	opts SMTPOptions
	ln   net.Listener
	wg   sync.WaitGroup

	mu         sync.Mutex
	msgs       []SMTPMessage
	failData   []int          // answers to the next DATA commands
	rejectRcpt map[string]int // recipient → answer code
	conns      int
	gate       *gate
}

type gate struct{ arrived, release chan struct{} }

// Block holds the next DATA before the server answers it: arrived is closed
// once the mail is in, and release lets the server answer (and record it).
func (s *SMTPServer) Block() (arrived <-chan struct{}, release func()) {
	g := &gate{arrived: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	s.gate = g
	s.mu.Unlock()
	var once sync.Once
	return g.arrived, func() { once.Do(func() { close(g.release) }) }
}

// StartSMTP starts a server on 127.0.0.1; it stops when the test ends.
func StartSMTP(t testing.TB, o SMTPOptions) *SMTPServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.Implicit != nil {
		ln = tls.NewListener(ln, o.Implicit)
	}
	s := &SMTPServer{Addr: ln.Addr().String(), opts: o, ln: ln, rejectRcpt: map[string]int{}}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.Close)
	return s
}

// Host and Port of the server.
func (s *SMTPServer) Host() string { h, _, _ := net.SplitHostPort(s.Addr); return h }

// Port of the server.
func (s *SMTPServer) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Close stops the server and waits for its connections.
func (s *SMTPServer) Close() {
	_ = s.ln.Close()
	s.wg.Wait()
}

// FailData makes the next DATA commands answer with these codes (451: try
// again later) instead of accepting the mail.
func (s *SMTPServer) FailData(codes ...int) {
	s.mu.Lock()
	s.failData = append(s.failData, codes...)
	s.mu.Unlock()
}

// RejectRcpt makes RCPT TO:<addr> answer code.
func (s *SMTPServer) RejectRcpt(addr string, code int) {
	s.mu.Lock()
	s.rejectRcpt[strings.ToLower(addr)] = code
	s.mu.Unlock()
}

// Messages returns the mails accepted so far.
func (s *SMTPServer) Messages() []SMTPMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMTPMessage(nil), s.msgs...)
}

// Connections is how many connections the server took.
func (s *SMTPServer) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

func (s *SMTPServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
		}()
	}
}

func (s *SMTPServer) serve(conn net.Conn) {
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	tp := textproto.NewConn(conn)
	reply := func(format string, args ...any) bool { return tp.PrintfLine(format, args...) == nil }
	if !reply("220 notifytest ESMTP") {
		return
	}
	var from, user string
	var to []string
	tlsOn := s.opts.Implicit != nil
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ext := []string{"notifytest", "8BITMIME", "PIPELINING"}
			if s.opts.StartTLS != nil && !tlsOn {
				ext = append(ext, "STARTTLS")
			}
			if s.opts.Users != nil {
				ext = append(ext, "AUTH PLAIN")
			}
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				if !reply("250%s%s", sep, e) {
					return
				}
			}
		case "HELO":
			reply("250 notifytest")
		case "STARTTLS":
			if s.opts.StartTLS == nil || tlsOn {
				reply("502 not offered")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(conn, s.opts.StartTLS)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, tp, tlsOn = tc, textproto.NewConn(tc), true
			from, to, user = "", nil, ""
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if s.opts.Users == nil || !strings.EqualFold(mech, "PLAIN") {
				reply("504 unrecognized mechanism")
				continue
			}
			b, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if err != nil || len(parts) != 3 || s.opts.Users[parts[1]] == "" || s.opts.Users[parts[1]] != parts[2] {
				reply("535 authentication failed")
				continue
			}
			user = parts[1]
			reply("235 authenticated")
		case "MAIL":
			from = addrOf(arg)
			to = nil
			reply("250 ok")
		case "RCPT":
			a := addrOf(arg)
			s.mu.Lock()
			code := s.rejectRcpt[strings.ToLower(a)]
			s.mu.Unlock()
			if code != 0 {
				reply("%d recipient refused", code)
				continue
			}
			to = append(to, a)
			reply("250 ok")
		case "DATA":
			if from == "" || len(to) == 0 {
				reply("503 need MAIL and RCPT first")
				continue
			}
			reply("354 end with .")
			raw, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			g := s.gate
			s.gate = nil
			s.mu.Unlock()
			if g != nil {
				close(g.arrived)
				select {
				case <-g.release:
				case <-time.After(30 * time.Second):
				}
			}
			s.mu.Lock()
			var fail int
			if len(s.failData) > 0 {
				fail, s.failData = s.failData[0], s.failData[1:]
			}
			if fail == 0 {
				s.msgs = append(s.msgs, parse(from, to, user, tlsOn, raw))
			}
			s.mu.Unlock()
			if fail != 0 {
				reply("%d try again later", fail)
			} else {
				reply("250 accepted")
			}
			from, to = "", nil
		case "RSET":
			from, to = "", nil
			reply("250 ok")
		case "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown command")
		}
	}
}

// addrOf reads the address of "FROM:<a>" or "TO:<a> PARAM".
func addrOf(arg string) string {
	_, rest, _ := strings.Cut(arg, ":")
	rest = strings.TrimSpace(rest)
	if i := strings.IndexByte(rest, '>'); strings.HasPrefix(rest, "<") && i > 0 {
		return rest[1:i]
	}
	return rest
}

func parse(from string, to []string, user string, tlsOn bool, raw []byte) SMTPMessage {
	m := SMTPMessage{From: from, To: to, Auth: user, TLS: tlsOn, Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return m
	}
	m.Header = msg.Header
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		m.Body = decodePart(msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return m
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			return m
		}
		text := decodePart(p.Header.Get("Content-Transfer-Encoding"), p)
		switch pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); pt {
		case "text/plain":
			m.Body = text
		case "text/html":
			m.HTML = text
		}
	}
}

// decodePart reads a body in its transfer encoding, lines ended by \n.
func decodePart(cte string, body io.Reader) string {
	if strings.EqualFold(cte, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, _ := io.ReadAll(body)
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// TLSPair returns a server configuration with a fresh self-signed
// certificate for 127.0.0.1 and a client configuration that trusts it.
func TLSPair(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "notifytest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return server, client
}
