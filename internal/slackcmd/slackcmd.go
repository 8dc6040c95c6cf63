// Package slackcmd is the server's Slack slash-command endpoint (POST
// /slack/commands, DESIGN §3): it verifies Slack's signature before it reads
// anything, acks at once with an ephemeral "working on it", runs the command
// in the background as the Slack user, with Slack's trigger_id as the
// request id, and posts the result to the command's response_url — in the
// channel for a change, to the user alone for a read or an error.
//
// Commands: one slash command per runbook command (/canary, /rollback,
// /toggle, /ab_status, /lock, …), and /release <command> for workspaces
// where one of those names is taken ("/release canary 50"), besides
// "/release status".
package slackcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/chatops"
	rslack "github.com/releasebot/releasebot/internal/slack"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// MaxBody bounds a slash command's body: Slack's form is a few hundred
// bytes, and a command's text at most 4 000 characters.
const MaxBody = 64 << 10

// Runner runs one command; *chatops.Service is one.
type Runner interface {
	Run(ctx context.Context, req chatops.Request) chatops.Reply
}

// Handler serves POST /slack/commands.
type Handler struct {
	// SigningSecret is the Slack app's signing secret. Required: a
	// Handler without one answers every request 401.
	SigningSecret string
	// Service opens the repository the commands act on (RELEASEBOT_REPOSITORY)
	// for one command; its error is posted as the reply.
	Service func(ctx context.Context) (Runner, error)
	// HTTPClient posts to response_url (default: a 10 s timeout).
	HTTPClient *http.Client
	// Timeout bounds one command in the background (default 60 s).
	Timeout time.Duration
	// Log receives one line per command (default slog.Default()).
	Log *slog.Logger
	// Done, when set, is called after each background command with its
	// reply (metrics, tests).
	Done func(req chatops.Request, reply chatops.Reply, took time.Duration)
	// Announce, when set, is called after a command that committed (not a
	// replay), with the Runner that ran it, to tell the release's Slack
	// thread too; its failure is the log's.
	Announce func(ctx context.Context, runner Runner, req chatops.Request, reply chatops.Reply) error

	wg sync.WaitGroup
}

// Wait blocks until the background commands started so far have ended:
// the server calls it on shutdown, so a command in flight is finished and
// answered.
func (h *Handler) Wait() { h.wg.Wait() }

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// ServeHTTP verifies, acks and starts the command.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	form, ok := readSigned(w, r, h.SigningSecret, MaxBody, "a slash command", h.log())
	if !ok {
		return
	}
	text := CommandText(form.Get("command"), form.Get("text"))
	req := chatops.Request{
		Text:  text,
		Actor: chatops.Actor{Name: form.Get("user_name"), ID: form.Get("user_id"), Via: "slack"},
		ID:    form.Get("trigger_id"),
	}
	if req.ID == "" {
		req.ID = chatops.NewRequestID("slack:")
	}
	// A command that does not parse is answered now, with the usage: no
	// repository is opened for it.
	if pr := chatops.Parse(text); pr.Ignore || pr.Error != "" {
		reply := (&chatops.Service{}).Run(r.Context(), req)
		writeAck(w, slack.ResponseTypeEphemeral, reply.Render(chatops.Slack))
		return
	}
	responseURL := form.Get("response_url")
	if !validResponseURL(responseURL) {
		http.Error(w, "the command has no response_url", http.StatusBadRequest)
		return
	}
	writeAck(w, slack.ResponseTypeEphemeral, "Working on "+rslack.Code(text)+"…")
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer recovered(h.log(), "slack command")
		h.run(req, responseURL)
	}()
}

// readSigned reads a POSTed form of at most max bytes whose
// X-Slack-Signature and X-Slack-Request-Timestamp (at most five minutes
// off) slack-go's verifier accepts, in constant time, with secret. It
// answers the request itself (405, 413, 401, 400) and returns false when
// the request is not that; nothing of the body is parsed or logged before
// the signature is checked.
func readSigned(w http.ResponseWriter, r *http.Request, secret string, max int64, what string, log *slog.Logger) (url.Values, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST "+what+" here", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil {
		http.Error(w, "could not read the request", http.StatusBadRequest)
		return nil, false
	}
	if int64(len(body)) > max {
		http.Error(w, fmt.Sprintf("%s is at most %d KiB", what, max>>10), http.StatusRequestEntityTooLarge)
		return nil, false
	}
	if err := verify(r.Header, body, secret); err != nil {
		log.Warn("slack request refused", "what", what, "reason", err.Error())
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "the body is not a form", http.StatusBadRequest)
		return nil, false
	}
	return form, true
}

func verify(header http.Header, body []byte, secret string) error {
	if secret == "" {
		return errors.New("no signing secret")
	}
	sv, err := slack.NewSecretsVerifier(header, secret)
	if err != nil {
		return err
	}
	if _, err := sv.Write(body); err != nil {
		return err
	}
	return sv.Ensure()
}

func (h *Handler) run(req chatops.Request, responseURL string) {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	var reply chatops.Reply
	svc, err := h.Service(ctx)
	if err != nil {
		reply = chatops.FailedReply(req, err)
	} else {
		reply = svc.Run(ctx, req)
	}
	defer func() {
		if h.Announce == nil || svc == nil || reply.Commit == "" || reply.Replayed {
			return
		}
		if err := h.Announce(ctx, svc, req, reply); err != nil {
			h.log().Warn("the command is done, but the release thread could not be told", "request_id", req.ID, "error", err.Error())
		}
	}()
	took := time.Since(start)
	kind := slack.ResponseTypeEphemeral
	if reply.Commit != "" && !reply.Replayed {
		kind = slack.ResponseTypeInChannel
	}
	text := reply.Render(chatops.Slack)
	if kind == slack.ResponseTypeInChannel {
		text = fmt.Sprintf("%s: %s\n%s", rslack.Mention(req.Actor.ID), rslack.Code(req.Text), text)
	}
	perr := slack.PostWebhookCustomHTTPContext(ctx, responseURL, h.httpClient(), &slack.WebhookMessage{
		ResponseType: kind, Text: text, ReplaceOriginal: false,
	})
	attrs := []any{"request_id", req.ID, "command", commandName(req.Text), "outcome", reply.Outcome.String(), "user", req.Actor.ID, "took_ms", took.Milliseconds()}
	if reply.Err != nil {
		attrs = append(attrs, "cause", reply.Err.Error())
	}
	if perr != nil {
		h.log().Error("slack command answered, but the reply could not be posted to response_url", append(attrs, "post_error", perr.Error())...)
	} else {
		h.log().Info("slack command", attrs...)
	}
	if h.Done != nil {
		h.Done(req, reply, took)
	}
}

func (h *Handler) httpClient() *http.Client {
	if h.HTTPClient != nil {
		return h.HTTPClient
	}
	return responseClient
}

// responseClient posts to response_url: one client for every command, whose
// connections to Slack stay open between posts (net/http keeps two per host
// by default, so a burst of commands would dial again and again).
var responseClient = func() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 256, 128
	return &http.Client{Timeout: 10 * time.Second, Transport: tr}
}()

// CommandText is the command line a slash command stands for: "/canary"
// with text "50" is "/canary 50"; "/release canary 50" is "/canary 50",
// while "/release status" and "/release help" stay releasebot's own.
func CommandText(command, text string) string {
	command = strings.ToLower(strings.TrimSpace(command))
	text = strings.TrimSpace(text)
	if command == "/release" {
		word, _, _ := strings.Cut(text, " ")
		switch strings.ToLower(word) {
		case "", "status", "help":
			return strings.TrimSpace("/release " + text)
		}
		return "/" + strings.TrimPrefix(text, "/")
	}
	return strings.TrimSpace(command + " " + text)
}

// commandName is the command word of text, for logs and metrics.
func commandName(text string) string {
	w, _, _ := strings.Cut(text, " ")
	return textsafe.Cut(textsafe.OneLine(w), 32)
}

func writeAck(w http.ResponseWriter, kind, text string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(ackJSON(kind, text))
}

// validResponseURL accepts an absolute http(s) URL without credentials.
func validResponseURL(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" && p.User == nil
}

// ackJSON is the immediate answer Slack shows the user.
func ackJSON(kind, text string) []byte {
	b, _ := json.Marshal(struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}{kind, text})
	return b
}

// recovered logs a panic of background work instead of letting it end the
// process: one command's bug must not stop the others.
func recovered(log *slog.Logger, what string) {
	if v := recover(); v != nil {
		log.Error("panic in "+what, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	}
}
