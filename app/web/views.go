package web

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"text/template/parse"

	"librecours/app/markdown"
)

// views renders the embedded templates for fiber (fiber.Views).
//
// Every file is parsed once at start. A page gets its own set per language,
// in which the layout's {{template "embed" .}} is that page, made from a
// copy of the layout, the partials and the page (make), with its constants
// folded; the server makes them all at start (warm), the tests the first
// time a page is rendered. A render then only executes a ready set: it
// takes no lock and changes nothing shared. (gofiber/template/html, used
// before, re-registered a function on the shared layout and held one mutex
// around every render with a layout.)
type views struct {
	fsys  fs.FS
	funcs template.FuncMap
	// fold, when set, gives the page methods whose result depends only on
	// the language and a constant argument ({{.T "app.nav.label"}},
	// {{.Asset "app.css"}}): a language's sets hold their results as
	// constants (foldConstants). nil for no folding.
	fold  func(lang string) map[string]func(string) string
	base  *template.Template // every file, by name without ".html"; never executed, only copied
	names map[string]bool    // the names of base's files

	// check renders every page also without folding and fails when the
	// two differ (tests).
	check bool

	mu   sync.Mutex // held while a set is made
	sets sync.Map   // lang:name -> the page's set; "bare:" + lang:name -> a set for a render without layout
}

func newViews(fsys fs.FS, funcs template.FuncMap, fold func(lang string) map[string]func(string) string) *views {
	return &views{fsys: fsys, funcs: funcs, fold: fold}
}

// Load parses every template (fiber calls it once, at New).
func (v *views) Load() error {
	base := template.New("").Funcs(v.funcs)
	names := map[string]bool{}
	err := fs.WalkDir(v.fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := fs.ReadFile(v.fsys, path)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(path, ".html")
		if _, err := base.New(name).Parse(string(b)); err != nil {
			return fmt.Errorf("views: %s: %w", path, err)
		}
		names[name] = true
		return nil
	})
	if err != nil {
		return err
	}
	v.base, v.names = base, names
	return nil
}

// set returns the set that renders name in lang ("" for a binding that is
// not a page), inside the layout when layout is set, making it the first
// time (warm makes them all at start). A set made for a page language has
// its constant calls folded (foldConstants), is escaped by html/template,
// and has its escaped constants folded into text (foldEscaped).
func (v *views) set(name, lang string, layout bool) (*template.Template, error) {
	key := lang + ":" + name
	if !layout {
		key = "bare:" + key
	}
	if t, ok := v.sets.Load(key); ok {
		return t.(*template.Template), nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if t, ok := v.sets.Load(key); ok {
		return t.(*template.Template), nil
	}
	var methods map[string]func(string) string
	if lang != "" && v.fold != nil {
		methods = v.fold(lang)
	}
	set, err := v.make(name, layout, methods)
	if err != nil {
		return nil, err
	}
	if methods != nil {
		// html/template escapes a set on its first execution, before it
		// executes anything: executed on no data, the set is escaped and
		// the execution fails at once, which is of no matter.
		var exec texttemplate.ExecError
		if err := set.ExecuteTemplate(io.Discard, entry(name, layout), nil); err != nil && !errors.As(err, &exec) {
			return nil, fmt.Errorf("views: %s: %w", name, err)
		}
		eachTree(set, foldEscaped)
	}
	v.sets.Store(key, set)
	return set, nil
}

// warm makes the set of every page in every language of langs, so that
// the first request of a page costs what the next ones do.
func (v *views) warm(langs []string) error {
	for name := range v.names {
		if !strings.HasPrefix(name, "pages/") {
			continue
		}
		for _, lang := range langs {
			if _, err := v.set(name, lang, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// make makes the set of page name: the page, and the layout and the
// partials when layout is set, with the calls of methods folded
// (foldConstants) when methods is not nil. A set holds only what its page
// may execute, 13 of the 48 files, not a copy of every page.
func (v *views) make(name string, layout bool, methods map[string]func(string) string) (*template.Template, error) {
	if !v.names[name] || (layout && !strings.HasPrefix(name, "pages/")) {
		return nil, fmt.Errorf("views: no page %s", name)
	}
	set := template.New(entry(name, layout)).Funcs(v.funcs)
	add := func(as, from string) error {
		_, err := set.AddParseTree(as, v.base.Lookup(from).Tree.Copy())
		return err
	}
	for n := range v.names {
		if strings.HasPrefix(n, "partials/") || (layout && n == layoutName) {
			if err := add(n, n); err != nil {
				return nil, fmt.Errorf("views: %s: %w", name, err)
			}
		}
	}
	if err := add(name, name); err != nil {
		return nil, fmt.Errorf("views: %s: %w", name, err)
	}
	if layout {
		if err := add("embed", name); err != nil {
			return nil, fmt.Errorf("views: %s: %w", name, err)
		}
	}
	if methods != nil {
		eachTree(set, func(root parse.Node) { foldConstants(root, methods) })
	}
	return set, nil
}

// eachTree calls f on the root of every template of set.
func eachTree(set *template.Template, f func(root parse.Node)) {
	for _, t := range set.Templates() {
		if t.Tree != nil {
			f(t.Tree.Root)
		}
	}
}

// layoutName is the pages' one layout.
const layoutName = "layouts/main"

// entry is the template a render of name executes.
func entry(name string, layout bool) string {
	if layout {
		return layoutName
	}
	return name
}

// Render executes the template name, inside layout when one is given.
func (v *views) Render(w io.Writer, name string, binding any, layout ...string) error {
	withLayout := len(layout) > 0 && layout[0] != ""
	if withLayout && layout[0] != layoutName {
		return fmt.Errorf("views: no layout %s", layout[0])
	}
	lang := ""
	if p, ok := binding.(*page); ok && p.translator != nil {
		lang = p.lang
	}
	set, err := v.set(name, lang, withLayout)
	if err != nil {
		return err
	}
	if v.check && lang != "" {
		return v.compare(w, set, name, withLayout, binding)
	}
	return set.ExecuteTemplate(w, entry(name, withLayout), binding)
}

// compare renders binding with set and with a set made without folding,
// and fails when they differ (views.check, for the tests).
func (v *views) compare(w io.Writer, set *template.Template, name string, layout bool, binding any) error {
	key := fmt.Sprintf("raw:%t:%s", layout, name)
	t, ok := v.sets.Load(key)
	if !ok {
		made, err := v.make(name, layout, nil)
		if err != nil {
			return err
		}
		t, _ = v.sets.LoadOrStore(key, made)
	}
	raw := t.(*template.Template)
	var folded, want bytes.Buffer
	var err error
	errFolded := set.ExecuteTemplate(&folded, entry(name, layout), binding)
	errWant := raw.ExecuteTemplate(&want, entry(name, layout), binding)
	if (errFolded == nil) != (errWant == nil) || !bytes.Equal(folded.Bytes(), want.Bytes()) {
		return fmt.Errorf("views: %s renders differently with its constants folded (error %v, want %v):\n%s\nwant:\n%s",
			name, errFolded, errWant, folded.Bytes(), want.Bytes())
	}
	_, err = w.Write(folded.Bytes())
	return cmp.Or(errFolded, err)
}

// foldEscaped replaces, in an escaped parse tree under n, each action that
// only escapes a string constant ({{"Menu" | _html_template_htmlescaper}}:
// a call foldConstants folded, once html/template escaped it) by its output
// as text. Only the escapers whose output escapeHTML reproduces are folded
// (TestEscapeHTMLIsHTMLTemplates); an action with any other (a URL, a
// script) stays.
func foldEscaped(n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for i, c := range n.Nodes {
			if a, ok := c.(*parse.ActionNode); ok {
				if s, ok := escapedConstant(a.Pipe); ok {
					n.Nodes[i] = &parse.TextNode{NodeType: parse.NodeText, Pos: a.Pos, Text: []byte(s)}
				}
				continue
			}
			foldEscaped(c)
		}
	case *parse.IfNode:
		foldEscaped(n.List)
		foldEscaped(n.ElseList)
	case *parse.RangeNode:
		foldEscaped(n.List)
		foldEscaped(n.ElseList)
	case *parse.WithNode:
		foldEscaped(n.List)
		foldEscaped(n.ElseList)
	}
}

// htmlEscapers are html/template's escapers of text, of quoted attribute
// values and of RCDATA (<title>, <textarea>): of a string that is not
// template.HTML, each writes what escapeHTML writes.
var htmlEscapers = map[string]bool{
	"_html_template_htmlescaper":   true,
	"_html_template_attrescaper":   true,
	"_html_template_rcdataescaper": true,
}

// escapedConstant returns the output of p when it is a string constant
// followed by html escapers only.
func escapedConstant(p *parse.PipeNode) (string, bool) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) < 2 || len(p.Cmds[0].Args) != 1 {
		return "", false
	}
	lit, ok := p.Cmds[0].Args[0].(*parse.StringNode)
	if !ok {
		return "", false
	}
	s := lit.Text
	for _, cmd := range p.Cmds[1:] {
		if len(cmd.Args) != 1 {
			return "", false
		}
		id, ok := cmd.Args[0].(*parse.IdentifierNode)
		if !ok || !htmlEscapers[id.Ident] {
			return "", false
		}
		s = escapeHTML(s)
	}
	return s, true
}

// escapeHTML escapes s as html/template escapes a string in text, in a
// quoted attribute value and in RCDATA.
var escapeHTML = strings.NewReplacer(
	"\x00", "\uFFFD",
	`"`, "&#34;",
	"&", "&amp;",
	"'", "&#39;",
	"+", "&#43;",
	"<", "&lt;",
	">", "&gt;",
).Replace

// foldConstants replaces, in the parse tree under n, each call of a page
// method of methods with one string constant, {{.T "key"}}, {{$.T "key"}}
// or {{$p.T "key"}}, by its result as a string constant: what the call
// would return on every render of the language. html/template then escapes
// the constant for its context exactly as it escaped the call's result, so
// a page renders byte for byte the same (TestFoldedPagesRenderTheSame),
// without the method lookup and the reflective call that were a third of
// the templates' cost. It runs on a set's own copy of the trees, before the
// set's first execution escapes them.
func foldConstants(n parse.Node, methods map[string]func(string) string) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			foldConstants(c, methods)
		}
	case *parse.ActionNode:
		foldConstants(n.Pipe, methods)
	case *parse.TemplateNode:
		foldConstants(n.Pipe, methods)
	case *parse.IfNode:
		foldBranch(&n.BranchNode, methods)
	case *parse.RangeNode:
		foldBranch(&n.BranchNode, methods)
	case *parse.WithNode:
		foldBranch(&n.BranchNode, methods)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, cmd := range n.Cmds {
			if s, ok := foldCall(cmd, methods); ok {
				cmd.Args = cmd.Args[1:]
				cmd.Args[0].(*parse.StringNode).Text, cmd.Args[0].(*parse.StringNode).Quoted = s, strconv.Quote(s)
				continue
			}
			for _, a := range cmd.Args {
				foldConstants(a, methods)
			}
		}
	}
}

func foldBranch(b *parse.BranchNode, methods map[string]func(string) string) {
	foldConstants(b.Pipe, methods)
	foldConstants(b.List, methods)
	foldConstants(b.ElseList, methods)
}

// foldCall returns the result of cmd when it is a call of a page method of
// methods on . or a variable (the page, in these templates) with one string
// constant argument.
func foldCall(cmd *parse.CommandNode, methods map[string]func(string) string) (string, bool) {
	if len(cmd.Args) != 2 {
		return "", false
	}
	arg, ok := cmd.Args[1].(*parse.StringNode)
	if !ok {
		return "", false
	}
	var method string
	switch f := cmd.Args[0].(type) {
	case *parse.FieldNode: // .T
		if len(f.Ident) == 1 {
			method = f.Ident[0]
		}
	case *parse.VariableNode: // $.T, $p.T
		if len(f.Ident) == 2 {
			method = f.Ident[1]
		}
	}
	fn, ok := methods[method]
	if !ok {
		return "", false
	}
	return fn(arg.Text), true
}

// prose shows a text a person wrote: the HTML stored when it was saved, or,
// for a text saved before HTML was stored, the text rendered now.
func prose(r *markdown.Renderer) func(html, src string) template.HTML {
	return func(html, src string) template.HTML {
		if html != "" || src == "" {
			return template.HTML(html) // #nosec G203 -- rendered and sanitised by app/markdown when saved
		}
		return r.Render(src)
	}
}
