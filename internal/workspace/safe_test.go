package workspace

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/gitcli"
	"github.com/releasebot/releasebot/internal/gittest"
)

// otherUID owns the workspace in the ownership test, as the runner's user
// owns GITHUB_WORKSPACE in the container.
const otherUID = 12345

// foreignCheckout is a shallow checkout git sees as another user's: for
// real when the test runs as root (the clone is handed to otherUID), else
// simulated with git's GIT_TEST_ASSUME_DIFFERENT_OWNER. It returns the
// directory, the hermetic variables and whether the owner is real.
func foreignCheckout(t *testing.T, o *origin) (string, []string, bool) {
	t.Helper()
	dir := o.clone(t, "--depth", "1", "--no-tags")
	vars := slices.Clone(o.vars)
	if os.Geteuid() != 0 || os.Getenv("SUDO_UID") == "12345" {
		t.Log("not root: simulating another owner with GIT_TEST_ASSUME_DIFFERENT_OWNER=1")
		return dir, append(vars, "GIT_TEST_ASSUME_DIFFERENT_OWNER=1"), false
	}
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, otherUID, otherUID)
	})
	if err != nil {
		t.Fatal(err)
	}
	// The temporary directories above must not stop git: they are root's.
	return dir, vars, true
}

// TestDubiousOwnership: git refuses a workspace another user owns, and
// the checkout's environment makes it accept it for releasebot's own
// calls, through a symbolic link too, without writing any config.
func TestDubiousOwnership(t *testing.T) {
	t.Parallel()
	o := newOrigin(t)
	dir, vars, real := foreignCheckout(t, o)
	t.Logf("owner is real: %v", real)
	ctx := context.Background()

	// Without the safe.directory variables git refuses: the premise.
	_, err := gitcli.Runner{Dir: dir, Env: vars}.Output(ctx, "rev-parse", "HEAD")
	if !gitcli.IsDubiousOwnership(err) {
		t.Fatalf("git without SafeEnv: %v; want a dubious-ownership refusal", err)
	}

	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	// Config files before: nothing may be written to them.
	global := filepath.Join(strings.TrimPrefix(vars[0], "HOME="), ".gitconfig")
	localBefore, _ := os.ReadFile(filepath.Join(dir, ".git", "config"))

	for name, d := range map[string]string{"the directory": dir, "a link to it": link} {
		c := Open(d, vars)
		if out, err := c.Runner().Output(ctx, "rev-parse", "HEAD"); err != nil || len(out) != 40 {
			t.Errorf("%s: rev-parse HEAD = %q, %v", name, out, err)
		}
	}
	c := Open(link, vars)
	var logged []string
	if err := c.Prepare(ctx, func(s string) { logged = append(logged, s) }); err != nil {
		t.Fatalf("Prepare on a foreign workspace: %v", err)
	}
	if len(logged) != 1 || logged[0] != LogShallow {
		t.Errorf("log %q", logged)
	}
	if n, err := c.Runner().Output(ctx, "rev-list", "--count", "HEAD"); err != nil || n != "5" {
		t.Errorf("after Prepare: %s commits, %v", n, err)
	}
	if _, err := os.Stat(global); !os.IsNotExist(err) {
		t.Errorf("the global config was written (%v)", err)
	}
	localAfter, _ := os.ReadFile(filepath.Join(dir, ".git", "config"))
	if strings.Contains(string(localAfter), "safe") || strings.Count(string(localAfter), "\n") != strings.Count(string(localBefore), "\n") {
		t.Errorf("the local config changed:\n%s\n→\n%s", localBefore, localAfter)
	}
}

// TestSafeEnvKeepsOtherConfig: entries of git's environment configuration
// the caller set stay in force; ours are numbered after them.
func TestSafeEnvKeepsOtherConfig(t *testing.T) {
	t.Parallel()
	r := gittest.New(t, map[string]string{"a.txt": "a\n"})
	env := append(slices.Clone(r.Vars), "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=releasebot.test", "GIT_CONFIG_VALUE_0=kept")
	got := SafeEnv(r.Dir+"/", env)
	if want := []string{"GIT_CONFIG_KEY_1=safe.directory", "GIT_CONFIG_VALUE_1=" + r.Dir, "GIT_CONFIG_COUNT=2"}; !slices.Equal(got, want) {
		// r.Dir may itself lie under a link (a temporary directory).
		if len(got) < 3 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("SafeEnv = %q, want %q first", got, want)
		}
	}
	run := gitcli.Runner{Dir: r.Dir, Env: append(env, got...)}
	ctx := context.Background()
	if v, err := run.Output(ctx, "config", "releasebot.test"); err != nil || v != "kept" {
		t.Errorf("the caller's entry: %q, %v", v, err)
	}
	if v, err := run.Output(ctx, "config", "--get-all", "safe.directory"); err != nil || !strings.HasPrefix(v, r.Dir) {
		t.Errorf("safe.directory: %q, %v", v, err)
	}
	if v, err := run.Output(ctx, "config", "--show-scope", "--get-all", "safe.directory"); err != nil || !strings.HasPrefix(v, "command") {
		t.Errorf("safe.directory's scope: %q, %v", v, err)
	}
}
