package web

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
	"text/template/parse"

	"librecours/course"
)

// TestEscapeHTMLIsHTMLTemplates: escapeHTML, which foldEscaped writes in
// place of html/template's escapers of text, quoted attribute values and
// RCDATA, writes what they write, for every message of both languages and
// for strings made of the characters they treat apart.
func TestEscapeHTMLIsHTMLTemplates(t *testing.T) {
	t.Parallel()
	texts, err := LoadTexts()
	if err != nil {
		t.Fatal(err)
	}
	inputs := []string{"", "plain", "a\x00b", `<script>alert("x")</script>`, "l'été & « co » + 1 > 0", "\xff\xfe invalid", "\uFFFD\u202F:", "&amp;"}
	for _, tr := range texts.translators {
		for _, s := range tr.plain {
			inputs = append(inputs, s)
		}
	}
	contexts := map[string]string{
		"text":      `<p>{{.}}</p>`,
		"attribute": `<a title="{{.}}" aria-label='{{.}}'>x</a>`,
		"rcdata":    `<title>{{.}}</title><textarea>{{.}}</textarea>`,
	}
	for name, src := range contexts {
		tmpl := template.Must(template.New(name).Parse(src))
		for _, s := range inputs {
			var got bytes.Buffer
			if err := tmpl.Execute(&got, s); err != nil {
				t.Fatal(err)
			}
			e := escapeHTML(s)
			want := strings.NewReplacer("{{.}}", e).Replace(src)
			if got.String() != want {
				t.Errorf("%s: %q: html/template writes %q, escapeHTML %q", name, s, got.String(), want)
			}
		}
	}
}

// TestPagesFoldTheirConstants: once rendered, a page's set calls no page
// method on a constant any more ({{.T "app.nav.skip"}} is text), in
// either language, and the text is the language's. (That the pages render
// the same as without folding, every test checks: newCheckedServer.)
func TestPagesFoldTheirConstants(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	coord := e.user("coord@example.org", "Camille Coordination", course.RoleCoordinator)
	v := e.srv.app.Config().Views.(*views)
	for lang, skip := range map[string]string{"fr": "Aller au contenu", "en": "Skip to content"} {
		b := e.browser()
		b.lang = lang
		b.login(coord)
		if p := b.get("/dashboard"); p.Status != 200 || !strings.Contains(p.HTML, skip) {
			t.Fatalf("%s: dashboard %d without %q", lang, p.Status, skip)
		}
		set, ok := v.sets.Load(lang + ":pages/dashboard")
		if !ok {
			t.Fatalf("%s: no set made for the dashboard", lang)
		}
		calls, folded := 0, false
		for _, tmpl := range set.(*template.Template).Templates() {
			if tmpl.Tree == nil {
				continue
			}
			walkNodes(tmpl.Tree.Root, func(n parse.Node) {
				switch n := n.(type) {
				case *parse.CommandNode:
					if _, ok := foldCall(n, map[string]func(string) string{"T": strings.ToUpper, "Asset": strings.ToUpper}); ok {
						calls++
					}
				case *parse.TextNode:
					folded = folded || bytes.Contains(n.Text, []byte(skip))
				}
			})
		}
		if calls > 0 || !folded {
			t.Errorf("%s: %d calls on constants left; %q folded into text: %v", lang, calls, skip, folded)
		}
	}
}

// walkNodes calls f on every node under n.
func walkNodes(n parse.Node, f func(parse.Node)) {
	if n == nil {
		return
	}
	f(n)
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walkNodes(c, f)
			}
		}
	case *parse.ActionNode:
		walkNodes(n.Pipe, f)
	case *parse.TemplateNode:
		if n.Pipe != nil {
			walkNodes(n.Pipe, f)
		}
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				walkNodes(c, f)
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walkNodes(a, f)
		}
	case *parse.IfNode:
		walkNodes(n.Pipe, f)
		walkNodes(n.List, f)
		if n.ElseList != nil {
			walkNodes(n.ElseList, f)
		}
	case *parse.RangeNode:
		walkNodes(n.Pipe, f)
		walkNodes(n.List, f)
		if n.ElseList != nil {
			walkNodes(n.ElseList, f)
		}
	case *parse.WithNode:
		walkNodes(n.Pipe, f)
		walkNodes(n.List, f)
		if n.ElseList != nil {
			walkNodes(n.ElseList, f)
		}
	}
}

// TestWarmPagesMakesEverySet: after WarmPages every page has its set in
// both languages, so no request makes one: the first request of a page
// after a start executes a ready set, as the next ones do.
func TestWarmPagesMakesEverySet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	v := e.srv.app.Config().Views.(*views)
	if err := e.srv.WarmPages(); err != nil {
		t.Fatal(err)
	}
	pages, sets := 0, 0
	for name := range v.names {
		if strings.HasPrefix(name, "pages/") {
			pages++
		}
	}
	count := func() int {
		n := 0
		v.sets.Range(func(k, _ any) bool {
			if !strings.HasPrefix(k.(string), "raw:") {
				n++
			}
			return true
		})
		return n
	}
	if sets = count(); pages < 30 || sets != 2*pages {
		t.Fatalf("%d sets made for %d pages, want one per page and language", sets, pages)
	}
	coord := e.user("coord@example.org", "Camille Coordination", course.RoleCoordinator)
	b := e.browser()
	b.login(coord)
	for _, path := range []string{"/dashboard", "/sessions", "/account"} {
		if p := b.get(path); p.Status != 200 {
			t.Fatalf("%s: %d", path, p.Status)
		}
	}
	if got := count(); got != sets {
		t.Fatalf("rendering pages made %d more sets after the warm-up", got-sets)
	}
}
