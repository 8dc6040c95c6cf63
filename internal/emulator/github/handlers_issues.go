package githubemu

import (
	"net/http"
	"strconv"

	gh "github.com/google/go-github/v62/github"
)

const (
	docIssues    = "https://docs.github.com/rest/issues/issues"
	docComments  = "https://docs.github.com/rest/issues/comments"
	docLabels    = "https://docs.github.com/rest/issues/labels"
	docReactions = "https://docs.github.com/rest/reactions/reactions"
)

func (s *Server) issueJSON(ri *requestInfo, rs *repoState, is *issueState) *gh.Issue {
	s.mu.Lock()
	st := *is
	s.mu.Unlock()
	api := apiRepo(ri, rs)
	num := strconv.Itoa(st.number)
	kind := "issues"
	if st.pull != nil {
		kind = "pull"
	}
	out := &gh.Issue{
		ID: ptr(st.id), NodeID: nodeID("Issue", st.id), Number: ptr(st.number), State: ptr(st.state),
		Title: ptr(st.title), Body: ptr(st.body), User: s.userJSON(st.user, ri.apiBase, ri.webBase),
		Labels: s.labelsJSON(rs, st.labels), Comments: ptr(st.nComments), Locked: ptr(false),
		CreatedAt: ts(st.created), UpdatedAt: ts(st.updated), AuthorAssociation: ptr(s.association(rs, st.user)),
		URL: ptr(api + "/issues/" + num), HTMLURL: ptr(ri.webBase + "/" + rs.fullName() + "/" + kind + "/" + num),
		CommentsURL: ptr(api + "/issues/" + num + "/comments"), RepositoryURL: ptr(api),
	}
	if !st.closed.IsZero() {
		out.ClosedAt = ts(st.closed)
	}
	if st.pull != nil {
		out.PullRequestLinks = &gh.PullRequestLinks{
			URL: ptr(api + "/pulls/" + num), HTMLURL: ptr(ri.webBase + "/" + rs.fullName() + "/pull/" + num),
			DiffURL: ptr(ri.webBase + "/" + rs.fullName() + "/pull/" + num + ".diff"),
		}
	}
	return out
}

func (s *Server) issueOf(w http.ResponseWriter, r *http.Request, rs *repoState) *issueState {
	n, err := strconv.Atoi(r.PathValue("number"))
	s.mu.Lock()
	is := rs.issues[n]
	s.mu.Unlock()
	if err != nil || is == nil {
		notFound(w)
		return nil
	}
	return is
}

func (s *Server) createIssue(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	var body struct {
		Title  *string  `json:"title"`
		Body   string   `json:"body"`
		Labels []string `json:"labels"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Title == nil || *body.Title == "" {
		validationFailed(w, docIssues+"#create-an-issue", map[string]any{"resource": "Issue", "code": "missing_field", "field": "title"})
		return
	}
	ri := info(r)
	now := s.now()
	s.mu.Lock()
	rs.nextNumber++
	is := &issueState{number: rs.nextNumber, id: s.newIDLocked(), title: *body.Title, body: body.Body,
		state: "open", user: ri.id.login, created: now, updated: now}
	rs.issues[is.number] = is
	s.mu.Unlock()
	s.addLabels(rs, is, body.Labels)
	out := s.issueJSON(ri, rs, is)
	w.Header().Set("Location", out.GetURL())
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) getIssue(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	if is := s.issueOf(w, r, rs); is != nil {
		writeJSON(w, http.StatusOK, s.issueJSON(info(r), rs, is))
	}
}

func (s *Server) updateIssue(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.issueOf(w, r, rs)
	if is == nil {
		return
	}
	var body struct {
		Title  *string   `json:"title"`
		Body   *string   `json:"body"`
		State  *string   `json:"state"`
		Labels *[]string `json:"labels"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	s.mu.Lock()
	if body.Title != nil {
		is.title = *body.Title
	}
	if body.Body != nil {
		is.body = *body.Body
	}
	if body.State != nil && is.pull == nil {
		is.state = *body.State
		if is.state == "closed" {
			is.closed = s.now()
		}
	}
	if body.Labels != nil {
		is.labels = nil
	}
	is.updated = s.now()
	s.mu.Unlock()
	if body.Labels != nil {
		s.addLabels(rs, is, *body.Labels)
	}
	writeJSON(w, http.StatusOK, s.issueJSON(info(r), rs, is))
}
