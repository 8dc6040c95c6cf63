package releasenotes

import (
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// SlackPreview is the release's announcement as plain text, one fact a line:
// what the Slack message will say, for a terminal or a dry run. What it
// quotes from outside (the reason, which may name a revision; category
// titles; the runbook's path; a flag name that is not an FF_ name) is
// written with textsafe.Slack, cut to limits.Echo, so "<!channel>" or
// "@here" in it would notify nobody once posted.
func SlackPreview(n *Notes) string {
	var b strings.Builder
	if !n.Release {
		fmt.Fprintf(&b, "No release: %s.\n", slack(n.Decision.Reason))
		return b.String()
	}
	fmt.Fprintf(&b, "Release %s is ready (%s", n.Tag, n.Date)
	if n.Previous != "" {
		fmt.Fprintf(&b, ", %s bump from %s", n.Decision.Bump, n.Previous)
	}
	b.WriteString(")\n")
	var counts []string
	if len(n.Breaking) > 0 {
		counts = append(counts, fmt.Sprintf("%d breaking", len(n.Breaking)))
	}
	for _, s := range n.Sections {
		counts = append(counts, fmt.Sprintf("%s: %d", slack(s.Title), len(s.Entries)))
	}
	if len(counts) > 0 {
		fmt.Fprintf(&b, "Changes: %s\n", strings.Join(counts, " · "))
	}
	if n.CompareURL != "" {
		fmt.Fprintf(&b, "Compare: %s\n", n.CompareURL)
	}
	if names := n.Flags.Names(); len(names) > 0 {
		fmt.Fprintf(&b, "Flags: %s\n", strings.Join(slackNames(names), ", "))
	}
	if n.Runbook != nil {
		fmt.Fprintf(&b, "STAGE checklist: %d items to tick (%s)\n", n.Runbook.Items(PhaseStage), slack(n.Runbook.Source))
	}
	cmds := make([]string, len(n.Rollout))
	for i, s := range n.Rollout {
		cmds[i] = slackCommand(s.Command)
	}
	fmt.Fprintf(&b, "PROD rollout: %s\n", strings.Join(cmds, " → "))
	if len(n.RollbackPlan) > 0 {
		fmt.Fprintf(&b, "Rollback: %s\n", slackCommand(n.RollbackPlan[0].Command))
	}
	if st := n.Audit.Status(); st != "" {
		fmt.Fprintf(&b, "Self-audit: %s\n", st)
	} else {
		b.WriteString("Self-audit: not run yet\n")
	}
	return b.String()
}

// slack makes one quoted piece inert for Slack mrkdwn, on one line.
func slack(s string) string { return textsafe.Slack(textsafe.Cut(textsafe.OneLine(s), limits.Echo)) }

// slackNames keeps FF_ names as typed, since they hold only capitals,
// digits and inner underscores, which Slack formats nothing with, and
// escapes any other name a caller passed.
func slackNames(names []string) []string {
	out := make([]string, len(names))
	for i, f := range names {
		out[i] = f
		if !ffName(f) {
			out[i] = slack(f)
		}
	}
	return out
}

// slackCommand writes a rollout command: its name is releasebot's own, the
// flag it may name is kept or escaped as slackNames does.
func slackCommand(c string) string {
	name, args, _ := strings.Cut(c, " ")
	if args == "" {
		return name
	}
	if flag, rest, _ := strings.Cut(args, " "); ffName(flag) {
		return name + " " + flag + " " + slack(rest)
	}
	return name + " " + slack(args)
}

func ffName(s string) bool { return strings.HasPrefix(s, "FF_") && isFlagName(s) }
