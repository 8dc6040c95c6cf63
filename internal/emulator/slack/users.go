package slackemu

import (
	"net/http"
	"net/url"
	"sort"
)

func (s *Server) user(id string) *User {
	for i := range s.opts.Users {
		if s.opts.Users[i].ID == id {
			return &s.opts.Users[i]
		}
	}
	return nil
}

func (s *Server) usersInfo(w http.ResponseWriter, v url.Values) {
	if failArgs(w, v, "user") {
		return
	}
	u := s.user(v.Get("user"))
	if u == nil {
		fail(w, "user_not_found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "user": map[string]any{
		"id": u.ID, "team_id": s.opts.TeamID, "name": u.Name, "deleted": u.Deleted, "real_name": u.RealName,
		"tz": "Europe/Lisbon", "tz_label": "Western European Time", "tz_offset": 0,
		"is_bot": u.IsBot, "is_admin": u.IsAdmin, "is_owner": false, "is_app_user": false,
		"profile": map[string]any{"real_name": u.RealName, "display_name": u.Name, "email": u.Email, "team": s.opts.TeamID},
	}})
}

func (s *Server) usergroupUsers(w http.ResponseWriter, v url.Values) {
	if failArgs(w, v, "usergroup") {
		return
	}
	members, ok := s.opts.UserGroups[v.Get("usergroup")]
	if !ok {
		fail(w, "no_such_subteam")
		return
	}
	users := append([]string{}, members...)
	sort.Strings(users)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "users": users})
}
