package githubemu

import (
	"net/http"
)

// permission serves GET /collaborators/{user}/permission.
func (s *Server) permission(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	user := r.PathValue("user")
	s.mu.Lock()
	role := rs.perms[user]
	s.mu.Unlock()
	if role == "" {
		if rs.private {
			role = "none"
		} else {
			role = "read"
		}
	}
	legacy := map[string]string{"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read", "none": "none"}[role]
	ri := info(r)
	u := s.userJSON(user, ri.apiBase, ri.webBase)
	writeJSON(w, http.StatusOK, map[string]any{"permission": legacy, "role_name": role, "user": u})
}
