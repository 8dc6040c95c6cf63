package githubemu

import (
	"net/http"
	"strings"

	gh "github.com/google/go-github/v62/github"
)

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
	if s.refusedProtected(w, rs, *body.Ref, false) {
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
	if s.refusedProtected(w, rs, name, false) {
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
