package githubemu

import (
	"encoding/json"
	"net/http"
	"strings"
)

// treeEntryJSON is an entry of GET/POST /git/trees.
type treeEntryJSON struct {
	Path string `json:"path"`
	Mode string `json:"mode"`
	Type string `json:"type"`
	SHA  string `json:"sha"`
	Size *int   `json:"size,omitempty"`
	URL  string `json:"url,omitempty"`
}

type treeJSON struct {
	SHA       string          `json:"sha"`
	URL       string          `json:"url"`
	Tree      []treeEntryJSON `json:"tree"`
	Truncated bool            `json:"truncated"`
}

func (s *Server) renderTree(r *http.Request, rs *repoState, sha string, recursive bool) (treeJSON, error) {
	ri := info(r)
	entries, err := rs.git.lsTree(r.Context(), sha, recursive)
	if err != nil {
		return treeJSON{}, err
	}
	out := treeJSON{SHA: sha, URL: apiRepo(ri, rs) + "/git/trees/" + sha, Tree: []treeEntryJSON{}}
	for _, e := range entries {
		te := treeEntryJSON{Path: e.Path, Mode: e.Mode, Type: e.Type, SHA: e.SHA}
		switch e.Type {
		case "blob":
			te.Size = ptr(e.Size)
			te.URL = objectURL(ri, rs, "blob", e.SHA)
		case "tree":
			te.URL = objectURL(ri, rs, "tree", e.SHA)
		}
		out.Tree = append(out.Tree, te)
	}
	return out, nil
}

// getTree serves GET /git/trees/{sha}: a tree, or a commit's; recursive
// with any value of ?recursive (GitHub documents that even 0 and false
// recurse); 404 for what does not resolve and for an empty tree, 422 for
// another kind of object.
func (s *Server) getTree(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	ctx := r.Context()
	rev := r.PathValue("sha")
	id, ok := rs.git.resolve(ctx, rev, "object")
	if !ok {
		notFound(w)
		return
	}
	sha, ok := rs.git.resolve(ctx, id, "tree")
	if !ok {
		apiError(w, http.StatusUnprocessableEntity, "Invalid object requested. SHA must identify a commit or a tree.", docTrees+"#get-a-tree")
		return
	}
	_, recursive := r.URL.Query()["recursive"]
	t, err := s.renderTree(r, rs, sha, recursive)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	if len(t.Tree) == 0 {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

var validModes = map[string]string{"100644": "blob", "100755": "blob", "120000": "blob", "040000": "tree", "160000": "commit"}

func validTreePath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" || part == "." || part == ".." || part == ".git" || strings.ContainsRune(part, 0) {
			return false
		}
	}
	return true
}

// createTree serves POST /git/trees with GitHub's checks, entry by entry: a
// path, exactly one of "sha" (null or "" deletes the path) and "content",
// a sha naming an object of the entry's type, a valid mode, no content for
// a subdirectory; then base_tree (a tree, or a commit for its tree). An
// empty tree array is "Invalid tree info"; a result with no entries is 404,
// as on GitHub.
func (s *Server) createTree(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	var body struct {
		BaseTree *string           `json:"base_tree"`
		Tree     []json.RawMessage `json:"tree"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docTrees + "#create-a-tree"
	ctx := r.Context()
	if len(body.Tree) == 0 {
		apiError(w, http.StatusUnprocessableEntity, "Invalid tree info", doc)
		return
	}
	var edits []treeEdit
	for _, rawEntry := range body.Tree {
		var raw map[string]json.RawMessage
		if json.Unmarshal(rawEntry, &raw) != nil || raw == nil {
			apiError(w, http.StatusUnprocessableEntity, "Invalid tree info", doc)
			return
		}
		var path, mode, typ string
		str := func(key string, dst *string) {
			if v, ok := raw[key]; ok {
				_ = json.Unmarshal(v, dst)
			}
		}
		str("path", &path)
		str("mode", &mode)
		str("type", &typ)
		path = strings.ReplaceAll(path, "\x00", "")
		var sha, content *string
		shaRaw, hasSHA := raw["sha"]
		if hasSHA {
			var v string
			if json.Unmarshal(shaRaw, &v) == nil && v != "" {
				sha = &v
			}
		}
		if v, ok := raw["content"]; ok && string(v) != "null" {
			var c string
			if json.Unmarshal(v, &c) == nil {
				content = &c
			}
		}
		if !validTreePath(path) {
			apiError(w, http.StatusUnprocessableEntity, "tree.path contains a malformed path component", doc)
			return
		}
		if hasSHA == (content != nil) {
			apiError(w, http.StatusUnprocessableEntity, "Must supply either tree.sha or tree.content. Request will be rejected if both are present.", doc)
			return
		}
		want := validModes[mode]
		if typ == "" {
			typ = want
		}
		if sha != nil && typ != "commit" {
			o, err := rs.git.readObject(ctx, *sha)
			if err != nil || o.kind != typ || !fullSHA.MatchString(*sha) {
				apiError(w, http.StatusUnprocessableEntity, "tree.sha "+*sha+" is not a valid "+typ, doc)
				return
			}
		}
		if sha != nil && typ == "commit" && !fullSHA.MatchString(*sha) {
			apiError(w, http.StatusUnprocessableEntity, "tree.sha "+*sha+" is not a valid commit", doc)
			return
		}
		if want == "" {
			apiError(w, http.StatusUnprocessableEntity, "Must supply a valid tree.mode", doc)
			return
		}
		if _, ok := raw["content"]; ok && mode == "040000" {
			apiError(w, http.StatusUnprocessableEntity, "A subdirectory may not have content", doc)
			return
		}
		if typ != want {
			apiError(w, http.StatusUnprocessableEntity, "tree.type "+typ+" does not match tree.mode "+mode, doc)
			return
		}
		switch {
		case content != nil:
			id, err := rs.git.writeObject(ctx, "blob", []byte(*content))
			if err != nil {
				apiError(w, http.StatusInternalServerError, "Server Error", "")
				return
			}
			edits = append(edits, treeEdit{Path: path, Mode: mode, Type: typ, SHA: id})
		case sha != nil:
			edits = append(edits, treeEdit{Path: path, Mode: mode, Type: typ, SHA: *sha})
		default: // "sha": null removes the path
			edits = append(edits, treeEdit{Path: path})
		}
	}
	base := ""
	if body.BaseTree != nil && *body.BaseTree != "" {
		t, ok := rs.git.resolve(ctx, *body.BaseTree, "tree")
		if !ok {
			apiError(w, http.StatusUnprocessableEntity, "base_tree is not a valid tree oid", doc)
			return
		}
		base = t
	}
	sha, err := rs.git.buildTree(ctx, base, edits)
	if err != nil {
		apiError(w, http.StatusUnprocessableEntity, "GitRPC::BadObjectState", doc)
		return
	}
	t, err := s.renderTree(r, rs, sha, false)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	if len(t.Tree) == 0 {
		notFound(w)
		return
	}
	w.Header().Set("Location", t.URL)
	writeJSON(w, http.StatusCreated, t)
}
