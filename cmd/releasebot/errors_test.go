package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/gittest"
)

// runIn runs the command line in-process with no environment variables but
// a fixed release date.
func runIn(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &env{
		stdout: &out, stderr: &errb,
		getenv: func(k string) string {
			if k == "SOURCE_DATE_EPOCH" {
				return notesEpoch
			}
			return ""
		},
	})
	return result{out.String(), errb.String(), code}
}

// rawToolText is what a user must never see: git's and Go's own wording.
var rawToolText = []string{"fatal:", "error:", "exec:", "executable file not found", "usage: git", "chdir ", "stat ", "exit status"}

// assertOneSentence checks that stderr is one line of releasebot's, with
// want in it and no raw git or Go text.
func assertOneSentence(t *testing.T, r result, code int, want string) {
	t.Helper()
	line := strings.TrimSuffix(r.stderr, "\n")
	if r.code != code || !strings.Contains(line, want) || strings.Contains(line, "\n") || !strings.HasPrefix(line, "releasebot: ") {
		t.Errorf("exit %d, stderr %q\nwant exit %d and one line with %q", r.code, r.stderr, code, want)
	}
	for _, raw := range rawToolText {
		if strings.Contains(r.stderr, raw) {
			t.Errorf("stderr has raw tool text %q: %q", raw, r.stderr)
		}
	}
}

// gitState is what a refused command must leave alone: every ref, HEAD, the
// index and the work tree.
func gitState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	for _, args := range [][]string{{"for-each-ref"}, {"symbolic-ref", "-q", "HEAD"}, {"rev-parse", "-q", "--verify", "HEAD"}, {"status", "--porcelain", "--ignored"}, {"ls-files", "-s"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, _ := cmd.CombinedOutput()
		b.WriteString(strings.Join(args, " ") + ":\n" + string(out))
	}
	return b.String()
}

// initRepo is `git init` of a new directory: a repository without commits.
func initRepo(t *testing.T, args ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	cmd := exec.Command("git", append([]string{"init", "-q", "-b", "main"}, append(args, dir)...)...)
	cmd.Env = gittest.Env(t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	return dir
}

const twoEnvFlags = "environments:\n  stage:\n    canary_percent: 0\n    flags:\n      FF_A: {default: on}\n  prod:\n    canary_percent: 0\n    flags:\n      FF_A: {default: off}\n"

// TestErrorsSayWhatToDo is issue 8's classes 8 and 10: each input a command
// cannot work with gets one sentence naming it and the fix, with exit 2
// (could not run, bad input), and the repository is left as it was.
func TestErrorsSayWhatToDo(t *testing.T) {
	t.Parallel()
	withFlags := func(t *testing.T) *gittest.Repo {
		return gittest.New(t, map[string]string{".release/flags.yaml": twoEnvFlags})
	}
	released := func(t *testing.T) *gittest.Repo {
		r := withFlags(t)
		r.Git("tag", "v1.0.0")
		r.CommitFiles("feat: more", map[string]string{"a.txt": "a"})
		return r
	}
	withConfig := func(cfg string) func(t *testing.T) string {
		return func(t *testing.T) string {
			return gittest.New(t, map[string]string{".release/flags.yaml": twoEnvFlags, ".github/releasebot.yml": cfg}).Dir
		}
	}
	for _, tt := range []struct {
		name string
		dir  func(t *testing.T) string
		args []string
		want string
	}{
		// Not a clone, in its variants.
		{"audit outside a clone", func(t *testing.T) string { return t.TempDir() }, []string{"audit"}, "is not a git clone; run releasebot inside one or pass --repo DIR"},
		{"audit of a file", func(t *testing.T) string { return withFlags(t).Dir + "/.release/flags.yaml" }, []string{"audit"}, "flags.yaml is a file, not a directory; pass the directory of a git clone"},
		{"audit of a missing directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "gone") }, []string{"audit"}, "gone does not exist; pass the directory of a git clone"},
		{"audit of a bare repository", func(t *testing.T) string { return initRepo(t, "--bare") }, []string{"audit"}, "is a bare repository, which has no work tree for the flag file; run releasebot in a clone of it"},
		{"audit inside .git", func(t *testing.T) string { return withFlags(t).Dir + "/.git" }, []string{"audit"}, "is inside a .git directory, not a work tree; run releasebot in the clone's work tree"},
		{"notes outside a clone", func(t *testing.T) string { return t.TempDir() }, []string{"notes"}, "is not a git clone; run releasebot inside one or pass --repo DIR"},
		{"cmd outside a clone", func(t *testing.T) string { return t.TempDir() }, []string{"cmd", "/canary 10"}, "is not a git clone; run releasebot in a clone or pass its directory with --repo"},
		{"cmd of a missing directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "gone") }, []string{"cmd", "/canary 10"}, "gone does not exist; pass the directory of a git clone"},
		{"cmd of a file", func(t *testing.T) string { return withFlags(t).Dir + "/.release/flags.yaml" }, []string{"cmd", "/canary 10"}, "flags.yaml is a file, not a directory; pass the directory of a git clone"},
		{"notes of a missing directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "gone") }, []string{"notes"}, "gone does not exist; pass the directory of a git clone"},
		{"flags show of a file", func(t *testing.T) string { return withFlags(t).Dir + "/.release/flags.yaml" }, []string{"flags", "show"}, "flags.yaml is a file, not a directory; pass the directory of a git clone"},
		{"cmd of a bare repository", func(t *testing.T) string { return initRepo(t, "--bare") }, []string{"cmd", "/canary 10"}, "is a bare repository, which has no work tree for the flag file"},

		// A repository without commits, or HEAD on a branch without one.
		{"audit of an empty repository", func(t *testing.T) string { return initRepo(t) }, []string{"audit"}, "has no commits yet; commit the flag file first"},
		{"notes of an empty repository", func(t *testing.T) string { return initRepo(t) }, []string{"notes"}, "has no commits yet; commit the flag file first"},
		{"release of an empty repository", func(t *testing.T) string { return initRepo(t) }, []string{"release", "--dry-run"}, "has no commits yet; commit the flag file first"},
		{"cmd in an empty repository", func(t *testing.T) string { return initRepo(t) }, []string{"cmd", "/canary 10"}, "has no commits yet; commit the flag file first"},
		{"audit on an unborn branch", func(t *testing.T) string {
			r := withFlags(t)
			r.Git("checkout", "-q", "--orphan", "fresh")
			return r.Dir
		}, []string{"audit"}, "is on the branch fresh, which has no commits yet; check out the release branch (one of main) and run again"},
		{"notes on an unborn branch", func(t *testing.T) string {
			r := withFlags(t)
			r.Git("checkout", "-q", "--orphan", "fresh")
			return r.Dir
		}, []string{"notes"}, "is on the branch fresh, which has no commits yet; check out the release branch (one of main) and run again"},
		{"cmd on an unborn branch", func(t *testing.T) string {
			r := withFlags(t)
			r.Git("checkout", "-q", "--orphan", "fresh")
			return r.Dir
		}, []string{"cmd", "/canary 10"}, "the flag branch fresh does not exist in "},
		{"cmd with a configured branch that is missing", withConfig("branch: release\n"), []string{"cmd", "/canary 10"}, "the flag branch release does not exist in "},

		// The flag file is not a file on the flag branch.
		{"cmd with a flag directory", func(t *testing.T) string {
			return gittest.New(t, map[string]string{".release/flags.yaml/x": "x"}).Dir
		}, []string{"cmd", "/canary 10"}, "the flag file .release/flags.yaml is a directory on branch main; flags_file in .github/releasebot.yml must name a file"},
		{"cmd with a flag directory, path with ./", func(t *testing.T) string {
			return gittest.New(t, map[string]string{"flags/x": "x", ".github/releasebot.yml": "flags_file: ./flags\n"}).Dir
		}, []string{"cmd", "/canary 10"}, `.github/releasebot.yml:1:1: flags_file: "./flags" is not in the form git stores; write it as flags`},
		{"cmd with a flag directory, canonical path", func(t *testing.T) string {
			return gittest.New(t, map[string]string{"flags/x": "x", ".github/releasebot.yml": "flags_file: flags\n"}).Dir
		}, []string{"cmd", "/canary 10"}, "the flag file flags is a directory on branch main"},
		{"cmd with a flag symlink", func(t *testing.T) string {
			r := gittest.New(t, map[string]string{"real.yaml": twoEnvFlags})
			if err := os.MkdirAll(filepath.Join(r.Dir, ".release"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("../real.yaml", filepath.Join(r.Dir, ".release/flags.yaml")); err != nil {
				t.Fatal(err)
			}
			r.Git("add", ".")
			r.Git("commit", "-q", "-m", "chore: link")
			return r.Dir
		}, []string{"cmd", "/canary 10"}, "the flag file .release/flags.yaml is a symbolic link on branch main"},
		{"cmd with a flag submodule", func(t *testing.T) string {
			r := gittest.New(t, map[string]string{"README": "x"})
			r.Git("update-index", "--add", "--cacheinfo", "160000,"+r.Git("rev-parse", "HEAD")+",.release/flags.yaml")
			r.Git("commit", "-q", "-m", "chore: submodule")
			return r.Dir
		}, []string{"cmd", "/canary 10"}, "the flag file .release/flags.yaml is a submodule on branch main"},
		{"notes with a flag directory", func(t *testing.T) string {
			return gittest.New(t, map[string]string{".release/flags.yaml/x": "x", "a": "feat"}).Dir
		}, []string{"notes"}, "is a directory, not a file; name the file itself"},

		// default_environment names no environment.
		{"audit with an unknown default environment", withConfig("environments: {stage: {}}\ndefault_environment: nope\n"), []string{"audit"}, `.github/releasebot.yml:2: default_environment: "nope" is not one of the environments (prod, stage); name one of them`},
		{"notes with an unknown default environment", withConfig("\ndefault_environment: nope\n"), []string{"notes"}, `.github/releasebot.yml:2: default_environment: "nope" is not one of the environments (prod, stage); name one of them`},
		{"release with a misspelt default environment", withConfig("default_environment: prdo\n"), []string{"release", "--dry-run"}, `.github/releasebot.yml:1: default_environment: "prdo" is not one of the environments (prod, stage); did you mean prod?`},
		{"cmd with an unknown default environment", withConfig("default_environment: nope\n"), []string{"cmd", "/canary 10"}, `.github/releasebot.yml:1: default_environment: "nope" is not one of the environments (prod, stage); name one of them`},
		{"cmd /ab_status with an unknown default environment", withConfig("default_environment: nope\n"), []string{"cmd", "/ab_status"}, `.github/releasebot.yml:1: default_environment: "nope" is not one of the environments`},
		{"flags show with an unknown default environment", withConfig("default_environment: nope\n"), []string{"flags", "show"}, `.github/releasebot.yml:1: default_environment: "nope" is not one of the environments`},
		{"default environment in the wrong case", withConfig("default_environment: Prod\n"), []string{"audit"}, `default_environment: "Prod" is not one of the environments (prod, stage); did you mean prod?`},
		{"default environment of the config only", func(t *testing.T) string {
			return gittest.New(t, map[string]string{".github/releasebot.yml": "environments: {stage: {}, live: {}}\ndefault_environment: prod\n"}).Dir
		}, []string{"notes"}, `.github/releasebot.yml:2: default_environment: "prod" is not one of the environments (live, stage); name one of them`},

		// --version that is already released.
		{"notes --version of a released tag", func(t *testing.T) string { return released(t).Dir }, []string{"notes", "--version", "1.0.0"}, "version 1.0.0 is already released as tag v1.0.0; pass a newer --version or omit it"},
		{"notes --version with the prefix", func(t *testing.T) string { return released(t).Dir }, []string{"notes", "--version", "v1.0.0"}, "version 1.0.0 is already released as tag v1.0.0; pass a newer --version or omit it"},
		{"notes --version of the tag on HEAD", func(t *testing.T) string {
			r := withFlags(t)
			r.Git("tag", "v1.0.0")
			return r.Dir
		}, []string{"notes", "--version", "1.0.0"}, "version 1.0.0 is already released as tag v1.0.0; pass a newer --version or omit it"},
		{"notes --version older than the last tag", func(t *testing.T) string { return released(t).Dir }, []string{"notes", "--version", "0.9.0"}, "version 0.9.0 is not newer than the last release v1.0.0; pass a newer --version or omit it"},
		{"notes --format json --version of a released tag", func(t *testing.T) string { return released(t).Dir }, []string{"notes", "--format", "json", "--version", "1.0.0"}, "version 1.0.0 is already released as tag v1.0.0"},

		// --env that neither the configuration nor the flag file has.
		{"audit --env unknown", func(t *testing.T) string { return withFlags(t).Dir }, []string{"audit", "--env", "staging"}, `--env "staging" is not an environment of built-in defaults or .release/flags.yaml; use one of prod, stage`},
		{"audit --env with no environments anywhere", func(t *testing.T) string { return gittest.New(t, nil).Dir }, []string{"audit", "--env", "prod"}, `--env "prod" is not an environment of built-in defaults or .release/flags.yaml, which define none; add it under environments: in either`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := tt.dir(t)
			before := gitState(t, dir)
			r := runIn(t, append(tt.args, "--repo", dir)...)
			assertOneSentence(t, r, exitBadUse, tt.want)
			if r.stdout != "" {
				t.Errorf("a refusal printed to stdout:\n%s", r.stdout)
			}
			if after := gitState(t, dir); after != before {
				t.Errorf("the repository changed:\nbefore %s\nafter %s", before, after)
			}
		})
	}
}

// TestAuditWithoutAnythingToAudit: a clone whose history cannot be read
// (shallow) and that configures nothing skips every check; that is no pass
// but exit 2, with the table saying why.
func TestAuditWithoutAnythingToAudit(t *testing.T) {
	t.Parallel()
	src := gittest.New(t, map[string]string{"a": "a"})
	src.CommitFiles("feat: b", map[string]string{"b": "b"})
	shallow := filepath.Join(t.TempDir(), "shallow")
	src.Git("clone", "-q", "--depth", "1", "file://"+src.Dir, shallow)
	for _, args := range [][]string{nil, {"--json"}} {
		r := runIn(t, append([]string{"audit", "--repo", shallow}, args...)...)
		assertOneSentence(t, r, exitBadUse, "nothing to audit: all 8 checks were skipped (the table gives each reason); add environments.stage with health_url and metrics_url to .github/releasebot.yml, or commit the flag file .release/flags.yaml, and run again")
		if args == nil && !strings.HasPrefix(r.stdout, "Self-audit: ⏭️ skip (8 checks: 8 skip)\n") {
			t.Errorf("headline:\n%s", r.stdout)
		}
		if args != nil && !strings.HasPrefix(r.stdout, "{\n  \"status\": \"skip\",") {
			t.Errorf("JSON:\n%s", r.stdout)
		}
	}
}

// TestAuditRunsWhereItCan: a detached HEAD, and --env prod in a clone whose
// flag file defines prod but that has no configuration, audit what there is.
func TestAuditRunsWhereItCan(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t, map[string]string{".release/flags.yaml": twoEnvFlags})
	repo.CommitFiles("feat: b", map[string]string{"b": "b"})
	for _, tt := range []struct {
		name   string
		setup  func()
		args   []string
		expect []string
	}{
		{"--env prod from the flag file", func() {}, []string{"--env", "prod"}, []string{
			"Self-audit: ⚠️ warn (8 checks: 2 pass, 1 warn, 5 skip)",
			"| health | ⏭️ skip | prod has no health_url in built-in defaults |",
			"| flags-stage | ⏭️ skip | the audited environment prod is the production one; stage defaults do not apply |",
			"| version | ✅ pass |",
		}},
		{"--env stage from the flag file", func() {}, []string{"--env", "stage"}, []string{"| flags-stage | ✅ pass |", "| flags-prod | ✅ pass |"}},
		{"detached HEAD", func() { repo.Git("checkout", "-q", "--detach") }, nil, []string{"Self-audit: ⚠️ warn (8 checks: 3 pass, 1 warn, 4 skip)", "| version | ✅ pass | v0.1.0 is the first release"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			r := runIn(t, append([]string{"audit", "--repo", repo.Dir}, tt.args...)...)
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
			}
			for _, s := range tt.expect {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("output lacks %q:\n%s", s, r.stdout)
				}
			}
		})
	}
}

// TestNotesOfAReleaseAgain: a --version whose tag is the end of the range
// prints that release's notes, as before.
func TestNotesOfAReleaseAgain(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t, map[string]string{"a": "a"})
	repo.Git("tag", "v0.9.0")
	repo.CommitFiles("feat: b", map[string]string{"b": "b"})
	repo.Git("tag", "v1.0.0")
	repo.CommitFiles("fix: c", map[string]string{"c": "c"})
	for _, args := range [][]string{{"--to", "v1.0.0", "--version", "1.0.0"}, {"--from", "v0.9.0", "--to", "HEAD~1", "--version", "1.0.0"}} {
		r := runIn(t, append([]string{"notes", "--repo", repo.Dir}, args...)...)
		if r.code != exitOK || !strings.HasPrefix(r.stdout, "# v1.0.0 (2026-01-01)") {
			t.Errorf("%v: exit %d, stderr %q\n%s", args, r.code, r.stderr, r.stdout)
		}
	}
}

// TestGitMissing runs each command that needs git with a PATH that has no
// git: one sentence that says to install it, exit 2, whatever the command;
// a command that does not need git still works. Not parallel: PATH is the
// process's.
func TestGitMissing(t *testing.T) {
	repo := gittest.New(t, map[string]string{".release/flags.yaml": twoEnvFlags})
	repo.CommitFiles("feat: b", map[string]string{"b": "b"})
	before := gitState(t, repo.Dir)
	path := os.Getenv("PATH")
	t.Setenv("PATH", t.TempDir())
	for _, args := range [][]string{
		{"audit"}, {"audit", "--json"}, {"notes"}, {"notes", "--from", "HEAD~1"}, {"release", "--dry-run"}, {"cmd", "/canary 10"}, {"cmd", "/ab_status"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runIn(t, append(args, "--repo", repo.Dir)...)
			assertOneSentence(t, r, exitBadUse, "releasebot: git was not found on PATH; install git (e.g. apt-get install git) and run again")
			if r.stdout != "" {
				t.Errorf("stdout: %s", r.stdout)
			}
		})
	}
	if r := runIn(t, "flags", "show", "--repo", repo.Dir); r.code != exitOK || !strings.Contains(r.stdout, "FF_A") {
		t.Errorf("flags show without git: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	t.Setenv("PATH", path)
	if after := gitState(t, repo.Dir); after != before {
		t.Errorf("the repository changed:\nbefore %s\nafter %s", before, after)
	}
}

// TestRepositoryOfAnotherUser: git's "dubious ownership" refusal becomes
// the one command that lifts it. It needs root to give the clone away.
func TestRepositoryOfAnotherUser(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown the clone to another user")
	}
	repo := gittest.New(t, map[string]string{".release/flags.yaml": twoEnvFlags})
	if out, err := exec.Command("chown", "-R", "65534", repo.Dir).CombinedOutput(); err != nil {
		t.Skipf("chown: %v %s", err, out)
	}
	for _, args := range [][]string{{"audit"}, {"cmd", "/canary 10"}, {"notes"}, {"release", "--dry-run"}} {
		r := runIn(t, append(args, "--repo", repo.Dir)...)
		assertOneSentence(t, r, exitBadUse, "because another user owns it; if you trust it, run git config --global --add safe.directory "+repo.Dir)
	}
}

// TestAuditOfAFlagDirectory: the flags checks fail with the sentence that
// says what flags_file must name, not Go's "is a directory".
func TestAuditOfAFlagDirectory(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t, map[string]string{".release/flags.yaml/x": "x", "a": "a"})
	r := runIn(t, "audit", "--repo", repo.Dir)
	if r.code != exitRefused || !strings.Contains(r.stdout, "| flags-stage | ❌ fail | the flag file .release/flags.yaml is a directory; flags_file in .github/releasebot.yml must name a file |") || strings.Contains(r.stdout, "read .release") {
		t.Errorf("exit %d, stderr %q\n%s", r.code, r.stderr, r.stdout)
	}
}
