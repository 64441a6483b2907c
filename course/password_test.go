package course

import (
	"errors"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	const email, name = "marie.dupont@example.org", "Marie Dupont"
	for _, tc := range []struct {
		password, key string
	}{
		{"tournesol violet 97", ""},
		{"correct horse battery", ""},
		{"court", "course.user.password_too_short"},
		{"        ", PasswordBlank},
		{"\t\u00a0\u2003\u200b      ", PasswordBlank},
		{"librecours", PasswordPlatform},
		{"Libre Cours 2026", PasswordPlatform},
		{"L1br3C0urs!", PasswordPlatform},
		{"marie.dupont@example.org", PasswordPersonal},
		{"xx-MarieDupont-xx", PasswordPersonal},
		{"dupont-de-nemours", PasswordPersonal},
		{"M@r1e-ete-2026", PasswordPersonal},
		{"d'accord, jo!", ""}, // short words of a name are not looked for
	} {
		err := CheckPassword(tc.password, email, name)
		var ve *ValidationError
		switch {
		case tc.key == "" && err != nil:
			t.Errorf("%q refused: %v", tc.password, err)
		case tc.key != "" && (!errors.As(err, &ve) || ve.Key != tc.key || ve.Field != "password"):
			t.Errorf("%q: %v, want %s", tc.password, err, tc.key)
		}
	}
}

func TestFoldPassword(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"P@ssw0rd", "password"},
		{"password", "password"},
		{"Pass Word", "password"},
		{"Crème Brûlée", "cremebruiee"},
		{"he11o", "heiio"},
		{"hello", "heiio"},
	} {
		if got := FoldPassword(tc.in); got != tc.want {
			t.Errorf("FoldPassword(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := PasswordBase("Soleil123!"); got != "soleil" {
		t.Errorf("PasswordBase = %q", got)
	}
}
