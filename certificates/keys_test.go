package certificates

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// newTestKey generates a signing key created at the given time.
func newTestKey(t testing.TB, created time.Time) SigningKey {
	t.Helper()
	k, err := GenerateSigningKey(nil, created)
	if err != nil {
		t.Fatalf("GenerateSigningKey() error = %v", err)
	}
	return k
}

func TestGenerateSigningKey(t *testing.T) {
	created := time.Date(2025, 1, 6, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	k := newTestKey(t, created)

	if got := k.Private.N.BitLen(); got != 2048 {
		t.Errorf("key size = %d bits, want 2048", got)
	}
	if !k.CreatedAt.Equal(created) || k.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v in UTC", k.CreatedAt, created)
	}
	// RFC 7638 § 3: SHA-256 over the required members in lexicographic
	// order, without white space.
	b64 := base64.RawURLEncoding.EncodeToString
	canonical := `{"e":"` + b64(big.NewInt(int64(k.Private.E)).Bytes()) + `","kty":"RSA","n":"` + b64(k.Private.N.Bytes()) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	if want := b64(sum[:]); k.KID != want {
		t.Errorf("KID = %q, want RFC 7638 thumbprint %q", k.KID, want)
	}
}

func TestSigningKeyPEM(t *testing.T) {
	created := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	k := newTestKey(t, created)

	t.Run("PKCS #8 round trip", func(t *testing.T) {
		data, err := k.MarshalPEM()
		if err != nil {
			t.Fatalf("MarshalPEM() error = %v", err)
		}
		if !strings.HasPrefix(string(data), "-----BEGIN PRIVATE KEY-----\n") {
			t.Errorf("MarshalPEM() = %.40q…, want a PRIVATE KEY block", data)
		}
		got, err := ParseSigningKeyPEM(data, created)
		if err != nil {
			t.Fatalf("ParseSigningKeyPEM() error = %v", err)
		}
		if got.KID != k.KID || !got.CreatedAt.Equal(created) || !got.Private.Equal(k.Private) {
			t.Errorf("ParseSigningKeyPEM() = kid %q created %v, want kid %q created %v and the same key", got.KID, got.CreatedAt, k.KID, created)
		}
	})
	t.Run("PKCS #1 accepted", func(t *testing.T) {
		data := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.Private)})
		got, err := ParseSigningKeyPEM(data, created)
		if err != nil {
			t.Fatalf("ParseSigningKeyPEM() error = %v", err)
		}
		if got.KID != k.KID {
			t.Errorf("KID = %q, want %q", got.KID, k.KID)
		}
	})

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallDER, err := x509.MarshalPKCS8PrivateKey(small)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&k.Private.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		data []byte
	}{
		{"not PEM", []byte("hello")},
		{"empty", nil},
		{"public key block", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})},
		{"garbage DER", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}})},
		{"EC key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})},
		{"1024-bit RSA key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: smallDER})},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseSigningKeyPEM(tt.data, created); err == nil {
				t.Error("ParseSigningKeyPEM() error = nil, want an error")
			}
		})
	}
	t.Run("marshal without key", func(t *testing.T) {
		if _, err := (SigningKey{}).MarshalPEM(); err == nil {
			t.Error("MarshalPEM() error = nil, want an error")
		}
	})
}

func TestJWKS(t *testing.T) {
	old := newTestKey(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	current := newTestKey(t, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))

	set := JWKS([]SigningKey{old, current, {}})
	data, err := json.Marshal(set)
	if err != nil {
		t.Fatalf("marshal JWKS: %v", err)
	}
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range doc.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := k[private]; ok {
				t.Errorf("key %v exposes private member %q", k["kid"], private)
			}
		}
		got = append(got, k["kid"].(string)+" "+k["kty"].(string)+" "+k["alg"].(string)+" "+k["use"].(string))
	}
	want := []string{old.KID + " RSA RS256 sig", current.KID + " RSA RS256 sig"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JWKS keys mismatch (-want +got):\n%s", diff)
	}
}

func TestLatestKey(t *testing.T) {
	a := SigningKey{KID: "a", CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Private: &rsa.PrivateKey{}}
	b := SigningKey{KID: "b", CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Private: &rsa.PrivateKey{}}
	c := SigningKey{KID: "c", CreatedAt: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), Private: &rsa.PrivateKey{}}
	tests := []struct {
		name   string
		keys   []SigningKey
		want   string
		wantOK bool
	}{
		{"none", nil, "", false},
		{"one", []SigningKey{a}, "a", true},
		{"newest wins whatever the order", []SigningKey{a, b, c}, "b", true},
		{"keys without private part are skipped", []SigningKey{a, {KID: "x", CreatedAt: b.CreatedAt}}, "a", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := LatestKey(tt.keys)
			if got.KID != tt.want || ok != tt.wantOK {
				t.Errorf("LatestKey() = %q, %v; want %q, %v", got.KID, ok, tt.want, tt.wantOK)
			}
		})
	}
}
