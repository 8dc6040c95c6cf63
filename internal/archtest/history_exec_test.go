package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestReleaseNotesRunsNoGit: the history model runs no process; the git
// CLI is internal/gitcli's, read through the internal/githistory adapter.
func TestReleaseNotesRunsNoGit(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../../releasenotes/...", "../../internal/prepare/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "os/exec" || strings.HasSuffix(dep, "/internal/gitcli") || strings.HasSuffix(dep, "/internal/githistory") {
			t.Errorf("releasenotes or the prepare pipeline depends on %s", dep)
		}
	}
}
