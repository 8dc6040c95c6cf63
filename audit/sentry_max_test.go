package audit

import (
	"context"
	"errors"
	"fmt"
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
		want        Status
	}{
		{0, 2, Pass}, {1, 2, Pass}, {2, 2, Pass}, {3, 2, Fail}, {4, 2, Fail},
		{9, 10, Pass}, {10, 10, Pass}, {11, 10, Fail},
	} {
		t.Run(fmt.Sprintf("%d issues, max %d", c.issues, c.max), func(t *testing.T) {
			t.Parallel()
			_, target := sentryServer(t, c.issues)
			got := runCheck(t, sentryCheck(target, c.max), 5*time.Second)
			if got.Status != c.want {
				t.Errorf("%s: %s, want %s", got.Reason, got.Status, c.want)
			}
			if c.want == Fail && !strings.Contains(got.Reason, fmt.Sprintf("more than %d allowed", c.max)) {
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
			g := &Gate{Config: cfg, Release: "v1.2.3", Getenv: func(string) string { return "" }, Sentry: target}
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
