package server

import (
	"net/http"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	ghstore "github.com/releasebot/releasebot/internal/github"
)

// metrics are one Server's Prometheus collectors, on a registry of its own:
// two servers in one process (the tests) count apart.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec   // route, status
	duration *prometheus.HistogramVec // route
	commands *prometheus.CounterVec   // command, outcome
	took     *prometheus.HistogramVec // command, via: the command's end to end
	calls    *prometheus.HistogramVec // command, via: GitHub API calls of one command
}

func newMetrics(gh *githubCollector) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "releasebot_http_requests_total",
			Help: "HTTP requests served, by route and status code.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "releasebot_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route (a webhook is answered before its command runs).",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "releasebot_commands_total",
			Help: "Commands run, by command name and outcome (done, no change, refused, bad input, failed).",
		}, []string{"command", "outcome"}),
	}
	m.took = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "releasebot_command_duration_seconds",
		Help:    "Time from a command's arrival to its end (committed, answered), by command and channel (github, slack).",
		Buckets: []float64{.05, .1, .25, .5, 1, 2, 5, 10, 30, 60},
	}, []string{"command", "via"})
	m.calls = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "releasebot_command_github_calls",
		Help:    "GitHub API calls one command made, by command and channel (github, slack).",
		Buckets: []float64{2, 4, 6, 8, 10, 15, 20, 30, 50},
	}, []string{"command", "via"})
	m.registry.MustRegister(m.requests, m.duration, m.commands, m.took, m.calls, gh,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// githubCollector reports, at each scrape, the GitHub API calls and the
// rate limit of every installation the server has worked for, read from
// each installation client's ghstore.Meter (which counts on the wire,
// retries and token refreshes included).
type githubCollector struct {
	clients func(id int64) (*ghstore.Client, error)

	mu   sync.Mutex
	seen map[int64]bool

	calls, remaining, limit *prometheus.Desc
}

func newGitHubCollector(clients func(int64) (*ghstore.Client, error)) *githubCollector {
	return &githubCollector{
		clients:   clients,
		seen:      map[int64]bool{},
		calls:     prometheus.NewDesc("releasebot_github_api_calls_total", "Requests sent to the GitHub API, by App installation (retries and token refreshes included).", []string{"installation"}, nil),
		remaining: prometheus.NewDesc("releasebot_github_rate_limit_remaining", "GitHub's X-RateLimit-Remaining in its latest answer, by App installation.", []string{"installation"}, nil),
		limit:     prometheus.NewDesc("releasebot_github_rate_limit_limit", "GitHub's X-RateLimit-Limit in its latest answer, by App installation.", []string{"installation"}, nil),
	}
}

// use notes that installation id is being worked for.
func (g *githubCollector) use(id int64) {
	g.mu.Lock()
	g.seen[id] = true
	g.mu.Unlock()
}

func (g *githubCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- g.calls
	ch <- g.remaining
	ch <- g.limit
}

func (g *githubCollector) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	ids := make([]int64, 0, len(g.seen))
	for id := range g.seen {
		ids = append(ids, id)
	}
	g.mu.Unlock()
	for _, id := range ids {
		c, err := g.clients(id) // cached: no request is made
		if err != nil {
			continue
		}
		label := strconv.FormatInt(id, 10)
		m := c.Meter()
		ch <- prometheus.MustNewConstMetric(g.calls, prometheus.CounterValue, float64(m.Calls()), label)
		if rem, lim, _ := m.RateLimit(); lim > 0 {
			ch <- prometheus.MustNewConstMetric(g.remaining, prometheus.GaugeValue, float64(rem), label)
			ch <- prometheus.MustNewConstMetric(g.limit, prometheus.GaugeValue, float64(lim), label)
		}
	}
}
