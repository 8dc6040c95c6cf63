package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/releasebot/releasebot/action"
	"github.com/releasebot/releasebot/internal/failure"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/prcomment"
)

// webhook serves POST /github/webhook. The signature is checked over the
// raw body before anything of it is parsed; a bad or missing one is 401
// with no side effect. Then, by X-GitHub-Event: ping is 200; a delivery
// seen before (X-GitHub-Delivery) is 200 "already handled"; an
// issue_comment whose first line is a command on a release PR is 202 at
// once and runs in the background; any other comment or event is 202 with
// the reason logged (GitHub counts a 2xx as delivered).
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	delivery := oneLine(r.Header.Get("X-GitHub-Delivery"), 64)
	event := oneLine(r.Header.Get("X-GitHub-Event"), 64)
	log := s.log.With("delivery", delivery, "event", event)
	body, err := limits.ReadAll(r.Body, action.EventFileLimit, "the webhook payload")
	if err != nil {
		var tooLarge *limits.TooLargeError
		var maxBytes *http.MaxBytesError
		if errors.As(err, &tooLarge) || errors.As(err, &maxBytes) {
			answer(w, http.StatusRequestEntityTooLarge, "the payload is over GitHub's limit of 25 MiB")
			return
		}
		answer(w, http.StatusBadRequest, "the payload could not be read")
		return
	}
	if !validSignature(r.Header.Get("X-Hub-Signature-256"), body, s.cfg.WebhookSecret) {
		// Nothing of the body or the signature is logged: either may be an
		// attacker's, and the signature is derived from the secret.
		log.Warn("webhook refused: X-Hub-Signature-256 is missing or does not match GITHUB_WEBHOOK_SECRET")
		answer(w, http.StatusUnauthorized, "X-Hub-Signature-256 is missing or wrong")
		return
	}
	if event == "ping" {
		answer(w, http.StatusOK, "pong")
		return
	}
	if delivery != "" && !s.seen.first(delivery, s.now()) {
		log.Info("webhook already handled: a redelivery")
		answer(w, http.StatusOK, "already handled")
		return
	}
	status, msg := s.dispatch(r.Context(), log, event, body)
	if status >= 300 && delivery != "" {
		s.seen.forget(delivery) // not handled: a redelivery must be
	}
	answer(w, status, msg)
}

// dispatch handles a verified delivery and says how to answer it.
func (s *Server) dispatch(ctx context.Context, log *slog.Logger, event string, body []byte) (int, string) {
	if event != "issue_comment" {
		log.Info("webhook ignored: releasebot's server acts on issue_comment")
		return http.StatusAccepted, "ignored: releasebot does not act on " + event
	}
	ev, err := action.ParseEvent(event, body)
	if err != nil {
		log.Warn("webhook refused: the payload does not parse", "error", failure.Message(err, ""))
		return http.StatusBadRequest, failure.Message(err, "")
	}
	var extra struct {
		Installation struct {
			ID int64 `json:"id"`
		} `json:"installation"`
	}
	_ = json.Unmarshal(body, &extra) // ParseEvent read it as JSON already
	mode, err := action.SelectMode(ctx, ev, "", nil)
	if err != nil {
		log.Warn("webhook refused", "error", failure.Message(err, ""))
		return http.StatusBadRequest, failure.Message(err, "")
	}
	if mode.Name != action.ModeCommand {
		log.Info("webhook ignored", "reason", mode.Reason)
		return http.StatusAccepted, "ignored: " + mode.Reason
	}
	c := ev.IssueComment
	job := commentJob{
		installation: extra.Installation.ID, repo: c.Repository.FullName, defaultBranch: c.Repository.DefaultBranch,
		mode: mode, log: log.With("request_id", mode.RequestID, "repo", oneLine(c.Repository.FullName, 140)),
	}
	if !s.start(func(ctx context.Context) { s.runComment(ctx, job) }) {
		log.Warn("webhook refused: shutting down")
		return http.StatusServiceUnavailable, errShuttingDown.Error()
	}
	log.Info("command accepted", "request_id", mode.RequestID, "reason", mode.Reason)
	return http.StatusAccepted, "accepted: " + mode.RequestID
}

// commentJob is a PR comment's command to run in the background.
type commentJob struct {
	installation        int64
	repo, defaultBranch string
	mode                action.Mode
	log                 *slog.Logger
}

// runComment runs a comment's command as the Action's command mode does
// (cmd/releasebot's action command): prcomment opens the repository and
// answers when it cannot, the runner reacts, runs, replies and reacts
// again. The steps' workflow-command lines become log lines.
func (s *Server) runComment(ctx context.Context, j commentJob) {
	start := s.now()
	ctx, counted := ghstore.WithCounter(ctx)
	name := "invalid"
	if c := j.mode.Parse.Command; c != nil {
		name = c.Name.String()
	}
	if j.installation != 0 {
		s.github.use(j.installation)
	}
	rt := &action.Runtime{Getenv: s.cfg.Getenv, Stdout: &logWriter{log: j.log}}
	p, err := prcomment.Prepare(ctx, prcomment.Options{
		Clients: s.clients, InstallationID: j.installation,
		Repo: j.repo, DefaultBranch: j.defaultBranch, Getenv: s.cfg.Getenv,
	}, j.mode)
	if err != nil {
		s.metrics.commands.WithLabelValues(name, "failed").Inc()
		s.report.failed(err, j.mode.RequestID, name)
		j.log.Error("command failed: the repository could not be opened", "command", name, "kind", failure.KindOf(err).String(), "error", err.Error())
		return
	}
	res := (&action.Runner{RT: rt, RequestID: j.mode.RequestID}).Run(ctx, p.Mode.Steps())
	reply := p.Mode.Reply()
	outcome := reply.Outcome.String()
	if reply.RequestID == "" { // the command never ran (cancelled before it)
		outcome = "failed"
	}
	s.metrics.commands.WithLabelValues(name, outcome).Inc()
	s.metrics.took.WithLabelValues(name, "github").Observe(s.now().Sub(start).Seconds())
	s.metrics.calls.WithLabelValues(name, "github").Observe(float64(counted.Load()))
	if reply.Kind == failure.Internal && reply.Err != nil {
		s.report.failed(failure.Wrap(failure.Internal, reply.Err, "%s failed", name), j.mode.RequestID, name)
	}
	s.report.failed(res.Err, j.mode.RequestID, name)
	attrs := []any{"command", name, "outcome", outcome, "duration_ms", float64(s.now().Sub(start).Microseconds()) / 1000}
	if reply.Commit != "" {
		attrs = append(attrs, "commit", reply.Commit, "replayed", reply.Replayed)
	}
	if reply.Err != nil {
		attrs = append(attrs, "cause", reply.Err.Error())
	}
	if res.Err != nil {
		attrs = append(attrs, "step", res.Step, "error", res.Err.Error())
		j.log.Error("command finished with a failed step", attrs...)
		return
	}
	j.log.Info("command finished", attrs...)
}

// answer writes a short JSON answer.
func answer(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// validSignature reports whether sig is "sha256=" and the hex HMAC-SHA256
// of body with secret, compared in constant time. Written here rather than
// taken from go-github's ValidateSignature, which also accepts a "sha1="
// value in this header: X-Hub-Signature-256 must be SHA-256.
func validSignature(sig string, body []byte, secret string) bool {
	hexMAC, ok := strings.CutPrefix(sig, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexMAC)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}
