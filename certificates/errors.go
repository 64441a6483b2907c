package certificates

import (
	"errors"

	"librecours/course"
)

// Errors of the certificates. The shared ones are course's (see
// course/errors.go); app/web/errors.go maps them all to statuses.
var (
	// ErrNotEligible means the participant's outcome is level 0, so no
	// certificate can be issued.
	ErrNotEligible = errors.New("certificates: participant not eligible for a certificate")
	// ErrNotFound means no certificate has the requested code.
	ErrNotFound = course.ErrNotFound
	// ErrRevoked means the certificate exists but a coordinator revoked it.
	ErrRevoked = errors.New("certificates: certificate revoked")
	// ErrCommitmentNotPending means the commitment was already fulfilled or
	// released.
	ErrCommitmentNotPending = errors.New("certificates: commitment not pending")
)

// Badge verification errors, returned wrapped with the detail of what failed
// by VerifyCredential and VerifyCredentialAt.
var (
	// ErrBadgeMalformed means the token is not a compact JWS carrying a JSON
	// credential.
	ErrBadgeMalformed = errors.New("certificates: malformed badge token")
	// ErrBadgeAlgorithm means the token's "alg" is not in the allow-list
	// (RS256, ES256); this covers "none" and HMAC algorithms.
	ErrBadgeAlgorithm = errors.New("certificates: badge signature algorithm not allowed")
	// ErrBadgeUnknownKey means the token's "kid" is missing or names no key
	// of the issuer's key set.
	ErrBadgeUnknownKey = errors.New("certificates: badge signed with an unknown key")
	// ErrBadgeSignature means the signature does not verify with the key
	// named by "kid".
	ErrBadgeSignature = errors.New("certificates: badge signature invalid")
	// ErrBadgeType means the JOSE "typ" or the credential types are not those
	// of an Open Badges 3.0 credential secured as a VC-JWT.
	ErrBadgeType = errors.New("certificates: not an Open Badges credential")
	// ErrBadgeClaims means the JWT claims (iss, jti, nbf, exp, sub) disagree
	// with the credential they secure, or a required member is missing.
	ErrBadgeClaims = errors.New("certificates: badge claims inconsistent with the credential")
	// ErrBadgeNotYetValid means the credential's validity starts after the
	// verification time.
	ErrBadgeNotYetValid = errors.New("certificates: badge not yet valid")
	// ErrBadgeExpired means the credential's validity ended before the
	// verification time.
	ErrBadgeExpired = errors.New("certificates: badge expired")
)

// ValidationError is course's: Field names the offending field (as the
// JSON API spells it), Key the message shown, e.g.
// "certificates.rules.invalid_threshold", Args its data.
type ValidationError = course.ValidationError

// invalid returns a *ValidationError for field with translation key.
func invalid(field, key string) error {
	return &ValidationError{Field: field, Key: key}
}
