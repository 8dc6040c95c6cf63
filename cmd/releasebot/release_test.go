package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/gittest"
)

func readNotesFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "releasenotes", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReleaseDryRun(t *testing.T) {
	t.Parallel()
	ru := readNotesFixture(t, "RUNBOOK.ru.md")
	repo := releasedRepo(t, map[string]string{
		"RUNBOOK.md":          ru,
		".release/flags.yaml": runbookFlags,
	})
	// The range raises prod's canary and overrides the footer flag: a flag
	// the range touches without a message naming it.
	flagsNow := strings.Replace(runbookFlags, "canary_percent: 0\n    cohort", "canary_percent: 10\n    cohort", 1)
	flagsNow = strings.Replace(flagsNow, "FF_NAV_FOOTER: {default: off, canary: true}", "FF_NAV_FOOTER: {default: off, canary: true, override: off}", 1)
	repo.CommitFiles("chore(flags): hold the footer back", map[string]string{".release/flags.yaml": flagsNow})
	r := runNotesBin(t, repo, "release", "--dry-run")
	if r.code != 0 {
		t.Fatalf("release --dry-run: exit %d\n%s", r.code, r.stderr)
	}
	notes := repo.Read("RELEASE_NOTES.md")
	for _, want := range []string{
		"# v1.1.0 (2026-01-01)\n",
		"| Flag | stage | prod |\n| --- | --- | --- |\n| `FF_NAV_FOOTER` | on | off (override) |\n| `FF_NEW_ONBOARDING` | on | off · canary 10% |\n\n",
		"From `RUNBOOK.md`.\n",
		"1. [ ] `/ab_status` — before the start",
		"2. [ ] `/canary 10` — ",
		"3. [ ] `/canary 50` — ",
		"4. [ ] `/canary 100` — ",
		"- `/rollback` — instant, never gated",
		"- `/toggle FF_NEW_ONBOARDING off` — turn off this flag only",
		"## Self-audit\n\n<!-- releasebot:audit -->\n",
		"| flags-prod | ❌ fail | prod is not safe to start: canary is 10%; a rollout starts at 0 |",
		"## Rollout log\n\n<!-- releasebot:rollout-log -->\n_No rollout changes yet._\n",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("RELEASE_NOTES.md lacks %q", want)
		}
	}
	// Every list item of the Russian runbook comes through byte for byte.
	for _, line := range strings.Split(ru, "\n") {
		marker, text, ok := strings.Cut(line, " ")
		if !ok || !(marker == "-" || strings.HasSuffix(marker, ".") && len(marker) <= 3) {
			continue
		}
		if !strings.Contains(notes, marker+" [ ] "+text+"\n") && !strings.Contains(notes, line+"\n") {
			t.Errorf("RELEASE_NOTES.md lacks the runbook line %q", line)
		}
	}
	for _, want := range []string{
		"Release v1.1.0 (minor bump: a feature in ",
		"  Features         1\n  Bug fixes        1\n",
		"Runbook: RUNBOOK.md (13 STAGE items)\n",
		"Wrote " + filepath.Join(repo.Dir, "RELEASE_NOTES.md") + "\n",
		"Self-audit: fail\n",
		"  fail  flags-prod: prod is not safe to start: canary is 10%; a rollout starts at 0\n",
		"  skip  health: ",
		"Slack preview:\n  Release v1.1.0 is ready (2026-01-01, minor bump from v1.0.0)\n",
		"  PROD rollout: /ab_status → /canary 10 → /canary 50 → /canary 100 → /toggle FF_NAV_FOOTER on → /toggle FF_NEW_ONBOARDING on\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the summary lacks %q:\n%s", want, r.stdout)
		}
	}

	// A rerun on the same input writes the same bytes.
	again := runNotesBin(t, repo, "release", "--dry-run")
	if again.code != 0 || repo.Read("RELEASE_NOTES.md") != notes {
		t.Error("a second run changed RELEASE_NOTES.md")
	}
}

func TestReleaseTemplateOverride(t *testing.T) {
	t.Parallel()
	repo := releasedRepo(t, map[string]string{
		".github/releasebot/RELEASE_NOTES.md.tmpl": "{{define \"stage\"}}## STAGE\n\nSee the wiki.{{end}}",
	})
	r := runNotesBin(t, repo, "release", "--dry-run")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if notes := repo.Read("RELEASE_NOTES.md"); !strings.Contains(notes, "## STAGE\n\nSee the wiki.\n\n## PROD rollout") || !strings.Contains(notes, "## Bug fixes") {
		t.Errorf("the override should replace the stage block only:\n%s", notes)
	}

	bad := releasedRepo(t, map[string]string{".github/releasebot/RELEASE_NOTES.md.tmpl": "{{.Nope"})
	r = runNotesBin(t, bad, "release", "--dry-run")
	if r.code != exitBadUse || !strings.Contains(r.stderr, ".github/releasebot/RELEASE_NOTES.md.tmpl does not parse") {
		t.Errorf("a broken template: exit %d, %q", r.code, r.stderr)
	}
}

// snapshot is what a command could change in a clone: every file outside
// .git, and every ref.
func snapshot(t *testing.T, repo *gittest.Repo) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(repo.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(repo.Dir, path)
			files[rel] = string(data)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if refs, err := repo.TryGit("for-each-ref", "--format=%(refname) %(objectname)"); err == nil {
		head, _ := repo.TryGit("rev-parse", "HEAD")
		files["<refs>"] = refs + "\nHEAD " + head
	}
	return files
}

// shallowClone is a depth-1 clone of repo.
func shallowClone(t *testing.T, repo *gittest.Repo) *gittest.Repo {
	t.Helper()
	clone := *repo
	clone.Dir = filepath.Join(t.TempDir(), "shallow")
	if out, err := repo.TryGit("clone", "-q", "--depth", "1", "file://"+repo.Dir, clone.Dir); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	return &clone
}

// TestNotesReleaseAuditBadInput runs the binary on bad flags and broken
// repositories: each run exits with the documented code, says one line on
// stderr naming what is at fault, shows no stack trace, and leaves the
// clone as it was — RELEASE_NOTES.md included.
func TestNotesReleaseAuditBadInput(t *testing.T) {
	t.Parallel()
	const oldNotes = "# v1.0.0\n\nThe notes of the last release, committed.\n"
	// broken is a released repository with one broken file, committed.
	broken := func(files map[string]string) func(t *testing.T) *gittest.Repo {
		return func(t *testing.T) *gittest.Repo {
			all := map[string]string{"RELEASE_NOTES.md": oldNotes}
			for k, v := range files {
				all[k] = v
			}
			return releasedRepo(t, all)
		}
	}
	fine := broken(nil)
	tests := []struct {
		name string
		repo func(t *testing.T) *gittest.Repo
		args []string
		code int
		want string // in the one line on stderr
	}{
		{"not a clone", func(t *testing.T) *gittest.Repo {
			r := fine(t)
			r.Dir = t.TempDir()
			r.Write("RELEASE_NOTES.md", oldNotes)
			return r
		}, []string{"release", "--dry-run"}, exitBadUse, "the current directory is not a git clone; run releasebot inside one or pass --repo DIR"},
		{"missing --repo", fine, []string{"release", "--dry-run", "--repo", "no/such/dir"}, exitBadUse, "--repo no/such/dir does not exist; pass the directory of a git clone"},
		{"shallow clone", func(t *testing.T) *gittest.Repo { return shallowClone(t, fine(t)) }, []string{"release", "--dry-run"}, exitBadUse, "the clone is shallow"},
		{"shallow clone, notes", func(t *testing.T) *gittest.Repo { return shallowClone(t, fine(t)) }, []string{"notes"}, exitBadUse, "fetch it with 'git fetch --unshallow --tags'"},
		{"unknown --from", fine, []string{"notes", "--from", "v0.9.0"}, exitBadUse, `--from "v0.9.0" is not a commit or tag`},
		{"unknown flag", fine, []string{"release", "--dry-runn"}, exitBadUse, "unknown flag: --dry-runn; see 'releasebot release --help'"},
		{"argument", fine, []string{"release", "now"}, exitBadUse, `unknown command "now" for "releasebot release"`},
		{"broken configuration", broken(map[string]string{".github/releasebot.yml": "canary:\n  steps: [10, 50\n"}), []string{"release", "--dry-run"}, exitBadUse, ".github/releasebot.yml:2: invalid YAML"},
		{"unknown configuration key", broken(map[string]string{".github/releasebot.yml": "canary:\n  stepz: [10]\n"}), []string{"release", "--dry-run"}, exitBadUse, `.github/releasebot.yml:2:3: canary.stepz: unknown key (did you mean "steps"?)`},
		{"configuration not UTF-8", broken(map[string]string{".github/releasebot.yml": "slack: {channel: \"C\xe9\"}\n"}), []string{"notes"}, exitBadUse, ".github/releasebot.yml:1:20: the file is not valid UTF-8"},
		{"missing --config", fine, []string{"release", "--dry-run", "--config", "nope.yml"}, exitBadUse, "could not read the configuration nope.yml"},
		{"broken flag file", broken(map[string]string{".release/flags.yaml": "environments:\n  prod: {canary_percent: 150}\n"}), []string{"release", "--dry-run"}, exitBadUse, ".release/flags.yaml at "},
		{"runbook not UTF-8", broken(map[string]string{"RUNBOOK.md": "# Runbook\n\n- caf\xe9 ready\n"}), []string{"release", "--dry-run"}, exitBadUse, "the runbook RUNBOOK.md is not valid UTF-8 (line 3); save it as UTF-8"},
		{"runbook without items", broken(map[string]string{"RUNBOOK.md": "# Runbook\n\nProse only.\n"}), []string{"release", "--dry-run"}, exitBadUse, "the runbook RUNBOOK.md has no list items"},
		{"template does not parse", broken(map[string]string{".github/releasebot/RELEASE_NOTES.md.tmpl": "{{.Tag"}), []string{"release", "--dry-run"}, exitBadUse, ".github/releasebot/RELEASE_NOTES.md.tmpl does not parse"},
		{"template fails", broken(map[string]string{".github/releasebot/RELEASE_NOTES.md.tmpl": "# {{.Tag}}\n{{.NoSuchField}}\n"}), []string{"release", "--dry-run"}, exitBadUse, "the notes template .github/releasebot/RELEASE_NOTES.md.tmpl failed"},
		{"audit: broken configuration", broken(map[string]string{".github/releasebot.yml": "environments: [stage]\n"}), []string{"audit"}, exitBadUse, ".github/releasebot.yml:1:15: environments: expected a mapping"},
		{"audit: missing --repo", fine, []string{"audit", "--repo", "no/such/dir"}, exitBadUse, "--repo no/such/dir does not exist; pass the directory of a git clone"},
		{"audit: --timeout 0", fine, []string{"audit", "--timeout", "0"}, exitBadUse, "--timeout must be above 0"},
		{"audit: --timeout nonsense", fine, []string{"audit", "--timeout", "soon"}, exitBadUse, `invalid argument "soon" for "--timeout" flag`},
		{"audit: unknown environment", fine, []string{"audit", "--env", "staging"}, exitBadUse, `--env "staging" is not an environment of built-in defaults`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo := tt.repo(t)
			before := snapshot(t, repo)
			r := runNotesBin(t, repo, tt.args...)
			line := strings.TrimSuffix(r.stderr, "\n")
			if r.code != tt.code || !strings.HasPrefix(line, "releasebot: ") || strings.Contains(line, "\n") || !strings.Contains(line, tt.want) {
				t.Errorf("exit %d, stderr %q\nwant exit %d and one line with %q", r.code, r.stderr, tt.code, tt.want)
			}
			for _, trace := range []string{"panic", "goroutine ", ".go:"} {
				if strings.Contains(r.stderr+r.stdout, trace) {
					t.Errorf("output holds %q:\n%s%s", trace, r.stdout, r.stderr)
				}
			}
			if after := snapshot(t, repo); !reflect.DeepEqual(before, after) {
				t.Errorf("the run changed the clone:\nbefore %q\nafter  %q", before, after)
			}
		})
	}
}

// A commit's text reaches the terminal with no escape sequence in it: a
// Release-As warning quoting it, and the Slack preview.
func TestReleaseSummaryIsTerminalSafe(t *testing.T) {
	t.Parallel()
	repo := releasedRepo(t, nil)
	repo.CommitFiles("feat: \x1b]0;pwned\x07colour \x1b[2J\n\nRelease-As: 9.9\x1b[31m", map[string]string{"d.txt": "d"})
	r := runNotesBin(t, repo, "release", "--dry-run")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "Warning: Release-As:") {
		t.Fatalf("no Release-As warning:\n%s", r.stdout)
	}
	if strings.ContainsAny(r.stdout+r.stderr, "\x1b\x07") {
		t.Errorf("escape sequences reached the terminal: %q", r.stdout)
	}
}
