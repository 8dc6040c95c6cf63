package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/internal/prepare"
	"github.com/releasebot/releasebot/internal/repofile"
	"github.com/releasebot/releasebot/internal/textsafe"
	"github.com/releasebot/releasebot/releasenotes"
)

// notesFile is the file the release job writes in the clone.
const notesFile = "RELEASE_NOTES.md"

// errReleaseNeedsAction is what `release` says in GitHub Actions without
// --dry-run: the release job against the API (release PR, Release, Slack,
// Sentry) is the Action's (`releasebot action`, the image's entrypoint),
// and quietly writing the notes locally instead would look like a release
// that never happened.
var errReleaseNeedsAction = fail(exitBadUse, "releasebot release in GitHub Actions only writes RELEASE_NOTES.md with --dry-run; the release PR and the Release are the Action's: use releasebot/releasebot@v1 in the workflow (or run releasebot action)")

func newReleaseCommand(e *env, g *globals) *cobra.Command {
	var dryRun bool
	c := &cobra.Command{
		Use:   "release [--repo DIR] [--dry-run] [--config FILE]",
		Short: "Prepare the release: version, RELEASE_NOTES.md, self-audit and the Slack message",
		Long: `The release job. It computes the next version from the commits since the last
release tag (Conventional Commits), writes RELEASE_NOTES.md — changes, the flags
this release touches, the STAGE checklist from the runbook, the PROD rollout and
rollback commands, the self-audit — and previews the Slack message.

With --dry-run, or outside GitHub Actions, it works on the local clone only:
it writes RELEASE_NOTES.md in --repo and changes nothing remote. It needs no
token. A range with nothing releasable says so, writes nothing and exits 0.

The runbook is the configured one (runbook:, default RUNBOOK.md), else the
built-in one. To change the layout of RELEASE_NOTES.md, put a text/template at
.github/releasebot/RELEASE_NOTES.md.tmpl: a {{define "block"}} in it replaces
that block of the built-in template (notes, entry, flags, stage, rollout,
rollback, audit, prod, log), and text outside any define replaces the whole
document. SOURCE_DATE_EPOCH fixes the release date.

The self-audit (see releasebot audit) runs against the stage environment and
goes into RELEASE_NOTES.md and the summary; a failing check is reported, not
fatal here.

In GitHub Actions (GITHUB_ACTIONS=true) it needs --dry-run: the release PR
and the Release are the Action's (releasebot action); without --dry-run it
changes nothing and exits 2.

Exit codes: 0 done (or nothing to release), 2 bad input.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !dryRun && e.getenv("GITHUB_ACTIONS") == "true" {
				return errReleaseNeedsAction
			}
			ctx := c.Context()
			p, err := prepareNotes(ctx, e, g, notesInput{to: "HEAD"})
			if err != nil {
				return err
			}
			if p.Notes.Release {
				// The self-audit of the release commit goes into the notes;
				// a failing check is reported, and does not stop the job.
				plan := auditPlan(ctx, e, g, p.Config, audit.DefaultAuditEnvironment, p.Notes.Version)
				p.Notes.Audit = plan.Run(ctx, audit.Runner{}).NotesTable()
			}
			return releaseLocally(e, g, p)
		},
	}
	c.Flags().BoolVar(&dryRun, "dry-run", false, "work on the local clone only: write RELEASE_NOTES.md, print the self-audit and the Slack preview, change nothing remote")
	return c
}

// releaseLocally writes RELEASE_NOTES.md and prints the summary, the
// self-audit and the Slack preview.
func releaseLocally(e *env, g *globals, p *prepare.Prepared) error {
	n := p.Notes
	if !n.Release {
		fmt.Fprintf(e.stdout, "No release: %s (%s); %s is left as it is.\n", n.Decision.Reason, commitsWord(n.Commits), notesFile)
		return nil
	}
	var b strings.Builder
	if err := p.Template.Render(&b, n); err != nil {
		return fail(exitBadUse, "%v; fix %s", err, p.Template.Source)
	}
	path := filepath.Join(g.repo, notesFile)
	if err := repofile.WriteAtomic(path, []byte(b.String())); err != nil {
		return fail(exitBadUse, "could not write %s: %v; check that --repo %s is writable", path, err, g.repo)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}

	out := e.stdout
	fmt.Fprintf(out, "Release %s (%s bump: %s)", n.Tag, n.Decision.Bump, n.Decision.Reason)
	if n.Previous != "" {
		fmt.Fprintf(out, ", after %s", n.Previous)
	}
	fmt.Fprintf(out, ", %s\n", n.Date)
	fmt.Fprintf(out, "Changes: %d listed from %s", n.Count(), commitsWord(n.Commits))
	if n.Hidden > 0 {
		fmt.Fprintf(out, "; %d hidden by notes.exclude_types", n.Hidden)
	}
	if n.Reverted > 0 {
		fmt.Fprintf(out, "; %d dropped as reverted", n.Reverted)
	}
	fmt.Fprintln(out)
	if len(n.Breaking) > 0 {
		fmt.Fprintf(out, "  %-16s %d\n", "Breaking changes", len(n.Breaking))
	}
	for _, s := range n.Sections {
		fmt.Fprintf(out, "  %-16s %d\n", s.Title, len(s.Entries))
	}
	for _, w := range n.Warnings {
		fmt.Fprintf(out, "Warning: %s\n", textsafe.Terminal(w))
	}
	fmt.Fprintf(out, "Runbook: %s (%d STAGE items)\n", n.Runbook.Source, n.Runbook.Items(releasenotes.PhaseStage))
	fmt.Fprintf(out, "Wrote %s\n", path)

	fmt.Fprintln(out)
	if n.Audit.Ran() {
		fmt.Fprintf(out, "Self-audit: %s\n", n.Audit.Status())
		for _, r := range n.Audit.Rows {
			fmt.Fprintf(out, "  %-5s %s: %s\n", r.Status, r.Check, r.Reason)
		}
	} else {
		fmt.Fprintln(out, "Self-audit: not run yet (releasebot audit runs it)")
	}

	fmt.Fprintln(out)
	fmt.Fprintln(out, "Slack preview:")
	for _, line := range strings.Split(strings.TrimRight(textsafe.Terminal(releasenotes.SlackPreview(n)), "\n"), "\n") {
		fmt.Fprintln(out, "  "+line)
	}
	return nil
}
