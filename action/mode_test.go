package action

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/failure"
)

// fakePulls answers PullsForCommit from a map, counting calls.
type fakePulls struct {
	bySHA map[string][]PR
	err   error
	calls *atomic.Int32
}

func (f fakePulls) PullsForCommit(_ context.Context, sha string) ([]PR, error) {
	if f.calls != nil {
		f.calls.Add(1)
	}
	return f.bySHA[sha], f.err
}

var (
	headSHA  = strings.Repeat("2", 40)
	otherSHA = strings.Repeat("5", 40)
)

func releasePR() PR {
	return PR{Number: 7, HeadRef: "releasebot/release-main", BaseRef: "main", Labels: []string{"releasebot: pending"}, Merged: true, MergeCommitSHA: headSHA}
}

func pushEvent(edit func(*PushEvent)) Event {
	p := &PushEvent{Ref: "refs/heads/main", Before: strings.Repeat("1", 40), After: headSHA, HeadCommit: &Commit{ID: headSHA, Message: "Merge pull request #7"}}
	if edit != nil {
		edit(p)
	}
	return Event{Name: "push", Push: p}
}

func TestSelectModePush(t *testing.T) {
	t.Parallel()
	with := func(edit func(*PR)) []PR {
		pr := releasePR()
		edit(&pr)
		return []PR{pr}
	}
	for _, tc := range []struct {
		name    string
		ev      Event
		prs     []PR
		want    ModeName
		asked   bool   // the lookup is called
		because string // in the reason
	}{
		{"merge of the release PR", pushEvent(nil), []PR{releasePR()}, ModePublish, true, "merge of release PR #7"},
		{"squash (no merge commit reported)", pushEvent(nil), with(func(p *PR) { p.MergeCommitSHA = "" }), ModePublish, true, "#7"},
		{"among other PRs", pushEvent(nil), append([]PR{{Number: 3, HeadRef: "feat/x", Merged: true, MergeCommitSHA: headSHA}}, releasePR()), ModePublish, true, "#7"},
		{"label in other case", pushEvent(nil), with(func(p *PR) { p.Labels = []string{"ReleaseBot: Pending"} }), ModePublish, true, "#7"},
		{"head from after when head_commit is null", pushEvent(func(p *PushEvent) { p.HeadCommit = nil }), []PR{releasePR()}, ModePublish, true, "#7"},
		{"a feature merge", pushEvent(nil), []PR{{Number: 3, HeadRef: "feat/x", BaseRef: "main", Merged: true, MergeCommitSHA: headSHA}}, ModePrepare, true, "not the merge"},
		{"no PR", pushEvent(nil), nil, ModePrepare, true, "not the merge"},
		{"release PR not merged (open, head is its commit)", pushEvent(nil), with(func(p *PR) { p.Merged = false; p.MergeCommitSHA = "" }), ModePrepare, true, ""},
		{"release PR without the label", pushEvent(nil), with(func(p *PR) { p.Labels = []string{"release"} }), ModePrepare, true, ""},
		{"release PR already tagged (a re-run publishes again, writing nothing)", pushEvent(nil), with(func(p *PR) { p.Labels = []string{LabelTagged} }), ModePublish, true, ""},
		{"bot branch of another branch", pushEvent(nil), with(func(p *PR) { p.HeadRef = "releasebot/release-dev" }), ModePrepare, true, ""},
		{"look-alike head branch", pushEvent(nil), with(func(p *PR) { p.HeadRef = "evil/releasebot/release-main" }), ModePrepare, true, ""},
		{"into another base", pushEvent(nil), with(func(p *PR) { p.BaseRef = "dev" }), ModePrepare, true, ""},
		{"merged as another commit", pushEvent(nil), with(func(p *PR) { p.MergeCommitSHA = otherSHA }), ModePrepare, true, ""},
		{"forced push", pushEvent(func(p *PushEvent) { p.Forced = true }), nil, ModePrepare, true, ""},
		{"created branch", pushEvent(func(p *PushEvent) { p.Created = true; p.Before = strings.Repeat("0", 40) }), nil, ModePrepare, true, ""},
		{"another branch", pushEvent(func(p *PushEvent) { p.Ref = "refs/heads/dev" }), nil, ModeNoop, false, `branch "dev", not to the release branch "main"`},
		{"the bot branch", pushEvent(func(p *PushEvent) { p.Ref = "refs/heads/releasebot/release-main" }), nil, ModeNoop, false, "not to the release branch"},
		{"branch case variant", pushEvent(func(p *PushEvent) { p.Ref = "refs/heads/Main" }), nil, ModeNoop, false, "not to the release branch"},
		{"tag", pushEvent(func(p *PushEvent) { p.Ref = "refs/tags/main" }), nil, ModeNoop, false, `tag "main"`},
		{"not a branch", pushEvent(func(p *PushEvent) { p.Ref = "refs/notes/main" }), nil, ModeNoop, false, "not to a branch"},
		{"deletion", pushEvent(func(p *PushEvent) { p.Deleted = true; p.After = strings.Repeat("0", 40); p.HeadCommit = nil }), nil, ModeNoop, false, "deletes"},
		{"deletion by zero after only", pushEvent(func(p *PushEvent) { p.After = strings.Repeat("0", 40); p.HeadCommit = nil }), nil, ModeNoop, false, "deletes"},
		{"newline in branch", pushEvent(func(p *PushEvent) { p.Ref = "refs/heads/x\n::error::y" }), nil, ModeNoop, false, `"x ::error::y"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			head := headSHA
			if tc.ev.Push.HeadCommit == nil {
				head = tc.ev.Push.After
			}
			m, err := SelectMode(t.Context(), tc.ev, "main", fakePulls{bySHA: map[string][]PR{head: tc.prs}, calls: &calls})
			if err != nil {
				t.Fatal(err)
			}
			if m.Name != tc.want {
				t.Errorf("mode = %s (%s), want %s", m.Name, m.Reason, tc.want)
			}
			if !strings.Contains(m.Reason, tc.because) || m.Reason == "" || strings.Contains(m.Reason, "\n") {
				t.Errorf("reason %q does not say %q", m.Reason, tc.because)
			}
			if (calls.Load() > 0) != tc.asked || calls.Load() > 1 {
				t.Errorf("lookup called %d times, want asked=%v", calls.Load(), tc.asked)
			}
			switch m.Name {
			case ModePublish:
				if m.SHA != headSHA || m.ReleasePR == nil || m.ReleasePR.Number != 7 {
					t.Errorf("publish of %q, PR %+v", m.SHA, m.ReleasePR)
				}
			case ModePrepare:
				if m.SHA != headSHA || m.ReleasePR != nil {
					t.Errorf("prepare of %q, PR %+v", m.SHA, m.ReleasePR)
				}
			}
		})
	}
}

func TestSelectModePushFails(t *testing.T) {
	t.Parallel()
	remote := failure.New(failure.Remote, "GitHub answered 502; try again")
	_, err := SelectMode(t.Context(), pushEvent(nil), "main", fakePulls{err: remote})
	if !errors.Is(err, remote) || failure.KindOf(err) != failure.Remote {
		t.Errorf("lookup failure = %v", err)
	}
	for _, ev := range []Event{
		pushEvent(func(p *PushEvent) { p.Ref = "" }),
		pushEvent(func(p *PushEvent) { p.HeadCommit = nil; p.After = "" }),
		pushEvent(func(p *PushEvent) { p.HeadCommit.ID = "HEAD~1" }),
	} {
		if _, err := SelectMode(t.Context(), ev, "main", fakePulls{}); failure.KindOf(err) != failure.BadInput {
			t.Errorf("%+v: err = %v, want BadInput", ev.Push, err)
		}
	}
}

func commentEvent(edit func(*IssueCommentEvent)) Event {
	raw := json.RawMessage(`{"url":"https://api.github.com/repos/acme/app/pulls/7"}`)
	c := &IssueCommentEvent{
		Action:  "created",
		Comment: Comment{ID: 1234567890, Body: "/canary 10", User: User{Login: "octocat", Type: "User"}},
		Issue:   Issue{Number: 7, Labels: []Label{{Name: "releasebot: pending"}}, PullRequest: &raw},
	}
	if edit != nil {
		edit(c)
	}
	return Event{Name: "issue_comment", IssueComment: c}
}

func TestSelectModeComment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		ev      Event
		want    ModeName
		because string
		cmd     chatops.Name // for command: the command parsed, 0 for a parse error
	}{
		{"canary on a pending release PR", commentEvent(nil), ModeCommand, `"/canary"`, chatops.Canary},
		{"on a tagged release PR", commentEvent(func(c *IssueCommentEvent) { c.Issue.Labels = []Label{{Name: "bug"}, {Name: LabelTagged}} }), ModeCommand, "#7", chatops.Canary},
		{"command then prose", commentEvent(func(c *IssueCommentEvent) { c.Comment.Body = "/ab_status\nthanks!" }), ModeCommand, "", chatops.ABStatus},
		{"leading blank line", commentEvent(func(c *IssueCommentEvent) { c.Comment.Body = "\n  /rollback\n" }), ModeCommand, "", chatops.Rollback},
		{"upper case", commentEvent(func(c *IssueCommentEvent) { c.Comment.Body = "/CANARY 10" }), ModeCommand, "", chatops.Canary},
		{"near miss answered with usage", commentEvent(func(c *IssueCommentEvent) { c.Comment.Body = "/canery 10" }), ModeCommand, "does not parse", 0},
		{"bad arguments answered", commentEvent(func(c *IssueCommentEvent) { c.Comment.Body = "/canary 500" }), ModeCommand, "does not parse", 0},
		{"bot", commentEvent(func(c *IssueCommentEvent) { c.Comment.User = User{Login: "releasebot[bot]", Type: "Bot"} }), ModeNoop, "bot", 0},
		{"bot type in other case", commentEvent(func(c *IssueCommentEvent) { c.Comment.User = User{Login: "ci", Type: "bot"} }), ModeNoop, "bot", 0},
		{"bot login with user type", commentEvent(func(c *IssueCommentEvent) { c.Comment.User = User{Login: "dependabot[bot]", Type: "User"} }), ModeNoop, "bot", 0},
		{"edited", commentEvent(func(c *IssueCommentEvent) { c.Action = "edited" }), ModeNoop, `"edited", not created`, 0},
		{"deleted", commentEvent(func(c *IssueCommentEvent) { c.Action = "deleted" }), ModeNoop, `"deleted", not created`, 0},
		{"on an issue", commentEvent(func(c *IssueCommentEvent) { c.Issue.PullRequest = nil }), ModeNoop, "issue #7, not on a pull request", 0},
		{"on an unlabelled PR", commentEvent(func(c *IssueCommentEvent) { c.Issue.Labels = nil }), ModeNoop, "not a release PR", 0},
		{"look-alike label", commentEvent(func(c *IssueCommentEvent) { c.Issue.Labels = []Label{{Name: "releasebot: pending?"}} }), ModeNoop, "not a release PR", 0},
		{"prose", commentEvent(func(c *IssueCommentEvent) { c.Comment.Body = "LGTM, ship it" }), ModeNoop, "does not start with a command", 0},
		{"command on a later line", commentEvent(func(c *IssueCommentEvent) { c.Comment.Body = "hello\n/canary 100" }), ModeNoop, "does not start with a command", 0},
		{"quoted command", commentEvent(func(c *IssueCommentEvent) { c.Comment.Body = "> /canary 100" }), ModeNoop, "does not start with a command", 0},
		{"unknown slash word", commentEvent(func(c *IssueCommentEvent) { c.Comment.Body = "/assign @me" }), ModeNoop, "does not start with a command", 0},
		{"empty body", commentEvent(func(c *IssueCommentEvent) { c.Comment.Body = "" }), ModeNoop, "does not start with a command", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			m, err := SelectMode(t.Context(), tc.ev, "main", fakePulls{calls: &calls})
			if err != nil {
				t.Fatal(err)
			}
			if m.Name != tc.want || !strings.Contains(m.Reason, tc.because) {
				t.Errorf("mode = %s (%q), want %s saying %q", m.Name, m.Reason, tc.want, tc.because)
			}
			if calls.Load() != 0 {
				t.Error("a comment asked for a commit's pulls")
			}
			if m.Name != ModeCommand {
				if m.RequestID != "" || m.Parse.Command != nil {
					t.Errorf("a noop carries a command: %+v", m)
				}
				return
			}
			if m.RequestID != "github-comment:1234567890" || m.CommentID != 1234567890 || m.PRNumber != 7 || m.Commenter != tc.ev.IssueComment.Comment.User.Login {
				t.Errorf("command mode = %+v", m)
			}
			if m.Parse.Ignore {
				t.Error("a command mode with an ignored parse")
			}
			if tc.cmd == 0 {
				if m.Parse.Command != nil || m.Parse.Error == "" {
					t.Errorf("want a parse error, got %+v", m.Parse)
				}
			} else if m.Parse.Command == nil || m.Parse.Command.Name != tc.cmd {
				t.Errorf("command = %+v, want %v", m.Parse.Command, tc.cmd)
			}
		})
	}
}

func TestSelectModeOtherEvents(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"pull_request", "workflow_dispatch", "schedule", "release", "", "issues"} {
		ev := Event{Name: name}
		if name == "pull_request" {
			ev = readTestEvent(t, "pull_request", "pull_request.json")
		}
		var calls atomic.Int32
		m, err := SelectMode(t.Context(), ev, "main", fakePulls{calls: &calls})
		if err != nil || m.Name != ModeNoop || !strings.Contains(m.Reason, "starts no release mode") || calls.Load() != 0 {
			t.Errorf("%q: %+v, %v", name, m, err)
		}
	}
	m, err := SelectMode(t.Context(), commentEvent(func(c *IssueCommentEvent) { c.Comment.ID = 0 }), "main", fakePulls{})
	if failure.KindOf(err) != failure.BadInput {
		t.Errorf("a command comment without an id: %+v, %v", m, err)
	}
}

func TestSelectModeFromFiles(t *testing.T) {
	t.Parallel()
	ev := readTestEvent(t, "push", "push.json")
	m, err := SelectMode(t.Context(), ev, "main", fakePulls{bySHA: map[string][]PR{headSHA: {releasePR()}}})
	if err != nil || m.Name != ModePublish {
		t.Errorf("push.json: %+v, %v", m, err)
	}
	ev = readTestEvent(t, "issue_comment", "issue_comment.json")
	m, err = SelectMode(t.Context(), ev, "main", fakePulls{})
	if err != nil || m.Name != ModeCommand || m.RequestID != "github-comment:1234567890" {
		t.Errorf("issue_comment.json: %+v, %v", m, err)
	}
}
