package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"librecours/course"
)

// TestCachingIsSafe: static files have content-hashed names, are cached for
// good, compressed (brotli or gzip) and answer a revalidation with 304 by
// ETag; pages with personal data are never stored by a cache.
func TestCachingIsSafe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	home := b.get("/")
	css, ok := home.Doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !ok || !strings.HasPrefix(css, "/static/app.") || css == "/static/app.css" {
		t.Fatalf("stylesheet URL %q is not content-hashed", css)
	}
	for _, enc := range []string{"br", "gzip"} {
		req := httptest.NewRequest(http.MethodGet, css, nil)
		req.Header.Set("Accept-Encoding", enc)
		resp := e.do(req)
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != 200 || h.Get("Content-Encoding") != enc || !strings.Contains(h.Get("Cache-Control"), "immutable") || h.Get("ETag") == "" {
			t.Fatalf("static with Accept-Encoding %s: %d %v", enc, resp.StatusCode, h)
		}
		req = httptest.NewRequest(http.MethodGet, css, nil)
		req.Header.Set("Accept-Encoding", enc)
		req.Header.Set("If-None-Match", h.Get("ETag"))
		resp = e.do(req)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotModified {
			t.Fatalf("revalidation by ETag: %d, want 304", resp.StatusCode)
		}
	}

	u := e.user("cache@example.org", "Cache", course.RoleParticipant)
	b.login(u)
	for _, path := range []string{"/dashboard", "/account"} {
		if p := b.get(path); p.Status != 200 || p.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("page %s: %d, Cache-Control %q", path, p.Status, p.Header.Get("Cache-Control"))
		}
	}
	tok := e.token(u)
	for _, path := range []string{"/api/v1/me", "/api/v1/sessions", "/api/v1/me/notifications"} {
		if res := e.api("GET", path, tok, nil); res.Status != 200 || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("API %s: %d, Cache-Control %q", path, res.Status, res.Header.Get("Cache-Control"))
		}
	}
}
