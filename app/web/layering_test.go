package web

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// storePackages are the packages that speak to a database: handlers never
// import them, they call services (issue #16).
var storePackages = []string{"librecours/app/store", "librecours/app/sqlstore", "librecours/app/mongostore", "librecours/app/storetest"}

// TestHandlersImportNoStore fails when a file of app/web other than a test
// imports a store package. Tests may: they read the database to check
// what a request left there.
func TestHandlersImportNoStore(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		// A service's store is a store too: s.certs.Store.Rules(...) is
		// as much a bypass as an import.
		for i, line := range strings.Split(string(src), "\n") {
			if code := strings.TrimSpace(line); !strings.HasPrefix(code, "//") && (strings.Contains(code, ".Store.") || strings.Contains(code, ".Stores()")) {
				t.Errorf("%s:%d reaches a store through a service: %s", name, i+1, code)
			}
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, sp := range storePackages {
				if path == sp || strings.HasPrefix(path, sp+"/") {
					t.Errorf("%s imports %s: a handler calls a service, never a store", name, path)
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked %d files: is the test in app/web?", checked)
	}
}
