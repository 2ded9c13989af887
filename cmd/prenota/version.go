package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/prenota/prenota/sqlstore"
)

// version is set at build time (go build -ldflags "-X main.version=1.2.0");
// otherwise the module version or the VCS revision stands for it.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}

// runVersion runs "prenota version": the binary's version and the newest
// database schema it knows.
func runVersion(_ context.Context, _ []string, _ func(string) string, out io.Writer) error {
	fmt.Fprintf(out, "prenota %s (database schema %d)\n", buildVersion(), sqlstore.SchemaVersion())
	return nil
}
