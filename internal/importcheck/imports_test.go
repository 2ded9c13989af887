package importcheck

import (
	"bufio"
	"bytes"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/prenota/prenota/"

// adapters talk to one outside thing each (HTTP clients, a database, SMTP,
// an identity provider) and must not import one another: app and cmd/*
// wire them. auth and receipt are not in the list: they are the layers the
// front ends share (the session and identity of a request; a booking's
// documents), as docs/design.md draws them.
var adapters = []string{"api", "web", "backoffice", "saml", "saml/demoidp", "oidc", "notify", "mailbox", "sqlstore"}

// allowed are the adapter imports that remain, each with its reason.
var allowed = map[string]bool{
	"backoffice web":    true, // the back office pages use the portal's layout and its static files
	"backoffice notify": true, // the email templates' editor previews them with the worker's own parser
}

// goList runs go list with args in the module's root and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, stderr.String())
	}
	var lines []string
	for sc := bufio.NewScanner(bytes.NewReader(out)); sc.Scan(); {
		lines = append(lines, sc.Text())
	}
	return lines
}

// nonStandardDeps returns the dependencies of pkg that are not in the standard library.
func nonStandardDeps(t *testing.T, pkg string) []string {
	var out []string
	for _, l := range goList(t, "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "./"+pkg) {
		if l != "" && l != module+pkg {
			out = append(out, strings.TrimPrefix(l, module))
		}
	}
	return out
}

func TestCoreImportsOnlyStandardLibrary(t *testing.T) {
	if ds := nonStandardDeps(t, "booking"); len(ds) > 0 {
		t.Errorf("booking depends on %v: it may import only the standard library", ds)
	}
	for _, pkg := range []string{"account", "places", "internal/httperr"} {
		for _, d := range nonStandardDeps(t, pkg) {
			if d != "booking" {
				t.Errorf("%s depends on %s: it may import only the standard library and booking", pkg, d)
			}
		}
	}
}

func TestStoreImportsNoHTTP(t *testing.T) {
	for _, l := range goList(t, "-deps", "./sqlstore") {
		if l == "net/http" || l == "html/template" {
			t.Errorf("sqlstore depends on %s", l)
		}
	}
	for _, d := range nonStandardDeps(t, "sqlstore") {
		if !strings.Contains(d, ".") && d != "booking" && d != "account" {
			t.Errorf("sqlstore depends on %s: of this module it may import only booking and account", d)
		}
	}
}

func TestAdaptersDoNotImportEachOther(t *testing.T) {
	for _, l := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...") {
		fs := strings.Fields(l)
		from := strings.TrimPrefix(fs[0], module)
		if !slices.Contains(adapters, from) {
			continue
		}
		for _, imp := range fs[1:] {
			to, ok := strings.CutPrefix(imp, module)
			if ok && slices.Contains(adapters, to) && !allowed[from+" "+to] {
				t.Errorf("%s imports %s: adapters do not import each other (app wires them)", from, to)
			}
		}
	}
	// The list names packages that exist.
	pkgs := goList(t, "./...")
	for _, a := range adapters {
		if !slices.Contains(pkgs, module+a) {
			t.Errorf("adapter %s: no such package", a)
		}
	}
}
