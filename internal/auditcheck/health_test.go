package auditcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/audit"
)

// runCheck runs one check through a Runner, as the audit does, and asserts
// that no rendering of the result holds the secret.
func runCheck(t *testing.T, c audit.Check, timeout time.Duration) audit.Result {
	t.Helper()
	rep := audit.Runner{Timeout: timeout}.Run(context.Background(), c)
	noSecret(t, "markdown", rep.Markdown())
	noSecret(t, "json", string(rep.JSON()))
	return rep.Checks[0]
}

func health(url string) HealthCheck {
	return HealthCheck{Env: "stage", Source: ".github/releasebot.yml", Endpoint: Endpoint{URL: url, Headers: stageHeaders, Getenv: getenv}}
}

func TestHealthCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		ctype, body string
		delay       time.Duration
		want        audit.Status
		reason      string // the reason after the URL
	}{
		{"json ok", 200, "application/json", `{"status":"ok","version":"1.2.3"}`, 0, audit.Pass, ` answered 200 OK, status "ok"`},
		{"plain ok", 200, "text/plain", "OK\n", 0, audit.Pass, ` answered 200 OK, status "OK"`},
		{"spring up", 200, "application/json", `{"status":"UP"}`, 0, audit.Pass, ` answered 200 OK, status "UP"`},
		{"503", 503, "application/json", `{"status":"down"}`, 0, audit.Fail, ` answered 503 Service Unavailable`},
		{"down", 200, "application/json", `{"status":"down"}`, 0, audit.Fail, ` answered 200 OK but reports status "down"`},
		{"degraded", 200, "application/json", `{"status":"degraded"}`, 0, audit.Warn, ` answered 200 OK but reports status "degraded"`},
		{"html body", 200, "text/html", "<html><body>It works!</body></html>", 0, audit.Fail, ` answered 200 OK with a body that is neither {"status":"ok"} nor ok: "<html><body>It works!</body></html>"`},
		{"broken json", 200, "application/json", `{"status": "ok"`, 0, audit.Fail, ` answered 200 OK with a body that is not valid JSON: "{\"status\": \"ok\""`},
		{"json without status", 200, "application/json", `{"healthy":true}`, 0, audit.Fail, ` answered 200 OK with JSON without a "status": "{\"healthy\":true}"`},
		{"empty", 204, "text/plain", "", 0, audit.Fail, ` answered 204 No Content with an empty body; expected {"status":"ok"} or ok`},
		{"timeout", 200, "application/json", `{"status":"ok"}`, 3 * time.Second, audit.Fail, ` did not answer within 300ms`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := healthServer(t, tt.status, tt.ctype, tt.body, tt.delay)
			timeout := 5 * time.Second
			if tt.delay > 0 {
				timeout = 300 * time.Millisecond
			}
			got := runCheck(t, health(srv.URL+"/health"), timeout)
			if got.Name != "health" || got.Status != tt.want || got.Reason != srv.URL+"/health"+tt.reason {
				t.Errorf("got %s %q\nwant %s %q", got.Status, got.Reason, tt.want, srv.URL+"/health"+tt.reason)
			}
			if got.Evidence.URL != srv.URL+"/health" {
				t.Errorf("evidence URL = %q", got.Evidence.URL)
			}
		})
	}
}

func TestHealthCheckUnconfiguredAndBroken(t *testing.T) {
	t.Parallel()
	got := runCheck(t, health(""), time.Second)
	if got.Status != audit.Skip || got.Reason != "stage has no health_url in .github/releasebot.yml" {
		t.Errorf("no URL: %s %q", got.Status, got.Reason)
	}

	srv, hits := healthServer(t, 200, "application/json", `{"status":"ok"}`, 0)
	c := health(srv.URL + "/health")
	c.Getenv = nil
	got = runCheck(t, c, time.Second)
	if got.Status != audit.Fail || !strings.Contains(got.Reason, "environment variable STAGE_TOKEN is not set") || hits.Load() != 0 {
		t.Errorf("missing variable: %s %q after %d requests", got.Status, got.Reason, hits.Load())
	}

	u := closedURL(t, "/health")
	got = runCheck(t, health(u), time.Second)
	if got.Status != audit.Fail || !strings.HasPrefix(got.Reason, "could not reach "+u+": ") {
		t.Errorf("closed port: %s %q", got.Status, got.Reason)
	}

	got = runCheck(t, health("stage.example.com/health"), time.Second)
	if got.Status != audit.Fail || got.Reason != `"stage.example.com/health" is not an http(s) URL` {
		t.Errorf("bad URL: %s %q", got.Status, got.Reason)
	}
	// Credentials in a URL stay out of reasons and evidence, even a URL
	// that cannot be used.
	for _, u := range []string{"ftp://probe:pa55word-in-url@stage.example.com/health", srv.URL + "/nothing-here"} {
		if strings.HasPrefix(u, "http") {
			u = strings.Replace(u, "://", "://probe:pa55word-in-url@", 1)
		}
		rep := audit.Runner{Timeout: time.Second}.Run(context.Background(), health(u))
		if out := rep.Markdown() + string(rep.JSON()); strings.Contains(out, "pa55word-in-url") || rep.Checks[0].Status != audit.Fail {
			t.Errorf("URL credentials: %s\n%s", rep.Checks[0].Status, out)
		}
	}
}

func TestHealthSecretNeverShown(t *testing.T) {
	t.Parallel()
	// A server that echoes the request's Authorization header in its body.
	srv, _ := healthServer(t, 200, "text/plain", "denied for Bearer "+secret, 0)
	got := runCheck(t, health(srv.URL+"/health"), time.Second)
	if got.Status != audit.Fail || !strings.Contains(got.Reason, "[redacted]") {
		t.Errorf("got %s %q", got.Status, got.Reason)
	}
	noSecret(t, "reason", got.Reason)
}

func TestParseHealthBody(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"status":"ok"}`:            "ok",
		" ok \n":                     "ok",
		`{"status":" pass ","x":[]}`: "pass",
		"healthy":                    "healthy",
	} {
		if got, err := ParseHealthBody([]byte(body)); err != nil || got != want {
			t.Errorf("ParseHealthBody(%q) = %q, %v; want %q", body, got, err, want)
		}
	}
	for _, body := range []string{"", "  ", `{"status":1}`, `{"status":""}`, "all good here", "ok!", `["ok"]`} {
		if got, err := ParseHealthBody([]byte(body)); err == nil {
			t.Errorf("ParseHealthBody(%q) = %q, want an error", body, got)
		}
	}
}

func FuzzParseHealthBody(f *testing.F) {
	for _, s := range []string{`{"status":"ok"}`, "ok", "", `{"status":null}`, "<html>", "\xff\xfe", " UP \n", `{"status":" warn "}`, "a\nb"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		status, err := ParseHealthBody(body)
		if err != nil {
			// The error becomes a check's reason: one line, bounded.
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n") || len(msg) > 1000 {
				t.Fatalf("error for %q is not one short line: %q", body, msg)
			}
			return
		}
		if status == "" || status != strings.TrimSpace(status) {
			t.Fatalf("status %q for %q", status, body)
		}
		// The status reads back as itself: from {"status": …} always, and
		// from a plain body when it came from one.
		asJSON, err := json.Marshal(map[string]string{"status": status})
		if err != nil {
			t.Fatal(err)
		}
		again := [][]byte{asJSON}
		if !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
			again = append(again, []byte(status))
		}
		for _, b := range again {
			if got, err := ParseHealthBody(b); err != nil || got != status {
				t.Fatalf("status %q from %q reads back from %q as %q, %v", status, body, b, got, err)
			}
		}
	})
}
