package course

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// invisible reports the characters that names and addresses lose: control
// characters (newlines and tabs included), format characters (the bidi
// overrides and isolates U+202A–U+202E and U+2066–U+2069, the marks U+200E,
// U+200F and U+061C, the zero-width space, joiners and no-break space
// U+200B–U+200D, U+2060 and U+FEFF, the soft hyphen), and the tag characters.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar
}

// VisibleRunes counts the characters of s one can read, so that a text's
// minimum length cannot be met with invisible ones (zero-width spaces, NUL
// bytes, bidi marks): those invisible drops are not counted.
func VisibleRunes(s string) int {
	n := 0
	for _, r := range s {
		if !invisible(r) {
			n++
		}
	}
	return n
}

// CleanName returns a display name without invisible characters: control
// and whitespace runs become one space, format characters (bidi overrides,
// zero-width characters) are dropped, and the result is trimmed and in NFC.
func CleanName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || unicode.Is(unicode.Cc, r):
			space = true
		case invisible(r):
		default:
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// NormalizeEmail is the form an address is stored and compared in: without
// invisible characters or surrounding spaces, in NFC, case-folded. Two
// addresses that look the same on screen are the same account.
func NormalizeEmail(s string) string {
	s = strings.TrimFunc(strings.Map(func(r rune) rune {
		if invisible(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s), unicode.IsSpace)
	// A Caser keeps state: one per call.
	return norm.NFC.String(cases.Fold().String(norm.NFC.String(s)))
}
