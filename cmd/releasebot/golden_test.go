package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/gittest"
	"github.com/releasebot/releasebot/internal/golden"
)

// The golden files of the CLI's outputs: what a user reads, pinned whole
// (rerun with -update to rewrite them, and review the diff). Commit dates are
// fixed and every figure that varies from run to run — commit hashes, temp
// paths, loopback ports, durations — is replaced by a placeholder, so a
// golden changes only when an output does.

// goldenDate is the author and committer date of every commit in these
// tests, and SOURCE_DATE_EPOCH (notesEpoch) is the same day.
const goldenDate = "2026-01-01T12:00:00Z"

// goldenRepo is a repository whose commits, the fixture's and releasebot's,
// carry goldenDate.
func goldenRepo(t *testing.T, files map[string]string, setup func(*gittest.Repo)) *gittest.Repo {
	t.Helper()
	dated := func(r *gittest.Repo) {
		r.Env = append(r.Env, "GIT_AUTHOR_DATE="+goldenDate, "GIT_COMMITTER_DATE="+goldenDate)
	}
	repo := gittest.New(t, nil)
	dated(repo)
	repo.CommitFiles("chore: flags and configuration", files)
	if setup != nil {
		setup(repo)
	}
	return repo
}

var (
	reSHA      = regexp.MustCompile(`\b[0-9a-f]{7,40}\b`)
	rePort     = regexp.MustCompile(`127\.0\.0\.1:[0-9]+`)
	reDuration = regexp.MustCompile(`\b[0-9]+(\.[0-9]+)?(ns|µs|ms|s)\b`)
)

// normalise replaces what varies between runs with placeholders.
func normalise(s string, repo *gittest.Repo) string {
	if repo != nil {
		s = strings.ReplaceAll(s, repo.Dir, "<repo>")
		if real, err := filepath.EvalSymlinks(repo.Dir); err == nil {
			s = strings.ReplaceAll(s, real, "<repo>")
		}
	}
	s = strings.ReplaceAll(s, os.TempDir(), "<tmp>")
	s = rePort.ReplaceAllString(s, "127.0.0.1:<port>")
	s = reSHA.ReplaceAllString(s, "<sha>")
	s = reDuration.ReplaceAllString(s, "<duration>")
	return s
}

// goldenRun is one run of the binary, as a golden: the exit code, then
// stdout and stderr.
func goldenRun(t *testing.T, repo *gittest.Repo, args ...string) string {
	t.Helper()
	r := runNotesBin(t, repo, args...)
	return normalise(fmt.Sprintf("$ releasebot %s\nexit %d\n--- stdout\n%s--- stderr\n%s", quoteArgs(args), r.code, r.stdout, r.stderr), repo)
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " \"'") || a == "" {
			a = fmt.Sprintf("%q", a)
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// TestGoldenCommands pins the replies of `releasebot cmd` on the runbook's
// flag file: the read commands, /help, a raise that commits, a raise the
// policy refuses, and /ab_status after the raise (its last change).
func TestGoldenCommands(t *testing.T) {
	t.Parallel()
	files := map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": renderConfig}
	reads := []struct{ golden, cmd string }{
		{"cmd-ab_status.golden", "/ab_status"},
		{"cmd-ab_status-user.golden", "/ab_status prod user u-1"},
		{"cmd-ab_status-stage.golden", "/ab_status stage"},
		{"cmd-release-status.golden", "/release status"},
		{"cmd-help.golden", "/help"},
		{"cmd-help-canary.golden", "/help canary"},
	}
	for _, c := range reads {
		t.Run(c.golden, func(t *testing.T) {
			t.Parallel()
			repo := goldenRepo(t, files, nil)
			golden.AssertString(t, c.golden, goldenRun(t, repo, "cmd", c.cmd, "--as", "ann", "--request-id", "g-1"))
		})
	}
	t.Run("raise", func(t *testing.T) {
		t.Parallel()
		repo := goldenRepo(t, files, nil)
		golden.AssertString(t, "cmd-canary-10.golden", goldenRun(t, repo, "cmd", "/canary 10", "--as", "ann", "--request-id", "g-1"))
		golden.AssertString(t, "cmd-canary-10-again.golden", goldenRun(t, repo, "cmd", "/canary 10", "--as", "ann", "--request-id", "g-1"))
		golden.AssertString(t, "cmd-canary-100-refused.golden", goldenRun(t, repo, "cmd", "/canary 100", "--as", "ann", "--request-id", "g-2"))
		golden.AssertString(t, "cmd-ab_status-after-canary.golden", goldenRun(t, repo, "cmd", "/ab_status", "--as", "ann"))
		golden.AssertString(t, "cmd-ab_status-user-after-canary.golden", goldenRun(t, repo, "cmd", "/ab_status prod user 42", "--as", "ann"))
		golden.AssertString(t, "cmd-ab_status-cohort-user.golden", goldenRun(t, repo, "cmd", "/ab_status prod user u-6", "--as", "ann"))
		golden.AssertString(t, "cmd-toggle.golden", goldenRun(t, repo, "cmd", "/toggle FF_NAV_FOOTER off", "--as", "bob", "--request-id", "g-3"))
		golden.AssertString(t, "cmd-rollback.golden", goldenRun(t, repo, "cmd", "/rollback", "--as", "cy", "--request-id", "g-4"))
		golden.AssertString(t, "cmd-ab_status-after-rollback.golden", goldenRun(t, repo, "cmd", "/ab_status", "--as", "ann"))
	})
}

// TestGoldenFlags pins `flags show`, every render format and `flags eval`.
func TestGoldenFlags(t *testing.T) {
	t.Parallel()
	repo := goldenRepo(t, map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": renderConfig}, nil)
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"flags-show.golden", []string{"flags", "show"}},
		{"flags-render-dotenv.golden", []string{"flags", "render", "--env", "prod", "--format", "dotenv"}},
		{"flags-render-flagd.golden", []string{"flags", "render", "--env", "prod", "--format", "flagd"}},
		{"flags-render-json.golden", []string{"flags", "render", "--env", "stage", "--format", "json"}},
		{"flags-eval.golden", []string{"flags", "eval", "--env", "prod", "--user", "u-1"}},
		{"flags-eval-json.golden", []string{"flags", "eval", "--env", "prod", "--user", "u-1", "--json"}},
	} {
		golden.AssertString(t, c.golden, goldenRun(t, repo, c.args...))
	}
}

// TestGoldenAudit pins the audit's table and JSON against a loopback stage
// server, once passing and once with the health check failing.
func TestGoldenAudit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		status int
		body   string
	}{
		{"pass", http.StatusOK, `{"status":"ok"}`},
		{"fail", http.StatusServiceUnavailable, `{"status":"down"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := stageServer(t, c.status, c.body)
			repo := goldenRepo(t, map[string]string{".github/releasebot.yml": auditConfig(srv), ".release/flags.yaml": runbookFlags}, func(r *gittest.Repo) {
				r.Git("tag", "v1.0.0")
				r.CommitFiles("fix(api): reject empty bodies", map[string]string{"a.txt": "a"})
			})
			for _, args := range [][]string{nil, {"--json"}} {
				r := runAudit(t, repo.Dir, map[string]string{"STAGE_TOKEN": auditSecret, "SOURCE_DATE_EPOCH": notesEpoch}, args...)
				got := normalise(fmt.Sprintf("$ releasebot audit %s\nexit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr), repo)
				name := "audit-" + c.name + ".golden"
				if len(args) > 0 {
					name = "audit-" + c.name + "-json.golden"
				}
				golden.AssertString(t, name, got)
			}
		})
	}
}

// TestGoldenRelease pins the summary of `release --dry-run` and the notes in
// JSON.
func TestGoldenRelease(t *testing.T) {
	t.Parallel()
	repo := goldenRepo(t, map[string]string{".release/flags.yaml": runbookFlags}, func(r *gittest.Repo) {
		r.Git("tag", "v1.0.0")
		r.CommitFiles("feat(onboarding): new onboarding behind FF_NEW_ONBOARDING (#12)", map[string]string{"a.txt": "a"})
		r.CommitFiles("fix(api): reject empty bodies", map[string]string{"b.txt": "b"})
		r.CommitFiles("docs: spelling", map[string]string{"c.txt": "c"})
		r.Git("remote", "add", "origin", "git@github.com:acme/shop.git")
	})
	golden.AssertString(t, "notes-json.golden", goldenRun(t, repo, "notes", "--format", "json"))
	golden.AssertString(t, "notes-markdown.golden", goldenRun(t, repo, "notes"))
	golden.AssertString(t, "release-dry-run.golden", goldenRun(t, repo, "release", "--dry-run"))
}

// TestGoldenHelp pins the help of the root command and of every subcommand.
func TestGoldenHelp(t *testing.T) {
	t.Parallel()
	repo := goldenRepo(t, nil, nil)
	for _, c := range []struct {
		golden string
		args   []string
	}{
		{"help-root.golden", []string{"--help"}},
		{"help-cmd.golden", []string{"cmd", "--help"}},
		{"help-flags.golden", []string{"flags", "--help"}},
		{"help-audit.golden", []string{"audit", "--help"}},
		{"help-notes.golden", []string{"notes", "--help"}},
		{"help-release.golden", []string{"release", "--help"}},
		{"help-serve.golden", []string{"serve", "--help"}},
	} {
		golden.AssertString(t, c.golden, goldenRun(t, repo, c.args...))
	}
}
