package certificates

import (
	"bytes"
	"errors"
	"image/png"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"librecours/certificates/pdftest"
)

func testCertificatePDF() CertificatePDF {
	return CertificatePDF{
		Labels: PDFLabels{
			Title:     "Certificat de réussite",
			AwardedTo: "décerné à",
			Session:   "Session",
			IssuedBy:  "Délivré par",
			Code:      "Code du certificat",
			Verify:    "Vérifier l’authenticité",
		},
		HolderName:   "Françoise d’Éaubonne-Lœwy",
		LevelName:    "Niveau II",
		LevelMeaning: "Ce niveau atteste la réussite des six exercices évalués par des pairs très exigeants et d’une évaluation finale d’au moins 70\u202f%. Le titulaire s’engage à animer une session « Libre cours » : voilà ce qu’il a promis !",
		SessionCode:  "LCIII-001",
		SessionDates: "du 6 au 26 janvier 2025",
		Issuer:       "Picasoft",
		IssuedOn:     "le 27 janvier 2025",
		IssuedAt:     time.Date(2025, 1, 27, 17, 0, 0, 0, time.UTC),
		Code:         "LC3-7K2Q-M9XD-4TPA-Q8ZC",
		VerifyURL:    "https://librecours.example.org/certificates/LC3-7K2Q-M9XD-4TPA-Q8ZC",
	}
}

func newTestRenderer(t testing.TB) *PDFRenderer {
	t.Helper()
	r, err := NewPDFRenderer()
	if err != nil {
		t.Fatalf("NewPDFRenderer() error = %v", err)
	}
	return r
}

// words normalizes white space (including no-break spaces) so that text
// wrapped on several lines compares equal to the original.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestRenderText(t *testing.T) {
	r := newTestRenderer(t)
	c := testCertificatePDF()
	out, err := r.Render(c)
	if err != nil {
		t.Fatalf("Render() error = %v", err)
	}
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("Render() output starts with %q, want %%PDF-", out[:min(len(out), 8)])
	}
	doc := pdftest.Parse(t, out)
	if len(doc.Pages) != 1 {
		t.Fatalf("PDF has %d pages, want 1", len(doc.Pages))
	}
	if !regexp.MustCompile(`/MediaBox \[ 0 0 841\.89 595\.28 \]`).Match(out) {
		t.Error("page is not A4 landscape (841.89 × 595.28 pt)")
	}
	if n := bytes.Count(out, []byte("/FontFile2")); n != 3 {
		t.Errorf("PDF embeds %d fonts, want 3", n)
	}
	if !bytes.Contains(out, []byte("/Subtype /Image")) {
		t.Error("PDF has no image (the QR code)")
	}

	text := doc.Text(t)
	lines := strings.Split(text, "\n")
	for _, want := range []string{
		"LIBRE COURS LIBRE CULTURE",
		c.Labels.Title,
		c.Labels.AwardedTo,
		c.HolderName,
		c.LevelName,
		"Session LCIII-001 · du 6 au 26 janvier 2025",
		c.Labels.IssuedBy,
		c.Issuer,
		c.IssuedOn,
		c.Labels.Code,
		c.Code,
		c.Labels.Verify,
		c.VerifyURL,
	} {
		found := false
		for _, l := range lines {
			if words(l) == words(want) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("extracted text has no line %q; text:\n%s", want, text)
		}
	}
	if !strings.Contains(words(text), words(c.LevelMeaning)) {
		t.Errorf("extracted text lacks the level meaning %q; text:\n%s", c.LevelMeaning, text)
	}
	for _, r := range "éèàçœ«»’É" {
		if !strings.ContainsRune(text, r) {
			t.Errorf("extracted text lacks %q", r)
		}
	}
	if strings.ContainsRune(text, '?') && !strings.Contains(c.LevelMeaning, "?") {
		t.Errorf("a glyph was replaced by '?'; text:\n%s", text)
	}
}

func TestRenderConcurrent(t *testing.T) {
	r := newTestRenderer(t)
	names := []string{"Zoë Ångström", "Jérôme Lœb", "Ç. Ñúñez", "Anaïs Noël", "Øyvind Ærø", "Béatrice", "Maël", "Hélène"}
	var wg sync.WaitGroup
	results := make([][]byte, len(names))
	errs := make([]error, len(names))
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := testCertificatePDF()
			c.HolderName = name
			results[i], errs[i] = r.Render(c)
		}()
	}
	wg.Wait()
	for i, name := range names {
		if errs[i] != nil {
			t.Fatalf("Render(%q) error = %v", name, errs[i])
		}
		if text := pdftest.Parse(t, results[i]).Text(t); !strings.Contains(text, name) {
			t.Errorf("PDF for %q does not contain the name; text:\n%s", name, text)
		}
	}
}

func TestRenderDeterministic(t *testing.T) {
	r := newTestRenderer(t)
	a, err := r.Render(testCertificatePDF())
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Render(testCertificatePDF())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two renders of the same certificate differ")
	}
}

func TestRenderLongTexts(t *testing.T) {
	r := newTestRenderer(t)
	c := testCertificatePDF()
	c.HolderName = "Marie-Ève Clémentine Bérénice de La Tour d’Auvergne-Lœwenstein-Wertheim-Rochefort"
	c.LevelMeaning = strings.Repeat("Une phrase assez longue sur les licences libres et le domaine public. ", 12)
	c.Labels.AwardedTo = ""
	c.SessionDates = ""
	out, err := r.Render(c)
	if err != nil {
		t.Fatalf("Render() error = %v", err)
	}
	text := pdftest.Parse(t, out).Text(t)
	for _, want := range []string{c.HolderName, words(c.LevelMeaning), "Session LCIII-001"} {
		if !strings.Contains(words(text), want) {
			t.Errorf("extracted text lacks %q", want)
		}
	}
}

func TestRenderValidation(t *testing.T) {
	r := newTestRenderer(t)
	tests := []struct {
		field  string
		change func(c *CertificatePDF)
	}{
		{"labels.title", func(c *CertificatePDF) { c.Labels.Title = "" }},
		{"holder_name", func(c *CertificatePDF) { c.HolderName = "  " }},
		{"level_name", func(c *CertificatePDF) { c.LevelName = "" }},
		{"session_code", func(c *CertificatePDF) { c.SessionCode = "" }},
		{"issuer", func(c *CertificatePDF) { c.Issuer = "" }},
		{"code", func(c *CertificatePDF) { c.Code = "" }},
		{"verify_url", func(c *CertificatePDF) { c.VerifyURL = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			c := testCertificatePDF()
			tt.change(&c)
			_, err := r.Render(c)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Render() error = %v, want *ValidationError", err)
			}
			if diff := cmp.Diff(&ValidationError{Field: tt.field, Key: KeyPDFRequired}, ve); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestQRPNG(t *testing.T) {
	const scale = 5
	data, err := qrPNG("https://librecours.example.org/certificates/LC6-0000-0000-0000-0000", scale)
	if err != nil {
		t.Fatalf("qrPNG() error = %v", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("qrPNG() is not a PNG: %v", err)
	}
	side := img.Bounds().Dx()
	modules := side / scale
	if img.Bounds().Dy() != side || side%scale != 0 || (modules-2*qrQuietZone-21)%4 != 0 {
		t.Fatalf("QR image is %v, want a square of 21+4k modules plus the quiet zone", img.Bounds())
	}
	dark := func(mx, my int) bool {
		r, _, _, _ := img.At(mx*scale+scale/2, my*scale+scale/2).RGBA()
		return r < 0x8000
	}
	q := qrQuietZone
	n := modules - 2*q
	// Quiet zone is white; the three finder patterns have a dark outer
	// ring, a light ring and a dark 3×3 centre.
	for _, m := range [][2]int{{0, 0}, {q - 1, q - 1}, {modules - 1, modules - 1}} {
		if dark(m[0], m[1]) {
			t.Errorf("quiet zone module %v is dark", m)
		}
	}
	for _, corner := range [][2]int{{q, q}, {q + n - 7, q}, {q, q + n - 7}} {
		x, y := corner[0], corner[1]
		if !dark(x, y) || !dark(x+6, y+6) || dark(x+1, y+1) || !dark(x+3, y+3) {
			t.Errorf("no finder pattern at module %v", corner)
		}
	}
	if dark(q+n-7, q+n-7) && dark(q+n-6, q+n-6) && dark(q+n-5, q+n-5) && !dark(q+n-4, q+n-4) {
		t.Error("a fourth finder pattern in the bottom-right corner")
	}
}

func TestUnbreakableWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"un deux  trois", []string{"un", "deux", "trois"}},
		{"« Libre cours » !", []string{"« Libre", "cours » !"}},
		{"Note : 70\u00a0% ; bien ?", []string{"Note :", "70\u00a0% ;", "bien ?"}},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, unbreakableWords(tt.in)); diff != "" {
				t.Errorf("unbreakableWords() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
