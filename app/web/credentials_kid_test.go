package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// verifyByKid checks a compact JWS the way 1EdTech's validator does: it
// reads kid from the protected header, fetches that URL (here through the
// real fiber app), takes the single JWK it serves, and verifies the
// signature with it. go-jose stands for the independent JOSE library; the
// platform's own verification code is not used. It returns the kid.
func verifyByKid(t *testing.T, e *testEnv, token string) string {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	var header struct{ Alg, Kid string }
	if err := json.Unmarshal(raw, &header); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(header.Kid, "http://librecours.test/keys/") {
		t.Fatalf("kid = %q, want a URL of the platform's keys", header.Kid)
	}
	path := pathOf(t, header.Kid)
	res := e.api("GET", path, "", nil, "Accept", "application/jwk+json")
	publicHeaders(t, path, res)
	if res.Status != 200 || res.Header.Get("Content-Type") != "application/jwk+json" {
		t.Fatalf("GET %s: %d %s", path, res.Status, res.Header.Get("Content-Type"))
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(res.Body); err != nil {
		t.Fatalf("GET %s: not a JWK: %v\n%s", path, err, res.Body)
	}
	if !jwk.IsPublic() || jwk.KeyID != header.Kid {
		t.Fatalf("JWK at %s: public %v, kid %q, want a public key named %q", path, jwk.IsPublic(), jwk.KeyID, header.Kid)
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(header.Alg)})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := jws.Verify(&jwk)
	if err != nil {
		t.Fatalf("the key served at kid %s does not verify the token: %v", header.Kid, err)
	}
	want, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if !bytes.Equal(payload, want) {
		t.Fatal("verified payload differs from the token's")
	}
	return header.Kid
}

// TestKeyFetchedByKid follows issue #15 item 8: the badge and the status
// list credential verify with the key fetched at their kid, and a badge
// signed before a key rotation still does, while the new key, served at its
// own kid, does not verify it.
func TestKeyFetchedByKid(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := f.e
	cert := issuedBadge(t, f)
	oldKid := verifyByKid(t, e, cert.Badge)

	list := e.api("GET", "/status/revocation", "", nil)
	if list.Status != 200 {
		t.Fatalf("GET status list: %d", list.Status)
	}
	if kid := verifyByKid(t, e, string(list.Body)); kid != oldKid {
		t.Errorf("status list signed by %s, badge by %s: one key signs both", kid, oldKid)
	}

	rotated, err := e.srv.certs.RotateKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if rotated.HeaderKID() == oldKid {
		t.Fatalf("rotation kept kid %s", oldKid)
	}
	// The old badge's kid is still served and still verifies it.
	if kid := verifyByKid(t, e, cert.Badge); kid != oldKid {
		t.Fatalf("kid %s, want %s", kid, oldKid)
	}
	// The new key is served at its own kid, and it does not verify the old
	// badge: the check above can fail.
	res := e.api("GET", pathOf(t, rotated.HeaderKID()), "", nil)
	var jwk jose.JSONWebKey
	if res.Status != 200 || jwk.UnmarshalJSON(res.Body) != nil || jwk.KeyID != rotated.HeaderKID() {
		t.Fatalf("GET new kid: %d %s", res.Status, res.Body)
	}
	jws, err := jose.ParseSignedCompact(cert.Badge, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jws.Verify(&jwk); err == nil {
		t.Error("the rotated key verifies a badge the old key signed")
	}
}
