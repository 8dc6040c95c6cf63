package auditcheck

import (
	"context"
	"errors"
	"fmt"
	"github.com/releasebot/releasebot/audit"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
)

// TestSentryCountAgainstANonZeroMaximum: with max_sentry_issues above zero,
// the count itself decides — at the maximum passes, one more fails.
func TestSentryCountAgainstANonZeroMaximum(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		issues, max int
		want        audit.Status
	}{
		{0, 2, audit.Pass}, {1, 2, audit.Pass}, {2, 2, audit.Pass}, {3, 2, audit.Fail}, {4, 2, audit.Fail},
		{9, 10, audit.Pass}, {10, 10, audit.Pass}, {11, 10, audit.Fail},
	} {
		t.Run(fmt.Sprintf("%d issues, max %d", c.issues, c.max), func(t *testing.T) {
			t.Parallel()
			_, target := sentryServer(t, c.issues)
			got := runCheck(t, sentryCheck(target, c.max), 5*time.Second)
			if got.Status != c.want {
				t.Errorf("%s: %s, want %s", got.Reason, got.Status, c.want)
			}
			if c.want == audit.Fail && !strings.Contains(got.Reason, fmt.Sprintf("more than %d allowed", c.max)) {
				t.Errorf("reason %q does not name the maximum", got.Reason)
			}
			if got.Evidence.Threshold != fmt.Sprintf("≤ %d unresolved", c.max) {
				t.Errorf("threshold %q", got.Evidence.Threshold)
			}
		})
	}
}

// TestGateUsesMaxSentryIssues: the canary gate takes its maximum from
// canary.gates.max_sentry_issues (0 when unset) and refuses a raise only
// above it.
func TestGateUsesMaxSentryIssues(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		max    string // "" leaves the key out
		issues int
		refuse bool
	}{
		{"2", 2, false}, {"2", 3, true}, {"2", 0, false}, {"", 1, true}, {"", 0, false}, {"0", 1, true},
	} {
		t.Run(fmt.Sprintf("max %q, %d issues", c.max, c.issues), func(t *testing.T) {
			t.Parallel()
			gates := "    health: false\n"
			if c.max != "" {
				gates += "    max_sentry_issues: " + c.max + "\n"
			}
			cfg, err := config.Parse("cfg.yml", []byte("environments:\n  stage:\n    release_suffix: \"+stage\"\n    sentry_environment: stage\ncanary:\n  gates:\n"+gates))
			if err != nil {
				t.Fatal(err)
			}
			_, target := sentryServer(t, c.issues)
			g := &audit.Gate{Config: cfg, Release: "v1.2.3", Probes: Sources{Getenv: func(string) string { return "" }, SentryAPI: target}}
			err = g.Check(context.Background(), chatops.GateRequest{Environment: "stage", From: 10, To: 50})
			var ge *chatops.GateError
			switch {
			case c.refuse && (!errors.As(err, &ge) || ge.Check != "sentry"):
				t.Errorf("Check = %v, want a refusal by the sentry gate", err)
			case !c.refuse && err != nil:
				t.Errorf("Check = %v, want a pass", err)
			}
		})
	}
}
