package certificates

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// The JSON-LD contexts of an Open Badges 3.0 credential under the
// Verifiable Credentials Data Model 2.0, in the required order.
const (
	ContextCredentialsV2 = "https://www.w3.org/ns/credentials/v2" // #nosec G101 -- a public JSON-LD context URL, not a credential
	ContextOpenBadgesV3  = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
)

// SchemaAchievementCredential is 1EdTech's JSON schema of an Open Badges 3.0
// credential, named in every badge's credentialSchema with the validator
// type the specification gives it.
const (
	SchemaAchievementCredential = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json" // #nosec G101 -- a public schema address, not a credential
	SchemaValidatorType         = "1EdTechJsonSchemaValidator2019"
)

// Credential and subject types.
const (
	TypeVerifiableCredential = "VerifiableCredential" // #nosec G101 -- a credential type name, not a secret
	TypeOpenBadgeCredential  = "OpenBadgeCredential"  // #nosec G101 -- a credential type name, not a secret
	TypeAchievementSubject   = "AchievementSubject"
)

// BadgeTokenType is the "typ" JOSE header of the badges SignCredential
// makes. Open Badges 3.0 (§ 8.2, "JSON Web Token Proof Format") says typ,
// if present, MUST be "JWT" and allows no other header than alg, kid or jwk,
// and typ; VC-JOSE-COSE only says SHOULD "vc+jwt" with an optional cty
// "vc". A badge is read by Open Badges tools first, so it follows Open
// Badges: "JWT" and no cty. VerifyCredential accepts "JWT", "vc+jwt" or no
// typ at all.
const BadgeTokenType = "JWT"

// badgeAlgorithms returns the verification allow-list: RS256, which Open
// Badges 3.0 requires, and ES256. "none" and the HMAC algorithms are never
// valid since the issuer's key set is public.
func badgeAlgorithms() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.RS256, jose.ES256}
}

// Credential is an Open Badges 3.0 OpenBadgeCredential (VC Data Model 2.0).
// It marshals to the JSON the specification describes; SignCredential turns
// it into a VC-JWT.
type Credential struct {
	Context []string `json:"@context"`
	// ID is the verification URL of the certificate.
	ID   string   `json:"id"`
	Type []string `json:"type"`
	// Name is what wallets show in their list of credentials.
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Image is the level's badge picture.
	Image  *Image  `json:"image,omitempty"`
	Issuer Profile `json:"issuer"`
	// ValidFrom is the issue time, whole seconds in UTC.
	ValidFrom time.Time `json:"validFrom"`
	// ValidUntil is the end of validity; certificates have none by default.
	ValidUntil        *time.Time         `json:"validUntil,omitempty"`
	CredentialSubject AchievementSubject `json:"credentialSubject"`
	// CredentialSchema names 1EdTech's JSON schema of the credential.
	CredentialSchema []CredentialSchema `json:"credentialSchema,omitempty"`
	// CredentialStatus is the revocation entry in the issuer's status list;
	// badges issued before status lists have none.
	CredentialStatus *StatusEntry `json:"credentialStatus,omitempty"`
}

// CredentialSchema names a JSON schema the credential conforms to.
type CredentialSchema struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// Image is an Open Badges image: its URL and a text alternative.
type Image struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Caption string `json:"caption,omitempty"`
}

// Profile is the issuing organisation.
type Profile struct {
	ID          string   `json:"id"`
	Type        []string `json:"type"`
	Name        string   `json:"name"`
	URL         string   `json:"url,omitempty"`
	Description string   `json:"description,omitempty"`
	Image       *Image   `json:"image,omitempty"`
}

// AchievementSubject is the holder and what they achieved. The holder is
// identified by a salted hash of their email address, not by name or
// address, so the badge discloses neither.
type AchievementSubject struct {
	// ID is the holder's own identifier (a DID, say), empty by default.
	ID         string           `json:"id,omitempty"`
	Type       []string         `json:"type"`
	Identifier []IdentityObject `json:"identifier,omitempty"`
	// LicenseNumber carries the certificate code.
	LicenseNumber string `json:"licenseNumber,omitempty"`
	// Term carries the session code, such as LCIII-001.
	Term        string      `json:"term,omitempty"`
	Achievement Achievement `json:"achievement"`
}

// IdentityObject identifies the holder by a hashed value.
type IdentityObject struct {
	Type         string `json:"type"`
	IdentityHash string `json:"identityHash"`
	IdentityType string `json:"identityType"`
	Hashed       bool   `json:"hashed"`
	Salt         string `json:"salt,omitempty"`
}

// Achievement is one certificate level; its ID is the same for every badge
// of that level.
type Achievement struct {
	ID              string   `json:"id"`
	Type            []string `json:"type"`
	AchievementType string   `json:"achievementType,omitempty"`
	Name            string   `json:"name"`
	Description     string   `json:"description"`
	Criteria        Criteria `json:"criteria"`
	Image           *Image   `json:"image,omitempty"`
	// InLanguage is the language of the texts, such as "fr".
	InLanguage string `json:"inLanguage,omitempty"`
	// Related lists the same achievement in the other languages.
	Related []Related `json:"related,omitempty"`
}

// Related is the same achievement described in another language.
type Related struct {
	ID         string   `json:"id"`
	Type       []string `json:"type"`
	InLanguage string   `json:"inLanguage,omitempty"`
}

// Criteria says how the achievement is earned.
type Criteria struct {
	Narrative string `json:"narrative"`
}

// BadgeInput is what BuildCredential needs. The texts are shown as they are
// by wallets: the caller localizes them (French by default).
type BadgeInput struct {
	// BaseURL is the platform's public URL, such as
	// "https://librecours.example.org"; it is the issuer id and the root of
	// the achievement ids. A trailing slash is ignored.
	BaseURL string
	// IssuerName is the issuing organisation, such as "Picasoft".
	IssuerName string
	// Code is the certificate code (canonical form, see NormalizeCode).
	Code string
	// VerifyURL is the public verification page and the credential id;
	// empty means VerifyURL(BaseURL, Code).
	VerifyURL string
	// Level is LevelI or LevelII.
	Level Level
	// SessionCode is the session, such as "LCIII-001" (optional).
	SessionCode string
	// CredentialName is the wallet title; empty means AchievementName.
	CredentialName string
	// AchievementName, AchievementDescription and CriteriaNarrative describe
	// the level: its title, what it attests, and how it is earned.
	AchievementName        string
	AchievementDescription string
	CriteriaNarrative      string
	// WorkloadNote is a localized sentence on the course's workload, added
	// after CriteriaNarrative (see KeyWorkloadNote); empty adds nothing.
	WorkloadNote string
	// HolderEmail is hashed with Salt; it does not appear in the badge.
	HolderEmail string
	// Salt is a random string kept with the certificate (see NewSalt).
	Salt string
	// SubjectID is the holder's own identifier, such as a DID (optional).
	// When set it becomes credentialSubject.id and the "sub" claim.
	SubjectID string
	// ValidFrom is the issue time; it is truncated to the second.
	ValidFrom time.Time
	// ValidUntil ends the badge's validity; zero (the default) means never.
	ValidUntil time.Time
	// Lang is the language of the texts ("fr" or "en"): the achievement's
	// inLanguage and the language of its id. Empty means "fr".
	Lang string
	// OtherLangs are the other languages the achievement is published in;
	// each becomes a "related" achievement.
	OtherLangs []string
	// ImageCaption is the text alternative of the level's badge image;
	// empty means the achievement name.
	ImageCaption string
	// StatusIndex is the credential's position in the issuer's revocation
	// list (see NewStatusIndex); zero means no credentialStatus.
	StatusIndex int
}

// Translation keys of BuildCredential validation errors.
const (
	KeyBadgeRequired   = "certificates.badge.required"
	KeyBadgeInvalidURL = "certificates.badge.invalid_url"
	KeyInvalidCode     = "certificates.code.invalid"
)

// VerifyURL returns the public verification page of a certificate:
// baseURL + "/certificates/" + code.
func VerifyURL(baseURL, code string) string {
	return strings.TrimRight(baseURL, "/") + "/certificates/" + code
}

// AchievementID returns the stable id of a level's Achievement in a
// language: baseURL + "/achievements/level-1/fr", say. With lang empty it is
// the language-neutral address badges issued before per-language
// achievements carry, which redirects to the reader's language.
func AchievementID(baseURL string, level Level, lang string) string {
	id := strings.TrimRight(baseURL, "/") + "/achievements/level-" + strconv.Itoa(int(level))
	if lang != "" {
		id += "/" + lang
	}
	return id
}

// IssuerID returns the issuer's Profile id: baseURL + "/issuer", which
// serves the Profile as JSON-LD (and a page to people).
func IssuerID(baseURL string) string { return strings.TrimRight(baseURL, "/") + "/issuer" }

// BadgeImageURL returns the SVG badge image of a level:
// baseURL + "/badges/level-1.svg".
func BadgeImageURL(baseURL string, level Level) string {
	return strings.TrimRight(baseURL, "/") + "/badges/level-" + strconv.Itoa(int(level)) + ".svg"
}

// KeyURL returns the address of one public key, served as a single JWK:
// baseURL + "/keys/" + kid. It is the "kid" of the badges that key signs.
func KeyURL(baseURL, kid string) string { return strings.TrimRight(baseURL, "/") + "/keys/" + kid }

// NewSubjectID returns an opaque "urn:uuid:" identifier (a random UUID
// version 4 read from random; nil means crypto/rand) for the holder of one
// credential: it links the credential to nobody outside it.
func NewSubjectID(random io.Reader) (string, error) {
	if random == nil {
		random = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", fmt.Errorf("certificates: read random subject id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return "urn:uuid:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// NewSalt returns a random salt for the holder's email hash: 16 bytes from
// random (nil means crypto/rand) in hex.
func NewSalt(random io.Reader) (string, error) {
	if random == nil {
		random = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", fmt.Errorf("certificates: read random salt: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// EmailIdentityHash returns the Open Badges identity hash of an email
// address: "sha256$" and the hex SHA-256 of the trimmed, lower-cased address
// followed by salt.
func EmailIdentityHash(email, salt string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email)) + salt))
	return "sha256$" + hex.EncodeToString(sum[:])
}

// HasEmail reports whether the subject is identified by email, as a
// verifier checks that a badge belongs to the person presenting it.
func (s AchievementSubject) HasEmail(email string) bool {
	for _, id := range s.Identifier {
		if id.IdentityType == "emailAddress" && id.Hashed && id.IdentityHash == EmailIdentityHash(email, id.Salt) {
			return true
		}
	}
	return false
}

// BuildCredential assembles the OpenBadgeCredential of a certificate. It
// returns ErrNotEligible for LevelNone and a *ValidationError for a missing
// or malformed field.
func BuildCredential(in BadgeInput) (Credential, error) {
	if in.Level == LevelNone {
		return Credential{}, ErrNotEligible
	}
	if in.Level != LevelI && in.Level != LevelII {
		return Credential{}, invalid("level", KeyBadgeRequired)
	}
	base := strings.TrimRight(in.BaseURL, "/")
	if !isHTTPURL(base) {
		return Credential{}, invalid("base_url", KeyBadgeInvalidURL)
	}
	if canonical, ok := NormalizeCode(in.Code); !ok || canonical != in.Code {
		return Credential{}, invalid("code", KeyInvalidCode)
	}
	verify := in.VerifyURL
	if verify == "" {
		verify = VerifyURL(base, in.Code)
	}
	if !isHTTPURL(verify) {
		return Credential{}, invalid("verify_url", KeyBadgeInvalidURL)
	}
	required := []struct{ field, value string }{
		{"issuer_name", in.IssuerName},
		{"achievement_name", in.AchievementName},
		{"achievement_description", in.AchievementDescription},
		{"criteria_narrative", in.CriteriaNarrative},
		{"holder_email", in.HolderEmail},
		{"salt", in.Salt},
	}
	for _, r := range required {
		if strings.TrimSpace(r.value) == "" {
			return Credential{}, invalid(r.field, KeyBadgeRequired)
		}
	}
	if in.ValidFrom.IsZero() {
		return Credential{}, invalid("valid_from", KeyBadgeRequired)
	}
	name := in.CredentialName
	if name == "" {
		name = in.AchievementName
	}
	lang := in.Lang
	if lang == "" {
		lang = "fr"
	}
	caption := in.ImageCaption
	if caption == "" {
		caption = in.AchievementName
	}
	image := &Image{ID: BadgeImageURL(base, in.Level), Type: "Image", Caption: caption}
	var related []Related
	for _, l := range in.OtherLangs {
		if l != lang {
			related = append(related, Related{ID: AchievementID(base, in.Level, l), Type: []string{"Related"}, InLanguage: l})
		}
	}
	cred := Credential{
		Context: []string{ContextCredentialsV2, ContextOpenBadgesV3},
		ID:      verify,
		Type:    []string{TypeVerifiableCredential, TypeOpenBadgeCredential},
		Name:    name,
		Image:   image,
		Issuer: Profile{
			ID:   IssuerID(base),
			Type: []string{"Profile"},
			Name: in.IssuerName,
			URL:  base,
		},
		ValidFrom: in.ValidFrom.UTC().Truncate(time.Second),
		CredentialSubject: AchievementSubject{
			ID:   in.SubjectID,
			Type: []string{TypeAchievementSubject},
			Identifier: []IdentityObject{{
				Type:         "IdentityObject",
				IdentityHash: EmailIdentityHash(in.HolderEmail, in.Salt),
				IdentityType: "emailAddress",
				Hashed:       true,
				Salt:         in.Salt,
			}},
			LicenseNumber: in.Code,
			Term:          in.SessionCode,
			Achievement: Achievement{
				ID:              AchievementID(base, in.Level, lang),
				Type:            []string{"Achievement"},
				AchievementType: "Certificate",
				Name:            in.AchievementName,
				Description:     in.AchievementDescription,
				Criteria:        Criteria{Narrative: joinSentences(in.CriteriaNarrative, in.WorkloadNote)},
				Image:           image,
				InLanguage:      lang,
				Related:         related,
			},
		},
		CredentialSchema: []CredentialSchema{{ID: SchemaAchievementCredential, Type: SchemaValidatorType}},
	}
	if in.StatusIndex != 0 {
		entry := NewStatusEntry(base, in.StatusIndex)
		cred.CredentialStatus = &entry
	}
	if !in.ValidUntil.IsZero() {
		until := in.ValidUntil.UTC().Truncate(time.Second)
		cred.ValidUntil = &until
	}
	return cred, nil
}

// joinSentences puts b after a, a space between them; either may be empty.
func joinSentences(a, b string) string {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if a == "" || b == "" {
		return a + b
	}
	return a + " " + b
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// badgePayload is the JWT payload: the credential itself, with the
// registered claims Open Badges 3.0 requires mirroring it.
type badgePayload struct {
	Credential
	jwtClaims
	ClaimSubject string `json:"sub,omitempty"`
	ClaimExpiry  int64  `json:"exp,omitempty"`
}

// jwtClaims are the registered claims every VC-JWT payload mirrors from its
// credential: issuer, id and validFrom.
type jwtClaims struct {
	ClaimIssuer    string `json:"iss"`
	ClaimID        string `json:"jti"`
	ClaimNotBefore int64  `json:"nbf"`
}

// SignCredential secures cred as a VC-JWT: a compact JWS whose header is
// {"alg":"RS256","kid":key.HeaderKID(),"typ":"JWT"} and whose payload is the
// credential with the claims iss (issuer.id), jti (id), nbf (validFrom),
// sub (credentialSubject.id, only when the subject has one) and exp
// (validUntil, only when set).
func SignCredential(key SigningKey, cred Credential) (string, error) {
	if key.Private == nil || key.KID == "" {
		return "", errors.New("certificates: sign badge: no signing key")
	}
	if cred.ID == "" || cred.Issuer.ID == "" || cred.ValidFrom.IsZero() {
		return "", errors.New("certificates: sign badge: credential needs id, issuer.id and validFrom")
	}
	p := badgePayload{
		Credential:   cred,
		jwtClaims:    jwtClaims{ClaimIssuer: cred.Issuer.ID, ClaimID: cred.ID, ClaimNotBefore: cred.ValidFrom.Unix()},
		ClaimSubject: cred.CredentialSubject.ID,
	}
	if cred.ValidUntil != nil {
		p.ClaimExpiry = cred.ValidUntil.Unix()
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("certificates: sign badge: %w", err)
	}
	return signPayload(key, payload)
}

// signPayload signs payload as a compact JWS with key: alg RS256, the
// key's kid and typ "JWT".
func signPayload(key SigningKey, payload []byte) (string, error) {
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: SigningAlgorithm, Key: jose.JSONWebKey{Key: key.Private, KeyID: key.HeaderKID()}},
		(&jose.SignerOptions{}).WithType(BadgeTokenType),
	)
	if err != nil {
		return "", fmt.Errorf("certificates: sign badge: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("certificates: sign badge: %w", err)
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("certificates: sign badge: %w", err)
	}
	return token, nil
}

// VerifiedCredential is a badge whose signature and claims were checked.
type VerifiedCredential struct {
	Credential Credential
	// KeyID and Algorithm are those of the signature.
	KeyID     string
	Algorithm string
}

// joseHeader is the part of the protected header read before verifying.
type joseHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// badgeClaims are the registered claims, with presence kept.
type badgeClaims struct {
	Iss *string         `json:"iss"`
	Jti *string         `json:"jti"`
	Nbf *float64        `json:"nbf"`
	Sub *string         `json:"sub"`
	Exp *float64        `json:"exp"`
	VC  json.RawMessage `json:"vc"`
}

// VerifyCredential checks a badge made by SignCredential against the
// issuer's key set: the algorithm allow-list (RS256, ES256), the key named
// by "kid", the signature, the Open Badges types and contexts, and that the
// claims agree with the credential. It does not look at the clock; use
// VerifyCredentialAt for that. Errors wrap one of the ErrBadge* sentinels.
func VerifyCredential(token string, jwks jose.JSONWebKeySet) (*VerifiedCredential, error) {
	payload, h, err := verifyJWS(token, jwks)
	if err != nil {
		return nil, err
	}
	var cred Credential
	if err := json.Unmarshal(payload, &cred); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrBadgeMalformed, err)
	}
	var claims badgeClaims
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrBadgeMalformed, err)
	}
	if err := checkTypes(cred, claims); err != nil {
		return nil, err
	}
	if err := checkClaims(cred, claims); err != nil {
		return nil, err
	}
	return &VerifiedCredential{Credential: cred, KeyID: h.Kid, Algorithm: h.Alg}, nil
}

// verifyJWS checks a compact JWS against the issuer's key set (the
// algorithm allow-list, typ, the key named by kid, the signature) and
// returns its payload and header.
func verifyJWS(token string, jwks jose.JSONWebKeySet) ([]byte, joseHeader, error) {
	var none joseHeader
	token = strings.TrimSpace(token)
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, none, fmt.Errorf("%w: not a compact JWS", ErrBadgeMalformed)
	}
	rawHeader, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, none, fmt.Errorf("%w: header is not base64url", ErrBadgeMalformed)
	}
	var h joseHeader
	if err := json.Unmarshal(rawHeader, &h); err != nil {
		return nil, none, fmt.Errorf("%w: header is not JSON", ErrBadgeMalformed)
	}
	if !slices.Contains(badgeAlgorithms(), jose.SignatureAlgorithm(h.Alg)) {
		return nil, none, fmt.Errorf("%w: %q", ErrBadgeAlgorithm, h.Alg)
	}
	switch h.Typ {
	case "", BadgeTokenType, "vc+jwt":
	default:
		return nil, none, fmt.Errorf("%w: typ %q", ErrBadgeType, h.Typ)
	}
	key, err := findKey(jwks, h.Kid)
	if err != nil {
		return nil, none, err
	}
	jws, err := jose.ParseSignedCompact(token, badgeAlgorithms())
	if err != nil {
		return nil, none, fmt.Errorf("%w: %v", ErrBadgeMalformed, err)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, none, fmt.Errorf("%w: kid %q", ErrBadgeSignature, h.Kid)
	}
	return payload, h, nil
}

// VerifyCredentialAt is VerifyCredential plus the validity period: it
// returns ErrBadgeNotYetValid before validFrom and ErrBadgeExpired from
// validUntil on, when the badge has one.
func VerifyCredentialAt(token string, jwks jose.JSONWebKeySet, now time.Time) (*VerifiedCredential, error) {
	vc, err := VerifyCredential(token, jwks)
	if err != nil {
		return nil, err
	}
	if now.Before(vc.Credential.ValidFrom) {
		return nil, fmt.Errorf("%w: valid from %s", ErrBadgeNotYetValid, vc.Credential.ValidFrom.Format(time.RFC3339))
	}
	if u := vc.Credential.ValidUntil; u != nil && !now.Before(*u) {
		return nil, fmt.Errorf("%w: valid until %s", ErrBadgeExpired, u.Format(time.RFC3339))
	}
	return vc, nil
}

// findKey returns the public key of jwks named kid.
func findKey(jwks jose.JSONWebKeySet, kid string) (*jose.JSONWebKey, error) {
	if kid == "" {
		return nil, fmt.Errorf("%w: no kid in header", ErrBadgeUnknownKey)
	}
	for _, k := range jwks.Key(kid) {
		if k.IsPublic() {
			return &k, nil
		}
	}
	// A kid URL (.../keys/THUMBPRINT) names the key whose thumbprint ends
	// it, in a key set that lists keys by thumbprint, and a thumbprint names
	// a key listed by URL: badges and key sets of either form meet.
	want := kid[strings.LastIndex(kid, "/")+1:]
	for _, k := range jwks.Keys {
		if !k.IsPublic() {
			continue
		}
		if tp, err := k.Thumbprint(crypto.SHA256); err == nil && base64.RawURLEncoding.EncodeToString(tp) == want {
			return &k, nil
		}
	}
	return nil, fmt.Errorf("%w: kid %q", ErrBadgeUnknownKey, kid)
}

func checkTypes(cred Credential, claims badgeClaims) error {
	if len(claims.VC) > 0 {
		return fmt.Errorf("%w: VC Data Model 1.1 \"vc\" claim", ErrBadgeType)
	}
	if len(cred.Context) < 2 || cred.Context[0] != ContextCredentialsV2 || !slices.Contains(cred.Context, ContextOpenBadgesV3) {
		return fmt.Errorf("%w: @context %q", ErrBadgeType, cred.Context)
	}
	if !slices.Contains(cred.Type, TypeVerifiableCredential) ||
		!(slices.Contains(cred.Type, TypeOpenBadgeCredential) || slices.Contains(cred.Type, "AchievementCredential")) {
		return fmt.Errorf("%w: type %q", ErrBadgeType, cred.Type)
	}
	if !slices.Contains(cred.CredentialSubject.Type, TypeAchievementSubject) {
		return fmt.Errorf("%w: credentialSubject.type %q", ErrBadgeType, cred.CredentialSubject.Type)
	}
	return nil
}

func checkClaims(cred Credential, c badgeClaims) error {
	switch {
	case cred.ID == "":
		return fmt.Errorf("%w: no credential id", ErrBadgeClaims)
	case cred.Issuer.ID == "":
		return fmt.Errorf("%w: no issuer.id", ErrBadgeClaims)
	case cred.ValidFrom.IsZero():
		return fmt.Errorf("%w: no validFrom", ErrBadgeClaims)
	case c.Iss == nil || *c.Iss != cred.Issuer.ID:
		return fmt.Errorf("%w: iss does not match issuer.id", ErrBadgeClaims)
	case c.Jti == nil || *c.Jti != cred.ID:
		return fmt.Errorf("%w: jti does not match id", ErrBadgeClaims)
	case c.Nbf == nil || !sameSecond(*c.Nbf, cred.ValidFrom):
		return fmt.Errorf("%w: nbf does not match validFrom", ErrBadgeClaims)
	case (c.Sub != nil || cred.CredentialSubject.ID != "") && (c.Sub == nil || *c.Sub != cred.CredentialSubject.ID):
		return fmt.Errorf("%w: sub does not match credentialSubject.id", ErrBadgeClaims)
	case (c.Exp != nil) != (cred.ValidUntil != nil):
		return fmt.Errorf("%w: exp and validUntil disagree", ErrBadgeClaims)
	case c.Exp != nil && !sameSecond(*c.Exp, *cred.ValidUntil):
		return fmt.Errorf("%w: exp does not match validUntil", ErrBadgeClaims)
	}
	return nil
}

// sameSecond reports whether the NumericDate n names t's second.
func sameSecond(n float64, t time.Time) bool {
	return !math.IsNaN(n) && int64(math.Floor(n)) == t.Unix()
}
