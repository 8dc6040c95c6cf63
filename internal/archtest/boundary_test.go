// Package archtest holds tests of the project's shape: which packages may
// import what (STYLE.md: the core imports no SDK and no net/http).
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

func TestCoreImportsNoAdapters(t *testing.T) {
	core := []string{"../../chatops/...", "../../config/...", "../../internal/yamlstrict/..."}
	if out, err := exec.Command("go", "list", "../../releasenotes").CombinedOutput(); err == nil && len(out) > 0 {
		core = append(core, "../../releasenotes/...")
	}
	args := append([]string{"list", "-deps"}, core...)
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"net/http", "github.com/google/go-github", "github.com/slack-go/slack", "github.com/getsentry/sentry-go", "github.com/bradleyfalzon/ghinstallation"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("the core depends on %s", dep)
			}
		}
	}
}
