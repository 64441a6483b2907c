package grading

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"
)

// odt builds a minimal OpenDocument text: "mimetype" stored first, then a
// compressed content.xml of the given size.
func odt(t testing.TB, mimetype string, contentSize int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte(mimetype))
	w, _ = zw.Create("content.xml")
	_, _ = w.Write(bytes.Repeat([]byte("a"), contentSize))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheckUpload(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 64)...)
	pdf := []byte("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF")
	tests := []struct {
		name string
		data []byte
		ct   string
		ext  string
		err  error // or a validation error when key is set
		key  string
	}{
		{"pdf", pdf, "application/pdf", ".pdf", nil, ""},
		{"png", png, "image/png", ".png", nil, ""},
		{"jpeg", jpeg, "image/jpeg", ".jpg", nil, ""},
		{"odt", odt(t, odtType, 100), odtType, ".odt", nil, ""},
		{"zip bomb posing as an ODT: 50 MB of content, only the header read", odt(t, odtType, 50<<20), odtType, ".odt", nil, ""},
		{"ods is not accepted", odt(t, "application/vnd.oasis.opendocument.spreadsheet", 10), "", "", nil, "grading.submission.file_type"},
		{"plain zip", odt(t, "text/plain", 10), "", "", nil, "grading.submission.file_type"},
		{"html named .pdf", []byte("<html><script>alert(1)</script></html>"), "", "", nil, "grading.submission.file_type"},
		{"executable", []byte("MZ\x90\x00\x03\x00\x00\x00"), "", "", nil, "grading.submission.file_type"},
		{"svg (script-capable)", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), "", "", nil, "grading.submission.file_type"},
		{"too large", append(pdf, make([]byte, MaxUploadBytes)...), "", "", ErrTooLarge, ""},
		{"truncated zip header", []byte("PK\x03\x04\x00"), "", "", nil, "grading.submission.file_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := checkUpload(tc.data)
			var ve *ValidationError
			switch {
			case tc.key != "":
				if !errors.As(err, &ve) || ve.Key != tc.key || ve.Field != "file" {
					t.Fatalf("err = %v, want key %s", err, tc.key)
				}
			case tc.err != nil:
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if a.ContentType != tc.ct || !strings.HasSuffix(a.Name, tc.ext) || a.Size != int64(len(tc.data)) {
					t.Fatalf("attachment = %+v", a)
				}
			}
		})
	}
}

// FuzzCheckUpload: no input panics, and whatever is accepted is one of the
// four allowed types.
func FuzzCheckUpload(f *testing.F) {
	f.Add([]byte("%PDF-1.4"))
	f.Add([]byte("PK\x03\x04"))
	f.Add(odt(f, odtType, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := checkUpload(data)
		if err == nil {
			if _, ok := uploadTypes[a.ContentType]; !ok {
				t.Fatalf("accepted %q", a.ContentType)
			}
		}
	})
}
