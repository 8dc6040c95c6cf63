// Package server is `releasebot serve`: the GitHub App's HTTP server. It
// verifies and answers GitHub's webhooks at once and runs a PR comment's
// command in the background through the same code as the Action
// (internal/prcomment), and serves /health and /metrics. It keeps no state
// of its own beyond a short memory of deliveries: the repository is the
// database, so replicas can run side by side.
package server

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/releasebot/releasebot/action"
	"github.com/releasebot/releasebot/internal/failure"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/repository"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// The http.Server's bounds. GitHub waits 10 s for an answer and sends at
// most 25 MiB; a slow client cannot hold a connection longer than these.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	// smallBody bounds the body of every route but the webhook's.
	smallBody = 1 << 20
)

// Defaults of Options.
const (
	DefaultCommandTimeout = 60 * time.Second
	DefaultShutdownGrace  = 30 * time.Second
)

// Options are the server's collaborators and bounds; the zero value is
// usable.
type Options struct {
	// Logger receives the request log and the background commands' lines
	// (default: JSON on stderr).
	Logger *slog.Logger
	// SlackCommands, when set, serves POST /slack/commands (the Slack
	// adapter's handler, which verifies X-Slack-Signature itself).
	SlackCommands http.Handler
	// Transport is the HTTP transport under the GitHub clients (default
	// http.DefaultTransport).
	Transport http.RoundTripper
	// CommandTimeout bounds one background command (default
	// DefaultCommandTimeout).
	CommandTimeout time.Duration
	// ShutdownGrace is how long Serve waits, once its context ends, for
	// requests and background commands to finish before cancelling them
	// (default DefaultShutdownGrace).
	ShutdownGrace time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Version is the bot's version: the release of the errors it reports
	// to SENTRY_DSN.
	Version string

	// extra are more routes, for tests (a handler that panics).
	extra map[string]http.Handler
}

// Server is the GitHub App's server. Build it with New.
type Server struct {
	cfg     Config
	opts    Options
	log     *slog.Logger
	clients *repository.ClientCreator
	metrics *metrics
	github  *githubCollector
	seen    *deliveries
	handler http.Handler

	// bg is the context of background commands: cancelled only when
	// shutting down outlasts the grace period.
	bg       context.Context
	cancelBg context.CancelFunc

	mu       sync.Mutex
	closing  bool
	running  int // background commands in flight
	inflight sync.WaitGroup
	// waiters wait for the Slack endpoints' background work.
	waiters []func()
	// report sends the bot's own errors to Sentry (nil: none).
	report *reporter
}

// New builds the server for cfg. It loads the App's private key once, so a
// key that does not parse fails here (failure.BadInput naming the
// variable), not at the first webhook. No request is made.
func New(cfg Config, opts Options) (*Server, error) {
	if cfg.WebhookSecret == "" {
		return nil, failure.New(failure.BadInput, "GITHUB_WEBHOOK_SECRET is not set; set it to the GitHub App's webhook secret: releasebot does not serve unsigned webhooks")
	}
	if cfg.App.AppID == 0 || cfg.App.Token != "" {
		return nil, failure.New(failure.BadInput, "GITHUB_APP_ID is not set; the server acts as the GitHub App's installations")
	}
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	copts := ghstore.ClientOptions{BaseURL: cfg.APIURL, Credentials: cfg.App, Transport: opts.Transport}
	probe := copts
	probe.Credentials.InstallationID = 1 // any id: only the key is loaded
	if _, err := ghstore.NewClient(probe); err != nil {
		what := "GITHUB_APP_PRIVATE_KEY"
		if len(cfg.App.PrivateKey) == 0 {
			what = "GITHUB_APP_PRIVATE_KEY_FILE"
		}
		return nil, failure.Wrap(failure.BadInput, err, "%s does not hold the GitHub App's private key (PEM) or GITHUB_API_URL is not a URL: %v", what, err)
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = DefaultCommandTimeout
	}
	if opts.ShutdownGrace <= 0 {
		opts.ShutdownGrace = DefaultShutdownGrace
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	s := &Server{cfg: cfg, opts: opts, log: log, clients: repository.NewClientCreator(copts), seen: newDeliveries(deliveryMemory, deliveryTTL)}
	var err error
	if s.report, err = newReporter(cfg.SentryDSN, cmp.Or(opts.Version, "dev"), opts.Transport); err != nil {
		return nil, err
	}
	s.github = newGitHubCollector(s.clients.Installation)
	s.metrics = newMetrics(s.github)
	s.bg, s.cancelBg = context.WithCancel(context.Background())

	mux := http.NewServeMux()
	mux.Handle("GET /health", s.route("/health", smallBody, http.HandlerFunc(s.health)))
	mux.Handle("GET /metrics", s.route("/metrics", smallBody, s.metrics.handler()))
	mux.Handle("POST /github/webhook", s.route("/github/webhook", action.EventFileLimit, http.HandlerFunc(s.webhook)))
	if opts.SlackCommands == nil && cfg.SlackSigningSecret != "" {
		commands, interactions, err := s.slackEndpoints()
		if err != nil {
			return nil, failure.Wrap(failure.BadInput, err, "%v; check SLACK_BOT_TOKEN and SLACK_API_URL", err)
		}
		opts.SlackCommands = commands
		s.waiters = append(s.waiters, commands.Wait, interactions.Wait)
		mux.Handle("POST /slack/interactions", s.route("/slack/interactions", 1<<20, interactions))
	}
	if opts.SlackCommands != nil {
		mux.Handle("POST /slack/commands", s.route("/slack/commands", smallBody, opts.SlackCommands))
	}
	for pattern, h := range opts.extra {
		mux.Handle(pattern, s.route(pattern, smallBody, h))
	}
	mux.Handle("/", s.route("other", smallBody, http.NotFoundHandler()))
	s.handler = mux
	return s, nil
}

// Handler is the server's routes, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves on ln until ctx ends, then shuts down gracefully: /health
// answers 503, the listener closes, and Serve waits up to the grace period
// for requests in flight and for the background commands webhooks started;
// those still running then are cancelled (a command that did not finish
// commits nothing: the flag branch moves once, at its end, or not at all).
// It returns nil after a clean shutdown, a failure.Internal when commands
// had to be cancelled, or the error that stopped serving. A Server serves
// once: after Serve returns it starts no more commands.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		s.shutdownBackground()
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	s.mu.Lock()
	s.closing = true
	running := s.running
	s.mu.Unlock()
	s.log.Info("shutting down", "commands_running", running, "grace", s.opts.ShutdownGrace.String())
	deadline := time.Now().Add(s.opts.ShutdownGrace)
	sctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	<-errc // http.ErrServerClosed
	done := make(chan struct{})
	go func() {
		s.inflight.Wait()
		for _, wait := range s.waiters {
			wait()
		}
		close(done)
	}()
	select {
	case <-done:
		s.cancelBg()
		s.report.flush(sctx, 5*time.Second)
		s.log.Info("shut down")
		return nil
	case <-sctx.Done():
	}
	s.mu.Lock()
	left := s.running
	s.mu.Unlock()
	s.cancelBg()
	<-done // a cancelled command ends at its next request
	s.report.flush(context.Background(), 2*time.Second)
	s.log.Warn("shut down with commands cancelled", "cancelled", left)
	return failure.New(failure.Internal, "%d command(s) were still running %s after the shutdown began and were cancelled; nothing of theirs was committed unless their reply says so", left, s.opts.ShutdownGrace)
}

// shutdownBackground stops background work at once (serving failed).
func (s *Server) shutdownBackground() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.cancelBg()
	s.inflight.Wait()
}

// start runs fn in the background with its own context, bounded by the
// command timeout and cancelled by a shutdown that outlasts its grace. It
// reports false when the server is shutting down and fn was not started.
func (s *Server) start(fn func(ctx context.Context)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.running++
	s.inflight.Add(1)
	go func() {
		defer func() {
			s.mu.Lock()
			s.running--
			s.mu.Unlock()
			s.inflight.Done()
		}()
		// A panic in one command is that command's failure, logged and
		// reported; the server goes on serving.
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic in a background command", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.report.panicked("background command", v)
			}
		}()
		ctx, cancel := context.WithTimeout(s.bg, s.opts.CommandTimeout)
		defer cancel()
		fn(ctx)
	}()
	return true
}

// health answers {"status":"ok"}, or 503 with the reasons it cannot serve.
func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	closing, running := s.closing, s.running
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if closing {
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"status":  "unavailable",
			"reasons": []string{fmt.Sprintf("shutting down: finishing %d background command(s)", running)},
		})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
}

// oneLine makes outside text fit for a log attribute.
func oneLine(s string, n int) string { return textsafe.Cut(textsafe.OneLine(s), n) }

// errShuttingDown is what a webhook gets once the shutdown began.
var errShuttingDown = errors.New("releasebot is shutting down; deliver again")

// idle reports whether no background command is running.
func (s *Server) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running == 0
}
