package course

import "testing"

func TestCleanName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  Zoé  Martin ", "Zoé Martin"},
		{"Zoe\u0301", "Zoé"}, // NFC
		{"line\nbreak\ttab", "line break tab"},
		{"zero\u200bwidth\u200c\u200d\u2060\ufeff", "zerowidth"},
		{"bidi \u202eevil\u202c \u2066iso\u2069 \u200f", "bidi evil iso"},
		{"bell\x07\x00", "bell"},
		{"\u00adsoft", "soft"},
		{"\u200b", ""},
	} {
		if got := CleanName(tc.in); got != tc.want {
			t.Errorf("CleanName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{" Ada@Example.ORG ", "ada@example.org"},
		{"zw\u200b@example.org", "zw@example.org"},
		{"\u202eada@example.org", "ada@example.org"},
		{"zoe\u0301@example.org", "zoé@example.org"}, // NFD and NFC are one address
		{"ZOÉ@example.org", "zoé@example.org"},
		{"\u212aelvin@example.org", "kelvin@example.org"}, // the Kelvin sign folds to k
	} {
		if got := NormalizeEmail(tc.in); got != tc.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	n := NewUser{Email: "Zw\u200b@Example.org", Name: "Zoé\u202e\n", Password: "tournesol violet 97"}
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	if n.Email != "zw@example.org" || n.Name != "Zoé" {
		t.Fatalf("validated = %q %q", n.Email, n.Name)
	}
}
