package slackemu_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	slackemu "github.com/releasebot/releasebot/internal/emulator/slack"
	"github.com/releasebot/releasebot/internal/emulator/strict"
)

// newStrict is an emulator in strict mode whose failures go to the returned
// recorder.
func newStrict(t *testing.T) (*slackemu.Server, *strict.Recording, *httptest.Server) {
	t.Helper()
	rec := &strict.Recording{}
	emu := slackemu.NewTest(rec, slackemu.Options{Tokens: []string{botToken}, Channels: []string{"C1"}, Members: map[string][]string{"C1": {"U0BOT"}}})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return emu, rec, srv
}

func send(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+botToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestStrictFailsOnAnUnknownMethod: a client calling a Web API method the
// emulator does not serve still gets Slack's unknown_method, and the test
// fails naming the request.
func TestStrictFailsOnAnUnknownMethod(t *testing.T) {
	for _, tc := range []struct{ name, method, path string }{
		{"misspelt method", "POST", "/api/chat.postMessages"},
		{"case of the method", "POST", "/api/Chat.PostMessage"},
		{"a method Slack has but the emulator does not", "POST", "/api/conversations.history"},
		{"no method", "POST", "/api/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu, rec, srv := newStrict(t)
			status, body := send(t, tc.method, srv.URL+tc.path, "channel=C1&text=hi")
			var answer struct {
				OK    bool   `json:"ok"`
				Error string `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &answer); err != nil || answer.OK || answer.Error != "unknown_method" || status != http.StatusNotFound {
				t.Errorf("answer = %d %s, want Slack's unknown_method", status, body)
			}
			want := []string{tc.method + " " + tc.path}
			if got := emu.Unmatched(); !reflect.DeepEqual(got, want) {
				t.Errorf("Unmatched() = %q, want %q", got, want)
			}
			if errs := rec.End(); len(errs) != 1 || !strings.Contains(errs[0], "unmatched request: "+want[0]) {
				t.Errorf("failures = %q, want one naming %q", errs, want[0])
			}
		})
	}
}

// TestStrictOtherPaths: outside the Web API, a path the emulator has no
// route for, and a response_url called with GET, are unmatched; a known
// method answering an error, and a response_url never issued, are Slack's
// answers, not wrong paths.
func TestStrictOtherPaths(t *testing.T) {
	emu, rec, srv := newStrict(t)
	ru := emu.ResponseURL(srv.URL)
	send(t, "POST", srv.URL+"/apii/chat.postMessage", "")
	send(t, "GET", ru, "")
	if _, body := send(t, "POST", srv.URL+"/api/chat.postMessage", "channel=C404&text=hi"); !strings.Contains(body, "channel_not_found") {
		t.Errorf("unknown channel: %s", body)
	}
	if status, body := send(t, "POST", srv.URL+"/commands/T0ACME/never-issued", `{"text":"hi"}`); status != 404 || body != "no_service" {
		t.Errorf("unissued response_url: %d %q", status, body)
	}
	want := []string{"POST /apii/chat.postMessage", "GET " + strings.TrimPrefix(ru, srv.URL)}
	if got := emu.Unmatched(); !reflect.DeepEqual(got, want) {
		t.Errorf("Unmatched() = %q, want %q", got, want)
	}
	if errs := rec.End(); len(errs) != 2 {
		t.Errorf("failures = %q, want two", errs)
	}
}

// TestSlackExpectAndVerify: a declared method never called fails the test;
// so does a name the emulator does not serve; Count counts by method.
func TestSlackExpectAndVerify(t *testing.T) {
	emu, rec, srv := newStrict(t)
	emu.Expect("chat.postMessage")
	emu.Expect(slackemu.ResponseURLRoute)
	emu.Expect("users.info")        // never called
	emu.Expect("chat.postMessages") // not served
	send(t, "POST", srv.URL+"/api/chat.postMessage", "channel=C1&text=hi")
	send(t, "GET", srv.URL+"/api/chat.postMessage?channel=C1&text=again", "")
	send(t, "POST", emu.ResponseURL(srv.URL), `{"text":"hi"}`)
	emu.Verify(rec)
	errs := rec.End()
	if len(errs) != 2 || !strings.Contains(errs[0], "expected route users.info was never called") || !strings.Contains(errs[1], "expected route chat.postMessages is no route") {
		t.Errorf("failures = %q", errs)
	}
	if n := emu.Count("chat.postMessage"); n != 2 {
		t.Errorf("Count(chat.postMessage) = %d, want 2", n)
	}
	if n := emu.Count(slackemu.ResponseURLRoute); n != 1 {
		t.Errorf("Count(response_url) = %d, want 1", n)
	}
}
