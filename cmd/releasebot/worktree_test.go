package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/gittest"
)

// runIn runs releasebot in-process in the clone of repo, with git's
// hermetic environment.
func runInRepo(t *testing.T, repo *gittest.Repo, args ...string) result {
	t.Helper()
	for _, kv := range repo.Vars {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), append(args, "--repo", repo.Dir), &env{stdout: &out, stderr: &errb, getenv: os.Getenv})
	return result{out.String(), errb.String(), code}
}

// unchanged is what a refused command must leave as it was.
func unchanged(t *testing.T, repo *gittest.Repo) func() {
	t.Helper()
	look := func() string {
		return repo.Git("for-each-ref") + "\n" + repo.Git("ls-files", "-s") + "\n" + repo.Git("status", "--porcelain", "--untracked-files=all", "--ignored") +
			"\n" + repo.Read(".release/flags.yaml") + repo.Read(".github/releasebot.yml")
	}
	before := look()
	return func() {
		t.Helper()
		if after := look(); after != before {
			t.Errorf("something changed:\n%s\n→\n%s", before, after)
		}
	}
}

// TestRenderTargetsThatWouldDestroyStateAreBadInput: a render target on the
// flag file, the configuration, another target or their directories is
// refused at load, naming the key and its line, and nothing is committed.
func TestRenderTargetsThatWouldDestroyStateAreBadInput(t *testing.T) {
	tests := []struct{ name, config, want string }{
		{"the flag file", "render:\n  - {environment: prod, format: dotenv, path: .release/flags.yaml}\n",
			`.github/releasebot.yml:2:41: render[0].path: ".release/flags.yaml" is also the flag file (flags_file)`},
		{"the flag file in capitals", "render:\n  - {environment: prod, format: dotenv, path: .RELEASE/FLAGS.yaml}\n",
			`.github/releasebot.yml:2:41: render[0].path: ".RELEASE/FLAGS.yaml" is the same file as the flag file`},
		{"the flag file, spelled ./", "render:\n  - {environment: prod, format: dotenv, path: ./.release/flags.yaml}\n",
			`.github/releasebot.yml:2:41: render[0].path: "./.release/flags.yaml" is not in the form git stores`},
		{"the configuration", "render:\n  - {environment: prod, format: json, path: .github/releasebot.yml}\n",
			`.github/releasebot.yml:2:39: render[0].path: ".github/releasebot.yml" is also the configuration file`},
		{"two targets, one path", "render:\n  - {environment: prod, format: dotenv, path: deploy/prod.env}\n  - {environment: stage, format: dotenv, path: deploy/prod.env}\n",
			`.github/releasebot.yml:3:42: render[1].path: "deploy/prod.env" is also render[0].path`},
		{"a target that is another's directory", "render:\n  - {environment: prod, format: dotenv, path: deploy/prod.env}\n  - {environment: prod, format: json, path: deploy}\n",
			`.github/releasebot.yml:3:39: render[1].path: "deploy" is a directory holding render[0].path`},
		{"inside .git", "render:\n  - {environment: prod, format: dotenv, path: .Git/hooks/post-checkout}\n",
			`render[0].path: ".Git/hooks/post-checkout" is inside .git`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := gittest.New(t, map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": tt.config})
			check := unchanged(t, repo)
			for _, c := range []string{"/canary 10", "/rollback", "/toggle FF_NAV_FOOTER on"} {
				res := runInRepo(t, repo, "cmd", c)
				if res.code != 2 || !strings.Contains(res.stderr, tt.want) || strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 {
					t.Errorf("%s: exit %d %q\nwant 2 and %s", c, res.code, res.stderr, tt.want)
				}
			}
			check()
			if repo.Count("main") != 1 {
				t.Error("committed")
			}
		})
	}
}

// TestUntrackedRenderTargetIsRefused: an untracked (or ignored) file where a
// render target is written is refused by name and left as it was.
func TestUntrackedRenderTargetIsRefused(t *testing.T) {
	for _, tt := range []struct {
		name, path string
		ignore     string
	}{
		{"dotenv", "deploy/prod.env", ""},
		{"flagd", "deploy/prod.flagd.json", ""},
		{"ignored", "deploy/prod.env", "*.env\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			repo := runbookRepo(t)
			if tt.ignore != "" {
				repo.CommitFiles("ignore", map[string]string{".gitignore": tt.ignore})
			}
			repo.Write(tt.path, "MINE=keep\n")
			check := unchanged(t, repo)
			res := runInRepo(t, repo, "cmd", "/canary 10")
			if res.code != 1 || !strings.Contains(res.stderr, tt.path+" in ") || !strings.Contains(res.stderr, "is not tracked by git, and the commit would overwrite it") {
				t.Errorf("exit %d %q", res.code, res.stderr)
			}
			check()
			if repo.Read(tt.path) != "MINE=keep\n" {
				t.Error("the untracked file was overwritten")
			}
		})
	}
}

// TestHeldIndexLockIsNeverHalfDone: with git's index locked the command is
// refused before the branch moves; once the lock is gone it commits and the
// work tree matches.
func TestHeldIndexLockIsNeverHalfDone(t *testing.T) {
	repo := runbookRepo(t)
	lock := filepath.Join(repo.Dir, ".git", "index.lock")
	os.WriteFile(lock, nil, 0o644)
	check := unchanged(t, repo)
	res := runInRepo(t, repo, "cmd", "/canary 10")
	if res.code != 1 || !strings.Contains(res.stderr, "index.lock exists") || strings.Contains(res.stderr, "committed") {
		t.Errorf("exit %d %q", res.code, res.stderr)
	}
	check()
	if _, err := os.Stat(lock); err != nil {
		t.Error("releasebot removed git's lock")
	}
	os.Remove(lock)
	res = runInRepo(t, repo, "cmd", "/canary 10")
	if res.code != 0 || !strings.Contains(res.stdout, "committed") || repo.Count("main") != 2 || repo.Git("status", "--porcelain") != "" {
		t.Errorf("after the lock: exit %d %q %q, status %q", res.code, res.stdout, res.stderr, repo.Git("status", "--porcelain"))
	}
}

// TestWorkTreeLeftBehindIsRepaired recreates what a crash between the ref
// update and the work-tree update leaves — the branch at the new commit, the
// index and work tree at the previous one, which git status shows as a
// staged revert — and checks that the next command repairs it instead of
// refusing it as uncommitted changes.
func TestWorkTreeLeftBehindIsRepaired(t *testing.T) {
	repo := runbookRepo(t)
	if res := runInRepo(t, repo, "cmd", "/canary 10", "--request-id", "r-1"); res.code != 0 {
		t.Fatalf("exit %d %q", res.code, res.stderr)
	}
	// Back to the files of main^ in the index and the work tree.
	repo.Git("checkout", "main^", "--", ".release/flags.yaml")
	repo.Git("rm", "-q", "--cached", "--", "deploy/prod.env", "deploy/prod.flagd.json")
	os.RemoveAll(filepath.Join(repo.Dir, "deploy"))
	if st := repo.Git("status", "--porcelain"); st != "M  .release/flags.yaml\nD  deploy/prod.env\nD  deploy/prod.flagd.json" {
		t.Fatalf("not a staged revert: %q", st)
	}
	res := runInRepo(t, repo, "cmd", "/canary 50")
	if res.code != 0 || !strings.Contains(res.stdout, "canary 10% → 50%") {
		t.Fatalf("exit %d %q %q", res.code, res.stdout, res.stderr)
	}
	if st := repo.Git("status", "--porcelain"); st != "" || !strings.Contains(repo.Read("deploy/prod.env"), "CANARY_PERCENT=50") {
		t.Errorf("status %q", st)
	}
}
