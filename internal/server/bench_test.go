package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
)

// BenchmarkRollbackThroughTheServer measures a /rollback commented on the
// release PR, from the webhook reaching the server to the flag commit on
// main, with every GitHub API call held 50 ms (GitHub far away), and
// reports the API calls and the sequential round trips until the commit
// (the ref's update included). With -v it lists the second iteration's
// calls, when the App's installation token is already in hand.
// The canary is put back to 10 % between iterations, untimed.
//
//	go test -run '^$' -bench RollbackThroughTheServer -benchtime 5x ./internal/server/
func BenchmarkRollbackThroughTheServer(b *testing.B) {
	w := newWorld(b, Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	// Deliveries go to the first server, stopped: each is handed to a
	// second one by the benchmark, so only the command is timed.
	if err := w.a.stop(); err != nil {
		b.Fatal(err)
	}
	srv := w.serve(b, nil, Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	var calls, trips int
	var took time.Duration
	for i := range b.N {
		b.StopTimer()
		w.latency.Store(0)
		flags := "environments:\n  prod:\n    canary_percent: 10\n    flags:\n      FF_ONE_CLICK: {default: off, canary: true}\n"
		if _, err := w.emu.CommitFiles("acme", "web", "main", map[string][]byte{".release/flags.yaml": []byte(flags)}, fmt.Sprintf("chore: canary 10 again (%d)", i), "ann"); err != nil {
			b.Fatal(err)
		}
		var c struct {
			ID int64 `json:"id"`
		}
		w.api(b, annToken, "POST", fmt.Sprintf("/repos/acme/web/issues/%d/comments", w.pr), map[string]string{"body": "/rollback"}, &c)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if err := w.emu.WaitWebhooks(ctx); err != nil {
			b.Fatal(err)
		}
		cancel()
		var d githubemu.Delivery
		for _, x := range w.emu.Deliveries() {
			if x.Event == "issue_comment" && bytes.Contains(x.Payload, fmt.Appendf(nil, `"id":%d,`, c.ID)) {
				d = x
			}
		}
		before := w.git(b, "rev-parse", "main")
		w.latency.Store(int64(50 * time.Millisecond))
		w.mu.Lock()
		w.recording, w.calls = true, nil
		w.mu.Unlock()
		b.StartTimer()
		start := time.Now()
		if status, body := redeliver(b, srv.url, d); status != http.StatusAccepted {
			b.Fatalf("%d %s", status, body)
		}
		for w.git(b, "rev-parse", "main") == before {
			if time.Since(start) > 30*time.Second {
				b.Fatal("no commit")
			}
			time.Sleep(2 * time.Millisecond)
		}
		iter := time.Since(start)
		took += iter
		b.StopTimer()
		w.settle(b, srv) // the ref update's own answer comes after the commit shows
		w.mu.Lock()
		spans := append([]span(nil), w.calls...)
		w.recording = false
		w.mu.Unlock()
		// Only the calls that started before the commit landed.
		var upto []span
		for _, s := range spans {
			if s.start.Before(start.Add(iter)) {
				upto = append(upto, s)
			}
		}
		if i == 1 && testing.Verbose() {
			for _, s := range upto {
				b.Logf("+%3d ms %-6s %s", s.start.Sub(start).Milliseconds(), s.what, strings.SplitN(s.what, " ", 2)[0])
			}
		}
		calls += len(upto)
		trips += roundTrips(upto)
		w.latency.Store(0)
		if !strings.Contains(w.git(b, "show", "main:.release/flags.yaml"), "canary_percent: 0") {
			b.Fatal("the rollback did not roll back")
		}
	}
	b.ReportMetric(float64(took.Milliseconds())/float64(b.N), "ms-to-commit")
	b.ReportMetric(float64(calls)/float64(b.N), "github-calls")
	b.ReportMetric(float64(trips)/float64(b.N), "round-trips")
}
