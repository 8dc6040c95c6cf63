package action

import (
	"context"
	"time"

	"github.com/releasebot/releasebot/releasenotes"
)

// The ports below are what the modes need of GitHub, Slack and Sentry. The
// adapters (internal/github, internal/slack, internal/sentry) implement
// them; cmd/releasebot wires them. Errors are the adapters', classified
// there as *failure.Error (Remote for a service that failed, Refused for a
// rule that refused, such as a protected branch).

// ReleasePR is an open or merged release PR as the modes see it.
type ReleasePR struct {
	Number  int
	URL     string // its page (html_url)
	Title   string
	Body    string
	HeadRef string // releasebot/release-<branch>
	BaseRef string
	Labels  []string
}

// NewReleasePR is a release PR to open.
type NewReleasePR struct {
	Title, Body, Head, Base string
}

// Release is a GitHub Release.
type Release struct {
	ID      int64
	Tag     string
	Name    string
	Body    string
	URL     string // its page (html_url)
	Commit  string // the commit its tag points at, when known
	Created bool   // made by this call (false: it existed)
	// Published is when GitHub published it (zero for a draft).
	Published time.Time
}

// NewRelease is a GitHub Release to publish on an existing tag.
type NewRelease struct {
	Tag, Name, Body string
}

// PullRequestMeta lists the merged pull requests into base, in pages of 100
// (never one call per commit), and returns what GitHub knows of each that a
// change of h points at: by PR number (from the subject or a merge commit)
// and by merge commit (a squash or rebase merge whose subject names no PR).
// It stops paging once every PR the history names is found or the pages
// reach PRs merged before since (the previous release's date); the number
// of calls grows with pages of 100, not with commits.
type PullRequestMeta interface {
	MergedPullRequests(ctx context.Context, base string, h *releasenotes.History, since time.Time) (byNumber map[int]releasenotes.PullRequest, byMergeCommit map[string]int, err error)
}

// GitHub is what prepare, publish and command do on the repository.
type GitHub interface {
	PullLookup
	PullRequestMeta

	// FindReleasePR returns the open PR from head into base, or nil when
	// there is none.
	FindReleasePR(ctx context.Context, head, base string) (*ReleasePR, error)
	// WriteBranch makes one commit on top of parent holding files (path →
	// content, added to or replacing parent's tree) with the Git Data API,
	// and points branch at it, creating the branch or force-moving it (the
	// bot branch is the bot's own). It returns the new commit.
	WriteBranch(ctx context.Context, branch, parent string, files map[string][]byte, message string) (string, error)
	// CreatePR opens a PR; UpdatePR sets an open PR's title and body.
	CreatePR(ctx context.Context, pr NewReleasePR) (*ReleasePR, error)
	UpdatePR(ctx context.Context, number int, title, body string) error
	// SetLabels adds and removes labels of an issue or PR, creating a label
	// the repository lacks; removing a label it does not have is no error.
	SetLabels(ctx context.Context, number int, add, remove []string) error
	// CreateTag points refs/tags/<tag> at commit. created is false when
	// the tag already exists at commit; a tag at another commit is a
	// failure.Refused naming both commits.
	CreateTag(ctx context.Context, tag, commit string) (created bool, err error)
	// FindRelease returns the Release of tag, or nil when there is none.
	FindRelease(ctx context.Context, tag string) (*Release, error)
	// CreateRelease publishes a Release on an existing tag.
	CreateRelease(ctx context.Context, r NewRelease) (*Release, error)

	// React adds a reaction ("eyes", "rocket", "confused") to an issue
	// comment; adding one that is there is no error.
	React(ctx context.Context, commentID int64, content string) error
	// Unreact takes back a reaction this adapter made earlier in the run
	// (nothing when it made none): when another run (the App, the Action)
	// answered the comment first, its reactions are the comment's one set.
	Unreact(ctx context.Context, commentID int64, content string) error
	// Comment posts a comment on issue or PR number and returns its URL.
	Comment(ctx context.Context, number int, body string) (string, error)
	// FindComment returns the URL of the first comment on number whose
	// body contains marker (a hidden <!-- … --> line), or "" when none
	// does: a redelivered command finds its earlier reply instead of
	// posting a second one. Comments are read in pages of 100.
	FindComment(ctx context.Context, number int, marker string) (string, error)
	// DispatchWorkflow starts workflow (a file name under
	// .github/workflows) on ref with workflow_dispatch.
	DispatchWorkflow(ctx context.Context, workflow, ref string) error
}

// SlackMessage is where a posted Slack message lives: the release PR's
// hidden marker keeps it so the next push updates it in place and the
// server can thread on it.
type SlackMessage struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// Slack posts the release's messages.
type Slack interface {
	// PostChecklist posts the release's checklist (Block Kit: header,
	// summary, audit, one checkbox group per runbook section) to channel,
	// or updates it in place when prev names an earlier post (chat.update);
	// a prev that Slack no longer knows is posted anew. prURL links the
	// release PR.
	PostChecklist(ctx context.Context, channel string, prev *SlackMessage, n *releasenotes.Notes, prURL string) (SlackMessage, error)
	// PostPublished tells the channel, in the checklist's thread when
	// thread is set, that the release is published and the canary may
	// start, with the exact next command.
	PostPublished(ctx context.Context, channel string, thread *SlackMessage, n *releasenotes.Notes, releaseURL string) (SlackMessage, error)
}

// SentryRelease is a release to record in Sentry on publish.
type SentryRelease struct {
	// Version is the release name (the tag; a stage release adds the
	// environment's release_suffix).
	Version string
	// Repo is "owner/name"; Commit and Previous the range's ends.
	Repo             string
	Commit, Previous string
	// Commits are the release's commits, newest first.
	Commits []releasenotes.Change
	// URL is the GitHub Release page.
	URL string
	// Environment is the deploy's environment (the default environment's
	// sentry_environment, else its name).
	Environment string
}

// Sentry records releases and deploys.
type Sentry interface {
	// PublishRelease creates the release (safe to repeat), sets its
	// commits and records a deploy to its environment.
	PublishRelease(ctx context.Context, r SentryRelease) error
}
