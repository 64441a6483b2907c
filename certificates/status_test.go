package certificates

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

func TestNewSubjectID(t *testing.T) {
	// RFC 9562 version 4: 122 random bits, version nibble 4, variant 10.
	id, err := NewSubjectID(bytes.NewReader(bytes.Repeat([]byte{0xff}, 16)))
	if err != nil {
		t.Fatal(err)
	}
	if want := "urn:uuid:ffffffff-ffff-4fff-bfff-ffffffffffff"; id != want {
		t.Errorf("NewSubjectID(all ones) = %q, want %q", id, want)
	}
	shape := regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	a, _ := NewSubjectID(nil)
	b, _ := NewSubjectID(nil)
	if !shape.MatchString(a) || a == b {
		t.Errorf("NewSubjectID() = %q, %q: want two different version 4 UUID URNs", a, b)
	}
	if _, err := NewSubjectID(bytes.NewReader(nil)); err == nil {
		t.Error("NewSubjectID(empty reader) error = nil")
	}
}

func TestNewStatusIndex(t *testing.T) {
	tests := []struct {
		random []byte
		want   int
	}{
		{[]byte{0, 0, 0, 1}, 1},
		{[]byte{0, 1, 0xff, 0xff}, StatusListSize - 1},
		{[]byte{0xff, 0xfe, 0, 0}, StatusListSize - 1}, // 0 is kept for "no entry"
		{[]byte{0x12, 0x34, 0x56, 0x78}, 0x45678 & (StatusListSize - 1)},
	}
	for _, tt := range tests {
		got, err := NewStatusIndex(bytes.NewReader(tt.random))
		if err != nil || got != tt.want {
			t.Errorf("NewStatusIndex(% x) = %d, %v; want %d", tt.random, got, err, tt.want)
		}
	}
	for range 1000 {
		if i, err := NewStatusIndex(nil); err != nil || i <= 0 || i >= StatusListSize {
			t.Fatalf("NewStatusIndex() = %d, %v: outside 1..%d", i, err, StatusListSize-1)
		}
	}
}

func TestEncodeStatusList(t *testing.T) {
	// The specification's example: an empty list of 131,072 entries.
	enc, err := EncodeStatusList(nil)
	if err != nil {
		t.Fatal(err)
	}
	bits, err := DecodeStatusList(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(bits) != StatusListSize/8 || !bytes.Equal(bits, make([]byte, StatusListSize/8)) {
		t.Fatalf("empty list decodes to %d bytes, some set", len(bits))
	}
	// Index 0 is the left-most bit of the first byte.
	enc, err = EncodeStatusList([]int{0, 9, 94567, StatusListSize - 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "u") || strings.ContainsAny(enc, "+/=") {
		t.Errorf("encodedList %q is not multibase base64url without padding", enc[:10])
	}
	bits, err = DecodeStatusList(enc)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]byte{0: 0x80, 1: 0x40, 94567 / 8: 0x80 >> (94567 % 8), StatusListSize/8 - 1: 0x01}
	for i, b := range bits {
		if b != want[i] {
			t.Errorf("byte %d = %#02x, want %#02x", i, b, want[i])
		}
	}
	for _, bad := range []int{-1, StatusListSize} {
		if _, err := EncodeStatusList([]int{bad}); err == nil {
			t.Errorf("EncodeStatusList([%d]) error = nil", bad)
		}
	}
}

func gzipped(t *testing.T, data []byte) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

func TestDecodeStatusListRejects(t *testing.T) {
	tests := map[string]string{
		"no multibase prefix": "H4sIAAAAAAAA",
		"base64, not url":     "z" + base64.StdEncoding.EncodeToString([]byte("x")),
		"not base64url":       "u!!!",
		"not gzip":            "u" + base64.RawURLEncoding.EncodeToString([]byte("plain")),
		"too short":           gzipped(t, make([]byte, StatusListSize/8-1)),
		"too long (bomb)":     gzipped(t, make([]byte, maxStatusListBytes+1)),
	}
	for name, enc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeStatusList(enc); !errors.Is(err, ErrBadgeMalformed) {
				t.Errorf("DecodeStatusList() error = %v, want ErrBadgeMalformed", err)
			}
		})
	}
}

// signedBadgeAndList issues a badge with status index 94567 and a list with
// the given indexes revoked, both signed by key.
func signedBadgeAndList(t *testing.T, key SigningKey, revoked []int) (Credential, string) {
	t.Helper()
	cred, err := BuildCredential(testBadgeInput())
	if err != nil {
		t.Fatal(err)
	}
	list, err := BuildStatusList("https://librecours.example.org/", revoked, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	token, err := SignStatusList(key, list)
	if err != nil {
		t.Fatal(err)
	}
	return cred, token
}

func TestStatusListCredential(t *testing.T) {
	key := newTestKey(t, issuedAt)
	key.URL = KeyURL("https://librecours.example.org", key.KID)
	list, err := BuildStatusList("https://librecours.example.org/", []int{7}, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := EncodeStatusList([]int{7})
	want := `{
	  "@context": ["https://www.w3.org/ns/credentials/v2"],
	  "id": "https://librecours.example.org/status/revocation",
	  "type": ["VerifiableCredential", "BitstringStatusListCredential"],
	  "issuer": "https://librecours.example.org/issuer",
	  "validFrom": "2025-01-27T16:30:15Z",
	  "credentialSubject": {
	    "id": "https://librecours.example.org/status/revocation#list",
	    "type": "BitstringStatusList",
	    "statusPurpose": "revocation",
	    "encodedList": "` + enc + `"
	  }
	}`
	if diff := cmp.Diff(jsonValue(t, []byte(want)), jsonValue(t, got)); diff != "" {
		t.Errorf("status list mismatch (-want +got):\n%s", diff)
	}

	token, err := SignStatusList(key, list)
	if err != nil {
		t.Fatal(err)
	}
	header, payload := segments(t, token)
	if header["kid"] != key.URL || payload["iss"] != list.Issuer || payload["jti"] != list.ID {
		t.Errorf("header %v / claims iss=%v jti=%v: want kid URL and claims mirroring the list", header, payload["iss"], payload["jti"])
	}
	verified, err := VerifyStatusList(token, JWKS([]SigningKey{key}))
	if err != nil {
		t.Fatalf("VerifyStatusList() error = %v", err)
	}
	if diff := cmp.Diff(&list, verified); diff != "" {
		t.Errorf("VerifyStatusList() mismatch (-want +got):\n%s", diff)
	}

	other := newTestKey(t, issuedAt)
	if _, err := VerifyStatusList(token, JWKS([]SigningKey{other})); !errors.Is(err, ErrBadgeUnknownKey) {
		t.Errorf("VerifyStatusList(other key set) error = %v, want ErrBadgeUnknownKey", err)
	}
	cred, _ := BuildCredential(testBadgeInput())
	badge, _ := SignCredential(key, cred)
	if _, err := VerifyStatusList(badge, JWKS([]SigningKey{key})); !errors.Is(err, ErrBadgeType) {
		t.Errorf("VerifyStatusList(a badge) error = %v, want ErrBadgeType", err)
	}
}

func TestCheckStatus(t *testing.T) {
	key := newTestKey(t, issuedAt)
	jwks := JWKS([]SigningKey{key})
	verify := func(token string) *StatusListCredential {
		l, err := VerifyStatusList(token, jwks)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	cred, clear := signedBadgeAndList(t, key, []int{1, 94566, 94568})
	if err := CheckStatus(cred, verify(clear)); err != nil {
		t.Errorf("CheckStatus(neighbours revoked) = %v, want nil", err)
	}
	_, revoked := signedBadgeAndList(t, key, []int{94567})
	if err := CheckStatus(cred, verify(revoked)); !errors.Is(err, ErrBadgeRevoked) {
		t.Errorf("CheckStatus(bit set) = %v, want ErrBadgeRevoked", err)
	}
	old := cred
	old.CredentialStatus = nil
	if err := CheckStatus(old, verify(revoked)); err != nil {
		t.Errorf("CheckStatus(badge without status) = %v, want nil", err)
	}

	mismatches := map[string]func(c *Credential, l *StatusListCredential){
		"other list":     func(c *Credential, l *StatusListCredential) { l.ID = "https://other.example.org/status/revocation" },
		"other issuer":   func(c *Credential, l *StatusListCredential) { l.Issuer = "https://other.example.org/issuer" },
		"other purpose":  func(c *Credential, l *StatusListCredential) { l.CredentialSubject.StatusPurpose = "suspension" },
		"entry type":     func(c *Credential, l *StatusListCredential) { c.CredentialStatus.Type = "StatusList2021Entry" },
		"index not int":  func(c *Credential, l *StatusListCredential) { c.CredentialStatus.StatusListIndex = "x" },
		"index too high": func(c *Credential, l *StatusListCredential) { c.CredentialStatus.StatusListIndex = "131072" },
	}
	for name, mutate := range mismatches {
		t.Run(name, func(t *testing.T) {
			c := cred
			entry := *cred.CredentialStatus
			c.CredentialStatus = &entry
			l := verify(clear)
			mutate(&c, l)
			if err := CheckStatus(c, l); !errors.Is(err, ErrBadgeClaims) {
				t.Errorf("CheckStatus() = %v, want ErrBadgeClaims", err)
			}
		})
	}
}

func TestKidURL(t *testing.T) {
	key := newTestKey(t, issuedAt)
	plain := key // signs with the thumbprint, as badges did before kid URLs
	key.URL = KeyURL("https://librecours.example.org/", key.KID)
	if want := "https://librecours.example.org/keys/" + key.KID; key.URL != want || key.HeaderKID() != want {
		t.Fatalf("KeyURL = %q, HeaderKID = %q, want %q", key.URL, key.HeaderKID(), want)
	}
	cred, err := BuildCredential(testBadgeInput())
	if err != nil {
		t.Fatal(err)
	}
	byURL, err := SignCredential(key, cred)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := segments(t, byURL); h["kid"] != key.URL {
		t.Errorf("kid = %v, want %s", h["kid"], key.URL)
	}
	byThumbprint, err := SignCredential(plain, cred)
	if err != nil {
		t.Fatal(err)
	}

	// The published set lists the key under both names.
	set := JWKS([]SigningKey{key})
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	if diff := cmp.Diff([]string{key.URL, key.KID}, kids); diff != "" {
		t.Errorf("JWKS kids mismatch (-want +got):\n%s", diff)
	}
	// Both badges verify with the new set, with an old set listing
	// thumbprints only, and with the single JWK served at the kid URL.
	urlOnly := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key.URLJWK()}}
	for name, jwks := range map[string]jose.JSONWebKeySet{"both": set, "thumbprints": JWKS([]SigningKey{plain}), "url JWK": urlOnly} {
		for tname, token := range map[string]string{"url kid": byURL, "thumbprint kid": byThumbprint} {
			if _, err := VerifyCredential(token, jwks); err != nil {
				t.Errorf("VerifyCredential(%s, %s set) error = %v", tname, name, err)
			}
		}
	}
	// A kid URL whose last segment is another key's thumbprint finds nothing.
	other := newTestKey(t, issuedAt)
	if _, err := VerifyCredential(byURL, JWKS([]SigningKey{other})); !errors.Is(err, ErrBadgeUnknownKey) {
		t.Errorf("VerifyCredential(other set) error = %v, want ErrBadgeUnknownKey", err)
	}
	// The JWK served at the URL is public only.
	data, _ := json.Marshal(key.URLJWK())
	if strings.Contains(string(data), `"d"`) {
		t.Errorf("URL JWK %s carries a private member", data)
	}
}
