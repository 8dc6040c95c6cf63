package githubemu

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v62/github"
)

const (
	docRefs    = "https://docs.github.com/rest/git/refs"
	docCommits = "https://docs.github.com/rest/git/commits"
	docTrees   = "https://docs.github.com/rest/git/trees"
	docBlobs   = "https://docs.github.com/rest/git/blobs"
)

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// repoOf resolves {owner}/{repo} of the request, answering 404 when there is
// no such repository or the caller may not see it.
func (s *Server) repoOf(w http.ResponseWriter, r *http.Request) *repoState {
	rs, err := s.repo(r.PathValue("owner"), r.PathValue("repo"))
	if err != nil {
		notFound(w)
		return nil
	}
	ri := info(r)
	if rs.private && !ri.id.bot {
		s.mu.Lock()
		role := rs.perms[ri.id.login]
		s.mu.Unlock()
		if role == "" {
			notFound(w)
			return nil
		}
	}
	ri.repo = rs
	return rs
}

// emptyRepo answers 409 "Git Repository is empty." as GitHub does for git
// data on a repository without commits.
func (s *Server) emptyRepo(w http.ResponseWriter, r *http.Request, rs *repoState) bool {
	refs, err := rs.git.refs(r.Context(), "refs/heads", "refs/tags")
	if err == nil && len(refs) == 0 {
		apiError(w, http.StatusConflict, "Git Repository is empty.", docsBase)
		return true
	}
	return false
}

func (s *Server) getRef(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	name := "refs/" + r.PathValue("ref")
	refs, err := rs.git.refs(r.Context(), name)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	for _, e := range refs {
		if e.name == name {
			writeJSON(w, http.StatusOK, refJSON(info(r), rs, e))
			return
		}
	}
	notFound(w)
}

// listRefs serves GET /git/refs[/prefix]: an exact match is one object,
// otherwise the refs under the prefix as an array.
func (s *Server) listRefs(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	prefix := strings.TrimSuffix(r.PathValue("ref"), "/")
	refs, err := rs.git.refs(r.Context())
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	var out []*gh.Reference
	for _, e := range refs {
		switch {
		case prefix == "":
			out = append(out, refJSON(info(r), rs, e))
		case e.name == "refs/"+prefix:
			writeJSON(w, http.StatusOK, refJSON(info(r), rs, e))
			return
		case strings.HasPrefix(e.name, "refs/"+prefix+"/"):
			out = append(out, refJSON(info(r), rs, e))
		}
	}
	if len(out) == 0 {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, pageOf(w, r, out))
}

func (s *Server) matchingRefs(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	prefix := "refs/" + r.PathValue("ref")
	refs, err := rs.git.refs(r.Context())
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	out := []*gh.Reference{}
	for _, e := range refs {
		if strings.HasPrefix(e.name, prefix) {
			out = append(out, refJSON(info(r), rs, e))
		}
	}
	writeJSON(w, http.StatusOK, pageOf(w, r, out))
}

func validRefName(name string) bool {
	if !strings.HasPrefix(name, "refs/") || strings.Count(name, "/") < 2 {
		return false
	}
	for _, bad := range []string{"..", "@{", "//", "\\", " ", "~", "^", ":", "?", "*", "[", ".lock/"} {
		if strings.Contains(name, bad) {
			return false
		}
	}
	return !strings.HasSuffix(name, "/") && !strings.HasSuffix(name, ".lock") && !strings.HasSuffix(name, ".")
}

func (s *Server) createRef(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	var body struct {
		Ref *string `json:"ref"`
		SHA *string `json:"sha"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	switch {
	case body.Ref == nil:
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"ref\" wasn't supplied.", docRefs+"#create-a-reference")
		return
	case body.SHA == nil:
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"sha\" wasn't supplied.", docRefs+"#create-a-reference")
		return
	case !validRefName(*body.Ref):
		apiError(w, http.StatusUnprocessableEntity, "Reference name must start with 'refs/' and have at least two slashes.", docRefs+"#create-a-reference")
		return
	}
	o, err := rs.git.readObject(r.Context(), *body.SHA)
	if err != nil || o.kind == "" || !fullSHA.MatchString(*body.SHA) {
		apiError(w, http.StatusUnprocessableEntity, "Object does not exist", docRefs+"#create-a-reference")
		return
	}
	_, res, err := s.moveRef(r.Context(), rs, *body.Ref, *body.SHA, false, true, info(r).id.login)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	if res == refExists {
		apiError(w, http.StatusUnprocessableEntity, "Reference already exists", docRefs+"#create-a-reference")
		return
	}
	ri := info(r)
	w.Header().Set("Location", apiRepo(ri, rs)+"/git/"+*body.Ref)
	writeJSON(w, http.StatusCreated, refJSON(ri, rs, refEntry{name: *body.Ref, sha: o.sha, kind: o.kind}))
}

func (s *Server) updateRef(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	var body struct {
		SHA   *string `json:"sha"`
		Force bool    `json:"force"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docRefs + "#update-a-reference"
	if body.SHA == nil {
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"sha\" wasn't supplied.", doc)
		return
	}
	name := "refs/" + r.PathValue("ref")
	o, err := rs.git.readObject(r.Context(), *body.SHA)
	if err != nil || o.kind == "" || !fullSHA.MatchString(*body.SHA) {
		apiError(w, http.StatusUnprocessableEntity, "Object does not exist", doc)
		return
	}
	_, res, err := s.moveRef(r.Context(), rs, name, o.sha, body.Force, false, info(r).id.login)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	switch res {
	case refMissing:
		apiError(w, http.StatusUnprocessableEntity, "Reference does not exist", doc)
	case refNotFastForward:
		apiError(w, http.StatusUnprocessableEntity, "Update is not a fast forward", doc)
	default:
		writeJSON(w, http.StatusOK, refJSON(info(r), rs, refEntry{name: name, sha: o.sha, kind: o.kind}))
	}
}

func (s *Server) deleteRef(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	name := "refs/" + r.PathValue("ref")
	cur, ok := rs.git.ref(r.Context(), name)
	if !ok {
		apiError(w, http.StatusUnprocessableEntity, "Reference does not exist", docRefs+"#delete-a-reference")
		return
	}
	if err := rs.git.updateRef(r.Context(), name, "", cur); err != nil {
		apiError(w, http.StatusConflict, "Reference update failed", docRefs+"#delete-a-reference")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getGitCommit(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	o, err := rs.git.readObject(r.Context(), r.PathValue("sha"))
	if err != nil || o.kind != "commit" {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, gitCommitBody(info(r), rs, parseCommit(o.sha, o.data), true))
}

// authorIn is a commit author or committer as clients send it.
type authorIn struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  string `json:"date"`
}

func (a *authorIn) sig(def signature) (signature, bool) {
	if a == nil {
		return def, true
	}
	sig := signature{Name: a.Name, Email: a.Email, When: def.When}
	if sig.Name == "" || sig.Email == "" {
		return sig, false
	}
	if a.Date != "" {
		t, err := time.Parse(time.RFC3339, a.Date)
		if err != nil {
			return sig, false
		}
		sig.When = t
	}
	return sig, true
}

func (s *Server) createGitCommit(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	var body struct {
		Message   *string   `json:"message"`
		Tree      *string   `json:"tree"`
		Parents   []string  `json:"parents"`
		Author    *authorIn `json:"author"`
		Committer *authorIn `json:"committer"`
		Signature string    `json:"signature"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docCommits + "#create-a-commit"
	switch {
	case body.Message == nil:
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"message\" wasn't supplied.", doc)
		return
	case body.Tree == nil:
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"tree\" wasn't supplied.", doc)
		return
	}
	ctx := r.Context()
	if o, err := rs.git.readObject(ctx, *body.Tree); err != nil || o.kind != "tree" || !fullSHA.MatchString(*body.Tree) {
		apiError(w, http.StatusUnprocessableEntity, "Tree SHA does not exist", doc)
		return
	}
	for _, p := range body.Parents {
		if o, err := rs.git.readObject(ctx, p); err != nil || o.kind != "commit" || !fullSHA.MatchString(p) {
			apiError(w, http.StatusUnprocessableEntity, "Parent SHA does not exist or is not a commit object", doc)
			return
		}
	}
	ri := info(r)
	def := s.sigFor(ri.id.login, s.now())
	author, ok := body.Author.sig(def)
	if !ok {
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nFor 'properties/author', the name, email and a valid ISO 8601 date are required.", doc)
		return
	}
	committer, ok := body.Committer.sig(author)
	if !ok {
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nFor 'properties/committer', the name, email and a valid ISO 8601 date are required.", doc)
		return
	}
	sha, err := rs.git.writeCommit(ctx, commitObject{
		Tree: *body.Tree, Parents: body.Parents, Author: author, Committer: committer,
		Message: *body.Message, GPGSig: body.Signature,
	})
	if err != nil {
		apiError(w, http.StatusUnprocessableEntity, "Invalid commit: "+err.Error(), doc)
		return
	}
	c, err := rs.git.commit(ctx, sha)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	w.Header().Set("Location", apiRepo(ri, rs)+"/git/commits/"+sha)
	writeJSON(w, http.StatusCreated, gitCommitBody(ri, rs, c, true))
}

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

func (s *Server) getTree(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	sha, ok := rs.git.resolve(r.Context(), r.PathValue("sha"), "tree")
	if !ok {
		notFound(w)
		return
	}
	rec := r.URL.Query().Get("recursive")
	t, err := s.renderTree(r, rs, sha, rec != "" && rec != "0" && rec != "false")
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
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

func (s *Server) createTree(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	var body struct {
		BaseTree *string                      `json:"base_tree"`
		Tree     []map[string]json.RawMessage `json:"tree"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docTrees + "#create-a-tree"
	ctx := r.Context()
	if body.Tree == nil {
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"tree\" wasn't supplied.", doc)
		return
	}
	base := ""
	if body.BaseTree != nil && *body.BaseTree != "" {
		o, err := rs.git.readObject(ctx, *body.BaseTree)
		if err != nil || o.kind != "tree" || !fullSHA.MatchString(*body.BaseTree) {
			apiError(w, http.StatusUnprocessableEntity, "base_tree is not a valid tree oid", doc)
			return
		}
		base = o.sha
	}
	var edits []treeEdit
	for _, raw := range body.Tree {
		var path, mode, typ string
		var sha, content *string
		str := func(key string, dst *string) {
			if v, ok := raw[key]; ok {
				_ = json.Unmarshal(v, dst)
			}
		}
		str("path", &path)
		str("mode", &mode)
		str("type", &typ)
		shaRaw, hasSHA := raw["sha"]
		if hasSHA && string(shaRaw) != "null" {
			var v string
			if json.Unmarshal(shaRaw, &v) == nil {
				sha = &v
			}
		}
		if v, ok := raw["content"]; ok {
			var c string
			if json.Unmarshal(v, &c) == nil {
				content = &c
			}
		}
		if !validTreePath(path) {
			apiError(w, http.StatusUnprocessableEntity, "tree.path contains a malformed path component", doc)
			return
		}
		want, ok := validModes[mode]
		if !ok {
			apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n"+`"`+mode+`" is not a valid mode for tree.mode.`, doc)
			return
		}
		if typ == "" {
			typ = want
		}
		if typ != want {
			apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\ntree.type "+typ+" does not match mode "+mode+".", doc)
			return
		}
		switch {
		case content != nil:
			if typ != "blob" {
				apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\ncontent is only valid for blobs.", doc)
				return
			}
			id, err := rs.git.writeObject(ctx, "blob", []byte(*content))
			if err != nil {
				apiError(w, http.StatusInternalServerError, "Server Error", "")
				return
			}
			edits = append(edits, treeEdit{Path: path, Mode: mode, Type: typ, SHA: id})
		case sha != nil:
			if typ != "commit" {
				o, err := rs.git.readObject(ctx, *sha)
				if err != nil || o.kind != typ || !fullSHA.MatchString(*sha) {
					apiError(w, http.StatusUnprocessableEntity, "tree.sha "+*sha+" is not a valid "+typ, doc)
					return
				}
			}
			edits = append(edits, treeEdit{Path: path, Mode: mode, Type: typ, SHA: *sha})
		case hasSHA: // "sha": null removes the path
			if base == "" {
				apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nsha: null is only valid with base_tree.", doc)
				return
			}
			edits = append(edits, treeEdit{Path: path})
		default:
			apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nEither \"sha\" or \"content\" must be supplied.", doc)
			return
		}
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
	w.Header().Set("Location", t.URL)
	writeJSON(w, http.StatusCreated, t)
}

func wantsRaw(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/vnd.github.raw") ||
		strings.Contains(r.Header.Get("Accept"), "application/vnd.github.v3.raw")
}

func (s *Server) getBlob(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	o, err := rs.git.readObject(r.Context(), r.PathValue("sha"))
	if err != nil || o.kind != "blob" {
		notFound(w)
		return
	}
	if wantsRaw(r) {
		w.Header().Set("Content-Type", "application/vnd.github.raw; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(o.data)
		return
	}
	writeJSON(w, http.StatusOK, &gh.Blob{
		SHA: ptr(o.sha), NodeID: nodeID("Blob", o.sha), Size: ptr(len(o.data)),
		URL: ptr(objectURL(info(r), rs, "blob", o.sha)), Content: ptr(wrap64(o.data)), Encoding: ptr("base64"),
	})
}

func (s *Server) createBlob(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	var body struct {
		Content  *string `json:"content"`
		Encoding string  `json:"encoding"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docBlobs + "#create-a-blob"
	if body.Content == nil {
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"content\" wasn't supplied.", doc)
		return
	}
	var data []byte
	switch strings.ToLower(body.Encoding) {
	case "", "utf-8", "utf8":
		if !utf8.ValidString(*body.Content) {
			apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\ncontent is not valid UTF-8.", doc)
			return
		}
		data = []byte(*body.Content)
	case "base64":
		d, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\n", "", "\r", "").Replace(*body.Content))
		if err != nil {
			apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\ncontent is not valid Base64.", doc)
			return
		}
		data = d
	default:
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nencoding must be utf-8 or base64.", doc)
		return
	}
	sha, err := rs.git.writeObject(r.Context(), "blob", data)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	u := objectURL(info(r), rs, "blob", sha)
	w.Header().Set("Location", u)
	writeJSON(w, http.StatusCreated, map[string]string{"sha": sha, "url": u})
}
