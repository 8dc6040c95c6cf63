package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		"## Self-audit\n\n<!-- releasebot:audit -->\n_Not run yet._\n",
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
		"Self-audit: not run yet",
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
