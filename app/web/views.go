package web

import (
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"
	"sync"

	"librecours/app/markdown"
)

// views renders the embedded templates for fiber (fiber.Views).
//
// Every file is parsed once at start. A page gets its own set, in which the
// layout's {{template "embed" .}} is that page, made from a copy of the
// parsed files the first time the page is rendered; a render then only
// executes a ready set: it takes no lock and changes nothing shared.
// (gofiber/template/html, used before, re-registered a function on the
// shared layout and held one mutex around every render with a layout. Making
// every page's set at start cost each server, and each test, a copy of
// every template per page: half the CPU of the web tests.)
type views struct {
	fsys  fs.FS
	funcs template.FuncMap
	base  *template.Template // every file, by name without ".html"; never executed, only copied
	names map[string]bool    // the names of base's files

	mu   sync.Mutex // held while a set is made
	sets sync.Map   // page name -> its set; "bare:" + name -> a set for a render without layout
}

func newViews(fsys fs.FS, funcs template.FuncMap) *views {
	return &views{fsys: fsys, funcs: funcs}
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

// set returns the set that renders name, inside the layout when layout is
// set, making it the first time.
func (v *views) set(name string, layout bool) (*template.Template, error) {
	key := name
	if !layout {
		key = "bare:" + name
	}
	if t, ok := v.sets.Load(key); ok {
		return t.(*template.Template), nil
	}
	if !v.names[name] || (layout && !strings.HasPrefix(name, "pages/")) {
		return nil, fmt.Errorf("views: no page %s", name)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if t, ok := v.sets.Load(key); ok {
		return t.(*template.Template), nil
	}
	set, err := v.base.Clone() // copies every parse tree: the set is the page's own
	if err != nil {
		return nil, fmt.Errorf("views: %s: %w", name, err)
	}
	if layout {
		if _, err := set.AddParseTree("embed", set.Lookup(name).Tree.Copy()); err != nil {
			return nil, fmt.Errorf("views: %s: %w", name, err)
		}
	}
	v.sets.Store(key, set)
	return set, nil
}

// Render executes the template name, inside layout when one is given.
func (v *views) Render(w io.Writer, name string, binding any, layout ...string) error {
	withLayout := len(layout) > 0 && layout[0] != ""
	set, err := v.set(name, withLayout)
	if err != nil {
		return err
	}
	if !withLayout {
		return set.ExecuteTemplate(w, name, binding)
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
