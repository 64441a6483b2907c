package certificates

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The charts of a session report are inline SVG drawn on the server: no
// script, no external reference, text as real <text> elements. The root is
// <svg role="img" aria-labelledby="ID-title ID-desc"> so that assistive
// technologies announce the Title and Desc the caller wrote; the drawing
// itself is presentational. Every string that reaches the SVG is XML-escaped,
// since part titles are user-editable.
//
// The SVG has a viewBox and width="100%", and no height: it scales with its
// container and keeps its aspect ratio. It inherits the page's font. Text
// scales with the chart, so on narrow screens the page should keep it
// legible with a minimum width in a scrolling box, e.g.
// `.chart-scroll { overflow-x: auto } svg.chart { display: block; min-width: 540px }`.
// The root has class "chart" plus "chart-grades" or "chart-funnel".

// Colours of the report page's stylesheet.
const (
	chartAccent = "#1d4e89"
	chartGreen  = "#1f7a4d"
	chartText   = "#1b1f24"
	chartMuted  = "#5b6470"
	chartLine   = "#d9dee5"
	chartPaper  = "#ffffff"
)

// chartWidth is the viewBox width; font sizes below are in the same units,
// so they match CSS pixels when the chart is shown 720 pixels wide.
const chartWidth = 720.0

// chartEmptyHeight is the height of a chart with nothing to draw.
const chartEmptyHeight = 24.0

// GradeBinCount is the number of grade bins of GradeDistributionSVG:
// 0–19, 20–39, 40–59, 60–79 and 80–100.
const GradeBinCount = 5

// DefaultGradeBinLabels returns the bin labels used when
// GradeDistribution.BinLabels is nil: "0–19", "20–39", "40–59", "60–79",
// "80–100".
func DefaultGradeBinLabels() []string {
	return []string{"0–19", "20–39", "40–59", "60–79", "80–100"}
}

// GradeDistribution is the input of GradeDistributionSVG.
type GradeDistribution struct {
	// Title and Desc are the accessible name and description of the chart
	// (its <title> and <desc>). They are not drawn: the page gives the
	// visible heading.
	Title, Desc string
	// Parts holds one small bar chart each, in order.
	Parts []PartGrades
	// BinLabels are the GradeBinCount bin labels, already localized; nil,
	// or a slice of another length, gives DefaultGradeBinLabels.
	BinLabels []string
	// AxisLabel is drawn once under the panels, e.g. "Note sur 100"; empty
	// draws nothing.
	AxisLabel string
	// PassLabel, when not empty, adds a legend for the dashed pass line,
	// e.g. "Seuil de validation (50)".
	PassLabel string
	// PassGrade places the pass line on the 0..100 scale; 0 means
	// DefaultRules().PassGrade (50).
	PassGrade float64
	// ID prefixes the IDs of the <title> and <desc> elements, which must be
	// unique on the page. Empty, or not made of ASCII letters, digits, "-"
	// and "_" starting with a letter, it is derived from a hash of the
	// chart's content: two charts with different titles or data then get
	// different IDs. Pass an ID when one page may show the same chart twice.
	ID string
}

// PartGrades are the grades of one part, on the 0..100 scale. Grades out of
// range are clamped into the first or last bin; NaN is ignored.
type PartGrades struct {
	Label  string
	Grades []float64
}

// Funnel is the input of FunnelSVG: from enrolment, to submitting each
// part, to being certified at each level.
type Funnel struct {
	// Title and Desc are the accessible name and description of the chart,
	// as in GradeDistribution.
	Title, Desc string
	// Steps are drawn top to bottom. Bars are proportional to the first
	// step's count (or to the largest count, when a later step is larger),
	// and percentages are of the first step. Negative counts count as 0.
	Steps []FunnelStep
	// ID is as GradeDistribution.ID.
	ID string
}

// FunnelStep is one bar of a Funnel, e.g. {"Partie 1", 9}.
type FunnelStep struct {
	Label string
	Count int
}

// Layout of GradeDistributionSVG, in viewBox units.
const (
	chartGradeColumns  = 3
	chartGradeColGap   = 32.0
	chartGradeRowGap   = 26.0
	chartGradeTitleH   = 20.0 // panel title
	chartGradeMarkerH  = 16.0 // the pass line's value
	chartGradeCountH   = 18.0 // counts above the tallest bar
	chartGradePlotH    = 96.0
	chartGradeBinH     = 20.0 // bin labels under the axis
	chartGradeFootRowH = 24.0 // axis label and legend rows
	chartGradeBarShare = 0.7  // share of a bin's width taken by its bar
)

// GradeDistributionSVG draws the grade distribution of each part as small
// multiples: one bar chart per part, three per row, sharing one vertical
// scale. Each bar is labelled with its count and carries a <title> with the
// part, the bin and the count; a dashed green line marks the pass grade.
// Bars have class "chart-bar".
func GradeDistributionSVG(d GradeDistribution) template.HTML {
	labels := d.BinLabels
	if len(labels) != GradeBinCount {
		labels = DefaultGradeBinLabels()
	}
	pass := d.PassGrade
	if pass == 0 || math.IsNaN(pass) {
		pass = DefaultRules().PassGrade
	}
	pass = min(max(pass, 0), 100)

	bins := make([][GradeBinCount]int, len(d.Parts))
	top := 0
	for i, p := range d.Parts {
		bins[i] = chartBins(p.Grades)
		for _, n := range bins[i] {
			top = max(top, n)
		}
	}

	cols := min(len(d.Parts), chartGradeColumns)
	rows := 0
	if cols > 0 {
		rows = (len(d.Parts) + cols - 1) / cols
	}
	panelW := (chartWidth - chartGradeColGap*float64(chartGradeColumns-1)) / chartGradeColumns
	panelH := chartGradeTitleH + chartGradeMarkerH + chartGradeCountH + chartGradePlotH + chartGradeBinH
	height := chartEmptyHeight
	if rows > 0 {
		height = float64(rows)*panelH + float64(rows-1)*chartGradeRowGap
		if d.AxisLabel != "" {
			height += chartGradeFootRowH
		}
		if d.PassLabel != "" {
			height += chartGradeFootRowH
		}
	}

	var b strings.Builder
	id := chartID(d.ID, "grades", d)
	chartOpen(&b, id, "chart chart-grades", d.Title, d.Desc, height)
	for i, p := range d.Parts {
		x := float64(i%chartGradeColumns) * (panelW + chartGradeColGap)
		// With fewer parts than columns, centre the row.
		x += (chartWidth - float64(cols)*panelW - float64(cols-1)*chartGradeColGap) / 2
		y := float64(i/chartGradeColumns) * (panelH + chartGradeRowGap)
		chartGradePanel(&b, x, y, panelW, p.Label, bins[i], top, labels, pass)
	}
	if rows > 0 {
		y := float64(rows)*panelH + float64(rows-1)*chartGradeRowGap
		if d.AxisLabel != "" {
			fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="middle" font-size="12" fill="%s">%s</text>`,
				chartNum(chartWidth/2), chartNum(y+16), chartMuted, chartEsc(chartFit(d.AxisLabel, chartWidth, 12)))
			y += chartGradeFootRowH
		}
		if d.PassLabel != "" {
			text := chartFit(d.PassLabel, chartWidth-40, 12)
			w := 24 + 8 + chartTextWidth(text, 12)
			x := (chartWidth - w) / 2
			fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="4 3"/>`,
				chartNum(x), chartNum(y+12), chartNum(x+24), chartNum(y+12), chartGreen)
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="12" fill="%s">%s</text>`,
				chartNum(x+32), chartNum(y+16), chartMuted, chartEsc(text))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203 -- every string in the SVG is XML-escaped (see chartEsc)
}

// chartGradePanel draws one part's bar chart with its top-left corner at
// (x, y); top is the largest count of all panels, which sets the scale.
func chartGradePanel(b *strings.Builder, x, y, w float64, label string, bins [GradeBinCount]int, top int, binLabels []string, pass float64) {
	b.WriteString(`<g class="chart-panel">`)
	fmt.Fprintf(b, `<text x="%s" y="%s" font-size="13" font-weight="600" fill="%s"><title>%s</title>%s</text>`,
		chartNum(x), chartNum(y+14), chartText, chartEsc(label), chartEsc(chartFit(label, w, 13.5)))

	plotTop := y + chartGradeTitleH + chartGradeMarkerH + chartGradeCountH
	base := plotTop + chartGradePlotH
	slot := w / GradeBinCount

	// The pass line goes under the bars; the counts have a halo to stay
	// legible where they cross it.
	px := x + w*pass/100
	passText := strconv.FormatFloat(pass, 'f', -1, 64)
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="4 3"><title>%s</title></line>`,
		chartNum(px), chartNum(y+chartGradeTitleH+2), chartNum(px), chartNum(base), chartGreen, passText)
	anchor, dx := "start", 4.0
	if pass > 85 {
		anchor, dx = "end", -4
	}
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="%s" font-size="10.5" fill="%s">%s</text>`,
		chartNum(px+dx), chartNum(y+chartGradeTitleH+11), anchor, chartGreen, passText)

	for i, n := range bins {
		h := 0.0
		if top > 0 {
			h = chartGradePlotH * float64(n) / float64(top)
		}
		cx := x + slot*(float64(i)+0.5)
		bw := slot * chartGradeBarShare
		fmt.Fprintf(b, `<rect class="chart-bar" x="%s" y="%s" width="%s" height="%s" rx="2" fill="%s"><title>%s</title></rect>`,
			chartNum(cx-bw/2), chartNum(base-h), chartNum(bw), chartNum(h), chartAccent,
			chartEsc(fmt.Sprintf("%s, %s: %d", label, binLabels[i], n)))
		fill := chartText
		if n == 0 {
			fill = chartMuted
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" font-size="12" font-weight="600" fill="%s" stroke="%s" stroke-width="3" stroke-linejoin="round" paint-order="stroke">%d</text>`,
			chartNum(cx), chartNum(base-h-5), fill, chartPaper, n)
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle" font-size="11" fill="%s">%s</text>`,
			chartNum(cx), chartNum(base+15), chartMuted, chartEsc(chartFit(binLabels[i], slot, 11)))
	}
	fmt.Fprintf(b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`,
		chartNum(x), chartNum(base+0.5), chartNum(x+w), chartNum(base+0.5), chartMuted)
	b.WriteString(`</g>`)
}

// chartBins counts grades per 20-point bin, the last bin holding 80..100.
// Grades below 0 or above 100 are clamped; NaN is skipped.
func chartBins(grades []float64) [GradeBinCount]int {
	var bins [GradeBinCount]int
	for _, g := range grades {
		if math.IsNaN(g) {
			continue
		}
		g = min(max(g, 0), 100)
		bins[min(int(g/20), GradeBinCount-1)]++
	}
	return bins
}

// Layout of FunnelSVG, in viewBox units.
const (
	chartFunnelRowH   = 46.0
	chartFunnelLabelH = 19.0 // label above each bar
	chartFunnelBarH   = 20.0
	chartFunnelValueW = 104.0 // right column with count and percentage
)

// FunnelSVG draws a funnel as horizontal bars, one per step, each with its
// label above it and its count and percentage of the first step in a
// right-hand column. Each bar carries a <title> with the label, the count
// and the percentage, and has class "chart-bar". With a first step of 0 the
// percentages are left out.
func FunnelSVG(f Funnel) template.HTML {
	first, scale := 0, 0
	for i, s := range f.Steps {
		n := max(s.Count, 0)
		if i == 0 {
			first = n
		}
		scale = max(scale, n)
	}
	height := chartEmptyHeight
	if len(f.Steps) > 0 {
		height = float64(len(f.Steps))*chartFunnelRowH - (chartFunnelRowH - chartFunnelLabelH - chartFunnelBarH) + 2
	}
	trackW := chartWidth - chartFunnelValueW

	var b strings.Builder
	id := chartID(f.ID, "funnel", f)
	chartOpen(&b, id, "chart chart-funnel", f.Title, f.Desc, height)
	for i, s := range f.Steps {
		n := max(s.Count, 0)
		y := float64(i) * chartFunnelRowH
		barY := y + chartFunnelLabelH
		w := 0.0
		if scale > 0 {
			w = trackW * float64(n) / float64(scale)
		}
		pct, hasPct := chartPercent(n, first)
		tip := fmt.Sprintf("%s: %d", s.Label, n)
		if hasPct {
			tip += " (" + pct + ")"
		}
		b.WriteString(`<g class="chart-step">`)
		fmt.Fprintf(&b, `<text x="0" y="%s" font-size="13" fill="%s">%s</text>`,
			chartNum(y+14), chartText, chartEsc(chartFit(s.Label, trackW, 13)))
		fmt.Fprintf(&b, `<rect x="0" y="%s" width="%s" height="%s" rx="3" fill="%s" fill-opacity="0.45"/>`,
			chartNum(barY), chartNum(trackW), chartNum(chartFunnelBarH), chartLine)
		fmt.Fprintf(&b, `<rect class="chart-bar" x="0" y="%s" width="%s" height="%s" rx="3" fill="%s"><title>%s</title></rect>`,
			chartNum(barY), chartNum(w), chartNum(chartFunnelBarH), chartAccent, chartEsc(tip))
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" font-size="13" fill="%s"><tspan font-weight="600">%d</tspan>`,
			chartNum(chartWidth), chartNum(barY+14.5), chartText, n)
		if hasPct {
			fmt.Fprintf(&b, `<tspan dx="6" fill="%s">(%s)</tspan>`, chartMuted, chartEsc(pct))
		}
		b.WriteString(`</text></g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203 -- every string in the SVG is XML-escaped (see chartEsc)
}

// chartPercent formats n as a whole percentage of first, with a narrow
// no-break space before the sign (SI and French usage). It reports false
// when first is 0.
func chartPercent(n, first int) (string, bool) {
	if first <= 0 {
		return "", false
	}
	p := math.Round(100 * float64(n) / float64(first))
	return strconv.FormatFloat(p, 'f', 0, 64) + "\u202f%", true
}

// chartOpen writes the root element with its accessible name and
// description.
func chartOpen(b *strings.Builder, id, class, title, desc string, height float64) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="%s" viewBox="0 0 %s %s" width="100%%" role="img" aria-labelledby="%s-title %s-desc" font-family="inherit">`,
		class, chartNum(chartWidth), chartNum(height), id, id)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`,
		id, chartEsc(title), id, chartEsc(desc))
}

// chartID returns id when it is a safe XML ID, otherwise "chart-" followed
// by a hash of kind and the chart's input.
func chartID(id, kind string, input any) string {
	if chartValidID(id) {
		return id
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%#v", kind, input))
	return "chart-" + hex.EncodeToString(sum[:6])
}

// chartValidID reports whether id is 1 to 64 ASCII letters, digits, "-" or
// "_", starting with a letter: safe in an attribute and in a CSS selector.
func chartValidID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i, c := range []byte(id) {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if i == 0 && !letter {
			return false
		}
		if !letter && !(c >= '0' && c <= '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// chartEsc escapes s for XML text and attribute values. Characters not
// allowed in XML become U+FFFD.
func chartEsc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// chartNum formats a coordinate with at most one decimal.
func chartNum(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// chartTextWidth estimates the width of s at the given font size. The
// server cannot measure text; 0.56 em is a generous average for the
// proportional sans-serif fonts of the page.
func chartTextWidth(s string, size float64) float64 {
	return float64(utf8.RuneCountInString(s)) * size * 0.56
}

// chartFit shortens s with an ellipsis so that it fits width, by the
// estimate of chartTextWidth.
func chartFit(s string, width, size float64) string {
	s = strings.Join(strings.Fields(s), " ")
	if chartTextWidth(s, size) <= width {
		return s
	}
	keep := max(int(width/(size*0.56))-1, 1)
	r := []rune(s)
	if keep >= len(r) {
		return s
	}
	return strings.TrimSpace(string(r[:keep])) + "…"
}
