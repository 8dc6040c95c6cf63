package releasenotes_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/internal/golden"
	. "github.com/releasebot/releasebot/releasenotes"
)

// squashHistory is the squash-merge scenario's history.
func squashHistory(t *testing.T) *History {
	r := newGitRepo(t)
	for _, sc := range scenarios {
		if sc.name == "squash-merge" {
			sc.build(r)
		}
	}
	r.commit("fix(payments): round totals; FF_PAYMENTS_V2 stays off")
	return r.history(RangeOptions{})
}

func TestMarkdownGolden(t *testing.T) {
	t.Parallel()
	t.Run("built-in runbook, no audit yet", func(t *testing.T) {
		t.Parallel()
		n := BuildNotes(t, squashHistory(t), Options{
			RepoURL: TestRepoURL, Flags: ProdFlags, FlagsFile: ".release/flags.yaml",
			TouchedFlags: []string{"FF_NAV_FOOTER"},
		})
		golden.AssertString(t, "release-notes-en.golden", Markdown(n))
	})
	t.Run("Russian runbook, audit and rollout filled in", func(t *testing.T) {
		t.Parallel()
		rb, err := ParseRunbook("RUNBOOK.md", ReadFixture(t, "RUNBOOK.ru.md"))
		if err != nil {
			t.Fatal(err)
		}
		h := squashHistory(t)
		for i := range h.Changes {
			h.Changes[i].Author.Login = "alice"
		}
		at := time.Date(2025, 3, 2, 10, 30, 0, 0, time.UTC)
		n := BuildNotes(t, h, Options{
			RepoURL: TestRepoURL, Runbook: rb, Flags: ProdFlags, FlagsFile: ".release/flags.yaml",
			Audit: AuditTable{Rows: []AuditRow{
				{Check: "CI status", Status: AuditPass, Reason: "3 check runs succeeded", Evidence: "https://github.com/acme/shop/commit/abc/checks"},
				{Check: "stage /metrics", Status: AuditWarn, Reason: "5xx ratio 0.4% | threshold 1%", Evidence: "http_requests_total{code=~\"5..\"}"},
				{Check: "Sentry", Status: AuditSkip, Reason: "sentry is not configured"},
			}},
			Prod: ProdStatus{Started: at, Canary: 50, Notes: []string{"Support reports nothing unusual."}},
			RolloutLog: []RolloutEntry{
				{When: at, Who: "@alice", Command: "/canary 10", Change: "canary 0% → 10% (prod)", Commit: "0123456789abcdef0123456789abcdef01234567"},
				{When: at.Add(40 * time.Minute), Who: "Борис", Command: "/canary 50", Change: "canary 10% → 50% (prod)"},
			},
		})
		n.AppendRollout(RolloutEntry{When: at.Add(50 * time.Minute), Who: "@carol", Command: "/toggle FF_NAV_FOOTER default", Change: "FF_NAV_FOOTER override: off → none (prod)", Commit: "89abcdef0123456789abcdef0123456789abcdef"})
		golden.AssertString(t, "release-notes-ru.golden", Markdown(n))
	})
}

// TestRenderDeterministic renders the same input many times: maps are never
// iterated into the output, and the date comes from the options.
func TestRenderDeterministic(t *testing.T) {
	t.Parallel()
	h := squashHistory(t)
	o := Options{RepoURL: TestRepoURL, Flags: ProdFlags, TouchedFlags: []string{"FF_B", "FF_A", "FF_NAV_FOOTER"}}
	first := Markdown(BuildNotes(t, h, o))
	for i := 0; i < 20; i++ {
		if got := Markdown(BuildNotes(t, h, o)); got != first {
			t.Fatalf("render %d differs:\n%s", i, golden.Diff(first, got))
		}
	}
}

func TestTemplateOverride(t *testing.T) {
	t.Parallel()
	n := BuildNotes(t, &History{Previous: Tag{Name: "v1.0.0"}}, Options{Version: "1.0.1"})

	block, err := ParseTemplate(TemplatePath, `{{define "flags"}}## Flags

See the dashboard.{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := block.Render(&b, n); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.Contains(got, "## Flags\n\nSee the dashboard.\n\n## STAGE checklist") || !strings.HasPrefix(got, "# v1.0.1 (") {
		t.Errorf("a redefined block should replace only that block:\n%s", got)
	}

	whole, err := ParseTemplate(TemplatePath, "Release {{.Tag}}\n{{template \"notes\" .}}")
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := whole.Render(&b, n); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.HasPrefix(got, "Release v1.0.1\n# v1.0.1") || strings.Contains(got, "STAGE") {
		t.Errorf("top-level text should replace the document:\n%s", got)
	}

	if _, err := ParseTemplate(TemplatePath, "{{.Tag"); err == nil || !strings.Contains(err.Error(), TemplatePath) {
		t.Errorf("a parse error should name the file: %v", err)
	}
	bad, err := ParseTemplate(TemplatePath, "{{.NoSuchField}}")
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Render(&b, n); err == nil || !strings.Contains(err.Error(), TemplatePath) {
		t.Errorf("an execution error should name the file: %v", err)
	}
}

func TestNotesJSON(t *testing.T) {
	t.Parallel()
	n := BuildNotes(t, squashHistory(t), Options{RepoURL: TestRepoURL, Flags: ProdFlags})
	data, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"version", "tag", "decision", "sections", "contributors", "flags", "runbook", "rollout", "rollback_plan", "audit", "prod", "rollout_log"} {
		if _, ok := back[key]; !ok {
			t.Errorf("JSON lacks %q", key)
		}
	}
	if back["version"] != "1.4.0" || back["decision"].(map[string]any)["bump"] != "minor" {
		t.Errorf("version %v, decision %v", back["version"], back["decision"])
	}
}

func TestSlackPreview(t *testing.T) {
	t.Parallel()
	n := BuildNotes(t, squashHistory(t), Options{RepoURL: TestRepoURL, Flags: ProdFlags})
	want := `Release v1.4.0 is ready (2025-03-01, minor bump from v1.3.0)
Changes: Features: 1 · Bug fixes: 2
Compare: https://github.com/acme/shop/compare/v1.3.0...v1.4.0
Flags: FF_NAV_FOOTER, FF_NEW_ONBOARDING, FF_PAYMENTS_V2
STAGE checklist: 13 items to tick (built-in runbook)
PROD rollout: /ab_status → /canary 10 → /canary 50 → /canary 100 → /toggle FF_NAV_FOOTER on → /toggle FF_NEW_ONBOARDING on
Rollback: /rollback
Self-audit: not run yet
`
	if got := SlackPreview(n); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	none := BuildNotes(t, &History{From: "v1.0.0"}, Options{})
	if got := SlackPreview(none); got != "No release: no commits since v1.0.0.\n" {
		t.Errorf("no release: %q", got)
	}
}

func TestAuditStatus(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		rows []AuditStatus
		want AuditStatus
	}{
		{nil, ""},
		{[]AuditStatus{AuditSkip}, AuditSkip},
		{[]AuditStatus{AuditSkip, AuditPass}, AuditPass},
		{[]AuditStatus{AuditPass, AuditWarn, AuditSkip}, AuditWarn},
		{[]AuditStatus{AuditFail, AuditWarn}, AuditFail},
	} {
		var tab AuditTable
		for _, s := range tt.rows {
			tab.Rows = append(tab.Rows, AuditRow{Check: "c", Status: s})
		}
		if got := tab.Status(); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.rows, got, tt.want)
		}
	}
}

func TestTableCell(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain":              "plain",
		"a | b":              `a \| b`,
		"two\nlines\r\nhere": "two lines here",
		`sum(x{code=~"5.."}) ≤ 0 · sum(y{a=~"b"})`: `sum(x{code=\~"5.."}) ≤ 0 · sum(y{a=\~"b"})`, // no strikethrough between the two ~
		"<script>alert(1)</script>":                "&lt;script&gt;alert(1)&lt;/script&gt;",
		"**bold** and `code` and a\\b":             "\\*\\*bold\\*\\* and \\`code\\` and a\\\\b",
		"http_requests_total FF_NEW_ONBOARDING":    "http_requests_total FF_NEW_ONBOARDING", // GitHub reads no emphasis inside a word
		"_it_ @here <!channel> [x](https://evil)":  `\_it\_ @` + "\u2060" + `here &lt;\!channel&gt; \[x\](https://evil)`,
		"a\u2028b\tc": "a b c",
	} {
		if got := TableCell(in); got != want {
			t.Errorf("TableCell(%q) = %q, want %q", in, got, want)
		}
	}
}
