// Package config reads the platform's configuration from the environment,
// once, at start (LIBRECOURS_* and MONGODB_URI; see README.md).
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"librecours/notify"
)

// Config is read once from the environment at start and validated.
type Config struct {
	Addr             string // LIBRECOURS_ADDR
	DataDir          string // LIBRECOURS_DATA
	MongoURI         string // MONGODB_URI
	Database         string // LIBRECOURS_DB_NAME
	BaseURL          string // LIBRECOURS_BASE_URL
	AdminEmail       string // LIBRECOURS_ADMIN_EMAIL
	AdminPassword    string // LIBRECOURS_ADMIN_PASSWORD or _FILE
	AdminName        string // LIBRECOURS_ADMIN_NAME
	TimeZone         string // LIBRECOURS_TIMEZONE
	SelfRegistration bool   // LIBRECOURS_SELF_REGISTRATION
	// WebhookAllowPrivate lets Mattermost webhooks reach loopback, private
	// and link-local addresses (LIBRECOURS_WEBHOOK_ALLOW_PRIVATE).
	WebhookAllowPrivate bool
	Organisation        string // LIBRECOURS_ORGANISATION
	LogLevel            slog.Level
	LogFormat           string        // LIBRECOURS_LOG_FORMAT: text or json
	SessionIdle         time.Duration // LIBRECOURS_SESSION_IDLE
	SessionMax          time.Duration // LIBRECOURS_SESSION_MAX
	TokenTTL            time.Duration // LIBRECOURS_TOKEN_TTL
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (LIBRECOURS_TRUSTED_PROXIES: addresses or CIDR ranges).
	TrustedProxies []netip.Prefix

	// Mail: without SMTPHost, e-mails are written to the log.
	SMTPHost       string         // LIBRECOURS_SMTP_HOST
	SMTPPort       int            // LIBRECOURS_SMTP_PORT
	SMTPUsername   string         // LIBRECOURS_SMTP_USERNAME (PLAIN authentication when set)
	SMTPPassword   string         // LIBRECOURS_SMTP_PASSWORD or _FILE
	SMTPFrom       string         // LIBRECOURS_SMTP_FROM
	SMTPTLS        notify.TLSMode // LIBRECOURS_SMTP_TLS: starttls, tls or none
	NotifyInterval time.Duration  // LIBRECOURS_NOTIFY_INTERVAL: how often the outbox is delivered

	// Metrics: /metrics is served only when one of these is set.
	MetricsAddr  string // LIBRECOURS_METRICS_ADDR: a separate listener for /metrics
	MetricsToken string // LIBRECOURS_METRICS_TOKEN or _FILE: the bearer token /metrics asks for
}

// MetricsEnabled reports whether /metrics is served.
func (c Config) MetricsEnabled() bool { return c.MetricsAddr != "" || c.MetricsToken != "" }

// minMetricsToken is the shortest bearer token accepted for /metrics.
const minMetricsToken = 16

// Secure reports whether the platform is served over https.
func (c Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// Embedded reports whether the platform runs its own database.
func (c Config) Embedded() bool { return c.MongoURI == "" }

// durationFloors are the shortest durations accepted: below them a value is
// a slip (1ns, 30s for a sign-in), and the outbox's pace would run its loop
// without a pause, taking a core and the database's writer.
var durationFloors = map[string]time.Duration{
	"LIBRECOURS_NOTIFY_INTERVAL": time.Second,
	"LIBRECOURS_SESSION_IDLE":    time.Minute,
	"LIBRECOURS_SESSION_MAX":     time.Minute,
	"LIBRECOURS_TOKEN_TTL":       time.Minute,
}

// FromEnv reads the configuration; getenv is os.Getenv outside tests.
func FromEnv(getenv func(string) string) (Config, error) {
	str := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	var errs []error
	dur := func(k string, def time.Duration) time.Duration {
		v := getenv(k)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a positive duration such as 30m or 12h", k, v))
			return def
		}
		if least := durationFloors[k]; d < least {
			errs = append(errs, fmt.Errorf("%s: %q is shorter than %s", k, v, least))
			return def
		}
		return d
	}
	c := Config{
		Addr:          str("LIBRECOURS_ADDR", "localhost:8080"),
		DataDir:       str("LIBRECOURS_DATA", "./data"),
		MongoURI:      str("MONGODB_URI", ""),
		Database:      str("LIBRECOURS_DB_NAME", "librecours"),
		BaseURL:       strings.TrimRight(str("LIBRECOURS_BASE_URL", ""), "/"),
		AdminEmail:    str("LIBRECOURS_ADMIN_EMAIL", ""),
		AdminName:     str("LIBRECOURS_ADMIN_NAME", "Coordination"),
		TimeZone:      str("LIBRECOURS_TIMEZONE", "Europe/Paris"),
		Organisation:  str("LIBRECOURS_ORGANISATION", "Picasoft"),
		SessionIdle:   dur("LIBRECOURS_SESSION_IDLE", 2*time.Hour),
		SessionMax:    dur("LIBRECOURS_SESSION_MAX", 7*24*time.Hour),
		TokenTTL:      dur("LIBRECOURS_TOKEN_TTL", 30*24*time.Hour),
		AdminPassword: getenv("LIBRECOURS_ADMIN_PASSWORD"),
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	if f := str("LIBRECOURS_ADMIN_PASSWORD_FILE", ""); f != "" {
		b, err := os.ReadFile(f) // #nosec G304 -- the path is the operator's LIBRECOURS_ADMIN_PASSWORD_FILE
		if err != nil {
			errs = append(errs, fmt.Errorf("LIBRECOURS_ADMIN_PASSWORD_FILE: %w", err))
		}
		c.AdminPassword = strings.TrimRight(string(b), "\r\n")
	}
	switch v := strings.ToLower(str("LIBRECOURS_SELF_REGISTRATION", "true")); v {
	case "true", "1", "yes", "on":
		c.SelfRegistration = true
	case "false", "0", "no", "off":
	default:
		errs = append(errs, fmt.Errorf("LIBRECOURS_SELF_REGISTRATION: %q is not true or false", v))
	}
	switch v := strings.ToLower(str("LIBRECOURS_WEBHOOK_ALLOW_PRIVATE", "false")); v {
	case "true", "1", "yes", "on":
		c.WebhookAllowPrivate = true
	case "false", "0", "no", "off", "":
	default:
		errs = append(errs, fmt.Errorf("LIBRECOURS_WEBHOOK_ALLOW_PRIVATE: %q is not true or false", v))
	}
	if err := c.LogLevel.UnmarshalText([]byte(str("LIBRECOURS_LOG_LEVEL", "info"))); err != nil {
		errs = append(errs, fmt.Errorf("LIBRECOURS_LOG_LEVEL: %w", err))
	}
	if ps, err := ParseProxies(getenv("LIBRECOURS_TRUSTED_PROXIES")); err != nil {
		errs = append(errs, fmt.Errorf("LIBRECOURS_TRUSTED_PROXIES: %w", err))
	} else {
		c.TrustedProxies = ps
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("LIBRECOURS_ADDR: %q is not host:port", c.Addr))
	} else if _, err := net.LookupPort("tcp", port); err != nil {
		errs = append(errs, fmt.Errorf("LIBRECOURS_ADDR: %q: %q is not a port (0 to 65535)", c.Addr, port))
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("LIBRECOURS_BASE_URL: %q is not an http(s) URL", c.BaseURL))
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil {
		errs = append(errs, fmt.Errorf("LIBRECOURS_TIMEZONE: %w", err))
	}
	errs = append(errs, c.readMail(str, dur)...)
	errs = append(errs, c.readOperations(str)...)
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		errs = append(errs, errors.New("LIBRECOURS_ADMIN_EMAIL and LIBRECOURS_ADMIN_PASSWORD(_FILE) go together"))
	}
	return c, errors.Join(errs...)
}

// readMail reads the SMTP settings and the outbox's pace.
func (c *Config) readMail(str func(k, def string) string, dur func(k string, def time.Duration) time.Duration) []error {
	var errs []error
	c.SMTPHost = str("LIBRECOURS_SMTP_HOST", "")
	c.SMTPUsername = str("LIBRECOURS_SMTP_USERNAME", "")
	c.SMTPPassword = str("LIBRECOURS_SMTP_PASSWORD", "")
	c.NotifyInterval = dur("LIBRECOURS_NOTIFY_INTERVAL", 15*time.Second)
	if f := str("LIBRECOURS_SMTP_PASSWORD_FILE", ""); f != "" {
		b, err := os.ReadFile(f) // #nosec G304 -- the path is the operator's LIBRECOURS_SMTP_PASSWORD_FILE
		if err != nil {
			errs = append(errs, fmt.Errorf("LIBRECOURS_SMTP_PASSWORD_FILE: %w", err))
		}
		c.SMTPPassword = strings.TrimRight(string(b), "\r\n")
	}
	port, err := strconv.Atoi(str("LIBRECOURS_SMTP_PORT", "587"))
	if err != nil || port < 1 || port > 65535 {
		errs = append(errs, fmt.Errorf("LIBRECOURS_SMTP_PORT: %q is not a port number", str("LIBRECOURS_SMTP_PORT", "")))
	}
	c.SMTPPort = port
	mode, ok := notify.ParseTLSMode(str("LIBRECOURS_SMTP_TLS", "starttls"))
	if !ok {
		errs = append(errs, fmt.Errorf("LIBRECOURS_SMTP_TLS: %q is not starttls, tls or none", str("LIBRECOURS_SMTP_TLS", "")))
	}
	c.SMTPTLS = mode
	host := ""
	if u, err := url.Parse(c.BaseURL); err == nil {
		host = u.Hostname()
	}
	c.SMTPFrom = str("LIBRECOURS_SMTP_FROM", "")
	switch {
	case c.SMTPFrom != "":
		a, err := mail.ParseAddress(c.SMTPFrom)
		if err != nil {
			errs = append(errs, fmt.Errorf("LIBRECOURS_SMTP_FROM: %q is not an e-mail address", c.SMTPFrom))
		} else if _, domain, _ := strings.Cut(a.Address, "@"); c.SMTPHost != "" && !mailDomain(domain) {
			errs = append(errs, fmt.Errorf("LIBRECOURS_SMTP_FROM: %q: %q is not a domain name that mail servers accept", c.SMTPFrom, domain))
		}
	case mailDomain(host):
		c.SMTPFrom = "Libre cours <noreply@" + host + ">"
	case c.SMTPHost != "":
		// No sender would be accepted (noreply@127.0.0.1, noreply@localhost):
		// refuse to start rather than have every mail bounce.
		errs = append(errs, fmt.Errorf("LIBRECOURS_SMTP_FROM: required with LIBRECOURS_SMTP_HOST, since the base URL's host %q is not a domain name to send from", host))
	}
	if (c.SMTPUsername == "") != (c.SMTPPassword == "") {
		errs = append(errs, errors.New("LIBRECOURS_SMTP_USERNAME and LIBRECOURS_SMTP_PASSWORD(_FILE) go together"))
	}
	if c.SMTPHost != "" && c.SMTPUsername != "" && c.SMTPTLS == notify.TLSNone && !loopback(c.SMTPHost) {
		errs = append(errs, errors.New("LIBRECOURS_SMTP_TLS: none would send the SMTP password in clear; use starttls or tls"))
	}
	return errs
}

// mailDomain reports whether domain can end a sender address that mail
// servers accept: a DNS name of two labels or more, not an IP address (an
// address literal) nor a name only this network knows (localhost, .local,
// .localhost, .internal, .invalid).
func mailDomain(domain string) bool {
	d := strings.ToLower(strings.TrimSuffix(domain, "."))
	if d == "" || len(d) > 253 || net.ParseIP(strings.Trim(d, "[]")) != nil || !strings.Contains(d, ".") {
		return false
	}
	for _, suffix := range []string{".localhost", ".local", ".internal", ".invalid", ".localdomain"} {
		if strings.HasSuffix(d, suffix) {
			return false
		}
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// loopback reports whether host is this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readOperations reads the log format and the metrics settings.
func (c *Config) readOperations(str func(k, def string) string) []error {
	var errs []error
	switch c.LogFormat = strings.ToLower(str("LIBRECOURS_LOG_FORMAT", "text")); c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("LIBRECOURS_LOG_FORMAT: %q is not text or json", c.LogFormat))
	}
	c.MetricsAddr = str("LIBRECOURS_METRICS_ADDR", "")
	c.MetricsToken = str("LIBRECOURS_METRICS_TOKEN", "")
	if f := str("LIBRECOURS_METRICS_TOKEN_FILE", ""); f != "" {
		b, err := os.ReadFile(f) // #nosec G304 -- the path is the operator's LIBRECOURS_METRICS_TOKEN_FILE
		if err != nil {
			errs = append(errs, fmt.Errorf("LIBRECOURS_METRICS_TOKEN_FILE: %w", err))
		}
		c.MetricsToken = strings.TrimSpace(string(b))
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < minMetricsToken {
		errs = append(errs, fmt.Errorf("LIBRECOURS_METRICS_TOKEN: at least %d characters (openssl rand -hex 32 makes one)", minMetricsToken))
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("LIBRECOURS_METRICS_ADDR: %q is not host:port", c.MetricsAddr))
		} else if c.MetricsAddr == c.Addr {
			errs = append(errs, errors.New("LIBRECOURS_METRICS_ADDR: must differ from LIBRECOURS_ADDR (leave it unset to serve /metrics there, with a token)"))
		}
	}
	return errs
}

// ParseProxies reads LIBRECOURS_TRUSTED_PROXIES: addresses or CIDR ranges,
// separated by commas or spaces.
func ParseProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR range", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
