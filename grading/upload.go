package grading

import (
	"bytes"
	"encoding/binary"
	"net/http"
)

// MaxUploadBytes bounds an attachment (10 MiB).
const MaxUploadBytes = 10 << 20

// Accepted attachment types, detected from the content, never from the name.
var uploadTypes = map[string]string{
	"application/pdf": ".pdf",
	"image/png":       ".png",
	"image/jpeg":      ".jpg",
	odtType:           ".odt",
}

const odtType = "application/vnd.oasis.opendocument.text"

// checkUpload detects the type of an attachment from its bytes and gives it a
// generated name.
func checkUpload(data []byte) (*Attachment, error) {
	if len(data) > MaxUploadBytes {
		return nil, ErrTooLarge
	}
	ct := http.DetectContentType(data)
	if isODT(data) {
		ct = odtType
	}
	ext, ok := uploadTypes[ct]
	if !ok {
		return nil, invalid("file", "grading.submission.file_type")
	}
	return &Attachment{Name: "travail" + ext, ContentType: ct, Size: int64(len(data))}, nil
}

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
