package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v62/github"

	"github.com/releasebot/releasebot/action"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/releasenotes"
)

// Action is what the Action's modes (prepare, publish, command) do on one
// repository through GitHub's REST API: it implements action.GitHub. Every
// error is a *failure.Error: Remote when GitHub failed, Refused when a rule
// refused (a permission the workflow's token lacks, a protected branch, a
// tag at another commit), BadInput when the input names what is not there.
type Action struct {
	Client      *gh.Client
	Owner, Repo string

	mu   sync.Mutex
	mine map[reactionKey]int64 // the reactions this adapter made, by comment and content
}

type reactionKey struct {
	comment int64
	content string
}

var _ action.GitHub = (*Action)(nil)

// NewAction returns the adapter for repo ("owner/name") on client. It fails
// when repo is not in that form; no request is made.
func NewAction(client *gh.Client, repo string) (*Action, error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, failure.New(failure.BadInput, "the repository %q is not in the form owner/name", repo)
	}
	if client == nil {
		return nil, failure.New(failure.Internal, "no GitHub client for %s", repo)
	}
	return &Action{Client: client, Owner: owner, Repo: name}, nil
}

func (a *Action) repo() string { return a.Owner + "/" + a.Repo }

// maxMergedPages bounds MergedPullRequests when the history's changes
// cannot all be found and no date stops it (no release yet): 2,000 pull
// requests, 20 calls.
const maxMergedPages = 20

// The permissions of the workflow's token each call needs, named as the
// workflow's permissions: key says them.
const (
	permPullsRead     = "pull-requests: read"
	permPullsWrite    = "pull-requests: write"
	permContentsRead  = "contents: read"
	permContentsWrite = "contents: write"
	permIssuesRead    = "issues: read"
	permIssuesWrite   = "issues: write"
	permActionsWrite  = "actions: write"
)

// fail classifies err once: a 403 that says the token may not (GitHub's
// "Resource not accessible by integration", "by personal access token")
// is Refused, naming the permission the workflow's permissions: must
// grant; anything else is Remote, with GitHub's validation details.
func (a *Action) fail(err error, perm, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	var er *gh.ErrorResponse
	// A rate limit's 403 is go-github's RateLimitError, not an ErrorResponse.
	if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusForbidden {
		return &failure.Error{Kind: failure.Refused, Err: err,
			Msg: fmt.Sprintf("%s: GitHub refused the token (403 %s); grant `%s` in the workflow's `permissions:` (or to the App)", what, er.Message, perm)}
	}
	if isProtected(err) {
		return &failure.Error{Kind: failure.Refused, Err: err,
			Msg: fmt.Sprintf("%s: the branch is protected (%s); exempt it from the protection rule or let the bot's App or token bypass it", what, describe(err))}
	}
	f := failed(err, "%s", what)
	if d := details(err); d != "" {
		f.(*opError).Msg += " (" + d + ")"
	}
	return f
}

// details are the messages of a 422's errors list ("A pull request already
// exists for acme:releasebot/release-main."), which describe leaves out.
func details(err error) string {
	var er *gh.ErrorResponse
	if !errors.As(err, &er) {
		return ""
	}
	var out []string
	for _, e := range er.Errors {
		switch {
		case e.Message != "":
			out = append(out, e.Message)
		case e.Field != "" && e.Code != "":
			out = append(out, e.Field+" "+e.Code)
		}
	}
	return strings.Join(out, "; ")
}

// ghMessage is GitHub's message of an error response, in lower case.
func ghMessage(err error) string {
	var er *gh.ErrorResponse
	if errors.As(err, &er) {
		return strings.ToLower(er.Message)
	}
	return ""
}

// PullsForCommit lists the pull requests of sha with
// GET /commits/{sha}/pulls: the merged ones that brought it (its merge,
// squash or rebase result) and the open ones whose head it is.
func (a *Action) PullsForCommit(ctx context.Context, sha string) ([]action.PR, error) {
	opts := &gh.ListOptions{PerPage: 100}
	var out []action.PR
	for {
		prs, resp, err := a.Client.PullRequests.ListPullRequestsWithCommit(ctx, a.Owner, a.Repo, sha, opts)
		if err != nil {
			return nil, a.fail(err, permPullsRead, "could not list the pull requests of %.7s on %s", sha, a.repo())
		}
		for _, p := range prs {
			out = append(out, pr(p))
		}
		if resp.NextPage == 0 || len(prs) == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

func pr(p *gh.PullRequest) action.PR {
	out := action.PR{
		Number: p.GetNumber(), HeadRef: p.GetHead().GetRef(), BaseRef: p.GetBase().GetRef(),
		Labels: labelNames(p.Labels), Merged: p.MergedAt != nil || p.GetMerged(),
		Body: p.GetBody(), URL: p.GetHTMLURL(),
	}
	if out.Merged {
		// An open pull request's merge_commit_sha is GitHub's test merge,
		// not a commit on the base.
		out.MergeCommitSHA = p.GetMergeCommitSHA()
	}
	return out
}

func labelNames(ls []*gh.Label) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.GetName())
	}
	return out
}

// LatestReleasePR returns the newest release PR from head into base, open
// or closed (during a rollout it is merged), or nil when there is none.
func (a *Action) LatestReleasePR(ctx context.Context, head, base string) (*action.ReleasePR, error) {
	return a.releasePR(ctx, head, base, &gh.PullRequestListOptions{State: "all", Sort: "created", Direction: "desc", ListOptions: gh.ListOptions{PerPage: 10}})
}

func releasePR(p *gh.PullRequest) *action.ReleasePR {
	return &action.ReleasePR{
		Number: p.GetNumber(), URL: p.GetHTMLURL(), Title: p.GetTitle(), Body: p.GetBody(),
		HeadRef: p.GetHead().GetRef(), BaseRef: p.GetBase().GetRef(), Labels: labelNames(p.Labels),
	}
}

// MergedPullRequests reads the closed pull requests into base, most
// recently updated first, 100 a page, keeping the merged ones, and maps
// what h's changes point at: each PR number a change names, and each merge
// commit that is a change's hash (a squash or rebase merge whose subject
// names no PR). It stops once all of those are found, when a page reaches
// pull requests last updated before since (a pull request merged since
// then was updated since then too, and the rest are older), at the last
// page, or after maxMergedPages. The calls grow with pages, not commits.
func (a *Action) MergedPullRequests(ctx context.Context, base string, h *releasenotes.History, since time.Time) (map[int]releasenotes.PullRequest, map[string]int, error) {
	byNumber, byMerge := map[int]releasenotes.PullRequest{}, map[string]int{}
	if h == nil || len(h.Changes) == 0 {
		return byNumber, byMerge, nil
	}
	numbers, hashes := map[int]bool{}, map[string]bool{}
	for _, c := range h.Changes {
		if c.PR != nil && c.PR.Number > 0 {
			numbers[c.PR.Number] = true
		} else if c.Hash != "" {
			hashes[c.Hash] = true
		}
	}
	pending := len(numbers) + len(hashes)
	opts := &gh.PullRequestListOptions{State: "closed", Base: base, Sort: "updated", Direction: "desc", ListOptions: gh.ListOptions{PerPage: 100}}
	for page := 0; pending > 0 && page < maxMergedPages; page++ {
		prs, resp, err := a.Client.PullRequests.List(ctx, a.Owner, a.Repo, opts)
		if err != nil {
			return nil, nil, a.fail(err, permPullsRead, "could not list the merged pull requests into %s of %s", base, a.repo())
		}
		for _, p := range prs {
			if p.MergedAt == nil {
				continue
			}
			n, mc := p.GetNumber(), p.GetMergeCommitSHA()
			named, merged := numbers[n], hashes[mc]
			if !named && !merged {
				continue
			}
			if _, seen := byNumber[n]; !seen && named {
				pending--
			}
			byNumber[n] = releasenotes.PullRequest{
				Number: n, Title: p.GetTitle(), Labels: labelNames(p.Labels), Author: p.GetUser().GetLogin(), URL: p.GetHTMLURL(),
			}
			if _, seen := byMerge[mc]; !seen && merged {
				byMerge[mc] = n
				pending--
			}
		}
		if len(prs) == 0 || resp.NextPage == 0 {
			break
		}
		if last := prs[len(prs)-1]; !since.IsZero() && last.UpdatedAt != nil && last.UpdatedAt.Before(since) {
			break
		}
		opts.Page = resp.NextPage
	}
	return byNumber, byMerge, nil
}

// FindReleasePR returns the open pull request from head (a branch of this
// repository) into base, or nil.
func (a *Action) FindReleasePR(ctx context.Context, head, base string) (*action.ReleasePR, error) {
	return a.releasePR(ctx, head, base, &gh.PullRequestListOptions{State: "open", ListOptions: gh.ListOptions{PerPage: 100}})
}

// releasePR is the first PR from head into base that opts list.
func (a *Action) releasePR(ctx context.Context, head, base string, opts *gh.PullRequestListOptions) (*action.ReleasePR, error) {
	opts.Head, opts.Base = a.Owner+":"+head, base
	prs, _, err := a.Client.PullRequests.List(ctx, a.Owner, a.Repo, opts)
	if err != nil {
		return nil, a.fail(err, permPullsRead, "could not look for the release PR from %s into %s on %s", head, base, a.repo())
	}
	for _, p := range prs {
		if p.GetHead().GetRef() == head {
			return releasePR(p), nil
		}
	}
	return nil, nil
}

// WriteBranch commits files on top of parent with the Git Data API (the
// parent's tree, one tree with base_tree and the files inlined, one commit)
// and points branch at the commit: moved with force, or created when it
// does not exist.
func (a *Action) WriteBranch(ctx context.Context, branch, parent string, files map[string][]byte, message string) (string, error) {
	if len(files) == 0 {
		return "", failure.New(failure.Internal, "nothing to commit on %s", branch)
	}
	pc, _, err := a.Client.Git.GetCommit(ctx, a.Owner, a.Repo, parent)
	if err != nil {
		if s := status(err); s == http.StatusNotFound || s == http.StatusUnprocessableEntity {
			return "", failure.Wrap(failure.BadInput, err, "the commit %.7s does not exist on %s; push it before releasing it", parent, a.repo())
		}
		return "", a.fail(err, permContentsRead, "could not read the commit %.7s on %s", parent, a.repo())
	}
	entries, path, err := treeEntries(ctx, a.Client, a.Owner, a.Repo, files)
	if err != nil {
		return "", a.fail(err, permContentsWrite, "could not store %s on %s", path, a.repo())
	}
	tree, _, err := a.Client.Git.CreateTree(ctx, a.Owner, a.Repo, pc.GetTree().GetSHA(), entries)
	if err != nil {
		return "", a.fail(err, permContentsWrite, "could not create the tree of %s on %s", branch, a.repo())
	}
	c, _, err := a.Client.Git.CreateCommit(ctx, a.Owner, a.Repo, &gh.Commit{
		Message: gh.String(message), Tree: &gh.Tree{SHA: tree.SHA}, Parents: []*gh.Commit{{SHA: gh.String(parent)}},
	}, nil)
	if err != nil {
		return "", a.fail(err, permContentsWrite, "could not create the commit of %s on %s", branch, a.repo())
	}
	sha := c.GetSHA()
	ref := &gh.Reference{Ref: gh.String("refs/heads/" + branch), Object: &gh.GitObject{SHA: gh.String(sha)}}
	_, _, err = a.Client.Git.UpdateRef(ctx, a.Owner, a.Repo, ref, true)
	if err != nil && (status(err) == http.StatusNotFound ||
		status(err) == http.StatusUnprocessableEntity && strings.Contains(ghMessage(err), "reference does not exist")) {
		_, _, err = a.Client.Git.CreateRef(ctx, a.Owner, a.Repo, ref)
	}
	if err != nil {
		return "", a.fail(err, permContentsWrite, "could not point %s of %s at the new commit %.7s", branch, a.repo(), sha)
	}
	return sha, nil
}

// CreatePR opens a pull request.
func (a *Action) CreatePR(ctx context.Context, p action.NewReleasePR) (*action.ReleasePR, error) {
	got, _, err := a.Client.PullRequests.Create(ctx, a.Owner, a.Repo, &gh.NewPullRequest{
		Title: gh.String(p.Title), Body: gh.String(p.Body), Head: gh.String(p.Head), Base: gh.String(p.Base),
	})
	if err != nil {
		return nil, a.fail(err, permPullsWrite, "could not open the pull request from %s into %s on %s", p.Head, p.Base, a.repo())
	}
	return releasePR(got), nil
}

// UpdatePR sets an open pull request's title and body.
func (a *Action) UpdatePR(ctx context.Context, number int, title, body string) error {
	_, _, err := a.Client.PullRequests.Edit(ctx, a.Owner, a.Repo, number, &gh.PullRequest{Title: gh.String(title), Body: gh.String(body)})
	if err != nil {
		return a.fail(err, permPullsWrite, "could not update pull request #%d on %s", number, a.repo())
	}
	return nil
}

// SetLabels adds labels (GitHub creates one the repository lacks) in one
// request and removes each of remove; a label the issue does not have (404)
// is no error.
func (a *Action) SetLabels(ctx context.Context, number int, add, remove []string) error {
	if len(add) > 0 {
		if _, _, err := a.Client.Issues.AddLabelsToIssue(ctx, a.Owner, a.Repo, number, add); err != nil {
			return a.fail(err, permIssuesWrite, "could not add the labels %s to #%d on %s", strings.Join(add, ", "), number, a.repo())
		}
	}
	for _, l := range remove {
		if _, err := a.Client.Issues.RemoveLabelForIssue(ctx, a.Owner, a.Repo, number, l); err != nil && status(err) != http.StatusNotFound {
			return a.fail(err, permIssuesWrite, "could not remove the label %s from #%d on %s", l, number, a.repo())
		}
	}
	return nil
}

// CreateTag creates refs/tags/<tag> at commit. A tag that exists at commit
// (an annotated tag is peeled) is created false; one at another commit is
// Refused, naming both.
func (a *Action) CreateTag(ctx context.Context, tag, commit string) (bool, error) {
	name := "refs/tags/" + tag
	_, _, err := a.Client.Git.CreateRef(ctx, a.Owner, a.Repo, &gh.Reference{Ref: gh.String(name), Object: &gh.GitObject{SHA: gh.String(commit)}})
	if err == nil {
		return true, nil
	}
	if status(err) != http.StatusUnprocessableEntity || !strings.Contains(ghMessage(err), "already exists") {
		return false, a.fail(err, permContentsWrite, "could not create the tag %s at %.7s on %s", tag, commit, a.repo())
	}
	ref, _, err := a.Client.Git.GetRef(ctx, a.Owner, a.Repo, name)
	if err != nil {
		return false, a.fail(err, permContentsRead, "could not read the existing tag %s on %s", tag, a.repo())
	}
	at := ref.GetObject().GetSHA()
	if ref.GetObject().GetType() == "tag" {
		t, _, err := a.Client.Git.GetTag(ctx, a.Owner, a.Repo, at)
		if err != nil {
			return false, a.fail(err, permContentsRead, "could not read the existing tag %s on %s", tag, a.repo())
		}
		at = t.GetObject().GetSHA()
	}
	if at == commit {
		return false, nil
	}
	return false, failure.New(failure.Refused,
		"the tag %s already exists on %s at %.7s, not at the release's merge commit %.7s; if it was made by mistake delete it (git push --delete origin %s) and run the workflow again, otherwise release the next version",
		tag, a.repo(), at, commit, tag)
}

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

func release(r *gh.RepositoryRelease, created bool) *action.Release {
	out := &action.Release{
		ID: r.GetID(), Tag: r.GetTagName(), Name: r.GetName(), Body: r.GetBody(), URL: r.GetHTMLURL(), Created: created,
	}
	if c := r.GetTargetCommitish(); fullSHA.MatchString(c) {
		out.Commit = c
	}
	if r.PublishedAt != nil {
		out.Published = r.GetPublishedAt().Time.UTC()
	}
	return out
}

// LatestRelease returns the repository's latest published Release (GET
// /releases/latest: the newest by tag date, no drafts or prereleases), or
// nil when there is none.
func (a *Action) LatestRelease(ctx context.Context) (*action.Release, error) {
	r, _, err := a.Client.Repositories.GetLatestRelease(ctx, a.Owner, a.Repo)
	if status(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, a.fail(err, permContentsRead, "could not read the latest release of %s", a.repo())
	}
	return release(r, false), nil
}

// UpdateReleaseBody replaces the body of Release id.
func (a *Action) UpdateReleaseBody(ctx context.Context, id int64, body string) error {
	if _, _, err := a.Client.Repositories.EditRelease(ctx, a.Owner, a.Repo, id, &gh.RepositoryRelease{Body: gh.String(body)}); err != nil {
		return a.fail(err, permContentsWrite, "could not update the release %d on %s", id, a.repo())
	}
	return nil
}

// FindRelease returns the Release of tag, or nil when there is none.
func (a *Action) FindRelease(ctx context.Context, tag string) (*action.Release, error) {
	r, _, err := a.Client.Repositories.GetReleaseByTag(ctx, a.Owner, a.Repo, tag)
	if status(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, a.fail(err, permContentsRead, "could not read the release of %s on %s", tag, a.repo())
	}
	return release(r, false), nil
}

// CreateRelease publishes a Release on an existing tag. When another run
// published it first (GitHub's 422 already_exists), that Release is
// returned, created false.
func (a *Action) CreateRelease(ctx context.Context, nr action.NewRelease) (*action.Release, error) {
	r, _, err := a.Client.Repositories.CreateRelease(ctx, a.Owner, a.Repo, &gh.RepositoryRelease{
		TagName: gh.String(nr.Tag), Name: gh.String(nr.Name), Body: gh.String(nr.Body),
	})
	if err != nil {
		var er *gh.ErrorResponse
		if errors.As(err, &er) && status(err) == http.StatusUnprocessableEntity {
			for _, e := range er.Errors {
				if e.Code == "already_exists" {
					if got, ferr := a.FindRelease(ctx, nr.Tag); ferr == nil && got != nil {
						return got, nil
					}
				}
			}
		}
		return nil, a.fail(err, permContentsWrite, "could not publish the release %s on %s", nr.Tag, a.repo())
	}
	return release(r, true), nil
}

// React adds a reaction to an issue comment; GitHub answers 200 for one
// that is there and 201 for a new one, both fine.
func (a *Action) React(ctx context.Context, commentID int64, content string) error {
	r, resp, err := a.Client.Reactions.CreateIssueCommentReaction(ctx, a.Owner, a.Repo, commentID, content)
	if err != nil {
		return a.fail(err, permIssuesWrite, "could not react %s to comment %d on %s", content, commentID, a.repo())
	}
	if resp.StatusCode != http.StatusCreated {
		// 200: the same user had reacted so already (an earlier run with
		// the same token); that reaction is not this run's to take back.
		return nil
	}
	a.mu.Lock()
	if a.mine == nil {
		a.mine = map[reactionKey]int64{}
	}
	a.mine[reactionKey{commentID, content}] = r.GetID()
	a.mu.Unlock()
	return nil
}

// Unreact takes back a reaction this adapter made (the 👀 of a command
// another run answered first); one it did not make is left alone.
func (a *Action) Unreact(ctx context.Context, commentID int64, content string) error {
	a.mu.Lock()
	id, ok := a.mine[reactionKey{commentID, content}]
	delete(a.mine, reactionKey{commentID, content})
	a.mu.Unlock()
	if !ok {
		return nil
	}
	if _, err := a.Client.Reactions.DeleteIssueCommentReaction(ctx, a.Owner, a.Repo, commentID, id); err != nil && status(err) != http.StatusNotFound {
		return a.fail(err, permIssuesWrite, "could not take back the %s reaction to comment %d on %s", content, commentID, a.repo())
	}
	return nil
}

// Comment posts body on issue or pull request number and returns the
// comment's page.
func (a *Action) Comment(ctx context.Context, number int, body string) (string, error) {
	c, _, err := a.Client.Issues.CreateComment(ctx, a.Owner, a.Repo, number, &gh.IssueComment{Body: gh.String(body)})
	if err != nil {
		return "", a.fail(err, permIssuesWrite, "could not comment on #%d of %s", number, a.repo())
	}
	return c.GetHTMLURL(), nil
}

// FindComment returns the page of the first comment on number whose body
// holds marker, reading the comments 100 a page, or "".
func (a *Action) FindComment(ctx context.Context, number int, marker string) (string, error) {
	opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		cs, resp, err := a.Client.Issues.ListComments(ctx, a.Owner, a.Repo, number, opts)
		if err != nil {
			return "", a.fail(err, permIssuesRead, "could not read the comments of #%d on %s", number, a.repo())
		}
		for _, c := range cs {
			if strings.Contains(c.GetBody(), marker) {
				return c.GetHTMLURL(), nil
			}
		}
		if resp.NextPage == 0 || len(cs) == 0 {
			return "", nil
		}
		opts.Page = resp.NextPage
	}
}

// DispatchWorkflow starts workflow (a file name under .github/workflows) on
// ref with POST /actions/workflows/{workflow}/dispatches. A workflow that
// is not there, has no workflow_dispatch trigger, or a ref GitHub does not
// know is BadInput; a token without actions: write is Refused.
func (a *Action) DispatchWorkflow(ctx context.Context, workflow, ref string) error {
	_, err := a.Client.Actions.CreateWorkflowDispatchEventByFileName(ctx, a.Owner, a.Repo, workflow, gh.CreateWorkflowDispatchEventRequest{Ref: ref})
	if err == nil {
		return nil
	}
	msg := ghMessage(err)
	switch {
	case status(err) == http.StatusNotFound:
		return failure.Wrap(failure.BadInput, err, "the workflow .github/workflows/%s does not exist on %s of %s (404); set the input deploy-workflow to a workflow file name there", workflow, ref, a.repo())
	case status(err) == http.StatusUnprocessableEntity && strings.Contains(msg, "workflow_dispatch"):
		return failure.Wrap(failure.BadInput, err, "the workflow .github/workflows/%s on %s of %s has no workflow_dispatch trigger; add `workflow_dispatch:` under its `on:`", workflow, ref, a.repo())
	case status(err) == http.StatusUnprocessableEntity && strings.Contains(msg, "no ref found"):
		return failure.Wrap(failure.BadInput, err, "GitHub knows no branch or tag %s on %s to start %s on; check flags_branch", ref, a.repo(), workflow)
	}
	return a.fail(err, permActionsWrite, "could not start the workflow %s on %s of %s", workflow, ref, a.repo())
}
