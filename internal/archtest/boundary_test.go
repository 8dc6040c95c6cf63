// Package archtest holds tests of the project's shape: which packages may
// import what (STYLE.md: the core imports no SDK and no net/http).
package archtest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// corePackages are the packages that decide without asking anyone: the
// command grammar and policy, the flag model, the configuration, the
// release notes, and the audit's model, runner, plan and report. The
// checks that ask outside services live in internal/auditcheck.
var corePackages = []string{
	"../../chatops/...",
	"../../config/...",
	"../../internal/yamlstrict/...",
	"../../releasenotes/...",
	"../../audit/...",
}

// banned are what no core package may depend on, even indirectly: the SDKs
// of the outside systems, HTTP, and running programs (git included: the
// core reads history through an interface an adapter implements).
var banned = []string{
	"net/http",
	"os/exec",
	"github.com/google/go-github",
	"github.com/slack-go/slack",
	"github.com/getsentry/sentry-go",
	"github.com/bradleyfalzon/ghinstallation",
	"github.com/releasebot/releasebot/internal/github",
	"github.com/releasebot/releasebot/internal/sentry",
	"github.com/releasebot/releasebot/internal/slack",
	"github.com/releasebot/releasebot/internal/auditcheck",
}

func TestCoreImportsNoAdapters(t *testing.T) {
	for _, pkg := range corePackages {
		t.Run(strings.TrimPrefix(pkg, "../../"), func(t *testing.T) {
			seen := map[string]bool{}
			graph := imports(t, pkg)
			for _, dep := range deps(t, pkg) {
				if b, ok := isBanned(dep); ok && !seen[b] {
					seen[b] = true
					t.Errorf("%s depends on %s (imported by %s); move the code that needs it to an adapter under internal/",
						strings.TrimPrefix(pkg, "../../"), b, strings.Join(importers(graph, b), ", "))
				}
			}
		})
	}
}

// TestBoundaryCatchesABannedImport keeps the test above honest: an adapter
// is seen through its dependencies, as a core package importing it would be.
func TestBoundaryCatchesABannedImport(t *testing.T) {
	var found []string
	for _, dep := range deps(t, "../../internal/auditcheck") {
		if b, ok := isBanned(dep); ok && !slices.Contains(found, b) {
			found = append(found, b)
		}
	}
	for _, want := range []string{"net/http", "github.com/google/go-github", "github.com/releasebot/releasebot/internal/sentry"} {
		if !slices.Contains(found, want) {
			t.Errorf("internal/auditcheck's dependencies show no %s; the boundary test would miss it (found %v)", want, found)
		}
	}
}

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}

// imports maps each package in pkg's dependencies to what it imports.
func imports(t *testing.T, pkg string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	g := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			g[f[0]] = f[1:]
		}
	}
	return g
}

// importers are the project's packages that import banned (or a package
// under it) themselves: where the fix goes.
func importers(g map[string][]string, banned string) []string {
	var out []string
	for p, imps := range g {
		if !strings.HasPrefix(p, "github.com/releasebot/releasebot/") {
			continue
		}
		for _, imp := range imps {
			if imp == banned || strings.HasPrefix(imp, banned+"/") {
				out = append(out, strings.TrimPrefix(p, "github.com/releasebot/releasebot/"))
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

func isBanned(dep string) (string, bool) {
	for _, b := range banned {
		if dep == b || strings.HasPrefix(dep, b+"/") {
			return b, true
		}
	}
	return "", false
}
