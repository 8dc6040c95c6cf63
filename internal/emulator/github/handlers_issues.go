package githubemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

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

// Reactions returns the reaction contents ("eyes", "rocket", …) on a
// comment, in the order they were added.
func (s *Server) Reactions(commentID int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.comments[commentID]
	if c == nil {
		return nil
	}
	var out []string
	for _, re := range c.reactions {
		out = append(out, re.GetContent())
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

var reactionContents = map[string]bool{"+1": true, "-1": true, "laugh": true, "confused": true, "heart": true, "hooray": true, "rocket": true, "eyes": true}

func (s *Server) createReaction(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	c := s.commentOf(w, r, rs)
	if c == nil {
		return
	}
	var body struct {
		Content string `json:"content"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if !reactionContents[body.Content] {
		validationFailed(w, docReactions+"#create-reaction-for-an-issue-comment", map[string]any{"resource": "Reaction", "code": "invalid", "field": "content"})
		return
	}
	ri := info(r)
	s.mu.Lock()
	for _, re := range c.reactions {
		if re.GetUser().GetLogin() == ri.id.login && re.GetContent() == body.Content {
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, re)
			return
		}
	}
	id := s.newIDLocked()
	s.mu.Unlock()
	re := &gh.Reaction{ID: ptr(id), NodeID: nodeID("Reaction", id), Content: ptr(body.Content), User: s.userJSON(ri.id.login, ri.apiBase, ri.webBase)}
	s.mu.Lock()
	c.reactions = append(c.reactions, re)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, re)
}

func (s *Server) listReactions(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	c := s.commentOf(w, r, rs)
	if c == nil {
		return
	}
	want := r.URL.Query().Get("content")
	s.mu.Lock()
	var out []*gh.Reaction
	for _, re := range c.reactions {
		if want == "" || re.GetContent() == want {
			out = append(out, re)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, pageOf(w, r, out))
}

func (s *Server) deleteReaction(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	c := s.commentOf(w, r, rs)
	if c == nil {
		return
	}
	rid, _ := strconv.ParseInt(r.PathValue("rid"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, re := range c.reactions {
		if re.GetID() == rid {
			c.reactions = append(c.reactions[:i], c.reactions[i+1:]...)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// addLabels puts labels on an issue, creating unknown labels in the
// repository as GitHub does.
func (s *Server) addLabels(rs *repoState, is *issueState, names []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	api, _ := s.bases()
	for _, n := range names {
		key := strings.ToLower(n)
		if rs.labels[key] == nil {
			id := s.newIDLocked()
			rs.labels[key] = &gh.Label{ID: ptr(id), NodeID: nodeID("Label", id), Name: ptr(n), Color: ptr("ededed"),
				Default: ptr(false), Description: ptr(""), URL: ptr(api + "/repos/" + rs.fullName() + "/labels/" + n)}
		}
		has := false
		for _, l := range is.labels {
			if strings.EqualFold(l, n) {
				has = true
			}
		}
		if !has {
			is.labels = append(is.labels, rs.labels[key].GetName())
		}
	}
	is.updated = s.now()
}

func (s *Server) addLabelsHandler(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.issueOf(w, r, rs)
	if is == nil {
		return
	}
	var raw json.RawMessage
	if !decodeBody(w, r, &raw) {
		return
	}
	names, ok := parseLabelNames(raw)
	if !ok {
		validationFailed(w, docLabels+"#add-labels-to-an-issue", map[string]any{"resource": "Label", "code": "invalid", "field": "labels"})
		return
	}
	s.addLabels(rs, is, names)
	s.mu.Lock()
	labels := append([]string(nil), is.labels...)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.labelsJSON(rs, labels))
}

// parseLabelNames accepts ["a","b"], {"labels":["a"]} and
// {"labels":[{"name":"a"}]}, as GitHub does.
func parseLabelNames(raw json.RawMessage) ([]string, bool) {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list, true
	}
	var obj struct {
		Labels []json.RawMessage `json:"labels"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return nil, false
	}
	for _, l := range obj.Labels {
		var n string
		if json.Unmarshal(l, &n) == nil {
			list = append(list, n)
			continue
		}
		var o struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(l, &o) != nil || o.Name == "" {
			return nil, false
		}
		list = append(list, o.Name)
	}
	return list, true
}

func (s *Server) listIssueLabels(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.issueOf(w, r, rs)
	if is == nil {
		return
	}
	s.mu.Lock()
	labels := append([]string(nil), is.labels...)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, pageOf(w, r, s.labelsJSON(rs, labels)))
}

func (s *Server) removeLabel(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.issueOf(w, r, rs)
	if is == nil {
		return
	}
	name := r.PathValue("name")
	s.mu.Lock()
	found := false
	for i, l := range is.labels {
		if strings.EqualFold(l, name) {
			is.labels = append(is.labels[:i], is.labels[i+1:]...)
			found = true
			break
		}
	}
	labels := append([]string(nil), is.labels...)
	s.mu.Unlock()
	if !found {
		apiError(w, http.StatusNotFound, "Label does not exist", docLabels+"#remove-a-label-from-an-issue")
		return
	}
	writeJSON(w, http.StatusOK, s.labelsJSON(rs, labels))
}
