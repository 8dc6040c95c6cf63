package githubemu

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	gh "github.com/google/go-github/v62/github"
)

const (
	docRefs    = "https://docs.github.com/rest/git/refs"
	docCommits = "https://docs.github.com/rest/git/commits"
	docTrees   = "https://docs.github.com/rest/git/trees"
	docBlobs   = "https://docs.github.com/rest/git/blobs"
)

var (
	fullSHA         = regexp.MustCompile(`^[0-9a-f]{40}$`)
	threeComponents = regexp.MustCompile(`^refs/[^/]+/[^/]`)
)

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

// listRefs serves GET /git/refs[/name]: a ref named exactly so is one
// object; otherwise every ref whose name starts with refs/name (a plain
// string prefix, as GitHub matches: heads/ma finds refs/heads/main) is an
// array, and none is 404.
func (s *Server) listRefs(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	name := "refs/" + r.PathValue("ref")
	refs, err := rs.git.refs(r.Context())
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	var out []*gh.Reference
	for _, e := range refs {
		switch {
		case r.PathValue("ref") == "":
			out = append(out, refJSON(info(r), rs, e))
		case e.name == name:
			writeJSON(w, http.StatusOK, refJSON(info(r), rs, e))
			return
		case strings.HasPrefix(e.name, name):
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
	if rs == nil || s.emptyRepo(w, r, rs) {
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

// gitRefName tells whether name is a valid git ref name (git
// check-ref-format); a one-level name must be in capitals, like HEAD.
func gitRefName(name string) bool {
	if name == "" || name == "@" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") ||
		strings.HasSuffix(name, ".") || strings.HasSuffix(name, ".lock") {
		return false
	}
	for _, bad := range []string{"..", "@{", "//", "\\", " ", "~", "^", ":", "?", "*", "[", ".lock/", "/."} {
		if strings.Contains(name, bad) {
			return false
		}
	}
	if strings.HasPrefix(name, ".") {
		return false
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	if !strings.Contains(name, "/") {
		return strings.Trim(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == ""
	}
	return true
}

// refNameError is GitHub's refusal of a ref name to create, or "".
func refNameError(name string) string {
	switch {
	case !gitRefName(name):
		return name + " is not a valid ref name."
	case !strings.HasPrefix(name, "refs/"):
		return "Reference name must start with 'refs/'."
	case !threeComponents.MatchString(name):
		return "Reference name must contain at least three slash-separated components."
	}
	return internalRefError(name)
}

// internalRefError is GitHub's refusal to write a ref it keeps for itself,
// or "".
func internalRefError(name string) string {
	switch {
	case name == "refs/pull" || strings.HasPrefix(name, "refs/pull/"):
		return "refs/pull/* is read-only."
	case name == "refs/__gh__" || strings.HasPrefix(name, "refs/__gh__/"):
		return "refs/__gh__/* is reserved for internal use."
	}
	return ""
}

func (s *Server) createRef(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	var body struct {
		Ref *string `json:"ref"`
		SHA *string `json:"sha"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docRefs + "#create-a-reference"
	switch {
	case body.Ref == nil:
		missingField(w, "ref", doc)
		return
	case body.SHA == nil:
		missingField(w, "sha", doc)
		return
	case !fullSHA.MatchString(*body.SHA):
		badSHA(w, "sha", doc)
		return
	}
	if msg := refNameError(*body.Ref); msg != "" {
		apiError(w, http.StatusUnprocessableEntity, msg, doc)
		return
	}
	o, err := rs.git.readObject(r.Context(), *body.SHA)
	if err != nil || o.kind == "" {
		apiError(w, http.StatusUnprocessableEntity, "Object does not exist", doc)
		return
	}
	_, res, err := s.moveRef(r.Context(), rs, *body.Ref, *body.SHA, false, true, info(r).id.login)
	switch {
	case err != nil: // e.g. a branch at a tree: git refuses it
		apiError(w, http.StatusUnprocessableEntity, "Reference update failed", doc)
		return
	case res == refExists:
		apiError(w, http.StatusUnprocessableEntity, "Reference already exists", doc)
		return
	}
	ri := info(r)
	w.Header().Set("Location", apiRepo(ri, rs)+"/git/"+*body.Ref)
	writeJSON(w, http.StatusCreated, refJSON(ri, rs, refEntry{name: *body.Ref, sha: o.sha, kind: o.kind}))
}

// updateRef serves PATCH /git/refs/{ref} in GitHub's order: the sha's
// form, the ref's existence, the object's, a branch only at a commit, then
// one compare-and-swap that refuses a non-fast-forward unless forced and
// fails as "Reference cannot be updated" when the ref moved under it.
func (s *Server) updateRef(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
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
		missingField(w, "sha", doc)
		return
	}
	if !fullSHA.MatchString(*body.SHA) {
		badSHA(w, "sha", doc)
		return
	}
	name := "refs/" + r.PathValue("ref")
	if msg := internalRefError(name); msg != "" {
		apiError(w, http.StatusUnprocessableEntity, msg, doc)
		return
	}
	ctx := r.Context()
	if _, ok := rs.git.ref(ctx, name); !ok {
		apiError(w, http.StatusUnprocessableEntity, "Reference does not exist", doc)
		return
	}
	o, err := rs.git.readObject(ctx, *body.SHA)
	if err != nil || o.kind == "" {
		apiError(w, http.StatusUnprocessableEntity, "Object does not exist", doc)
		return
	}
	if strings.HasPrefix(name, "refs/heads/") && o.kind != "commit" {
		apiError(w, http.StatusUnprocessableEntity, "Object is not a commit", doc)
		return
	}
	_, res, err := s.moveRefOnce(ctx, rs, name, o.sha, body.Force, info(r).id.login)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	switch res {
	case refMissing:
		apiError(w, http.StatusUnprocessableEntity, "Reference does not exist", doc)
	case refNotFastForward:
		apiError(w, http.StatusUnprocessableEntity, "Update is not a fast forward", doc)
	case refRaced:
		apiError(w, http.StatusUnprocessableEntity, "Reference cannot be updated", doc)
	default:
		writeJSON(w, http.StatusOK, refJSON(info(r), rs, refEntry{name: name, sha: o.sha, kind: o.kind}))
	}
}

func (s *Server) deleteRef(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	doc := docRefs + "#delete-a-reference"
	name := "refs/" + r.PathValue("ref")
	if msg := internalRefError(name); msg != "" {
		apiError(w, http.StatusUnprocessableEntity, msg, doc)
		return
	}
	cur, ok := rs.git.ref(r.Context(), name)
	if !ok {
		apiError(w, http.StatusUnprocessableEntity, "Reference does not exist", doc)
		return
	}
	if err := rs.git.updateRef(r.Context(), name, "", cur); err != nil {
		// It moved or went between the read and the delete.
		apiError(w, http.StatusNotFound, "Reference does not exist", doc)
		return
	}
	s.afterRefMove(rs, name, cur, "", false, info(r).id.login)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getGitCommit(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
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
	if rs == nil || s.emptyRepo(w, r, rs) {
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
		missingField(w, "message", doc)
		return
	case body.Tree == nil:
		missingField(w, "tree", doc)
		return
	}
	ctx := r.Context()
	if !fullSHA.MatchString(*body.Tree) {
		badSHA(w, "tree", doc)
		return
	}
	switch o, err := rs.git.readObject(ctx, *body.Tree); {
	case err != nil || o.kind == "":
		apiError(w, http.StatusUnprocessableEntity, "Tree SHA does not exist", doc)
		return
	case o.kind != "tree":
		apiError(w, http.StatusUnprocessableEntity, "Tree SHA is not a tree object", doc)
		return
	}
	for _, p := range body.Parents {
		if !fullSHA.MatchString(p) {
			apiError(w, http.StatusUnprocessableEntity, "Each SHA in the 'parents' parameter must be exactly 40 characters and contain only [0-9a-f].", doc)
			return
		}
	}
	for _, p := range body.Parents {
		if o, err := rs.git.readObject(ctx, p); err != nil || o.kind != "commit" {
			apiError(w, http.StatusUnprocessableEntity, "Parent SHA does not exist or is not a commit object", doc)
			return
		}
	}
	ri := info(r)
	now := s.now()
	def := s.sigFor(ri.id.login, now)
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
	if ri.id.bot && body.Author == nil && body.Committer == nil && body.Signature == "" {
		// GitHub commits (and signs) an App's commits as its web committer.
		committer = webCommitter(now)
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

func wantsRaw(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/vnd.github.raw") ||
		strings.Contains(r.Header.Get("Accept"), "application/vnd.github.v3.raw")
}

// getBlob serves GET /git/blobs/{sha}: 422 for a sha that is not 40 hex
// digits, 404 for no such blob.
func (s *Server) getBlob(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	if !fullSHA.MatchString(r.PathValue("sha")) {
		badSHA(w, "sha", docBlobs+"#get-a-blob")
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

// createBlob serves POST /git/blobs as GitHub does: content is required and
// a string; with "encoding": "base64" it is decoded as Ruby's
// Base64.decode64 does, skipping what is not Base64 rather than refusing it,
// and any other encoding stores the text as it is.
func (s *Server) createBlob(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	var body struct {
		Content  json.RawMessage `json:"content"`
		Encoding any             `json:"encoding"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docBlobs + "#create-a-blob"
	if len(body.Content) == 0 || string(body.Content) == "null" {
		validationFailed(w, doc, map[string]any{"resource": "Blob", "field": "content", "code": "missing_field"})
		return
	}
	var content string
	if json.Unmarshal(body.Content, &content) != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "content must be a string", "documentation_url": doc, "status": "422",
			"errors": []map[string]any{{"resource": "Blob", "field": "content", "code": "invalid"}},
		})
		return
	}
	data := []byte(content)
	if body.Encoding == "base64" {
		data = decode64(content)
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

// decode64 decodes Base64 leniently, as Ruby's Base64.decode64 (what GitHub
// uses for blobs) does: characters outside the alphabet are skipped, the
// first "=" ends the data, and a trailing partial group keeps its whole
// bytes.
func decode64(s string) []byte {
	var clean strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			break
		}
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' {
			clean.WriteByte(c)
		}
	}
	enc := clean.String()
	if len(enc)%4 == 1 {
		enc = enc[:len(enc)-1]
	}
	out, _ := base64.RawStdEncoding.DecodeString(enc)
	return out
}
