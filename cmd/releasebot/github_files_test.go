package main

import (
	"github.com/releasebot/releasebot/internal/gittest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pushOdd commits on main of the fixture's bare repository what edit does to
// a clone (links and submodules, which the emulator's own commits cannot
// write) and returns the new tip.
func (f *ghFixture) pushOdd(t *testing.T, edit func(dir string, git func(...string) string)) string {
	t.Helper()
	return gittest.Push(t, f.bare, "chore: odd file", edit)
}

func relink(t *testing.T, target, name string) {
	t.Helper()
	if err := os.RemoveAll(name); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}

// oddFiles turn the file at rel into something releasebot must not read;
// want is in the refusal.
func oddFiles(rel string) []struct {
	name string
	edit func(t *testing.T, dir string, git func(...string) string)
	want string
} {
	return []struct {
		name string
		edit func(t *testing.T, dir string, git func(...string) string)
		want string
	}{
		{"link to a file in the repository", func(t *testing.T, dir string, _ func(...string) string) {
			writeFile(t, filepath.Join(dir, "secrets/token.yaml"), "token: ghp_LEAKED_0123456789\n")
			relink(t, "../secrets/token.yaml", filepath.Join(dir, rel))
		}, "is a symbolic link"},
		{"link out of the repository", func(t *testing.T, dir string, _ func(...string) string) {
			relink(t, "/etc/passwd", filepath.Join(dir, rel))
		}, "is a symbolic link"},
		{"directory", func(t *testing.T, dir string, _ func(...string) string) {
			if err := os.RemoveAll(filepath.Join(dir, rel)); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, rel, "inner.yaml"), "token: ghp_LEAKED_0123456789\n")
		}, "is a directory, not a file"},
		{"submodule", func(t *testing.T, dir string, git func(...string) string) {
			if err := os.RemoveAll(filepath.Join(dir, rel)); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dir, rel), 0o755); err != nil {
				t.Fatal(err)
			}
			git("add", "-A")
			git("update-index", "--add", "--cacheinfo", "160000,"+git("rev-parse", "HEAD")+","+rel)
		}, "is a submodule, not a file"},
		{"5 MiB", func(t *testing.T, dir string, _ func(...string) string) {
			writeFile(t, filepath.Join(dir, rel), runbookFlags+"# "+strings.Repeat("x", 5<<20)+"\n")
		}, "over releasebot's limit of 4 MiB"},
	}
}

// TestGitHubFlagFileThatIsNotAFile: `cmd --github` on a flag file committed
// as a link (followed by GitHub or not), a directory, a submodule or over
// the size limit answers one sentence naming the flag file, exits 2 (bad
// input), shows nothing of a link's target, and commits nothing.
func TestGitHubFlagFileThatIsNotAFile(t *testing.T) {
	for _, c := range oddFiles(".release/flags.yaml") {
		t.Run(c.name, func(t *testing.T) {
			f := newGitHubFixture(t, map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": renderConfig})
			tip := f.pushOdd(t, func(dir string, git func(...string) string) { c.edit(t, dir, git) })
			for _, cmd := range []string{"/canary 10", "/ab_status", "/rollback"} {
				res := runBin(t, f.env, "cmd", "--github", "acme/web", cmd, "--as", "ann", "--request-id", "odd-1")
				out := strings.TrimSpace(res.stdout + res.stderr)
				if res.code != 2 {
					t.Errorf("%s: exit %d, want 2: %q", cmd, res.code, out)
				}
				if strings.Count(out, "\n") != 0 || !strings.Contains(out, ".release/flags.yaml") || !strings.Contains(out, c.want) {
					t.Errorf("%s: %q, want one line naming the flag file and %q", cmd, out, c.want)
				}
				if strings.Contains(out, "LEAKED") || strings.Contains(out, "root:") || strings.Contains(out, "internal error") {
					t.Errorf("%s: %q shows what it must not", cmd, out)
				}
				if got := f.git(t, "rev-parse", "main"); got != tip {
					t.Errorf("%s: main moved to %s from %s", cmd, got, tip)
				}
			}
			if n := f.git(t, "rev-list", "--all", "--count"); n != "2" {
				t.Errorf("%s commits in the repository, want 2", n)
			}
		})
	}
}

// TestGitHubConfigurationThatIsNotAFile: the configuration read through the
// API follows the same rule; the repository is at fault, so the exit is 2.
func TestGitHubConfigurationThatIsNotAFile(t *testing.T) {
	for _, c := range oddFiles(".github/releasebot.yml") {
		t.Run(c.name, func(t *testing.T) {
			f := newGitHubFixture(t, map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": renderConfig})
			tip := f.pushOdd(t, func(dir string, git func(...string) string) { c.edit(t, dir, git) })
			res := runBin(t, f.env, "cmd", "--github", "acme/web", "/canary 10", "--as", "ann", "--request-id", "odd-2")
			out := strings.TrimSpace(res.stdout + res.stderr)
			if res.code != 2 {
				t.Errorf("exit %d, want 2: %q", res.code, out)
			}
			if strings.Count(out, "\n") != 0 || !strings.Contains(out, ".github/releasebot.yml") || !strings.Contains(out, c.want) ||
				strings.Contains(out, "LEAKED") || strings.Contains(out, "root:") {
				t.Errorf("%q, want one line naming the configuration and %q", out, c.want)
			}
			if got := f.git(t, "rev-parse", "main"); got != tip {
				t.Errorf("main moved to %s from %s", got, tip)
			}
		})
	}
}
