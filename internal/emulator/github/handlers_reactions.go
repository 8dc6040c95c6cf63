package githubemu

import (
	"net/http"
	"strconv"

	gh "github.com/google/go-github/v62/github"
)

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
