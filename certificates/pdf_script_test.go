package certificates

import (
	"slices"
	"strings"
	"testing"

	"librecours/certificates/pdftest"
)

// nameLines returns the text printed in the band of the holder's name,
// its runs joined in the order they are drawn (left to right).
func nameLines(t *testing.T, out []byte) (text string, fonts map[string]bool) {
	t.Helper()
	fonts = map[string]bool{}
	for _, p := range pdftest.Parse(t, out).Placed(t) {
		if p.Y < pageH-nameTop-8 && p.Y > pageH-nameBottom {
			text += p.Text
			fonts[p.Font] = true
		}
	}
	return text, fonts
}

// TestRenderRightToLeftNames: a name in Arabic or Hebrew script is printed
// with its letters, joined as Arabic writes them and from right to left.
// The Go fonts have no such letters: these names were printed "???? ???".
func TestRenderRightToLeftNames(t *testing.T) {
	t.Parallel()
	r := newTestRenderer(t)
	for _, tc := range []struct {
		name, drawn string
	}{
		// مـحـمـد: initial meem, medial hah, medial meem, final dal; then
		// drawn from right to left.
		{"محمد", "\uFEAA\uFEE4\uFEA4\uFEE3"},
		// Words right to left; lam-alef ligature in الله; isolated ع, final د.
		{"محمد عبد الله", "\uFEEA\uFEE0\uFEDF\uFE8D \uFEAA\uFE92\uFECB \uFEAA\uFEE4\uFEA4\uFEE3"},
		{"لا", "\uFEFB"},
		{"שלום", "םולש"},
		// A Latin name with an Arabic part: the Arabic part alone is reversed.
		{"Dana محمد Lee", "Dana \uFEAA\uFEE4\uFEA4\uFEE3 Lee"},
		{"Ωmega Ærøskøbing", "Ωmega Ærøskøbing"},
		// Chinese, Japanese (Droid Sans Fallback) and Korean (NanumSquare
		// Bold) names, alone and beside Latin letters.
		{"王小明", "王小明"},
		{"山田 はなこ", "山田 はなこ"},
		{"김민준", "김민준"},
		{"Li 王 Wei", "Li 王 Wei"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := testCertificatePDF()
			c.HolderName = tc.name
			out, err := r.Render(c)
			if err != nil {
				t.Fatalf("Render() error = %v", err)
			}
			got, _ := nameLines(t, out)
			if strings.Contains(got, "?") || got != tc.drawn {
				t.Errorf("name drawn as %q (%U), want %q (%U)", got, []rune(got), tc.drawn, []rune(tc.drawn))
			}
			// The fallback fonts are embedded in the documents that use them
			// alone (their subsets are named "ABCDEF+family").
			embeds := func(family string) bool { return strings.Contains(string(out), "+"+family) }
			want := map[string][]string{"Ωmega Ærøskøbing": nil, "محمد": {fontFallback}, "王小明": {fontCJK}, "김민준": {fontHangul}}
			if families, ok := want[tc.name]; ok {
				for _, f := range []string{fontFallback, fontCJK, fontHangul} {
					if embeds(f) != slices.Contains(families, f) {
						t.Errorf("font %s embedded: %v, want %v", f, embeds(f), slices.Contains(families, f))
					}
				}
			}
		})
	}
}
