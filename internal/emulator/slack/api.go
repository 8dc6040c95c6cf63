package slackemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// fail answers as Slack does for an API error: HTTP 200, ok false.
func fail(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code})
}

// jsonMethods are the methods that accept a JSON body; the others read only
// query and form arguments (Slack's "JSON-encoded bodies" list).
var jsonMethods = map[string]bool{"chat.postMessage": true, "chat.update": true, "chat.postEphemeral": true}

// params reads a call's arguments and token as Slack does. Arguments come
// from the query string and a form body, or a JSON body for the methods
// that accept one. The token comes from "Authorization: Bearer" or a form
// body: never from the query string (refused for apps created since
// February 2021) nor from a JSON body (JSON needs the header).
func params(r *http.Request, method string) (v url.Values, tok string, errCode string) {
	v = r.URL.Query()
	v.Del("token")
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		tok = strings.TrimSpace(strings.TrimPrefix(auth, "Bearer "))
	}
	if r.Body == nil {
		return v, tok, ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil {
		return nil, "", "invalid_form_data"
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		if !jsonMethods[method] || len(bytes.TrimSpace(body)) == 0 {
			return v, tok, ""
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, "", "invalid_json"
		}
		if m == nil {
			return nil, "", "json_not_object"
		}
		for k, raw := range m {
			if k == "token" {
				continue
			}
			var str string
			if json.Unmarshal(raw, &str) == nil {
				v.Set(k, str)
			} else {
				v.Set(k, string(raw)) // blocks, attachments, booleans: keep the JSON
			}
		}
	default:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "", "invalid_form_data"
		}
		if t := form.Get("token"); tok == "" {
			tok = t
		}
		form.Del("token")
		for k, vals := range form {
			v[k] = vals
		}
	}
	return v, tok, ""
}

// failArgs answers invalid_arguments for required arguments that are absent
// (Slack tells an absent argument, invalid_arguments, from an empty or
// unknown one, which gets the method's own error) and reports whether it
// did.
func failArgs(w http.ResponseWriter, v url.Values, required ...string) bool {
	var msgs []string
	for _, name := range required {
		if _, ok := v[name]; !ok {
			msgs = append(msgs, "[ERROR] missing required field: "+name)
		}
	}
	if len(msgs) == 0 {
		return false
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_arguments", "response_metadata": map[string]any{"messages": msgs}})
	return true
}

// apiMethods are the Web API methods the emulator serves, by name.
func (s *Server) apiMethods() map[string]func(http.ResponseWriter, url.Values) {
	return map[string]func(http.ResponseWriter, url.Values){
		"auth.test":             s.authTest,
		"chat.postMessage":      s.postMessage,
		"chat.update":           s.update,
		"chat.postEphemeral":    s.postEphemeral,
		"usergroups.users.list": s.usergroupUsers,
		"users.info":            s.usersInfo,
	}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, method string) {
	if f, ok := s.nextFault(method); ok {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case f.RetryAfter > 0:
			w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
			return
		case f.Status != 0:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(f.Status)
			_, _ = fmt.Fprintf(w, "<html><body>%d %s</body></html>", f.Status, http.StatusText(f.Status))
			return
		case f.Error != "":
			fail(w, f.Error)
			return
		}
	}
	h, ok := s.apiMethods()[method]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": "unknown_method"})
		return
	}
	v, tok, code := params(r, method)
	if code != "" {
		fail(w, code)
		return
	}
	switch {
	case tok == "":
		fail(w, "not_authed")
		return
	case !contains(s.opts.Tokens, tok):
		fail(w, "invalid_auth")
		return
	}
	h(w, v)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) authTest(w http.ResponseWriter, _ url.Values) {
	o := s.opts
	writeJSON(w, http.StatusOK, map[string]any{
		"ok": true, "url": "https://" + o.TeamName + ".slack.com/", "team": o.TeamName, "user": o.BotName,
		"team_id": o.TeamID, "user_id": o.BotUserID, "bot_id": o.BotID, "is_enterprise_install": false,
	})
}
