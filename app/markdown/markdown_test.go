package markdown

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"librecours/grading"
)

// forbiddenElement reports whether an element may never appear in rendered
// output: it runs code, loads other documents, restyles the page or submits
// data.
func forbiddenElement(name string) bool {
	switch strings.ToLower(name) {
	case "script", "style", "iframe", "frame", "frameset", "object", "embed",
		"applet", "svg", "math", "form", "input", "button", "textarea", "select",
		"link", "meta", "base", "template", "noscript":
		return true
	}
	return false
}

// urlAttribute reports whether a browser resolves the attribute's value as a URL.
func urlAttribute(key string) bool {
	switch key {
	case "href", "src", "srcset", "cite", "action", "formaction", "background",
		"poster", "data", "codebase", "longdesc", "lowsrc", "dynsrc", "manifest",
		"ping", "xlink:href":
		return true
	}
	return false
}

// allowedScheme reports whether rendered output may use the URL scheme; a URL
// without a scheme is relative and also allowed.
func allowedScheme(scheme string) bool {
	switch scheme {
	case "", "http", "https", "mailto":
		return true
	}
	return false
}

// checkSafe parses out as an HTML fragment, the way a browser would inside the
// page's body, and reports the first unsafe construct it finds.
func checkSafe(out string) error {
	if strings.Contains(strings.ToLower(out), "<script") {
		return errors.New("output contains <script")
	}
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(out), body)
	if err != nil {
		return fmt.Errorf("parse output: %w", err)
	}
	for _, n := range nodes {
		if err := checkNode(n); err != nil {
			return err
		}
	}
	return nil
}

func checkNode(n *html.Node) error {
	if n.Type == html.ElementNode {
		if forbiddenElement(n.Data) || n.Namespace != "" {
			return fmt.Errorf("forbidden element <%s> (namespace %q)", n.Data, n.Namespace)
		}
		var target, rel string
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if a.Namespace != "" {
				key = strings.ToLower(a.Namespace) + ":" + key
			}
			switch {
			case strings.HasPrefix(key, "on"):
				return fmt.Errorf("event handler attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
			case key == "style" || key == "srcdoc":
				return fmt.Errorf("forbidden attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
			case urlAttribute(key):
				if scheme := urlScheme(a.Val); !allowedScheme(scheme) {
					return fmt.Errorf("URL with scheme %q in %s=%q on <%s>", scheme, a.Key, a.Val, n.Data)
				}
			case key == "target":
				target = a.Val
			case key == "rel":
				rel = a.Val
			}
		}
		if target != "" && !strings.Contains(" "+rel+" ", " noopener ") {
			return fmt.Errorf("<%s target=%q> without rel=noopener (rel=%q)", n.Data, target, rel)
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if err := checkNode(c); err != nil {
			return err
		}
	}
	return nil
}

// urlScheme returns the lower-cased scheme of the URL v as a browser parses it
// (WHATWG URL standard): surrounding C0 controls and spaces are ignored, tabs
// and newlines anywhere are removed, and the scheme is an ASCII letter followed
// by letters, digits, "+", "-" or "." up to a colon. It returns "" for a
// relative URL.
func urlScheme(v string) string {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= 0x20 })
	v = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, v)
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return strings.ToLower(v[:i])
		default:
			return ""
		}
	}
	return ""
}

func TestURLScheme(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.org", "https"},
		{"  JavaScript:alert(1)", "javascript"},
		{"java\tscript:alert(1)", "javascript"},
		{"java\nscript:alert(1)", "javascript"},
		{"\x01vbscript:msgbox", "vbscript"},
		{"DATA:text/html,x", "data"},
		{"/relative/path", ""},
		{"page#frag:ment", ""},
		{"?q=a:b", ""},
		{"1http:x", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := urlScheme(tt.in); got != tt.want {
				t.Errorf("urlScheme(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCheckSafeRejectsUnsafeHTML(t *testing.T) {
	// The checker itself must catch what the renderer is meant to remove.
	tests := []struct{ name, html string }{
		{"script", `<p>a</p><script>alert(1)</script>`},
		{"handler", `<img src="x.png" onerror="alert(1)">`},
		{"javascript link", `<a href=" jav&#x09;ascript:alert(1)">x</a>`},
		{"entity-encoded javascript", `<a href="&#106;avascript:alert(1)">x</a>`},
		{"data image", `<img src="data:image/svg+xml;base64,AAAA">`},
		{"vbscript", `<a href="VBScript:msgbox">x</a>`},
		{"svg", `<svg><a href="/x">x</a></svg>`},
		{"style attribute", `<p style="color:red">x</p>`},
		{"iframe", `<iframe src="https://example.org"></iframe>`},
		{"target without noopener", `<a href="https://example.org" target="_blank">x</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkSafe(tt.html); err == nil {
				t.Errorf("checkSafe(%q) = nil, want an error", tt.html)
			}
		})
	}
}

// hostileInput is a Markdown source that tries to get code into the page.
type hostileInput struct {
	name string
	src  string
	// keep is text that must survive rendering, escaped or not.
	keep string
}

func hostileInputs() []hostileInput {
	return []hostileInput{
		{name: "script tag", src: "<script>alert(1)</script>"},
		{name: "script tag in a paragraph", src: "Bonjour <script>alert(1)</script> le monde", keep: "Bonjour"},
		{name: "upper-case script", src: "<SCRIPT SRC=//evil.example/x.js></SCRIPT>"},
		{name: "script split across lines", src: "<scr\nipt>alert(1)</scr\nipt>"},
		{name: "img onerror", src: `<img src=x onerror=alert(1)>`},
		{name: "img onerror with quotes", src: `<img src="x" onerror="alert('xss')">`},
		{name: "markdown image with handler in title", src: `![x](/a.png "\" onerror=\"alert(1)")`},
		{name: "javascript link", src: "[x](javascript:alert(1))", keep: "x"},
		{name: "mixed-case javascript link", src: "[x](JaVaScRiPt:alert(1))", keep: "x"},
		{name: "javascript link with spaces", src: "[x]( javascript:alert(1) )", keep: "x"},
		{name: "javascript link in angle brackets", src: "[x](<javascript:alert(1)>)", keep: "x"},
		{name: "javascript link with tab", src: "[x](java\tscript:alert(1))", keep: "x"},
		{name: "entity-encoded javascript link", src: "[x](&#106;avascript:alert(1))", keep: "x"},
		{name: "hex-entity javascript link", src: "[x](&#x6A;avascript&#x3A;alert(1))", keep: "x"},
		{name: "named-entity colon", src: "[x](javascript&colon;alert(1))", keep: "x"},
		{name: "percent-encoded javascript", src: "[x](%6Aavascript:alert(1))", keep: "x"},
		{name: "javascript reference link", src: "[x][r]\n\n[r]: javascript:alert(1)", keep: "x"},
		{name: "javascript autolink", src: "<javascript:alert(1)>"},
		{name: "javascript linkify", src: "voir javascript:alert(1) ici", keep: "voir"},
		{name: "vbscript link", src: "[x](vbscript:msgbox(1))", keep: "x"},
		{name: "vbscript html link", src: `<a href="vbscript:msgbox(1)">x</a>`},
		{name: "data link", src: "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", keep: "x"},
		{name: "data image", src: "![x](data:image/png;base64,iVBORw0KGgo=)"},
		{name: "data svg image", src: "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"},
		{name: "raw html javascript link", src: `<a href="javascript:alert(1)">x</a>`},
		{name: "svg onload", src: `<svg onload=alert(1)>`},
		{name: "svg with script", src: "<svg><script>alert(1)</script></svg>"},
		{name: "math with link", src: `<math><mtext><a href="javascript:alert(1)">x</a></mtext></math>`},
		{name: "iframe", src: `<iframe src="https://evil.example"></iframe>`},
		{name: "iframe srcdoc", src: `<iframe srcdoc="<script>alert(1)</script>"></iframe>`},
		{name: "style element", src: "<style>body{display:none}</style>"},
		{name: "style attribute", src: `<p style="background:url(javascript:alert(1))">x</p>`},
		{name: "object", src: `<object data="javascript:alert(1)"></object>`},
		{name: "embed", src: `<embed src="javascript:alert(1)">`},
		{name: "form", src: `<form action="javascript:alert(1)"><button>ok</button></form>`},
		{name: "meta refresh", src: `<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`},
		{name: "base href", src: `<base href="javascript:alert(1)//">`},
		{name: "body onload", src: `<body onload=alert(1)>`},
		{name: "details ontoggle", src: `<details open ontoggle=alert(1)>`},
		{name: "html block then markdown", src: "<div onclick=\"alert(1)\">\n\n*texte*\n\n</div>", keep: "texte"},
		{name: "inline html inside emphasis", src: "*<img src=x onerror=alert(1)>*"},
		{name: "markdown link inside html attribute", src: `<a href="[x](javascript:alert(1))">y</a>`},
		{name: "link text with html", src: `[<img src=x onerror=alert(1)>](https://example.org)`},
		{name: "link title breaking out", src: `[x](https://example.org "a\" onmouseover=\"alert(1)")`, keep: "x"},
		{name: "link destination breaking out", src: `[x](https://example.org/"onmouseover="alert(1))`, keep: "x"},
		{name: "nested link in image", src: "[![x](javascript:alert(1))](javascript:alert(2))"},
		{name: "html comment hiding script", src: "<!-- --><script>alert(1)</script><!-- -->"},
		{name: "cdata", src: "<![CDATA[<script>alert(1)</script>]]>"},
		{name: "processing instruction", src: "<?xml-stylesheet href=\"javascript:alert(1)\"?>"},
		{name: "unclosed tag", src: "<img src=x onerror=alert(1)//"},
		{name: "table cell with html", src: "| a |\n|---|\n| <img src=x onerror=alert(1)> |", keep: "a"},
		{name: "strikethrough with html", src: "~~<script>alert(1)</script>~~"},
		{name: "code span keeps text escaped", src: "`<script>alert(1)</script>`", keep: "alert(1)"},
		{name: "fenced code keeps text escaped", src: "```html\n<img src=x onerror=alert(1)>\n```", keep: "onerror"},
		{name: "backslash escapes", src: `\<script\>alert(1)\</script\>`, keep: "alert(1)"},
		{name: "null bytes", src: "<scr\x00ipt>alert(1)</script>[x](java\x00script:alert(1))"},
		{name: "invalid utf-8", src: "\xff\xfe<script>alert(1)</script>[x](javascript:\xffalert(1))"},
	}
}

func TestRenderHostile(t *testing.T) {
	r := New()
	for _, tt := range hostileInputs() {
		t.Run(tt.name, func(t *testing.T) {
			out := string(r.Render(tt.src))
			if err := checkSafe(out); err != nil {
				t.Errorf("Render(%q) = %q: %v", tt.src, out, err)
			}
			if tt.keep != "" && !strings.Contains(out, tt.keep) {
				t.Errorf("Render(%q) = %q, want it to keep %q", tt.src, out, tt.keep)
			}
		})
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{name: "empty", src: "", want: ""},
		{name: "paragraph and emphasis", src: "Du *texte* et du **gras**.",
			want: "<p>Du <em>texte</em> et du <strong>gras</strong>.</p>\n"},
		{name: "heading and list", src: "## Contexte\n\n- un\n- deux",
			want: "<h2>Contexte</h2>\n<ul>\n<li>un</li>\n<li>deux</li>\n</ul>\n"},
		{name: "external link opens a new tab", src: "[CC BY-SA](https://creativecommons.org/licenses/by-sa/4.0/deed.fr)",
			want: `<p><a href="https://creativecommons.org/licenses/by-sa/4.0/deed.fr" rel="nofollow noopener" target="_blank">CC BY-SA</a></p>` + "\n"},
		{name: "relative link", src: "[aide](/aide)",
			want: `<p><a href="/aide" rel="nofollow">aide</a></p>` + "\n"},
		{name: "mailto link", src: "[écrire](mailto:contact@example.org)",
			want: `<p><a href="mailto:contact@example.org" rel="nofollow">écrire</a></p>` + "\n"},
		{name: "bare link", src: "Voir https://fr.wikipedia.org/wiki/Domaine_public.",
			want: `<p>Voir <a href="https://fr.wikipedia.org/wiki/Domaine_public" rel="nofollow noopener" target="_blank">https://fr.wikipedia.org/wiki/Domaine_public</a>.</p>` + "\n"},
		{name: "image", src: `![Logo](https://example.org/logo.png "Titre")`,
			want: `<p><img src="https://example.org/logo.png" alt="Logo" title="Titre"></p>` + "\n"},
		{name: "strikethrough", src: "~~faux~~ vrai",
			want: "<p><del>faux</del> vrai</p>\n"},
		{name: "table with alignment", src: "| Licence | Libre |\n|:--|:-:|\n| CC BY | oui |",
			want: "<table>\n<thead>\n<tr>\n<th align=\"left\">Licence</th>\n<th align=\"center\">Libre</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td align=\"left\">CC BY</td>\n<td align=\"center\">oui</td>\n</tr>\n</tbody>\n</table>\n"},
		{name: "code is escaped", src: "`<b>`",
			want: "<p><code>&lt;b&gt;</code></p>\n"},
		{name: "raw html is dropped", src: "avant <b>gras</b> après",
			want: "<p>avant gras après</p>\n"},
		{name: "special characters are escaped", src: `1 < 2 & "3" > 0`,
			want: "<p>1 &lt; 2 &amp; &#34;3&#34; &gt; 0</p>\n"},
	}
	r := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(r.Render(tt.src))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Render(%q) mismatch (-want +got):\n%s", tt.src, diff)
			}
			if err := checkSafe(got); err != nil {
				t.Errorf("Render(%q) is unsafe: %v", tt.src, err)
			}
		})
	}
}

func TestRenderLimits(t *testing.T) {
	table := func(cols, rows int, row string) string {
		return strings.Repeat("|a", cols) + "|\n" + strings.Repeat("|-", cols) + "|\n" + strings.Repeat(row+"\n", rows)
	}
	reference := "[a]: https://example.org/" + strings.Repeat("x", 1000) + "\n\n"
	tests := []struct {
		name string
		src  string
		// plain is true when the source must be shown as escaped text.
		plain bool
		// contains is a fragment the output must hold.
		contains string
	}{
		{name: "line at the limit", src: "*a* " + strings.Repeat("x", maxLineBytes-4), contains: "<em>a</em>"},
		{name: "line over the limit", src: "*a* <b>" + strings.Repeat("x", maxLineBytes), plain: true, contains: "*a* &lt;b&gt;xxx"},
		{name: "CR ends a line", src: strings.Repeat("*a* "+strings.Repeat("x", 20)+"\r", maxBlockDelimiters/2), contains: "<em>a</em>"},
		{name: "delimiters at the block limit", src: strings.Repeat("*_a", maxBlockDelimiters/2), contains: "<em>"},
		{name: "delimiters over the block limit", src: strings.Repeat("*_a", maxBlockDelimiters/2+1), plain: true},
		{name: "a blank line starts a new block", src: strings.Repeat("*_a", maxBlockDelimiters/2) + "\n\n" + strings.Repeat("*_a", maxBlockDelimiters/2), contains: "<em>"},
		{name: "quotes at the limit", src: strings.Repeat(">", maxQuoteDepth) + " a", contains: strings.Repeat("<blockquote>\n", maxQuoteDepth)},
		{name: "quotes over the limit", src: "*a*\n\n" + strings.Repeat("> ", maxQuoteDepth+1) + "b", plain: true, contains: "*a*<br>\n<br>\n&gt; &gt;"},
		{name: "quotes inside lists count", src: strings.Repeat("> - ", maxQuoteDepth+1) + "b", plain: true},
		{name: "links at the limit", src: strings.Repeat("[a](/b) ", maxLinksPerLine), contains: `<a href="/b" rel="nofollow">a</a>`},
		{name: "links over the limit", src: strings.Repeat("[a](/b) ", maxLinksPerLine+1), plain: true, contains: "[a](/b) [a](/b)"},
		{name: "unclosed links over the limit", src: strings.Repeat("[a](", maxLinksPerLine+1), plain: true},
		{name: "reference used a few times", src: reference + strings.Repeat("[a] ", 20), contains: `<a href="https://example.org/xxx`},
		{name: "reference expanded too often", src: reference + strings.Repeat("[a] ", 200), plain: true, contains: "[a] [a]"},
		{name: "ordinary table", src: table(5, 200, "|1|2|3|4|5|"), contains: "<td>5</td>"},
		{name: "table at the cell limit", src: table(10, 2000, "|1|2|3|4|5|6|7|8|9|10|"), contains: "<td>10</td>"},
		{name: "table over the cell limit", src: table(10, 5000, "|1|2|3|4|5|6|7|8|9|10|"), contains: "|1|2|3|"},
		{name: "sparse table padded beyond its size", src: table(100, 300, "|b|"), contains: "|a|a|a|"},
	}
	r := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(r.Render(tt.src))
			if err := checkSafe(got); err != nil {
				t.Errorf("Render() is unsafe: %v", err)
			}
			if plain := got == string(markdownPlain(tt.src)); plain != tt.plain {
				t.Errorf("Render() rendered as plain text: %v, want %v; output starts with %q", plain, tt.plain, got[:min(200, len(got))])
			}
			if !strings.Contains(got, tt.contains) {
				t.Errorf("Render() output lacks %q; it starts with %q", tt.contains, got[:min(200, len(got))])
			}
			if strings.Contains(tt.src, "|-|") && !strings.Contains(tt.contains, "<td>") && strings.Contains(got, "<table>") {
				t.Errorf("Render() made a table of a paragraph over the size limit")
			}
		})
	}
}

func TestMarkdownPlain(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{name: "empty", src: "", want: "<p></p>\n"},
		{name: "escapes markup", src: `<script>alert("x")</script> & co`, want: "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co</p>\n"},
		{name: "line endings", src: "a\r\nb\rc\nd", want: "<p>a<br>\nb<br>\nc<br>\nd</p>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, string(markdownPlain(tt.src))); diff != "" {
				t.Errorf("markdownPlain(%q) mismatch (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

func TestRenderDefaultExercises(t *testing.T) {
	// The instructions every new session starts with render as rich text:
	// titles, lists, emphasis and links survive sanitising.
	r := New()
	for _, e := range grading.DefaultExercises() {
		t.Run(fmt.Sprintf("part %d", e.Part), func(t *testing.T) {
			got := string(r.Render(e.Instructions))
			if err := checkSafe(got); err != nil {
				t.Fatalf("Render() is unsafe: %v", err)
			}
			for _, want := range []string{"<h2>", "<h3>Contexte</h3>", "<li>", "<strong>"} {
				if !strings.Contains(got, want) {
					t.Errorf("Render() output lacks %q", want)
				}
			}
			if strings.Contains(got, "**") || strings.Contains(got, "&lt;") {
				t.Errorf("Render() left Markdown or markup unrendered: %q", got)
			}
		})
	}
}

func TestRenderInTemplate(t *testing.T) {
	// template.HTML is inserted as is, so the page shows markup, not escaped text.
	tmpl := template.Must(template.New("t").Parse(`<div>{{.}}</div>`))
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, New().Render("*a*")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("<div><p><em>a</em></p>\n</div>", buf.String()); diff != "" {
		t.Errorf("template output mismatch (-want +got):\n%s", diff)
	}
}

func TestRenderConcurrent(t *testing.T) {
	r := New()
	inputs := hostileInputs()
	want := make([]template.HTML, len(inputs))
	for i, in := range inputs {
		want[i] = r.Render(in.src)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(inputs))
	for range 8 {
		wg.Go(func() {
			for i, in := range inputs {
				if got := r.Render(in.src); got != want[i] {
					errs <- fmt.Sprintf("%s: got %q, want %q", in.name, got, want[i])
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestCheck: each bound is named with its limit and the line where it is
// first exceeded, so the author's error message can say what to fix.
func TestCheck(t *testing.T) {
	block := func(d int) string { return strings.Repeat("*a*", d/2) }
	for _, tc := range []struct {
		name string
		src  string
		want *LimitError
	}{
		{"ordinary text", "# Titre\n\nUn *texte* avec un [lien](https://example.org).\n", nil},
		{"long line", "a\nb\n" + strings.Repeat("x", maxLineBytes+1), &LimitError{"line", maxLineBytes, 3}},
		{"deep quotes", strings.Repeat(">", maxQuoteDepth+1) + " a", &LimitError{"quotes", maxQuoteDepth, 1}},
		{"many links", "a\n" + strings.Repeat("[a](b)", maxLinksPerLine+1), &LimitError{"links", maxLinksPerLine, 2}},
		{"block delimiters", "intro\n\n" + block(maxBlockDelimiters) + "\n" + "**", &LimitError{"block_delimiters", maxBlockDelimiters, 3}},
		{"CRLF is one line end", "a\r\n" + block(maxBlockDelimiters) + "\r\n**", &LimitError{"block_delimiters", maxBlockDelimiters, 1}},
		{"whole text", strings.Repeat(block(maxBlockDelimiters)+"\n\n", maxDelimiters/maxBlockDelimiters) + "**", &LimitError{"delimiters", maxDelimiters, 0}},
		{"every block at its limit", strings.Repeat(block(maxBlockDelimiters)+"\n\n", maxDelimiters/maxBlockDelimiters), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			le := Check([]byte(tc.src))
			if tc.want == nil {
				if le != nil {
					t.Fatalf("Check: %v", le)
				}
				return
			}
			if le == nil || *le != *tc.want {
				t.Fatalf("Check: %+v, want %+v", le, tc.want)
			}
			html, err := New().RenderChecked(tc.src)
			var got *LimitError
			switch {
			case le.Refused() && (!errors.As(err, &got) || *got != *le):
				t.Fatalf("RenderChecked: %v, want the refusal %+v", err, le)
			case !le.Refused() && (err != nil || !strings.HasPrefix(string(html), "<p>") || strings.Contains(string(html), "<em>")):
				t.Fatalf("RenderChecked: %v, %.40q; want escaped plain text", err, html)
			}
		})
	}
}

// BenchmarkWorstAccepted renders the slowest texts Check accepts: every block
// at the delimiter limit in the patterns goldmark finds hardest. Each must
// take well under 50 ms (docs/performance.md).
func BenchmarkWorstAccepted(b *testing.B) {
	r := New()
	for _, unit := range []string{"*_a", "_*a", "*a", "**a", "~~a", "`a", "[a"} {
		var blk strings.Builder
		for d := 0; d+delimiters([]byte(unit)) <= maxBlockDelimiters; d += delimiters([]byte(unit)) {
			blk.WriteString(unit)
		}
		src := strings.Repeat(blk.String()+"\n\n", maxDelimiters/maxBlockDelimiters)
		if err := Check([]byte(src)); err != nil {
			b.Fatalf("%q: %v", unit, err)
		}
		b.Run(unit, func(b *testing.B) {
			for b.Loop() {
				if _, err := r.RenderChecked(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzRender(f *testing.F) {
	for _, in := range hostileInputs() {
		f.Add(in.src)
	}
	r := New()
	f.Fuzz(func(t *testing.T, src string) {
		out := string(r.Render(src))
		if err := checkSafe(out); err != nil {
			t.Fatalf("Render(%q) = %q: %v", src, out, err)
		}
		// Rendering must not blow a small source up into a huge page.
		if limit := 100*len(src) + 512<<10; len(out) > limit {
			t.Fatalf("Render() of %d bytes gave %d bytes of HTML, over %d", len(src), len(out), limit)
		}
	})
}

func BenchmarkRender(b *testing.B) {
	// Sources of about 200 KB, the largest submission the API accepts: an
	// ordinary text, and inputs that are slow for goldmark without the limits.
	line := func(pattern string) string { return strings.Repeat(pattern, (maxLineBytes-1)/len(pattern)) + "\n" }
	fill := func(s string) string { return strings.Repeat(s, 200_000/len(s)) }
	benchmarks := []struct{ name, src string }{
		{"ordinary", fill("## Titre\n\nUn paragraphe avec un [lien](https://example.org), du *texte* et `du code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n")},
		{"nested quotes", fill(line(">"))},
		{"unclosed links", fill(line("[a]("))},
		{"emphasis", fill(line("*a"))},
		{"strikethrough", fill(line("~~a"))},
		{"wide table", strings.Repeat("|a", 4000) + "\n" + strings.Repeat("|-", 4000) + "\n" + fill("|b|\n")},
		{"reference expansion", "[a]: https://example.org/" + strings.Repeat("x", 9000) + "\n\n" + fill("[a]")},
	}
	r := New()
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.src)))
			for b.Loop() {
				r.Render(bm.src)
			}
		})
	}
}
