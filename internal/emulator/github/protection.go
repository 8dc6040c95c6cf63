package githubemu

import (
	"net/http"
	"strings"
)

// docProtected is where GitHub's refusal of a protected branch points.
const docProtected = "https://docs.github.com/articles/about-protected-branches"

// ProtectBranch protects branch of repo ("owner/name") as the commonest
// branch protection rule, "require a pull request before merging", that
// no one bypasses: from then on an update or creation of
// refs/heads/<branch> through the git refs API is refused with GitHub's 422
// "Changes must be made through a pull request.", a write through the
// contents API with its 409 "Could not update file: Changes must be made
// through a pull request.", while merging a pull request into it goes
// through, as the rule allows; GET branches/<branch> reports "protected":
// true. The test helpers CommitFiles and SetRef, which stand for pushes by
// others, are not refused.
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

// protectedMessage is what GitHub says when a rule requires a pull request.
const protectedMessage = "Changes must be made through a pull request."

// refusedProtected answers as GitHub does and reports true when ref (a full
// name) is a protected branch: 422 to the git refs API, 409 to the
// contents API (contents true).
func (s *Server) refusedProtected(w http.ResponseWriter, rs *repoState, ref string, contents bool) bool {
	branch, ok := strings.CutPrefix(ref, "refs/heads/")
	if !ok || !s.branchProtected(rs, branch) {
		return false
	}
	if contents {
		apiError(w, http.StatusConflict, "Could not update file: "+protectedMessage, docProtected)
		return true
	}
	apiError(w, http.StatusUnprocessableEntity, protectedMessage, docProtected)
	return true
}
