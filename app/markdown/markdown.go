// Package markdown turns Markdown written by users (exercise instructions,
// submissions, review comments) into HTML that is safe to embed in a page.
//
// Rendering happens in two steps. goldmark converts CommonMark plus the GitHub
// extensions for tables, strikethrough and bare links, with raw HTML left out
// (goldmark's default) and dangerous link destinations blanked. bluemonday's
// UGC policy then sanitises the result, so that no script, event handler,
// style or javascript:, vbscript: or data: URL can reach the page even if the
// Markdown renderer were to let one through.
//
// Input that would make rendering disproportionately slow or large (very long
// lines, huge tables, link references expanded thousands of times) is shown
// as escaped plain text instead, so that one submission cannot tie up the
// server or the reader's browser.
package markdown

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

const (
	// maxLineBytes is the longest source line rendered as Markdown. Some
	// constructs (deeply nested quotes and lists, runs of unclosed links) take
	// time quadratic in the length of the line that holds them.
	maxLineBytes = 10_000
	// maxQuoteDepth is the deepest block quote nesting rendered as Markdown;
	// goldmark takes time quadratic in the nesting depth.
	maxQuoteDepth = 20
	// maxLinksPerLine is the most "](" a source line may hold: goldmark scans
	// the rest of the line for the end of each link destination, so a line of
	// unclosed links takes time quadratic in its length.
	maxLinksPerLine = 250
	// maxTableCells bounds columns × rows of one table, and so does
	// tableCellsPerByte times the size of its source plus tableCellsExtra:
	// goldmark pads every row to the width of the header, so a wide header
	// followed by many short rows would otherwise turn kilobytes of source
	// into megabytes of HTML. A table that is too large stays a paragraph.
	maxTableCells     = 50_000
	tableCellsPerByte = 2
	tableCellsExtra   = 256
	// maxLinkExpansion is the number of bytes of link destinations and titles
	// allowed beyond twice the length of the source; reference links repeat
	// their definition's destination each time they are used.
	maxLinkExpansion = 64 << 10
	// maxBlockDelimiters is the most emphasis, strikethrough, code and link
	// delimiters (* _ ~ ` [ ]) one block (lines between blank lines) may hold:
	// goldmark matches them in time quadratic in their number within a
	// paragraph (8 KB of "*_a" took 20 ms, 200 KB took 85 s).
	maxBlockDelimiters = 1_000
	// maxDelimiters bounds them over the whole text, so that many blocks at
	// the limit stay fast too.
	maxDelimiters = 10_000
)

// LimitError says which bound a text exceeds, and where.
type LimitError struct {
	// Problem is "line" (a line too long), "quotes" (block quotes nested
	// too deep), "links" (too many links on a line), "block_delimiters"
	// (too much emphasis or links in one paragraph), "delimiters" (in the
	// whole text) or "expansion" (link references repeated too often).
	Problem string
	Limit   int
	Line    int // the first line of the offending line or block; 0 for the whole text
}

// Refused reports whether a text over this bound is refused: too much
// emphasis or too many links in a paragraph or in the whole text, which an
// author can fix. A text over the other bounds (a very long line, deep
// quotes, many links on one line, repeated references) is still accepted and
// shown as escaped plain text: one long pasted paragraph must not be refused.
func (e *LimitError) Refused() bool {
	return e.Problem == "block_delimiters" || e.Problem == "delimiters"
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("markdown: %s over the limit of %d (line %d)", e.Problem, e.Limit, e.Line)
}

// Renderer converts Markdown to sanitised HTML. Create one with New; it is
// safe for concurrent use by multiple goroutines.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a Renderer. Links get rel="nofollow", and links to other sites
// also open in a new tab with target="_blank" and rel="nofollow noopener".
func New() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(
			markdownTable{maxCells: maxTableCells},
			extension.Strikethrough,
			extension.Linkify,
		),
	)

	policy := bluemonday.UGCPolicy()
	policy.RequireNoFollowOnLinks(true)
	// Adds target="_blank" together with rel="noopener" to absolute links.
	policy.AddTargetBlankToFullyQualifiedLinks(true)

	return &Renderer{md: md, policy: policy}
}

// Render converts the Markdown src to sanitised HTML. It never fails: what
// cannot be rendered safely is dropped or escaped, and a source with a line
// over 10,000 bytes or more than 250 links, block quotes nested more than 20
// deep, or link references expanding it beyond reason is rendered as escaped
// plain text.
func (r *Renderer) Render(src string) template.HTML {
	html, err := r.RenderChecked(src)
	if err != nil {
		return markdownPlain(src)
	}
	return html
}

// RenderChecked converts the Markdown src to sanitised HTML, or says with a
// *LimitError which bound src exceeds when that bound refuses the text (see
// LimitError.Refused); past the other bounds it renders escaped plain text.
// Texts are rendered once, when they are saved, and the HTML is stored
// beside them: a refused text goes back to its author, who can fix it.
func (r *Renderer) RenderChecked(src string) (template.HTML, error) {
	source := []byte(src)
	if err := Check(source); err != nil {
		if err.Refused() {
			return "", err
		}
		return markdownPlain(src), nil
	}
	doc := r.md.Parser().Parse(text.NewReader(source))
	if markdownLinkBytes(doc) > 2*len(source)+maxLinkExpansion {
		return markdownPlain(src), nil
	}
	var buf bytes.Buffer
	if err := r.md.Renderer().Render(&buf, source, doc); err != nil {
		// The HTML renderer only fails when its writer does, and a
		// bytes.Buffer does not.
		return "", fmt.Errorf("markdown: render: %w", err)
	}
	return template.HTML(r.policy.SanitizeBytes(buf.Bytes())), nil // #nosec G203 -- the HTML is sanitised by bluemonday's UGC policy
}

// markdownPlain renders src as escaped text, one <br> per line break, in a
// single paragraph.
func markdownPlain(src string) template.HTML {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		lines[i] = template.HTMLEscapeString(l)
	}
	return template.HTML("<p>" + strings.Join(lines, "<br>\n") + "</p>\n") // #nosec G203 -- every line is escaped with HTMLEscapeString
}

// Check reports the first bound src exceeds: a line longer than
// maxLineBytes, one that opens more than maxQuoteDepth nested block quotes or
// holds more than maxLinksPerLine links, a block (lines between blank lines)
// with more than maxBlockDelimiters emphasis or link delimiters, or more than
// maxDelimiters in all. CR, LF and CRLF all end a line, as in CommonMark.
func Check(src []byte) *LimitError {
	start, line, block, blockStart, total := 0, 1, 0, 1, 0
	for i := 0; i <= len(src); i++ {
		if i < len(src) && src[i] != '\n' && src[i] != '\r' {
			continue
		}
		l := src[start:i]
		switch {
		case len(l) > maxLineBytes:
			return &LimitError{Problem: "line", Limit: maxLineBytes, Line: line}
		case markdownQuoteDepth(l) > maxQuoteDepth:
			return &LimitError{Problem: "quotes", Limit: maxQuoteDepth, Line: line}
		case bytes.Count(l, []byte("](")) > maxLinksPerLine:
			return &LimitError{Problem: "links", Limit: maxLinksPerLine, Line: line}
		}
		if len(bytes.TrimSpace(l)) == 0 {
			block, blockStart = 0, line+1
		} else {
			d := delimiters(l)
			block += d
			total += d
			if block > maxBlockDelimiters {
				return &LimitError{Problem: "block_delimiters", Limit: maxBlockDelimiters, Line: blockStart}
			}
			if total > maxDelimiters {
				return &LimitError{Problem: "delimiters", Limit: maxDelimiters}
			}
		}
		if i < len(src) && src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n' {
			i++
		}
		start = i + 1
		line++
	}
	return nil
}

// delimiters counts the characters of line that open or close inline
// emphasis, strikethrough, code spans and links.
func delimiters(line []byte) int {
	n := 0
	for _, c := range line {
		switch c {
		case '*', '_', '~', '`', '[', ']':
			n++
		}
	}
	return n
}

// markdownQuoteDepth counts the ">" among the container markers (quote and
// list markers, spaces) that start line: an upper bound of the number of
// block quotes the line opens or continues.
func markdownQuoteDepth(line []byte) int {
	depth := 0
	for _, c := range line {
		switch {
		case c == '>':
			depth++
		case c == ' ' || c == '\t' || c == '-' || c == '+' || c == '*' || c == '.' || c == ')' || '0' <= c && c <= '9':
		default:
			return depth
		}
	}
	return depth
}

// markdownLinkBytes returns the total length of the destinations and titles of
// the links and images of doc, which the HTML output will contain.
func markdownLinkBytes(doc ast.Node) int {
	total := 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			total += len(n.Destination) + len(n.Title)
		case *ast.Image:
			total += len(n.Destination) + len(n.Title)
		}
		return ast.WalkContinue, nil
	})
	return total
}

// markdownTable is goldmark's GFM table extension with a bound on the size of
// each table (see maxTableCells): a paragraph that could become a larger
// table stays a paragraph. Cell alignment is rendered as an align attribute,
// which the policy keeps, rather than a style attribute, which it drops.
type markdownTable struct {
	maxCells int
}

// Extend registers the table parser, guarded, and the table renderer.
func (e markdownTable) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(
		parser.WithParagraphTransformers(util.Prioritized(
			markdownTableGuard{inner: extension.NewTableParagraphTransformer(), maxCells: e.maxCells}, 200)),
		parser.WithASTTransformers(util.Prioritized(extension.NewTableASTTransformer(), 0)),
	)
	m.Renderer().AddOptions(renderer.WithNodeRenderers(util.Prioritized(
		extension.NewTableHTMLRenderer(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)), 500)))
}

// markdownTableGuard hands a paragraph to the table transformer only when the
// table it could become is small enough.
type markdownTableGuard struct {
	inner    parser.ParagraphTransformer
	maxCells int
}

// Transform turns the paragraph into a table when it is one and the number of
// cells, at most (most "|" on a line + 1) × lines, is within maxCells and
// within tableCellsPerByte × the paragraph's size + tableCellsExtra.
func (g markdownTableGuard) Transform(node *ast.Paragraph, reader text.Reader, pc parser.Context) {
	lines := node.Lines()
	source := reader.Source()
	cols, size := 0, 0
	for i := range lines.Len() {
		seg := lines.At(i)
		line := seg.Value(source)
		cols = max(cols, bytes.Count(line, []byte{'|'})+1)
		size += len(line)
	}
	cells := cols * lines.Len()
	if cells > g.maxCells || cells > tableCellsPerByte*size+tableCellsExtra {
		return
	}
	g.inner.Transform(node, reader, pc)
}
