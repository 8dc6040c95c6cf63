package main

import (
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/gittest"
)

// TestLocalModeIsUnrestricted: authorization.slack and authorization.github
// do not apply to the CLI, which trusts whoever can push to the clone, and
// its help says so.
func TestLocalModeIsUnrestricted(t *testing.T) {
	repo := gittest.New(t, map[string]string{
		".release/flags.yaml":    runbookFlags,
		".github/releasebot.yml": renderConfig + "authorization:\n  slack: {users: [U0NOBODY]}\n  github: {min_permission: admin}\n",
	})
	before := repo.Count("main")
	if res := runBin(t, repo, "cmd", "/rollback FF_NAV_FOOTER", "--as", "mallory"); res.code != 0 {
		t.Fatalf("exit %d: %s%s", res.code, res.stdout, res.stderr)
	}
	if repo.Count("main") != before+1 {
		t.Error("the local command did not commit")
	}
	if res := runBin(t, repo, "cmd", "--help"); !strings.Contains(res.stdout, "Local mode is unrestricted: it trusts whoever can push to the clone") {
		t.Errorf("cmd --help does not say local mode is unrestricted:\n%s", res.stdout)
	}
}
