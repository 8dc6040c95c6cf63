package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/gittest"
)

// notesEpoch is SOURCE_DATE_EPOCH in these tests: 2026-01-01.
const notesEpoch = "1767225600"

// runNotesBin runs the built binary in the repository with its hermetic
// environment, a fixed release date and no GitHub Actions variables.
func runNotesBin(t *testing.T, repo *gittest.Repo, args ...string) result {
	t.Helper()
	r := *repo
	r.Env = nil
	for _, kv := range repo.Env {
		if !strings.HasPrefix(kv, "GITHUB_") {
			r.Env = append(r.Env, kv)
		}
	}
	r.Env = append(r.Env, "SOURCE_DATE_EPOCH="+notesEpoch)
	return runBin(t, &r, args...)
}

// releasedRepo is a repository released as v1.0.0 with a feature and a
// scoped fix after the tag.
func releasedRepo(t *testing.T, files map[string]string) *gittest.Repo {
	t.Helper()
	repo := gittest.New(t, files)
	repo.Git("tag", "v1.0.0")
	repo.CommitFiles("feat(onboarding): new onboarding behind FF_NEW_ONBOARDING (#12)", map[string]string{"a.txt": "a"})
	repo.CommitFiles("fix(api): reject empty bodies", map[string]string{"b.txt": "b"})
	repo.CommitFiles("docs: spelling", map[string]string{"c.txt": "c"})
	repo.Git("remote", "add", "origin", "git@github.com:acme/shop.git")
	return repo
}

func TestNotesCommand(t *testing.T) {
	t.Parallel()
	repo := releasedRepo(t, nil)

	r := runNotesBin(t, repo, "notes")
	if r.code != 0 {
		t.Fatalf("notes: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"# v1.1.0 (2026-01-01)\n",
		"## Features\n\n- **onboarding:** new onboarding behind FF_NEW_ONBOARDING ([#12](https://github.com/acme/shop/pull/12)) ([",
		"## Bug fixes\n\n- **api:** reject empty bodies ([",
		"**Full changelog:** [v1.0.0...v1.1.0](https://github.com/acme/shop/compare/v1.0.0...v1.1.0)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("notes lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "STAGE checklist") || strings.Contains(r.stdout, "spelling") {
		t.Errorf("notes prints the changes only, without checklists or excluded types:\n%s", r.stdout)
	}

	r = runNotesBin(t, repo, "notes", "--format", "json", "--version", "2.0.0")
	var got struct {
		Release  bool   `json:"release"`
		Version  string `json:"version"`
		Previous string `json:"previous"`
		Sections []struct {
			Title string `json:"title"`
		} `json:"sections"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("notes --format json: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if !got.Release || got.Version != "2.0.0" || got.Previous != "v1.0.0" || len(got.Sections) != 2 {
		t.Errorf("notes --format json --version 2.0.0 = %+v", got)
	}

	r = runNotesBin(t, repo, "notes", "--from", "HEAD~1", "--to", "HEAD")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "no release: no feat, fix, perf, revert or breaking change since the last release (1 commit in the range)") {
		t.Errorf("notes --from HEAD~1 (docs only): exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runNotesBin(t, repo, "notes", "--from", "HEAD~2", "--to", "HEAD~1")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "# v1.0.1 (2026-01-01)\n\n## Bug fixes\n\n- **api:** reject empty bodies") {
		t.Errorf("notes --from HEAD~2 --to HEAD~1: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestNotesCommandErrors(t *testing.T) {
	t.Parallel()
	repo := releasedRepo(t, nil)
	notRepo := gittest.New(t, nil)
	notRepo.Dir = t.TempDir()
	noItems := releasedRepo(t, map[string]string{"RUNBOOK.md": "# Runbook\n\nJust prose.\n"})
	for _, tt := range []struct {
		name string
		repo *gittest.Repo
		args []string
		want string
	}{
		{"unknown from", repo, []string{"notes", "--from", "v9.9.9"}, `--from "v9.9.9" is not a commit or tag in the current directory; list the tags with 'git tag --list'`},
		{"unknown to", repo, []string{"notes", "--to", "nope"}, `--to "nope" is not a commit or tag`},
		{"bad format", repo, []string{"notes", "--format", "xml"}, `--format "xml" is not a format; use md or json`},
		{"bad version", repo, []string{"notes", "--version", "1.2"}, `--version: the version "1.2" is not a semantic version such as 1.4.0`},
		{"not a clone", notRepo, []string{"notes"}, "is not a git clone; run releasebot inside one or pass --repo DIR"},
		{"runbook without items", noItems, []string{"release", "--dry-run"}, "the runbook RUNBOOK.md has no list items"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runNotesBin(t, tt.repo, tt.args...)
			if r.code != exitBadUse || !strings.Contains(r.stderr, tt.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line with %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

func TestNoRelease(t *testing.T) {
	t.Parallel()
	repo := gittest.New(t, nil)
	repo.Git("tag", "v1.0.0")

	r := runNotesBin(t, repo, "notes")
	if r.code != 0 || r.stdout != "" || r.stderr != "releasebot: no release: no commits since v1.0.0 (0 commits in the range).\n" {
		t.Errorf("notes on an empty range: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runNotesBin(t, repo, "release", "--dry-run")
	if r.code != 0 || r.stdout != "No release: no commits since v1.0.0 (0 commits in the range); RELEASE_NOTES.md is left as it is.\n" {
		t.Errorf("release on an empty range: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(repo.Dir, "RELEASE_NOTES.md")); err == nil {
		t.Error("an empty range wrote RELEASE_NOTES.md")
	}

	repo.CommitFiles("chore: tidy", map[string]string{"x": "x"})
	r = runNotesBin(t, repo, "release", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "No release: no feat, fix, perf, revert or breaking change since the last release (1 commit in the range)") {
		t.Errorf("release with nothing releasable: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestNotesNeverPrintTheRemoteToken clones with a token in the remote URL,
// as some CI systems do: the notes link to the repository, never with it.
func TestNotesNeverPrintTheRemoteToken(t *testing.T) {
	t.Parallel()
	const token = "ghp_remote_token_in_url_3f9a"
	repo := releasedRepo(t, nil)
	repo.Git("remote", "set-url", "origin", "https://x-access-token:"+token+"@github.com/acme/shop.git")
	var all []string
	for _, args := range [][]string{{"notes"}, {"notes", "--format", "json"}, {"release", "--dry-run"}} {
		r := runNotesBin(t, repo, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		all = append(all, r.stdout, r.stderr)
	}
	all = append(all, repo.Read("RELEASE_NOTES.md"))
	out := strings.Join(all, "\n")
	if strings.Contains(out, token) {
		t.Errorf("the token was printed:\n%s", out)
	}
	if !strings.Contains(out, "https://github.com/acme/shop/compare/v1.0.0...v1.1.0") {
		t.Errorf("the notes lost the repository's links:\n%s", out)
	}
}
