// Package pdftest reads back the text of the certificates' PDF files in
// tests: gopdf writes glyph IDs of subset fonts, which it decodes through
// each font's ToUnicode CMap. It reads what gopdf writes, not any PDF.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// Text returns the text of every page of data, one line per text object.
func Text(t testing.TB, data []byte) string {
	t.Helper()
	return Parse(t, data).Text(t)
}

// Document is the little of a PDF file the text extractor needs: its
// objects, and the object numbers of its pages in file order.
type Document struct {
	objects map[int]pdfObj
	Pages   []int
}

type pdfObj struct {
	dict   string
	stream []byte
}

var (
	reObject    = regexp.MustCompile(`(?s)(\d+) 0 obj(.*?)endobj`)
	reLength    = regexp.MustCompile(`/Length (\d+)`)
	rePage      = regexp.MustCompile(`/Type /Page\b`)
	reRef       = regexp.MustCompile(`(\d+) 0 R`)
	reResources = regexp.MustCompile(`/Resources (\d+) 0 R`)
	reContents  = regexp.MustCompile(`/Contents\s*(\[[^\]]*\]|\d+ 0 R)`)
	reFontDict  = regexp.MustCompile(`(?s)/Font <<(.*?)>>`)
	reFontRef   = regexp.MustCompile(`/(\w+) (\d+) 0 R`)
	reToUnicode = regexp.MustCompile(`/ToUnicode (\d+) 0 R`)
	reBfRange   = regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`)
	reBfChar    = regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`)
	reHex       = regexp.MustCompile(`<([0-9A-Fa-f]*)>`)
	// One text operator of a content stream: a font selection, a TJ
	// array, a Tj string, or the end of a text object.
	reTextOp = regexp.MustCompile(`(?s)/(\w+)\s+[\d.]+\s+Tf|\[((?:<[0-9A-Fa-f]*>|[^\]])*)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj|\bET\b`)
)

// Parse splits a PDF produced by gopdf into objects, inflating
// FlateDecode streams.
func Parse(t testing.TB, data []byte) *Document {
	t.Helper()
	doc := &Document{objects: make(map[int]pdfObj)}
	for _, m := range reObject.FindAllSubmatchIndex(data, -1) {
		id, _ := strconv.Atoi(string(data[m[2]:m[3]]))
		body := data[m[4]:m[5]]
		obj := pdfObj{dict: string(body)}
		if i := bytes.Index(body, []byte("stream")); i >= 0 && !bytes.Contains(body[:i], []byte("endstream")) {
			obj.dict = string(body[:i])
			lm := reLength.FindStringSubmatch(obj.dict)
			if lm == nil {
				t.Fatalf("object %d: stream without /Length", id)
			}
			n, _ := strconv.Atoi(lm[1])
			start := m[4] + i + len("stream")
			if data[start] == '\r' {
				start++
			}
			start++ // '\n'
			raw := data[start : start+n]
			if strings.Contains(obj.dict, "/FlateDecode") {
				zr, err := zlib.NewReader(bytes.NewReader(raw))
				if err != nil {
					t.Fatalf("object %d: %v", id, err)
				}
				inflated, err := io.ReadAll(zr)
				if err != nil {
					t.Fatalf("object %d: inflate: %v", id, err)
				}
				raw = inflated
			}
			obj.stream = raw
		}
		doc.objects[id] = obj
		if rePage.MatchString(obj.dict) {
			doc.Pages = append(doc.Pages, id)
		}
	}
	return doc
}

// page returns a page's fonts (resource name to ToUnicode map) and the
// references of its content streams.
func (doc *Document) page(t testing.TB, page int) (fonts map[string]map[uint16]string, contents [][]string) {
	t.Helper()
	dict := doc.objects[page].dict
	rm := reResources.FindStringSubmatch(dict)
	if rm == nil {
		t.Fatalf("page %d has no /Resources reference", page)
	}
	fonts = make(map[string]map[uint16]string)
	if fm := reFontDict.FindStringSubmatch(doc.objects[atoi(rm[1])].dict); fm != nil {
		for _, ref := range reFontRef.FindAllStringSubmatch(fm[1], -1) {
			tu := reToUnicode.FindStringSubmatch(doc.objects[atoi(ref[2])].dict)
			if tu == nil {
				t.Fatalf("font %s has no /ToUnicode", ref[1])
			}
			fonts[ref[1]] = parseToUnicode(t, doc.objects[atoi(tu[1])].stream)
		}
	}
	cm := reContents.FindStringSubmatch(dict)
	if cm == nil {
		t.Fatalf("page %d has no /Contents", page)
	}
	return fonts, reRef.FindAllStringSubmatch(cm[1], -1)
}

// Text returns the text of every page, one line per text object, decoding
// the Identity-H glyph IDs through each font's ToUnicode CMap.
func (doc *Document) Text(t testing.TB) string {
	t.Helper()
	var sb strings.Builder
	for _, page := range doc.Pages {
		fonts, contents := doc.page(t, page)
		for _, ref := range contents {
			var cmap map[uint16]string
			for _, op := range reTextOp.FindAllStringSubmatch(string(doc.objects[atoi(ref[1])].stream), -1) {
				switch {
				case op[1] != "":
					cmap = fonts[op[1]]
					if cmap == nil {
						t.Fatalf("content uses unknown font /%s", op[1])
					}
				case op[2] != "":
					for _, h := range reHex.FindAllStringSubmatch(op[2], -1) {
						sb.WriteString(decodeGlyphs(t, cmap, h[1]))
					}
				case op[3] != "":
					sb.WriteString(decodeGlyphs(t, cmap, op[3]))
				default: // ET
					sb.WriteByte('\n')
				}
			}
		}
	}
	return sb.String()
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(fmt.Sprintf("atoi %q: %v", s, err))
	}
	return n
}

// parseToUnicode reads the bfrange and bfchar sections of a CMap.
func parseToUnicode(t testing.TB, cmap []byte) map[uint16]string {
	t.Helper()
	m := make(map[uint16]string)
	for _, sec := range reBfRange.FindAllSubmatch(cmap, -1) {
		hexes := reHex.FindAllSubmatch(sec[1], -1)
		if len(hexes)%3 != 0 {
			t.Fatalf("bfrange with %d values", len(hexes))
		}
		for i := 0; i < len(hexes); i += 3 {
			lo, hi := hexUint(t, hexes[i][1]), hexUint(t, hexes[i+1][1])
			dst := utf16Hex(t, hexes[i+2][1])
			for off, c := uint16(0), lo; lo <= hi; off, c = off+1, c+1 { // c reaches hi, then stops (no overflow at 0xFFFF)
				units := append([]uint16(nil), dst...)
				units[len(units)-1] += off
				m[c] = string(utf16.Decode(units))
				if c == hi {
					break
				}
			}
		}
	}
	for _, sec := range reBfChar.FindAllSubmatch(cmap, -1) {
		hexes := reHex.FindAllSubmatch(sec[1], -1)
		for i := 0; i+1 < len(hexes); i += 2 {
			m[hexUint(t, hexes[i][1])] = string(utf16.Decode(utf16Hex(t, hexes[i+1][1])))
		}
	}
	if len(m) == 0 {
		t.Fatal("empty ToUnicode CMap")
	}
	return m
}

func hexUint(t testing.TB, h []byte) uint16 {
	t.Helper()
	n, err := strconv.ParseUint(string(h), 16, 16) // the fonts' codes are two bytes
	if err != nil {
		t.Fatalf("hex %q: %v", h, err)
	}
	return uint16(n)
}

func utf16Hex(t testing.TB, h []byte) []uint16 {
	t.Helper()
	b, err := hex.DecodeString(string(h))
	if err != nil || len(b)%2 != 0 {
		t.Fatalf("UTF-16 hex %q: %v", h, err)
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return units
}

// decodeGlyphs maps a hex string of two-byte glyph IDs to text.
func decodeGlyphs(t testing.TB, cmap map[uint16]string, h string) string {
	t.Helper()
	if cmap == nil {
		t.Fatal("text shown before any font was selected")
	}
	b, err := hex.DecodeString(h)
	if err != nil || len(b)%2 != 0 {
		t.Fatalf("glyph string %q: %v", h, err)
	}
	var sb strings.Builder
	for i := 0; i < len(b); i += 2 {
		gid := uint16(b[i])<<8 | uint16(b[i+1])
		s, ok := cmap[gid]
		if !ok {
			t.Fatalf("glyph %d has no Unicode mapping", gid)
		}
		sb.WriteString(s)
	}
	return sb.String()
}

// Placed is one text object of a page: its decoded text, the font
// resource it uses (F1, F2…), its size, and where its baseline starts, in
// points from the page's lower left corner.
type Placed struct {
	Text string
	Font string
	Size float64
	X, Y float64
}

var rePlaced = regexp.MustCompile(`(?s)BT\s+(-?[\d.]+) (-?[\d.]+) TD\s+/(\w+) ([\d.]+) Tf(.*?)ET`)

// Placed returns the text objects of every page with their position, as
// gopdf writes them (BT x y TD /Fn size Tf … ET).
func (doc *Document) Placed(t testing.TB) []Placed {
	t.Helper()
	var out []Placed
	for _, page := range doc.Pages {
		fonts, contents := doc.page(t, page)
		for _, ref := range contents {
			for _, m := range rePlaced.FindAllStringSubmatch(string(doc.objects[atoi(ref[1])].stream), -1) {
				p := Placed{Font: m[3]}
				var err error
				for dst, s := range map[*float64]string{&p.X: m[1], &p.Y: m[2], &p.Size: m[4]} {
					if *dst, err = strconv.ParseFloat(s, 64); err != nil {
						t.Fatalf("text object %q: %v", m[0], err)
					}
				}
				cmap := fonts[p.Font]
				if cmap == nil {
					t.Fatalf("content uses unknown font /%s", p.Font)
				}
				for _, h := range reHex.FindAllStringSubmatch(m[5], -1) {
					p.Text += decodeGlyphs(t, cmap, h[1])
				}
				out = append(out, p)
			}
		}
	}
	return out
}
