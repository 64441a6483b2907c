package certificates

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The official artefacts in testdata/standards (see its README.md): the
// JSON-LD contexts of Verifiable Credentials 2.0, Open Badges 3.0.3 and the
// Bitstring Status List, and the status list vocabulary. The documents the
// platform publishes are checked against them here, offline.

// standardContexts maps each context URL to its vendored copy.
var standardContexts = map[string]string{
	ContextCredentialsV2:                          "w3c-vc-data-model/credentials-v2.jsonld",
	ContextOpenBadgesV3:                           "1edtech-ob-v3p0/context-3.0.3.json",
	"https://www.w3.org/ns/credentials/status/v1": "w3c-vc-bitstring-status-list/context-v1.jsonld",
}

// undefinedButRequired are types Open Badges 3.0 requires although no
// context defines them: credentialSchema's type is
// "1EdTechJsonSchemaValidator2019" in every example of the specification,
// and neither the VC 2.0 nor the OB 3.0.3 context has that term.
var undefinedButRequired = map[string]bool{SchemaValidatorType: true}

// termDef is a JSON-LD term definition, as far as this check needs it.
type termDef struct {
	id        string // the IRI, or a keyword such as "@id"
	scoped    any    // the term's own @context, if any
	protected bool
	raw       any
}

type ldContext map[string]termDef

// ldChecker checks that a JSON-LD document uses only terms its contexts
// define (JSON-LD 1.1 term definitions with @protected, type-scoped
// contexts that do not propagate and property-scoped ones that do): a
// processor drops an undefined term, so a verifier would not see it.
type ldChecker struct {
	t      *testing.T
	docs   map[string]any
	errors []string
}

func newLDChecker(t *testing.T) *ldChecker {
	t.Helper()
	c := &ldChecker{t: t, docs: map[string]any{}}
	for url, file := range standardContexts {
		data, err := os.ReadFile(filepath.Join("testdata", "standards", file))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		c.docs[url] = doc["@context"]
	}
	return c
}

func (c *ldChecker) fail(format string, args ...any) {
	c.errors = append(c.errors, fmt.Sprintf(format, args...))
}

// process applies a local context to active, as JSON-LD context processing
// does: URLs are loaded from the vendored files only.
func (c *ldChecker) process(active ldContext, local any, path string) ldContext {
	out := make(ldContext, len(active))
	for k, v := range active {
		out[k] = v
	}
	switch l := local.(type) {
	case nil:
	case string:
		doc, ok := c.docs[l]
		if !ok {
			c.fail("%s: context %s is not vendored", path, l)
			return out
		}
		return c.process(out, doc, path)
	case []any:
		for _, e := range l {
			out = c.process(out, e, path)
		}
	case map[string]any:
		protected, _ := l["@protected"].(bool)
		keys := make([]string, 0, len(l))
		for k := range l {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.HasPrefix(k, "@") {
				continue
			}
			v := l[k]
			if iri, ok := v.(string); ok {
				v = map[string]any{"@id": iri} // the same definition, expanded
			}
			def := termDef{protected: protected, raw: v}
			switch d := v.(type) {
			case string:
				def.id = d
			case map[string]any:
				def.id, _ = d["@id"].(string)
				def.scoped = d["@context"]
				if p, ok := d["@protected"].(bool); ok {
					def.protected = p
				}
			}
			if old, ok := out[k]; ok && old.protected && !reflect.DeepEqual(old.raw, v) {
				c.fail("%s: protected term %q redefined", path, k)
				continue
			}
			out[k] = def
		}
	default:
		c.fail("%s: context of type %T", path, local)
	}
	return out
}

func defined(ctx ldContext, term string) bool {
	d, ok := ctx[term]
	return ok && d.id != "" || strings.Contains(term, ":")
}

// node checks one node object under the active context.
func (c *ldChecker) node(active ldContext, n map[string]any, path string) {
	if local, ok := n["@context"]; ok {
		active = c.process(active, local, path)
	}
	previous := active // nested nodes do not see the type-scoped contexts
	scoped := active
	var types []string
	for k, v := range n {
		if active[k].id != "@type" {
			continue
		}
		switch tv := v.(type) {
		case string:
			types = append(types, tv)
		case []any:
			for _, e := range tv {
				s, _ := e.(string)
				types = append(types, s)
			}
		}
	}
	sort.Strings(types)
	for _, ty := range types {
		if !defined(active, ty) {
			if !undefinedButRequired[ty] {
				c.fail("%s: type %q is not defined", path, ty)
			}
			continue
		}
		if s := active[ty].scoped; s != nil {
			scoped = c.process(scoped, s, path+"<"+ty+">")
		}
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "@") {
			continue
		}
		p := path + "." + k
		if !defined(scoped, k) {
			c.fail("%s: term not defined by the contexts", p)
			continue
		}
		def := scoped[k]
		if def.id == "@id" || def.id == "@type" {
			continue
		}
		child := previous
		if def.scoped != nil {
			child = c.process(child, def.scoped, p)
		}
		c.value(child, n[k], p)
	}
}

func (c *ldChecker) value(active ldContext, v any, path string) {
	switch tv := v.(type) {
	case map[string]any:
		c.node(active, tv, path)
	case []any:
		for i, e := range tv {
			c.value(active, e, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// check returns the problems of doc, a JSON document.
func (c *ldChecker) check(doc any) []string {
	c.errors = nil
	var v any
	data, err := json.Marshal(doc)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := json.Unmarshal(data, &v); err != nil {
		c.t.Fatal(err)
	}
	c.value(ldContext{}, v, "$")
	return c.errors
}

// fullCredential is a badge with every field the platform fills.
func fullCredential(t *testing.T) Credential {
	t.Helper()
	in := testBadgeInput()
	in.ValidUntil = issuedAt.Add(24 * time.Hour)
	cred, err := BuildCredential(in)
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func TestDocumentsUseDefinedTerms(t *testing.T) {
	c := newLDChecker(t)
	list, err := BuildStatusList("https://librecours.example.org", []int{3}, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	cred := fullCredential(t)
	contexts := []string{ContextCredentialsV2, ContextOpenBadgesV3}
	docs := map[string]any{
		"credential":  cred,
		"status list": list,
		"issuer profile": struct {
			Context []string `json:"@context"`
			Profile
		}{contexts, Profile{ID: "https://librecours.example.org/issuer", Type: []string{"Profile"}, Name: "Picasoft",
			URL: "https://librecours.example.org", Description: "Délivre les certificats."}},
		"achievement": struct {
			Context []string `json:"@context"`
			Achievement
		}{contexts, cred.CredentialSubject.Achievement},
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			if errs := c.check(doc); len(errs) > 0 {
				t.Errorf("terms the contexts do not define:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

// TestLDCheckerFails shows the check is not vacuous: it finds an undefined
// term, one defined only for another type, and a protected term redefined.
func TestLDCheckerFails(t *testing.T) {
	c := newLDChecker(t)
	doc := func(mutate func(m map[string]any)) any {
		var m map[string]any
		data, _ := json.Marshal(fullCredential(t))
		_ = json.Unmarshal(data, &m)
		mutate(m)
		return m
	}
	subject := func(m map[string]any) map[string]any { return m["credentialSubject"].(map[string]any) }
	tests := map[string]struct {
		doc  any
		want string
	}{
		"undefined term": {doc(func(m map[string]any) {
			subject(m)["achievement"].(map[string]any)["workloadHours"] = 25
		}), "$.credentialSubject.achievement.workloadHours: term not defined"},
		"term of another type": {doc(func(m map[string]any) { m["licenseNumber"] = "x" }), "$.licenseNumber: term not defined"},
		"type not defined":     {doc(func(m map[string]any) { subject(m)["type"] = []any{"Learner"} }), `type "Learner" is not defined`},
		"protected redefined": {doc(func(m map[string]any) {
			m["@context"] = []any{ContextCredentialsV2, ContextOpenBadgesV3, map[string]any{"name": "https://example.org/name"}}
		}), `protected term "name" redefined`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			errs := strings.Join(c.check(tt.doc), "\n")
			if !strings.Contains(errs, tt.want) {
				t.Errorf("problems %q, want one containing %q", errs, tt.want)
			}
		})
	}
}

// statusVocabulary reads the classes and properties of the status list
// vocabulary (vocabulary.yml): property -> the classes of its domain.
func statusVocabulary(t *testing.T) (ns string, classes map[string]bool, domains map[string][]string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "standards", "w3c-vc-bitstring-status-list", "vocabulary.yml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	classes, domains = map[string]bool{}, map[string][]string{}
	var section, id string
	inDomain := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case line != "" && !strings.HasPrefix(line, " "):
			section = strings.TrimSuffix(line, ":")
		case strings.HasPrefix(trimmed, "- id: "):
			id, inDomain = strings.TrimPrefix(trimmed, "- id: "), false
			if section == "class" {
				classes[id] = true
			}
		case section == "vocab" && strings.HasPrefix(trimmed, "value: ") && id == "cs":
			ns = strings.TrimPrefix(trimmed, "value: ")
		case section == "property" && strings.HasPrefix(trimmed, "domain:"):
			if d := strings.TrimSpace(strings.TrimPrefix(trimmed, "domain:")); d != "" {
				domains[id] = append(domains[id], strings.TrimPrefix(d, "cs:"))
			} else {
				inDomain = true
			}
		case inDomain && strings.HasPrefix(trimmed, "- cs:"):
			domains[id] = append(domains[id], strings.TrimPrefix(trimmed, "- cs:"))
		case strings.Contains(trimmed, ":") && !strings.HasPrefix(trimmed, "-"):
			inDomain = false
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ns, classes, domains
}

// TestStatusVocabulary checks the badge's status entry and the status list
// against the Bitstring Status List vocabulary: each type is one of its
// classes, each property one of its properties whose domain holds that
// class, and the VC 2.0 context maps each term to the vocabulary's IRI.
func TestStatusVocabulary(t *testing.T) {
	ns, classes, domains := statusVocabulary(t)
	if ns != "https://www.w3.org/ns/credentials/status#" || !classes[TypeStatusList] || len(domains["statusListIndex"]) == 0 {
		t.Fatalf("vocabulary read wrong: ns %q, classes %v, domains %v", ns, classes, domains)
	}
	c := newLDChecker(t)
	v2 := c.process(ldContext{}, ContextCredentialsV2, "v2")
	list, err := BuildStatusList("https://librecours.example.org", nil, issuedAt)
	if err != nil {
		t.Fatal(err)
	}
	nodes := map[string]any{
		TypeStatusListEntry: fullCredential(t).CredentialStatus,
		TypeStatusList:      list.CredentialSubject,
	}
	for class, node := range nodes {
		if !classes[class] || v2[class].id != ns+class {
			t.Errorf("type %s: class %v, IRI %q", class, classes[class], v2[class].id)
		}
		scoped := c.process(v2, v2[class].scoped, class)
		var m map[string]any
		data, _ := json.Marshal(node)
		_ = json.Unmarshal(data, &m)
		var used []string
		for k := range m {
			if k == "id" || k == "type" {
				continue
			}
			used = append(used, k)
			if !slices.Contains(domains[k], class) {
				t.Errorf("%s.%s: the vocabulary's domain of %s is %v", class, k, k, domains[k])
			}
			if got := scoped[k].id; got != ns+k {
				t.Errorf("%s.%s expands to %q, want %q", class, k, got, ns+k)
			}
		}
		sort.Strings(used)
		want := map[string][]string{
			TypeStatusListEntry: {"statusListCredential", "statusListIndex", "statusPurpose"},
			TypeStatusList:      {"encodedList", "statusPurpose"},
		}[class]
		if diff := cmp.Diff(want, used); diff != "" {
			t.Errorf("%s properties (-want +got):\n%s", class, diff)
		}
	}
	// The list credential's own type is the vocabulary's.
	if !classes[TypeStatusListCredential] || v2[TypeStatusListCredential].id != ns+TypeStatusListCredential {
		t.Errorf("%s is not the vocabulary's class", TypeStatusListCredential)
	}
}
