package githubemu

import (
	"encoding/base64"
	"net/http"
	"path"
	"strings"

	gh "github.com/google/go-github/v62/github"
)

const (
	docContents    = "https://docs.github.com/rest/repos/contents"
	docRepoCommits = "https://docs.github.com/rest/commits/commits"
)

// contentJSON is a file or directory entry of the contents API.
func contentJSON(ri *requestInfo, rs *repoState, ref string, e treeEntry, data []byte) *gh.RepositoryContent {
	typ := map[string]string{"blob": "file", "tree": "dir", "commit": "submodule"}[e.Type]
	if e.Mode == "120000" {
		typ = "symlink"
	}
	api := apiRepo(ri, rs) + "/contents/" + e.Path + "?ref=" + ref
	kind := "blob"
	if e.Type == "tree" {
		kind = "tree"
	}
	c := &gh.RepositoryContent{
		Type: ptr(typ), Name: ptr(path.Base(e.Path)), Path: ptr(e.Path), SHA: ptr(e.SHA),
		URL: ptr(api), GitURL: ptr(objectURL(ri, rs, kind, e.SHA)),
		HTMLURL: ptr(ri.webBase + "/" + rs.fullName() + "/" + map[bool]string{true: "tree", false: "blob"}[e.Type == "tree"] + "/" + ref + "/" + e.Path),
		Size:    ptr(max(e.Size, 0)),
	}
	if e.Type == "blob" {
		c.DownloadURL = ptr(ri.webBase + "/" + rs.fullName() + "/raw/" + ref + "/" + e.Path)
	}
	switch {
	case data == nil:
	case typ == "symlink":
		c.Target = ptr(string(data))
	case len(data) > contentsInlineMax:
		// GitHub leaves larger files out: only the raw media type has them.
		c.Content, c.Encoding = ptr(""), ptr("none")
	default:
		c.Content, c.Encoding = ptr(wrap64(data)), ptr("base64")
	}
	return c
}

const (
	// contentsInlineMax is the largest file the contents API sends inline
	// (1 MB); contentsMax the largest it serves at all (100 MB).
	contentsInlineMax = 1 << 20
	contentsMax       = 100 << 20
)

// getContents serves GET /contents/{path}: a file (inline up to 1 MB, then
// with encoding "none" and empty content unless the raw media type is
// asked for), a directory's entries, a submodule, a symbolic link (type
// "symlink" with its target, or the target file itself, under its own path,
// when the target is a file in the repository), or 404 "This repository is empty." and
// "No commit found for the ref …" as GitHub does.
func (s *Server) getContents(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	if refs, err := rs.git.refs(r.Context(), "refs/heads", "refs/tags"); err == nil && len(refs) == 0 {
		apiError(w, http.StatusNotFound, "This repository is empty.", docContents+"#get-repository-content")
		return
	}
	ctx := r.Context()
	ref := r.URL.Query().Get("ref")
	if ref == "" {
		ref = rs.defaultBranch
	}
	commit, ok := rs.git.resolve(ctx, ref, "commit")
	if !ok {
		apiError(w, http.StatusNotFound, "No commit found for the ref "+ref, docContents+"#get-repository-content")
		return
	}
	p := strings.Trim(r.PathValue("path"), "/")
	ri := info(r)
	if p == "" {
		s.listDir(w, r, rs, ref, commit)
		return
	}
	entries, err := rs.git.lsTree(ctx, commit, false, p)
	if err != nil || len(entries) != 1 || entries[0].Path != p {
		notFound(w)
		return
	}
	e := entries[0]
	switch e.Type {
	case "tree":
		s.listDir(w, r, rs, ref, commit+":"+p)
	case "commit":
		writeJSON(w, http.StatusOK, contentJSON(ri, rs, ref, e, nil))
	default:
		o, err := rs.git.readObject(ctx, e.SHA)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "Server Error", "")
			return
		}
		if e.Mode == "120000" {
			// GitHub answers a link whose target is a file in the repository
			// with that file (under the target's path), any other link with
			// the link itself: type "symlink" and its target.
			if t, ok := linkTarget(p, string(o.data)); ok {
				if te, err := rs.git.lsTree(ctx, commit, false, t); err == nil && len(te) == 1 && te[0].Path == t && te[0].Type == "blob" && te[0].Mode != "120000" {
					if to, err := rs.git.readObject(ctx, te[0].SHA); err == nil {
						e, o = te[0], to
					}
				}
			}
		}
		if len(o.data) > contentsMax {
			writeJSON(w, http.StatusForbidden, map[string]any{
				"message":           "This endpoint can only return blobs smaller than 100 MB in size. The requested blob is too large to fetch via the API, but you can always clone the repository via Git to obtain it.",
				"errors":            []map[string]any{{"resource": "Blob", "field": "data", "code": "too_large"}},
				"documentation_url": docContents + "#get-repository-content", "status": "403",
			})
			return
		}
		if wantsRaw(r) {
			w.Header().Set("Content-Type", "application/vnd.github.raw; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(o.data)
			return
		}
		writeJSON(w, http.StatusOK, contentJSON(ri, rs, ref, e, o.data))
	}
}

// linkTarget is the repository path a link at p with target points at, or
// false when the target is absolute or leaves the repository.
func linkTarget(p, target string) (string, bool) {
	if target == "" || strings.HasPrefix(target, "/") {
		return "", false
	}
	t := path.Join(path.Dir(p), target)
	if t == "." || t == ".." || strings.HasPrefix(t, "../") {
		return "", false
	}
	return t, true
}

func (s *Server) listDir(w http.ResponseWriter, r *http.Request, rs *repoState, ref, treeish string) {
	entries, err := rs.git.lsTree(r.Context(), treeish, false)
	if err != nil {
		notFound(w)
		return
	}
	prefix := ""
	if _, dir, ok := strings.Cut(treeish, ":"); ok {
		prefix = dir + "/"
	}
	out := []*gh.RepositoryContent{}
	for _, e := range entries {
		e.Path = prefix + e.Path
		out = append(out, contentJSON(info(r), rs, ref, e, nil))
	}
	writeJSON(w, http.StatusOK, out)
}

// putContents serves PUT /contents/{path}: create or update one file with a
// commit, as GitHub does: the branch must exist unless the repository has
// no branch at all; updating needs the file's current blob sha (a stale one
// is 409); a directory is not a file; a file in the way of a new path's
// directory is 409. The committer is the caller (GitHub itself for an App
// that names neither author nor committer); a committer given alone is the
// author too.
func (s *Server) putContents(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	var body struct {
		Message   *string   `json:"message"`
		Content   *string   `json:"content"`
		SHA       string    `json:"sha"`
		Branch    string    `json:"branch"`
		Author    *authorIn `json:"author"`
		Committer *authorIn `json:"committer"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docContents + "#create-or-update-file-contents"
	p := strings.Trim(r.PathValue("path"), "/")
	if !validTreePath(p) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "path contains a malformed path component", "documentation_url": doc, "status": "422",
			"errors": []map[string]any{{"resource": "Commit", "field": "path", "code": "invalid"}},
		})
		return
	}
	switch {
	case body.Message == nil:
		missingField(w, "message", doc)
		return
	case body.Content == nil:
		missingField(w, "content", doc)
		return
	}
	data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(*body.Content, "\n", ""))
	if err != nil {
		apiError(w, http.StatusUnprocessableEntity, "content is not valid Base64", doc)
		return
	}
	branch := body.Branch
	if branch == "" {
		branch = rs.defaultBranch
	}
	ctx := r.Context()
	ref := "refs/heads/" + branch
	tip, exists := rs.git.ref(ctx, ref)
	baseTree := ""
	var parents []string
	status := http.StatusCreated
	if exists {
		c, err := rs.git.commit(ctx, tip)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "Server Error", "")
			return
		}
		baseTree, parents = c.Tree, []string{tip}
		if entries, _ := rs.git.lsTree(ctx, tip, false, p); len(entries) == 1 && entries[0].Path == p {
			if entries[0].Type != "blob" {
				apiError(w, http.StatusUnprocessableEntity, p+" is not a file", doc)
				return
			}
			if body.SHA == "" {
				missingField(w, "sha", doc)
				return
			}
			if body.SHA != entries[0].SHA {
				apiError(w, http.StatusConflict, p+" does not match "+body.SHA, doc)
				return
			}
			status = http.StatusOK
		} else {
			for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
				if entries, _ := rs.git.lsTree(ctx, tip, false, dir); len(entries) == 1 && entries[0].Path == dir && entries[0].Type != "tree" {
					apiError(w, http.StatusConflict, "Sorry, a file exists where you’re trying to create a subdirectory. Choose a new path and try again.", doc)
					return
				}
			}
		}
	} else if heads, _ := rs.git.refs(ctx, "refs/heads"); len(heads) > 0 {
		apiError(w, http.StatusNotFound, "Branch "+branch+" not found", doc)
		return
	}
	blob, err := rs.git.writeObject(ctx, "blob", data)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	tree, err := rs.git.buildTree(ctx, baseTree, []treeEdit{{Path: p, Mode: "100644", Type: "blob", SHA: blob}})
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	ri := info(r)
	now := s.now()
	committer, ok1 := body.Committer.sig(s.sigFor(ri.id.login, now))
	author, ok2 := body.Author.sig(committer)
	if !ok1 || !ok2 {
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nauthor and committer need a name and an email.", doc)
		return
	}
	if ri.id.bot && body.Author == nil && body.Committer == nil {
		committer = webCommitter(now)
	}
	sha, err := rs.git.writeCommit(ctx, commitObject{Tree: tree, Parents: parents, Author: author, Committer: committer, Message: *body.Message})
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	if s.refusedProtected(w, rs, ref, true) {
		return
	}
	_, res, err := s.moveRef(ctx, rs, ref, sha, false, !exists, ri.id.login)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	if res != refMoved {
		apiError(w, http.StatusConflict, p+" does not match "+body.SHA, doc)
		return
	}
	c, _ := rs.git.commit(ctx, sha)
	writeJSON(w, status, map[string]any{
		"content": contentJSON(ri, rs, branch, treeEntry{Mode: "100644", Type: "blob", SHA: blob, Path: p, Size: len(data)}, nil),
		"commit":  gitCommitBody(ri, rs, c, true),
	})
}
