package slackcmd_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/releasebot/releasebot/chatops"
	slackemu "github.com/releasebot/releasebot/internal/emulator/slack"
	"github.com/releasebot/releasebot/internal/slackcmd"
)

type fastRunner struct{}

func (fastRunner) Run(_ context.Context, req chatops.Request) chatops.Reply {
	return chatops.Reply{Outcome: chatops.Done, Text: "done", RequestID: req.ID}
}

// BenchmarkAck measures the ack of a signed slash command — verify, parse,
// answer "working on it", start the work — with 200 requests in flight,
// and reports its p50 and p99. The work itself (a fast runner and a
// response_url on loopback) runs in the background, as in the server.
//
//	go test -run '^$' -bench Ack -benchtime 2000x ./internal/slackcmd/
func BenchmarkAck(b *testing.B) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	defer hook.Close()
	h := &slackcmd.Handler{SigningSecret: secret, Service: func(context.Context) (slackcmd.Runner, error) { return fastRunner{}, nil },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	srv := httptest.NewServer(h)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(max(1, 200/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			form := url.Values{"command": {"/canary"}, "text": {"50"}, "user_id": {"U0ANN"}, "user_name": {"ann"},
				"trigger_id": {strconv.Itoa(i) + ".1.a"}, "response_url": {hook.URL}}.Encode()
			ts := time.Now().Unix()
			req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(form))
			req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
			req.Header.Set("X-Slack-Signature", slackemu.Sign(secret, ts, []byte(form)))
			start := time.Now()
			resp, err := client.Do(req)
			d := time.Since(start)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}
	})
	b.StopTimer()
	h.Wait()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
}
