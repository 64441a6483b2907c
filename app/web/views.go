package web

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"

	"librecours/app/markdown"
)

// views renders the embedded templates for fiber (fiber.Views).
//
// Every file is parsed once at start; each page then gets its own set in
// which the layout's {{template "embed" .}} is that page. A render only
// executes a ready set: it takes no lock and changes nothing shared.
// gofiber/template/html, used before, re-registered a function on the shared
// layout and held one mutex around every render with a layout, so pages were
// rendered one at a time (a CPU profile of the correction queue spent half of
// each request there).
type views struct {
	fsys  fs.FS
	funcs template.FuncMap
	all   *template.Template            // every file, by name without ".html"
	pages map[string]*template.Template // page name -> its set, layout included
}

func newViews(fsys fs.FS, funcs template.FuncMap) *views {
	return &views{fsys: fsys, funcs: funcs}
}

// Load parses every template (fiber calls it once, at New).
func (v *views) Load() error {
	all := template.New("").Funcs(v.funcs)
	var names []string
	err := fs.WalkDir(v.fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		b, err := fs.ReadFile(v.fsys, path)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(path, ".html")
		if _, err := all.New(name).Parse(string(b)); err != nil {
			return fmt.Errorf("views: %s: %w", path, err)
		}
		names = append(names, name)
		return nil
	})
	if err != nil {
		return err
	}
	pages := make(map[string]*template.Template, len(names))
	for _, name := range names {
		if !strings.HasPrefix(name, "pages/") {
			continue
		}
		set, err := all.Clone()
		if err != nil {
			return fmt.Errorf("views: %s: %w", name, err)
		}
		if _, err := set.AddParseTree("embed", all.Lookup(name).Tree); err != nil {
			return fmt.Errorf("views: %s: %w", name, err)
		}
		pages[name] = set
	}
	v.all, v.pages = all, pages
	return nil
}

// Render executes the template name, inside layout when one is given.
func (v *views) Render(w io.Writer, name string, binding any, layout ...string) error {
	if len(layout) == 0 || layout[0] == "" {
		t := v.all.Lookup(name)
		if t == nil {
			return fmt.Errorf("views: no template %s", name)
		}
		return t.Execute(w, binding)
	}
	set, ok := v.pages[name]
	if !ok {
		return fmt.Errorf("views: no page %s", name)
	}
	return set.ExecuteTemplate(w, layout[0], binding)
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
