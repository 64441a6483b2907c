package web

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"librecours/certificates"
	"librecours/course"
)

func init() {
	maps.Copy(matrix, map[string]authz{
		"GET /issuer": {allowed: everyone}, "GET /status/revocation": {allowed: everyone},
		// Parameterised public documents: TestCredentialDocuments covers them.
		"GET /achievements/:level": {allowed: "skip"}, "GET /achievements/:level/:lang": {allowed: "skip"},
		"GET /badges/:file": {allowed: "skip"}, "GET /keys/:kid": {allowed: "skip"},
		"GET /certificates/:code/badge.svg": {allowed: "RC", strict: true},
	})
	for _, p := range []string{"/issuer", "/achievements/:level", "/achievements/:level/:lang", "/badges/:file", "/keys/:kid",
		"/.well-known/jwks.json", "/status/revocation", "/api/v1/certificates/:code"} {
		matrix["OPTIONS "+p] = authz{allowed: "skip"}
	}
	moreRenderCases = append(moreRenderCases, func(t *testing.T, f *fixture, who map[string]*browser) map[string]renderCase {
		return map[string]renderCase{
			"pages/certificates/achievement": {who["anon"], "/achievements/level-2/fr?format=html", ".achievement dd"},
		}
	})
}

// issuedBadge closes the fixture's session with the participant at level
// II and returns the certificate.
func issuedBadge(t *testing.T, f *fixture) certificates.Certificate {
	t.Helper()
	ctx := t.Context()
	if err := f.e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.e.srv.certs.SetOverride(ctx, f.coord, f.session.ID, f.part.ID, 2, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	res, err := f.e.srv.certs.Close(ctx, f.coord, f.session.ID)
	if err != nil || len(res.Issued) != 1 {
		t.Fatalf("close: %v", err)
	}
	return res.Issued[0]
}

// pathOf is the path of one of the platform's URLs, as the test app takes it.
func pathOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Host != "librecours.test" {
		t.Fatalf("%q is not a URL of the platform", raw)
	}
	return u.Path
}

// publicHeaders checks what every public credential document carries: any
// origin may read it, and it sets no cookie.
func publicHeaders(t *testing.T, path string, res apiResult) {
	t.Helper()
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("GET %s: Access-Control-Allow-Origin = %q, want *", path, got)
	}
	if c := res.Header.Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("GET %s sets cookies %q", path, c)
	}
}

// TestCredentialDocuments follows every URL a badge carries, as a verifier
// does, and checks what it finds there.
func TestCredentialDocuments(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	cert := issuedBadge(t, f)

	parts := strings.Split(cert.Badge, ".")
	var header struct{ Alg, Kid, Typ string }
	var cred certificates.Credential
	var claims struct{ Sub, Iss string }
	for i, v := range []any{&header, &cred, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[min(i, 1)])
		if err != nil || json.Unmarshal(raw, v) != nil {
			t.Fatalf("badge segment %d: %v", i, err)
		}
	}

	t.Run("kid serves one JWK, as 1EdTech's validator fetches it", func(t *testing.T) {
		if !strings.HasPrefix(header.Kid, "http://librecours.test/keys/") {
			t.Fatalf("kid = %q, want a URL of the platform's keys", header.Kid)
		}
		path := pathOf(t, header.Kid)
		res := e.api("GET", path, "", nil)
		publicHeaders(t, path, res)
		if res.Status != 200 || res.Header.Get("Content-Type") != "application/jwk+json" {
			t.Fatalf("GET kid: %d %s", res.Status, res.Header.Get("Content-Type"))
		}
		// The validator reads kty, n and e from the document and checks the
		// RS256 signature itself; so does this test, without go-jose.
		var jwk struct{ Kty, N, E, Kid, D string }
		if err := json.Unmarshal(res.Body, &jwk); err != nil || jwk.Kty != "RSA" || jwk.Kid != header.Kid || jwk.D != "" {
			t.Fatalf("JWK %s: %v", res.Body, err)
		}
		n, errN := base64.RawURLEncoding.DecodeString(jwk.N)
		ex, errE := base64.RawURLEncoding.DecodeString(jwk.E)
		if errN != nil || errE != nil {
			t.Fatalf("JWK n/e not base64url: %v %v", errN, errE)
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(ex).Int64())}
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if header.Alg != "RS256" || rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) != nil {
			t.Fatalf("the key served at kid does not verify the badge (alg %s)", header.Alg)
		}
		if res := e.api("GET", "/keys/not-a-key", "", nil); res.Status != 404 {
			t.Errorf("unknown key: %d", res.Status)
		}
	})

	t.Run("subject", func(t *testing.T) {
		id := cred.CredentialSubject.ID
		if !strings.HasPrefix(id, "urn:uuid:") || len(id) != len("urn:uuid:")+36 || claims.Sub != id {
			t.Errorf("credentialSubject.id = %q, sub = %q: want the same urn:uuid", id, claims.Sub)
		}
		if len(cred.CredentialSchema) != 1 || cred.CredentialSchema[0].ID != certificates.SchemaAchievementCredential {
			t.Errorf("credentialSchema = %+v", cred.CredentialSchema)
		}
	})

	t.Run("issuer profile", func(t *testing.T) {
		path := pathOf(t, cred.Issuer.ID)
		res := e.api("GET", path, "", nil, "Accept", "application/ld+json")
		publicHeaders(t, path, res)
		var p struct {
			Context []string `json:"@context"`
			certificates.Profile
		}
		if err := json.Unmarshal(res.Body, &p); err != nil || res.Status != 200 || res.Header.Get("Content-Type") != "application/ld+json" {
			t.Fatalf("GET issuer: %d %s %v", res.Status, res.Header.Get("Content-Type"), err)
		}
		if p.ID != cred.Issuer.ID || p.Name != cred.Issuer.Name || len(p.Context) != 2 || p.Type[0] != "Profile" || p.Description == "" {
			t.Errorf("profile %+v does not match the badge's issuer %+v", p, cred.Issuer)
		}
		if res := e.api("GET", path, "", nil, "Accept", "text/html,application/xhtml+xml,*/*;q=0.8"); res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Errorf("a browser on the issuer id: %d %s, want a redirect to the home page", res.Status, res.Header.Get("Location"))
		}
		if res := e.api("GET", path, "", nil, "Accept", "application/json"); res.Header.Get("Content-Type") != "application/json" {
			t.Errorf("Accept: application/json gets %s", res.Header.Get("Content-Type"))
		}
	})

	t.Run("achievement in both languages", func(t *testing.T) {
		a := cred.CredentialSubject.Achievement
		if a.InLanguage != "fr" || len(a.Related) != 1 || a.Related[0].InLanguage != "en" || a.Image == nil {
			t.Fatalf("achievement %+v: want French, related English, an image", a)
		}
		for _, id := range []string{a.ID, a.Related[0].ID} {
			path := pathOf(t, id)
			res := e.api("GET", path, "", nil)
			publicHeaders(t, path, res)
			var got certificates.Achievement
			if err := json.Unmarshal(res.Body, &got); err != nil || res.Status != 200 {
				t.Fatalf("GET %s: %d %v", path, res.Status, err)
			}
			if got.ID != id || got.Criteria.Narrative == "" || got.Description == "" || got.Image == nil {
				t.Errorf("GET %s: %+v", path, got)
			}
			if id == a.ID && (got.Name != a.Name || got.Description != a.Description) {
				t.Errorf("the achievement served differs from the badge's:\n%+v\n%+v", got, a)
			}
			if id != a.ID && (got.InLanguage != "en" || got.Name == a.Name) {
				t.Errorf("English achievement: %+v", got)
			}
		}
		if res := e.api("GET", pathOf(t, a.ID), "", nil, "Accept", "text/html,*/*;q=0.8"); res.Status != 200 ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(res.Body), a.Name) {
			t.Errorf("a browser on the achievement id: %d %s", res.Status, res.Header.Get("Content-Type"))
		}
		old := "/achievements/level-2" // the id of badges issued before per-language achievements
		if res := e.api("GET", old, "", nil, "Accept-Language", "en"); res.Status != http.StatusSeeOther || res.Header.Get("Location") != old+"/en" {
			t.Errorf("GET %s in English: %d %s", old, res.Status, res.Header.Get("Location"))
		}
		for _, bad := range []string{"/achievements/level-3/fr", "/achievements/level-1/de", "/achievements/niveau-1"} {
			if res := e.api("GET", bad, "", nil); res.Status != 404 {
				t.Errorf("GET %s: %d, want 404", bad, res.Status)
			}
		}
		path := pathOf(t, a.Image.ID)
		res := e.api("GET", path, "", nil)
		publicHeaders(t, path, res)
		if res.Status != 200 || res.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(res.Body), "<svg") {
			t.Errorf("badge image: %d %s", res.Status, res.Header.Get("Content-Type"))
		}
	})

	var jwks jose.JSONWebKeySet
	res := e.api("GET", "/.well-known/jwks.json", "", nil)
	publicHeaders(t, "/.well-known/jwks.json", res)
	if err := json.Unmarshal(res.Body, &jwks); err != nil || len(jwks.Keys) != 2 {
		t.Fatalf("JWKS: %v, %d keys (want the key under its URL and its thumbprint)", err, len(jwks.Keys))
	}

	statusPath := pathOf(t, cred.CredentialStatus.StatusListCredential)
	readList := func() (*certificates.StatusListCredential, string, string) {
		t.Helper()
		res := e.api("GET", statusPath, "", nil)
		publicHeaders(t, statusPath, res)
		if res.Status != 200 || res.Header.Get("Content-Type") != "application/vc+jwt" || res.Header.Get("ETag") == "" {
			t.Fatalf("GET status list: %d %s etag %q", res.Status, res.Header.Get("Content-Type"), res.Header.Get("ETag"))
		}
		l, err := certificates.VerifyStatusList(string(res.Body), jwks)
		if err != nil {
			t.Fatalf("status list does not verify: %v", err)
		}
		return l, res.Header.Get("ETag"), string(res.Body)
	}
	list, etag, body := readList()
	if err := certificates.CheckStatus(cred, list); err != nil {
		t.Fatalf("CheckStatus before revocation: %v", err)
	}
	if res := e.api("GET", statusPath, "", nil, "If-None-Match", etag); res.Status != http.StatusNotModified {
		t.Errorf("If-None-Match with the current ETag: %d, want 304", res.Status)
	}
	if _, again, _ := readList(); again != etag {
		t.Errorf("ETag changed without a revocation: %s then %s", etag, again)
	}

	// The command line, offline with the files, before and after revocation.
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	jwksFile, badgeFile := write("jwks.json", string(mustJSON(jwks))), write("badge.jwt", cert.Badge)
	before := write("status-before.jwt", body)
	var stdout, stderr strings.Builder
	if code := verifyMain([]string{"certificates", "verify", badgeFile, "--jwks", jwksFile, "--status", before}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "VALID") || !strings.Contains(stdout.String(), "not revoked") {
		t.Fatalf("verify before revocation: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	coord := e.token(f.coord)
	if res := e.api("POST", "/api/v1/certificates/"+cert.Code+"/revoke", coord, map[string]string{"reason": "Plagiat établi"}); res.Status != 200 {
		t.Fatalf("revoke: %d %s", res.Status, res.Body)
	}
	list, etag2, body2 := readList()
	if etag2 == etag {
		t.Error("the ETag did not change with the revocation")
	}
	if err := certificates.CheckStatus(cred, list); !errors.Is(err, certificates.ErrBadgeRevoked) {
		t.Errorf("CheckStatus after revocation: %v, want ErrBadgeRevoked", err)
	}
	after := write("status-after.jwt", body2)
	stdout.Reset()
	stderr.Reset()
	if code := verifyMain([]string{"certificates", "verify", badgeFile, "--jwks", jwksFile, "--status", after}, &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "REVOKED") {
		t.Fatalf("verify after revocation: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	t.Run("baked badge", func(t *testing.T) {
		// Revoked now: its holder gets no file of it any more
		// (TestRevokedCertificateFiles), a coordinator does.
		b := e.browser()
		b.login(f.coord)
		page := b.get("/certificates/" + cert.Code + "/badge.svg")
		res := apiResult{Status: page.Status, Body: []byte(page.HTML), Header: page.Header}
		if res.Status != 200 || res.Header.Get("Content-Type") != "image/svg+xml" {
			t.Fatalf("baked badge: %d %s", res.Status, res.Header.Get("Content-Type"))
		}
		got, err := certificates.ExtractSVG(strings.NewReader(string(res.Body)))
		if err != nil || got != cert.Badge {
			t.Fatalf("ExtractSVG(baked badge) = %.20q, %v; want the badge", got, err)
		}
		// The command line reads the baked image too.
		svg := write("badge.svg", string(res.Body))
		stdout.Reset()
		stderr.Reset()
		if code := verifyMain([]string{"certificates", "verify", svg, "--jwks", jwksFile, "--status", before}, &stdout, &stderr); code != 0 {
			t.Fatalf("verify baked badge: exit %d\n%s", code, stderr.String())
		}
		other := e.user("autre@example.org", "Autre Personne", course.RoleParticipant)
		ob := e.browser()
		ob.login(other)
		if p := ob.get("/certificates/" + cert.Code + "/badge.svg"); p.Status != 404 {
			t.Errorf("someone else's baked badge: %d", p.Status)
		}
	})

	t.Run("CORS preflight and the verification API", func(t *testing.T) {
		res := e.api("OPTIONS", "/api/v1/certificates/"+cert.Code, "", nil, "Origin", "https://wallet.example", "Access-Control-Request-Method", "GET")
		publicHeaders(t, "OPTIONS /api/v1/certificates", res)
		if res.Status != http.StatusNoContent || !strings.Contains(res.Header.Get("Access-Control-Allow-Methods"), "GET") {
			t.Errorf("preflight: %d %q", res.Status, res.Header.Get("Access-Control-Allow-Methods"))
		}
		path := "/api/v1/certificates/" + cert.Code
		res = e.api("GET", path, "", nil, "Origin", "https://wallet.example")
		publicHeaders(t, path, res)
		if res.Status != 200 || !strings.Contains(string(res.Body), `"revoked"`) {
			t.Errorf("verification API: %d %s", res.Status, res.Body)
		}
		// A browser with a session cookie gets no cookie back either.
		b := e.browser()
		b.login(f.part)
		for _, p := range []string{path, "/.well-known/jwks.json", statusPath, "/issuer"} {
			req, _ := http.NewRequest("GET", p, nil)
			for k, v := range b.cookies {
				req.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			resp := e.do(req)
			resp.Body.Close()
			if c := resp.Header.Values("Set-Cookie"); len(c) > 0 {
				t.Errorf("GET %s with a session sets cookies %q", p, c)
			}
		}
	})
}
