package web

import (
	"bytes"
	"regexp"
	"testing"
)

// TestCertificatePDFArchive downloads a holder's PDF: a PDF/A-2b file
// (the object-by-object checks are certificates.TestPDFA) in the holder's
// language, with the workload, a clickable verification link and a file
// name in that language.
func TestCertificatePDFArchive(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lang, file, workload string
	}{
		{"fr", "certificat-", "Volume de travail\u202f: 25 heures"},
		{"en", "certificate-", "Workload: 25 hours"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			f := newFixture(t)
			ctx := t.Context()
			if err := f.e.srv.course.SetLocale(ctx, f.part, tc.lang); err != nil {
				t.Fatal(err)
			}
			cert := f.granted(t, 1)
			if cert.Lang != tc.lang {
				t.Fatalf("certificate in %q, want %q", cert.Lang, tc.lang)
			}
			code := cert.Code
			res := f.e.api("GET", "/certificates/"+code+".pdf", f.e.token(f.part), nil)
			if res.Status != 200 || !bytes.HasPrefix(res.Body, []byte("%PDF-1.7")) {
				t.Fatalf("PDF: %d", res.Status)
			}
			if got, want := res.Header.Get("Content-Disposition"), `attachment; filename="`+tc.file+code+`.pdf"`; got != want {
				t.Errorf("Content-Disposition %q, want %q", got, want)
			}
			for name, re := range map[string]string{
				"pdfaid":      `<pdfaid:part>2</pdfaid:part>\s*<pdfaid:conformance>B</pdfaid:conformance>`,
				"language":    `<dc:language><rdf:Bag><rdf:li>` + tc.lang + `</rdf:li>`,
				"link":        `/URI \(https?://[^)]*/certificates/` + code + `\)`,
				"output":      `/S /GTS_PDFA1`,
				"structure":   `/StructTreeRoot \d+ 0 R`,
				"figure alt":  `/S /Figure [^>]*/Alt <FEFF`,
				"document id": `/ID \[ <[0-9a-f]{32}>`,
			} {
				if !regexp.MustCompile(re).Match(res.Body) {
					t.Errorf("the PDF lacks %s (%s)", name, re)
				}
			}
			if got := certificateFileName(f.e.srv.translators[tc.lang], code); got != tc.file+code+".pdf" {
				t.Errorf("file name %q", got)
			}
			if got := f.e.srv.translators[tc.lang].T("credentials.pdf.workload", "Count", 25); got != tc.workload {
				t.Errorf("workload line %q, want %q", got, tc.workload)
			}
		})
	}
}
