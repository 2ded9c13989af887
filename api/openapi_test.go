package api

import (
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var methods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// documentRoutes returns "METHOD /path" for every operation of doc.
func documentRoutes(t *testing.T, doc map[string]any) []string {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("document without paths")
	}
	var out []string
	for p, v := range paths {
		item := v.(map[string]any)
		for _, m := range methods {
			if _, ok := item[m]; ok {
				out = append(out, strings.ToUpper(m)+" "+p)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestOpenAPI(t *testing.T) {
	for _, demo := range []bool{true, false} {
		name := map[bool]string{true: "demo", false: "no demo"}[demo]
		t.Run(name, func(t *testing.T) {
			a := newAPI(Config{Demo: demo})
			w := httptest.NewRecorder()
			a.mux.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
			if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
				t.Fatalf("GET openapi.json: %d %s", w.Code, w.Header().Get("Content-Type"))
			}
			var doc map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
				t.Fatalf("the document is not valid JSON: %v", err)
			}
			if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
				t.Fatalf("openapi version %q", v)
			}

			// The routes of the mux and the operations of the document are
			// the same set.
			var served []string
			for _, rt := range a.routes() {
				served = append(served, rt.method+" "+rt.path)
			}
			slices.Sort(served)
			documented := documentRoutes(t, doc)
			for _, r := range served {
				if !slices.Contains(documented, r) {
					t.Errorf("served but not documented: %s", r)
				}
			}
			for _, r := range documented {
				if !slices.Contains(served, r) {
					t.Errorf("documented but not served: %s", r)
				}
				// and the mux routes it to that operation, not to a fallback
				method, path, _ := strings.Cut(r, " ")
				req := httptest.NewRequest(method, strings.ReplaceAll(path, "{id}", "1"), nil)
				if _, pattern := a.mux.Handler(req); pattern != r {
					t.Errorf("%s is routed to %q", r, pattern)
				}
			}
			if _, ok := doc["paths"].(map[string]any)[demoPath]; ok != demo {
				t.Errorf("demo login documented: %v, demo mode: %v", ok, demo)
			}
		})
	}
}

// TestOpenAPIDocument checks the document itself: references resolve, every
// operation has an id and answers, every error answer is problem+json.
func TestOpenAPIDocument(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIJSON, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	refs := regexp.MustCompile(`"\$ref":\s*"#/([^"]+)"`).FindAllStringSubmatch(string(openAPIJSON), -1)
	if len(refs) == 0 {
		t.Fatal("no references")
	}
	for _, m := range refs {
		var node any = doc
		for _, part := range strings.Split(m[1], "/") {
			obj, ok := node.(map[string]any)
			if !ok || obj[part] == nil {
				t.Errorf("unresolved $ref #/%s", m[1])
				break
			}
			node = obj[part]
		}
	}
	responses := doc["components"].(map[string]any)["responses"].(map[string]any)
	ids := map[string]bool{}
	for p, v := range doc["paths"].(map[string]any) {
		for _, m := range methods {
			op, ok := v.(map[string]any)[m].(map[string]any)
			if !ok {
				continue
			}
			id, _ := op["operationId"].(string)
			if id == "" || ids[id] {
				t.Errorf("%s %s: missing or repeated operationId %q", m, p, id)
			}
			ids[id] = true
			rs, _ := op["responses"].(map[string]any)
			if len(rs) == 0 {
				t.Errorf("%s %s: no responses", m, p)
			}
			for status, r := range rs {
				if status[0] != '4' && status[0] != '5' {
					continue
				}
				ref, _ := r.(map[string]any)["$ref"].(string)
				name := strings.TrimPrefix(ref, "#/components/responses/")
				content, _ := responses[name].(map[string]any)["content"].(map[string]any)
				if _, ok := content["application/problem+json"]; !ok {
					t.Errorf("%s %s: %s is not problem+json", m, p, status)
				}
			}
		}
	}
	schemes := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)
	if schemes["cookieAuth"] == nil || schemes["bearerAuth"] == nil {
		t.Error("security schemes: want cookieAuth and bearerAuth")
	}
}
