package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sentryemu "github.com/releasebot/releasebot/internal/emulator/sentry"
)

// TestOwnErrorsToSentry: a panic is reported to SENTRY_DSN with the bot's
// version as the release and the route as a tag, and the report carries no
// secret of the server's.
func TestOwnErrorsToSentry(t *testing.T) {
	emu := sentryemu.NewTest(t, "releasebot", "bot", 7, "sntrys_unused")
	emuSrv := httptest.NewServer(emu)
	t.Cleanup(emuSrv.Close)
	cfg := testConfig("http://127.0.0.1:1/api/v3")
	cfg.SentryDSN = emu.DSN(emuSrv.URL, 7)
	s, err := New(cfg, Options{Logger: discard(), Version: "1.4.2", extra: map[string]http.Handler{
		"GET /boom": http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom: a bug") }),
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The event is sent in the background: wait for it to arrive rather
	// than trusting Flush.
	s.report.flush(t.Context(), 5*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for len(emu.Events()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	events := emu.Events()
	if len(events) != 1 {
		t.Fatalf("%d events, want 1", len(events))
	}
	ev := events[0]
	if ev.Release != "1.4.2" || ev.Tags["route"] != "GET /boom" || !strings.Contains(string(ev.Envelope), "boom: a bug") {
		t.Errorf("event release %q tags %v:\n%s", ev.Release, ev.Tags, ev.Envelope)
	}
	for _, secret := range []string{hookSecret, "PRIVATE KEY"} {
		if strings.Contains(string(ev.Envelope), secret) {
			t.Errorf("the report holds %q", secret)
		}
	}
}

// TestNoDSNNoReporter: without SENTRY_DSN nothing is set up, and a bad
// DSN is a start-up error naming the variable.
func TestNoDSNNoReporter(t *testing.T) {
	if s := newOffline(t, Options{Logger: discard()}); s.report != nil {
		t.Error("a reporter without SENTRY_DSN")
	}
	cfg := testConfig("http://127.0.0.1:1/api/v3")
	cfg.SentryDSN = "not a dsn"
	if _, err := New(cfg, Options{Logger: discard()}); err == nil || !strings.Contains(err.Error(), "SENTRY_DSN") {
		t.Errorf("bad DSN: %v", err)
	}
}
