package certificates

import (
	"slices"
	"unicode"

	"golang.org/x/text/unicode/bidi"
)

// The PDF library draws one glyph per character, left to right. A name in
// Arabic or Hebrew script needs two steps first: Arabic letters take the
// form that joins them to their neighbours (shapeArabic), and a run of
// right-to-left letters is drawn reversed (visualOrder). This is the
// simple case of both algorithms, enough for people's names: no
// ligature but lam-alef, no vowel marks placed, no numbers inside
// right-to-left text.

// arabicForms gives, for each Arabic letter, the first of its contextual
// forms in the Presentation Forms blocks (isolated, final, then for a
// letter that joins on both sides initial and medial) and how many there
// are: 2 for a letter that joins only to the letter before it, 4 for one
// that joins on both sides, 1 for hamza, which joins to neither.
var arabicForms = map[rune]struct {
	first rune
	n     int
}{
	'\u0621': {0xFE80, 1}, '\u0622': {0xFE81, 2}, '\u0623': {0xFE83, 2}, '\u0624': {0xFE85, 2},
	'\u0625': {0xFE87, 2}, '\u0626': {0xFE89, 4}, '\u0627': {0xFE8D, 2}, '\u0628': {0xFE8F, 4},
	'\u0629': {0xFE93, 2}, '\u062A': {0xFE95, 4}, '\u062B': {0xFE99, 4}, '\u062C': {0xFE9D, 4},
	'\u062D': {0xFEA1, 4}, '\u062E': {0xFEA5, 4}, '\u062F': {0xFEA9, 2}, '\u0630': {0xFEAB, 2},
	'\u0631': {0xFEAD, 2}, '\u0632': {0xFEAF, 2}, '\u0633': {0xFEB1, 4}, '\u0634': {0xFEB5, 4},
	'\u0635': {0xFEB9, 4}, '\u0636': {0xFEBD, 4}, '\u0637': {0xFEC1, 4}, '\u0638': {0xFEC5, 4},
	'\u0639': {0xFEC9, 4}, '\u063A': {0xFECD, 4}, '\u0641': {0xFED1, 4}, '\u0642': {0xFED5, 4},
	'\u0643': {0xFED9, 4}, '\u0644': {0xFEDD, 4}, '\u0645': {0xFEE1, 4}, '\u0646': {0xFEE5, 4},
	'\u0647': {0xFEE9, 4}, '\u0648': {0xFEED, 2}, '\u0649': {0xFEEF, 2}, '\u064A': {0xFEF1, 4},
	// Persian and Urdu letters, in Presentation Forms-A.
	'\u067E': {0xFB56, 4}, '\u0686': {0xFB7A, 4}, '\u0698': {0xFB8A, 2}, '\u06A9': {0xFB8E, 4},
	'\u06AF': {0xFB92, 4}, '\u06CC': {0xFBFC, 4},
}

// lamAlef is the isolated form of the ligature of lam with each alef; the
// final form follows it.
var lamAlef = map[rune]rune{'\u0622': 0xFEF5, '\u0623': 0xFEF7, '\u0625': 0xFEF9, '\u0627': 0xFEFB}

const (
	arabicLam     = '\u0644'
	arabicTatweel = '\u0640'
)

// transparent reports the marks that sit on a letter without breaking
// its joins (harakat, shadda, superscript alef).
func transparent(r rune) bool { return unicode.Is(unicode.Mn, r) }

// joinsBefore reports whether r connects to the letter that follows it
// (in reading order).
func joinsBefore(r rune) bool {
	if r == arabicTatweel {
		return true
	}
	f, ok := arabicForms[r]
	return ok && f.n == 4
}

// joinsAfter reports whether r connects to the letter before it.
func joinsAfter(r rune) bool {
	if r == arabicTatweel {
		return true
	}
	f, ok := arabicForms[r]
	return ok && f.n >= 2
}

// shapeArabic replaces each Arabic letter of s by its contextual form and
// lam followed by alef by their ligature. Other characters are kept.
func shapeArabic(s string) string {
	in := []rune(s)
	out := make([]rune, 0, len(in))
	// neighbour returns the closest letter before (step -1) or after (+1)
	// i, over transparent marks; 0 if none.
	neighbour := func(i, step int) rune {
		for j := i + step; j >= 0 && j < len(in); j += step {
			if !transparent(in[j]) {
				return in[j]
			}
		}
		return 0
	}
	for i := 0; i < len(in); i++ {
		r := in[i]
		f, ok := arabicForms[r]
		if !ok {
			out = append(out, r)
			continue
		}
		prev := joinsBefore(neighbour(i, -1))
		if r == arabicLam {
			if j := nextLetter(in, i); j > 0 {
				if lig, ok := lamAlef[in[j]]; ok {
					if prev {
						lig++ // final form
					}
					out = append(out, lig)
					out = append(out, in[i+1:j]...) // marks on the lam
					i = j
					continue
				}
			}
		}
		next := f.n == 4 && joinsAfter(neighbour(i, 1))
		form := f.first // isolated
		switch {
		case prev && next && f.n == 4:
			form += 3 // medial
		case next:
			form += 2 // initial
		case prev && f.n >= 2:
			form++ // final
		}
		out = append(out, form)
	}
	return string(out)
}

// nextLetter is the index of the first letter after i over transparent
// marks, or -1.
func nextLetter(in []rune, i int) int {
	for j := i + 1; j < len(in); j++ {
		if !transparent(in[j]) {
			return j
		}
	}
	return -1
}

// strongDirection reports whether r is a letter written left to right (1),
// right to left (-1), or neither (0: spaces, punctuation, digits, marks).
func strongDirection(r rune) int {
	p, _ := bidi.LookupRune(r)
	switch p.Class() {
	case bidi.L:
		return 1
	case bidi.R, bidi.AL:
		return -1
	}
	return 0
}

// mirrored are the paired punctuation marks drawn mirrored in
// right-to-left text.
var mirrored = map[rune]rune{'(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<', '«': '»', '»': '«', '‹': '›', '›': '‹'}

// visualOrder returns one line of text in the order its characters are
// drawn from left to right. The line's direction is its first letter's;
// a run of characters between two letters of the same direction takes
// it, others the line's; right-to-left runs are reversed, with their
// brackets mirrored, and in a right-to-left line the runs go from right to
// left.
func visualOrder(s string) string {
	in := []rune(s)
	base := 1
	for _, r := range in {
		if d := strongDirection(r); d != 0 {
			base = d
			break
		}
	}
	if base == 1 && !slices.ContainsFunc(in, func(r rune) bool { return strongDirection(r) == -1 }) {
		return s
	}
	dirs := make([]int, len(in))
	for i, r := range in {
		dirs[i] = strongDirection(r)
	}
	for i := 0; i < len(in); {
		if dirs[i] != 0 {
			i++
			continue
		}
		j := i
		for j < len(in) && dirs[j] == 0 {
			j++
		}
		before, after := base, base
		if i > 0 {
			before = dirs[i-1]
		}
		if j < len(in) {
			after = dirs[j]
		}
		d := base
		if before == after {
			d = before
		}
		for k := i; k < j; k++ {
			dirs[k] = d
		}
		i = j
	}
	// Split into runs of one direction, each in drawing order.
	var runs [][]rune
	for i := 0; i < len(in); {
		j := i
		for j < len(in) && dirs[j] == dirs[i] {
			j++
		}
		run := slices.Clone(in[i:j])
		if dirs[i] == -1 {
			slices.Reverse(run)
			for k, r := range run {
				if m, ok := mirrored[r]; ok {
					run[k] = m
				}
			}
		}
		runs = append(runs, run)
		i = j
	}
	if base == -1 {
		slices.Reverse(runs)
	}
	return string(slices.Concat(runs...))
}
