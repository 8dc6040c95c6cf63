// Package gittest makes hermetic git repositories for tests: no system or
// user configuration, a fixed identity, and helpers to commit and read back.
package gittest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Vars are the variables that make git hermetic: no system or user
// configuration, a fixed identity.
func Vars(home string) []string {
	return []string{
		"HOME=" + home,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=" + filepath.Join(home, ".gitconfig"),
		"GIT_AUTHOR_NAME=Test Author", "GIT_AUTHOR_EMAIL=author@example.com",
		"GIT_COMMITTER_NAME=Test Committer", "GIT_COMMITTER_EMAIL=committer@example.com",
		"GIT_TERMINAL_PROMPT=0", "LC_ALL=C",
	}
}

// Env is the environment every git command of a test runs with.
func Env(home string) []string { return append(os.Environ(), Vars(home)...) }

// Repo is a work tree made for a test.
type Repo struct {
	T    testing.TB
	Dir  string
	Env  []string // the whole environment of git commands
	Vars []string // the hermetic part of Env
}

// New makes a repository with branch main holding files, committed once.
func New(t testing.TB, files map[string]string) *Repo {
	t.Helper()
	home := t.TempDir()
	r := &Repo{T: t, Dir: filepath.Join(t.TempDir(), "repo"), Env: Env(home), Vars: Vars(home)}
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r.Git("init", "-q", "-b", "main")
	r.Git("config", "user.name", "Test User")
	r.Git("config", "user.email", "user@example.com")
	r.CommitFiles("initial", files)
	return r
}

// Git runs git in the repository and returns its trimmed output; a failure
// fails the test.
func (r *Repo) Git(args ...string) string {
	r.T.Helper()
	out, err := r.TryGit(args...)
	if err != nil {
		r.T.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TryGit runs git and returns its output and error.
func (r *Repo) TryGit(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.Dir
	cmd.Env = r.Env
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// Write writes a file in the work tree.
func (r *Repo) Write(path, content string) {
	r.T.Helper()
	full := filepath.Join(r.Dir, path)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		r.T.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
		r.T.Fatal(err)
	}
}

// Read reads a file of the work tree.
func (r *Repo) Read(path string) string {
	r.T.Helper()
	data, err := os.ReadFile(filepath.Join(r.Dir, path))
	if err != nil {
		r.T.Fatal(err)
	}
	return string(data)
}

// CommitFiles writes files and commits them with git commit, as a person would.
func (r *Repo) CommitFiles(msg string, files map[string]string) string {
	r.T.Helper()
	for p, c := range files {
		r.Write(p, c)
	}
	r.Git("add", "-A")
	r.Git("commit", "-q", "--allow-empty", "-m", msg)
	return r.Git("rev-parse", "HEAD")
}

// Show returns a file's content at a revision.
func (r *Repo) Show(rev, path string) string {
	r.T.Helper()
	return r.Git("show", rev+":"+path)
}

// Count returns the number of commits reachable from rev.
func (r *Repo) Count(rev string) int {
	r.T.Helper()
	n := 0
	for _, l := range strings.Split(r.Git("rev-list", rev), "\n") {
		if l != "" {
			n++
		}
	}
	return n
}

// Push clones the bare repository at bare, lets edit change the clone's work
// tree and index (links and submodules, which an emulator's own commits
// cannot write), commits everything with message, pushes it to main and
// returns the new tip. git runs hermetically in the clone.
func Push(t testing.TB, bare, message string, edit func(dir string, git func(...string) string)) string {
	t.Helper()
	dir := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = Env(dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("clone", "-q", bare, ".")
	edit(dir, git)
	git("add", "-A")
	git("commit", "-q", "-m", message)
	git("push", "-q", "origin", "HEAD:main")
	return git("rev-parse", "HEAD")
}
