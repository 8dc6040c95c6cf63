package releasenotes_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/internal/githistory"
	. "github.com/releasebot/releasebot/releasenotes"
)

// gitRepo is a scratch repository built with the git CLI, hermetic: no
// system or global configuration, a fixed identity and fixed dates.
type gitRepo struct {
	t   testing.TB
	dir string
	env []string
	n   int
}

func hermeticGitEnv(home string) []string {
	return []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"LC_ALL=C",
		"TZ=UTC",
	}
}

func newGitRepo(t testing.TB) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("these tests need git on the PATH") // as CI has: never skip them silently
	}
	root := t.TempDir()
	r := &gitRepo{t: t, dir: filepath.Join(root, "repo"), env: hermeticGitEnv(root)}
	if err := os.Mkdir(r.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *gitRepo) repo() *githistory.Repo { return &githistory.Repo{Dir: r.dir, Env: r.env} }

// git runs a git command with the next commit's date and a default author.
func (r *gitRepo) git(args ...string) string {
	r.t.Helper()
	return r.gitAs("Alice Example", "alice@example.com", args...)
}

func (r *gitRepo) gitAs(name, email string, args ...string) string {
	r.t.Helper()
	date := BaseDate.Add(time.Duration(r.n) * time.Minute).Format(time.RFC3339)
	cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), r.env...)
	cmd.Env = append(cmd.Env,
		"GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+email,
		"GIT_COMMITTER_NAME=Release Tester", "GIT_COMMITTER_EMAIL=ci@example.com",
		"GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit changes a file and commits it with the message; it returns the hash.
func (r *gitRepo) commit(msg string) string {
	r.t.Helper()
	return r.commitAs("Alice Example", "alice@example.com", msg)
}

func (r *gitRepo) commitAs(name, email, msg string) string {
	r.t.Helper()
	r.n++
	path := filepath.Join(r.dir, fmt.Sprintf("file%d.txt", r.n))
	if err := os.WriteFile(path, []byte(msg), 0o644); err != nil {
		r.t.Fatal(err)
	}
	msgFile := filepath.Join(filepath.Dir(r.dir), "message.txt")
	if err := os.WriteFile(msgFile, []byte(msg), 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.gitAs(name, email, "add", "-A")
	r.gitAs(name, email, "commit", "-q", "--cleanup=whitespace", "-F", msgFile)
	return r.head()
}

func (r *gitRepo) head() string { return r.git("rev-parse", "HEAD") }

func (r *gitRepo) tag(name string) { r.git("tag", name) }

func (r *gitRepo) history(o RangeOptions) *History {
	r.t.Helper()
	if o.TagPrefix == "" {
		o.TagPrefix = "v"
	}
	h, err := r.repo().History(context.Background(), o)
	if err != nil {
		r.t.Fatalf("History: %v", err)
	}
	return h
}
