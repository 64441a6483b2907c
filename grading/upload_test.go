package grading

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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

// odtMeta is an ODT whose meta.xml names its author, last editor and printer,
// and whose comments and tracked changes name theirs.
func odtMeta(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	_, _ = w.Write([]byte(odtType))
	w, _ = zw.Create("content.xml")
	_, _ = w.Write([]byte(`<office:document-content>Le texte<office:annotation><dc:creator>Jean Dupont</dc:creator><dc:date>2026-03-01</dc:date><text:p>Une remarque</text:p></office:annotation>` +
		`<text:tracked-changes><text:changed-region><text:insertion><office:change-info><dc:creator>Jeanne Durand</dc:creator></office:change-info></text:insertion></text:changed-region></text:tracked-changes></office:document-content>`))
	w, _ = zw.Create("styles.xml")
	_, _ = w.Write([]byte(`<office:document-styles><office:annotation><dc:creator>Jean Dupont</dc:creator></office:annotation></office:document-styles>`))
	w, _ = zw.Create("meta.xml")
	_, _ = w.Write([]byte(`<office:document-meta><office:meta><meta:initial-creator>Jean Dupont</meta:initial-creator>` +
		`<dc:creator>Jeanne Durand</dc:creator><meta:printed-by>Jean  Dupont</meta:printed-by><dc:title>Mon travail</dc:title>` +
		`<meta:generator>LibreOffice</meta:generator></office:meta></office:document-meta>`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngChunk is a PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// pngMeta is a real PNG with a text chunk naming its author and an EXIF
// chunk, inserted after IHDR.
func pngMeta(t testing.TB) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	ihdrEnd := 8 + 12 + 13
	out := append([]byte{}, b[:ihdrEnd]...)
	out = append(out, pngChunk("tEXt", []byte("Author\x00Jean Dupont"))...)
	out = append(out, pngChunk("eXIf", []byte("MM\x00*Jean Dupont"))...)
	return append(out, b[ihdrEnd:]...)
}

// jpegMeta is a real JPEG with an EXIF APP1 segment and a comment naming
// its author.
func jpegMeta(t testing.TB) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	seg := func(m byte, data string) []byte {
		return append([]byte{0xFF, m, byte((len(data) + 2) >> 8), byte(len(data) + 2)}, data...)
	}
	out := append([]byte{}, b[:2]...)
	out = append(out, seg(0xE1, "Exif\x00\x00Artist=Jean Dupont")...)
	out = append(out, seg(0xFE, "Jean Dupont")...)
	return append(out, b[2:]...)
}

// pdfFlate is a PDF whose document information sits in a compressed
// object stream.
func pdfFlate(info string) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write([]byte("<< " + info + " >>"))
	_ = zw.Close()
	return []byte("%PDF-1.7\n1 0 obj << /Type /ObjStm /Filter /FlateDecode >> stream\n" + z.String() + "\nendstream endobj\n%%EOF")
}

func TestCheckUpload(t *testing.T) {
	pngData := pngMeta(t)
	jpegData := jpegMeta(t)
	pdf := []byte("%PDF-1.7\n1 0 obj << /Title (Mon travail) /Author () /Creator (Writer) >> endobj\n%%EOF")
	tests := []struct {
		name string
		data []byte
		ct   string
		ext  string
		err  error // or a validation error when key is set
		key  string
	}{
		{"pdf with an empty author", pdf, "application/pdf", ".pdf", nil, ""},
		{"png", pngData, "image/png", ".png", nil, ""},
		{"jpeg", jpegData, "image/jpeg", ".jpg", nil, ""},
		{"odt", odt(t, odtType, 100), odtType, ".odt", nil, ""},
		{"odt with author", odtMeta(t), odtType, ".odt", nil, ""},
		{"zip bomb posing as an ODT: 50 MB of content, only the header read", odt(t, odtType, 50<<20), odtType, ".odt", nil, ""},
		{"ods is not accepted", odt(t, "application/vnd.oasis.opendocument.spreadsheet", 10), "", "", nil, "grading.submission.file_type"},
		{"plain zip", odt(t, "text/plain", 10), "", "", nil, "grading.submission.file_type"},
		{"html named .pdf", []byte("<html><script>alert(1)</script></html>"), "", "", nil, "grading.submission.file_type"},
		{"executable", []byte("MZ\x90\x00\x03\x00\x00\x00"), "", "", nil, "grading.submission.file_type"},
		{"svg (script-capable)", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), "", "", nil, "grading.submission.file_type"},
		{"too large", append(pdf, make([]byte, MaxUploadBytes)...), "", "", ErrTooLarge, ""},
		{"truncated zip header", []byte("PK\x03\x04\x00"), "", "", nil, "grading.submission.file_type"},
		{"pdf naming its author", []byte("%PDF-1.7\n1 0 obj << /Author (Jean Dupont) >> endobj\n%%EOF"), "", "", nil, "grading.submission.pdf_author"},
		{"pdf naming its author in hex UTF-16", []byte("%PDF-1.7\n1 0 obj << /Author <FEFF004A0065> >> endobj\n%%EOF"), "", "", nil, "grading.submission.pdf_author"},
		{"pdf naming its author in XMP", []byte("%PDF-1.7\n<x:xmpmeta><dc:creator><rdf:Seq><rdf:li>Jean Dupont</rdf:li></rdf:Seq></dc:creator></x:xmpmeta>\n%%EOF"), "", "", nil, "grading.submission.pdf_author"},
		{"pdf naming its author in a compressed object", pdfFlate("/Author (Jean Dupont)"), "", "", nil, "grading.submission.pdf_author"},
		{"pdf with compressed objects, no author", pdfFlate("/Producer (LibreOffice)"), "application/pdf", ".pdf", nil, ""},
		{"png cut short", pngData[:40], "", "", nil, "grading.submission.file_unreadable"},
		{"jpeg cut in a segment", jpegData[:20], "", "", nil, "grading.submission.file_unreadable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, data, err := checkUpload(tc.data)
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
				if a.ContentType != tc.ct || !strings.HasSuffix(a.Name, tc.ext) || a.Size != int64(len(data)) {
					t.Fatalf("attachment = %+v", a)
				}
				if bytes.Contains(data, []byte("Jean")) || bytes.Contains(data, []byte("Jeanne")) {
					t.Errorf("the stored file still names its author")
				}
			}
		})
	}
}

// Stripping keeps the file readable and the rest of it intact.
func TestStripKeepsTheFile(t *testing.T) {
	_, p, err := checkUpload(pngMeta(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(p)); err != nil {
		t.Errorf("stripped PNG: %v", err)
	}
	_, j, err := checkUpload(jpegMeta(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(j)); err != nil {
		t.Errorf("stripped JPEG: %v", err)
	}
	_, o, err := checkUpload(odtMeta(t))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(o), int64(len(o)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		got[f.Name] = string(b)
	}
	want := map[string]string{
		"mimetype": odtType,
		"content.xml": `<office:document-content>Le texte<office:annotation><dc:date>2026-03-01</dc:date><text:p>Une remarque</text:p></office:annotation>` +
			`<text:tracked-changes><text:changed-region><text:insertion><office:change-info></office:change-info></text:insertion></text:changed-region></text:tracked-changes></office:document-content>`,
		"styles.xml": `<office:document-styles><office:annotation></office:annotation></office:document-styles>`,
		"meta.xml":   "<office:document-meta><office:meta><dc:title>Mon travail</dc:title><meta:generator>LibreOffice</meta:generator></office:meta></office:document-meta>",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stripped ODT (-want +got):\n%s", diff)
	}
	if zr.File[0].Name != "mimetype" || zr.File[0].Method != zip.Store || !isODT(o) {
		t.Errorf("stripped ODT no longer starts with a stored mimetype")
	}
}

// FuzzCheckUpload: no input panics, and whatever is accepted is one of the
// four allowed types.
func FuzzCheckUpload(f *testing.F) {
	f.Add([]byte("%PDF-1.4"))
	f.Add([]byte("PK\x03\x04"))
	f.Add(odt(f, odtType, 1))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, _, err := checkUpload(data)
		if err == nil {
			if _, ok := uploadTypes[a.ContentType]; !ok {
				t.Fatalf("accepted %q", a.ContentType)
			}
		}
	})
}
