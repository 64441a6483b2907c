package web

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"librecours/assets"
)

// openAPIDoc is assets/openapi.json, decoded generically.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	b, err := assets.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "options": true, "head": true, "trace": true}

// resolve follows a local $ref ("#/components/..."); nil when it dangles.
func resolve(doc map[string]any, ref string) any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var cur any = doc
	for _, seg := range strings.Split(ref[2:], "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[seg]; !ok {
			return nil
		}
	}
	return cur
}

// deref returns v, or what its $ref points at.
func deref(doc map[string]any, v any) any {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		v = resolve(doc, ref)
	}
	return v
}

// lintOpenAPI is the structural part of Redocly's recommended ruleset that
// counts as errors, plus its operation warnings (operationId, 4XX): it
// returns one line per problem.
func lintOpenAPI(doc map[string]any) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	// Every $ref resolves; every nullable schema has a type.
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok && resolve(doc, ref) == nil {
				add("%s: $ref %s does not resolve", at, ref)
			}
			if n, _ := x["nullable"].(bool); n {
				if _, ok := x["type"]; !ok {
					add("%s: nullable without type", at)
				}
			}
			if typ, ok := x["type"].(string); ok && !strings.Contains(at, "/properties/type") && !strings.Contains(at, "/securitySchemes/") {
				switch typ {
				case "object", "array", "string", "integer", "number", "boolean":
				default:
					add("%s: unknown type %q", at, typ)
				}
			}
			for k, c := range x {
				walk(at+"/"+k, c)
			}
		case []any:
			for i, c := range x {
				walk(fmt.Sprintf("%s/%d", at, i), c)
			}
		}
	}
	walk("#", doc)

	schemes, _ := deref(doc, doc["components"]).(map[string]any)["securitySchemes"].(map[string]any)
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		add("no paths")
	}
	ids := map[string]string{}
	reParam := regexp.MustCompile(`\{([^}]+)\}`)
	for path, it := range paths {
		item, _ := it.(map[string]any)
		inPath := map[string]bool{}
		for _, m := range reParam.FindAllStringSubmatch(path, -1) {
			inPath[m[1]] = true
		}
		declared := func(params any) map[string]bool {
			out := map[string]bool{}
			list, _ := params.([]any)
			for _, p := range list {
				pm, _ := deref(doc, p).(map[string]any)
				if pm == nil {
					add("%s: a parameter does not resolve", path)
					continue
				}
				name, _ := pm["name"].(string)
				if pm["in"] == "path" {
					if req, _ := pm["required"].(bool); !req {
						add("%s: path parameter %s is not required", path, name)
					}
					if !inPath[name] {
						add("%s: path parameter %s is not in the path", path, name)
					}
					out[name] = true
				}
			}
			return out
		}
		common := declared(item["parameters"])
		for key, o := range item {
			switch key {
			case "parameters", "summary", "description", "servers":
				continue
			}
			if !httpMethods[key] {
				add("%s: unknown key %q", path, key)
				continue
			}
			op, _ := o.(map[string]any)
			name := strings.ToUpper(key) + " " + path
			id, _ := op["operationId"].(string)
			switch {
			case id == "":
				add("%s: no operationId", name)
			case ids[id] != "":
				add("%s: operationId %s also names %s", name, id, ids[id])
			default:
				ids[id] = name
			}
			own := declared(op["parameters"])
			for p := range inPath {
				if !common[p] && !own[p] {
					add("%s: path parameter {%s} is not declared", name, p)
				}
			}
			responses, _ := op["responses"].(map[string]any)
			ok, client := false, false
			for code, r := range responses {
				if deref(doc, r) == nil {
					add("%s: response %s does not resolve", name, code)
				}
				switch {
				case code[0] == '2' || code[0] == '3':
					ok = true
				case code[0] == '4':
					client = true
				}
			}
			if !ok {
				add("%s: no success response", name)
			}
			if !client {
				add("%s: no 4XX response", name)
			}
			if sec, has := op["security"].([]any); has {
				for _, req := range sec {
					for s := range req.(map[string]any) {
						if _, ok := schemes[s]; !ok {
							add("%s: unknown security scheme %s", name, s)
						}
					}
				}
			}
		}
	}
	sort.Strings(problems)
	return problems
}

// TestOpenAPILint runs the structural checks on assets/openapi.json, and
// shows they catch each defect on a broken copy.
func TestOpenAPILint(t *testing.T) {
	t.Parallel()
	doc := openAPIDoc(t)
	if p := lintOpenAPI(doc); len(p) > 0 {
		t.Fatalf("openapi.json has %d problems:\n%s", len(p), strings.Join(p, "\n"))
	}
	bad := openAPIDoc(t)
	paths := bad["paths"].(map[string]any)
	me := paths["/api/v1/me"].(map[string]any)["get"].(map[string]any)
	delete(me, "operationId")
	for code := range me["responses"].(map[string]any) {
		if code[0] == '4' {
			delete(me["responses"].(map[string]any), code)
		}
	}
	paths["/api/v1/sessions/{id}/report"].(map[string]any)["get"].(map[string]any)["operationId"] = "getSessions"
	paths["/api/v1/extra/{x}"] = map[string]any{"get": map[string]any{"operationId": "extra", "responses": map[string]any{
		"200": map[string]any{"$ref": "#/components/responses/Nope"}, "404": map[string]any{"description": "x"}}}}
	bad["components"].(map[string]any)["schemas"].(map[string]any)["Broken"] = map[string]any{"nullable": true, "allOf": []any{}}
	got := strings.Join(lintOpenAPI(bad), "\n")
	for _, want := range []string{"GET /api/v1/me: no operationId", "GET /api/v1/me: no 4XX response", "operationId getSessions also names",
		"$ref #/components/responses/Nope does not resolve", "GET /api/v1/extra/{x}: path parameter {x} is not declared", "Broken: nullable without type"} {
		if !strings.Contains(got, want) {
			t.Errorf("the lint misses %q in:\n%s", want, got)
		}
	}
}

// TestOpenAPIDescribesServedFiles: besides the /api/ routes
// (TestOpenAPIDescribesEveryRoute), every route that serves a machine or a
// download (feeds, files, keys, badges, health, unsubscribe links) is
// described. HTML pages are not.
func TestOpenAPIDescribesServedFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	doc := openAPIDoc(t)
	paths := doc["paths"].(map[string]any)
	machine := regexp.MustCompile(`^/(api/|calendar/|unsubscribe/|\.well-known/|keys/|issuer$|achievements|badges/|status/|healthz$|readyz$|metrics$)|\.(pdf|jwt|svg|csv)$|/file$`)
	reParam := regexp.MustCompile(`:(\w+)`)
	n := 0
	for _, r := range e.srv.App().GetRoutes(true) {
		p := strings.TrimSuffix(r.Path, "/")
		if r.Method == "HEAD" || !machine.MatchString(p) {
			continue
		}
		n++
		p = reParam.ReplaceAllString(p, "{$1}")
		item, _ := paths[p].(map[string]any)
		if _, ok := item[strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in openapi.json (as %s)", r.Method, r.Path, p)
		}
	}
	if n < 90 {
		t.Errorf("only %d machine routes found", n)
	}
}

// matchSchema checks v against an OpenAPI 3.0 schema: types, required
// properties, properties the schema does not declare (a field the
// description misses), nullable, enum, items, allOf/oneOf/anyOf and $ref.
// It returns one line per mismatch.
func matchSchema(doc map[string]any, schema any, v any, at string) []string {
	return matchSchemaPart(doc, schema, v, at, true)
}

// matchSchemaPart is matchSchema; an allOf part is not strict about the
// properties its siblings declare.
func matchSchemaPart(doc map[string]any, schema any, v any, at string, strict bool) []string {
	s, _ := deref(doc, schema).(map[string]any)
	if s == nil {
		return nil
	}
	if v == nil {
		if n, _ := s["nullable"].(bool); n || s["type"] == nil && s["allOf"] == nil {
			return nil
		}
		return []string{at + ": null, not nullable"}
	}
	var out []string
	for _, sub := range asList(s["allOf"]) {
		out = append(out, matchSchemaPart(doc, sub, v, at, false)...)
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		if alts := asList(s[key]); len(alts) > 0 {
			okOne := false
			for _, sub := range alts {
				if len(matchSchema(doc, sub, v, at)) == 0 {
					okOne = true
				}
			}
			if !okOne {
				out = append(out, at+": matches no "+key)
			}
		}
	}
	if enum := asList(s["enum"]); len(enum) > 0 {
		found := false
		for _, e := range enum {
			if e == v {
				found = true
			}
		}
		if !found {
			out = append(out, fmt.Sprintf("%s: %v not in %v", at, v, enum))
		}
	}
	switch typ, _ := s["type"].(string); typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return append(out, fmt.Sprintf("%s: %T, want an object", at, v))
		}
		for _, r := range asList(s["required"]) {
			if _, has := m[r.(string)]; !has {
				out = append(out, at+": lacks required "+r.(string))
			}
		}
		props := schemaProperties(doc, s)
		for k, pv := range m {
			ps, ok := props[k]
			if !ok {
				if strict && props != nil && s["additionalProperties"] == nil {
					out = append(out, at+"."+k+": not in the schema")
				}
				continue
			}
			out = append(out, matchSchema(doc, ps, pv, at+"."+k)...)
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return append(out, fmt.Sprintf("%s: %T, want an array", at, v))
		}
		for i, it := range a {
			out = append(out, matchSchema(doc, s["items"], it, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			out = append(out, fmt.Sprintf("%s: %T, want a string", at, v))
		}
	case "integer":
		if f, ok := v.(float64); !ok || f != math.Trunc(f) {
			out = append(out, fmt.Sprintf("%s: %v, want an integer", at, v))
		}
	case "number":
		if _, ok := v.(float64); !ok {
			out = append(out, fmt.Sprintf("%s: %T, want a number", at, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			out = append(out, fmt.Sprintf("%s: %T, want a boolean", at, v))
		}
	}
	return out
}

func asList(v any) []any { l, _ := v.([]any); return l }

// schemaProperties are the properties an object schema declares, its allOf
// parts' included; nil when it declares none (a free-form object).
func schemaProperties(doc map[string]any, s map[string]any) map[string]any {
	var out map[string]any
	add := func(m map[string]any) {
		props, _ := m["properties"].(map[string]any)
		for k, v := range props {
			if out == nil {
				out = map[string]any{}
			}
			out[k] = v
		}
	}
	add(s)
	for _, sub := range asList(s["allOf"]) {
		if m, ok := deref(doc, sub).(map[string]any); ok {
			add(m)
		}
	}
	return out
}

// responseSchema is the JSON schema of an operation's response.
func responseSchema(t *testing.T, doc map[string]any, method, path, status string) any {
	t.Helper()
	op, _ := doc["paths"].(map[string]any)[path].(map[string]any)[method].(map[string]any)
	r, _ := deref(doc, op["responses"].(map[string]any)[status]).(map[string]any)
	if r == nil {
		t.Fatalf("%s %s has no %s response", method, path, status)
	}
	content, _ := r["content"].(map[string]any)
	for ct, c := range content {
		if strings.Contains(ct, "json") {
			return c.(map[string]any)["schema"]
		}
	}
	t.Fatalf("%s %s %s has no JSON schema", method, path, status)
	return nil
}

// TestOpenAPIResponsesMatchSchemas compares real answers of the API with
// the schemas openapi.json gives them.
func TestOpenAPIResponsesMatchSchemas(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	if err := f.e.srv.course.Enrol(ctx, f.coord, f.session.ID, f.part.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.e.srv.certs.SetOverride(ctx, f.coord, f.session.ID, f.part.ID, 1, "Jury de test"); err != nil {
		t.Fatal(err)
	}
	closed, err := f.e.srv.certs.Close(ctx, f.coord, f.session.ID)
	if err != nil || len(closed.Issued) != 1 {
		t.Fatalf("close: %+v %v", closed, err)
	}
	code := closed.Issued[0].Code
	coord, part := f.e.token(f.coord), f.e.token(f.part)
	doc := openAPIDoc(t)
	sid := f.session.ID
	for _, tc := range []struct {
		token, path, spec, status string
	}{
		{coord, "/api/v1/sessions", "/api/v1/sessions", "200"},
		{coord, "/api/v1/sessions/" + sid, "/api/v1/sessions/{id}", "200"},
		{part, "/api/v1/me", "/api/v1/me", "200"},
		{part, "/api/v1/me/notifications", "/api/v1/me/notifications", "200"},
		{part, "/api/v1/me/certificates", "/api/v1/me/certificates", "200"},
		{coord, "/api/v1/animators", "/api/v1/animators", "200"},
		{coord, "/api/v1/sessions/" + sid + "/results", "/api/v1/sessions/{id}/results", "200"},
		{"", "/api/v1/certificates/" + code, "/api/v1/certificates/{code}", "200"},
		{coord, "/api/v1/sessions/" + sid + "/report", "/api/v1/sessions/{id}/report", "200"},
		{coord, "/api/v1/sessions/" + sid + "/certificates", "/api/v1/sessions/{id}/certificates", "200"},
		{coord, "/api/v1/sessions/" + sid + "/corrections", "/api/v1/sessions/{id}/corrections", "200"},
		{coord, "/api/v1/sessions/" + sid + "/rules", "/api/v1/sessions/{id}/rules", "200"},
		{coord, "/api/v1/sessions/" + sid + "/webhook", "/api/v1/sessions/{id}/webhook", "200"},
		{coord, "/api/v1/sessions/" + sid + "/parts/1/exercise", "/api/v1/sessions/{id}/parts/{n}/exercise", "200"},
		{coord, "/api/v1/users", "/api/v1/users", "200"},
		{coord, "/api/v1/audit", "/api/v1/audit", "200"},
		{part, "/api/v1/me/reviews?session=" + sid, "/api/v1/me/reviews", "200"},
		{part, "/api/v1/me/availability", "/api/v1/me/availability", "200"},
		{"", "/.well-known/jwks.json", "/.well-known/jwks.json", "200"},
		{"", "/issuer", "/issuer", "200"},
		{"", "/achievements/level-1/en", "/achievements/{level}/{lang}", "200"},
		{coord, "/api/v1/sessions/no-such-session", "/api/v1/sessions/{id}", "404"},
		{"", "/api/v1/me", "/api/v1/me", "401"},
	} {
		t.Run(tc.path+" "+tc.status, func(t *testing.T) {
			res := f.e.api("GET", tc.path, tc.token, nil)
			if fmt.Sprint(res.Status) != tc.status {
				t.Fatalf("%d %s", res.Status, res.Body)
			}
			var v any
			if err := json.Unmarshal(res.Body, &v); err != nil {
				t.Fatal(err)
			}
			if p := matchSchema(doc, responseSchema(t, doc, "get", tc.spec, tc.status), v, "$"); len(p) > 0 {
				t.Errorf("the answer does not match its schema:\n%s\n%s", strings.Join(p, "\n"), res.Body)
			}
		})
	}
	// The check itself fails on a wrong answer.
	wrong := []any{map[string]any{"surprise": true, "user_id": 3.0, "corrections": 1.5, "commitment": "x", "median_delay_hours": nil}}
	p := matchSchema(doc, responseSchema(t, doc, "get", "/api/v1/animators", "200"), wrong, "$")
	sort.Strings(p)
	p = slices.Compact(p)
	if want := []string{"$[0].commitment: string, want an object", "$[0].corrections: 1.5, want an integer", "$[0].surprise: not in the schema", "$[0].user_id: float64, want a string"}; !slices.Equal(p, want) {
		t.Errorf("a wrong answer gives %q, want %q", p, want)
	}
}
