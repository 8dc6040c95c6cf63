package githubemu

import (
	"encoding/json"
	"net/http"
	"strings"

	gh "github.com/google/go-github/v62/github"
)

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
