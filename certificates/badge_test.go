package certificates

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
)

var issuedAt = time.Date(2025, 1, 27, 17, 30, 15, 123456789, time.FixedZone("CET", 3600))

func testBadgeInput() BadgeInput {
	return BadgeInput{
		BaseURL:                "https://librecours.example.org/",
		IssuerName:             "Picasoft",
		Code:                   "LC3-7K2Q-M9XD-4TPA-Q8ZC",
		Level:                  LevelII,
		SessionCode:            "LCIII-001",
		AchievementName:        "Libre cours Libre Culture — niveau II",
		AchievementDescription: "Maîtrise des licences libres ; s’engage à animer une session.",
		CriteriaNarrative:      "Six exercices réussis, évaluations par les pairs rendues à l’heure, évaluation finale ≥ 70.",
		HolderEmail:            "Ada.Lovelace@Example.org",
		Salt:                   "0123456789abcdef0123456789abcdef",
		ValidFrom:              issuedAt,
		SubjectID:              "urn:uuid:5c7b2a47-1f0e-4d3a-9b8c-2e6f0a1d4c3b",
		Lang:                   "fr",
		OtherLangs:             []string{"fr", "en"},
		ImageCaption:           "Badge Libre cours, niveau II",
		StatusIndex:            94567,
	}
}

func TestBuildCredential(t *testing.T) {
	cred, err := BuildCredential(testBadgeInput())
	if err != nil {
		t.Fatalf("BuildCredential() error = %v", err)
	}
	got, err := json.Marshal(cred)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("ada.lovelace@example.org" + "0123456789abcdef0123456789abcdef"))
	want := `{
	  "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
	  "id": "https://librecours.example.org/certificates/LC3-7K2Q-M9XD-4TPA-Q8ZC",
	  "type": ["VerifiableCredential", "OpenBadgeCredential"],
	  "name": "Libre cours Libre Culture — niveau II",
	  "image": {"id": "https://librecours.example.org/badges/level-2.svg", "type": "Image", "caption": "Badge Libre cours, niveau II"},
	  "issuer": {"id": "https://librecours.example.org/issuer", "type": ["Profile"], "name": "Picasoft", "url": "https://librecours.example.org"},
	  "validFrom": "2025-01-27T16:30:15Z",
	  "credentialSchema": [{
	    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
	    "type": "1EdTechJsonSchemaValidator2019"
	  }],
	  "credentialStatus": {
	    "id": "https://librecours.example.org/status/revocation#94567",
	    "type": "BitstringStatusListEntry",
	    "statusPurpose": "revocation",
	    "statusListIndex": "94567",
	    "statusListCredential": "https://librecours.example.org/status/revocation"
	  },
	  "credentialSubject": {
	    "id": "urn:uuid:5c7b2a47-1f0e-4d3a-9b8c-2e6f0a1d4c3b",
	    "type": ["AchievementSubject"],
	    "identifier": [{
	      "type": "IdentityObject",
	      "identityHash": "sha256$` + hex.EncodeToString(sum[:]) + `",
	      "identityType": "emailAddress",
	      "hashed": true,
	      "salt": "0123456789abcdef0123456789abcdef"
	    }],
	    "licenseNumber": "LC3-7K2Q-M9XD-4TPA-Q8ZC",
	    "term": "LCIII-001",
	    "achievement": {
	      "id": "https://librecours.example.org/achievements/level-2/fr",
	      "type": ["Achievement"],
	      "achievementType": "Certificate",
	      "name": "Libre cours Libre Culture — niveau II",
	      "description": "Maîtrise des licences libres ; s’engage à animer une session.",
	      "criteria": {"narrative": "Six exercices réussis, évaluations par les pairs rendues à l’heure, évaluation finale ≥ 70."},
	      "image": {"id": "https://librecours.example.org/badges/level-2.svg", "type": "Image", "caption": "Badge Libre cours, niveau II"},
	      "inLanguage": "fr",
	      "related": [{"id": "https://librecours.example.org/achievements/level-2/en", "type": ["Related"], "inLanguage": "en"}]
	    }
	  }
	}`
	if diff := cmp.Diff(jsonValue(t, []byte(want)), jsonValue(t, got)); diff != "" {
		t.Errorf("credential JSON mismatch (-want +got):\n%s", diff)
	}
	if !cred.CredentialSubject.HasEmail("  ada.lovelace@EXAMPLE.org ") {
		t.Error("HasEmail(same address) = false, want true")
	}
	if cred.CredentialSubject.HasEmail("grace.hopper@example.org") {
		t.Error("HasEmail(other address) = true, want false")
	}
}

func TestBuildCredentialOptions(t *testing.T) {
	in := testBadgeInput()
	in.Level = LevelI
	in.CredentialName = "Certificat Libre cours"
	in.VerifyURL = "https://verify.example.org/c/LC3-7K2Q-M9XD-4TPA-Q8ZC"
	in.SubjectID = "did:example:ada"
	in.ValidUntil = issuedAt.Add(365 * 24 * time.Hour)
	cred, err := BuildCredential(in)
	if err != nil {
		t.Fatalf("BuildCredential() error = %v", err)
	}
	until := time.Date(2026, 1, 27, 16, 30, 15, 0, time.UTC)
	got := []any{cred.Name, cred.ID, cred.CredentialSubject.ID, cred.CredentialSubject.Achievement.ID, cred.ValidUntil}
	want := []any{"Certificat Libre cours", in.VerifyURL, "did:example:ada", "https://librecours.example.org/achievements/level-1/fr", &until}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("BuildCredential() mismatch (-want +got):\n%s", diff)
	}
}

func TestBuildCredentialErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(in *BadgeInput)
		want   *ValidationError
	}{
		{"bad level", func(in *BadgeInput) { in.Level = 3 }, &ValidationError{Field: "level", Key: KeyBadgeRequired}},
		{"relative base URL", func(in *BadgeInput) { in.BaseURL = "/librecours" }, &ValidationError{Field: "base_url", Key: KeyBadgeInvalidURL}},
		{"ftp base URL", func(in *BadgeInput) { in.BaseURL = "ftp://example.org" }, &ValidationError{Field: "base_url", Key: KeyBadgeInvalidURL}},
		{"lower-case code", func(in *BadgeInput) { in.Code = strings.ToLower(in.Code) }, &ValidationError{Field: "code", Key: KeyInvalidCode}},
		{"malformed code", func(in *BadgeInput) { in.Code = "LC3-1234" }, &ValidationError{Field: "code", Key: KeyInvalidCode}},
		{"bad verify URL", func(in *BadgeInput) { in.VerifyURL = "certificates/x" }, &ValidationError{Field: "verify_url", Key: KeyBadgeInvalidURL}},
		{"no issuer", func(in *BadgeInput) { in.IssuerName = " " }, &ValidationError{Field: "issuer_name", Key: KeyBadgeRequired}},
		{"no achievement name", func(in *BadgeInput) { in.AchievementName = "" }, &ValidationError{Field: "achievement_name", Key: KeyBadgeRequired}},
		{"no description", func(in *BadgeInput) { in.AchievementDescription = "" }, &ValidationError{Field: "achievement_description", Key: KeyBadgeRequired}},
		{"no criteria", func(in *BadgeInput) { in.CriteriaNarrative = "" }, &ValidationError{Field: "criteria_narrative", Key: KeyBadgeRequired}},
		{"no email", func(in *BadgeInput) { in.HolderEmail = "" }, &ValidationError{Field: "holder_email", Key: KeyBadgeRequired}},
		{"no salt", func(in *BadgeInput) { in.Salt = "" }, &ValidationError{Field: "salt", Key: KeyBadgeRequired}},
		{"no issue time", func(in *BadgeInput) { in.ValidFrom = time.Time{} }, &ValidationError{Field: "valid_from", Key: KeyBadgeRequired}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := testBadgeInput()
			tt.change(&in)
			_, err := BuildCredential(in)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("BuildCredential() error = %v, want *ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, ve); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("level 0 is not eligible", func(t *testing.T) {
		in := testBadgeInput()
		in.Level = LevelNone
		if _, err := BuildCredential(in); !errors.Is(err, ErrNotEligible) {
			t.Errorf("BuildCredential() error = %v, want ErrNotEligible", err)
		}
	})
}

func TestNewSalt(t *testing.T) {
	s, err := NewSalt(strings.NewReader(strings.Repeat("\xab", 16)))
	if err != nil || s != strings.Repeat("ab", 16) {
		t.Errorf("NewSalt() = %q, %v; want %q", s, err, strings.Repeat("ab", 16))
	}
	a, _ := NewSalt(nil)
	b, _ := NewSalt(nil)
	if len(a) != 32 || a == b {
		t.Errorf("NewSalt(nil) = %q then %q, want two different 32-character salts", a, b)
	}
	if _, err := NewSalt(strings.NewReader("short")); err == nil {
		t.Error("NewSalt(short reader) error = nil, want an error")
	}
}

// jsonValue decodes data into generic JSON values for comparison.
func jsonValue(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("invalid JSON %s: %v", data, err)
	}
	return v
}

// segments decodes the header and payload of a compact JWS.
func segments(t *testing.T, token string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &payload} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("segment %d: %v", i, err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatalf("segment %d: %v", i, err)
		}
	}
	return header, payload
}

func TestSignAndVerifyCredential(t *testing.T) {
	key := newTestKey(t, issuedAt)
	cred, err := BuildCredential(testBadgeInput())
	if err != nil {
		t.Fatal(err)
	}
	token, err := SignCredential(key, cred)
	if err != nil {
		t.Fatalf("SignCredential() error = %v", err)
	}

	header, payload := segments(t, token)
	wantHeader := map[string]any{"alg": "RS256", "kid": key.KID, "typ": "JWT"}
	if diff := cmp.Diff(wantHeader, header); diff != "" {
		t.Errorf("JOSE header mismatch (-want +got):\n%s", diff)
	}
	wantClaims := map[string]any{
		"iss": "https://librecours.example.org/issuer",
		"jti": "https://librecours.example.org/certificates/LC3-7K2Q-M9XD-4TPA-Q8ZC",
		"sub": "urn:uuid:5c7b2a47-1f0e-4d3a-9b8c-2e6f0a1d4c3b",
		"nbf": float64(time.Date(2025, 1, 27, 16, 30, 15, 0, time.UTC).Unix()),
	}
	for claim, want := range wantClaims {
		if payload[claim] != want {
			t.Errorf("claim %s = %v, want %v", claim, payload[claim], want)
		}
	}
	for _, absent := range []string{"exp", "vc"} {
		if v, ok := payload[absent]; ok {
			t.Errorf("claim %s = %v, want it absent", absent, v)
		}
	}
	if payload["credentialSubject"] == nil || payload["@context"] == nil {
		t.Errorf("payload %v does not carry the credential at top level", payload)
	}

	got, err := VerifyCredential(token, JWKS([]SigningKey{key}))
	if err != nil {
		t.Fatalf("VerifyCredential() error = %v", err)
	}
	want := &VerifiedCredential{Credential: cred, KeyID: key.KID, Algorithm: "RS256"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("VerifyCredential() mismatch (-want +got):\n%s", diff)
	}

	t.Run("subject id becomes sub", func(t *testing.T) {
		in := testBadgeInput()
		in.SubjectID = "did:example:ada"
		in.ValidUntil = issuedAt.AddDate(1, 0, 0)
		cred, err := BuildCredential(in)
		if err != nil {
			t.Fatal(err)
		}
		token, err := SignCredential(key, cred)
		if err != nil {
			t.Fatal(err)
		}
		_, payload := segments(t, token)
		if payload["sub"] != "did:example:ada" || payload["exp"] != float64(cred.ValidUntil.Unix()) {
			t.Errorf("sub, exp = %v, %v; want did:example:ada, %d", payload["sub"], payload["exp"], cred.ValidUntil.Unix())
		}
		if _, err := VerifyCredential(token, JWKS([]SigningKey{key})); err != nil {
			t.Errorf("VerifyCredential() error = %v", err)
		}
	})
	t.Run("published key set as fetched JSON", func(t *testing.T) {
		data, err := json.Marshal(JWKS([]SigningKey{key}))
		if err != nil {
			t.Fatal(err)
		}
		var fetched jose.JSONWebKeySet
		if err := json.Unmarshal(data, &fetched); err != nil {
			t.Fatal(err)
		}
		if _, err := VerifyCredential(token, fetched); err != nil {
			t.Errorf("VerifyCredential() error = %v", err)
		}
	})
}

func TestSignCredentialErrors(t *testing.T) {
	key := newTestKey(t, issuedAt)
	cred, err := BuildCredential(testBadgeInput())
	if err != nil {
		t.Fatal(err)
	}
	noID := cred
	noID.ID = ""
	tests := []struct {
		name string
		key  SigningKey
		cred Credential
	}{
		{"no key", SigningKey{}, cred},
		{"no credential id", key, noID},
		{"empty credential", key, Credential{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := SignCredential(tt.key, tt.cred); err == nil {
				t.Error("SignCredential() error = nil, want an error")
			}
		})
	}
}

// b64 encodes a JWS segment.
func b64(data []byte) string { return base64.RawURLEncoding.EncodeToString(data) }

// rsaToken builds a compact JWS by hand, signed RS256 with priv, so a test
// can put anything in the header and payload.
func rsaToken(t *testing.T, priv *rsa.PrivateKey, header map[string]any, payload []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	input := b64(h) + "." + b64(payload)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

// payloadOf returns the JWT payload SignCredential makes for cred, as a
// map the test may change.
func payloadOf(t *testing.T, key SigningKey, cred Credential) map[string]any {
	t.Helper()
	token, err := SignCredential(key, cred)
	if err != nil {
		t.Fatal(err)
	}
	_, payload := segments(t, token)
	return payload
}

func TestVerifyCredentialRejects(t *testing.T) {
	key := newTestKey(t, issuedAt)
	other := newTestKey(t, issuedAt)
	jwks := JWKS([]SigningKey{key})
	cred, err := BuildCredential(testBadgeInput())
	if err != nil {
		t.Fatal(err)
	}
	good, err := SignCredential(key, cred)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	header := func(alg, kid, typ string) map[string]any {
		h := map[string]any{"alg": alg, "kid": kid}
		if typ != "" {
			h["typ"] = typ
		}
		return h
	}
	signed := func(change func(p map[string]any)) string {
		p := payloadOf(t, key, cred)
		change(p)
		data, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return rsaToken(t, key.Private, header("RS256", key.KID, "JWT"), data)
	}
	rawPayload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{
			name: "one payload byte flipped",
			token: func() string {
				p := []byte(string(rawPayload))
				p[len(p)/2] ^= 0x01
				return parts[0] + "." + b64(p) + "." + parts[2]
			}(),
			want: ErrBadgeSignature,
		},
		{
			name:  "level edited in payload",
			token: parts[0] + "." + b64([]byte(strings.Replace(string(rawPayload), "level-2", "level-1", 1))) + "." + parts[2],
			want:  ErrBadgeSignature,
		},
		{
			name: "one signature byte flipped",
			token: func() string {
				sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
				sig[10] ^= 0x80
				return parts[0] + "." + parts[1] + "." + b64(sig)
			}(),
			want: ErrBadgeSignature,
		},
		{
			name: "signed by another key under its own kid",
			token: func() string {
				tok, err := SignCredential(other, cred)
				if err != nil {
					t.Fatal(err)
				}
				return tok
			}(),
			want: ErrBadgeUnknownKey,
		},
		{
			name:  "signed by another key claiming the issuer's kid",
			token: rsaToken(t, other.Private, header("RS256", key.KID, "JWT"), rawPayload),
			want:  ErrBadgeSignature,
		},
		{
			name:  "no kid",
			token: rsaToken(t, key.Private, map[string]any{"alg": "RS256", "typ": "JWT"}, rawPayload),
			want:  ErrBadgeUnknownKey,
		},
		{
			name: "alg none",
			token: func() string {
				h, _ := json.Marshal(header("none", key.KID, "JWT"))
				return b64(h) + "." + parts[1] + "."
			}(),
			want: ErrBadgeAlgorithm,
		},
		{
			name: "HS256 keyed with the public key",
			token: func() string {
				h, _ := json.Marshal(header("HS256", key.KID, "JWT"))
				pub, err := x509.MarshalPKIXPublicKey(&key.Private.PublicKey)
				if err != nil {
					t.Fatal(err)
				}
				input := b64(h) + "." + parts[1]
				mac := hmac.New(sha256.New, pub)
				mac.Write([]byte(input))
				return input + "." + b64(mac.Sum(nil))
			}(),
			want: ErrBadgeAlgorithm,
		},
		{
			name: "RS512 is not in the allow-list",
			token: func() string {
				h, _ := json.Marshal(header("RS512", key.KID, "JWT"))
				return b64(h) + "." + parts[1] + "." + parts[2]
			}(),
			want: ErrBadgeAlgorithm,
		},
		{
			name:  "ES256 header over an RSA key",
			token: rsaToken(t, key.Private, header("ES256", key.KID, "JWT"), rawPayload),
			want:  ErrBadgeSignature,
		},
		{
			name:  "access token typ",
			token: rsaToken(t, key.Private, header("RS256", key.KID, "at+jwt"), rawPayload),
			want:  ErrBadgeType,
		},
		{name: "empty", token: "", want: ErrBadgeMalformed},
		{name: "two segments", token: parts[0] + "." + parts[1], want: ErrBadgeMalformed},
		{name: "header not base64", token: "!!!." + parts[1] + "." + parts[2], want: ErrBadgeMalformed},
		{name: "header not JSON", token: b64([]byte("alg")) + "." + parts[1] + "." + parts[2], want: ErrBadgeMalformed},
		{
			name:  "payload not JSON",
			token: rsaToken(t, key.Private, header("RS256", key.KID, "JWT"), []byte("not json")),
			want:  ErrBadgeMalformed,
		},
		{
			name:  "not an Open Badge",
			token: signed(func(p map[string]any) { p["type"] = []string{"VerifiableCredential"} }),
			want:  ErrBadgeType,
		},
		{
			name: "VC 1.1 context",
			token: signed(func(p map[string]any) {
				p["@context"] = []string{"https://www.w3.org/2018/credentials/v1", ContextOpenBadgesV3}
			}),
			want: ErrBadgeType,
		},
		{
			name: "subject is not an AchievementSubject",
			token: signed(func(p map[string]any) {
				p["credentialSubject"].(map[string]any)["type"] = []string{"Person"}
			}),
			want: ErrBadgeType,
		},
		{
			name:  "vc claim wrapper",
			token: signed(func(p map[string]any) { p["vc"] = map[string]any{} }),
			want:  ErrBadgeType,
		},
		{
			name:  "iss differs from issuer.id",
			token: signed(func(p map[string]any) { p["iss"] = "https://evil.example" }),
			want:  ErrBadgeClaims,
		},
		{
			name:  "iss missing",
			token: signed(func(p map[string]any) { delete(p, "iss") }),
			want:  ErrBadgeClaims,
		},
		{
			name: "jti differs from id",
			token: signed(func(p map[string]any) {
				p["jti"] = "https://librecours.example.org/certificates/LC3-0000-0000-0000-0000"
			}),
			want: ErrBadgeClaims,
		},
		{
			name:  "nbf differs from validFrom",
			token: signed(func(p map[string]any) { p["nbf"] = p["nbf"].(float64) + 1 }),
			want:  ErrBadgeClaims,
		},
		{
			name:  "nbf missing",
			token: signed(func(p map[string]any) { delete(p, "nbf") }),
			want:  ErrBadgeClaims,
		},
		{
			name:  "sub without a subject id",
			token: signed(func(p map[string]any) { p["sub"] = "did:example:mallory" }),
			want:  ErrBadgeClaims,
		},
		{
			name:  "exp without validUntil",
			token: signed(func(p map[string]any) { p["exp"] = p["nbf"].(float64) + 3600 }),
			want:  ErrBadgeClaims,
		},
		{
			name:  "no credential id",
			token: signed(func(p map[string]any) { delete(p, "id") }),
			want:  ErrBadgeClaims,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VerifyCredential(tt.token, jwks)
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifyCredential() error = %v, want %v", err, tt.want)
			}
			if got != nil {
				t.Errorf("VerifyCredential() = %+v, want nil", got)
			}
		})
	}
	t.Run("sentinels are distinct", func(t *testing.T) {
		all := []error{ErrBadgeMalformed, ErrBadgeAlgorithm, ErrBadgeUnknownKey, ErrBadgeSignature, ErrBadgeType, ErrBadgeClaims, ErrBadgeNotYetValid, ErrBadgeExpired}
		for i, a := range all {
			for j, b := range all {
				if i != j && errors.Is(a, b) {
					t.Errorf("%v matches %v", a, b)
				}
			}
		}
	})
	t.Run("typ vc+jwt and no typ are accepted", func(t *testing.T) {
		for _, typ := range []string{"vc+jwt", ""} {
			tok := rsaToken(t, key.Private, header("RS256", key.KID, typ), rawPayload)
			if _, err := VerifyCredential(tok, jwks); err != nil {
				t.Errorf("typ %q: VerifyCredential() error = %v", typ, err)
			}
		}
	})
}

func TestVerifyCredentialES256(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey := newTestKey(t, issuedAt)
	cred, err := BuildCredential(testBadgeInput())
	if err != nil {
		t.Fatal(err)
	}
	payload, err := json.Marshal(payloadOf(t, rsaKey, cred))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: ec, KeyID: "ec-1"}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	jwks := JWKS([]SigningKey{rsaKey})
	jwks.Keys = append(jwks.Keys, jose.JSONWebKey{Key: &ec.PublicKey, KeyID: "ec-1", Algorithm: "ES256", Use: "sig"})
	got, err := VerifyCredential(token, jwks)
	if err != nil {
		t.Fatalf("VerifyCredential() error = %v", err)
	}
	if got.Algorithm != "ES256" || got.KeyID != "ec-1" {
		t.Errorf("VerifyCredential() = alg %s kid %s, want ES256 ec-1", got.Algorithm, got.KeyID)
	}

	t.Run("private key in the set is not used", func(t *testing.T) {
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: ec, KeyID: "ec-1"}}}
		if _, err := VerifyCredential(token, set); !errors.Is(err, ErrBadgeUnknownKey) {
			t.Errorf("VerifyCredential() error = %v, want ErrBadgeUnknownKey", err)
		}
	})
}

func TestVerifyCredentialAt(t *testing.T) {
	key := newTestKey(t, issuedAt)
	jwks := JWKS([]SigningKey{key})
	sign := func(validUntil time.Time) string {
		in := testBadgeInput()
		in.ValidUntil = validUntil
		cred, err := BuildCredential(in)
		if err != nil {
			t.Fatal(err)
		}
		token, err := SignCredential(key, cred)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	from := issuedAt.Truncate(time.Second)
	until := from.AddDate(2, 0, 0)
	tests := []struct {
		name  string
		token string
		now   time.Time
		want  error
	}{
		{"a second before validFrom", sign(time.Time{}), from.Add(-time.Second), ErrBadgeNotYetValid},
		{"at validFrom", sign(time.Time{}), from, nil},
		{"years later without expiry", sign(time.Time{}), from.AddDate(30, 0, 0), nil},
		{"just before validUntil", sign(until), until.Add(-time.Second), nil},
		{"at validUntil", sign(until), until, ErrBadgeExpired},
		{"invalid signature first", sign(time.Time{}) + "x", from, ErrBadgeSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyCredentialAt(tt.token, jwks, tt.now)
			if !errors.Is(err, tt.want) {
				t.Errorf("VerifyCredentialAt() error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	old := newTestKey(t, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	cred, err := BuildCredential(testBadgeInput())
	if err != nil {
		t.Fatal(err)
	}
	oldToken, err := SignCredential(old, cred)
	if err != nil {
		t.Fatal(err)
	}

	rotated := newTestKey(t, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	keys := []SigningKey{old, rotated}
	current, ok := LatestKey(keys)
	if !ok || current.KID != rotated.KID {
		t.Fatalf("LatestKey() = %q, want the rotated key %q", current.KID, rotated.KID)
	}
	newToken, err := SignCredential(current, cred)
	if err != nil {
		t.Fatal(err)
	}

	jwks := JWKS(keys)
	var kids []string
	for _, k := range jwks.Keys {
		kids = append(kids, k.KeyID)
	}
	if diff := cmp.Diff([]string{old.KID, rotated.KID}, kids); diff != "" {
		t.Errorf("JWKS after rotation mismatch (-want +got):\n%s", diff)
	}
	for name, token := range map[string]string{"old key": oldToken, "new key": newToken} {
		t.Run(name, func(t *testing.T) {
			if _, err := VerifyCredential(token, jwks); err != nil {
				t.Errorf("VerifyCredential() error = %v", err)
			}
		})
	}
	t.Run("old badge fails once its key is dropped", func(t *testing.T) {
		if _, err := VerifyCredential(oldToken, JWKS([]SigningKey{rotated})); !errors.Is(err, ErrBadgeUnknownKey) {
			t.Errorf("VerifyCredential() error = %v, want ErrBadgeUnknownKey", err)
		}
	})
}
