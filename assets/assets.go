// Package assets embeds the templates, static files, locales and API
// description, so the binary needs no files beside it.
package assets

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
)

//go:embed templates locales static openapi.json passwords/common-10k.txt passwords/common-fr.txt
var files embed.FS

// Templates holds layouts/, partials/ and pages/.
var Templates = mustSub("templates")

// Locales holds active.<lang>.toml for go-i18n.
var Locales = mustSub("locales")

// Static holds the CSS, images and fonts served under /static/.
var Static = mustSub("static")

// CommonPasswords returns the 10,000 most common passwords, one a line.
func CommonPasswords() ([]byte, error) { return files.ReadFile("passwords/common-10k.txt") }

// CommonPasswordsFR returns common French passwords and words, one a line.
func CommonPasswordsFR() ([]byte, error) { return files.ReadFile("passwords/common-fr.txt") }

// OpenAPI is the OpenAPI 3 document of the JSON API.
func OpenAPI() ([]byte, error) { return files.ReadFile("openapi.json") }

func mustSub(dir string) fs.FS {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Hashed maps static file names to content-hashed names and back, so that
// static URLs can be cached forever: "app.css" is served as "app.3f2a9c1d.css".
type Hashed struct {
	toHashed map[string]string
	toName   map[string]string
}

// HashStatic hashes every file of Static.
func HashStatic() (*Hashed, error) {
	h := &Hashed{toHashed: map[string]string{}, toName: map[string]string{}}
	err := fs.WalkDir(Static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(Static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		hp := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		h.toHashed[p] = hp
		h.toName[hp] = p
		return nil
	})
	return h, err
}

// URL returns the hashed URL path of a static file, or the plain path if the
// file is unknown.
func (h *Hashed) URL(name string) string {
	if hp, ok := h.toHashed[name]; ok {
		return "/static/" + hp
	}
	return "/static/" + name
}

// Name returns the file behind a hashed name, or false.
func (h *Hashed) Name(hashed string) (string, bool) {
	n, ok := h.toName[hashed]
	return n, ok
}
