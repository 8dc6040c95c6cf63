package githubemu

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"

	gh "github.com/google/go-github/v62/github"
)

func (s *Server) commentJSON(ri *requestInfo, c *commentState) *gh.IssueComment {
	s.mu.Lock()
	st := *c
	is := c.repo.issues[c.issue]
	reactions := append([]*gh.Reaction(nil), c.reactions...)
	s.mu.Unlock()
	api := apiRepo(ri, st.repo)
	kind := "issues"
	if is != nil && is.pull != nil {
		kind = "pull"
	}
	counts := map[string]int{}
	for _, re := range reactions {
		counts[re.GetContent()]++
	}
	id := strconv.FormatInt(st.id, 10)
	return &gh.IssueComment{
		ID: ptr(st.id), NodeID: nodeID("IssueComment", st.id), Body: ptr(st.body),
		User: s.userJSON(st.user, ri.apiBase, ri.webBase), CreatedAt: ts(st.created), UpdatedAt: ts(st.updated),
		AuthorAssociation: ptr(s.association(st.repo, st.user)),
		URL:               ptr(api + "/issues/comments/" + id),
		HTMLURL:           ptr(ri.webBase + "/" + st.repo.fullName() + "/" + kind + "/" + strconv.Itoa(st.issue) + "#issuecomment-" + id),
		IssueURL:          ptr(api + "/issues/" + strconv.Itoa(st.issue)),
		Reactions: &gh.Reactions{
			TotalCount: ptr(len(reactions)), PlusOne: ptr(counts["+1"]), MinusOne: ptr(counts["-1"]),
			Laugh: ptr(counts["laugh"]), Confused: ptr(counts["confused"]), Heart: ptr(counts["heart"]),
			Hooray: ptr(counts["hooray"]), Rocket: ptr(counts["rocket"]), Eyes: ptr(counts["eyes"]),
			URL: ptr(api + "/issues/comments/" + id + "/reactions"),
		},
	}
}

// addComment records a comment and sends the issue_comment event.
func (s *Server) addComment(rs *repoState, is *issueState, login, body string) *commentState {
	now := s.now()
	s.mu.Lock()
	c := &commentState{id: s.newIDLocked(), repo: rs, issue: is.number, user: login, body: body, created: now, updated: now}
	s.comments[c.id] = c
	is.nComments++
	is.updated = now
	s.mu.Unlock()
	s.sendIssueComment(rs, is, c, "created", login, "")
	return c
}

// AddComment posts a comment on issue or pull request number as login, as a
// person typing it would; the issue_comment webhook goes out. It returns the
// comment's id.
func (s *Server) AddComment(owner, name string, number int, login, body string) (int64, error) {
	rs, err := s.repo(owner, name)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	is := rs.issues[number]
	s.mu.Unlock()
	if is == nil {
		return 0, fmt.Errorf("githubemu: no issue #%d in %s/%s", number, owner, name)
	}
	return s.addComment(rs, is, login, body).id, nil
}

// Comments returns the comments on issue or pull request number, oldest
// first, as the API renders them.
func (s *Server) Comments(owner, name string, number int) []*gh.IssueComment {
	rs, err := s.repo(owner, name)
	if err != nil {
		return nil
	}
	var out []*gh.IssueComment
	for _, c := range s.commentsOf(rs, number) {
		out = append(out, s.commentJSON(s.eventInfo(""), c))
	}
	return out
}

func (s *Server) commentsOf(rs *repoState, number int) []*commentState {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*commentState
	for _, c := range s.comments {
		if c.repo == rs && c.issue == number {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (s *Server) createComment(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.issueOf(w, r, rs)
	if is == nil {
		return
	}
	var body struct {
		Body *string `json:"body"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Body == nil || *body.Body == "" {
		validationFailed(w, docComments+"#create-an-issue-comment", map[string]any{"resource": "IssueComment", "code": "missing_field", "field": "body"})
		return
	}
	c := s.addComment(rs, is, info(r).id.login, *body.Body)
	out := s.commentJSON(info(r), c)
	w.Header().Set("Location", out.GetURL())
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) listComments(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.issueOf(w, r, rs)
	if is == nil {
		return
	}
	since := parseTime(r.URL.Query().Get("since"))
	var list []*commentState
	for _, c := range s.commentsOf(rs, is.number) {
		if since.IsZero() || !c.updated.Before(since) {
			list = append(list, c)
		}
	}
	page := pageOf(w, r, list)
	out := make([]*gh.IssueComment, 0, len(page))
	for _, c := range page {
		out = append(out, s.commentJSON(info(r), c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) commentOf(w http.ResponseWriter, r *http.Request, rs *repoState) *commentState {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	c := s.comments[id]
	s.mu.Unlock()
	if err != nil || c == nil || c.repo != rs {
		notFound(w)
		return nil
	}
	return c
}

func (s *Server) getComment(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	if c := s.commentOf(w, r, rs); c != nil {
		writeJSON(w, http.StatusOK, s.commentJSON(info(r), c))
	}
}

func (s *Server) updateComment(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	c := s.commentOf(w, r, rs)
	if c == nil {
		return
	}
	var body struct {
		Body *string `json:"body"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Body == nil {
		validationFailed(w, docComments+"#update-an-issue-comment", map[string]any{"resource": "IssueComment", "code": "missing_field", "field": "body"})
		return
	}
	s.mu.Lock()
	old := c.body
	c.body, c.updated = *body.Body, s.now()
	is := rs.issues[c.issue]
	s.mu.Unlock()
	s.sendIssueComment(rs, is, c, "edited", info(r).id.login, old)
	writeJSON(w, http.StatusOK, s.commentJSON(info(r), c))
}

func (s *Server) deleteComment(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	c := s.commentOf(w, r, rs)
	if c == nil {
		return
	}
	s.mu.Lock()
	delete(s.comments, c.id)
	if is := rs.issues[c.issue]; is != nil {
		is.nComments--
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
