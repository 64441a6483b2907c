package certificates

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// SigningKeyBits is the size of the RSA keys GenerateSigningKey makes.
const SigningKeyBits = 2048

// SigningAlgorithm is the JOSE algorithm badges are signed with. Open Badges
// 3.0 requires verifiers to support RS256.
const SigningAlgorithm = jose.RS256

// SigningKey is one of the issuer's badge signing keys. Keys are rotated by
// generating a new one and signing with it while the old public keys stay in
// the published key set (see JWKS), so badges signed earlier still verify.
type SigningKey struct {
	// KID is the key ID put in the "kid" JOSE header and the key set: the
	// RFC 7638 JWK thumbprint (SHA-256, base64url without padding) of the
	// public key, so it is derived from the key and never needs storing.
	KID string
	// CreatedAt says when the key was generated; the newest key signs.
	CreatedAt time.Time
	// Private is the RSA private key.
	Private *rsa.PrivateKey
	// URL is where the public key is served alone (see KeyURL); it is the
	// "kid" of the badges the key signs. Empty means KID.
	URL string
}

// HeaderKID returns the "kid" the key signs with: its URL, or its KID.
func (k SigningKey) HeaderKID() string {
	if k.URL != "" {
		return k.URL
	}
	return k.KID
}

// GenerateSigningKey makes a new RSA 2048 signing key created at now.
// random is passed to rsa.GenerateKey; since Go 1.26 that function always
// uses a secure source and ignores it, so nil (crypto/rand) is the usual
// argument.
func GenerateSigningKey(random io.Reader, now time.Time) (SigningKey, error) {
	if random == nil {
		random = rand.Reader
	}
	priv, err := rsa.GenerateKey(random, SigningKeyBits)
	if err != nil {
		return SigningKey{}, fmt.Errorf("certificates: generate signing key: %w", err)
	}
	return newSigningKey(priv, now)
}

func newSigningKey(priv *rsa.PrivateKey, createdAt time.Time) (SigningKey, error) {
	kid, err := keyThumbprint(&priv.PublicKey)
	if err != nil {
		return SigningKey{}, err
	}
	return SigningKey{KID: kid, CreatedAt: createdAt.UTC(), Private: priv}, nil
}

// keyThumbprint returns the RFC 7638 SHA-256 thumbprint of pub, base64url.
func keyThumbprint(pub *rsa.PublicKey) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("certificates: key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// pemTypePrivateKey is the PEM block type of a PKCS #8 private key.
const pemTypePrivateKey = "PRIVATE KEY"

// MarshalPEM encodes the private key as a PKCS #8 "PRIVATE KEY" PEM block,
// the form to store in the database (it is a secret: keep it out of logs
// and API answers). CreatedAt is not part of it; store it beside.
func (k SigningKey) MarshalPEM() ([]byte, error) {
	if k.Private == nil {
		return nil, errors.New("certificates: marshal signing key: no private key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.Private)
	if err != nil {
		return nil, fmt.Errorf("certificates: marshal signing key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemTypePrivateKey, Bytes: der}), nil
}

// ParseSigningKeyPEM decodes a key written by MarshalPEM (PKCS #8) or an
// "RSA PRIVATE KEY" (PKCS #1) block, recomputes its KID and sets CreatedAt.
// It accepts RSA keys of at least 2048 bits only.
func ParseSigningKeyPEM(data []byte, createdAt time.Time) (SigningKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return SigningKey{}, errors.New("certificates: parse signing key: no PEM block")
	}
	var priv *rsa.PrivateKey
	switch block.Type {
	case pemTypePrivateKey:
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return SigningKey{}, fmt.Errorf("certificates: parse signing key: %w", err)
		}
		rsaKey, ok := key.(*rsa.PrivateKey)
		if !ok {
			return SigningKey{}, fmt.Errorf("certificates: parse signing key: %T is not an RSA key", key)
		}
		priv = rsaKey
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return SigningKey{}, fmt.Errorf("certificates: parse signing key: %w", err)
		}
		priv = key
	default:
		return SigningKey{}, fmt.Errorf("certificates: parse signing key: unexpected PEM block %q", block.Type)
	}
	if priv.N.BitLen() < SigningKeyBits {
		return SigningKey{}, fmt.Errorf("certificates: parse signing key: %d-bit RSA key, need %d", priv.N.BitLen(), SigningKeyBits)
	}
	return newSigningKey(priv, createdAt)
}

// PublicJWK returns the public half of k as a JWK with its kid, "alg":
// "RS256" and "use": "sig".
func (k SigningKey) PublicJWK() jose.JSONWebKey {
	return jose.JSONWebKey{
		Key:       &k.Private.PublicKey,
		KeyID:     k.KID,
		Algorithm: string(SigningAlgorithm),
		Use:       "sig",
	}
}

// URLJWK returns the public half of k as served at its URL: PublicJWK with
// the URL as kid.
func (k SigningKey) URLJWK() jose.JSONWebKey {
	j := k.PublicJWK()
	j.KeyID = k.HeaderKID()
	return j
}

// JWKS returns the key set to publish at /.well-known/jwks.json: the public
// keys of every key given, in the same order, never a private part. A key
// with a URL is listed twice, under its URL (the kid of the badges it signs
// now) and under its thumbprint (the kid of badges signed before kid URLs),
// so a JOSE library finds either by kid. Pass the retired keys too so the
// badges they signed keep verifying.
func JWKS(keys []SigningKey) jose.JSONWebKeySet {
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, 2*len(keys))}
	for _, k := range keys {
		if k.Private == nil {
			continue
		}
		if k.URL != "" {
			set.Keys = append(set.Keys, k.URLJWK())
		}
		set.Keys = append(set.Keys, k.PublicJWK())
	}
	return set
}

// LatestKey returns the most recently created key, the one to sign new
// badges with, and false when keys is empty.
func LatestKey(keys []SigningKey) (SigningKey, bool) {
	var latest SigningKey
	found := false
	for _, k := range keys {
		if k.Private == nil {
			continue
		}
		if !found || k.CreatedAt.After(latest.CreatedAt) {
			latest, found = k, true
		}
	}
	return latest, found
}
