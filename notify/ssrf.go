package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"librecours/course"
)

// ErrInternalAddress means a webhook resolves to an address of the server's
// own machine or network (loopback, private, link-local, CGNAT, cloud
// metadata...): the platform never posts there unless the operator allows it
// (LIBRECOURS_WEBHOOK_ALLOW_PRIVATE, for a Mattermost on the same network).
var ErrInternalAddress = errors.New("notify: webhook address is internal")

// blockedPrefixes are the ranges beyond netip's own predicates (loopback,
// private, link-local, multicast, unspecified) that a webhook may not reach.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT, shared address space
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64 of any IPv4, internal ones included
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
}

// blockedHosts are names that reach cloud metadata or the machine itself.
var blockedHosts = []string{"localhost", "metadata.google.internal", "metadata", "instance-data"}

// internalAddr reports whether a is an address a webhook may not reach.
func internalAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// internalHost reports whether a URL's host names an internal address
// without a DNS lookup: an internal IP literal, an IPv4 address in a legacy
// form (2130706433, 0x7f.1, 017700000001) that some resolvers accept, or a
// local or metadata name. What DNS answers is checked when connecting.
func internalHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return internalAddr(a)
	}
	for _, b := range blockedHosts {
		if host == b || strings.HasSuffix(host, "."+b) {
			return true
		}
	}
	if strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") || strings.HasSuffix(host, ".internal") {
		return true
	}
	// Every label numeric (decimal, octal or hex): an IPv4 address written
	// the old way, which no public name looks like.
	numeric := true
	for _, label := range strings.Split(host, ".") {
		if label == "" || strings.TrimLeft(strings.TrimPrefix(label, "0x"), "0123456789abcdef") != "" ||
			(!strings.HasPrefix(label, "0x") && strings.Trim(label, "0123456789") != "") {
			numeric = false
			break
		}
	}
	return numeric
}

// checkWebhookHost refuses, unless allowPrivate, a webhook URL whose host is
// internal (see internalHost).
func checkWebhookHost(host string, allowPrivate bool) error {
	if !allowPrivate && internalHost(host) {
		return course.Invalid("url", "notify.webhook.url_internal")
	}
	return nil
}

// guardedClient is the HTTP client webhooks are posted with: no proxy from
// the environment, no redirect followed, and, unless allowPrivate, a dialer
// that refuses to connect to an internal address, checked on the address
// actually dialled after DNS resolution (so a name rebound to 127.0.0.1 after
// it was saved is refused too).
func guardedClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowPrivate {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrInternalAddress, address)
			}
			if internalAddr(ap.Addr()) {
				return ErrInternalAddress
			}
			return nil
		}
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr)
			},
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          10,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
