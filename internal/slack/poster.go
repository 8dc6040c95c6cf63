package slack

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/action"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
	"github.com/releasebot/releasebot/releasenotes"
)

// Poster posts a release's messages with chat.postMessage and chat.update;
// it is action.Slack. The bot token needs the chat:write scope, and the app
// must be in the channel.
type Poster struct {
	client *slack.Client
}

var _ action.Slack = (*Poster)(nil)

// NewPoster returns the poster. It fails when the token is missing or the
// API URL is not an http(s) URL; no request is made.
func NewPoster(opts Options) (*Poster, error) {
	if opts.Token == "" {
		return nil, errors.New("no Slack bot token to post with; set the input slack-bot-token")
	}
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	return &Poster{client: c}, nil
}

// gone are chat.update's answers for a message that cannot be updated any
// more: it is posted anew.
var gone = []string{"message_not_found", "cant_update_message", "edit_window_closed", "channel_not_found", "is_inactive"}

// PostChecklist posts the checklist (ChecklistBlocks) to channel, or
// updates prev in place when prev is in the same channel (or channel is a
// name, which Slack answers with the id prev holds). A prev Slack no longer
// has, or cannot edit, is posted anew.
func (p *Poster) PostChecklist(ctx context.Context, channel string, prev *action.SlackMessage, n *releasenotes.Notes, prURL string) (action.SlackMessage, error) {
	if strings.TrimSpace(channel) == "" {
		return action.SlackMessage{}, failure.New(failure.BadInput, "no Slack channel to post the checklist to; set the input slack-channel or slack.channel in the configuration")
	}
	opts := []slack.MsgOption{
		slack.MsgOptionBlocks(ChecklistBlocks(n, prURL)...),
		slack.MsgOptionText(ChecklistText(n), false),
		slack.MsgOptionDisableLinkUnfurl(),
	}
	if prev != nil && prev.TS != "" && prev.Channel != "" && (prev.Channel == channel || !isChannelID(channel)) {
		ch, ts, _, err := p.client.UpdateMessageContext(ctx, prev.Channel, prev.TS, opts...)
		if err == nil {
			return action.SlackMessage{Channel: ch, TS: ts}, nil
		}
		var se slack.SlackErrorResponse
		if !errors.As(err, &se) || !slices.Contains(gone, se.Err) {
			return action.SlackMessage{}, explainPost("update the checklist", prev.Channel, err)
		}
	}
	ch, ts, err := p.client.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return action.SlackMessage{}, explainPost("post the checklist", channel, err)
	}
	return action.SlackMessage{Channel: ch, TS: ts}, nil
}

// PostPublished posts PublishedBlocks to channel, in thread when set.
func (p *Poster) PostPublished(ctx context.Context, channel string, thread *action.SlackMessage, n *releasenotes.Notes, releaseURL string) (action.SlackMessage, error) {
	if thread != nil && thread.Channel != "" {
		channel = thread.Channel
	}
	if strings.TrimSpace(channel) == "" {
		return action.SlackMessage{}, failure.New(failure.BadInput, "no Slack channel to announce the release in; set the input slack-channel or slack.channel in the configuration")
	}
	opts := []slack.MsgOption{
		slack.MsgOptionBlocks(PublishedBlocks(n, releaseURL)...),
		slack.MsgOptionText(PublishedText(n), false),
		slack.MsgOptionDisableLinkUnfurl(),
	}
	if thread != nil && thread.TS != "" {
		opts = append(opts, slack.MsgOptionTS(thread.TS))
	}
	ch, ts, err := p.client.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return action.SlackMessage{}, explainPost("announce the release", channel, err)
	}
	return action.SlackMessage{Channel: ch, TS: ts}, nil
}

// NextCommand is the rollout's first command after the release: the first
// canary step of the notes' rollout, else of their canary steps, else
// "/canary 10".
func NextCommand(n *releasenotes.Notes) string {
	for _, s := range n.Rollout {
		if strings.HasPrefix(s.Command, "/canary ") {
			return s.Command
		}
	}
	for _, s := range n.CanarySteps {
		if s > 0 {
			return fmt.Sprintf("/canary %d", s)
		}
	}
	return "/canary 10"
}

// PublishedBlocks is the message that a release is published: a header,
// the Release link, and the exact next command with the way back.
func PublishedBlocks(n *releasenotes.Notes, releaseURL string) []slack.Block {
	tag := inert(n.Tag, maxTitle)
	text := fmt.Sprintf("*%s* is tagged and published: %s.", tag, link(releaseURL, "the GitHub Release"))
	if n.Previous != "" {
		text += fmt.Sprintf(" It follows %s.", inert(n.Previous, maxTitle))
	}
	next := fmt.Sprintf("The canary may start. Next: %s — then %s and the checks of the runbook. The way back, at any time and without the gates: %s.",
		code(NextCommand(n)), code("/ab_status"), code("/rollback"))
	return []slack.Block{
		header(fitHeader(tag + " is published")),
		mrkdwnSection("published", text),
		mrkdwnSection("next", next),
	}
}

// PublishedText is the published message's notification text.
func PublishedText(n *releasenotes.Notes) string {
	return textsafe.Slack(textsafe.Cut(textsafe.OneLine(n.Tag), maxTitle)) + " is published; next: " + NextCommand(n)
}

func fitHeader(s string) string {
	if runes(s) <= MaxHeaderText {
		return s
	}
	return string([]rune(s)[:MaxHeaderText-1]) + "…"
}

// isChannelID reports whether s looks like a Slack conversation id (C…,
// G…, D…), as opposed to a name ("#releases", "releases").
func isChannelID(s string) bool {
	if len(s) < 9 || !strings.ContainsAny(s[:1], "CGD") {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// explainPost classifies a failed post as a *failure.Error of one sentence
// that says what to change; the token is never in it.
func explainPost(what, channel string, err error) error {
	var se slack.SlackErrorResponse
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	var ue *url.Error
	ch := textsafe.OneLine(textsafe.Cut(channel, limits.Echo))
	msg := ""
	kind := failure.Remote
	switch {
	case errors.As(err, &se):
		code := textsafe.OneLine(textsafe.Cut(se.Err, 80))
		switch {
		case code == "not_in_channel":
			kind, msg = failure.Refused, fmt.Sprintf("the Slack app is not in the channel %s (not_in_channel); invite it there with /invite @releasebot", ch)
		case code == "channel_not_found":
			kind, msg = failure.BadInput, fmt.Sprintf("Slack has no channel %s the app can see (channel_not_found); set slack-channel to the channel's id (C…), and invite the app to a private channel", ch)
		case code == "is_archived" || code == "is_inactive":
			kind, msg = failure.Refused, fmt.Sprintf("the Slack channel %s is archived (%s); set slack-channel to a live channel", ch, code)
		case code == "missing_scope":
			kind, msg = failure.Refused, "the Slack app lacks the chat:write scope (missing_scope); add it and reinstall the app"
		case slices.Contains(refusedToken, code):
			kind, msg = failure.Refused, fmt.Sprintf("Slack refused the bot token (%s); check the secret given as slack-bot-token", code)
		default:
			msg = fmt.Sprintf("Slack answered %s", code)
		}
	case errors.As(err, &rl):
		msg = fmt.Sprintf("Slack's rate limit: it asks to wait %s", rl.RetryAfter)
	case errors.As(err, &sc):
		msg = fmt.Sprintf("Slack answered HTTP %d", sc.Code)
	case errors.Is(err, context.DeadlineExceeded):
		msg = "Slack did not answer in time"
	case errors.As(err, &ue):
		msg = "could not reach Slack: " + textsafe.OneLine(textsafe.Cut(ue.Err.Error(), limits.Echo))
	default:
		msg = "could not read Slack's answer: " + textsafe.OneLine(textsafe.Cut(err.Error(), limits.Echo))
	}
	return failure.Wrap(kind, err, "could not %s: %s", what, msg)
}
