package certificates

import "testing"

// Hooks for the external tests (package certificates_test) that check the
// badges Service.Close issues against 1EdTech's schema.

// SchemaCheck compiles the vendored AchievementCredential schema and returns
// a function validating one JSON document against it.
func SchemaCheck(t *testing.T) func(doc []byte) error {
	t.Helper()
	sch := achievementCredentialSchema(t)
	return func(doc []byte) error { return validate(t, sch, doc) }
}

// PlatformTexts returns the platform's own fr and en messages.
func PlatformTexts(t *testing.T) Texts { return readLocaleTexts(t, "fr", "en") }
