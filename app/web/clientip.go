package web

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// proxyStrings are the trusted proxies in fiber's form.
func proxyStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address of the client: the connection's peer, unless
// that peer is a trusted proxy (LIBRECOURS_TRUSTED_PROXIES); then
// X-Forwarded-For is read from the right, skipping trusted proxies, and
// the first other address is the client's. The left of the header is
// whatever the client wrote, so it is never believed over the right.
func (s *Server) clientIP(c *fiber.Ctx) netip.Addr {
	peer, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	peer = peer.Unmap()
	if len(s.cfg.TrustedProxies) == 0 || !s.trustedProxy(peer) {
		return peer
	}
	var hops []string
	for _, h := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		hops = append(hops, strings.Split(string(h), ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(strings.Trim(h, "[]"))
		if err != nil {
			if ap, perr := netip.ParseAddrPort(h); perr == nil {
				a, err = ap.Addr(), nil
			}
		}
		if err != nil {
			return client // garbage: the last trusted hop is all we know
		}
		client = a.Unmap()
		if !s.trustedProxy(client) {
			return client
		}
	}
	return client
}

// clientKey is the client's address for throttling: an IPv4 address, or
// the /64 of an IPv6 one (a single subscriber usually holds a whole /64).
func (s *Server) clientKey(c *fiber.Ctx) string {
	a := s.clientIP(c)
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
