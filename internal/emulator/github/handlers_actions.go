package githubemu

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

const docDispatch = "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event"

// Dispatch is one workflow_dispatch the emulator accepted.
type Dispatch struct {
	Workflow string // the workflow as the request named it (a file name)
	Ref      string
	Inputs   map[string]string
}

// Dispatches returns the workflow dispatches of repo ("owner/name"), oldest
// first.
func (s *Server) Dispatches(repo string) []Dispatch {
	owner, name, _ := strings.Cut(repo, "/")
	rs, err := s.repo(owner, name)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Dispatch(nil), rs.dispatches...)
}

// dispatchWorkflow serves POST /actions/workflows/{workflow_id}/dispatches
// in GitHub's order: the caller's right to write Actions, the body, the
// ref (a branch or tag name), the workflow file .github/workflows/<id> at
// that ref (a numeric id names no file here: 404), its workflow_dispatch
// trigger; then 204.
func (s *Server) dispatchWorkflow(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	ri := info(r)
	if ri.id.app != nil && installationPermissions().GetActions() != "write" {
		apiError(w, http.StatusForbidden, "Resource not accessible by integration", docDispatch)
		return
	}
	s.mu.Lock()
	role := rs.perms[ri.id.login]
	s.mu.Unlock()
	if role == "read" || role == "triage" {
		apiError(w, http.StatusForbidden, "Must have admin rights to Repository.", docDispatch)
		return
	}
	var body struct {
		Ref    *string        `json:"ref"`
		Inputs map[string]any `json:"inputs"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Ref == nil {
		missingField(w, "ref", docDispatch)
		return
	}
	ctx := r.Context()
	commit, ok := s.dispatchRef(ctx, rs, *body.Ref)
	if !ok {
		apiError(w, http.StatusUnprocessableEntity, "No ref found for: "+*body.Ref, docDispatch)
		return
	}
	id := r.PathValue("workflow_id")
	data, err := s.fileAt(ctx, rs, commit, ".github/workflows/"+id)
	if err != nil || strings.Trim(id, "0123456789") == "" || strings.Contains(id, "/") {
		notFound(w)
		return
	}
	if !strings.Contains(string(data), "workflow_dispatch") {
		apiError(w, http.StatusUnprocessableEntity, "Workflow does not have 'workflow_dispatch' trigger", docDispatch)
		return
	}
	d := Dispatch{Workflow: id, Ref: *body.Ref, Inputs: map[string]string{}}
	for k, v := range body.Inputs {
		d.Inputs[k] = fmt.Sprint(v)
	}
	s.mu.Lock()
	rs.dispatches = append(rs.dispatches, d)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// dispatchRef resolves a dispatch's ref as GitHub does: a branch or a tag,
// by short or full name.
func (s *Server) dispatchRef(ctx context.Context, rs *repoState, ref string) (string, bool) {
	names := []string{ref}
	if !strings.HasPrefix(ref, "refs/") {
		names = []string{"refs/heads/" + ref, "refs/tags/" + ref}
	}
	for _, n := range names {
		if sha, ok := rs.git.ref(ctx, n); ok {
			if c, ok := rs.git.resolve(ctx, sha, "commit"); ok {
				return c, true
			}
		}
	}
	return "", false
}
