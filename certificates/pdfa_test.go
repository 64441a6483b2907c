package certificates

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// pdfFile is a rendered PDF read back object by object, for assertions.
type pdfFile struct {
	t    *testing.T
	raw  []byte
	objs map[int]*pdfObject
}

func readPDFFile(t *testing.T, raw []byte) *pdfFile {
	t.Helper()
	objs, err := parsePDFObjects(raw)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	f := &pdfFile{t: t, raw: raw, objs: map[int]*pdfObject{}}
	for _, o := range objs {
		f.objs[o.id] = o
	}
	return f
}

// ref returns the object that key refers to in dict.
func (f *pdfFile) ref(dict, key string) *pdfObject {
	f.t.Helper()
	m := regexp.MustCompile(`/` + key + `\s+(\d+) 0 R`).FindStringSubmatch(dict)
	if m == nil {
		f.t.Fatalf("no /%s reference in %.200s", key, dict)
	}
	id, _ := strconv.Atoi(m[1])
	o := f.objs[id]
	if o == nil {
		f.t.Fatalf("/%s %d 0 R: no such object", key, id)
	}
	return o
}

// text decodes the text string (UTF-16BE hex, or a literal) after key.
func (f *pdfFile) text(dict, key string) string {
	f.t.Helper()
	m := regexp.MustCompile(`/` + key + `\s*(<FEFF[0-9A-F]*>|\(([^)]*)\))`).FindStringSubmatch(dict)
	if m == nil {
		f.t.Fatalf("no /%s text in %.200s", key, dict)
	}
	if m[2] != "" || strings.HasPrefix(m[1], "(") {
		return m[2]
	}
	b, err := hex.DecodeString(m[1][5 : len(m[1])-1])
	if err != nil || len(b)%2 != 0 {
		f.t.Fatalf("/%s: %q", key, m[1])
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return string(utf16.Decode(u))
}

func inflate(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := zlib.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPDFA checks, object by object, what PDF/A-2b and a tagged PDF ask of
// the certificate (veraPDF is in neither Debian nor npm): the binary
// comment, the trailer's /ID and indirect /Info, xref offsets, XMP
// metadata (pdfaid 2B, well-formed, equal to /Info), the sRGB output
// intent, /Lang, /MarkInfo, subset tags and CIDToGIDMap, a structure tree
// whose marked content covers every text block, the QR code as a Figure
// with alternate text, and a printable link annotation tied to its Link
// element. qpdf --check runs too where qpdf is installed.
func TestPDFA(t *testing.T) {
	r := newTestRenderer(t)
	for _, lang := range []string{"fr", "en"} {
		t.Run(lang, func(t *testing.T) {
			c := testCertificatePDF()
			c.Lang, c.Workload, c.Labels.QRAlt = lang, "Volume de travail : 25 heures", "Code QR vers la page de vérification"
			raw, err := r.Render(c)
			if err != nil {
				t.Fatal(err)
			}
			checkPDFA(t, raw, c)
		})
	}
}

func checkPDFA(t *testing.T, raw []byte, c CertificatePDF) {
	t.Helper()
	// Header: version, then a comment of at least four bytes above 127.
	if !bytes.HasPrefix(raw, []byte("%PDF-1.7\n%")) || len(raw) < 14 {
		t.Fatalf("header %q", raw[:min(len(raw), 16)])
	}
	for _, b := range raw[10:14] {
		if b <= 127 {
			t.Fatalf("binary comment %q", raw[9:14])
		}
	}
	f := readPDFFile(t, raw)

	// Trailer and xref.
	tm := regexp.MustCompile(`(?s)trailer\s*<<(.*?)>>\s*startxref\s*(\d+)\s*%%EOF\n$`).FindSubmatch(raw)
	if tm == nil {
		t.Fatalf("no trailer:\n%s", raw[max(0, len(raw)-300):])
	}
	trailer := string(tm[1])
	if !regexp.MustCompile(`/ID\s*\[\s*<[0-9a-f]{32}>\s*<[0-9a-f]{32}>\s*\]`).MatchString(trailer) || strings.Contains(trailer, "/Encrypt") {
		t.Errorf("trailer without /ID or with /Encrypt: %s", trailer)
	}
	xrefAt, _ := strconv.Atoi(string(tm[2]))
	for _, m := range regexp.MustCompile(`(\d{10}) 00000 n \n`).FindAllSubmatch(raw[xrefAt:], -1) {
		off, _ := strconv.Atoi(string(m[1]))
		if !regexp.MustCompile(`^\d+ 0 obj\n`).Match(raw[off:min(len(raw), off+20)]) {
			t.Errorf("xref offset %d points at %q", off, raw[off:min(len(raw), off+20)])
		}
	}
	info := f.ref(trailer, "Info")
	root := f.ref(trailer, "Root")

	// Information dictionary and XMP say the same.
	title := c.Labels.Title + " – " + c.HolderName
	wantInfo := map[string]string{"Title": title, "Author": c.Issuer, "Subject": CourseName + " – " + c.Code, "Creator": CourseName,
		"Producer": Producer, "CreationDate": "D:20250127170000+00'00'", "ModDate": "D:20250127170000+00'00'"}
	for k, want := range wantInfo {
		if got := f.text(info.dict, k); got != want {
			t.Errorf("Info /%s = %q, want %q", k, got, want)
		}
	}
	meta := f.ref(root.dict, "Metadata")
	if !strings.Contains(meta.dict, "/Type /Metadata") || !strings.Contains(meta.dict, "/Subtype /XML") || strings.Contains(meta.dict, "/Filter") {
		t.Errorf("metadata stream %s", meta.dict)
	}
	var x struct {
		RDF struct {
			Descriptions []struct {
				Part        string   `xml:"http://www.aiim.org/pdfa/ns/id/ part"`
				Conformance string   `xml:"http://www.aiim.org/pdfa/ns/id/ conformance"`
				Title       []string `xml:"title>Alt>li"`
				Creator     []string `xml:"creator>Seq>li"`
				Description []string `xml:"description>Alt>li"`
				Language    []string `xml:"language>Bag>li"`
				Tool        string   `xml:"http://ns.adobe.com/xap/1.0/ CreatorTool"`
				Created     string   `xml:"http://ns.adobe.com/xap/1.0/ CreateDate"`
				Modified    string   `xml:"http://ns.adobe.com/xap/1.0/ ModifyDate"`
				Producer    string   `xml:"http://ns.adobe.com/pdf/1.3/ Producer"`
			} `xml:"Description"`
		} `xml:"RDF"`
	}
	if !bytes.HasPrefix(meta.stream, []byte("<?xpacket begin=\"\xEF\xBB\xBF\"")) || !bytes.HasSuffix(meta.stream, []byte(`<?xpacket end="w"?>`)) {
		t.Errorf("XMP packet wrapper: %.60q … %.30q", meta.stream, meta.stream[max(0, len(meta.stream)-30):])
	}
	if err := xml.Unmarshal(meta.stream, &x); err != nil {
		t.Fatalf("XMP is not well-formed: %v", err)
	}
	got := map[string]string{}
	for _, d := range x.RDF.Descriptions {
		for k, v := range map[string]string{"part": d.Part, "conformance": d.Conformance, "tool": d.Tool, "created": d.Created,
			"modified": d.Modified, "producer": d.Producer, "title": strings.Join(d.Title, "|"), "creator": strings.Join(d.Creator, "|"),
			"description": strings.Join(d.Description, "|"), "language": strings.Join(d.Language, "|")} {
			if v != "" {
				got[k] = v
			}
		}
	}
	want := map[string]string{"part": "2", "conformance": "B", "title": title, "creator": c.Issuer, "description": wantInfo["Subject"],
		"tool": CourseName, "producer": Producer, "created": "2025-01-27T17:00:00+00:00", "modified": "2025-01-27T17:00:00+00:00", "language": c.Lang}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("XMP %s = %q, want %q", k, got[k], w)
		}
	}

	// Output intent: sRGB, the vendored profile.
	oi := regexp.MustCompile(`/OutputIntents\s*\[\s*(\d+) 0 R\s*\]`).FindStringSubmatch(root.dict)
	if oi == nil {
		t.Fatalf("catalog without one output intent: %s", root.dict)
	}
	id, _ := strconv.Atoi(oi[1])
	intent := f.objs[id]
	if intent == nil || !strings.Contains(intent.dict, "/S /GTS_PDFA1") || !strings.Contains(intent.dict, "/OutputConditionIdentifier") {
		t.Fatalf("output intent %v", intent)
	}
	prof := f.ref(intent.dict, "DestOutputProfile")
	icc := inflate(t, prof.stream)
	if !strings.Contains(prof.dict, "/N 3") || !bytes.Equal(icc, sRGBProfile) || string(icc[36:40]) != "acsp" || string(icc[16:20]) != "RGB " || string(icc[12:16]) != "mntr" {
		t.Errorf("profile %s: %d bytes, class %q, space %q", prof.dict, len(icc), icc[12:16], icc[16:20])
	}
	if want := "<FEFF" + strings.ToUpper(hex.EncodeToString(utf16BE(c.Lang))) + ">"; !strings.Contains(root.dict, "/Lang "+want) {
		t.Errorf("catalog /Lang: %s", root.dict)
	}
	if !regexp.MustCompile(`/MarkInfo\s*<<\s*/Marked true\s*>>`).MatchString(root.dict) {
		t.Errorf("catalog /MarkInfo: %s", root.dict)
	}

	// Fonts: subset tags, CIDToGIDMap.
	fonts := 0
	for _, o := range f.objs {
		for _, m := range regexp.MustCompile(`/(?:BaseFont|FontName)\s*/(\S+)`).FindAllStringSubmatch(o.dict, -1) {
			fonts++
			if !regexp.MustCompile(`^[A-Z]{6}\+go-`).MatchString(m[1]) {
				t.Errorf("font name %q has no subset tag", m[1])
			}
		}
		if strings.Contains(o.dict, "/CIDFontType2") && !strings.Contains(o.dict, "/CIDToGIDMap /Identity") {
			t.Errorf("CID font without CIDToGIDMap: %s", o.dict)
		}
	}
	if fonts != 9 { // 3 fonts × (Type0, CIDFont, descriptor)
		t.Errorf("%d font names, want 9", fonts)
	}

	// The page: marked content covers every text block and the image.
	var page *pdfObject
	for _, o := range f.objs {
		if o.stream == nil && regexp.MustCompile(`/Type\s*/Page\b`).MatchString(o.dict) {
			page = o
		}
	}
	if page == nil || !strings.Contains(page.dict, "/StructParents 0") || !strings.Contains(page.dict, "/Tabs /S") {
		t.Fatalf("page %v", page)
	}
	content := f.ref(page.dict, "Contents")
	ops := string(inflate(t, content.stream))
	depth, mcids, open := 0, 0, ""
	for _, line := range strings.Split(ops, "\n") {
		switch {
		case strings.HasSuffix(line, "BDC"):
			m := regexp.MustCompile(`^/(\w+) << /MCID (\d+) >> BDC$`).FindStringSubmatch(line)
			if m == nil || m[2] != strconv.Itoa(mcids) || depth != 0 {
				t.Fatalf("marked content %q (MCID %d expected, depth %d)", line, mcids, depth)
			}
			open, depth, mcids = m[1], depth+1, mcids+1
		case line == "/Artifact BMC":
			open, depth = "Artifact", depth+1
		case line == "EMC":
			depth--
		case line == "BT" && (depth != 1 || open == "Artifact" || open == "Figure"):
			t.Errorf("text outside a structure element (in %q)", open)
		case strings.HasSuffix(line, " Do ") || strings.HasSuffix(line, " Do"):
			if open != "Figure" {
				t.Errorf("image drawn in %q, not a Figure", open)
			}
		case strings.TrimSpace(line) != "" && depth == 0:
			t.Errorf("operator outside marked content: %q", line)
		}
	}
	if depth != 0 || mcids < 15 {
		t.Errorf("marked content depth %d at the end, %d MCIDs", depth, mcids)
	}

	// The structure tree.
	str := f.ref(root.dict, "StructTreeRoot")
	nums := regexp.MustCompile(`/Nums\s*\[\s*0\s*\[([^\]]*)\]\s*1\s+(\d+) 0 R\s*\]`).FindStringSubmatch(str.dict)
	if nums == nil || len(regexp.MustCompile(`\d+ 0 R`).FindAllString(nums[1], -1)) != mcids {
		t.Fatalf("parent tree of %d MCIDs: %s", mcids, str.dict)
	}
	doc := f.ref(str.dict, "K")
	if !strings.Contains(doc.dict, "/S /Document") {
		t.Fatalf("root element %s", doc.dict)
	}
	roles := map[string][]*pdfObject{}
	for _, m := range regexp.MustCompile(`(\d+) 0 R`).FindAllStringSubmatch(regexp.MustCompile(`/K\s*\[([^\]]*)\]`).FindStringSubmatch(doc.dict)[1], -1) {
		id, _ := strconv.Atoi(m[1])
		e := f.objs[id]
		s := regexp.MustCompile(`/S /(\w+)`).FindStringSubmatch(e.dict)[1]
		roles[s] = append(roles[s], e)
		if !strings.Contains(e.dict, "/P "+strconv.Itoa(doc.id)+" 0 R") || !strings.Contains(e.dict, "/Pg "+strconv.Itoa(page.id)+" 0 R") {
			t.Errorf("element %s without its parent or page", e.dict)
		}
	}
	if len(roles["H1"]) != 1 || len(roles["Figure"]) != 1 || len(roles["Link"]) != 1 || len(roles["P"]) < 10 {
		t.Errorf("elements: %d H1, %d Figure, %d Link, %d P", len(roles["H1"]), len(roles["Figure"]), len(roles["Link"]), len(roles["P"]))
	}
	if alt := f.text(roles["Figure"][0].dict, "Alt"); alt != c.Labels.QRAlt+" "+c.VerifyURL {
		t.Errorf("QR alt %q", alt)
	}
	link := roles["Link"][0]
	if nums[2] != strconv.Itoa(link.id) {
		t.Errorf("parent tree entry 1 is %s, not the Link %d", nums[2], link.id)
	}
	annot := f.ref(link.dict, "Obj")
	annots := regexp.MustCompile(`/Annots\s*\[\s*(\d+) 0 R\s*\]`).FindStringSubmatch(page.dict)
	if annots == nil || annots[1] != strconv.Itoa(annot.id) {
		t.Errorf("page annotations %s, want %d", page.dict, annot.id)
	}
	for _, w := range []string{"/Subtype /Link", "/URI (" + c.VerifyURL + ")", "/F 4", "/StructParent 1"} {
		if !strings.Contains(annot.dict, w) {
			t.Errorf("link annotation lacks %s: %s", w, annot.dict)
		}
	}
	if got := f.text(annot.dict, "Contents"); !strings.Contains(got, c.VerifyURL) {
		t.Errorf("link description %q", got)
	}

	// An independent reader, where installed.
	if qpdf, err := exec.LookPath("qpdf"); err == nil {
		path := filepath.Join(t.TempDir(), "c.pdf")
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(qpdf, "--check", path).CombinedOutput(); err != nil || !bytes.Contains(out, []byte("No syntax or stream encoding errors")) {
			t.Errorf("qpdf --check: %v\n%s", err, out)
		}
	}
}

func utf16BE(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}
