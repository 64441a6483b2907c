package certificates

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/BurntSushi/toml"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaFile is 1EdTech's JSON schema of the Open Badges 3.0
// AchievementCredential (VC 2.0, draft 2019-09), vendored unchanged (see
// testdata/standards/README.md), and schemaID its "$id".
const (
	schemaFile = "1edtech-ob-v3p0/achievementcredential.json"
	schemaID   = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential-jsonschema1.json"
)

// achievementCredentialSchema compiles the vendored schema offline: the
// compiler's only loader reads files, so a reference to a network address
// fails instead of being fetched. Formats (uri, date-time) are asserted,
// not just annotated.
func achievementCredentialSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "standards", schemaFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if id := doc.(map[string]any)["$id"]; id != schemaID {
		t.Fatalf("vendored schema $id = %v, want %s", id, schemaID)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, url := range []string{schemaID, SchemaAchievementCredential} {
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile(SchemaAchievementCredential)
	if err != nil {
		t.Fatalf("compile %s: %v", schemaFile, err)
	}
	return sch
}

// localeTexts reads the platform's own messages (assets/locales/*.LANG.toml)
// and renders them as go-i18n does for the keys a badge uses: a plural
// message takes its "other" form.
type localeTexts map[string]map[string]string

func readLocaleTexts(t *testing.T, langs ...string) localeTexts {
	t.Helper()
	out := localeTexts{}
	for _, lang := range langs {
		files, err := filepath.Glob(filepath.Join("..", "assets", "locales", "*."+lang+".toml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no %s locale files: %v", lang, err)
		}
		out[lang] = map[string]string{}
		for _, file := range files {
			var m map[string]any
			if _, err := toml.DecodeFile(file, &m); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			for k, v := range m {
				switch v := v.(type) {
				case string:
					out[lang][k] = v
				case map[string]any:
					if s, ok := v["other"].(string); ok {
						out[lang][k] = s
					}
				}
			}
		}
	}
	return out
}

func (lt localeTexts) T(lang, id string, args map[string]any) string {
	msg, ok := lt[lang][id]
	if !ok {
		return ""
	}
	tmpl, err := template.New(id).Parse(msg)
	if err != nil {
		return ""
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, args); err != nil {
		return ""
	}
	return b.String()
}

func (lt localeTexts) Languages() []string { return []string{"fr", "en"} }

// issuedPayload builds and signs a badge the way Service.issue does (its
// texts from the platform's locales) and returns the VC-JWT payload as JSON:
// the credential itself plus the registered claims.
func issuedPayload(t *testing.T, s *Service, key SigningKey, level Level, lang string, statusIndex int) []byte {
	t.Helper()
	in := s.AchievementInput(level, lang)
	in.Code, in.SessionCode, in.HolderEmail, in.Salt = "LC3-7K2Q-M9XD-4TPA-Q8ZC", "LCIII-001", "ada@example.org", "0123456789abcdef0123456789abcdef"
	in.SubjectID, in.ValidFrom = "urn:uuid:5c7b2a47-1f0e-4d3a-9b8c-2e6f0a1d4c3b", issuedAt
	in.WorkloadNote = s.Texts.T(lang, KeyWorkloadNote, map[string]any{"Count": 25})
	in.StatusIndex = statusIndex
	cred, err := BuildCredential(in)
	if err != nil {
		t.Fatal(err)
	}
	token, err := SignCredential(key, cred)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	return payload
}

func validate(t *testing.T, sch *jsonschema.Schema, doc []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return sch.Validate(inst)
}

// TestCredentialMatchesSchema validates the payload of every kind of badge
// the platform issues (levels I and II, French and English, with and
// without credentialStatus) against 1EdTech's AchievementCredential schema.
func TestCredentialMatchesSchema(t *testing.T) {
	t.Parallel()
	sch := achievementCredentialSchema(t)
	s := &Service{BaseURL: "https://librecours.example.org", Organisation: "Picasoft", Texts: readLocaleTexts(t, "fr", "en")}
	key := newTestKey(t, issuedAt)
	key.URL = KeyURL(s.BaseURL, key.KID)
	for _, level := range []Level{LevelI, LevelII} {
		for _, lang := range []string{"fr", "en"} {
			for _, status := range []int{0, 94567} {
				name := fmt.Sprintf("level %d %s status %d", level, lang, status)
				t.Run(name, func(t *testing.T) {
					payload := issuedPayload(t, s, key, level, lang, status)
					var m map[string]any
					if err := json.Unmarshal(payload, &m); err != nil {
						t.Fatal(err)
					}
					// The case is the one named: texts in lang, the status
					// entry present or not.
					ach := m["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
					if ach["inLanguage"] != lang || ach["name"] == "" || ach["description"] == "" {
						t.Fatalf("achievement %v is not in %s", ach, lang)
					}
					if _, has := m["credentialStatus"]; has != (status != 0) {
						t.Fatalf("credentialStatus present %v, want %v", has, status != 0)
					}
					if err := validate(t, sch, payload); err != nil {
						t.Errorf("the issued credential does not match 1EdTech's schema:\n%v\npayload: %s", err, payload)
					}
				})
			}
		}
	}
}

// TestCredentialSchemaNamed checks the badge names 1EdTech's schema with the
// validator type Open Badges 3.0 gives it. The id is the address the
// specification publishes the schema at and every one of its examples
// names (ob_v3p0/introduction.md, docformat.md); the generated file's own
// "$id" (schemaID) appears nowhere else, so achievementCredentialSchema
// registers the vendored file under both.
func TestCredentialSchemaNamed(t *testing.T) {
	t.Parallel()
	cred := fullCredential(t)
	want := []CredentialSchema{{
		ID:   "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
		Type: "1EdTechJsonSchemaValidator2019",
	}}
	if len(cred.CredentialSchema) != 1 || cred.CredentialSchema[0] != want[0] {
		t.Errorf("credentialSchema = %+v, want %+v", cred.CredentialSchema, want)
	}
}

// TestSchemaRejectsBrokenCredential shows the schema check can fail: each
// deliberately broken credential is refused, with the reason naming the
// broken place.
func TestSchemaRejectsBrokenCredential(t *testing.T) {
	t.Parallel()
	sch := achievementCredentialSchema(t)
	good, err := json.Marshal(fullCredential(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := validate(t, sch, good); err != nil {
		t.Fatalf("the unbroken credential fails: %v", err)
	}
	subject := func(m map[string]any) map[string]any { return m["credentialSubject"].(map[string]any) }
	tests := map[string]struct {
		mutate func(m map[string]any)
		want   string
	}{
		"no achievement": {func(m map[string]any) { delete(subject(m), "achievement") }, "missing property 'achievement'"},
		"no OpenBadgeCredential type": {func(m map[string]any) {
			m["type"] = []any{"VerifiableCredential"}
		}, "/type"},
		"type not an array": {func(m map[string]any) { m["type"] = "OpenBadgeCredential" }, "/type"},
		"issuanceDate instead of validFrom": {func(m map[string]any) {
			m["issuanceDate"] = m["validFrom"]
			delete(m, "validFrom")
		}, "missing property 'validFrom'"},
		"validFrom not a date": {func(m map[string]any) { m["validFrom"] = "27/01/2025" }, "/validFrom"},
		"VC 1.1 context first": {func(m map[string]any) {
			m["@context"] = []any{"https://www.w3.org/2018/credentials/v1", ContextOpenBadgesV3}
		}, "/@context"},
		"achievement without criteria": {func(m map[string]any) {
			delete(subject(m)["achievement"].(map[string]any), "criteria")
		}, "missing property 'criteria'"},
		"image with a property Image does not have": {func(m map[string]any) {
			m["image"].(map[string]any)["alt"] = "badge"
		}, "/image"},
		"identity not hashed boolean": {func(m map[string]any) {
			subject(m)["identifier"].([]any)[0].(map[string]any)["hashed"] = "yes"
		}, "/hashed"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(good, &m); err != nil {
				t.Fatal(err)
			}
			tt.mutate(m)
			doc, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			err = validate(t, sch, doc)
			if err == nil {
				t.Fatalf("the schema accepts a credential with %s", name)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v does not name %q", err, tt.want)
			}
		})
	}
}
