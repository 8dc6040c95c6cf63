package githubemu

import (
	"context"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v62/github"
)

// eventInfo is a requestInfo for rendering outside a request (webhooks,
// test helpers), with the base URLs of the latest request.
func (s *Server) eventInfo(login string) *requestInfo {
	api, web := s.bases()
	return &requestInfo{apiBase: api, webBase: web, id: identity{login: login, bot: strings.HasSuffix(login, "[bot]")}}
}

// pullSHAs returns the head and base commits of a pull request: live from
// the branches while it is open, as frozen when it closed.
func (s *Server) pullSHAs(ctx context.Context, rs *repoState, is *issueState) (head, base string) {
	s.mu.Lock()
	p := *is.pull
	state := is.state
	s.mu.Unlock()
	if state == "open" {
		if h, ok := rs.git.ref(ctx, "refs/heads/"+p.head); ok {
			p.headSHA = h
		}
		if b, ok := rs.git.ref(ctx, "refs/heads/"+p.base); ok {
			p.baseSHA = b
		}
	}
	return p.headSHA, p.baseSHA
}

func (s *Server) association(rs *repoState, login string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case login == rs.owner:
		return "OWNER"
	case rs.perms[login] != "":
		return "COLLABORATOR"
	}
	return "NONE"
}

func (s *Server) labelsJSON(rs *repoState, names []string) []*gh.Label {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*gh.Label{}
	for _, n := range names {
		if l := rs.labels[strings.ToLower(n)]; l != nil {
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) pullJSON(ctx context.Context, ri *requestInfo, rs *repoState, is *issueState) *gh.PullRequest {
	head, base := s.pullSHAs(ctx, rs, is)
	s.mu.Lock()
	p := *is.pull
	st := *is
	s.mu.Unlock()
	api := apiRepo(ri, rs)
	num := strconv.Itoa(st.number)
	repo := s.repoJSON(rs, ri)
	owner := s.userJSON(rs.owner, ri.apiBase, ri.webBase)
	pr := &gh.PullRequest{
		ID: ptr(st.id), NodeID: nodeID("PullRequest", st.id), Number: ptr(st.number), State: ptr(st.state),
		Locked: ptr(false), Title: ptr(st.title), Body: ptr(st.body), User: s.userJSON(st.user, ri.apiBase, ri.webBase),
		CreatedAt: ts(st.created), UpdatedAt: ts(st.updated), Labels: s.labelsJSON(rs, st.labels),
		Draft: ptr(p.draft), Merged: ptr(p.merged), MaintainerCanModify: ptr(p.maintainerCanModify),
		URL: ptr(api + "/pulls/" + num), HTMLURL: ptr(ri.webBase + "/" + rs.fullName() + "/pull/" + num),
		IssueURL: ptr(api + "/issues/" + num), CommentsURL: ptr(api + "/issues/" + num + "/comments"),
		CommitsURL: ptr(api + "/pulls/" + num + "/commits"), StatusesURL: ptr(api + "/statuses/" + head),
		DiffURL:  ptr(ri.webBase + "/" + rs.fullName() + "/pull/" + num + ".diff"),
		Comments: ptr(st.nComments), AuthorAssociation: ptr(s.association(rs, st.user)),
		Head: &gh.PullRequestBranch{Label: ptr(rs.owner + ":" + p.head), Ref: ptr(p.head), SHA: ptr(head), Repo: repo, User: owner},
		Base: &gh.PullRequestBranch{Label: ptr(rs.owner + ":" + p.base), Ref: ptr(p.base), SHA: ptr(base), Repo: repo, User: owner},
	}
	if !st.closed.IsZero() {
		pr.ClosedAt = ts(st.closed)
	}
	if p.merged {
		pr.MergedAt, pr.MergedBy, pr.MergeCommitSHA = ts(p.mergedAt), s.userJSON(p.mergedBy, ri.apiBase, ri.webBase), ptr(p.mergeCommit)
		pr.Mergeable = nil
		pr.MergeableState = ptr("unknown")
	} else if st.state == "open" {
		_, ok, err := rs.git.mergeTrees(ctx, base, head)
		if err == nil {
			pr.Mergeable = ptr(ok)
			pr.MergeableState = ptr(map[bool]string{true: "clean", false: "dirty"}[ok])
		}
	}
	if ids := s.pullCommits(ctx, rs, is); ids != nil {
		pr.Commits = ptr(len(ids))
	}
	return pr
}

// pullSimpleJSON is a pull request as GitHub's lists show it (the
// "pull-request-simple" schema of GET /pulls and GET /commits/{sha}/pulls):
// without merged, mergeable, mergeable_state, rebaseable, merged_by,
// maintainer_can_modify and the counts, which only GET /pulls/{number} has.
// merged_at and merge_commit_sha tell a merged pull request there.
func (s *Server) pullSimpleJSON(ctx context.Context, ri *requestInfo, rs *repoState, is *issueState) *gh.PullRequest {
	pr := s.pullJSON(ctx, ri, rs, is)
	pr.Merged, pr.Mergeable, pr.MergeableState, pr.Rebaseable, pr.MergedBy, pr.MaintainerCanModify = nil, nil, nil, nil, nil, nil
	pr.Comments, pr.ReviewComments, pr.Commits, pr.Additions, pr.Deletions, pr.ChangedFiles = nil, nil, nil, nil, nil, nil
	return pr
}

// pullPendingJSON is a pull request whose mergeability GitHub has only
// started to compute, as POST /pulls and the webhooks sent right away show
// it: mergeable null, mergeable_state "unknown".
func (s *Server) pullPendingJSON(ctx context.Context, ri *requestInfo, rs *repoState, is *issueState) *gh.PullRequest {
	pr := s.pullJSON(ctx, ri, rs, is)
	if !pr.GetMerged() {
		pr.Mergeable, pr.MergeableState = nil, ptr("unknown")
	}
	return pr
}
