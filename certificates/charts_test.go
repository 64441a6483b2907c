package certificates

import (
	"encoding/xml"
	"html/template"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// chartNode is a generic XML element, enough to walk a chart's SVG.
type chartNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr  `xml:",any,attr"`
	Nodes   []chartNode `xml:",any"`
	Text    string      `xml:",chardata"`
}

func (n chartNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// all returns n and its descendants named name, in document order.
func (n chartNode) all(name string) []chartNode {
	var out []chartNode
	if n.XMLName.Local == name {
		out = append(out, n)
	}
	for _, c := range n.Nodes {
		out = append(out, c.all(name)...)
	}
	return out
}

// text returns the character data of n and its descendants except <title>
// and <desc>, that is what is drawn.
// bars returns the elements of class chart-bar.
func (n chartNode) bars() []chartNode {
	var out []chartNode
	for _, r := range n.all("rect") {
		if r.attr("class") == "chart-bar" {
			out = append(out, r)
		}
	}
	return out
}

// drawnTexts returns the drawn strings of every <text>, each with its
// tspans joined by a space.
func (n chartNode) drawnTexts() []string {
	var out []string
	for _, t := range n.all("text") {
		parts := []string{strings.TrimSpace(t.Text)}
		for _, c := range t.Nodes {
			if c.XMLName.Local == "tspan" {
				parts = append(parts, c.Text)
			}
		}
		out = append(out, strings.TrimSpace(strings.Join(parts, " ")))
	}
	return out
}

// parseChart checks that out is well-formed XML with an accessible <svg>
// root naming title and desc, and returns the root.
func chartParse(t *testing.T, out template.HTML, title, desc string) chartNode {
	t.Helper()
	s := string(out)
	if strings.Contains(strings.ToLower(s), "<script") || strings.Contains(s, "foreignObject") ||
		strings.Contains(s, "url(") || strings.Contains(s, "href") || strings.Contains(s, "style=") {
		t.Fatalf("chart holds a forbidden construct:\n%s", s)
	}
	var root chartNode
	dec := xml.NewDecoder(strings.NewReader(s))
	dec.Strict = true
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("chart is not well-formed XML: %v\n%s", err, s)
	}
	if _, err := dec.Token(); err == nil {
		t.Fatalf("chart has content after the root element:\n%s", s)
	}
	if root.XMLName.Local != "svg" || root.attr("role") != "img" || root.attr("width") != "100%" ||
		!strings.HasPrefix(root.attr("viewBox"), "0 0 720 ") {
		t.Fatalf("root = <%s role=%q width=%q viewBox=%q>", root.XMLName.Local,
			root.attr("role"), root.attr("width"), root.attr("viewBox"))
	}
	if len(root.Nodes) < 2 || root.Nodes[0].XMLName.Local != "title" || root.Nodes[1].XMLName.Local != "desc" {
		t.Fatalf("root does not start with <title> and <desc>")
	}
	tn, dn := root.Nodes[0], root.Nodes[1]
	if got, want := root.attr("aria-labelledby"), tn.attr("id")+" "+dn.attr("id"); got != want || tn.attr("id") == "" || dn.attr("id") == "" {
		t.Errorf("aria-labelledby = %q, want %q", got, want)
	}
	if tn.Text != title || dn.Text != desc {
		t.Errorf("title, desc = %q, %q; want %q, %q", tn.Text, dn.Text, title, desc)
	}
	return root
}

func chartSampleDistribution() GradeDistribution {
	return GradeDistribution{
		Title:     "Répartition des notes par partie",
		Desc:      "Six histogrammes, un par partie, du nombre de notes par tranche de 20 points.",
		AxisLabel: "Note sur 100",
		PassLabel: "Seuil de validation (50)",
		Parts: []PartGrades{
			{"Partie 1 : Qu'est-ce qu'un logiciel libre ?", []float64{88, 92, 75, 64, 58, 81, 95, 70, 47}},
			{"Partie 2 : Les licences", []float64{72, 85, 66, 55, 90, 61, 78, 34}},
			{"Partie 3 : Communautés", []float64{80, 77, 69, 52, 91, 63, 45, 84}},
			{"Partie 4 : Modèles économiques", []float64{68, 74, 59, 82, 93, 71, 28}},
			{"Partie 5 : Formats ouverts", []float64{79, 88, 62, 57, 94, 66, 73}},
			{"Partie 6 : Contribuer", []float64{85, 71, 64, 90, 58, 76, 12}},
		},
	}
}

func chartSampleFunnel() Funnel {
	return Funnel{
		Title: "Du nombre d'inscrit·es aux certificats",
		Desc:  "Sur 10 inscrit·es, 9 ont rendu la partie 1, 7 la partie 6 ; 6 ont obtenu un certificat, dont 5 de niveau II.",
		Steps: []FunnelStep{
			{"Inscrit·es", 10},
			{"Partie 1", 9}, {"Partie 2", 8}, {"Partie 3", 8},
			{"Partie 4", 7}, {"Partie 5", 7}, {"Partie 6", 7},
			{"Niveau I ou II", 6}, {"Niveau II", 5},
		},
	}
}

func TestChartBins(t *testing.T) {
	tests := []struct {
		name   string
		grades []float64
		want   [GradeBinCount]int
	}{
		{"none", nil, [GradeBinCount]int{}},
		{"edges", []float64{0, 19.99, 20, 39.5, 40, 59, 60, 79.9, 80, 100}, [GradeBinCount]int{2, 2, 2, 2, 2}},
		{"clamped", []float64{-5, -1e9, 100.5, 250}, [GradeBinCount]int{2, 0, 0, 0, 2}},
		{"infinities", []float64{math.Inf(-1), math.Inf(1)}, [GradeBinCount]int{1, 0, 0, 0, 1}},
		{"NaN ignored", []float64{math.NaN(), 50, math.NaN()}, [GradeBinCount]int{0, 0, 1, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, chartBins(tt.grades)); diff != "" {
				t.Errorf("chartBins(%v) (-want +got):\n%s", tt.grades, diff)
			}
		})
	}
}

func TestChartGradeDistribution(t *testing.T) {
	d := chartSampleDistribution()
	root := chartParse(t, GradeDistributionSVG(d), d.Title, d.Desc)

	bars := root.bars()
	if len(bars) != len(d.Parts)*GradeBinCount {
		t.Fatalf("%d bars, want %d", len(bars), len(d.Parts)*GradeBinCount)
	}
	for _, b := range bars {
		if titles := b.all("title"); len(titles) != 1 || titles[0].Text == "" {
			t.Errorf("bar %v has no <title>", b.Attrs)
		}
	}
	// Part 1: 88 92 75 64 58 81 95 70 47 → 0, 0, 2, 3, 4.
	var part1 []string
	for _, b := range bars[:GradeBinCount] {
		part1 = append(part1, b.all("title")[0].Text)
	}
	want := []string{
		"Partie 1 : Qu'est-ce qu'un logiciel libre ?, 0–19: 0",
		"Partie 1 : Qu'est-ce qu'un logiciel libre ?, 20–39: 0",
		"Partie 1 : Qu'est-ce qu'un logiciel libre ?, 40–59: 2",
		"Partie 1 : Qu'est-ce qu'un logiciel libre ?, 60–79: 3",
		"Partie 1 : Qu'est-ce qu'un logiciel libre ?, 80–100: 4",
	}
	if diff := cmp.Diff(want, part1); diff != "" {
		t.Errorf("part 1 bar titles (-want +got):\n%s", diff)
	}

	// The tallest bar (part 1, 80–100, 4 grades) fills the plot; the others
	// share its scale.
	heights := map[string]string{}
	for _, b := range bars[:GradeBinCount] {
		heights[b.all("title")[0].Text] = b.attr("height")
	}
	if h := heights[want[4]]; h != "96" {
		t.Errorf("height of the tallest bar = %s, want 96", h)
	}
	if h := heights[want[2]]; h != "48" {
		t.Errorf("height of a bar of 2 = %s, want 48", h)
	}

	texts := strings.Join(root.drawnTexts(), "\n")
	for _, s := range []string{"Partie 2 : Les licences", "Partie 6 : Contribuer", "0–19", "80–100",
		"Note sur 100", "Seuil de validation (50)", "50", "4", "3", "2"} {
		if !strings.Contains(texts, s) {
			t.Errorf("drawn text lacks %q:\n%s", s, texts)
		}
	}
	// Every panel draws its five counts.
	for _, p := range root.all("g") {
		if p.attr("class") != "chart-panel" {
			continue
		}
		n := 0
		for _, s := range p.drawnTexts() {
			if s != "" && strings.Trim(s, "0123456789") == "" {
				n++
			}
		}
		if n != GradeBinCount+1 { // five counts and the pass line's "50"
			t.Errorf("panel draws %d numbers, want %d", n, GradeBinCount+1)
		}
	}
}

func TestChartGradeDistributionOptions(t *testing.T) {
	d := GradeDistribution{
		Title:     "Grades",
		BinLabels: []string{"A", "B", "C", "D", "E"},
		PassGrade: 60,
		Parts:     []PartGrades{{"Part 1", []float64{10, 30, 50, 70, 90}}},
	}
	root := chartParse(t, GradeDistributionSVG(d), "Grades", "")
	texts := root.drawnTexts()
	for _, s := range []string{"A", "E", "60", "Part 1"} {
		if !chartContains(texts, s) {
			t.Errorf("drawn texts %q lack %q", texts, s)
		}
	}
	if chartContains(texts, "0–19") || chartContains(texts, "50") {
		t.Errorf("drawn texts %q hold defaults", texts)
	}
	// The pass line sits at 60 % of the panel's width.
	var line chartNode
	for _, l := range root.all("line") {
		if len(l.all("title")) == 1 {
			line = l
		}
	}
	if line.all("title")[0].Text != "60" || line.attr("x1") != line.attr("x2") {
		t.Errorf("pass line = %v", line.Attrs)
	}

	// Labels of the wrong length fall back to the defaults.
	d.BinLabels = []string{"A"}
	if !chartContains(chartParse(t, GradeDistributionSVG(d), "Grades", "").drawnTexts(), "80–100") {
		t.Error("short BinLabels not replaced by the defaults")
	}
}

func chartContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestChartGradeDistributionEdgeCases(t *testing.T) {
	t.Run("no parts", func(t *testing.T) {
		root := chartParse(t, GradeDistributionSVG(GradeDistribution{Title: "Vide", Desc: "Aucune partie"}), "Vide", "Aucune partie")
		if n := len(root.bars()); n != 0 {
			t.Errorf("%d bars, want 0", n)
		}
		if root.attr("viewBox") != "0 0 720 24" {
			t.Errorf("viewBox = %q", root.attr("viewBox"))
		}
	})
	t.Run("zero participants", func(t *testing.T) {
		d := GradeDistribution{Title: "Zéro", Parts: []PartGrades{{"Partie 1", nil}, {"Partie 2", []float64{}}}}
		root := chartParse(t, GradeDistributionSVG(d), "Zéro", "")
		bars := root.bars()
		if len(bars) != 2*GradeBinCount {
			t.Fatalf("%d bars, want %d", len(bars), 2*GradeBinCount)
		}
		for _, b := range bars {
			if b.attr("height") != "0" || strings.Contains(b.attr("y"), "NaN") {
				t.Errorf("bar %v, want height 0", b.Attrs)
			}
		}
	})
	t.Run("out of range and NaN", func(t *testing.T) {
		d := GradeDistribution{Title: "Bornes", Parts: []PartGrades{
			{"Partie 1", []float64{-10, 120, math.NaN(), math.Inf(1), 45}},
		}}
		root := chartParse(t, GradeDistributionSVG(d), "Bornes", "")
		var got []string
		for _, b := range root.bars() {
			got = append(got, b.all("title")[0].Text)
		}
		want := []string{"Partie 1, 0–19: 1", "Partie 1, 20–39: 0", "Partie 1, 40–59: 1", "Partie 1, 60–79: 0", "Partie 1, 80–100: 2"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("bar titles (-want +got):\n%s", diff)
		}
		if strings.Contains(string(GradeDistributionSVG(d)), "NaN") {
			t.Error("output holds NaN")
		}
	})
	t.Run("fewer parts than columns", func(t *testing.T) {
		d := GradeDistribution{Title: "Une", Parts: []PartGrades{{"Partie 1", []float64{50}}}}
		root := chartParse(t, GradeDistributionSVG(d), "Une", "")
		if n := len(root.bars()); n != GradeBinCount {
			t.Errorf("%d bars, want %d", n, GradeBinCount)
		}
	})
}

func TestChartFunnel(t *testing.T) {
	f := chartSampleFunnel()
	root := chartParse(t, FunnelSVG(f), f.Title, f.Desc)
	bars := root.bars()
	if len(bars) != len(f.Steps) {
		t.Fatalf("%d bars, want %d", len(bars), len(f.Steps))
	}
	var titles, widths []string
	for _, b := range bars {
		titles = append(titles, b.all("title")[0].Text)
		widths = append(widths, b.attr("width"))
	}
	wantTitles := []string{
		"Inscrit·es: 10 (100\u202f%)", "Partie 1: 9 (90\u202f%)", "Partie 2: 8 (80\u202f%)", "Partie 3: 8 (80\u202f%)",
		"Partie 4: 7 (70\u202f%)", "Partie 5: 7 (70\u202f%)", "Partie 6: 7 (70\u202f%)",
		"Niveau I ou II: 6 (60\u202f%)", "Niveau II: 5 (50\u202f%)",
	}
	if diff := cmp.Diff(wantTitles, titles); diff != "" {
		t.Errorf("bar titles (-want +got):\n%s", diff)
	}
	// The track is 720 - 104 = 616 wide; bars are proportional to the first step.
	wantWidths := []string{"616", "554.4", "492.8", "492.8", "431.2", "431.2", "431.2", "369.6", "308"}
	if diff := cmp.Diff(wantWidths, widths); diff != "" {
		t.Errorf("bar widths (-want +got):\n%s", diff)
	}
	texts := root.drawnTexts()
	for _, s := range []string{"Inscrit·es", "10 (100\u202f%)", "Partie 6", "7 (70\u202f%)", "Niveau I ou II", "Niveau II", "5 (50\u202f%)"} {
		if !chartContains(texts, s) {
			t.Errorf("drawn texts %q lack %q", texts, s)
		}
	}
}

func TestChartFunnelEdgeCases(t *testing.T) {
	t.Run("no steps", func(t *testing.T) {
		root := chartParse(t, FunnelSVG(Funnel{Title: "Vide"}), "Vide", "")
		if n := len(root.bars()); n != 0 {
			t.Errorf("%d bars, want 0", n)
		}
	})
	t.Run("zero participants", func(t *testing.T) {
		f := Funnel{Title: "Zéro", Steps: []FunnelStep{{"Inscrit·es", 0}, {"Partie 1", 0}, {"Niveau II", 0}}}
		out := FunnelSVG(f)
		root := chartParse(t, out, "Zéro", "")
		for _, b := range root.bars() {
			if b.attr("width") != "0" {
				t.Errorf("bar %v, want width 0", b.Attrs)
			}
		}
		if s := string(out); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") || strings.Contains(s, "%)") {
			t.Errorf("output holds NaN, Inf or a percentage:\n%s", s)
		}
		if got := root.drawnTexts(); !chartContains(got, "0") {
			t.Errorf("drawn texts %q lack the counts", got)
		}
	})
	t.Run("later step larger than the first", func(t *testing.T) {
		f := Funnel{Title: "Plus", Steps: []FunnelStep{{"Inscrit·es", 4}, {"Partie 1", 8}, {"Négatif", -3}}}
		root := chartParse(t, FunnelSVG(f), "Plus", "")
		var widths, titles []string
		for _, b := range root.bars() {
			widths = append(widths, b.attr("width"))
			titles = append(titles, b.all("title")[0].Text)
		}
		if diff := cmp.Diff([]string{"308", "616", "0"}, widths); diff != "" {
			t.Errorf("bar widths (-want +got):\n%s", diff)
		}
		want := []string{"Inscrit·es: 4 (100\u202f%)", "Partie 1: 8 (200\u202f%)", "Négatif: 0 (0\u202f%)"}
		if diff := cmp.Diff(want, titles); diff != "" {
			t.Errorf("bar titles (-want +got):\n%s", diff)
		}
	})
}

func TestChartEscaping(t *testing.T) {
	hostile := `</text><script>alert(1)</script>"' & <svg onload=alert(2)>` + "\x00\x1b"
	clean := strings.ReplaceAll(strings.ReplaceAll(hostile, "\x00", "\uFFFD"), "\x1b", "\uFFFD")
	tests := []struct {
		name string
		out  template.HTML
	}{
		{"grades", GradeDistributionSVG(GradeDistribution{
			Title: hostile, Desc: hostile, AxisLabel: hostile, PassLabel: hostile,
			BinLabels: []string{hostile, hostile, hostile, hostile, hostile},
			Parts:     []PartGrades{{hostile, []float64{50}}},
			ID:        `x" onload="alert(3)`,
		})},
		{"funnel", FunnelSVG(Funnel{
			Title: hostile, Desc: hostile,
			Steps: []FunnelStep{{hostile, 3}, {hostile, 1}},
			ID:    `x" onload="alert(3)`,
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := strings.ToLower(string(tt.out))
			for _, bad := range []string{"<script", "<svg onload", `" onload`, "\x00"} {
				if strings.Contains(s, bad) {
					t.Errorf("output holds %q:\n%s", bad, tt.out)
				}
			}
			root := chartParse(t, tt.out, clean, clean)
			if n := len(root.all("svg")); n != 1 {
				t.Errorf("%d svg elements, want 1", n)
			}
			if id := root.Nodes[0].attr("id"); !strings.HasPrefix(id, "chart-") {
				t.Errorf("title id = %q, want a derived one", id)
			}
			// The hostile label is drawn as text (shortened) and kept whole
			// in the bar titles.
			found := false
			for _, b := range root.bars() {
				if strings.HasPrefix(b.all("title")[0].Text, clean) {
					found = true
				}
			}
			if !found {
				t.Errorf("no bar title carries the label verbatim")
			}
		})
	}
}

func TestChartIDs(t *testing.T) {
	idOf := func(out template.HTML) string {
		t.Helper()
		var root chartNode
		if err := xml.Unmarshal([]byte(out), &root); err != nil {
			t.Fatal(err)
		}
		return root.Nodes[0].attr("id")
	}
	a := idOf(FunnelSVG(Funnel{Title: "A"}))
	b := idOf(FunnelSVG(Funnel{Title: "B"}))
	g := idOf(GradeDistributionSVG(GradeDistribution{Title: "A"}))
	if a == b || a == g || b == g {
		t.Errorf("derived ids not distinct: %q %q %q", a, b, g)
	}
	if again := idOf(FunnelSVG(Funnel{Title: "A"})); again != a {
		t.Errorf("derived id not stable: %q then %q", a, again)
	}
	if got := idOf(FunnelSVG(Funnel{Title: "A", ID: "funnel-lc3-2025"})); got != "funnel-lc3-2025-title" {
		t.Errorf("id = %q, want funnel-lc3-2025-title", got)
	}
	for _, bad := range []string{"1abc", "a b", "a\"b", "é", strings.Repeat("a", 65)} {
		if chartValidID(bad) {
			t.Errorf("chartValidID(%q) = true", bad)
		}
	}
}

func TestChartFit(t *testing.T) {
	tests := []struct {
		s     string
		width float64
		want  string
	}{
		{"Partie 1", 200, "Partie 1"},
		{"  Partie \n 1  ", 200, "Partie 1"},
		{"Partie 1 : une introduction très longue au logiciel libre", 100, "Partie 1 : un…"},
		{"abc", 1, "a…"},
	}
	for _, tt := range tests {
		if got := chartFit(tt.s, tt.width, 12); got != tt.want {
			t.Errorf("chartFit(%q, %v) = %q, want %q", tt.s, tt.width, got, tt.want)
		}
	}
}

// TestChartSample renders a report page with both charts. With
// CHARTS_SAMPLE=1 it also writes it to /tmp/report.html, to look at in a
// browser.
func TestChartSample(t *testing.T) {
	page := template.Must(template.New("report").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Rapport de session</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; margin: 0; background: #fff; }
main { max-width: 820px; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .75rem; color: #1d4e89; }
p.lead { color: #5b6470; margin: 0 0 1rem; }
figure { margin: 0; padding: 1rem 1.25rem; border: 1px solid #d9dee5; border-radius: 6px; }
figcaption { color: #5b6470; font-size: .9rem; margin-top: .75rem; }
.chart-scroll { overflow-x: auto; }
svg.chart { display: block; min-width: 540px; }
</style></head>
<body><main>
<h1>LCIII — printemps 2025</h1>
<p class="lead">10 inscrit·es, 6 certifié·es, dont 5 au niveau II.</p>
<h2>Participation et certification</h2>
<figure><div class="chart-scroll">{{.Funnel}}</div><figcaption>Pourcentages calculés sur le nombre d'inscrit·es.</figcaption></figure>
<h2>Notes par partie</h2>
<figure><div class="chart-scroll">{{.Grades}}</div><figcaption>Nombre de notes par tranche de 20 points ; la ligne pointillée marque le seuil de validation.</figcaption></figure>
</main></body></html>
`))
	var b strings.Builder
	err := page.Execute(&b, map[string]template.HTML{
		"Funnel": FunnelSVG(chartSampleFunnel()),
		"Grades": GradeDistributionSVG(chartSampleDistribution()),
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), `role="img"`); n != 2 {
		t.Errorf("page holds %d charts, want 2", n)
	}
	if os.Getenv("CHARTS_SAMPLE") == "1" {
		if err := os.WriteFile("/tmp/report.html", []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("wrote /tmp/report.html")
	}
}
