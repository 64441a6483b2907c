package certificates

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
)

func TestBakeSVG(t *testing.T) {
	const token = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6IngifQ.c2ln"
	for _, lvl := range []Level{LevelI, LevelII} {
		img := BadgeSVG(lvl, `Pica<soft> & "co"`)
		if err := xml.Unmarshal([]byte(img), new(struct{})); err != nil {
			t.Fatalf("BadgeSVG(%d) is not well-formed XML: %v", lvl, err)
		}
		if _, err := ExtractSVG(strings.NewReader(img)); !errors.Is(err, ErrNotBaked) {
			t.Errorf("ExtractSVG(unbaked) error = %v, want ErrNotBaked", err)
		}
		baked, err := BakeSVG(img, token)
		if err != nil {
			t.Fatal(err)
		}
		// The spec's shape: the namespace on <svg>, the element right after it.
		open := baked[strings.Index(baked, "<svg"):]
		open = open[:strings.IndexByte(open, '>')+1]
		if !strings.Contains(open, `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`) ||
			!strings.HasPrefix(baked[strings.Index(baked, open)+len(open):], "\n<openbadges:credential verify=\""+token+"\"></openbadges:credential>") {
			t.Errorf("baked SVG does not follow Open Badges 3.0 SVG baking:\n%s", baked)
		}
		if err := xml.Unmarshal([]byte(baked), new(struct{})); err != nil {
			t.Fatalf("baked SVG is not well-formed XML: %v", err)
		}
		got, err := ExtractSVG(strings.NewReader(baked))
		if err != nil || got != token {
			t.Errorf("ExtractSVG() = %q, %v; want the token", got, err)
		}
		if _, err := BakeSVG(baked, token); err == nil {
			t.Error("BakeSVG(already baked) error = nil")
		}
	}
	for _, bad := range []string{"", "a.b", `a.b.c" onload="x`, "a.b.c<d"} {
		if _, err := BakeSVG(BadgeSVG(LevelI, "x"), bad); err == nil {
			t.Errorf("BakeSVG(token %q) error = nil", bad)
		}
	}
	if _, err := BakeSVG("<html/>", token); err == nil {
		t.Error("BakeSVG(not SVG) error = nil")
	}
	// A self-closing root still gives well-formed XML.
	baked, err := BakeSVG(`<svg xmlns="http://www.w3.org/2000/svg"/>`, token)
	if err != nil || xml.Unmarshal([]byte(baked), new(struct{})) != nil {
		t.Errorf("BakeSVG(self-closing) = %q, %v", baked, err)
	}
}
