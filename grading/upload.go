package grading

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"regexp"
)

// MaxUploadBytes bounds an attachment (10 MiB).
const MaxUploadBytes = 10 << 20

// DefaultUploadQuota is what one person may upload in all (50 MiB), every
// version of every attachment counted, unless Service.UploadQuota says
// otherwise.
const DefaultUploadQuota = 50 << 20

// MaxVersions is how many versions a submission may have: the 21st save is
// refused (422).
const MaxVersions = 20

// Accepted attachment types, detected from the content, never from the name.
var uploadTypes = map[string]string{
	"application/pdf": ".pdf",
	"image/png":       ".png",
	"image/jpeg":      ".jpg",
	odtType:           ".odt",
}

const odtType = "application/vnd.oasis.opendocument.text"

// checkUpload detects the type of an attachment from its bytes, gives it a
// generated name and removes what would name its author (reviews are
// anonymous): EXIF, XMP, IPTC and comments of images, the author fields of
// an ODT's meta.xml and the authors of its comments and tracked changes. A
// PDF's author fields cannot be removed without
// rewriting the file, so such a PDF is refused with a message saying what
// to remove. It returns the bytes to store.
func checkUpload(data []byte) (*Attachment, []byte, error) {
	if len(data) > MaxUploadBytes {
		return nil, nil, ErrTooLarge
	}
	ct := http.DetectContentType(data)
	if isODT(data) {
		ct = odtType
	}
	ext, ok := uploadTypes[ct]
	if !ok {
		return nil, nil, invalid("file", "grading.submission.file_type")
	}
	var err error
	switch ct {
	case "image/jpeg":
		data, err = stripJPEG(data)
	case "image/png":
		data, err = stripPNG(data)
	case odtType:
		data, err = stripODT(data)
	case "application/pdf":
		err = checkPDF(data)
	}
	if err != nil {
		return nil, nil, err
	}
	return &Attachment{Name: "travail" + ext, ContentType: ct, Size: int64(len(data))}, data, nil
}

// errUnreadable is the validation error of a file whose structure cannot
// be read (so its metadata cannot be removed).
func errUnreadable() error { return invalid("file", "grading.submission.file_unreadable") }

// stripJPEG drops the segments that carry metadata: APP1 (EXIF, XMP), APP3
// to APP13 (IPTC among them), APP15 and comments. It keeps APP0 (JFIF),
// APP2 (the colour profile) and APP14 (Adobe colour transform), and copies
// the image data from the first scan on unchanged: nothing is re-encoded.
func stripJPEG(b []byte) ([]byte, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, errUnreadable()
	}
	out := make([]byte, 0, len(b))
	out = append(out, 0xFF, 0xD8)
	i := 2
	for {
		if i >= len(b) || b[i] != 0xFF {
			return nil, errUnreadable()
		}
		for i < len(b) && b[i] == 0xFF { // fill bytes
			i++
		}
		if i >= len(b) {
			return nil, errUnreadable()
		}
		m := b[i]
		i++
		switch {
		case m == 0xD9: // end of image
			return append(out, 0xFF, m), nil
		case m == 0x01 || m >= 0xD0 && m <= 0xD7: // no length
			out = append(out, 0xFF, m)
			continue
		}
		if i+2 > len(b) {
			return nil, errUnreadable()
		}
		n := int(binary.BigEndian.Uint16(b[i : i+2]))
		if n < 2 || i+n > len(b) {
			return nil, errUnreadable()
		}
		if m == 0xDA { // start of scan: the rest is image data
			return append(append(out, 0xFF), b[i-1:]...), nil
		}
		drop := m == 0xFE || m >= 0xE0 && m <= 0xEF && m != 0xE0 && m != 0xE2 && m != 0xEE
		if !drop {
			out = append(append(out, 0xFF, m), b[i:i+n]...)
		}
		i += n
	}
}

// pngMetadata are the chunks that carry text, EXIF or a date.
var pngMetadata = map[string]bool{"tEXt": true, "zTXt": true, "iTXt": true, "eXIf": true, "tIME": true}

// stripPNG drops the text, EXIF and time chunks; the others are copied as
// they are (each chunk has its own CRC, so nothing else changes).
func stripPNG(b []byte) ([]byte, error) {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(b) < len(sig) || string(b[:len(sig)]) != sig {
		return nil, errUnreadable()
	}
	out := append(make([]byte, 0, len(b)), sig...)
	for i := len(sig); ; {
		if i+8 > len(b) {
			return nil, errUnreadable()
		}
		n := int(binary.BigEndian.Uint32(b[i : i+4]))
		typ := string(b[i+4 : i+8])
		end := i + 12 + n
		if n < 0 || n > len(b) || end > len(b) {
			return nil, errUnreadable()
		}
		if !pngMetadata[typ] {
			out = append(out, b[i:end]...)
		}
		if typ == "IEND" {
			return out, nil
		}
		i = end
	}
}

// odtPersonal matches the elements of meta.xml that name people.
var odtPersonal = regexp.MustCompile(`(?s)<(meta:initial-creator|dc:creator|meta:printed-by)\b[^>]*?(/>|>.*?</(meta:initial-creator|dc:creator|meta:printed-by)>)`)

// Decompressed bounds of the entries stripODT reads: meta.xml is a few
// kilobytes; content.xml and styles.xml hold the text, whose comments and
// tracked changes name their authors (an upload is at most MaxUploadBytes
// compressed; a text compresses about tenfold, so 64 MiB is far above any
// real document and stops a zip bomb).
const (
	maxODTMeta    = 1 << 20
	maxODTContent = 64 << 20
)

// odtPersonalIn are the entries of an ODT whose people stripODT removes,
// with the most it reads of each: meta.xml's author, last editor and
// printer, and the author of every comment (office:annotation) and tracked
// change (office:change-info) in the text and its styles.
var odtPersonalIn = map[string]int64{"meta.xml": maxODTMeta, "content.xml": maxODTContent, "styles.xml": maxODTContent}

// stripODT rewrites the zip with the people odtPersonalIn names removed;
// every other entry is copied compressed as it was (nothing else is
// decompressed), "mimetype" first.
func stripODT(b []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, errUnreadable()
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		if limit, ok := odtPersonalIn[f.Name]; ok {
			rc, err := f.Open()
			if err != nil {
				return nil, errUnreadable()
			}
			meta, err := io.ReadAll(io.LimitReader(rc, limit+1))
			_ = rc.Close()
			if err != nil || int64(len(meta)) > limit {
				return nil, errUnreadable()
			}
			w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: f.Modified})
			if err != nil {
				return nil, err
			}
			if _, err := w.Write(odtPersonal.ReplaceAll(meta, nil)); err != nil {
				return nil, err
			}
			continue
		}
		raw, err := f.OpenRaw()
		if err != nil {
			return nil, errUnreadable()
		}
		fh := f.FileHeader
		w, err := zw.CreateRaw(&fh)
		if err != nil {
			return nil, errUnreadable()
		}
		if _, err := io.Copy(w, raw); err != nil {
			return nil, errUnreadable()
		}
	}
	if err := zw.Close(); err != nil {
		return nil, errUnreadable()
	}
	if !isODT(buf.Bytes()) {
		return nil, errUnreadable()
	}
	return buf.Bytes(), nil
}

var (
	// pdfAuthor is a non-empty /Author entry of the document information.
	pdfAuthor = regexp.MustCompile(`/Author\s*(\(\s*[^)\s]|<\s*(FEFF|feff)?[0-9A-Fa-f]*[1-9A-Fa-f][0-9A-Fa-f]*\s*>)`)
	// xmpCreator is a dc:creator or pdf:Author with text in XMP metadata.
	xmpCreator = regexp.MustCompile(`(?s)<dc:creator>.*?<rdf:li[^>]*>\s*[^<\s]|<pdf:Author>\s*[^<\s]|pdf:Author="\s*[^"\s]`)
	// pdfStream finds the start of a stream's data.
	pdfStream = regexp.MustCompile(`stream\r?\n`)
)

// Bounds of what checkPDF decompresses to look for metadata in compressed
// objects: per stream and in all.
const (
	maxPDFStream   = 1 << 20
	maxPDFInflated = 8 << 20
)

// checkPDF refuses a PDF whose properties name its author (/Author in the
// document information, dc:creator or pdf:Author in its XMP), in plain or
// in compressed objects: the message tells the author to clear the field
// or export again without it. The file is never changed.
func checkPDF(b []byte) error {
	if found(b) {
		return pdfNamed()
	}
	budget := maxPDFInflated
	for _, loc := range pdfStream.FindAllIndex(b, -1) {
		if budget <= 0 {
			break
		}
		start := loc[1]
		end := bytes.Index(b[start:], []byte("endstream"))
		if end < 0 {
			break
		}
		zr, err := zlib.NewReader(bytes.NewReader(b[start : start+end]))
		if err != nil {
			continue // not Flate (an image, say)
		}
		plain, err := io.ReadAll(io.LimitReader(zr, int64(min(maxPDFStream, budget))))
		budget -= len(plain)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && len(plain) == 0 {
			continue
		}
		if found(plain) {
			return pdfNamed()
		}
	}
	return nil
}

func found(b []byte) bool { return pdfAuthor.Match(b) || xmpCreator.Match(b) }

func pdfNamed() error { return invalid("file", "grading.submission.pdf_author") }

// isODT recognises an OpenDocument text: a zip whose first entry is an
// uncompressed "mimetype" file holding the ODT media type. Only that header
// is read; nothing is decompressed, so a zip bomb costs nothing.
func isODT(b []byte) bool {
	const header = 30
	if len(b) < header || !bytes.Equal(b[:4], []byte("PK\x03\x04")) {
		return false
	}
	flags := binary.LittleEndian.Uint16(b[6:8])
	method := binary.LittleEndian.Uint16(b[8:10])
	size := int(binary.LittleEndian.Uint32(b[18:22]))
	nameLen := int(binary.LittleEndian.Uint16(b[26:28]))
	extraLen := int(binary.LittleEndian.Uint16(b[28:30]))
	start := header + nameLen + extraLen
	// A streamed entry (flag bit 3) has its sizes in a data descriptor after
	// the data, so its header says 0.
	if size == 0 && flags&0x8 != 0 {
		size = len(odtType)
	}
	if method != 0 || string(b[header:min(header+nameLen, len(b))]) != "mimetype" || size != len(odtType) || start+size > len(b) {
		return false
	}
	return string(b[start:start+size]) == odtType
}
