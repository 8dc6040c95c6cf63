package githubemu

import (
	"net/http"
	"regexp"
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
