package certificates

import (
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
			if tc.name == "Ωmega Ærøskøbing" && strings.Contains(string(out), "DejaVu") {
				t.Error("a name the Go fonts cover embeds the fallback font")
			}
		})
	}
}
