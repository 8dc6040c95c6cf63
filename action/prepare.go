package action

import (
	"context"
	"path/filepath"
	"strconv"

	"github.com/releasebot/releasebot/internal/repofile"
	"github.com/releasebot/releasebot/releasenotes"
)

// PrepareMode is prepare (DESIGN §2): the next version and notes, one
// commit of RELEASE_NOTES.md on the bot branch, one release PR opened or
// updated, labelled pending, and the checklist posted to Slack. With DryRun
// nothing is written to GitHub or Slack (each such step is a "dry-run: …"
// skip); the notes file, the outputs and the summary are still written.
//
// Order: for an open PR the checklist is posted first (prev from the old
// marker) so one UpdatePR writes the body with the new channel and ts; a new
// PR is opened, then the checklist posted with its URL, then the body is
// updated once if the Slack message is new.
type PrepareMode struct {
	GitHub       GitHub
	Slack        Slack // nil: slack-bot-token is not set
	SlackChannel string
	// Notes builds the notes over the checkout (with PR metadata) and
	// their Markdown, the RELEASE_NOTES.md content.
	Notes     func(ctx context.Context) (*releasenotes.Notes, string, error)
	Branch    string // the release branch
	HeadSHA   string // the push's head
	Workspace string // RELEASE_NOTES.md is written here
	RepoURL   string
	DryRun    bool

	notes     *releasenotes.Notes
	markdown  string
	noop      bool
	pr        *ReleasePR
	marker    Marker
	notesPath string
}

// Steps are prepare's steps, in order.
func (m *PrepareMode) Steps() []Step {
	return []Step{
		step{"computing the next version, the notes and the self-audit", m.compute},
		step{"writing RELEASE_NOTES.md", m.writeFile},
		step{"committing RELEASE_NOTES.md on " + m.botBranch(), m.commit},
		step{"finding the release PR", m.find},
		step{"posting the checklist to Slack", m.slack},
		step{"opening or updating the release PR", m.openOrUpdate},
		step{"labelling the release PR " + LabelPending, m.label},
	}
}

// Noop reports that nothing was releasable: the mode output is noop.
func (m *PrepareMode) Noop() bool { return m.noop }

// Outputs are prepare's outputs.
func (m *PrepareMode) Outputs() map[string]string {
	if m.noop {
		return map[string]string{"mode": string(ModeNoop)}
	}
	out := map[string]string{"mode": string(ModePrepare), "notes-path": m.notesPath}
	if m.notes != nil {
		out["version"] = m.notes.Version
	}
	if m.pr != nil && m.pr.Number > 0 {
		out["release-pr"] = itoa(m.pr.Number)
	}
	return out
}

func (m *PrepareMode) botBranch() string { return BotBranchPrefix + m.Branch }

// stop skips the steps after compute when there is nothing to do.
func (m *PrepareMode) stop(write bool) error {
	if m.noop {
		return Skip("nothing releasable")
	}
	if write && m.DryRun {
		return Skip("dry-run: nothing is written to GitHub or Slack")
	}
	return nil
}

func (m *PrepareMode) compute(ctx context.Context) error {
	n, md, err := m.Notes(ctx)
	if err != nil {
		return err
	}
	m.notes, m.markdown = n, md
	if !n.Release {
		m.noop = true
		return Skip("nothing releasable since " + n.Previous + "; the open release PR, if any, is left alone")
	}
	m.marker = Marker{Version: n.Version, Tag: n.Tag, Branch: m.Branch}
	return nil
}

func (m *PrepareMode) writeFile(context.Context) error {
	if err := m.stop(false); err != nil {
		return err
	}
	m.notesPath = filepath.Join(m.Workspace, "RELEASE_NOTES.md")
	// Replaced, not written through: a RELEASE_NOTES.md in the repository
	// that is a link must not send the notes outside the workspace.
	return repofile.WriteAtomic(m.notesPath, []byte(m.markdown))
}

func (m *PrepareMode) commit(ctx context.Context) error {
	if err := m.stop(true); err != nil {
		return err
	}
	_, err := m.GitHub.WriteBranch(ctx, m.botBranch(), m.HeadSHA, map[string][]byte{"RELEASE_NOTES.md": []byte(m.markdown)}, "chore(release): "+m.notes.Tag)
	return err
}

func (m *PrepareMode) find(ctx context.Context) error {
	if err := m.stop(true); err != nil {
		return err
	}
	pr, err := m.GitHub.FindReleasePR(ctx, m.botBranch(), m.Branch)
	if err != nil {
		return err
	}
	if pr != nil {
		m.pr = pr
		if old, ok := ParseMarker(pr.Body); ok {
			m.marker.Slack = old.Slack
		}
	}
	return nil
}

func (m *PrepareMode) title() string { return "chore(release): " + m.notes.Tag }

func (m *PrepareMode) body() string {
	return Fit(WithMarker(m.markdown, m.marker), PRBodyLimit, m.RepoURL+"/blob/"+m.botBranch()+"/RELEASE_NOTES.md")
}

func (m *PrepareMode) slack(ctx context.Context) error {
	if err := m.stop(true); err != nil {
		return err
	}
	if m.Slack == nil || m.SlackChannel == "" {
		return Skip("Slack is not configured; set the inputs slack-bot-token and slack-channel")
	}
	if m.pr == nil {
		pr, err := m.GitHub.CreatePR(ctx, NewReleasePR{Title: m.title(), Body: m.body(), Head: m.botBranch(), Base: m.Branch})
		if err != nil {
			return err
		}
		m.pr = pr
		pr.Body = m.body()
	}
	msg, err := m.Slack.PostChecklist(ctx, m.SlackChannel, m.marker.Slack, m.notes, m.pr.URL)
	if err != nil {
		return NonFatal(err)
	}
	m.marker.Slack = &msg
	return nil
}

func (m *PrepareMode) openOrUpdate(ctx context.Context) error {
	if err := m.stop(true); err != nil {
		return err
	}
	if m.pr == nil {
		pr, err := m.GitHub.CreatePR(ctx, NewReleasePR{Title: m.title(), Body: m.body(), Head: m.botBranch(), Base: m.Branch})
		if err != nil {
			return err
		}
		m.pr = pr
		return nil
	}
	body := m.body()
	if m.pr.Title == m.title() && m.pr.Body == body {
		return Skip("release PR #" + itoa(m.pr.Number) + " already holds these notes")
	}
	return m.GitHub.UpdatePR(ctx, m.pr.Number, m.title(), body)
}

func (m *PrepareMode) label(ctx context.Context) error {
	if err := m.stop(true); err != nil {
		return err
	}
	if hasLabel(m.pr.Labels, LabelPending) {
		return Skip("already labelled " + LabelPending)
	}
	return m.GitHub.SetLabels(ctx, m.pr.Number, []string{LabelPending}, nil)
}

func itoa(n int) string { return strconv.Itoa(n) }
