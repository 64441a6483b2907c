package certificates

import (
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"
)

// NamespaceOpenBadges is the XML namespace of a baked SVG's credential
// element (Open Badges 3.0, "SVG baking").
const NamespaceOpenBadges = "https://purl.imsglobal.org/ob/v3p0"

// ErrNotBaked means an SVG carries no Open Badges credential.
var ErrNotBaked = errors.New("certificates: no baked credential in the image")

// BadgeSVG returns a level's badge picture: a medal with the level's Roman
// numeral and the issuer's name, with no text in a language of its own, so
// one image serves every language. Its <title> is the text alternative.
func BadgeSVG(level Level, issuer string) string {
	numeral := "I"
	fill := "#1d6b8f"
	if level == LevelII {
		numeral, fill = "II", "#8a4b0f"
	}
	name := html.EscapeString(issuer)
	title := html.EscapeString("Libre cours Libre Culture — " + numeral)
	return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512" role="img" aria-labelledby="t">
<title id="t">` + title + `</title>
<circle cx="256" cy="256" r="240" fill="` + fill + `"/>
<circle cx="256" cy="256" r="208" fill="none" stroke="#ffffff" stroke-width="8"/>
<text x="256" y="170" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-size="40" fill="#ffffff">Libre cours</text>
<text x="256" y="214" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-size="32" fill="#ffffff">Libre Culture</text>
<text x="256" y="350" text-anchor="middle" font-family="DejaVu Serif, Georgia, serif" font-size="120" font-weight="bold" fill="#ffffff">` + numeral + `</text>
<text x="256" y="420" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-size="26" fill="#ffffff">` + name + `</text>
</svg>
`
}

// BakeSVG embeds a VC-JWT badge in an SVG image as Open Badges 3.0 says:
// the openbadges namespace on the <svg> element and, right after it, an
// <openbadges:credential verify="JWS"/> element. An image already baked is
// refused.
func BakeSVG(svg, token string) (string, error) {
	if strings.Contains(svg, "openbadges:credential") {
		return "", errors.New("certificates: bake: the image already carries a credential")
	}
	if strings.Count(token, ".") != 2 || strings.ContainsAny(token, "\"<>& \n") {
		return "", errors.New("certificates: bake: not a compact JWS")
	}
	start := strings.Index(svg, "<svg")
	if start < 0 {
		return "", errors.New("certificates: bake: no <svg> element")
	}
	end := strings.IndexByte(svg[start:], '>')
	if end < 0 {
		return "", errors.New("certificates: bake: unterminated <svg> element")
	}
	end += start
	open := svg[start:end]
	selfClosing := strings.HasSuffix(open, "/")
	open = strings.TrimSuffix(open, "/")
	var b strings.Builder
	b.WriteString(svg[:start])
	b.WriteString(open)
	b.WriteString(` xmlns:openbadges="` + NamespaceOpenBadges + `">`)
	b.WriteString("\n<openbadges:credential verify=\"" + token + "\"></openbadges:credential>")
	if selfClosing {
		b.WriteString("</svg>")
	}
	b.WriteString(svg[end+1:])
	return b.String(), nil
}

// ExtractSVG returns the VC-JWT baked in an SVG image: the verify attribute
// of its first openbadges credential element, read with an XML parser.
// It returns ErrNotBaked when there is none.
func ExtractSVG(r io.Reader) (string, error) {
	d := xml.NewDecoder(io.LimitReader(r, 4<<20))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return "", ErrNotBaked
		}
		if err != nil {
			return "", fmt.Errorf("certificates: read baked image: %w", err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok || el.Name.Space != NamespaceOpenBadges || el.Name.Local != "credential" {
			continue
		}
		for _, a := range el.Attr {
			if a.Name.Local == "verify" && a.Name.Space == "" {
				return a.Value, nil
			}
		}
		return "", fmt.Errorf("%w: the credential element has no verify attribute", ErrNotBaked)
	}
}
