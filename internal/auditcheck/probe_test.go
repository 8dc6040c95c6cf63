package auditcheck

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/releasebot/releasebot/config"

	"github.com/releasebot/releasebot/audit"
)

// Configured headers of the redirect tests and their secret values.
var (
	redirectHeaders = map[string]config.Template{
		"Authorization": "Bearer ${STAGE_TOKEN}",
		"X-Api-Key":     "${API_KEY}",
		"Cookie":        "session=${SESSION}",
	}
	redirectSecrets = map[string]string{
		"STAGE_TOKEN": secret,
		"API_KEY":     "key_7a1c0e5d93b2",
		"SESSION":     "sess_44e1f0a9cc37",
	}
)

func redirectGetenv(name string) string { return redirectSecrets[name] }

// recorder is a server that answers {"status":"ok"} on any path and keeps
// every header value it was sent.
type recorder struct {
	*httptest.Server
	mu     sync.Mutex
	hits   int
	values []string
}

func newRecorder(t *testing.T, tls bool, h http.HandlerFunc) *recorder {
	t.Helper()
	rec := &recorder{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.hits++
		for _, vs := range r.Header {
			rec.values = append(rec.values, vs...)
		}
		rec.mu.Unlock()
		if h != nil && r.URL.Path != "/final" {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"ok"}`)
	})
	if tls {
		rec.Server = httptest.NewTLSServer(handler)
	} else {
		rec.Server = httptest.NewServer(handler)
	}
	t.Cleanup(rec.Close)
	return rec
}

// sawSecret reports whether the server was sent any configured header value.
func (r *recorder) sawSecret() (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.values {
		for _, s := range redirectSecrets {
			if strings.Contains(v, s) {
				return v, true
			}
		}
	}
	return "", false
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits
}

func hostPort(s *httptest.Server) string { u, _ := url.Parse(s.URL); return u.Host }

func TestProbeRedirects(t *testing.T) {
	t.Parallel()
	const crossHost = "releasebot does not follow redirects to another host with configured headers; point health_url at the final address"
	for _, code := range []int{301, 302, 307, 308} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			t.Parallel()
			other := newRecorder(t, false, nil) // another host: another port on loopback
			tests := []struct {
				name     string
				location func(a *httptest.Server) string // from /health
				headers  bool
				want     audit.Status
				reason   string // in the reason
				aHits    int    // requests the first server gets
			}{
				{"absolute to another host", func(*httptest.Server) string { return other.URL + "/health" }, true, audit.Fail, crossHost, 1},
				{"A to A to B", func(*httptest.Server) string { return "/hop" }, true, audit.Fail, crossHost, 2},
				{"scheme-relative to another host", func(*httptest.Server) string { return "//" + hostPort(other.Server) + "/health" }, true, audit.Fail, crossHost, 1},
				{"userinfo that looks like the host", func(a *httptest.Server) string {
					return "http://" + hostPort(a) + "@" + hostPort(other.Server) + "/health"
				}, true, audit.Fail, crossHost, 1},
				{"userinfo with a password", func(a *httptest.Server) string {
					return "http://x:" + secret + "@" + hostPort(other.Server) + "/health?token=" + secret
				}, true, audit.Fail, crossHost, 1},
				{"relative on the same host", func(*httptest.Server) string { return "/final" }, true, audit.Pass, `status "ok"`, 2},
				{"absolute on the same host", func(a *httptest.Server) string { return a.URL + "/final" }, true, audit.Pass, `status "ok"`, 2},
				{"loop", func(*httptest.Server) string { return "/health" }, true, audit.Fail, "redirected more than 5 times", 6},
				{"another host without headers", func(*httptest.Server) string { return other.URL + "/final" }, false, audit.Pass, "answered 200 OK from " + other.URL + `/final, status "ok"`, 1},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					before := other.count()
					var a *recorder
					a = newRecorder(t, false, func(w http.ResponseWriter, r *http.Request) {
						loc := tt.location(a.Server)
						if r.URL.Path == "/hop" {
							loc = other.URL + "/health"
						}
						http.Redirect(w, r, loc, code)
					})
					c := HealthCheck{Env: "stage", Source: ".github/releasebot.yml", Endpoint: Endpoint{URL: a.URL + "/health", Getenv: redirectGetenv}}
					if tt.headers {
						c.Headers = redirectHeaders
					}
					got := runCheck(t, c, 5*time.Second)
					if got.Status != tt.want || !strings.Contains(got.Reason, tt.reason) {
						t.Errorf("got %s %q, want %s with %q", got.Status, got.Reason, tt.want, tt.reason)
					}
					if v, ok := other.sawSecret(); ok {
						t.Errorf("the other host was sent a configured header: %q", v)
					}
					if tt.want == audit.Fail && other.count() != before {
						t.Errorf("the other host got %d requests, want none", other.count()-before)
					}
					if a.count() != tt.aHits {
						t.Errorf("the first host got %d requests, want %d", a.count(), tt.aHits)
					}
					if tt.headers && tt.want == audit.Pass {
						// Same-host redirects keep the headers.
						a.mu.Lock()
						all := strings.Join(a.values, "\n")
						a.mu.Unlock()
						for name, s := range redirectSecrets {
							if strings.Count(all, s) < 2 {
								t.Errorf("%s was not sent again after the same-host redirect", name)
							}
						}
					}
					for _, s := range redirectSecrets {
						if strings.Contains(got.Reason, s) {
							t.Errorf("the reason holds a secret: %q", got.Reason)
						}
					}
					if strings.Contains(got.Reason, "token=") {
						t.Errorf("the reason holds the redirect's query: %q", got.Reason)
					}
				})
			}
		})
	}
}

// A redirect from https to http is refused, headers or not.
func TestProbeRefusesDowngrade(t *testing.T) {
	t.Parallel()
	plain := newRecorder(t, false, nil)
	for _, headers := range []bool{true, false} {
		tlsSrv := newRecorder(t, true, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, plain.URL+"/final", http.StatusFound)
		})
		c := HealthCheck{Env: "stage", Source: "x", Endpoint: Endpoint{URL: tlsSrv.URL + "/health", Getenv: redirectGetenv, Client: tlsSrv.Client()}}
		if headers {
			c.Headers = redirectHeaders
		}
		got := runCheck(t, c, 5*time.Second)
		if got.Status != audit.Fail || !strings.Contains(got.Reason, "from https to http") || !strings.Contains(got.Reason, "point health_url at the final https address") {
			t.Errorf("headers %v: got %s %q", headers, got.Status, got.Reason)
		}
	}
	if plain.count() != 0 {
		t.Errorf("the http server got %d requests, want none", plain.count())
	}
}

// The metrics probe follows the same rule and names its own setting.
func TestMetricsRefusesCrossHostRedirect(t *testing.T) {
	t.Parallel()
	other := newRecorder(t, false, nil)
	a := newRecorder(t, false, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/metrics", http.StatusTemporaryRedirect)
	})
	c := MetricsCheck{Env: "stage", Source: "x", Endpoint: Endpoint{URL: a.URL + "/metrics", Headers: redirectHeaders, Getenv: redirectGetenv}}
	got := runCheck(t, c, 5*time.Second)
	want := a.URL + "/metrics redirected to " + other.URL + "/metrics; releasebot does not follow redirects to another host with configured headers; point metrics_url at the final address"
	if got.Status != audit.Fail || got.Reason != want {
		t.Errorf("got %s %q\nwant fail %q", got.Status, got.Reason, want)
	}
	if other.count() != 0 {
		t.Errorf("the other host got %d requests", other.count())
	}
}

// streamer writes body chunks until the client goes away or max bytes are
// written, and reports how much it wrote when its handler returns.
func streamer(t *testing.T, chunk string, max int, every time.Duration, declared int) (*httptest.Server, <-chan int) {
	t.Helper()
	done := make(chan int, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if declared > 0 {
			w.Header().Set("Content-Length", fmt.Sprint(declared))
		}
		n := 0
		defer func() { done <- n }()
		for n < max {
			if r.Context().Err() != nil {
				return
			}
			m, err := w.Write([]byte(chunk))
			n += m
			if err != nil {
				return
			}
			if every > 0 {
				w.(http.Flusher).Flush()
				time.Sleep(every)
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, done
}

func TestProbeBodyLimits(t *testing.T) {
	t.Parallel()
	line := strings.Repeat("x", 1023) + "\n"
	metricLine := "requests_total 1\n"
	tests := []struct {
		name     string
		check    func(url string) audit.Check
		chunk    string
		max      int
		every    time.Duration
		declared int
		timeout  time.Duration
		want     audit.Status
		reason   string
	}{
		{"health streams forever", func(u string) audit.Check { return health(u + "/health") }, line, 1 << 30, 0, 0, 5 * time.Second, audit.Fail,
			"/health is larger than releasebot's limit of 1 MiB"},
		{"health declares too much", func(u string) audit.Check { return health(u + "/health") }, line, 2 << 20, 0, 2 << 20, 5 * time.Second, audit.Fail,
			"/health is 2 MiB, over releasebot's limit of 1 MiB"},
		{"health drips forever", func(u string) audit.Check { return health(u + "/health") }, "o", 1 << 30, 5 * time.Millisecond, 0, 300 * time.Millisecond, audit.Fail,
			"did not answer within 300ms"},
		{"metrics stream forever", func(u string) audit.Check { return metricsCheck(u + "/metrics") }, strings.Repeat(metricLine, 64), 1 << 30, 0, 0, 10 * time.Second, audit.Fail,
			"/metrics is larger than releasebot's limit of 32 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, done := streamer(t, tt.chunk, tt.max, tt.every, tt.declared)
			start := time.Now()
			got := runCheck(t, tt.check(srv.URL), tt.timeout)
			took := time.Since(start)
			if got.Status != tt.want || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("got %s %q, want %s with %q", got.Status, got.Reason, tt.want, tt.reason)
			}
			if took > tt.timeout+time.Second {
				t.Errorf("the check took %s, over its timeout of %s", took, tt.timeout)
			}
			// The server sees the client go away soon after.
			select {
			case n := <-done:
				t.Logf("server wrote %d bytes; the check took %s", n, took)
			case <-time.After(3 * time.Second):
				t.Errorf("the server was still writing 3s after the check ended")
			}
		})
	}
}

// A body of exactly the limit is read whole.
func TestHealthBodyAtTheLimit(t *testing.T) {
	t.Parallel()
	body := "ok" + strings.Repeat(" ", int(MaxHealthBytes)-2)
	srv, _ := healthServer(t, 200, "text/plain", body, 0)
	if got := runCheck(t, health(srv.URL+"/health"), 5*time.Second); got.Status != audit.Pass {
		t.Errorf("got %s %q", got.Status, got.Reason)
	}
}
