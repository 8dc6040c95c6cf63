package main

import (
	"log/slog"
	"net"

	"github.com/spf13/cobra"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/server"
)

func newServeCommand(e *env, _ *globals) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the GitHub App's and Slack app's server: webhooks, slash commands, /health and /metrics",
		Long: `releasebot serve is the GitHub App's server (DESIGN §3). It answers GitHub's
webhooks at once and runs a command commented on a release PR in the
background, as the Action's command mode does: 👀, one flag commit, one
reply, then 🚀 or 😕. Every webhook's X-Hub-Signature-256 is verified before
anything of it is read; an unsigned or wrongly signed one is refused (401).

Endpoints:
  POST /github/webhook       the App's webhook (issue_comment; other events are acknowledged)
  POST /slack/commands       slash commands, when the Slack variables are set: acked at once,
                             answered at response_url; /release <command> where a name is taken
  POST /slack/interactions   checklist ticks: the message is updated in place
  GET  /health           {"status":"ok"}; 503 with reasons while shutting down
  GET  /metrics          Prometheus: requests, commands, GitHub API calls, rate limit

Environment:
` + server.EnvHelp + `

It keeps no state but a memory of recent deliveries, so replicas can run
side by side: a command redelivered to another one yields its first result.
On SIGTERM or SIGINT it stops taking requests, waits up to 30 s for the
commands in flight, and exits 0. The log is JSON lines on stderr, secrets
redacted. A missing variable the server needs exits 2 naming it.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := server.ConfigFromEnv(e.getenv)
			if err != nil {
				return err
			}
			if addr != "" {
				cfg.Addr = addr
			}
			redact := newRedactor(e.getenv)
			log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Value.Kind() == slog.KindString {
					a.Value = slog.StringValue(redact(a.Value.String()))
				}
				return a
			}})).With("version", version)
			s, err := server.New(cfg, server.Options{Logger: log, Version: version})
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				return failure.Wrap(failure.BadInput, err, "could not listen on %s: %v; set --addr or RELEASEBOT_ADDR to a free host:port", cfg.Addr, err)
			}
			return s.Serve(c.Context(), ln)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "the address to listen on (default $RELEASEBOT_ADDR, else "+server.DefaultAddr+")")
	return cmd
}
