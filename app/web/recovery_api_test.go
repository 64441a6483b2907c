package web

import (
	"net/http"
	"strings"
	"testing"

	"librecours/course"
	"librecours/notify"
)

// TestRecoveryAPI: an API client recovers and manages an account with the
// same rules as the pages: a forgotten password answers alike whether the
// address exists, a reset link works once and signs everyone out, a
// password change ends the other tokens, and a new address is confirmed by
// its link.
func TestRecoveryAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.user("paul@example.org", "Paul Participant", course.RoleParticipant)
	other := e.token(u)

	for _, email := range []string{"paul@example.org", "personne@example.org"} {
		res := e.api("POST", "/api/v1/auth/forgot", "", map[string]string{"email": email})
		if res.Status != http.StatusAccepted || !strings.Contains(string(res.Body), `"sent"`) {
			t.Fatalf("forgot %s: %d %s", email, res.Status, res.Body)
		}
	}
	if res := e.api("POST", "/api/v1/auth/forgot", "", map[string]string{"email": "pas une adresse"}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("forgot with a malformed address: %d", res.Status)
	}
	links, _ := e.links(t)
	resets := links[notify.KindPasswordReset]
	if len(resets) != 1 || len(resets[u.ID]) != 1 {
		t.Fatalf("reset links: %v (one, to the account only)", resets)
	}
	token := resets[u.ID][0]

	if res := e.api("POST", "/api/v1/auth/reset", "", map[string]string{"token": token, "password": "court"}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a refused password: %d %s", res.Status, res.Body)
	}
	res := e.api("POST", "/api/v1/auth/reset", "", map[string]string{"token": token, "password": "une nouvelle phrase de passe"})
	var got struct{ Email string }
	if res.decode(t, &got); res.Status != http.StatusOK || got.Email != u.Email {
		t.Fatalf("reset: %d %s", res.Status, res.Body)
	}
	if res := e.api("POST", "/api/v1/auth/reset", "", map[string]string{"token": token, "password": "encore une autre phrase"}); res.Status != http.StatusNotFound {
		t.Fatalf("the link a second time: %d", res.Status)
	}
	if res := e.api("GET", "/api/v1/me", other, nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("a token from before the reset still works: %d", res.Status)
	}
	signIn := func(pw string) (string, int) {
		res := e.api("POST", "/api/v1/auth/token", "", map[string]string{"email": u.Email, "password": pw})
		var tok struct{ Token string }
		res.decode(t, &tok)
		return tok.Token, res.Status
	}
	mine, status := signIn("une nouvelle phrase de passe")
	if status != http.StatusOK {
		t.Fatalf("sign-in with the new password: %d", status)
	}
	second, _ := signIn("une nouvelle phrase de passe")

	// A change of password: the current one is checked, the other tokens end.
	if res := e.api("PUT", "/api/v1/me/password", mine, map[string]string{"current_password": "faux", "password": "une troisième phrase de passe"}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong current password: %d %s", res.Status, res.Body)
	}
	if res := e.api("PUT", "/api/v1/me/password", mine, map[string]string{"current_password": "une nouvelle phrase de passe", "password": "une troisième phrase de passe"}); res.Status != http.StatusOK {
		t.Fatalf("password change: %d %s", res.Status, res.Body)
	}
	if res := e.api("GET", "/api/v1/me", second, nil); res.Status != http.StatusUnauthorized {
		t.Fatalf("another token survives a password change: %d", res.Status)
	}
	if res := e.api("GET", "/api/v1/me", mine, nil); res.Status != http.StatusOK {
		t.Fatalf("the caller's own token ends with its change: %d", res.Status)
	}

	// Name, then address through its link.
	res = e.api("PUT", "/api/v1/me/name", mine, map[string]string{"name": "Paul Nouveau"})
	if res.decode(t, &got); res.Status != http.StatusOK || !strings.Contains(string(res.Body), "Paul Nouveau") {
		t.Fatalf("rename: %d %s", res.Status, res.Body)
	}
	if res := e.api("PUT", "/api/v1/me/name", mine, map[string]string{"name": " "}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("an empty name: %d", res.Status)
	}
	if res := e.api("POST", "/api/v1/me/email", mine, map[string]string{"email": "paul@nouveau.example.org"}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("an address change without the password: %d", res.Status)
	}
	if res := e.api("POST", "/api/v1/me/email", mine, map[string]string{"email": "paul@nouveau.example.org", "current_password": "une troisième phrase de passe"}); res.Status != http.StatusAccepted {
		t.Fatalf("address change: %d %s", res.Status, res.Body)
	}
	links, addrs := e.links(t)
	changes := links[notify.KindEmailChange][u.ID]
	if len(changes) != 1 || addrs[changes[0]] != "paul@nouveau.example.org" {
		t.Fatalf("e-mail change links: %v %v", changes, addrs)
	}
	res = e.api("POST", "/api/v1/auth/email", "", map[string]string{"token": changes[0]})
	if res.decode(t, &got); res.Status != http.StatusOK || got.Email != "paul@nouveau.example.org" {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	if res := e.api("POST", "/api/v1/auth/email", "", map[string]string{"token": changes[0]}); res.Status != http.StatusNotFound {
		t.Fatalf("the confirmation link a second time: %d", res.Status)
	}
	if res := e.api("POST", "/api/v1/auth/email", "", map[string]string{"token": strings.Repeat("x", 300)}); res.Status != http.StatusNotFound {
		t.Fatalf("a malformed token: %d", res.Status)
	}
}
