package certificates

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Revocation inside the credential, as W3C's Bitstring Status List v1.0
// describes it: each badge names one bit of the issuer's status list, and the
// list, a signed credential itself, has that bit set once the certificate is
// revoked.

// StatusListSize is the number of entries of the issuer's status list:
// 131,072 (16 KiB), the minimum the specification sets for herd privacy.
const StatusListSize = 131072

// Status list vocabulary.
const (
	StatusPurposeRevocation  = "revocation"
	TypeStatusListEntry      = "BitstringStatusListEntry"
	TypeStatusList           = "BitstringStatusList"
	TypeStatusListCredential = "BitstringStatusListCredential" // #nosec G101 -- a credential type name, not a secret
)

// maxStatusListBytes bounds a decoded status list (1 MiB: 8 million
// entries), so a hostile list cannot exhaust memory.
const maxStatusListBytes = 1 << 20

// ErrBadgeRevoked means the badge's bit is set in the issuer's status list.
var ErrBadgeRevoked = errors.New("certificates: badge revoked")

// ErrStatusIndexTaken means another certificate already holds the status
// list index: draw another one.
var ErrStatusIndexTaken = errors.New("certificates: status list index already used")

// StatusListURL returns the issuer's revocation list credential:
// baseURL + "/status/revocation".
func StatusListURL(baseURL string) string {
	return strings.TrimRight(baseURL, "/") + "/status/revocation"
}

// StatusEntry is a credential's BitstringStatusListEntry.
type StatusEntry struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

// NewStatusEntry returns the revocation entry of index in the issuer's list.
func NewStatusEntry(baseURL string, index int) StatusEntry {
	list := StatusListURL(baseURL)
	i := strconv.Itoa(index)
	return StatusEntry{ID: list + "#" + i, Type: TypeStatusListEntry, StatusPurpose: StatusPurposeRevocation,
		StatusListIndex: i, StatusListCredential: list}
}

// NewStatusIndex draws a status list index from random (nil means
// crypto/rand), uniformly in 1..StatusListSize-1: the specification asks
// for random indexes so that a position tells neither when a badge was
// issued nor how many were. Zero is left out: it means "no entry".
func NewStatusIndex(random io.Reader) (int, error) {
	if random == nil {
		random = rand.Reader
	}
	var b [4]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return 0, fmt.Errorf("certificates: read random status index: %w", err)
	}
	// StatusListSize is a power of two: masking keeps the draw uniform.
	i := int(binary.BigEndian.Uint32(b[:]) & (StatusListSize - 1))
	if i == 0 {
		i = StatusListSize - 1
	}
	return i, nil
}

// EncodeStatusList returns the encodedList of a StatusListSize-entry list
// whose bits at revoked are set: the bitstring (index 0 is the left-most
// bit of the first byte), GZIP-compressed, then multibase base64url ("u"
// and no padding). Indexes outside the list are an error.
func EncodeStatusList(revoked []int) (string, error) {
	bits := make([]byte, StatusListSize/8)
	for _, i := range revoked {
		if i < 0 || i >= StatusListSize {
			return "", fmt.Errorf("certificates: status index %d outside the list", i)
		}
		bits[i/8] |= 0x80 >> (i % 8)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(bits); err != nil {
		return "", fmt.Errorf("certificates: compress status list: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("certificates: compress status list: %w", err)
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// DecodeStatusList returns the bitstring of an encodedList. It refuses a
// list shorter than StatusListSize entries, as verifiers must.
func DecodeStatusList(encoded string) ([]byte, error) {
	if !strings.HasPrefix(encoded, "u") {
		return nil, fmt.Errorf("%w: encodedList is not multibase base64url", ErrBadgeMalformed)
	}
	raw, err := base64.RawURLEncoding.DecodeString(encoded[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: encodedList is not base64url", ErrBadgeMalformed)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: encodedList is not GZIP", ErrBadgeMalformed)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, maxStatusListBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: encodedList: %v", ErrBadgeMalformed, err)
	}
	if len(bits) > maxStatusListBytes {
		return nil, fmt.Errorf("%w: status list over %d bytes", ErrBadgeMalformed, maxStatusListBytes)
	}
	if len(bits)*8 < StatusListSize {
		return nil, fmt.Errorf("%w: status list of %d entries, fewer than %d", ErrBadgeMalformed, len(bits)*8, StatusListSize)
	}
	return bits, nil
}

// StatusListCredential is the issuer's signed revocation list.
type StatusListCredential struct {
	Context []string `json:"@context"`
	ID      string   `json:"id"`
	Type    []string `json:"type"`
	// Issuer is the issuer's id: the list has only the VC 2.0 context,
	// which has no Profile, so it names the issuer by URL.
	Issuer            string     `json:"issuer"`
	ValidFrom         time.Time  `json:"validFrom"`
	CredentialSubject StatusList `json:"credentialSubject"`
}

// StatusList is the list itself.
type StatusList struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
}

// BuildStatusList assembles the issuer's revocation list credential with
// the bits of revoked set, valid from now.
func BuildStatusList(baseURL string, revoked []int, now time.Time) (StatusListCredential, error) {
	base := strings.TrimRight(baseURL, "/")
	if !isHTTPURL(base) {
		return StatusListCredential{}, invalid("base_url", KeyBadgeInvalidURL)
	}
	enc, err := EncodeStatusList(revoked)
	if err != nil {
		return StatusListCredential{}, err
	}
	id := StatusListURL(base)
	return StatusListCredential{
		Context:   []string{ContextCredentialsV2},
		ID:        id,
		Type:      []string{TypeVerifiableCredential, TypeStatusListCredential},
		Issuer:    IssuerID(base),
		ValidFrom: now.UTC().Truncate(time.Second),
		CredentialSubject: StatusList{ID: id + "#list", Type: TypeStatusList, StatusPurpose: StatusPurposeRevocation,
			EncodedList: enc},
	}, nil
}

// statusListPayload is the JWT payload of a status list: the credential and
// the registered claims mirroring it, as for badges.
type statusListPayload struct {
	StatusListCredential
	jwtClaims
}

// SignStatusList secures a status list as a VC-JWT signed like the badges.
func SignStatusList(key SigningKey, c StatusListCredential) (string, error) {
	if key.Private == nil || key.KID == "" {
		return "", errors.New("certificates: sign status list: no signing key")
	}
	payload, err := json.Marshal(statusListPayload{StatusListCredential: c,
		jwtClaims: jwtClaims{ClaimIssuer: c.Issuer, ClaimID: c.ID, ClaimNotBefore: c.ValidFrom.Unix()}})
	if err != nil {
		return "", fmt.Errorf("certificates: sign status list: %w", err)
	}
	return signPayload(key, payload)
}

// VerifyStatusList checks a status list token against the issuer's key set
// (the same checks as VerifyCredential's signature) and returns the list.
func VerifyStatusList(token string, jwks jose.JSONWebKeySet) (*StatusListCredential, error) {
	payload, _, err := verifyJWS(token, jwks)
	if err != nil {
		return nil, err
	}
	var head struct {
		Type []string `json:"type"`
	}
	if err := json.Unmarshal(payload, &head); err != nil || !slices.Contains(head.Type, TypeStatusListCredential) {
		return nil, fmt.Errorf("%w: not a BitstringStatusListCredential", ErrBadgeType)
	}
	var c StatusListCredential
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("%w: status list payload: %v", ErrBadgeMalformed, err)
	}
	var claims badgeClaims
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("%w: status list claims: %v", ErrBadgeMalformed, err)
	}
	switch {
	case len(c.Context) == 0 || c.Context[0] != ContextCredentialsV2,
		!slices.Contains(c.Type, TypeVerifiableCredential), !slices.Contains(c.Type, TypeStatusListCredential),
		c.CredentialSubject.Type != TypeStatusList:
		return nil, fmt.Errorf("%w: not a BitstringStatusListCredential", ErrBadgeType)
	case claims.Iss == nil || *claims.Iss != c.Issuer, claims.Jti == nil || *claims.Jti != c.ID:
		return nil, fmt.Errorf("%w: status list claims disagree with the list", ErrBadgeClaims)
	}
	return &c, nil
}

// CheckStatus reads the badge's bit in a verified status list: it returns
// ErrBadgeRevoked when the bit is set, nil when it is clear or the badge has
// no status entry, and an error wrapping ErrBadgeClaims when the list is
// not the one the badge names or not of the same issuer.
func CheckStatus(cred Credential, list *StatusListCredential) error {
	e := cred.CredentialStatus
	if e == nil {
		return nil
	}
	if e.Type != TypeStatusListEntry || e.StatusPurpose != StatusPurposeRevocation {
		return fmt.Errorf("%w: unsupported credentialStatus %s/%s", ErrBadgeClaims, e.Type, e.StatusPurpose)
	}
	if list.ID != e.StatusListCredential {
		return fmt.Errorf("%w: status list %s, the badge names %s", ErrBadgeClaims, list.ID, e.StatusListCredential)
	}
	if list.Issuer != cred.Issuer.ID {
		return fmt.Errorf("%w: status list issued by %s, the badge by %s", ErrBadgeClaims, list.Issuer, cred.Issuer.ID)
	}
	if list.CredentialSubject.StatusPurpose != e.StatusPurpose {
		return fmt.Errorf("%w: status list purpose %q", ErrBadgeClaims, list.CredentialSubject.StatusPurpose)
	}
	index, err := strconv.Atoi(e.StatusListIndex)
	if err != nil || index < 0 {
		return fmt.Errorf("%w: statusListIndex %q", ErrBadgeClaims, e.StatusListIndex)
	}
	bits, err := DecodeStatusList(list.CredentialSubject.EncodedList)
	if err != nil {
		return err
	}
	if index >= len(bits)*8 {
		return fmt.Errorf("%w: statusListIndex %d outside the list", ErrBadgeClaims, index)
	}
	if bits[index/8]&(0x80>>(index%8)) != 0 {
		return ErrBadgeRevoked
	}
	return nil
}
