package course

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Password refusals (message IDs).
const (
	PasswordBlank    = "course.user.password_blank"    // only whitespace
	PasswordPlatform = "course.user.password_platform" // the platform's own name
	PasswordPersonal = "course.user.password_personal" // holds the e-mail's local part or the name
	PasswordCommon   = "course.user.password_common"   // on the common list
)

// platformNames are refused inside any password, once folded.
var platformNames = []string{"librecours"}

// personalMin is the shortest part of an address or a name looked for in a
// password: shorter ones ("jo", "li") are inside too many good passwords.
const personalMin = 3

// CheckPassword applies the password rules for the account of email and
// name: the length bounds, not only whitespace, not the platform's name,
// and not holding the address's local part or the name (or one of their
// words), compared after case and leetspeak folding. The common list is
// the caller's (Service.CommonPassword).
func CheckPassword(password, email, name string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	if strings.TrimFunc(password, func(r rune) bool { return unicode.IsSpace(r) || invisible(r) }) == "" {
		return Invalid("password", PasswordBlank)
	}
	folded := FoldPassword(password)
	for _, n := range platformNames {
		if strings.Contains(folded, FoldPassword(n)) {
			return Invalid("password", PasswordPlatform)
		}
	}
	for _, w := range personalWords(email, name) {
		if strings.Contains(folded, w) {
			return Invalid("password", PasswordPersonal)
		}
	}
	return nil
}

// personalWords are the folded forms of the address's local part and the
// name, whole and word by word, of at least personalMin letters.
func personalWords(email, name string) []string {
	local := email
	if i := strings.LastIndexByte(local, '@'); i >= 0 {
		local = local[:i]
	}
	var out []string
	add := func(s string) {
		if f := FoldPassword(s); utf8.RuneCountInString(f) >= personalMin {
			out = append(out, f)
		}
	}
	for _, s := range []string{local, name} {
		add(s)
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			add(w)
		}
	}
	return out
}

// leet maps the characters that stand for letters in leetspeak, and the
// letters they are confused with, to one letter: folding both sides
// ("he11o" and "hello" both become "heiio") makes the ambiguity harmless.
var leet = map[rune]rune{
	'@': 'a', '4': 'a', '8': 'b', '(': 'c', '3': 'e', '€': 'e', '6': 'g', '9': 'g',
	'1': 'i', '!': 'i', '|': 'i', 'l': 'i', '0': 'o', '5': 's', '$': 's', '7': 't', '+': 't', '2': 'z',
}

// FoldPassword is the form passwords are compared in: case-folded, without
// accents, leetspeak folded, and with anything that is not a letter left
// out ("P@ss w0rd" and "password" fold alike; so do "Libre Cours" and
// "librecours").
func FoldPassword(s string) string {
	s = norm.NFD.String(cases.Fold().String(s))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if m, ok := leet[r]; ok {
			r = m
		}
		if unicode.IsLetter(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// PasswordBase is password without its leading and trailing digits and
// symbols, lower-cased ("Soleil123!" gives "soleil"): a common word with a
// number around it is as easy to guess as the word.
func PasswordBase(password string) string {
	return strings.TrimFunc(cases.Fold().String(password), func(r rune) bool { return !unicode.IsLetter(r) })
}
