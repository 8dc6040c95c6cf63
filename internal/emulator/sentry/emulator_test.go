package sentryemu_test

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	sentrygo "github.com/getsentry/sentry-go"

	sentryemu "github.com/releasebot/releasebot/internal/emulator/sentry"
	"github.com/releasebot/releasebot/internal/emulator/strict"
)

const token = "sntryu_emulator_user_token"

func start(t *testing.T) (*sentryemu.Emulator, *httptest.Server) {
	t.Helper()
	emu := sentryemu.NewTest(t, "acme", "web", 1, token)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv
}

// startWatched is start for a test that calls wrong paths on purpose: its
// strict mode reports to the returned recorder, which checkUnmatched reads.
func startWatched(t *testing.T) (*sentryemu.Emulator, *httptest.Server, *strict.Recording) {
	t.Helper()
	rec := &strict.Recording{}
	emu := sentryemu.NewTest(rec, "acme", "web", 1, token)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv, rec
}

// checkUnmatched asserts that strict mode saw exactly the requests want as
// unmatched, and fails the watched test once for each.
func checkUnmatched(t *testing.T, emu *sentryemu.Emulator, rec *strict.Recording, want ...string) {
	t.Helper()
	if got := emu.Unmatched(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Unmatched() = %q, want %q", got, want)
	}
	errs := rec.End()
	if len(errs) != len(want) {
		t.Errorf("strict mode failures = %q, want %d", errs, len(want))
	}
	for i := range min(len(errs), len(want)) {
		if !strings.Contains(errs[i], "unmatched request: "+want[i]) {
			t.Errorf("failure %q does not name %q", errs[i], want[i])
		}
	}
}

func do(t *testing.T, srv *httptest.Server, method, path, auth, contentType, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
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

func get(t *testing.T, srv *httptest.Server, path, auth string) (*http.Response, string) {
	t.Helper()
	return do(t, srv, "GET", path, auth, "", "")
}

func TestAuthAndNotFound(t *testing.T) {
	t.Parallel()
	emu, srv, rec := startWatched(t)
	emu.AddToken("sntrys_ci_org_token")                      // an organization token: org:ci only
	emu.AddToken("sntryu_releases_only", "project:releases") // a user token with one scope
	tests := []struct {
		name, method, path, auth, contentType string
		status                                int
		body                                  string
	}{
		{"no credentials", "GET", "/api/0/organizations/acme/issues/", "", "", 401, `{"detail":"Authentication credentials were not provided."}`},
		{"not a bearer", "GET", "/api/0/organizations/acme/issues/", "Token " + token, "", 401, `{"detail":"Authentication credentials were not provided."}`},
		{"bad token", "GET", "/api/0/organizations/acme/issues/", "Bearer nope", "", 401, `{"detail":"Invalid token"}`},
		{"bad org token", "GET", "/api/0/organizations/acme/issues/", "Bearer sntrys_nope", "", 401, `{"detail":"Invalid org token"}`},
		{"unknown org", "GET", "/api/0/organizations/other/issues/", "Bearer " + token, "", 404, `{"detail":"The requested resource does not exist"}`},
		{"unknown release", "GET", "/api/0/organizations/acme/releases/v0.0.1/", "Bearer " + token, "", 404, `{"detail":"The requested resource does not exist"}`},
		// Sentry does not redirect a path without its trailing slash: its
		// catch-all answers 404 with a hint, JSON for a JSON request.
		{"no trailing slash", "GET", "/api/0/organizations/acme/issues", "Bearer " + token, "", 404,
			"Route not found, did you forget a trailing slash?\n\ntry: /api/0/organizations/acme/issues/\n" + strings.Repeat(" ", 37) + "^"},
		{"no trailing slash, JSON", "POST", "/api/0/organizations/acme/releases", "Bearer " + token, "application/json", 404,
			`{"info":"Route not found, did you forget a trailing slash? try: /api/0/organizations/acme/releases/"}`},
		{"unknown path", "GET", "/api/0/organizations/acme/nothing/", "Bearer " + token, "", 404, ``},
		{"wrong method", "DELETE", "/api/0/organizations/acme/issues/", "Bearer " + token, "", 405, `{"detail":"Method \"DELETE\" not allowed."}`},
		{"slug as project id", "GET", "/api/0/organizations/acme/issues/?project=web", "Bearer " + token, "", 400, `{"detail":"Invalid project parameter. Values must be numbers."}`},
		{"bad limit", "GET", "/api/0/organizations/acme/issues/?limit=ten", "Bearer " + token, "", 400, `{"detail":"invalid limit"}`},
		{"bad cursor", "GET", "/api/0/organizations/acme/issues/?cursor=abc", "Bearer " + token, "", 400, `{"detail":"Invalid cursor parameter."}`},
		{"project by id", "GET", "/api/0/organizations/acme/issues/?project=1", "Bearer " + token, "", 200, `[]`},
		{"project slug", "GET", "/api/0/projects/acme/web/", "Bearer " + token, "", 200, `{"id":"1","name":"web","platform":"go","slug":"web"}`},
		// An organization token may create releases, not read issues.
		{"org token reads issues", "GET", "/api/0/organizations/acme/issues/", "Bearer sntrys_ci_org_token", "", 403, `{"detail":"You do not have permission to perform this action."}`},
		{"org token reads a project", "GET", "/api/0/projects/acme/web/", "Bearer sntrys_ci_org_token", "", 403, `{"detail":"You do not have permission to perform this action."}`},
		{"org token creates a release", "POST", "/api/0/organizations/acme/releases/", "Bearer sntrys_ci_org_token", "application/json", 201, ``},
		{"releases-only token reads issues", "GET", "/api/0/organizations/acme/issues/", "Bearer sntryu_releases_only", "", 403, `{"detail":"You do not have permission to perform this action."}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := ""
			if tt.method == "POST" {
				body = `{"version":"v9.0.0","projects":["web"]}`
			}
			resp, got := do(t, srv, tt.method, tt.path, tt.auth, tt.contentType, body)
			if resp.StatusCode != tt.status || (tt.body != "" || tt.status != 201) && got != tt.body {
				t.Errorf("%s %s → %d %q, want %d %q", tt.method, tt.path, resp.StatusCode, got, tt.status, tt.body)
			}
		})
	}
	// Strict mode fails a test on each path Sentry has no route for, and
	// only those: a route's own 401, 403, 404 or 400 is not a wrong path.
	checkUnmatched(t, emu, rec,
		"GET /api/0/organizations/acme/issues",
		"POST /api/0/organizations/acme/releases",
		"GET /api/0/organizations/acme/nothing/",
		"DELETE /api/0/organizations/acme/issues/")
}

func TestIssuesPaginationLinkHeader(t *testing.T) {
	t.Parallel()
	emu, srv := start(t)
	seen := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	emu.SetClock(func() time.Time { return seen })
	emu.AddIssues("acme", "web", "v1.0.0+stage", "stage", 150)
	emu.AddIssues("acme", "web", "v1.0.0+stage", "prod", 7)
	score := strconv.FormatInt(seen.UnixMilli(), 10)

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
	// Sentry's issue search pages with a SequencePaginator: cursors carry
	// the score (last seen, in ms) and an offset among equal scores.
	base := srv.URL + "/api/0/organizations/acme/issues/?environment=stage&project=1&query=release%3A%22v1.0.0%2Bstage%22+is%3Aunresolved"
	want := `<` + base + `&cursor=` + score + `:0:1>; rel="previous"; results="false"; cursor="` + score + `:0:1", ` +
		`<` + base + `&cursor=` + score + `:100:0>; rel="next"; results="true"; cursor="` + score + `:100:0"`
	if got := resp.Header.Get("Link"); got != want {
		t.Errorf("Link:\n got %s\nwant %s", got, want)
	}
	first := page

	resp, body = get(t, srv, q+"&cursor="+score+":100:0", "Bearer "+token)
	page = nil
	_ = json.Unmarshal([]byte(body), &page)
	if len(page) != 50 {
		t.Fatalf("second page: %d issues", len(page))
	}
	second := page
	l := resp.Header.Get("Link")
	if !strings.Contains(l, `rel="previous"; results="true"; cursor="`+score+`:100:1"`) ||
		!strings.Contains(l, `rel="next"; results="false"; cursor="`+score+`:150:0"`) {
		t.Errorf("second Link: %s", l)
	}
	// The previous cursor leads back to the first page.
	_, body = get(t, srv, q+"&cursor="+score+":100:1", "Bearer "+token)
	page = nil
	_ = json.Unmarshal([]byte(body), &page)
	if len(page) != 100 || page[0]["id"] != first[0]["id"] || page[99]["id"] != first[99]["id"] {
		t.Errorf("back to the first page: %d issues", len(page))
	}

	// An issue seen after the first page was read does not shift the next
	// one: the cursor names a score, not a row number.
	seen = seen.Add(time.Minute)
	emu.AddIssues("acme", "web", "v1.0.0+stage", "stage", 1)
	_, body = get(t, srv, q+"&cursor="+score+":100:0", "Bearer "+token)
	var again []map[string]any
	_ = json.Unmarshal([]byte(body), &again)
	if len(again) != 50 || again[0]["id"] != second[0]["id"] || again[49]["id"] != second[49]["id"] {
		t.Errorf("second page after a new issue: %d issues, first %v, want %v", len(again), again[0]["id"], second[0]["id"])
	}
	// limit above 100 is capped at 100.
	_, body = get(t, srv, q+"&limit=500", "Bearer "+token)
	page = nil
	_ = json.Unmarshal([]byte(body), &page)
	if len(page) != 100 {
		t.Errorf("limit=500 gave %d issues", len(page))
	}
}

func TestRateLimitedAsSentry(t *testing.T) {
	t.Parallel()
	emu, srv := start(t)
	emu.Inject("/api/0/", sentryemu.RateLimited(2*time.Second))
	resp, body := get(t, srv, "/api/0/organizations/acme/issues/", "Bearer "+token)
	if resp.StatusCode != 429 || body != `{"detail":"You are attempting to use this endpoint too frequently. Limit is 40 requests in 2 seconds"}` {
		t.Errorf("429 = %d %s", resp.StatusCode, body)
	}
	// Sentry's API rate limiter sends no Retry-After: the reset is a Unix time.
	reset, err := strconv.ParseInt(resp.Header.Get("X-Sentry-Rate-Limit-Reset"), 10, 64)
	if resp.Header.Get("Retry-After") != "" || err != nil || reset < time.Now().Unix() || resp.Header.Get("X-Sentry-Rate-Limit-Remaining") != "0" {
		t.Errorf("headers = %v", resp.Header)
	}
	if resp, _ := get(t, srv, "/api/0/organizations/acme/issues/", "Bearer "+token); resp.StatusCode != 200 {
		t.Errorf("after the fault: %d", resp.StatusCode)
	}
}

func TestReleasesAsSentry(t *testing.T) {
	t.Parallel()
	emu, srv := start(t)
	emu.AddProject("acme", "api", 2)
	auth := "Bearer " + token
	post := func(path, body string) (int, string) {
		resp, b := do(t, srv, "POST", path, auth, "application/json", body)
		return resp.StatusCode, b
	}
	if st, _ := post("/api/0/organizations/acme/releases/", `{"version":"v1","projects":["web"]}`); st != 201 {
		t.Errorf("create: %d", st)
	}
	if st, _ := post("/api/0/organizations/acme/releases/", `{"version":"v1","projects":["web"]}`); st != 208 {
		t.Errorf("again: %d, want 208 Already Reported", st)
	}
	// Adding a project to an existing release is a 201 again.
	if st, _ := post("/api/0/organizations/acme/releases/", `{"version":"v1","projects":["web","api"]}`); st != 201 {
		t.Errorf("new project: %d, want 201", st)
	}
	// Refs must name repositories Sentry knows.
	resp, body := do(t, srv, "PUT", "/api/0/organizations/acme/releases/v1/", auth, "application/json", `{"refs":[{"repository":"acme/web","commit":"abc"}]}`)
	if resp.StatusCode != 400 || body != `{"refs":["Invalid repository names: acme/web"]}` {
		t.Errorf("unknown repository = %d %s", resp.StatusCode, body)
	}
	emu.AddRepository("acme", "acme/web")
	if resp, body := do(t, srv, "PUT", "/api/0/organizations/acme/releases/v1/", auth, "application/json", `{"refs":[{"repository":"acme/web","commit":"abc"}]}`); resp.StatusCode != 200 {
		t.Errorf("known repository = %d %s", resp.StatusCode, body)
	}
	// A release created with unknown refs is created all the same.
	if st, b := post("/api/0/organizations/acme/releases/", `{"version":"v2","projects":["web"],"refs":[{"repository":"acme/nope","commit":"abc"}]}`); st != 400 || !strings.Contains(b, "Invalid repository names: acme/nope") {
		t.Errorf("create with an unknown repository = %d %s", st, b)
	}
	if _, ok := emu.Release("acme", "v2"); !ok {
		t.Error("the release with bad refs was not created")
	}
	if st, b := post("/api/0/organizations/acme/releases/v1/deploys/", `{"environment":"prod"}`); st != 201 || !strings.Contains(b, `"environment":"prod"`) {
		t.Errorf("deploy = %d %s", st, b)
	}
}

func TestSentryGoReportsToEnvelope(t *testing.T) {
	t.Parallel()
	emu, srv := start(t)
	client, err := sentrygo.NewClient(sentrygo.ClientOptions{Dsn: emu.DSN(srv.URL, 1), Release: "releasebot@1.2.3", Environment: "test"})
	if err != nil {
		t.Fatal(err)
	}
	hub := sentrygo.NewHub(client, sentrygo.NewScope())
	hub.Scope().SetTag("command", "canary")
	hub.CaptureException(fmt.Errorf("could not commit the flag file: %w", errors.New("ref moved")))
	if !client.Flush(5 * time.Second) {
		t.Fatal("sentry-go did not flush")
	}
	// sentry-go 0.46's Flush, with its telemetry processor, can return
	// before its transport's HTTP request is answered: wait for the event.
	events := emu.Events()
	for deadline := time.Now().Add(5 * time.Second); len(events) == 0 && time.Now().Before(deadline); events = emu.Events() {
		time.Sleep(5 * time.Millisecond)
	}
	if len(events) != 1 {
		t.Fatalf("%d events recorded", len(events))
	}
	ev := events[0]
	if ev.ProjectID != "1" || ev.Key != emu.PublicKey(1) || ev.Release != "releasebot@1.2.3" || ev.Environment != "test" || ev.Tags["command"] != "canary" {
		t.Errorf("event = %+v", ev)
	}
	if len(ev.Exceptions) == 0 || ev.Exceptions[len(ev.Exceptions)-1].Value != "could not commit the flag file: ref moved" {
		t.Errorf("exceptions = %+v", ev.Exceptions)
	}
	if ev.EventID == "" || emu.Received(token) || !emu.Received("ref moved") {
		t.Errorf("event id %q; the envelope must not hold the API token", ev.EventID)
	}
}

// TestSentryGoObeysEnvelopeRateLimit: Relay's 429 carries Retry-After and
// X-Sentry-Rate-Limits, and sentry-go holds back what it would send next.
func TestSentryGoObeysEnvelopeRateLimit(t *testing.T) {
	t.Parallel()
	emu, srv := start(t)
	emu.Inject("/api/1/envelope/", sentryemu.RateLimited(time.Minute))
	client, err := sentrygo.NewClient(sentrygo.ClientOptions{Dsn: emu.DSN(srv.URL, 1)})
	if err != nil {
		t.Fatal(err)
	}
	client.CaptureMessage("first", nil, nil)
	client.Flush(5 * time.Second)
	client.CaptureMessage("second", nil, nil)
	client.Flush(5 * time.Second)
	// Flush can return before a send is answered (see above): give a wrongly
	// sent event half a second to arrive.
	for deadline := time.Now().Add(500 * time.Millisecond); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if evs := emu.Events(); len(evs) != 0 {
			t.Fatalf("%d events arrived while rate limited", len(evs))
		}
	}
}

func TestEnvelopeAuth(t *testing.T) {
	t.Parallel()
	emu, srv, rec := startWatched(t)
	good := strings.Repeat("a", 32)
	emu.AddProject("acme", "locked", 2, good)
	env := "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{\"message\":\"hello\",\"level\":\"error\"}\n"
	post := func(path string, hdr map[string]string, body string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	key1 := emu.PublicKey(1)
	tests := []struct {
		name, path string
		hdr        map[string]string
		body       string
		status     int
		answer     string
	}{
		{"no key", "/api/1/envelope/", nil, env, 401, `{"detail":"missing authorization information"}`},
		{"query key", "/api/1/envelope/?sentry_key=" + key1 + "&sentry_version=7", nil, env, 200, `{"id":"9ec79c33ec9942ab8353589fcb2e04dc"}`},
		{"both header and query", "/api/1/envelope/?sentry_key=" + key1, map[string]string{"X-Sentry-Auth": "Sentry sentry_key=" + key1}, env, 401, `{"detail":"multiple authorization payloads detected"}`},
		{"short key", "/api/1/envelope/", map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=publickey"}, env, 400, `{"detail":"bad sentry DSN public key"}`},
		{"not a Sentry header", "/api/1/envelope/", map[string]string{"X-Sentry-Auth": "Bearer " + key1}, env, 401, `{"detail":"bad x-sentry-auth header"}`},
		{"another project's key", "/api/2/envelope/", map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=" + key1}, env, 403, `{"detail":"event submission rejected with_reason: ProjectId"}`},
		{"good key", "/api/2/envelope/", map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_client=x/1, sentry_key=" + good}, env, 200, `{"id":"9ec79c33ec9942ab8353589fcb2e04dc"}`},
		{"unknown project", "/api/99/envelope/", map[string]string{"X-Sentry-Auth": "Sentry sentry_key=" + good}, env, 403, `{"detail":"event submission rejected with_reason: ProjectId"}`},
		{"empty body", "/api/1/envelope/", map[string]string{"X-Sentry-Auth": "Sentry sentry_key=" + key1}, "", 400, `{"detail":"empty request body"}`},
		{"no event id", "/api/1/envelope/", map[string]string{"X-Sentry-Auth": "Sentry sentry_key=" + key1}, "{}\n{\"type\":\"client_report\"}\n{}\n", 200, `{}`},
		{"no trailing slash", "/api/1/envelope", map[string]string{"X-Sentry-Auth": "Sentry sentry_key=" + key1}, env, 404, ""},
	}
	for _, tt := range tests {
		if st, got := post(tt.path, tt.hdr, tt.body); st != tt.status || tt.answer != "" && got != tt.answer {
			t.Errorf("%s: %d %s, want %d %s", tt.name, st, got, tt.status, tt.answer)
		}
	}
	// A deflate-compressed envelope is read.
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write([]byte(env))
	_ = zw.Close()
	if st, got := post("/api/1/envelope/", map[string]string{"X-Sentry-Auth": "Sentry sentry_key=" + key1, "Content-Encoding": "deflate"}, z.String()); st != 200 {
		t.Errorf("deflate: %d %s", st, got)
	}
	evs := emu.Events()
	if len(evs) != 3 || evs[0].Message != "hello" || evs[0].EventID != "9ec79c33ec9942ab8353589fcb2e04dc" {
		t.Errorf("events = %+v", evs)
	}
	checkUnmatched(t, emu, rec, "POST /api/1/envelope")
}

func FuzzParseEnvelope(f *testing.F) {
	f.Add([]byte("{}\n{\"type\":\"event\",\"length\":2}\n{}\n"))
	f.Add([]byte("{\"event_id\":\"x\"}\n{\"type\":\"event\"}\n{\"exception\":[{\"type\":\"E\",\"value\":\"v\"}]}"))
	f.Add([]byte("{}\n{\"type\":\"attachment\",\"length\":99999}\nab"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = sentryemu.ParseEnvelope(data)
	})
}

// FuzzEnvelopeRequest drives the envelope endpoint's parsers (X-Sentry-Auth,
// the query key, Content-Encoding, the envelope) with outside input.
func FuzzEnvelopeRequest(f *testing.F) {
	key := strings.Repeat("b", 32)
	f.Add("Sentry sentry_version=7, sentry_key="+key, "", "", []byte("{\"event_id\":\"1\"}\n{\"type\":\"event\"}\n{}\n"))
	f.Add("", key, "gzip", []byte("\x1f\x8b"))
	f.Add("sentry sentry_key=", "", "deflate", []byte("x\x9c"))
	f.Fuzz(func(t *testing.T, auth, queryKey, encoding string, body []byte) {
		emu := sentryemu.NewTest(t, "acme", "web", 1, token)
		emu.AddProject("acme", "api", 2, key)
		req := httptest.NewRequest("POST", "/api/2/envelope/?sentry_key="+url.QueryEscape(queryKey), bytes.NewReader(body))
		req.Header.Set("X-Sentry-Auth", auth)
		req.Header.Set("Content-Encoding", encoding)
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if rec.Code == 0 || !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("answer %d %q is not JSON", rec.Code, rec.Body.String())
		}
	})
}

// FuzzIssuesQuery drives the issues endpoint's parsers (search syntax,
// cursor, limit, project ids) with outside input.
func FuzzIssuesQuery(f *testing.F) {
	f.Add(`query=release%3A%22v1%22+is%3Aunresolved&cursor=1700000000000:100:0&limit=50&project=1`)
	f.Add(`cursor=1.5:0:1&query=%21level%3Aerror+"quoted \" text"`)
	f.Add(`cursor=::&limit=-1&project=-1&environment=prod`)
	f.Fuzz(func(t *testing.T, rawQuery string) {
		emu := sentryemu.NewTest(t, "acme", "web", 1, token)
		emu.AddIssues("acme", "web", "v1", "prod", 3)
		req := httptest.NewRequest("GET", "/api/0/organizations/acme/issues/", nil)
		req.URL.RawQuery = rawQuery
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, req)
		if rec.Code != 200 && rec.Code != 400 && rec.Code != 403 {
			t.Fatalf("answer %d %s", rec.Code, rec.Body.String())
		}
		if rec.Code == 200 {
			var page []map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || len(page) > 3 {
				t.Fatalf("page %s: %v", rec.Body.String(), err)
			}
		}
	})
}

// TestSentryExpectAndVerify: Expect pins the routes a test uses by pattern;
// one never called, or a pattern that is no route, fails the test; Count
// counts by route.
func TestSentryExpectAndVerify(t *testing.T) {
	emu, srv, rec := startWatched(t)
	const issues = "/api/0/organizations/{org}/issues/{$}"
	emu.Expect("GET", issues)
	emu.Expect("POST", "/api/0/organizations/{org}/releases/{$}") // never called
	emu.Expect("DELETE", issues)                                  // no route: the endpoint takes GET only
	emu.Expect("GET", "/api/0/organizations/{org}/issues/")       // a pattern misspelt
	for range 2 {
		do(t, srv, "GET", "/api/0/organizations/acme/issues/", "Bearer "+token, "", "")
	}
	do(t, srv, "GET", "/api/0/organizations/nope/issues/", "Bearer "+token, "", "") // the route's own 404
	emu.Verify(rec)
	errs := rec.End()
	want := []string{
		"expected route POST /api/0/organizations/{org}/releases/{$} was never called",
		"expected route DELETE " + issues + " is no route",
		"expected route GET /api/0/organizations/{org}/issues/ is no route",
	}
	if len(errs) != len(want) {
		t.Fatalf("failures = %q, want %d", errs, len(want))
	}
	for i := range want {
		if !strings.Contains(errs[i], want[i]) {
			t.Errorf("failure %q, want %q", errs[i], want[i])
		}
	}
	if n := emu.Count("GET", issues); n != 3 {
		t.Errorf("Count(issues) = %d, want 3", n)
	}
}
