package sentryemu_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	sentrygo "github.com/getsentry/sentry-go"

	sentryemu "github.com/releasebot/releasebot/internal/emulator/sentry"
)

const token = "sntrys_emulator_token"

func start(t *testing.T) (*sentryemu.Emulator, *httptest.Server) {
	t.Helper()
	emu := sentryemu.New("acme", "web", 1, token)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv
}

func get(t *testing.T, srv *httptest.Server, path, auth string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, strings.TrimSpace(string(b))
}

func TestAuthAndNotFound(t *testing.T) {
	t.Parallel()
	_, srv := start(t)
	tests := []struct {
		name, path, auth string
		status           int
		body             string
	}{
		{"no credentials", "/api/0/organizations/acme/issues/", "", 401, `{"detail":"Authentication credentials were not provided."}`},
		{"bad token", "/api/0/organizations/acme/issues/", "Bearer nope", 401, `{"detail":"Invalid token"}`},
		{"unknown org", "/api/0/organizations/other/issues/", "Bearer " + token, 404, `{"detail":"The requested resource does not exist"}`},
		{"unknown release", "/api/0/organizations/acme/releases/v0.0.1/", "Bearer " + token, 404, `{"detail":"The requested resource does not exist"}`},
		{"no trailing slash redirects like Django", "/api/0/organizations/acme/issues", "Bearer " + token, 301, `<a href="/api/0/organizations/acme/issues/">Moved Permanently</a>.`},
		{"unknown path", "/api/0/organizations/acme/nothing/", "Bearer " + token, 404, `{"detail":"The requested resource does not exist"}`},
		{"slug as project id", "/api/0/organizations/acme/issues/?project=web", "Bearer " + token, 400, `{"detail":"Invalid project parameter. Values must be numbers."}`},
		{"project by id", "/api/0/organizations/acme/issues/?project=1", "Bearer " + token, 200, `[]`},
		{"project slug", "/api/0/projects/acme/web/", "Bearer " + token, 200, `{"id":"1","name":"web","platform":"go","slug":"web"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := get(t, srv, tt.path, tt.auth)
			if resp.StatusCode != tt.status || body != tt.body {
				t.Errorf("%s → %d %s, want %d %s", tt.path, resp.StatusCode, body, tt.status, tt.body)
			}
		})
	}
}

func TestIssuesPaginationLinkHeader(t *testing.T) {
	t.Parallel()
	emu, srv := start(t)
	emu.AddIssues("acme", "web", "v1.0.0+stage", "stage", 150)
	emu.AddIssues("acme", "web", "v1.0.0+stage", "prod", 7)

	q := "/api/0/organizations/acme/issues/?project=1&environment=stage&query=" +
		url.QueryEscape(`release:"v1.0.0+stage" is:unresolved`)
	resp, body := get(t, srv, q, "Bearer "+token)
	var page []map[string]any
	if err := json.Unmarshal([]byte(body), &page); err != nil || len(page) != 100 {
		t.Fatalf("first page: %d issues, %v", len(page), err)
	}
	if page[0]["count"] != "1" || page[0]["status"] != "unresolved" {
		t.Errorf("issue shape: %v", page[0])
	}
	base := srv.URL + "/api/0/organizations/acme/issues/?environment=stage&project=1&query=release%3A%22v1.0.0%2Bstage%22+is%3Aunresolved"
	want := `<` + base + `&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", ` +
		`<` + base + `&cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"`
	if got := resp.Header.Get("Link"); got != want {
		t.Errorf("Link:\n got %s\nwant %s", got, want)
	}

	resp, body = get(t, srv, q+"&cursor=0:100:0", "Bearer "+token)
	page = nil
	_ = json.Unmarshal([]byte(body), &page)
	if len(page) != 50 {
		t.Errorf("second page: %d issues", len(page))
	}
	if l := resp.Header.Get("Link"); !strings.Contains(l, `rel="previous"; results="true"; cursor="0:0:1"`) ||
		!strings.Contains(l, `rel="next"; results="false"; cursor="0:200:0"`) {
		t.Errorf("second Link: %s", l)
	}
}

func TestSentryGoReportsToEnvelope(t *testing.T) {
	t.Parallel()
	emu, srv := start(t)
	dsn := "http://publickey@" + strings.TrimPrefix(srv.URL, "http://") + "/1"
	client, err := sentrygo.NewClient(sentrygo.ClientOptions{Dsn: dsn, Release: "releasebot@1.2.3", Environment: "test"})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentrygo.NewHub(client, sentrygo.NewScope())
	hub.Scope().SetTag("command", "canary")
	hub.CaptureException(fmt.Errorf("could not commit the flag file: %w", errors.New("ref moved")))
	if !client.Flush(5 * time.Second) {
		t.Fatal("sentry-go did not flush")
	}
	events := emu.Events()
	if len(events) != 1 {
		t.Fatalf("%d events recorded", len(events))
	}
	ev := events[0]
	if ev.ProjectID != "1" || ev.Key != "publickey" || ev.Release != "releasebot@1.2.3" || ev.Environment != "test" || ev.Tags["command"] != "canary" {
		t.Errorf("event = %+v", ev)
	}
	if len(ev.Exceptions) == 0 || ev.Exceptions[len(ev.Exceptions)-1].Value != "could not commit the flag file: ref moved" {
		t.Errorf("exceptions = %+v", ev.Exceptions)
	}
	if ev.EventID == "" || emu.Received(token) || !emu.Received("ref moved") {
		t.Errorf("event id %q; the envelope must not hold the API token", ev.EventID)
	}
}

func TestEnvelopeAuth(t *testing.T) {
	t.Parallel()
	emu, srv := start(t)
	emu.AddProject("acme", "locked", 2, "goodkey")
	env := "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{\"message\":\"hello\",\"level\":\"error\"}\n"
	post := func(path string, hdr map[string]string) int {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(env))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post("/api/1/envelope/", nil); got != 401 {
		t.Errorf("no key: %d", got)
	}
	if got := post("/api/1/envelope/?sentry_key=k&sentry_version=7", nil); got != 200 {
		t.Errorf("query key: %d", got)
	}
	if got := post("/api/2/envelope/", map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=bad"}); got != 401 {
		t.Errorf("wrong key: %d", got)
	}
	if got := post("/api/2/envelope/", map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_client=x/1, sentry_key=goodkey"}); got != 200 {
		t.Errorf("good key: %d", got)
	}
	if got := post("/api/99/envelope/", map[string]string{"X-Sentry-Auth": "Sentry sentry_key=k"}); got != 403 {
		t.Errorf("unknown project: %d", got)
	}
	evs := emu.Events()
	if len(evs) != 2 || evs[0].Message != "hello" || evs[0].EventID != "9ec79c33ec9942ab8353589fcb2e04dc" {
		t.Errorf("events = %+v", evs)
	}
}

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte("{}\n{\"type\":\"event\",\"length\":2}\n{}\n"))
	f.Add([]byte("{\"event_id\":\"x\"}\n{\"type\":\"event\"}\n{\"exception\":[{\"type\":\"E\",\"value\":\"v\"}]}"))
	f.Add([]byte("{}\n{\"type\":\"attachment\",\"length\":99999}\nab"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = sentryemu.ParseEnvelope(data)
	})
}
