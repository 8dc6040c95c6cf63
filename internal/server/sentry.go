package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/releasebot/releasebot/internal/failure"
)

// reporter sends the bot's own errors to Sentry with sentry-go: panics and
// failures nobody classified (failure.Internal), the bot's version as the
// release. Refusals, bad input and a remote service failing are the
// users' business and go to the log only. A nil *reporter reports nothing.
type reporter struct {
	hub *sentry.Hub
}

// newReporter returns the reporter for dsn ("" for none), on its own hub
// (not sentry-go's global one).
func newReporter(dsn, release string, tr http.RoundTripper) (*reporter, error) {
	if dsn == "" {
		return nil, nil
	}
	opts := sentry.ClientOptions{Dsn: dsn, Release: release, AttachStacktrace: true, SendDefaultPII: false}
	if tr != nil {
		opts.HTTPTransport = tr
	}
	client, err := sentry.NewClient(opts)
	if err != nil {
		return nil, failure.Wrap(failure.BadInput, err, "SENTRY_DSN is not a Sentry DSN: %v", err)
	}
	return &reporter{hub: sentry.NewHub(client, sentry.NewScope())}, nil
}

// panicked reports a recovered panic of route.
func (r *reporter) panicked(route string, v any) {
	if r == nil {
		return
	}
	hub := r.hub.Clone()
	hub.ConfigureScope(func(s *sentry.Scope) { s.SetTag("route", route) })
	hub.Recover(fmt.Errorf("panic serving %s: %v", route, v))
}

// failed reports err of a command when nobody classified it.
func (r *reporter) failed(err error, requestID, command string) {
	if r == nil || err == nil || failure.KindOf(err) != failure.Internal {
		return
	}
	hub := r.hub.Clone()
	hub.ConfigureScope(func(s *sentry.Scope) {
		s.SetTag("request_id", requestID)
		s.SetTag("command", command)
	})
	hub.CaptureException(err)
}

// flush sends what is queued, waiting at most d.
func (r *reporter) flush(ctx context.Context, d time.Duration) {
	if r == nil {
		return
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		d = time.Until(dl)
	}
	r.hub.Flush(max(d, 0))
}
