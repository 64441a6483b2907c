package certificates

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/png"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/signintech/gopdf"
	"github.com/yeqown/go-qrcode/v2"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"

	"librecours/course"
)

// CourseName is the course every certificate is about; it heads the PDF.
const CourseName = "Libre cours Libre Culture"

// PDFLabels are the fixed wordings of the certificate, already localized by
// the caller (French by default), for example:
//
//	Title:     "Certificat de réussite"
//	AwardedTo: "décerné à"
//	Session:   "Session"
//	IssuedBy:  "Délivré par"
//	Code:      "Code du certificat"
//	Verify:    "Vérifier l’authenticité"
//	QRAlt:     "Code QR menant à la page de vérification du certificat"
type PDFLabels struct {
	Title     string
	AwardedTo string
	Session   string
	IssuedBy  string
	Code      string
	Verify    string
	// QRAlt is the QR code's alternate text (its structure element's
	// /Alt); Verify when empty.
	QRAlt string
}

// CertificatePDF is everything printed on a certificate. Every text is shown
// as given: the caller localizes and formats dates.
type CertificatePDF struct {
	Labels PDFLabels
	// HolderName is the participant's name, as they wrote it.
	HolderName string
	// LevelName is the level's title, such as "Niveau II".
	LevelName string
	// LevelMeaning says what the level attests, one short paragraph.
	LevelMeaning string
	// SessionCode is the session, such as "LCIII-001".
	SessionCode string
	// SessionDates are the session's dates, such as "du 6 au 26 janvier 2025".
	SessionDates string
	// Issuer is the issuing organisation, such as "Picasoft".
	Issuer string
	// IssuedOn is the localized issue date line, such as "le 27 janvier 2025".
	IssuedOn string
	// IssuedAt goes into the PDF metadata (creation date); zero leaves it out.
	IssuedAt time.Time
	// Code is the certificate code.
	Code string
	// VerifyURL is the public verification page; the QR code points to it
	// and the printed address is a link to it.
	VerifyURL string
	// Workload is the localized line stating the course's workload, such as
	// "Volume de travail : 25 heures"; empty leaves it out.
	Workload string
	// Lang is the language of the texts (BCP 47, /Lang and dc:language);
	// "fr" when empty.
	Lang string
}

// DefaultWorkloadHours is the course's workload stated on certificates
// whose session never set one (course.DefaultWorkloadHours): about 25 hours
// of work. A certificate states its own (Certificate.Workload).
const DefaultWorkloadHours = course.DefaultWorkloadHours

// KeyPDFRequired is the translation key of a missing CertificatePDF field.
const KeyPDFRequired = "certificates.pdf.required"

// Validate reports the first missing required field as a *ValidationError.
func (c CertificatePDF) Validate() error {
	required := []struct{ field, value string }{
		{"labels.title", c.Labels.Title},
		{"holder_name", c.HolderName},
		{"level_name", c.LevelName},
		{"session_code", c.SessionCode},
		{"issuer", c.Issuer},
		{"code", c.Code},
		{"verify_url", c.VerifyURL},
	}
	for _, r := range required {
		if strings.TrimSpace(r.value) == "" {
			return invalid(r.field, KeyPDFRequired)
		}
	}
	return nil
}

// Font families registered in every document, and those added to a
// document whose holder's name has letters the Go fonts lack.
const (
	fontRegular  = "go-regular"
	fontBold     = "go-bold"
	fontMono     = "go-mono-bold"
	fontFallback = "dejavu-bold"
	fontCJK      = "droid-fallback"
	fontHangul   = "nanum-square-bold"
)

// dejaVuBold is DejaVu Sans Bold (fonts/README.md): Arabic, Hebrew and
// the other scripts of people's names that Go Bold does not have.
//
//go:embed fonts/DejaVuSans-Bold.ttf
var dejaVuBold []byte

// droidFallback is Droid Sans Fallback (fonts/README.md): the Chinese and
// Japanese characters of people's names, which neither Go Bold nor DejaVu
// has.
//
//go:embed fonts/DroidSansFallbackFull.ttf
var droidFallback []byte

// nanumSquareBold is NanumSquare Bold (fonts/README.md): the Korean
// syllables, which Droid Sans Fallback lacks.
//
//go:embed fonts/NanumSquareB.ttf
var nanumSquareBold []byte

// PDFRenderer draws certificates. Build it once with NewPDFRenderer: it
// parses the embedded fonts then, and Render only subsets them. It holds
// no mutable state, so Render is safe for concurrent use.
type PDFRenderer struct {
	fonts *gopdf.FontContainer
	// bold and fallbacks tell which characters each font has, to print the
	// holder's name: Go Bold, else the first fallback that has it.
	bold      *sfnt.Font
	fallbacks []nameFallback
}

// nameFallback is a font a holder's name falls back on.
type nameFallback struct {
	family string
	font   *sfnt.Font
}

// NewPDFRenderer parses the fonts: Go Regular, Go Bold, Go Mono Bold, which
// cover French (é è à ç œ « » ’ …) and the Latin, Greek and Cyrillic
// alphabets, then for the letters of a holder's name they lack DejaVu Sans
// Bold (Arabic, Hebrew…), Droid Sans Fallback (Chinese, Japanese) and
// NanumSquare Bold (Korean). A character none has prints as "?".
func NewPDFRenderer() (*PDFRenderer, error) {
	fonts := &gopdf.FontContainer{}
	for _, f := range []struct {
		family string
		data   []byte
	}{
		{fontRegular, goregular.TTF},
		{fontBold, gobold.TTF},
		{fontMono, gomonobold.TTF},
		{fontFallback, dejaVuBold},
		{fontCJK, droidFallback},
		{fontHangul, nanumSquareBold},
	} {
		opt := gopdf.TtfOption{Style: gopdf.Regular, OnGlyphNotFoundSubstitute: substituteGlyph}
		if err := fonts.AddTTFFontDataWithOption(f.family, f.data, opt); err != nil {
			return nil, fmt.Errorf("certificates: parse font %s: %w", f.family, err)
		}
	}
	r := &PDFRenderer{fonts: fonts}
	var err error
	if r.bold, err = sfnt.Parse(gobold.TTF); err != nil {
		return nil, fmt.Errorf("certificates: parse font %s: %w", fontBold, err)
	}
	for _, f := range []struct {
		family string
		data   []byte
	}{
		{fontFallback, dejaVuBold},
		{fontCJK, droidFallback},
		{fontHangul, nanumSquareBold},
	} {
		font, err := sfnt.Parse(f.data)
		if err != nil {
			return nil, fmt.Errorf("certificates: parse font %s: %w", f.family, err)
		}
		r.fallbacks = append(r.fallbacks, nameFallback{f.family, font})
	}
	return r, nil
}

// has reports whether font has a glyph for r.
func has(font *sfnt.Font, r rune) bool {
	var buf sfnt.Buffer
	g, err := font.GlyphIndex(&buf, r)
	return err == nil && g != 0
}

// nameFont is the font of each character of a name: Go Bold when it has
// the letter (or no font has it), else the first fallback that has it; a
// space or a mark takes the font of the character before it. needed lists
// the fallback families the name takes, in the fallbacks' order.
func (r *PDFRenderer) nameFont(name string) (fonts, needed []string) {
	font := fontBold
	for _, c := range name {
		if !unicode.IsSpace(c) && !unicode.Is(unicode.Mn, c) {
			font = fontBold
			if !has(r.bold, c) {
				for _, f := range r.fallbacks {
					if has(f.font, c) {
						font = f.family
						break
					}
				}
			}
		}
		fonts = append(fonts, font)
	}
	for _, f := range r.fallbacks {
		if slices.Contains(fonts, f.family) {
			needed = append(needed, f.family)
		}
	}
	return fonts, needed
}

// substituteGlyph replaces characters the Go fonts lack: the narrow and
// thin spaces of French typography become a no-break space, anything else
// a question mark.
func substituteGlyph(r rune) rune {
	switch r {
	case '\u202f', '\u2007', '\u2060':
		return '\u00a0'
	case '\u2009', '\u200a', '\u2002', '\u2003':
		return ' '
	case '\u2011':
		return '-'
	}
	return '?'
}

// Page geometry, in points: A4 landscape.
const (
	pageW  = 841.89
	pageH  = 595.28
	margin = 72.0
)

// Colours: a sober navy for structure, a muted gold for rules, dark grey
// text and a lighter grey for labels.
const (
	colorNavy  rgb = 0x1f3a5f
	colorGold  rgb = 0xb08d57
	colorText  rgb = 0x222222
	colorLabel rgb = 0x6e6e76
)

// rgb is a colour as 0xRRGGBB.
type rgb uint32

func (c rgb) r() uint8 { return uint8(c >> 16) } // #nosec G115 -- a colour channel is the low 8 bits by design
func (c rgb) g() uint8 { return uint8(c >> 8) }  // #nosec G115 -- a colour channel is the low 8 bits by design
func (c rgb) b() uint8 { return uint8(c) }       // #nosec G115 -- a colour channel is the low 8 bits by design

// Render draws c on one A4 landscape page and returns the PDF bytes.
func (r *PDFRenderer) Render(c CertificatePDF) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	qr, err := qrPNG(c.VerifyURL, 8)
	if err != nil {
		return nil, err
	}

	d := &pdfDoc{gp: &gopdf.GoPdf{}}
	d.gp.Start(gopdf.Config{Unit: gopdf.UnitPT, PageSize: gopdf.Rect{W: pageW, H: pageH}})
	families := []string{fontRegular, fontBold, fontMono}
	name := c.HolderName
	if _, needed := r.nameFont(name); len(needed) > 0 {
		// Arabic letters joined, then the fallback fonts added only to the
		// documents that use them.
		name = shapeArabic(name)
		if _, needed := r.nameFont(name); len(needed) > 0 {
			families = append(families, needed...)
			d.nameFont = r.nameFont
		}
	}
	for _, family := range families {
		if err := d.gp.AddTTFFontFromFontContainer(family, r.fonts); err != nil {
			return nil, fmt.Errorf("certificates: pdf font %s: %w", family, err)
		}
	}
	d.gp.AddPage()

	d.frame()
	d.centered(strings.ToUpper(CourseName), fontBold, 12, 3, colorNavy, 66)
	d.rule(pageW/2-28, pageW/2+28, 88, colorGold, 1)
	d.next = "H1"
	d.fitted(c.Labels.Title, fontBold, 34, 18, pageW-2*margin, colorNavy, 106)
	if c.Labels.AwardedTo != "" {
		d.centered(c.Labels.AwardedTo, fontRegular, 13, 0, colorLabel, 170)
	}
	d.holderName(name, pageW-2*margin-40)
	d.rule(pageW/2-140, pageW/2+140, nameBottom, colorGold, 0.75)
	d.fitted(c.LevelName, fontBold, 18, 10, pageW-2*margin, colorNavy, 254)
	y := 284.0
	if c.LevelMeaning != "" {
		y = d.paragraph(c.LevelMeaning, fontRegular, 11.5, 540, colorText, y, 380)
	}
	session := strings.TrimSpace(strings.TrimSpace(c.Labels.Session+" "+c.SessionCode) + " · " + c.SessionDates)
	if c.SessionDates == "" {
		session = strings.TrimSpace(c.Labels.Session + " " + c.SessionCode)
	}
	sessionY := max(y+10, 350)
	if c.Workload != "" {
		sessionY = max(y+6, 342)
	}
	d.fitted(session, fontRegular, 11.5, 7, pageW-2*margin, colorText, sessionY)
	if c.Workload != "" {
		d.fitted(c.Workload, fontRegular, 11.5, 7, pageW-2*margin, colorText, sessionY+17)
	}

	// Bottom band: issuer on the left, code and verification in the middle,
	// QR code on the right.
	const bandTop = 418.0
	d.rule(margin, pageW-margin, bandTop, colorGold, 0.5)
	const qrSize = 92.0
	qrX, qrY := pageW-margin-qrSize, bandTop+18
	left, leftW := margin, 210.0
	d.label(c.Labels.IssuedBy, left, leftW, bandTop+22, gopdf.Left)
	d.fittedAt(c.Issuer, fontBold, 15, 9, colorNavy, left, leftW, bandTop+36, gopdf.Left)
	d.at(c.IssuedOn, fontRegular, 11, colorText, left, leftW, bandTop+58, gopdf.Left)

	mid := left + leftW + 10
	midW := qrX - 16 - mid
	d.label(c.Labels.Code, mid, midW, bandTop+22, gopdf.Center)
	d.at(c.Code, fontMono, 14, colorText, mid, midW, bandTop+36, gopdf.Center)
	d.label(c.Labels.Verify, mid, midW, bandTop+64, gopdf.Center)
	d.next = "Link"
	d.fittedAt(c.VerifyURL, fontRegular, 9.5, 6, colorNavy, mid, midW, bandTop+78, gopdf.Center)
	if d.err == nil {
		d.gp.AddExternalLink(c.VerifyURL, mid, bandTop+76, midW, 15)
	}

	if d.err == nil {
		holder, err := gopdf.ImageHolderByBytes(qr)
		if err != nil {
			return nil, fmt.Errorf("certificates: pdf qr image: %w", err)
		}
		d.err = d.gp.ImageByHolder(holder, qrX, qrY, &gopdf.Rect{W: qrSize, H: qrSize})
	}
	if d.err != nil {
		return nil, fmt.Errorf("certificates: render pdf: %w", d.err)
	}
	out, err := d.gp.GetBytesPdfReturnErr()
	if err != nil {
		return nil, fmt.Errorf("certificates: write pdf: %w", err)
	}
	lang := c.Lang
	if lang == "" {
		lang = "fr"
	}
	alt := c.Labels.QRAlt
	if alt == "" {
		alt = c.Labels.Verify
	}
	return archivePDF(out, pdfaMeta{
		Lang:      lang,
		Title:     c.Labels.Title + " – " + c.HolderName,
		Subject:   CourseName + " – " + c.Code,
		Author:    c.Issuer,
		Creator:   CourseName,
		Created:   c.IssuedAt,
		Roles:     d.roles,
		FigureAlt: strings.TrimSpace(alt + " " + c.VerifyURL),
		LinkAlt:   strings.TrimSpace(c.Labels.Verify + " " + c.VerifyURL),
	})
}

// pdfDoc wraps a gopdf document with the drawing helpers of the layout;
// the first error sticks and stops further drawing.
type pdfDoc struct {
	gp  *gopdf.GoPdf
	err error
	// roles are the structure types of the text blocks drawn, in order
	// (archivePDF tags them); next is the type of the next one, P when "".
	roles []string
	next  string
	// nameFont, when the holder's name needs the fallback font, gives the
	// font of each of its characters (PDFRenderer.nameFont).
	nameFont func(string) (fonts, needed []string)
}

func (d *pdfDoc) frame() {
	d.gp.SetStrokeColor(colorNavy.r(), colorNavy.g(), colorNavy.b())
	d.gp.SetLineWidth(2.2)
	d.gp.RectFromUpperLeftWithStyle(22, 22, pageW-44, pageH-44, "D")
	d.gp.SetStrokeColor(colorGold.r(), colorGold.g(), colorGold.b())
	d.gp.SetLineWidth(0.8)
	d.gp.RectFromUpperLeftWithStyle(29, 29, pageW-58, pageH-58, "D")
}

func (d *pdfDoc) rule(x1, x2, y float64, color rgb, width float64) {
	d.gp.SetStrokeColor(color.r(), color.g(), color.b())
	d.gp.SetLineWidth(width)
	d.gp.Line(x1, y, x2, y)
}

func (d *pdfDoc) setFont(family string, size, spacing float64, color rgb) bool {
	if d.err != nil {
		return false
	}
	if d.err = d.gp.SetFont(family, "", size); d.err != nil {
		return false
	}
	if d.err = d.gp.SetCharSpacing(spacing); d.err != nil {
		return false
	}
	d.gp.SetTextColor(color.r(), color.g(), color.b())
	return true
}

// at writes one line of text whose top is at y, aligned (gopdf.Left,
// Center or Right) within the box from x of width w.
func (d *pdfDoc) at(text, family string, size float64, color rgb, x, w, y float64, align int) {
	if text == "" || !d.setFont(family, size, 0, color) {
		return
	}
	d.cell(text, x, w, y, size, align)
}

func (d *pdfDoc) cell(text string, x, w, y, size float64, align int) {
	d.gp.SetXY(x, y)
	d.err = d.gp.CellWithOption(&gopdf.Rect{W: w, H: size * 1.2}, text, gopdf.CellOption{Align: align | gopdf.Top})
	role := d.next
	if role == "" {
		role = "P"
	}
	d.roles, d.next = append(d.roles, role), ""
}

// label writes a small grey caption.
func (d *pdfDoc) label(text string, x, w, y float64, align int) {
	d.at(text, fontRegular, 9, colorLabel, x, w, y, align)
}

// centered writes one line centred on the page, with extra letter spacing.
func (d *pdfDoc) centered(text, family string, size, spacing float64, color rgb, y float64) {
	if text == "" || !d.setFont(family, size, spacing, color) {
		return
	}
	width, err := d.gp.MeasureTextWidth(text)
	if d.err = err; err != nil {
		return
	}
	// Letter spacing also follows the last glyph; take it off so the
	// visible text is centred.
	d.cell(text, (pageW-width+spacing)/2, width, y, size, gopdf.Left)
	if d.err == nil {
		d.err = d.gp.SetCharSpacing(0)
	}
}

// fitted writes one line centred on the page, shrinking the font from size
// down to minSize until the text fits maxWidth.
func (d *pdfDoc) fitted(text, family string, size, minSize, maxWidth float64, color rgb, y float64) {
	d.fittedAt(text, family, size, minSize, color, (pageW-maxWidth)/2, maxWidth, y, gopdf.Center)
}

// fittedAt is fitted within the box from x of width w, with any alignment.
func (d *pdfDoc) fittedAt(text, family string, size, minSize float64, color rgb, x, w, y float64, align int) {
	if text == "" || !d.setFont(family, size, 0, color) {
		return
	}
	full := size
	for size > minSize {
		width, err := d.gp.MeasureTextWidth(text)
		if d.err = err; err != nil {
			return
		}
		if width <= w {
			break
		}
		size = max(minSize, size-0.5)
		if d.err = d.gp.SetFontSize(size); d.err != nil {
			return
		}
	}
	// Keep a shrunken line in the middle of the room the full size took.
	d.cell(text, x, w, y+(full-size)*0.6, size, align)
}

// The holder's name sits between these two heights (points from the top),
// above the gold rule.
const (
	nameTop    = 192.0
	nameBottom = 238.0
)

// holderName writes the holder's name centred on the page within width:
// on one line from 30 points down to 16, then on as many lines as the
// band under "décerné à" holds, down to 8 points. A name of up to
// course.MaxNameRunes characters, even one long word, is printed whole.
// A name with letters Go Bold lacks is measured and drawn run by run,
// each in its font, right-to-left runs reversed (nameLine).
func (d *pdfDoc) holderName(text string, width float64) {
	const full, single, smallest, leading = 30.0, 16.0, 8.0, 1.15
	if text == "" || !d.setFont(fontBold, full, 0, colorText) {
		return
	}
	size := full
	for ; size > single; size -= 0.5 {
		w, err := d.nameWidth(text, size)
		if d.err = err; err != nil {
			return
		}
		if w <= width {
			break
		}
	}
	lines := []string{text}
	if w, err := d.nameWidth(text, size); err != nil {
		d.err = err
		return
	} else if w > width {
		for ; ; size -= 0.5 {
			if lines, d.err = wrapName(text, width, func(s string) (float64, error) { return d.nameWidth(s, size) }); d.err != nil {
				return
			}
			if float64(len(lines))*size*leading <= nameBottom-4-nameTop || size <= smallest {
				break
			}
		}
	}
	y := nameTop + (full-size)*0.6 // one line: in the middle of the room the full size took
	if len(lines) > 1 {
		y = nameTop + (nameBottom-4-nameTop-float64(len(lines))*size*leading)/2
	}
	for i, line := range lines {
		if i > 0 {
			d.next = continued // the lines of the name are one P
		}
		d.nameLine(line, (pageW-width)/2, width, y, size)
		if d.err != nil {
			return
		}
		y += size * leading
	}
}

// nameRun is a piece of a name drawn in one font.
type nameRun struct{ text, font string }

// nameRuns splits a line of the name, in drawing order, into runs of one
// font; one run in Go Bold when the name needs no other font.
func (d *pdfDoc) nameRuns(line string) []nameRun {
	if d.nameFont == nil {
		return []nameRun{{line, fontBold}}
	}
	line = visualOrder(line)
	fonts, _ := d.nameFont(line)
	var runs []nameRun
	i := 0
	for _, c := range line {
		f := fonts[i]
		if n := len(runs); n > 0 && runs[n-1].font == f {
			runs[n-1].text += string(c)
		} else {
			runs = append(runs, nameRun{string(c), f})
		}
		i++
	}
	return runs
}

// nameWidth measures a line of the name at size, run by run.
func (d *pdfDoc) nameWidth(line string, size float64) (float64, error) {
	total := 0.0
	for _, run := range d.nameRuns(line) {
		if err := d.gp.SetFont(run.font, "", size); err != nil {
			return 0, err
		}
		w, err := d.gp.MeasureTextWidth(run.text)
		if err != nil {
			return 0, err
		}
		total += w
	}
	return total, nil
}

// nameLine draws a line of the name centred in the box from x of width w,
// its runs side by side; they make one block of the tagged PDF.
func (d *pdfDoc) nameLine(line string, x, w, y, size float64) {
	width, err := d.nameWidth(line, size)
	if d.err = err; err != nil {
		return
	}
	x += max(0, (w-width)/2)
	for i, run := range d.nameRuns(line) {
		if d.err = d.gp.SetFont(run.font, "", size); d.err != nil {
			return
		}
		rw, err := d.gp.MeasureTextWidth(run.text)
		if d.err = err; err != nil {
			return
		}
		if i > 0 {
			d.next = continued
		}
		d.cell(run.text, x, rw, y, size, gopdf.Left)
		if d.err != nil {
			return
		}
		x += rw
	}
}

// wrapName splits a name into lines no wider than width as measure
// measures them: at spaces, else after a hyphen, else between two
// characters, for a word wider than the line.
func wrapName(text string, width float64, measure func(string) (float64, error)) ([]string, error) {
	fits := func(s string) (bool, error) {
		w, err := measure(s)
		return w <= width, err
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		for word != "" {
			candidate := word
			if line != "" {
				candidate = line + " " + word
			}
			ok, err := fits(candidate)
			if err != nil {
				return nil, err
			}
			if ok {
				line, word = candidate, ""
				continue
			}
			if line != "" {
				// The word may still fit on a line of its own.
				lines, line = append(lines, line), ""
				continue
			}
			// A word wider than the line: cut it after its last hyphen that
			// fits, or after as many characters as fit.
			cut, hyphen := 0, 0
			for i, r := range word {
				end := i + utf8.RuneLen(r)
				ok, err := fits(word[:end])
				if err != nil {
					return nil, err
				}
				if !ok {
					break
				}
				cut = end
				if r == '-' && end < len(word) {
					hyphen = end
				}
			}
			if hyphen > 0 {
				cut = hyphen
			}
			if cut == 0 { // not even one character fits: print it anyway
				_, n := utf8.DecodeRuneInString(word)
				cut = n
			}
			lines, word = append(lines, word[:cut]), word[cut:]
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines, nil
}

// paragraph writes text centred on the page, wrapped at spaces to width,
// and returns the y below its last line. When the lines would go below
// bottom, the font shrinks (down to 8.5 points) until they fit.
func (d *pdfDoc) paragraph(text, family string, size, width float64, color rgb, y, bottom float64) float64 {
	if !d.setFont(family, size, 0, color) {
		return y
	}
	var lines []string
	for {
		if lines, d.err = d.wrap(text, width); d.err != nil {
			return y
		}
		if y+float64(len(lines))*size*1.4 <= bottom || size <= 8.5 {
			break
		}
		size -= 0.5
		if d.err = d.gp.SetFontSize(size); d.err != nil {
			return y
		}
	}
	x := (pageW - width) / 2
	for i, line := range lines {
		if i > 0 {
			d.next = continued // the lines of a paragraph are one P
		}
		d.cell(line, x, width, y, size, gopdf.Center)
		if d.err != nil {
			return y
		}
		y += size * 1.4
	}
	return y
}

// wrap splits text into lines no wider than width in the current font,
// breaking at ordinary spaces and explicit newlines. A no-break space keeps
// its neighbours together, and so does an ordinary space after « or before
// » : ; ! ?, as French typography wants.
func (d *pdfDoc) wrap(text string, width float64) ([]string, error) {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range unbreakableWords(para) {
			candidate := w
			if line != "" {
				candidate = line + " " + w
			}
			cw, err := d.gp.MeasureTextWidth(candidate)
			if err != nil {
				return nil, err
			}
			if cw <= width || line == "" {
				line = candidate
				continue
			}
			lines = append(lines, line)
			line = w
		}
		if line != "" {
			lines = append(lines, line)
		}
	}
	return lines, nil
}

// unbreakableWords splits s at spaces into the pieces a line may not break
// inside.
func unbreakableWords(s string) []string {
	var words []string
	ordinary := func(r rune) bool { return r == ' ' || r == '\t' }
	for _, w := range strings.FieldsFunc(s, ordinary) {
		n := len(words)
		first, _ := utf8.DecodeRuneInString(w)
		if n > 0 && (strings.ContainsRune("»:;!?", first) || strings.HasSuffix(words[n-1], "«")) {
			words[n-1] += " " + w
			continue
		}
		words = append(words, w)
	}
	return words
}

// qrPNG encodes content as a QR code (error correction level M) and
// renders it to PNG in memory, scale pixels per module, with the standard
// four-module quiet zone.
func qrPNG(content string, scale int) ([]byte, error) {
	code, err := qrcode.NewWith(content, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return nil, fmt.Errorf("certificates: qr code: %w", err)
	}
	w := &qrPNGWriter{scale: scale}
	if err := code.Save(w); err != nil {
		return nil, fmt.Errorf("certificates: qr code: %w", err)
	}
	return w.buf.Bytes(), nil
}

// qrPNGWriter is a qrcode.Writer that paints the matrix into an in-memory
// greyscale PNG, so no file is written.
type qrPNGWriter struct {
	scale int
	buf   bytes.Buffer
}

// qrQuietZone is the blank margin around the code, in modules.
const qrQuietZone = 4

// Write implements qrcode.Writer.
func (w *qrPNGWriter) Write(mat qrcode.Matrix) error {
	bitmap := mat.Bitmap()
	modules := len(bitmap) + 2*qrQuietZone
	side := modules * w.scale
	img := image.NewGray(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y, row := range bitmap {
		for x, dark := range row {
			if !dark {
				continue
			}
			x0, y0 := (x+qrQuietZone)*w.scale, (y+qrQuietZone)*w.scale
			for py := y0; py < y0+w.scale; py++ {
				line := img.Pix[py*img.Stride+x0 : py*img.Stride+x0+w.scale]
				for i := range line {
					line[i] = 0
				}
			}
		}
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(&w.buf, img)
}

// Close implements qrcode.Writer; there is nothing to release.
func (w *qrPNGWriter) Close() error { return nil }
