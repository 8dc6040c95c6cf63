package action

import (
	"context"
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// ModeName is what the Action does for an event, and the value of its mode
// output (DESIGN §2).
type ModeName string

// The modes.
const (
	ModePrepare ModeName = "prepare"
	ModePublish ModeName = "publish"
	ModeCommand ModeName = "command"
	ModeNoop    ModeName = "noop"
)

// The labels of a release PR (DESIGN §2).
const (
	LabelPending = "releasebot: pending"
	LabelTagged  = "releasebot: tagged"
)

// BotBranchPrefix starts the bot branch of a release PR:
// releasebot/release-<release branch>.
const BotBranchPrefix = "releasebot/release-"

// Mode is the mode an event selects, with what that mode works on. Reason is
// one line for the log saying why this mode was chosen; it quotes outside
// input only after textsafe.OneLine and Cut.
type Mode struct {
	Name   ModeName
	Reason string

	// SHA is the pushed head commit (prepare, publish).
	SHA string
	// ReleasePR is the merged release PR (publish).
	ReleasePR *PR

	// Command mode: the comment and what the parser made of its first line.
	// Parse has a Command or an Error (a near-miss is answered with the
	// usage); never Ignore.
	CommentID int64
	PRNumber  int
	Commenter string
	Body      string
	Parse     chatops.ParseResult
	// RequestID is github-comment:<comment id>.
	RequestID string
}

// PR is a pull request as the commit's pulls lookup reports it.
type PR struct {
	Number         int
	HeadRef        string
	BaseRef        string
	Labels         []string
	Merged         bool   // merged_at is set
	MergeCommitSHA string // the commit the merge made on the base
	Body           string // holds the hidden marker of a release PR
	URL            string // its page (html_url)
}

// PullLookup finds pull requests of a commit. The GitHub adapter implements
// it with GET /repos/{owner}/{repo}/commits/{sha}/pulls, which lists the
// merged pull requests that introduced the commit (its merge, squash or
// rebase result) and the open ones whose head it is. Errors are the
// adapter's, classified there.
type PullLookup interface {
	PullsForCommit(ctx context.Context, sha string) ([]PR, error)
}

// SelectMode decides the mode for an event (DESIGN §2) with the configured
// release branch; pulls is asked only for a push to the release branch.
//
//   - push to the release branch whose head commit is the merge of the
//     release PR (head releasebot/release-<branch>, base the release branch,
//     labelled releasebot: pending or, on a re-run, releasebot: tagged,
//     merged, its merge commit the pushed head) → publish; any other push to the release branch → prepare; a
//     push to another branch, a tag, or a deletion → noop;
//   - issue_comment created on a pull request labelled releasebot: pending
//     or releasebot: tagged, by someone not a bot, whose first line is a
//     command → command; any other comment → noop;
//   - any other event → noop.
//
// A noop is not an error: its Reason says why. It fails only when the event
// lacks what its mode needs (a push with no ref, a comment with no id: a
// failure.BadInput) or the lookup fails (its error, wrapped).
func SelectMode(ctx context.Context, ev Event, releaseBranch string, pulls PullLookup) (Mode, error) {
	switch {
	case ev.Push != nil:
		return selectPush(ctx, ev.Push, releaseBranch, pulls)
	case ev.IssueComment != nil:
		return selectComment(ev.IssueComment)
	}
	return noop("the %s event starts no release mode; releasebot acts on push and issue_comment", quote(ev.Name)), nil
}

func noop(format string, args ...any) Mode {
	return Mode{Name: ModeNoop, Reason: fmt.Sprintf(format, args...)}
}

// quote makes outside text fit for a reason line.
func quote(s string) string { return "\"" + textsafe.Cut(textsafe.OneLine(s), 80) + "\"" }

// zeroSHA is the before or after of a push that creates or deletes a ref.
func zeroSHA(s string) bool { return s != "" && strings.Trim(s, "0") == "" }

func selectPush(ctx context.Context, p *PushEvent, branch string, pulls PullLookup) (Mode, error) {
	if p.Ref == "" {
		return Mode{}, failure.New(failure.BadInput, "the push event file has no ref; it is not a GitHub push payload")
	}
	if strings.HasPrefix(p.Ref, "refs/tags/") {
		return noop("the push is of the tag %s, not to the release branch %s", quote(strings.TrimPrefix(p.Ref, "refs/tags/")), quote(branch)), nil
	}
	name, ok := strings.CutPrefix(p.Ref, "refs/heads/")
	if !ok {
		return noop("the push is to %s, not to a branch", quote(p.Ref)), nil
	}
	if name != branch {
		return noop("the push is to the branch %s, not to the release branch %s", quote(name), quote(branch)), nil
	}
	if p.Deleted || zeroSHA(p.After) {
		return noop("the push deletes the release branch %s", quote(branch)), nil
	}
	head := p.After
	if p.HeadCommit != nil && p.HeadCommit.ID != "" {
		head = p.HeadCommit.ID
	}
	if !sha.MatchString(head) {
		return Mode{}, failure.New(failure.BadInput, "the push event file's after is %s, not a commit id", quote(head))
	}
	prs, err := pulls.PullsForCommit(ctx, head)
	if err != nil {
		return Mode{}, fmt.Errorf("finding the pull request merged as %s: %w", head, err)
	}
	for i := range prs {
		if isReleaseMerge(prs[i], branch, head) {
			pr := prs[i]
			return Mode{Name: ModePublish, SHA: head, ReleasePR: &pr,
				Reason: fmt.Sprintf("the push to %s is the merge of release PR #%d", quote(branch), pr.Number)}, nil
		}
	}
	return Mode{Name: ModePrepare, SHA: head,
		Reason: fmt.Sprintf("the push to the release branch %s is not the merge of a release PR", quote(branch))}, nil
}

// isReleaseMerge reports whether pr is the release PR of branch, merged as
// head: labelled pending, or tagged by an earlier publish of this push (a
// re-run then publishes again, and every step finds its work done). The merge commit is compared when the lookup reports one:
// the commit's pulls also list a PR the commit was merely part of.
func isReleaseMerge(pr PR, branch, head string) bool {
	return pr.Merged &&
		pr.HeadRef == BotBranchPrefix+branch &&
		(pr.BaseRef == "" || pr.BaseRef == branch) &&
		(hasLabel(pr.Labels, LabelPending) || hasLabel(pr.Labels, LabelTagged)) &&
		(pr.MergeCommitSHA == "" || pr.MergeCommitSHA == head)
}

// hasLabel compares as GitHub does: label names are unique regardless of
// case.
func hasLabel(labels []string, want string) bool {
	for _, l := range labels {
		if strings.EqualFold(strings.TrimSpace(l), want) {
			return true
		}
	}
	return false
}

func selectComment(c *IssueCommentEvent) (Mode, error) {
	if c.Action != "created" {
		return noop("the comment was %s, not created; releasebot answers new comments only", quote(c.Action)), nil
	}
	if c.Issue.PullRequest == nil {
		return noop("the comment is on issue #%d, not on a pull request", c.Issue.Number), nil
	}
	login := c.Comment.User.Login
	if strings.EqualFold(c.Comment.User.Type, "Bot") || strings.HasSuffix(strings.ToLower(login), "[bot]") {
		return noop("the comment on #%d is by the bot %s; releasebot ignores bots", c.Issue.Number, quote(login)), nil
	}
	var names []string
	for _, l := range c.Issue.Labels {
		names = append(names, l.Name)
	}
	if !hasLabel(names, LabelPending) && !hasLabel(names, LabelTagged) {
		return noop("the comment is on #%d, which is not a release PR (labelled %s or %s)", c.Issue.Number, quote(LabelPending), quote(LabelTagged)), nil
	}
	parsed := chatops.ParseComment(c.Comment.Body)
	if parsed.Ignore {
		return noop("the comment on #%d does not start with a command", c.Issue.Number), nil
	}
	if c.Comment.ID <= 0 {
		return Mode{}, failure.New(failure.BadInput, "the issue_comment event file has no comment.id; it is not a GitHub issue_comment payload")
	}
	if c.Issue.Number <= 0 {
		return Mode{}, failure.New(failure.BadInput, "the issue_comment event file has no issue.number; it is not a GitHub issue_comment payload")
	}
	what := "a command that does not parse"
	if parsed.Command != nil {
		what = quote(parsed.Command.Name.Line())
	}
	return Mode{
		Name:      ModeCommand,
		Reason:    fmt.Sprintf("comment %d by %s on release PR #%d is %s", c.Comment.ID, quote(login), c.Issue.Number, what),
		CommentID: c.Comment.ID,
		PRNumber:  c.Issue.Number,
		Commenter: login,
		Body:      c.Comment.Body,
		Parse:     parsed,
		RequestID: fmt.Sprintf("github-comment:%d", c.Comment.ID),
	}, nil
}
