package certificates

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/signintech/gopdf"

	"librecours/certificates/pdftest"
	"librecours/course"
)

// textWidth measures text in one of the renderer's fonts, named by its
// resource (F1 regular, F2 bold, F3 mono: the order Render adds them).
func textWidth(t *testing.T, r *PDFRenderer, font, text string, size float64) float64 {
	t.Helper()
	family := map[string]string{"F1": fontRegular, "F2": fontBold, "F3": fontMono}[font]
	if family == "" {
		t.Fatalf("unknown font resource %s", font)
	}
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{Unit: gopdf.UnitPT, PageSize: gopdf.Rect{W: pageW, H: pageH}})
	if err := gp.AddTTFFontFromFontContainer(family, r.fonts); err != nil {
		t.Fatal(err)
	}
	if err := gp.SetFont(family, "", size); err != nil {
		t.Fatal(err)
	}
	w, err := gp.MeasureTextWidth(text)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestRenderLongNameStaysOnPage renders names up to the longest a person
// may have (course.MaxNameRunes) and checks every line of text lies inside
// the inner frame, and the whole name is printed: a name too wide for one
// line at the smallest size once ran off both sides of the page.
func TestRenderLongNameStaysOnPage(t *testing.T) {
	t.Parallel()
	r := newTestRenderer(t)
	names := map[string]string{
		"words":     "Maximilienne-Hortense-Éléonore de La Tour d’Auvergne-Montmorency-Laval-Beauffremont-Châteaubriand-Lusignan Zoé",
		"one word":  strings.Repeat("W", course.MaxNameRunes),
		"hyphens":   strings.TrimSuffix(strings.Repeat("Wéxyz-", course.MaxNameRunes/6), "-"),
		"max runes": strings.TrimSpace(strings.Repeat("Wolfgang Amadeus ", 8))[:course.MaxNameRunes],
	}
	const frame = 29.0 // the inner gold frame
	for label, name := range names {
		t.Run(label, func(t *testing.T) {
			t.Parallel()
			if n := utf8.RuneCountInString(name); n > course.MaxNameRunes {
				t.Fatalf("test name has %d runes, more than a person may have", n)
			}
			c := testCertificatePDF()
			c.HolderName = name
			out, err := r.Render(c)
			if err != nil {
				t.Fatalf("Render() error = %v", err)
			}
			var printed []string
			for _, p := range pdftest.Parse(t, out).Placed(t) {
				w := textWidth(t, r, p.Font, p.Text, p.Size)
				if p.X < frame || p.X+w > pageW-frame {
					t.Errorf("%q (%.1f pt) spans x = %.1f to %.1f, outside the frame %.0f to %.0f", p.Text, p.Size, p.X, p.X+w, frame, pageW-frame)
				}
				if p.Y < frame || p.Y > pageH-frame {
					t.Errorf("%q has its baseline at y = %.1f, outside the frame", p.Text, p.Y)
				}
				if p.Y < pageH-nameTop-8 && p.Y > pageH-nameBottom { // the name's band, under "décerné à"
					printed = append(printed, p.Text)
				}
			}
			got := strings.Join(printed, " ")
			if strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(name, " ", "") {
				t.Errorf("name printed as %q, want %q", got, name)
			}
			if len(printed) > 3 {
				t.Errorf("name printed on %d lines, want at most 3", len(printed))
			}
		})
	}
}
