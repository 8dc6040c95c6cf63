package slackcmd_test

import (
	"context"
	"fmt"
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
	tr := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 256}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	send := func(i int) (time.Duration, error) {
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
			return d, err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return d, fmt.Errorf("status %d", resp.StatusCode)
		}
		return d, nil
	}
	// Warm up: the 200 clients' connections, and the server's, are open
	// before the measure, as they are in a server that has been running.
	var warm sync.WaitGroup
	for i := range 200 {
		warm.Add(1)
		go func() { defer warm.Done(); _, _ = send(-i) }()
	}
	warm.Wait()
	h.Wait()
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(max(1, 200/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			d, err := send(i)
			if err != nil {
				b.Error(err)
				return
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
