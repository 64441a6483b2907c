package certificates

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// PDF/A-2b and tagging. gopdf (v0.33.0) writes a clean PDF 1.7 but knows
// nothing of PDF/A: no XMP metadata, no output intent, no document ID, no
// subset tags, no structure. archivePDF rewrites its output object by
// object, the way a PDF/A converter does, and adds:
//
//   - an XMP metadata stream (pdfaid:part 2, conformance B) that repeats the
//     document information dictionary, which becomes an indirect object;
//   - an sRGB output intent (icc/sRGB.icc, see icc/LICENSE);
//   - /ID in the trailer (a hash of the content: the same certificate gives
//     the same bytes);
//   - subset tags (ABCDEF+Name, derived from the subset) and the
//     CIDToGIDMap PDF/A asks of embedded TrueType CID fonts;
//   - /Lang, /MarkInfo and a structure tree: every text block (BT…ET) of
//     the page becomes a marked-content sequence of its structure element
//     (H1, P or Link, as the layout recorded them in drawing order), the
//     QR code a Figure with alternate text, and every other drawing (frame,
//     rules) an artifact. The verification link's annotation belongs to
//     its Link element (OBJR) and is printable (/F 4).
//
// The rewrite expects what gopdf writes: one page, a classic xref table,
// direct /Length values, BT and ET on lines of their own. Anything else is
// an error, never a silently wrong file; the tests check every object.

//go:embed icc/sRGB.icc
var sRGBProfile []byte

// Producer is the /Producer of the certificates.
const Producer = "Libre cours (gopdf v0.33.0, PDF/A-2b)"

// continued is the role of a text block that belongs to the structure
// element of the block before it (a paragraph's next line).
const continued = "~"

// pdfaMeta is what archivePDF writes into the file besides the drawing.
type pdfaMeta struct {
	Lang                            string // BCP 47, such as "fr"
	Title, Author, Subject, Creator string
	Created                         time.Time // zero: no dates
	Roles                           []string  // the structure type of each text block, in drawing order
	FigureAlt                       string    // the QR code's alternate text
	LinkAlt                         string    // the link annotation's description
}

// pdfObject is one indirect object: its dictionary (or other value) and,
// for a stream, its raw (encoded) data.
type pdfObject struct {
	id     int
	dict   string
	stream []byte // nil: not a stream
}

var (
	paStartXref = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	paLength    = regexp.MustCompile(`/Length\s+(\d+)`)
	paRef       = func(key string) *regexp.Regexp { return regexp.MustCompile(`/` + key + `\s+(\d+)\s+0\s+R`) }
	paContents  = paRef("Contents")
	paFontFile  = paRef("FontFile2")
	paFontName  = regexp.MustCompile(`/FontName\s*/([A-Za-z0-9_.+-]+)`)
	paPage      = regexp.MustCompile(`/Type\s*/Page\b`)
	paCatalog   = regexp.MustCompile(`/Type\s*/Catalog\b`)
	paLinkAnnot = regexp.MustCompile(`/Subtype\s*/Link\b`)
	paCIDFont   = regexp.MustCompile(`/Subtype\s*/CIDFontType2\b`)
	paDo        = regexp.MustCompile(`/\S+\s+Do\b`)
)

// parsePDFObjects reads the objects of a PDF with a classic xref table.
func parsePDFObjects(raw []byte) ([]*pdfObject, error) {
	m := paStartXref.FindSubmatch(raw)
	if m == nil {
		return nil, errors.New("no startxref")
	}
	xrefAt, _ := strconv.Atoi(string(m[1]))
	if xrefAt <= 0 || xrefAt >= len(raw) || !bytes.HasPrefix(raw[xrefAt:], []byte("xref")) {
		return nil, errors.New("no xref table at startxref")
	}
	lines := strings.Split(strings.ReplaceAll(string(raw[xrefAt:]), "\r\n", "\n"), "\n")
	var first, count int
	if len(lines) < 3 {
		return nil, errors.New("short xref table")
	}
	if _, err := fmt.Sscanf(lines[1], "%d %d", &first, &count); err != nil || first != 0 || count < 2 || len(lines) < 2+count {
		return nil, fmt.Errorf("xref subsection %q", lines[1])
	}
	type entry struct{ id, off int }
	var entries []entry
	for i := 1; i < count; i++ {
		f := strings.Fields(lines[2+i])
		if len(f) != 3 || f[2] != "n" {
			return nil, fmt.Errorf("xref entry %d: %q", i, lines[2+i])
		}
		off, err := strconv.Atoi(f[0])
		if err != nil || off <= 0 || off >= xrefAt {
			return nil, fmt.Errorf("xref entry %d: %q", i, lines[2+i])
		}
		entries = append(entries, entry{i, off})
	}
	sort.Slice(entries, func(a, b int) bool { return entries[a].off < entries[b].off })
	objs := make([]*pdfObject, 0, len(entries))
	for k, e := range entries {
		end := xrefAt
		if k+1 < len(entries) {
			end = entries[k+1].off
		}
		o, err := parseObject(e.id, raw[e.off:end])
		if err != nil {
			return nil, err
		}
		objs = append(objs, o)
	}
	sort.Slice(objs, func(a, b int) bool { return objs[a].id < objs[b].id })
	return objs, nil
}

// parseObject reads "id 0 obj … endobj".
func parseObject(id int, b []byte) (*pdfObject, error) {
	head := fmt.Sprintf("%d 0 obj", id)
	if !bytes.HasPrefix(b, []byte(head)) {
		return nil, fmt.Errorf("object %d: starts with %q", id, b[:min(len(b), 20)])
	}
	body := b[len(head):]
	o := &pdfObject{id: id}
	if i := bytes.Index(body, []byte("stream")); i >= 0 && !bytes.HasPrefix(bytes.TrimSpace(body[i:]), []byte("endobj")) {
		dict := string(body[:i])
		lm := paLength.FindStringSubmatch(dict)
		if lm == nil {
			return nil, fmt.Errorf("object %d: a stream without a direct /Length", id)
		}
		n, _ := strconv.Atoi(lm[1])
		data := body[i+len("stream"):]
		switch {
		case bytes.HasPrefix(data, []byte("\r\n")):
			data = data[2:]
		case bytes.HasPrefix(data, []byte("\n")):
			data = data[1:]
		default:
			return nil, fmt.Errorf("object %d: stream keyword without an end of line", id)
		}
		if n > len(data) || !bytes.Contains(data[n:], []byte("endstream")) {
			return nil, fmt.Errorf("object %d: /Length %d does not end at endstream", id, n)
		}
		o.dict, o.stream = strings.TrimSpace(dict), data[:n]
		return o, nil
	}
	end := bytes.LastIndex(body, []byte("endobj"))
	if end < 0 {
		return nil, fmt.Errorf("object %d: no endobj", id)
	}
	o.dict = strings.TrimSpace(string(body[:end]))
	return o, nil
}

// insertEntries adds entries before the closing >> of a dictionary.
func insertEntries(dict, entries string) (string, error) {
	i := strings.LastIndex(dict, ">>")
	if i < 0 {
		return "", fmt.Errorf("not a dictionary: %.40q", dict)
	}
	return dict[:i] + " " + entries + " " + dict[i:], nil
}

// pdfText is a PDF text string in UTF-16BE with its byte order mark, as hex.
func pdfText(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// subsetTag is the six capital letters that prefix a subset font's name,
// derived from the subset so the same glyphs give the same tag.
func subsetTag(data []byte) string {
	sum := sha256.Sum256(data)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return string(tag)
}

// archivePDF turns gopdf's output into a tagged PDF/A-2b file.
func archivePDF(raw []byte, m pdfaMeta) ([]byte, error) {
	objs, err := parsePDFObjects(raw)
	if err != nil {
		return nil, fmt.Errorf("certificates: pdf/a: %w", err)
	}
	byID := map[int]*pdfObject{}
	var catalog, page *pdfObject
	var annots []*pdfObject
	for _, o := range objs {
		byID[o.id] = o
		switch {
		case paCatalog.MatchString(o.dict):
			catalog = o
		case o.stream == nil && paPage.MatchString(o.dict):
			if page != nil {
				return nil, errors.New("certificates: pdf/a: more than one page")
			}
			page = o
		case o.stream == nil && paLinkAnnot.MatchString(o.dict):
			annots = append(annots, o)
		}
	}
	if catalog == nil || page == nil {
		return nil, errors.New("certificates: pdf/a: no catalog or page")
	}
	if len(annots) != 1 {
		return nil, fmt.Errorf("certificates: pdf/a: %d link annotations, want 1", len(annots))
	}
	cm := paContents.FindStringSubmatch(page.dict)
	if cm == nil {
		return nil, errors.New("certificates: pdf/a: the page has no single content stream")
	}
	contentID, _ := strconv.Atoi(cm[1])
	content := byID[contentID]
	if content == nil || content.stream == nil {
		return nil, errors.New("certificates: pdf/a: no content stream")
	}

	// Fonts: subset tags and the CIDToGIDMap.
	renames := map[string]string{}
	for _, o := range objs {
		if !strings.Contains(o.dict, "/FontDescriptor") || o.stream != nil {
			continue
		}
		fm, nm := paFontFile.FindStringSubmatch(o.dict), paFontName.FindStringSubmatch(o.dict)
		if fm == nil || nm == nil || strings.Contains(nm[1], "+") {
			continue
		}
		id, _ := strconv.Atoi(fm[1])
		ff := byID[id]
		if ff == nil || ff.stream == nil {
			return nil, fmt.Errorf("certificates: pdf/a: font %s has no font file", nm[1])
		}
		renames[nm[1]] = subsetTag(ff.stream) + "+" + nm[1]
	}
	for old, tagged := range renames {
		re := regexp.MustCompile(`(/(?:BaseFont|FontName)\s*/)` + regexp.QuoteMeta(old) + `([\s/<>\[\]]|$)`)
		for _, o := range objs {
			o.dict = re.ReplaceAllString(o.dict, "${1}"+tagged+"${2}")
		}
	}
	for _, o := range objs {
		if paCIDFont.MatchString(o.dict) && !strings.Contains(o.dict, "/CIDToGIDMap") {
			if o.dict, err = insertEntries(o.dict, "/CIDToGIDMap /Identity"); err != nil {
				return nil, err
			}
		}
	}

	// The page's content, marked.
	plain, err := decodeContent(content)
	if err != nil {
		return nil, err
	}
	marked, seq, err := markContent(plain, m.Roles)
	if err != nil {
		return nil, fmt.Errorf("certificates: pdf/a: %w", err)
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	_, _ = zw.Write(marked)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	content.dict = fmt.Sprintf("<< /Filter /FlateDecode /Length %d >>", z.Len())
	content.stream = z.Bytes()

	next := objs[len(objs)-1].id + 1
	newID := func() int { next++; return next - 1 }
	infoID, metaID, iccID, intentID, rootID, docID := newID(), newID(), newID(), newID(), newID(), newID()
	pageRef := fmt.Sprintf("%d 0 R", page.id)
	annot := annots[0]
	// One structure element per role, continued blocks joining the one
	// before; parents maps each MCID to its element.
	type elem struct {
		role  string
		mcids []int
	}
	var elems []*elem
	for mcid, role := range seq {
		if role == continued && len(elems) > 0 {
			last := elems[len(elems)-1]
			last.mcids = append(last.mcids, mcid)
			continue
		}
		elems = append(elems, &elem{role: role, mcids: []int{mcid}})
	}
	var added []*pdfObject
	var kids []string
	parents := make([]string, len(seq))
	linkRef := ""
	for _, e := range elems {
		id := newID()
		ref := fmt.Sprintf("%d 0 R", id)
		mc := make([]string, len(e.mcids))
		for i, n := range e.mcids {
			mc[i] = strconv.Itoa(n)
			parents[n] = ref
		}
		k := strings.Join(mc, " ")
		if len(mc) > 1 {
			k = "[ " + k + " ]"
		}
		var d string
		switch e.role {
		case "Figure":
			d = fmt.Sprintf("<< /Type /StructElem /S /Figure /P %d 0 R /Pg %s /K %s /Alt %s >>", docID, pageRef, k, pdfText(m.FigureAlt))
		case "Link":
			if linkRef != "" {
				return nil, errors.New("certificates: pdf/a: two links")
			}
			linkRef = ref
			d = fmt.Sprintf("<< /Type /StructElem /S /Link /P %d 0 R /Pg %s /K [ %s << /Type /OBJR /Obj %d 0 R /Pg %s >> ] /Alt %s >>",
				docID, pageRef, strings.Join(mc, " "), annot.id, pageRef, pdfText(m.LinkAlt))
		default:
			d = fmt.Sprintf("<< /Type /StructElem /S /%s /P %d 0 R /Pg %s /K %s >>", e.role, docID, pageRef, k)
		}
		added = append(added, &pdfObject{id: id, dict: d})
		kids = append(kids, ref)
	}
	if linkRef == "" {
		return nil, errors.New("certificates: pdf/a: the link annotation has no text")
	}

	if catalog.dict, err = insertEntries(catalog.dict, fmt.Sprintf(
		"/Metadata %d 0 R /OutputIntents [ %d 0 R ] /MarkInfo << /Marked true >> /StructTreeRoot %d 0 R /Lang %s /ViewerPreferences << /DisplayDocTitle true >>",
		metaID, intentID, rootID, pdfText(m.Lang))); err != nil {
		return nil, err
	}
	if page.dict, err = insertEntries(page.dict, "/StructParents 0 /Tabs /S"); err != nil {
		return nil, err
	}
	if annot.dict, err = insertEntries(annot.dict, "/F 4 /StructParent 1 /Contents "+pdfText(m.LinkAlt)); err != nil {
		return nil, err
	}

	var icc bytes.Buffer
	iw, _ := zlib.NewWriterLevel(&icc, zlib.BestCompression)
	_, _ = iw.Write(sRGBProfile)
	if err := iw.Close(); err != nil {
		return nil, err
	}
	xmp := xmpPacket(m)
	added = append(added,
		&pdfObject{id: infoID, dict: infoDict(m)},
		&pdfObject{id: metaID, dict: fmt.Sprintf("<< /Type /Metadata /Subtype /XML /Length %d >>", len(xmp)), stream: xmp},
		&pdfObject{id: iccID, dict: fmt.Sprintf("<< /N 3 /Alternate /DeviceRGB /Filter /FlateDecode /Length %d >>", icc.Len()), stream: icc.Bytes()},
		&pdfObject{id: intentID, dict: fmt.Sprintf("<< /Type /OutputIntent /S /GTS_PDFA1 /OutputConditionIdentifier (sRGB IEC61966-2.1) /RegistryName (http://www.color.org) /Info (sRGB IEC61966-2.1) /DestOutputProfile %d 0 R >>", iccID)},
		&pdfObject{id: rootID, dict: fmt.Sprintf("<< /Type /StructTreeRoot /K %d 0 R /ParentTree << /Nums [ 0 [ %s ] 1 %s ] >> /ParentTreeNextKey 2 >>",
			docID, strings.Join(parents, " "), linkRef)},
		&pdfObject{id: docID, dict: fmt.Sprintf("<< /Type /StructElem /S /Document /P %d 0 R /K [ %s ] /Lang %s >>", rootID, strings.Join(kids, " "), pdfText(m.Lang))},
	)
	objs = append(objs, added...)
	sort.Slice(objs, func(a, b int) bool { return objs[a].id < objs[b].id })
	return writePDF(objs, catalog.id, infoID)
}

// decodeContent returns a content stream's operators.
func decodeContent(o *pdfObject) ([]byte, error) {
	if !strings.Contains(o.dict, "/FlateDecode") {
		return o.stream, nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(o.stream))
	if err != nil {
		return nil, fmt.Errorf("certificates: pdf/a: content stream: %w", err)
	}
	defer zr.Close()
	return io.ReadAll(zr)
}

// markContent wraps each text block (BT…ET) in a marked-content sequence of
// the next role, the drawing that paints an image in a Figure, and the rest
// in artifacts. It returns the marked operators and the role of each MCID.
func markContent(ops []byte, roles []string) ([]byte, []string, error) {
	var out bytes.Buffer
	var seq []string
	var chunk []string
	flush := func() {
		if len(chunk) == 0 {
			return
		}
		text := strings.Join(chunk, "\n") + "\n"
		chunk = chunk[:0]
		if strings.TrimSpace(text) == "" {
			return
		}
		if paDo.MatchString(text) {
			fmt.Fprintf(&out, "/Figure << /MCID %d >> BDC\n%sEMC\n", len(seq), text)
			seq = append(seq, "Figure")
			return
		}
		fmt.Fprintf(&out, "/Artifact BMC\n%sEMC\n", text)
	}
	blocks := 0
	inText := false
	lastTag := ""
	for _, line := range strings.Split(strings.TrimRight(string(ops), "\n"), "\n") {
		switch strings.TrimSpace(line) {
		case "BT":
			if inText {
				return nil, nil, errors.New("BT inside a text block")
			}
			flush()
			inText = true
		case "ET":
			if !inText {
				return nil, nil, errors.New("ET outside a text block")
			}
			if blocks >= len(roles) {
				return nil, nil, fmt.Errorf("more text blocks than the %d the layout recorded", len(roles))
			}
			chunk = append(chunk, line)
			text := strings.Join(chunk, "\n") + "\n"
			chunk = chunk[:0]
			tag := roles[blocks]
			if tag == continued {
				if len(seq) == 0 {
					return nil, nil, errors.New("the first text block continues nothing")
				}
				tag = lastTag
			}
			lastTag = tag
			fmt.Fprintf(&out, "/%s << /MCID %d >> BDC\n%sEMC\n", tag, len(seq), text)
			seq = append(seq, roles[blocks])
			blocks++
			inText = false
			continue
		}
		chunk = append(chunk, line)
	}
	if inText {
		return nil, nil, errors.New("unterminated text block")
	}
	flush()
	if blocks != len(roles) {
		return nil, nil, fmt.Errorf("%d text blocks, the layout recorded %d", blocks, len(roles))
	}
	return out.Bytes(), seq, nil
}

// pdfDate is a date of the information dictionary.
func pdfDate(t time.Time) string {
	return t.UTC().Format("D:20060102150405+00'00'")
}

// infoDict is the document information dictionary; xmpPacket says the same.
func infoDict(m pdfaMeta) string {
	var b strings.Builder
	b.WriteString("<< /Title " + pdfText(m.Title) + " /Author " + pdfText(m.Author) + " /Subject " + pdfText(m.Subject) +
		" /Creator " + pdfText(m.Creator) + " /Producer " + pdfText(Producer))
	if !m.Created.IsZero() {
		b.WriteString(" /CreationDate (" + pdfDate(m.Created) + ") /ModDate (" + pdfDate(m.Created) + ")")
	}
	b.WriteString(" >>")
	return b.String()
}

// xmlText escapes s for XML character data.
func xmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// xmpPacket is the XMP metadata: PDF/A identification and the document
// information, entry for entry.
func xmpPacket(m pdfaMeta) []byte {
	var b strings.Builder
	b.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:format>application/pdf</dc:format>
`)
	fmt.Fprintf(&b, "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></dc:title>\n", xmlText(m.Title))
	fmt.Fprintf(&b, "<dc:creator><rdf:Seq><rdf:li>%s</rdf:li></rdf:Seq></dc:creator>\n", xmlText(m.Author))
	fmt.Fprintf(&b, "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></dc:description>\n", xmlText(m.Subject))
	fmt.Fprintf(&b, "<dc:language><rdf:Bag><rdf:li>%s</rdf:li></rdf:Bag></dc:language>\n", xmlText(m.Lang))
	b.WriteString("</rdf:Description>\n<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n")
	fmt.Fprintf(&b, "<xmp:CreatorTool>%s</xmp:CreatorTool>\n", xmlText(m.Creator))
	if !m.Created.IsZero() {
		d := m.Created.UTC().Format("2006-01-02T15:04:05+00:00")
		fmt.Fprintf(&b, "<xmp:CreateDate>%s</xmp:CreateDate>\n<xmp:ModifyDate>%s</xmp:ModifyDate>\n<xmp:MetadataDate>%s</xmp:MetadataDate>\n", d, d, d)
	}
	b.WriteString("</rdf:Description>\n<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n")
	fmt.Fprintf(&b, "<pdf:Producer>%s</pdf:Producer>\n", xmlText(Producer))
	b.WriteString("</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>")
	return []byte(b.String())
}

// writePDF writes the objects with a classic xref table and a trailer whose
// /ID is a hash of everything before it.
func writePDF(objs []*pdfObject, rootID, infoID int) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n")
	size := objs[len(objs)-1].id + 1
	offsets := make([]int, size)
	for _, o := range objs {
		if offsets[o.id] != 0 {
			return nil, fmt.Errorf("certificates: pdf/a: object %d twice", o.id)
		}
		offsets[o.id] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\n", o.id, o.dict)
		if o.stream != nil {
			b.WriteString("stream\n")
			b.Write(o.stream)
			b.WriteString("\nendstream\n")
		}
		b.WriteString("endobj\n")
	}
	sum := sha256.Sum256(b.Bytes())
	id := hex.EncodeToString(sum[:16])
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", size)
	for i := 1; i < size; i++ {
		if offsets[i] == 0 {
			b.WriteString("0000000000 65535 f \n")
			continue
		}
		fmt.Fprintf(&b, "%010d 00000 n \n", offsets[i])
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [ <%s> <%s> ] >>\nstartxref\n%d\n%%%%EOF\n",
		size, rootID, infoID, id, id, xref)
	return b.Bytes(), nil
}
