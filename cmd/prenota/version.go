package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/prenota/prenota/sqlstore"
)

// version is set at build time (go build -ldflags "-X main.version=1.2.0",
// as make build does); otherwise the VCS revision stands for it.
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
// database schema it knows, then the schema of the database of
// --database-url when there is one (read only: nothing is migrated), so
// that an upgrade can be planned.
func runVersion(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	f := newFlags(getenv, out)
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(out, "prenota %s (database schema %d)\n", buildVersion(), sqlstore.SchemaVersion())
	url := f.cfg.DatabaseURL
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		if _, err := os.Stat(path); err != nil {
			return nil // no database yet
		}
	}
	v, err := sqlstore.DatabaseSchema(ctx, url)
	if err != nil {
		return fmt.Errorf("database schema: %w", err)
	}
	fmt.Fprintf(out, "database: schema %d\n", v)
	return nil
}
