package releasenotes

import (
	"fmt"
	"strings"
)

// SlackPreview is the release's announcement as plain text, one fact a line:
// what the Slack message will say, for a terminal or a dry run.
func SlackPreview(n *Notes) string {
	var b strings.Builder
	if !n.Release {
		fmt.Fprintf(&b, "No release: %s.\n", n.Decision.Reason)
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
		counts = append(counts, fmt.Sprintf("%s: %d", s.Title, len(s.Entries)))
	}
	if len(counts) > 0 {
		fmt.Fprintf(&b, "Changes: %s\n", strings.Join(counts, " · "))
	}
	if n.CompareURL != "" {
		fmt.Fprintf(&b, "Compare: %s\n", n.CompareURL)
	}
	if names := n.Flags.Names(); len(names) > 0 {
		fmt.Fprintf(&b, "Flags: %s\n", strings.Join(names, ", "))
	}
	if n.Runbook != nil {
		fmt.Fprintf(&b, "STAGE checklist: %d items to tick (%s)\n", n.Runbook.Items(PhaseStage), n.Runbook.Source)
	}
	cmds := make([]string, len(n.Rollout))
	for i, s := range n.Rollout {
		cmds[i] = s.Command
	}
	fmt.Fprintf(&b, "PROD rollout: %s\n", strings.Join(cmds, " → "))
	if len(n.RollbackPlan) > 0 {
		fmt.Fprintf(&b, "Rollback: %s\n", n.RollbackPlan[0].Command)
	}
	if st := n.Audit.Status(); st != "" {
		fmt.Fprintf(&b, "Self-audit: %s\n", st)
	} else {
		b.WriteString("Self-audit: not run yet\n")
	}
	return b.String()
}
