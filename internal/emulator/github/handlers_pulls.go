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

// MergedPull is a pull request merged before the test began, for
// AddMergedPull.
type MergedPull struct {
	Title, Body string
	Head, Base  string // branch names; Base defaults to the default branch
	User        string // the author's login (default the owner)
	Labels      []string
	MergeCommit string // the commit the merge made on the base
	Commits     []string
	MergedAt    time.Time // also its creation and last update (default now)
}

// AddMergedPull records p as a merged, closed pull request of owner/name
// and returns its number, without touching git: a test of hundreds of
// merged pull requests seeds them in one step each. The merge commit is
// taken as given; GET /commits/{sha}/pulls finds the pull request by it.
func (s *Server) AddMergedPull(owner, name string, p MergedPull) (int, error) {
	rs, err := s.repo(owner, name)
	if err != nil {
		return 0, err
	}
	if p.Base == "" {
		p.Base = rs.defaultBranch
	}
	if p.User == "" {
		p.User = owner
	}
	at := p.MergedAt.UTC().Truncate(time.Second)
	if p.MergedAt.IsZero() {
		at = s.now()
	}
	s.mu.Lock()
	rs.nextNumber++
	is := &issueState{
		number: rs.nextNumber, id: s.newIDLocked(), title: p.Title, body: p.Body, state: "closed",
		user: p.User, created: at, updated: at, closed: at, closedBy: p.User,
		pull: &pullState{head: p.Head, base: p.Base, headSHA: p.MergeCommit, baseSHA: p.MergeCommit,
			maintainerCanModify: true, merged: true, mergedAt: at, mergedBy: p.User, mergeCommit: p.MergeCommit,
			commits: append([]string{}, p.Commits...)},
	}
	rs.issues[is.number] = is
	s.mu.Unlock()
	s.addLabels(rs, is, p.Labels)
	s.mu.Lock()
	is.updated = at // addLabels touched it
	s.mu.Unlock()
	return is.number, nil
}
