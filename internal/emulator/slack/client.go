package slackemu

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Sign returns the X-Slack-Signature of body sent at timestamp ts: "v0="
// and the hex HMAC-SHA256 of "v0:{ts}:{body}" with the signing secret.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%d:", ts)
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// Client sends to an app what Slack sends it: slash commands and
// interactions, signed with the app's signing secret.
type Client struct {
	SigningSecret string
	HTTP          *http.Client     // default: a client with a 10 s timeout
	Now           func() time.Time // the signing timestamp's clock (default time.Now)
}

// Response is the app's answer to a request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// SlashCommand posts cmd to target as Slack does: form-encoded command, text,
// user, channel, team, response_url and trigger_id, signed. Empty team and
// trigger ids are filled in.
func (c *Client) SlashCommand(ctx context.Context, target string, cmd slack.SlashCommand) (Response, error) {
	if cmd.TeamID == "" {
		cmd.TeamID = "T0ACME"
	}
	if cmd.TeamDomain == "" {
		cmd.TeamDomain = "acme"
	}
	if cmd.TriggerID == "" {
		cmd.TriggerID = fmt.Sprintf("%d.%d.%s", time.Now().Unix(), 1234567890, reqID()[:32])
	}
	if cmd.APIAppID == "" {
		cmd.APIAppID = "A0RELEASEBOT"
	}
	form := slashForm(cmd)
	return c.Send(ctx, target, "application/x-www-form-urlencoded", []byte(form))
}

// slashForm encodes a slash command in Slack's field order.
func slashForm(cmd slack.SlashCommand) string {
	fields := [][2]string{
		{"token", cmd.Token}, {"team_id", cmd.TeamID}, {"team_domain", cmd.TeamDomain},
		{"channel_id", cmd.ChannelID}, {"channel_name", cmd.ChannelName},
		{"user_id", cmd.UserID}, {"user_name", cmd.UserName},
		{"command", cmd.Command}, {"text", cmd.Text}, {"api_app_id", cmd.APIAppID},
		{"is_enterprise_install", strconv.FormatBool(cmd.IsEnterpriseInstall)},
		{"response_url", cmd.ResponseURL}, {"trigger_id", cmd.TriggerID},
	}
	if cmd.EnterpriseID != "" {
		fields = append(fields, [2]string{"enterprise_id", cmd.EnterpriseID}, [2]string{"enterprise_name", cmd.EnterpriseName})
	}
	parts := make([]string, 0, len(fields))
	for _, f := range fields {
		parts = append(parts, url.QueryEscape(f[0])+"="+url.QueryEscape(f[1]))
	}
	return strings.Join(parts, "&")
}

// Interaction posts an interaction payload (a block_actions callback when
// its Type is empty) to target as Slack does: payload=<JSON>, form-encoded,
// signed.
func (c *Client) Interaction(ctx context.Context, target string, cb slack.InteractionCallback) (Response, error) {
	if cb.Type == "" {
		cb.Type = slack.InteractionTypeBlockActions
	}
	if cb.Team.ID == "" {
		cb.Team.ID, cb.Team.Domain = "T0ACME", "acme"
	}
	if cb.TriggerID == "" {
		cb.TriggerID = fmt.Sprintf("%d.%d.%s", time.Now().Unix(), 1234567890, reqID()[:32])
	}
	payload, err := json.Marshal(cb)
	if err != nil {
		return Response{}, fmt.Errorf("could not encode the interaction: %w", err)
	}
	return c.Send(ctx, target, "application/x-www-form-urlencoded", []byte("payload="+url.QueryEscape(string(payload))))
}

// Send posts body with the given content type, signed with the current
// time, and returns the app's answer.
func (c *Client) Send(ctx context.Context, target, contentType string, body []byte) (Response, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	ts := now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(string(body)))
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Slack-Signature", Sign(c.SigningSecret, ts, body))
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, err
}
