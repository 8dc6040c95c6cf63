package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	"github.com/releasebot/releasebot/internal/failure"
)

// scrape GETs /metrics and parses it with Prometheus' own parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// find returns the metric of family name with the labels (others may be
// present), nil when there is none.
func find(fams map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if got[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

// sample is the value of a counter or gauge; 0 when absent.
func sample(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	t.Helper()
	m := find(fams, name, labels)
	switch {
	case m == nil:
		return 0
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	}
	t.Fatalf("%s is neither a counter nor a gauge", name)
	return 0
}

func histogramCount(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string) uint64 {
	t.Helper()
	m := find(fams, name, labels)
	if m == nil || m.Histogram == nil {
		return 0
	}
	return m.GetHistogram().GetSampleCount()
}

// newOffline is a server whose GitHub is never asked (nothing listens at
// its API URL).
func newOffline(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := New(testConfig("http://127.0.0.1:1/api/v3"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHealth: {"status":"ok"}, then 503 with a reason once shutting down.
func TestHealth(t *testing.T) {
	s := newOffline(t, Options{Logger: discard()})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
		t.Errorf("/health: %d %s", rec.Code, rec.Body)
	}
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
	var got struct {
		Status  string   `json:"status"`
		Reasons []string `json:"reasons"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &got)
	if rec.Code != http.StatusServiceUnavailable || got.Status == "ok" || len(got.Reasons) == 0 || !strings.Contains(got.Reasons[0], "shutting down") {
		t.Errorf("/health while shutting down: %d %s", rec.Code, rec.Body)
	}
}

// TestPanicRecovery: a handler that panics answers 500, the panic is
// logged, and the server goes on serving.
func TestPanicRecovery(t *testing.T) {
	logs := &syncBuffer{}
	s := newOffline(t, Options{Logger: jsonLog(logs), extra: map[string]http.Handler{
		"GET /boom": http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom: a bug") }),
	}})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	for range 2 {
		resp, err := http.Get(srv.URL + "/boom")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("/boom: %d, want 500", resp.StatusCode)
		}
	}
	resp, err := http.Get(srv.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/health after a panic: %d", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), "boom: a bug") || !strings.Contains(logs.String(), `"status":500`) {
		t.Errorf("the panic is not logged:\n%s", logs)
	}
	fams := scrape(t, srv.URL)
	if v := sample(t, fams, "releasebot_http_requests_total", map[string]string{"route": "GET /boom", "status": "500"}); v != 2 {
		t.Errorf("500s counted %v, want 2", v)
	}
}

// TestBodyLimit: a webhook over 25 MiB is refused with 413 before its
// signature is even checked.
func TestBodyLimit(t *testing.T) {
	s := newOffline(t, Options{Logger: discard()})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	big := make([]byte, 25<<20+1)
	status, _ := post(t, srv.URL, "issue_comment", "big", githubemu.Sign(hookSecret, big), big)
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 25 MiB + 1 byte payload: %d, want 413", status)
	}
}

// TestGracefulShutdown: when Serve's context ends while a command runs
// (GitHub is slow to take the flag commit), Serve waits for it: the command
// finishes — commit, reply, 🚀 — and Serve returns nil. A command that
// outlasts the grace period is cancelled and Serve says so.
func TestGracefulShutdown(t *testing.T) {
	w := newWorld(t, Options{})
	w.emu.Inject("POST", "/repos/acme/web/git/commits", githubemu.Latency(time.Second))
	id, d := w.comment(t, annToken, "/canary 10")
	if d.Status != http.StatusAccepted {
		t.Fatalf("answered %d %s", d.Status, d.Body)
	}
	if w.a.s.idle() {
		t.Fatal("the command finished before the shutdown began; the test proves nothing")
	}
	start := time.Now()
	if err := w.a.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	t.Logf("the shutdown waited %v for the command", time.Since(start).Round(time.Millisecond))
	if got := strings.Join(w.emu.Reactions(id), ","); got != "eyes,rocket" {
		t.Errorf("reactions %q after the shutdown, want eyes,rocket", got)
	}
	if w.requestCommits(t, id) != 1 || len(w.replies()) != 1 {
		t.Errorf("after the shutdown: %d commits, %d replies, want 1 and 1", w.requestCommits(t, id), len(w.replies()))
	}

	// A grace period too short for the command.
	short := w.serve(t, nil, Options{ShutdownGrace: 100 * time.Millisecond})
	w.emu.Inject("POST", "/repos/acme/web/git/commits", githubemu.Latency(2*time.Second)) // the emulator holds it that long
	id2, _ := w.comment(t, annToken, "/canary 50")
	d2 := w.emu.Deliveries()
	if status, _ := redeliver(t, short.url, d2[len(d2)-1]); status != http.StatusAccepted {
		t.Fatalf("the short-grace server answered %d", status)
	}
	start = time.Now()
	err := short.stop()
	if failure.KindOf(err) != failure.Internal || err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("Serve after cutting a command short: %v", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("the shutdown took %v with a 100ms grace", el)
	}
	if n := w.requestCommits(t, id2); n != 0 {
		t.Errorf("a cancelled command committed %d times", n)
	}
	w.emu.ClearFaults()
}

// TestConfigFromEnv: each variable the server cannot run without is named
// when missing; the Slack variables come as a set.
func TestConfigFromEnv(t *testing.T) {
	full := map[string]string{
		"GITHUB_APP_ID": "4242", "GITHUB_APP_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----\n…", "GITHUB_WEBHOOK_SECRET": hookSecret,
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, c := range []struct {
		name string
		env  map[string]string
		want string // "" for success
	}{
		{"complete", full, ""},
		{"no app id", with("GITHUB_APP_ID", ""), "GITHUB_APP_ID"},
		{"a token is no app", with("GITHUB_APP_ID", "", "GITHUB_TOKEN", "ghp_x"), "GITHUB_APP_ID"},
		{"app id not a number", with("GITHUB_APP_ID", "releasebot"), "GITHUB_APP_ID"},
		{"no key", with("GITHUB_APP_PRIVATE_KEY", ""), "GITHUB_APP_PRIVATE_KEY_FILE"},
		{"a key file", with("GITHUB_APP_PRIVATE_KEY", "", "GITHUB_APP_PRIVATE_KEY_FILE", "/run/secrets/app.pem"), ""},
		{"no webhook secret", with("GITHUB_WEBHOOK_SECRET", ""), "GITHUB_WEBHOOK_SECRET"},
		{"slack without its repository", with("SLACK_SIGNING_SECRET", "slack-signing-5ecret", "SLACK_BOT_TOKEN", "xoxb-1"), "RELEASEBOT_REPOSITORY"},
		{"slack without its token", with("SLACK_SIGNING_SECRET", "slack-signing-5ecret", "RELEASEBOT_REPOSITORY", "acme/web"), "SLACK_BOT_TOKEN"},
		{"slack complete", with("SLACK_SIGNING_SECRET", "slack-signing-5ecret", "SLACK_BOT_TOKEN", "xoxb-1", "RELEASEBOT_REPOSITORY", "acme/web"), ""},
		{"repository not owner/name", with("SLACK_SIGNING_SECRET", "slack-signing-5ecret", "SLACK_BOT_TOKEN", "xoxb-1", "RELEASEBOT_REPOSITORY", "web"), "OWNER/NAME"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := ConfigFromEnv(func(k string) string { return c.env[k] })
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if cfg.Addr != DefaultAddr || cfg.App.AppID != 4242 || cfg.WebhookSecret != hookSecret {
					t.Errorf("config %+v", cfg)
				}
				if s := cfg.String() + cfg.GoString(); strings.Contains(s, hookSecret) || strings.Contains(s, "PRIVATE") {
					t.Errorf("the config's String shows a secret: %s", s)
				}
				return
			}
			if err == nil || failure.KindOf(err) != failure.BadInput || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want a BadInput naming %s", err, c.want)
			}
			for _, k := range []string{"GITHUB_APP_PRIVATE_KEY", "GITHUB_WEBHOOK_SECRET", "GITHUB_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"} {
				if v := c.env[k]; v != "" && strings.Contains(err.Error(), v) {
					t.Errorf("the error shows the value of %s", k)
				}
			}
		})
	}
	cfg, err := ConfigFromEnv(func(k string) string { return with("RELEASEBOT_ADDR", "127.0.0.1:9090")[k] })
	if err != nil || cfg.Addr != "127.0.0.1:9090" {
		t.Errorf("RELEASEBOT_ADDR: %v %v", cfg.Addr, err)
	}
}

// TestNewRefusesABadKey: a private key that does not load fails start-up,
// naming the variable.
func TestNewRefusesABadKey(t *testing.T) {
	cfg := testConfig("")
	cfg.App.PrivateKey = []byte("not a key")
	_, err := New(cfg, Options{})
	if failure.KindOf(err) != failure.BadInput || !strings.Contains(err.Error(), "GITHUB_APP_PRIVATE_KEY") {
		t.Errorf("New with a bad key: %v", err)
	}
	cfg = testConfig("")
	cfg.WebhookSecret = ""
	if _, err := New(cfg, Options{}); err == nil || !strings.Contains(err.Error(), "GITHUB_WEBHOOK_SECRET") {
		t.Errorf("New without a webhook secret: %v", err)
	}
}

// TestDeliveriesBounded: the delivery memory forgets the oldest past its
// size and anything past its TTL.
func TestDeliveriesBounded(t *testing.T) {
	d := newDeliveries(2, time.Minute)
	now := time.Unix(1_700_000_000, 0)
	for _, id := range []string{"a", "b", "c"} {
		if !d.first(id, now) {
			t.Errorf("%s is new", id)
		}
	}
	if d.first("c", now) || d.first("b", now) {
		t.Error("b and c are remembered")
	}
	if !d.first("a", now) {
		t.Error("a, the oldest of three, is forgotten past the size of 2")
	}
	if !d.first("b", now.Add(2*time.Minute)) {
		t.Error("b is forgotten past the TTL")
	}
	if len(d.byID) != d.order.Len() || d.order.Len() > 2 {
		t.Errorf("%d ids, %d in order", len(d.byID), d.order.Len())
	}
}

// TestSlackCommandsHook: Options.SlackCommands is served at POST
// /slack/commands, through the same middleware; without it the route is
// 404.
func TestSlackCommandsHook(t *testing.T) {
	called := 0
	s := newOffline(t, Options{Logger: discard(), SlackCommands: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called++
		w.WriteHeader(http.StatusOK)
	})})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/slack/commands", strings.NewReader("command=%2Fcanary&text=10")))
	if rec.Code != http.StatusOK || called != 1 {
		t.Errorf("POST /slack/commands: %d, handler called %d times", rec.Code, called)
	}
	without := newOffline(t, Options{Logger: discard()})
	rec = httptest.NewRecorder()
	without.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/slack/commands", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("POST /slack/commands without a handler: %d, want 404", rec.Code)
	}
}

// FuzzSignature: validSignature accepts exactly GitHub's signature of the
// body, whatever the header holds.
func FuzzSignature(f *testing.F) {
	f.Add("sha256=", []byte(`{}`))
	f.Add(githubemu.Sign(hookSecret, []byte(`{"zen":"hi"}`)), []byte(`{"zen":"hi"}`))
	f.Add("sha1=0123", []byte("x"))
	f.Add("SHA256="+strings.TrimPrefix(githubemu.Sign(hookSecret, []byte("x")), "sha256="), []byte("x"))
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		want := githubemu.Sign(hookSecret, body)
		if got := validSignature(sig, body, hookSecret); got != (strings.HasPrefix(sig, "sha256=") && strings.EqualFold(sig, want)) {
			t.Errorf("validSignature(%q) = %v; the signature is %s", sig, got, want)
		}
		if !validSignature(want, body, hookSecret) {
			t.Error("the genuine signature is refused")
		}
	})
}

// TestPanicInABackgroundCommand: a command that panics in the background
// is logged, and the server goes on serving and counting.
func TestPanicInABackgroundCommand(t *testing.T) {
	logs := &syncBuffer{}
	s := newOffline(t, Options{Logger: jsonLog(logs)})
	if !s.start(func(context.Context) { panic("a bug in a command") }) {
		t.Fatal("not started")
	}
	for deadline := time.Now().Add(5 * time.Second); !s.idle() && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
	}
	if !s.idle() || !strings.Contains(logs.String(), "a bug in a command") {
		t.Fatalf("idle %v, log:\n%s", s.idle(), logs)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/health after the panic: %d", rec.Code)
	}
}
