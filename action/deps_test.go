package action

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoServerNoSDK pins the boundary of STYLE.md: package action imports
// no net/http (so no server either) and no SDK; the adapters implement its
// interfaces.
func TestNoServerNoSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"net/http", "github.com/google/go-github", "github.com/slack-go/slack", "github.com/getsentry/sentry-go"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("package action depends on %s", dep)
			}
		}
	}
}

func TestModeNamesAreTheOutputValues(t *testing.T) {
	// DESIGN §2: the mode output is prepare, publish, command or noop.
	got := []string{string(ModePrepare), string(ModePublish), string(ModeCommand), string(ModeNoop)}
	if strings.Join(got, ",") != "prepare,publish,command,noop" {
		t.Errorf("mode names %v", got)
	}
}
