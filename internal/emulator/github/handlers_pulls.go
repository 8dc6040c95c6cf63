package githubemu

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v62/github"
)

const docPulls = "https://docs.github.com/rest/pulls/pulls"

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

// pullCommits lists the commits a pull request brings, oldest first.
func (s *Server) pullCommits(ctx context.Context, rs *repoState, is *issueState) []string {
	s.mu.Lock()
	frozen := is.pull.commits
	merged := is.pull.merged
	s.mu.Unlock()
	if merged {
		return frozen
	}
	head, base := s.pullSHAs(ctx, rs, is)
	if head == "" || base == "" {
		return nil
	}
	return s.commitsBetween(rs, base, head)
}

func (s *Server) pullOf(w http.ResponseWriter, r *http.Request, rs *repoState) *issueState {
	n, err := strconv.Atoi(r.PathValue("number"))
	s.mu.Lock()
	is := rs.issues[n]
	s.mu.Unlock()
	if err != nil || is == nil || is.pull == nil {
		notFound(w)
		return nil
	}
	return is
}

// splitHead reads "owner:branch" or "branch".
func splitHead(rs *repoState, head string) (string, bool) {
	if owner, branch, ok := strings.Cut(head, ":"); ok {
		return branch, strings.EqualFold(owner, rs.owner)
	}
	return head, true
}

func (s *Server) createPull(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	var body struct {
		Title               *string `json:"title"`
		Head                string  `json:"head"`
		Base                string  `json:"base"`
		Body                string  `json:"body"`
		Draft               bool    `json:"draft"`
		MaintainerCanModify *bool   `json:"maintainer_can_modify"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docPulls + "#create-a-pull-request"
	ctx := r.Context()
	if body.Title == nil || *body.Title == "" {
		validationFailed(w, doc, map[string]any{"resource": "PullRequest", "code": "missing_field", "field": "title"})
		return
	}
	head, ok := splitHead(rs, body.Head)
	headSHA, exists := rs.git.ref(ctx, "refs/heads/"+head)
	if !ok || !exists {
		validationFailed(w, doc, map[string]any{"resource": "PullRequest", "field": "head", "code": "invalid"})
		return
	}
	baseSHA, exists := rs.git.ref(ctx, "refs/heads/"+body.Base)
	if !exists {
		validationFailed(w, doc, map[string]any{"resource": "PullRequest", "field": "base", "code": "invalid"})
		return
	}
	s.mu.Lock()
	for _, is := range rs.issues {
		if is.pull != nil && is.state == "open" && is.pull.head == head && is.pull.base == body.Base {
			s.mu.Unlock()
			validationFailed(w, doc, map[string]any{"resource": "PullRequest", "code": "custom",
				"message": "A pull request already exists for " + rs.owner + ":" + head + "."})
			return
		}
	}
	s.mu.Unlock()
	if _, ok := rs.git.mergeBase(ctx, baseSHA, headSHA); !ok {
		validationFailed(w, doc, map[string]any{"resource": "PullRequest", "code": "custom",
			"message": "The " + head + " branch has no history in common with " + body.Base})
		return
	}
	if len(s.commitsBetween(rs, baseSHA, headSHA)) == 0 {
		validationFailed(w, doc, map[string]any{"resource": "PullRequest", "code": "custom",
			"message": "No commits between " + body.Base + " and " + head})
		return
	}
	ri := info(r)
	now := s.now()
	s.mu.Lock()
	rs.nextNumber++
	is := &issueState{
		number: rs.nextNumber, id: s.newIDLocked(), title: *body.Title, body: body.Body, state: "open",
		user: ri.id.login, created: now, updated: now,
		pull: &pullState{head: head, base: body.Base, headSHA: headSHA, baseSHA: baseSHA, draft: body.Draft,
			maintainerCanModify: body.MaintainerCanModify == nil || *body.MaintainerCanModify},
	}
	rs.issues[is.number] = is
	s.mu.Unlock()
	pr := s.pullPendingJSON(ctx, ri, rs, is)
	s.sendPullRequest(rs, is, "opened", ri.id.login)
	w.Header().Set("Location", pr.GetURL())
	writeJSON(w, http.StatusCreated, pr)
}

func (s *Server) listPulls(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	head, base := q.Get("head"), q.Get("base")
	s.mu.Lock()
	var list []*issueState
	for _, is := range rs.issues {
		if is.pull == nil || (state != "all" && is.state != state) || (base != "" && is.pull.base != base) {
			continue
		}
		// GitHub filters by head only in the form owner:branch; a bare
		// branch name filters nothing.
		if owner, branch, ok := strings.Cut(head, ":"); ok && (!strings.EqualFold(owner, rs.owner) || branch != is.pull.head) {
			continue
		}
		list = append(list, is)
	}
	s.mu.Unlock()
	asc := q.Get("direction") == "asc"
	byUpdated := q.Get("sort") == "updated"
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		less := a.number < b.number
		if byUpdated && !a.updated.Equal(b.updated) {
			less = a.updated.Before(b.updated)
		}
		if asc {
			return less
		}
		return !less
	})
	page := pageOf(w, r, list)
	out := make([]*gh.PullRequest, 0, len(page))
	for _, is := range page {
		out = append(out, s.pullSimpleJSON(r.Context(), info(r), rs, is))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getPull(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	if is := s.pullOf(w, r, rs); is != nil {
		writeJSON(w, http.StatusOK, s.pullJSON(r.Context(), info(r), rs, is))
	}
}

func (s *Server) updatePull(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.pullOf(w, r, rs)
	if is == nil {
		return
	}
	var body struct {
		Title *string `json:"title"`
		Body  *string `json:"body"`
		State *string `json:"state"`
		Base  *string `json:"base"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	ctx := r.Context()
	ri := info(r)
	if body.Base != nil {
		if _, ok := rs.git.ref(ctx, "refs/heads/"+*body.Base); !ok {
			validationFailed(w, docPulls+"#update-a-pull-request", map[string]any{"resource": "PullRequest", "field": "base", "code": "invalid",
				"message": "Proposed base branch '" + *body.Base + "' was not found"})
			return
		}
	}
	head, base := s.pullSHAs(ctx, rs, is)
	action := "edited"
	s.mu.Lock()
	if is.pull.merged && body.State != nil && *body.State == "open" {
		s.mu.Unlock()
		validationFailed(w, docPulls+"#update-a-pull-request", map[string]any{"resource": "PullRequest", "code": "custom", "message": "state cannot be changed. The pull request has been merged."})
		return
	}
	if body.Title != nil {
		is.title = *body.Title
	}
	if body.Body != nil {
		is.body = *body.Body
	}
	if body.Base != nil {
		is.pull.base = *body.Base
	}
	if body.State != nil && *body.State != is.state {
		switch *body.State {
		case "closed":
			is.state, is.closed, action = "closed", s.now(), "closed"
			is.pull.headSHA, is.pull.baseSHA = head, base
		case "open":
			is.state, is.closed, action = "open", time.Time{}, "reopened"
		}
	}
	is.updated = s.now()
	s.mu.Unlock()
	s.sendPullRequest(rs, is, action, ri.id.login)
	writeJSON(w, http.StatusOK, s.pullJSON(ctx, ri, rs, is))
}

// mergePull serves PUT /pulls/{n}/merge with merge or squash: a real merge
// (or squashed) commit on the base branch, moved with compare-and-swap.
func (s *Server) mergePull(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.pullOf(w, r, rs)
	if is == nil {
		return
	}
	var body struct {
		CommitTitle   *string `json:"commit_title"`
		CommitMessage *string `json:"commit_message"`
		SHA           string  `json:"sha"`
		MergeMethod   string  `json:"merge_method"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docPulls + "#merge-a-pull-request"
	if body.SHA != "" && !fullSHA.MatchString(body.SHA) {
		badSHA(w, "sha", doc)
		return
	}
	ctx := r.Context()
	ri := info(r)
	s.mu.Lock()
	open, draft := is.state == "open", is.pull.draft
	title, number, baseBranch, headBranch := is.title, is.number, is.pull.base, is.pull.head
	s.mu.Unlock()
	switch {
	case draft: // GitHub checks this first
		apiError(w, http.StatusMethodNotAllowed, "Pull Request is still a draft", doc)
		return
	case !open:
		apiError(w, http.StatusMethodNotAllowed, "Pull Request is not mergeable", doc)
		return
	}
	method := body.MergeMethod
	if method == "" {
		method = "merge"
	}
	if method != "merge" && method != "squash" {
		validationFailed(w, doc, map[string]any{"resource": "PullRequest", "field": "merge_method", "code": "invalid",
			"message": "the emulator merges with merge or squash"})
		return
	}
	for attempt := 0; attempt < 10; attempt++ {
		head, base := s.pullSHAs(ctx, rs, is)
		if body.SHA != "" && body.SHA != head {
			apiError(w, http.StatusConflict, "Head branch was modified. Review and try the merge again.", doc)
			return
		}
		tree, ok, err := rs.git.mergeTrees(ctx, base, head)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "Server Error", "")
			return
		}
		if !ok {
			apiError(w, http.StatusMethodNotAllowed, "Pull Request is not mergeable", doc)
			return
		}
		commits := s.commitsBetween(rs, base, head)
		var msg string
		var parents []string
		switch method {
		case "squash":
			t := title + " (#" + strconv.Itoa(number) + ")"
			if body.CommitTitle != nil {
				t = *body.CommitTitle
			}
			var m string
			if body.CommitMessage != nil {
				m = *body.CommitMessage
			} else {
				cs, _ := rs.git.commits(ctx, commits...)
				var lines []string
				for _, c := range cs {
					subject, _, _ := strings.Cut(c.Message, "\n")
					lines = append(lines, "* "+subject)
				}
				m = strings.Join(lines, "\n\n")
			}
			msg, parents = t+"\n\n"+m, []string{base}
		default:
			t := "Merge pull request #" + strconv.Itoa(number) + " from " + rs.owner + "/" + headBranch
			if body.CommitTitle != nil {
				t = *body.CommitTitle
			}
			m := title
			if body.CommitMessage != nil {
				m = *body.CommitMessage
			}
			msg, parents = t+"\n\n"+m, []string{base, head}
		}
		now := s.now()
		sha, err := rs.git.writeCommit(ctx, commitObject{
			Tree: tree, Parents: parents, Message: msg, Author: s.sigFor(ri.id.login, now),
			Committer: webCommitter(now),
		})
		if err != nil {
			apiError(w, http.StatusInternalServerError, "Server Error", "")
			return
		}
		// The pull request is merged before the push goes out, as on GitHub.
		s.mu.Lock()
		if is.state != "open" {
			s.mu.Unlock()
			apiError(w, http.StatusMethodNotAllowed, "Pull Request is not mergeable", doc)
			return
		}
		cur, _ := rs.git.ref(ctx, "refs/heads/"+baseBranch)
		if cur != base {
			s.mu.Unlock()
			continue // the base moved; merge again on the new tip
		}
		if err := rs.git.updateRef(ctx, "refs/heads/"+baseBranch, sha, base); err != nil {
			s.mu.Unlock()
			continue
		}
		is.state, is.closed, is.updated = "closed", now, now
		is.pull.merged, is.pull.mergedAt, is.pull.mergedBy, is.pull.mergeCommit = true, now, ri.id.login, sha
		is.pull.headSHA, is.pull.baseSHA, is.pull.commits = head, base, commits
		s.mu.Unlock()
		s.afterRefMove(rs, "refs/heads/"+baseBranch, base, sha, false, ri.id.login)
		s.sendPullRequest(rs, is, "closed", ri.id.login)
		writeJSON(w, http.StatusOK, map[string]any{"sha": sha, "merged": true, "message": "Pull Request successfully merged"})
		return
	}
	apiError(w, http.StatusConflict, "Base branch was modified. Review and try the merge again.", doc)
}

func (s *Server) pullMerged(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.pullOf(w, r, rs)
	if is == nil {
		return
	}
	s.mu.Lock()
	merged := is.pull.merged
	s.mu.Unlock()
	if !merged {
		notFound(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listPullCommits(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.pullOf(w, r, rs)
	if is == nil {
		return
	}
	ids := pageOf(w, r, s.pullCommits(r.Context(), rs, is))
	cs, err := rs.git.commits(r.Context(), ids...)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	out := make([]repoCommitJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, s.repoCommitJSON(info(r), rs, c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listPullFiles(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.pullOf(w, r, rs)
	if is == nil {
		return
	}
	head, base := s.pullSHAs(r.Context(), rs, is)
	mb, ok := rs.git.mergeBase(r.Context(), base, head)
	if !ok {
		writeJSON(w, http.StatusOK, []any{})
		return
	}
	changes, err := rs.git.diff(r.Context(), mb, head)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	files, _ := filesJSON(info(r), rs, head, changes)
	writeJSON(w, http.StatusOK, pageOf(w, r, files))
}

// pullsForCommit serves GET /commits/{sha}/pulls: the pull requests whose
// head is the commit, that brought it, or that merged as it.
func (s *Server) pullsForCommit(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	sha, ok := s.resolveCommitRef(w, r, rs)
	if !ok {
		return
	}
	ctx := r.Context()
	s.mu.Lock()
	var all []*issueState
	for _, is := range rs.issues {
		if is.pull != nil {
			all = append(all, is)
		}
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].number > all[j].number })
	out := []*gh.PullRequest{}
	for _, is := range all {
		head, _ := s.pullSHAs(ctx, rs, is)
		s.mu.Lock()
		mc := is.pull.mergeCommit
		s.mu.Unlock()
		hit := head == sha || mc == sha
		if !hit {
			for _, c := range s.pullCommits(ctx, rs, is) {
				if c == sha {
					hit = true
					break
				}
			}
		}
		if hit {
			out = append(out, s.pullSimpleJSON(ctx, info(r), rs, is))
		}
	}
	writeJSON(w, http.StatusOK, pageOf(w, r, out))
}
