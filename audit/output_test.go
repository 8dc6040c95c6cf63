package audit

import (
	"encoding/json"
	"testing"

	"github.com/releasebot/releasebot/internal/golden"
)

func sampleReport() Report {
	checks := []Result{
		{Name: "ci", Status: Pass, Reason: "all 14 checks passed on 3f2a9c8 (12 check runs, 2 statuses)",
			Evidence: Evidence{URL: "https://github.com/acme/web/commit/3f2a9c81d0b7e6f5a4c3b2a1908f7e6d5c4b3a29", Observed: "14 passed, 0 failed, 0 running of 14", Threshold: "every check run and status successful"}},
		{Name: "health", Status: Fail, Reason: "https://stage.example.com/health answered 503 Service Unavailable",
			Evidence: Evidence{URL: "https://stage.example.com/health", Observed: "503 Service Unavailable", Threshold: `2xx with status "ok"`}},
		{Name: "metrics", Status: Warn, Reason: `https://stage.example.com/metrics: sum(http_requests_total{code=~"5.."}) / sum(http_requests_total) is undefined: the denominator is 0`,
			Evidence: Evidence{URL: "https://stage.example.com/metrics", Observed: `sum(http_requests_total{code=~"5.."}) / sum(http_requests_total) = 0 / 0`, Threshold: `sum(http_requests_total{code=~"5.."}) / sum(http_requests_total) ≤ 0.01`}},
		{Name: "sentry", Status: Skip, Reason: "SENTRY_AUTH_TOKEN is not set"},
		{Name: "flags-stage", Status: Pass, Reason: "stage runs canary 0% with all 2 flags on", Evidence: Evidence{Observed: "canary 0%, 2 of 2 flags on", Threshold: "canary 0%, every flag on"}},
		{Name: "flags-prod", Status: Pass, Reason: "prod runs canary 0% with the new flags off: FF_NEW_ONBOARDING", Evidence: Evidence{Observed: "canary 0%, 0 of 1 new flags on", Threshold: "canary 0%, new flags off"}},
		{Name: "version", Status: Pass, Reason: "v1.3.0 is newer than v1.2.3 and the tag is free", Evidence: Evidence{Observed: "v1.3.0", Threshold: "> v1.2.3, tag free"}},
		{Name: "notes", Status: Warn, Reason: "1 change is in no category: \"tweak a|b <script>\"\nsecond line", Evidence: Evidence{Observed: "1 uncategorised", Threshold: "0 uncategorised"}},
	}
	return Report{Status: Overall(checks), Checks: checks}
}

func TestMarkdownGolden(t *testing.T) {
	t.Parallel()
	golden.Assert(t, "report.md.golden", []byte(sampleReport().Markdown()))
}

func TestJSONGolden(t *testing.T) {
	t.Parallel()
	rep := sampleReport()
	out := rep.JSON()
	golden.Assert(t, "report.json.golden", out)
	var back Report
	if err := json.Unmarshal(out, &back); err != nil || back.Status != Fail || len(back.Checks) != 8 {
		t.Errorf("round trip: %v %+v", err, back)
	}
	if got := string((Report{Status: Pass}).JSON()); got != "{\n  \"status\": \"pass\",\n  \"checks\": []\n}\n" {
		t.Errorf("empty report JSON = %q", got)
	}
}

func TestHeadline(t *testing.T) {
	t.Parallel()
	if got, want := sampleReport().Headline(), "Self-audit: ❌ fail (8 checks: 4 pass, 2 warn, 1 fail, 1 skip)"; got != want {
		t.Errorf("Headline() = %q, want %q", got, want)
	}
}

// TestNothingRanIsSkip: an audit whose every check skipped says skip in
// each of its outputs — headline, JSON and the notes' table — never pass.
func TestNothingRanIsSkip(t *testing.T) {
	t.Parallel()
	rep := Runner{}.Run(t.Context(), Skipped("ci", "GITHUB_TOKEN is not set"), Skipped("health", "stage has no health_url"))
	if got, want := rep.Headline(), "Self-audit: ⏭️ skip (2 checks: 2 skip)"; got != want {
		t.Errorf("Headline() = %q, want %q", got, want)
	}
	var back struct{ Status string }
	if err := json.Unmarshal(rep.JSON(), &back); err != nil || back.Status != "skip" {
		t.Errorf("JSON status = %q (%v), want skip", back.Status, err)
	}
	if got := rep.NotesTable().Status(); got != "skip" {
		t.Errorf("notes table status = %q, want skip", got)
	}
	// One check that ran makes it a pass, the skips counted beside it.
	rep = Runner{}.Run(t.Context(), Skipped("ci", "GITHUB_TOKEN is not set"), fixed{name: "version", res: Result{Status: Pass, Reason: "ok"}})
	if got, want := rep.Headline(), "Self-audit: ✅ pass (2 checks: 1 pass, 1 skip)"; got != want {
		t.Errorf("Headline() = %q, want %q", got, want)
	}
}
