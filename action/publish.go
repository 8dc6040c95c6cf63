package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/releasenotes"
)

// PublishMode is publish (DESIGN §2): tag the merged release PR's version,
// publish the GitHub Release, relabel the PR, record the release in Sentry
// and tell Slack the canary may start. A nil Slack or Sentry is not
// configured: its step is skipped naming the input to set. Running it again
// for a published release writes nothing to GitHub or Slack and says so;
// the Sentry step runs again, since Sentry's side is safe to repeat and a
// re-run is how a Sentry outage during the first one is made good.
type PublishMode struct {
	GitHub GitHub
	Slack  Slack  // nil: slack-bot-token is not set
	Sentry Sentry // nil: sentry-auth-token is not set
	// SlackChannel is slack-channel, used when the marker names none.
	SlackChannel string
	// Notes builds the release's notes at to (the merge commit) with the
	// version forced, and their Markdown (the template's rendering).
	Notes func(ctx context.Context, version, to string) (*releasenotes.Notes, string, error)
	// PR is the merged release PR and SHA its merge commit (Mode.ReleasePR,
	// Mode.SHA).
	PR  *PR
	SHA string
	// Repo is owner/name; RepoURL its web page; Environment Sentry's.
	Repo, RepoURL, Environment string

	// Set by the steps.
	marker     Marker
	notes      *releasenotes.Notes
	markdown   string
	releaseURL string
	published  bool // the Release existed before this run
}

// Steps are publish's steps, in order.
func (m *PublishMode) Steps() []Step {
	return []Step{
		step{"reading the release PR's marker", m.readMarker},
		step{"tagging the release at the merge commit", m.tag},
		step{"publishing the GitHub Release", m.release},
		step{"relabelling the release PR " + LabelTagged, m.relabel},
		step{"recording the release in Sentry", m.sentry},
		step{"telling Slack the canary may start", m.slack},
	}
}

// Outputs are publish's outputs once its steps ran.
func (m *PublishMode) Outputs() map[string]string {
	return map[string]string{"mode": string(ModePublish), "version": m.marker.Version, "release-url": m.releaseURL}
}

// step is a Step made of a name and a function.
type step struct {
	name string
	run  func(context.Context) error
}

func (s step) String() string                { return s.name }
func (s step) Run(ctx context.Context) error { return s.run(ctx) }

func (m *PublishMode) readMarker(ctx context.Context) error {
	if m.PR == nil {
		return failure.New(failure.BadInput, "publish has no release PR; the push is not the merge of one")
	}
	mk, ok := ParseMarker(m.PR.Body)
	if !ok {
		return failure.New(failure.BadInput, "release PR #%d has no releasebot marker as its body's last line, so its version is unknown; restore the body's last line or push to the release branch to prepare it again", m.PR.Number)
	}
	if mk.Tag == "" {
		mk.Tag = "v" + mk.Version
	}
	m.marker = mk
	n, md, err := m.Notes(ctx, mk.Version, m.SHA)
	if err != nil {
		return fmt.Errorf("building the notes of %s: %w", mk.Tag, err)
	}
	m.notes, m.markdown = n, md
	return nil
}

func (m *PublishMode) tag(ctx context.Context) error {
	created, err := m.GitHub.CreateTag(ctx, m.marker.Tag, m.SHA)
	if err != nil {
		return err
	}
	if !created {
		return Skip(fmt.Sprintf("the tag %s is already at %s", m.marker.Tag, m.SHA))
	}
	return nil
}

func (m *PublishMode) release(ctx context.Context) error {
	if r, err := m.GitHub.FindRelease(ctx, m.marker.Tag); err != nil {
		return err
	} else if r != nil {
		m.releaseURL, m.published = r.URL, true
		return Skip(fmt.Sprintf("%s is already published at %s; nothing changed", m.marker.Tag, r.URL))
	}
	body := strings.TrimRight(StripMarker(m.markdown), "\n") + "\n"
	if !strings.Contains(body, "<!-- releasebot:rollout-log -->") && !strings.Contains(body, "\n## Rollout log\n") {
		// A template without the rollout log: the Release still gets
		// the empty section the rollout fills in.
		body += "\n## Rollout log\n"
	}
	body = Fit(body, ReleaseBodyLimit, m.RepoURL+"/blob/"+m.marker.Tag+"/RELEASE_NOTES.md")
	r, err := m.GitHub.CreateRelease(ctx, NewRelease{Tag: m.marker.Tag, Name: m.marker.Tag, Body: body})
	if err != nil {
		return err
	}
	m.releaseURL = r.URL
	return nil
}

func (m *PublishMode) relabel(ctx context.Context) error {
	if hasLabel(m.PR.Labels, LabelTagged) && !hasLabel(m.PR.Labels, LabelPending) {
		return Skip("release PR #" + fmt.Sprint(m.PR.Number) + " is already labelled " + LabelTagged)
	}
	return m.GitHub.SetLabels(ctx, m.PR.Number, []string{LabelTagged}, []string{LabelPending})
}

func (m *PublishMode) sentry(ctx context.Context) error {
	if m.Sentry == nil {
		return Skip("Sentry is not configured; set the inputs sentry-auth-token, sentry-org and sentry-project")
	}
	// Not skipped when an earlier run published: Sentry's side is safe to
	// repeat (PublishRelease), so a re-run completes what a Sentry outage
	// left undone and changes nothing otherwise.
	var commits []releasenotes.Change
	if m.notes != nil {
		for _, s := range m.notes.Sections {
			for _, e := range s.Entries {
				commits = append(commits, releasenotes.Change{Hash: e.Hash, Description: e.Description})
			}
		}
	}
	prev := ""
	if m.notes != nil {
		prev = m.notes.Previous
	}
	return NonFatal(m.Sentry.PublishRelease(ctx, SentryRelease{
		Version: m.marker.Tag, Repo: m.Repo, Commit: m.SHA, Previous: prev,
		Commits: commits, URL: m.releaseURL, Environment: m.Environment,
	}))
}

func (m *PublishMode) slack(ctx context.Context) error {
	if m.Slack == nil {
		return Skip("Slack is not configured; set the inputs slack-bot-token and slack-channel")
	}
	if m.published {
		return Skip(m.marker.Tag + " was published by an earlier run, which told Slack")
	}
	channel, thread := m.SlackChannel, m.marker.Slack
	if thread != nil && thread.Channel != "" {
		channel = thread.Channel
	}
	if channel == "" {
		return Skip("no Slack channel; set the input slack-channel")
	}
	if _, err := m.Slack.PostPublished(ctx, channel, thread, m.notes, m.releaseURL); err != nil {
		// A re-run skips this step (the Release exists), so the sentence
		// says what to do instead.
		return NonFatal(failure.Wrap(failure.KindOf(err), err, "%s; a re-run will not post it, so tell the channel that %s is published and the canary may start", failure.Message(err, ""), m.marker.Tag))
	}
	return nil
}
