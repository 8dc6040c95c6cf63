package chatops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Policy is what a raise of the canary must respect.
type Policy struct {
	Steps []int // configured canary steps, rising
	Gate  Gate  // nil: no gates configured
}

// CheckRaise decides whether the canary may go from one percentage to
// another. Lowering is always allowed and never gated. Raising to a value that
// is not a configured step, or past a step, needs --force; otherwise the gate
// runs. --force skips both, so it works when the gate's services are down.
func (p Policy) CheckRaise(ctx context.Context, env string, from, to int, force bool) error {
	if to <= from || force {
		return nil
	}
	forced := Canary.Line(strconv.Itoa(to), env, "--force")
	if len(p.Steps) > 0 && !slices.Contains(p.Steps, to) {
		return errorf(Refused, "%d%% is not a configured canary step (%s); use a step, or %s", to, stepList(p.Steps), forced)
	}
	var skipped []string
	for _, s := range p.Steps {
		if s > from && s < to {
			skipped = append(skipped, fmt.Sprintf("%d%%", s))
		}
	}
	if len(skipped) > 0 {
		return errorf(Refused, "canary %d%% → %d%% skips %s; run %s first, or %s",
			from, to, strings.Join(skipped, ", "), Canary.Line(strings.TrimSuffix(skipped[0], "%"), env), forced)
	}
	if p.Gate == nil {
		return nil
	}
	if err := p.Gate.Check(ctx, GateRequest{Environment: env, From: from, To: to}); err != nil {
		var ge *GateError
		if errors.As(err, &ge) {
			return &Error{Outcome: Refused, Err: err, Msg: fmt.Sprintf("gate %s failed: %s; fix it and retry, or %s", ge.Check, remoteText(ge.Reason), forced)}
		}
		return &Error{Outcome: Failed, Err: err, Msg: fmt.Sprintf("could not run the gates: %s; retry, or %s", remoteText(err.Error()), forced)}
	}
	return nil
}

func stepList(steps []int) string {
	s := make([]string, len(steps))
	for i, v := range steps {
		s[i] = fmt.Sprintf("%d%%", v)
	}
	return strings.Join(s, ", ")
}

// remoteText is what a remote said (a health endpoint's answer, Sentry's
// message) as a reply may quote it: one line, cut to limits.Echo. It is not
// marked as echoed input, so URLs in it stay as written; Render still escapes
// Slack's and Markdown's <, > and & in it.
func remoteText(s string) string {
	return textsafe.Cut(textsafe.OneLine(s), limits.Echo)
}
