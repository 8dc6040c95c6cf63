package slackemu_test

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	slackemu "github.com/releasebot/releasebot/internal/emulator/slack"
	"github.com/releasebot/releasebot/internal/emulator/strict"
)

// FuzzAPIRequest drives a Web API method's argument and token parsing
// (query, form and JSON bodies, Authorization) with outside input: every
// answer is Slack's JSON.
func FuzzAPIRequest(f *testing.F) {
	f.Add("chat.postMessage", "channel=C1", "application/x-www-form-urlencoded", "token=xoxb-t&text=hi", "")
	f.Add("chat.update", "", "application/json; charset=utf-8", `{"channel":"C1","ts":"1.000001","blocks":[{"type":"divider"}]}`, "Bearer xoxb-t")
	f.Add("users.info", "user=U1&token=xoxb-t", "application/json", `[1,2]`, "Bearer xoxb-t")
	f.Add("chat.postEphemeral", "", "multipart/form-data", "%zz", "Bearer ")
	f.Fuzz(func(t *testing.T, method, query, contentType, body, auth string) {
		strictRec := &strict.Recording{}
		emu := slackemu.NewTest(strictRec, slackemu.Options{Tokens: []string{"xoxb-t"}, Users: []slackemu.User{{ID: "U1"}}, UserGroups: map[string][]string{"S1": {"U1"}}})
		req := httptest.NewRequest("POST", "/api/chat.postMessage", strings.NewReader(body))
		req.URL.Path = "/api/" + method
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		emu.Handler().ServeHTTP(rec, req)
		var answer struct {
			OK    *bool  `json:"ok"`
			Error string `json:"error"`
		}
		if strings.HasPrefix(req.URL.Path, "/api/") && (json.Unmarshal(rec.Body.Bytes(), &answer) != nil || answer.OK == nil || !*answer.OK && answer.Error == "") {
			t.Fatalf("answer %d %q", rec.Code, rec.Body.String())
		}
		// Strict mode calls a request unmatched exactly when the emulator
		// does not serve its method.
		served := slices.Contains([]string{"auth.test", "chat.postMessage", "chat.update", "chat.postEphemeral", "usergroups.users.list", "users.info"}, method)
		if unmatched := len(emu.Unmatched()) == 1; served == unmatched || len(strictRec.End()) != len(emu.Unmatched()) {
			t.Fatalf("method %q: served %v, unmatched %q", method, served, emu.Unmatched())
		}
	})
}

// FuzzResponseURL drives the response_url receiver's body parsing: every
// answer is "ok" or an error word, in plain text.
func FuzzResponseURL(f *testing.F) {
	f.Add("application/json", `{"text":"hi","replace_original":"true","blocks":null}`)
	f.Add("application/x-www-form-urlencoded", `payload=%7B%22delete_original%22%3Atrue%7D`)
	f.Add("application/json", `{"blocks":[{"type":"header"}],"attachments":{}}`)
	f.Fuzz(func(t *testing.T, contentType, body string) {
		emu := slackemu.NewTest(t, slackemu.Options{})
		ru := emu.ResponseURL("http://hooks.example")
		req := httptest.NewRequest("POST", strings.TrimPrefix(ru, "http://hooks.example"), strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		emu.Handler().ServeHTTP(rec, req)
		if got := rec.Body.String(); (rec.Code == 200) != (got == "ok") || strings.ContainsAny(got, "{} ") {
			t.Fatalf("answer %d %q", rec.Code, got)
		}
	})
}
