package main

import (
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/gittest"
)

// TestOversizedFlagFileIsRefused commits a flag file over the 4 MiB limit:
// every command refuses with the file's size and the limit, at once and
// without echoing the file, and changes nothing.
func TestOversizedFlagFileIsRefused(t *testing.T) {
	var b strings.Builder
	b.WriteString(runbookFlags)
	for b.Len() < 5<<20 {
		b.WriteString("      # padding, as a generated file might carry 0123456789abcdef\n")
	}
	big := b.String()[:5<<20]
	repo := gittest.New(t, map[string]string{".release/flags.yaml": big, ".github/releasebot.yml": renderConfig})
	head := repo.Git("rev-parse", "main")
	for _, c := range []string{"/canary 10", "/rollback", "/toggle FF_NAV_FOOTER on", "/ab_status"} {
		r := runBin(t, repo, "cmd", c)
		if r.code != exitBadUse || !strings.Contains(r.stderr, "the flag file .release/flags.yaml at ") || !strings.Contains(r.stderr, " is 5 MiB, over releasebot's limit of 4 MiB; releasebot will not change it: make it smaller") {
			t.Errorf("%s: exit %d, stderr %q", c, r.code, r.stderr)
		}
		if strings.Count(r.stderr, "\n") != 1 || strings.Contains(r.stderr, "padding") || r.stdout != "" {
			t.Errorf("%s: not one line, or the file echoed: stdout %q, stderr %q", c, r.stdout, r.stderr)
		}
	}
	if repo.Git("rev-parse", "main") != head {
		t.Error("the flag branch moved")
	}
	if st := repo.Git("status", "--porcelain"); st != "" {
		t.Errorf("the work tree or index changed:\n%s", st)
	}
}
