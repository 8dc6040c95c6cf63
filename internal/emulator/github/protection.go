package githubemu

import (
	"net/http"
	"strings"
)

// docProtected is where GitHub's refusal of a protected branch points.
const docProtected = "https://docs.github.com/articles/about-protected-branches"

// ProtectBranch protects branch of repo ("owner/name") as a branch
// protection rule that no one bypasses would: from then on every update or
// creation of refs/heads/<branch> through the API (git refs, the contents
// API, a pull request's merge) is refused with GitHub's 422 "Protected
// branch update failed for refs/heads/<branch>.", and GET branches/<branch>
// reports "protected": true. The test helpers CommitFiles and SetRef, which
// stand for pushes by others, are not refused.
func (s *Server) ProtectBranch(repo, branch string) {
	owner, name, _ := strings.Cut(repo, "/")
	rs, err := s.repo(owner, name)
	if err != nil {
		panic(err) // a test's mistake, not a request's
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rs.protected == nil {
		rs.protected = map[string]bool{}
	}
	rs.protected[branch] = true
}

// branchProtected reports whether branch is protected.
func (s *Server) branchProtected(rs *repoState, branch string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return rs.protected[branch]
}

// refusedProtected answers GitHub's 422 and reports true when ref (a full
// name) is a protected branch.
func (s *Server) refusedProtected(w http.ResponseWriter, rs *repoState, ref string) bool {
	branch, ok := strings.CutPrefix(ref, "refs/heads/")
	if !ok || !s.branchProtected(rs, branch) {
		return false
	}
	apiError(w, http.StatusUnprocessableEntity, "Protected branch update failed for "+ref+".", docProtected)
	return true
}
