package api

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// openAPIJSON is the hand-written OpenAPI 3.1 document of the API.
//
//go:embed openapi.json
var openAPIJSON []byte

// demoPath is left out of the document when demo mode is off.
const demoPath = "/api/v1/demo/login"

// openAPIDocument returns the document to serve: without the demo login
// unless demo is set. It panics if the embedded document is not valid JSON
// (the tests check it is).
func openAPIDocument(demo bool) []byte {
	if demo {
		return openAPIJSON
	}
	var doc map[string]any
	if err := json.Unmarshal(openAPIJSON, &doc); err != nil {
		panic("api: openapi.json: " + err.Error())
	}
	if paths, ok := doc["paths"].(map[string]any); ok {
		delete(paths, demoPath)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic("api: openapi.json: " + err.Error())
	}
	return b
}

// openAPI answers GET /api/v1/openapi.json.
func (a *api) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(a.openapi)
	return nil
}
