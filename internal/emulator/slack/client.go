package slackemu

import (
	"cmp"
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

// VerificationToken is the deprecated verification token the client sends
// in every payload, as Slack still does, when none is given.
const VerificationToken = "gIkuvaNzQIHg97ATvDxqgjtO"

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// triggerID makes a trigger_id of Slack's shape: "digits.digits.hex".
func (c *Client) triggerID() string {
	return fmt.Sprintf("%d.%d.%s", c.now().Unix(), 1234567890, reqID())
}

// SlashCommand posts cmd to target as Slack does: the form fields Slack
// sends (token, team_id, team_domain, enterprise_id and enterprise_name for
// an Enterprise Grid, channel_id, channel_name, user_id, user_name, command,
// text, api_app_id, is_enterprise_install, response_url, trigger_id),
// form-encoded and signed. Empty token, team, app and trigger ids are filled
// in.
func (c *Client) SlashCommand(ctx context.Context, target string, cmd slack.SlashCommand) (Response, error) {
	if cmd.Token == "" {
		cmd.Token = VerificationToken
	}
	if cmd.TeamID == "" {
		cmd.TeamID = "T0ACME"
	}
	if cmd.TeamDomain == "" {
		cmd.TeamDomain = "acme"
	}
	if cmd.TriggerID == "" {
		cmd.TriggerID = c.triggerID()
	}
	if cmd.APIAppID == "" {
		cmd.APIAppID = "A0RELEASEBOT"
	}
	form := slashForm(cmd)
	return c.Send(ctx, target, "application/x-www-form-urlencoded", []byte(form))
}

// slashForm encodes a slash command in Slack's field order.
func slashForm(cmd slack.SlashCommand) string {
	fields := [][2]string{{"token", cmd.Token}, {"team_id", cmd.TeamID}, {"team_domain", cmd.TeamDomain}}
	if cmd.EnterpriseID != "" {
		fields = append(fields, [2]string{"enterprise_id", cmd.EnterpriseID}, [2]string{"enterprise_name", cmd.EnterpriseName})
	}
	fields = append(fields,
		[2]string{"channel_id", cmd.ChannelID}, [2]string{"channel_name", cmd.ChannelName},
		[2]string{"user_id", cmd.UserID}, [2]string{"user_name", cmd.UserName},
		[2]string{"command", cmd.Command}, [2]string{"text", cmd.Text}, [2]string{"api_app_id", cmd.APIAppID},
		[2]string{"is_enterprise_install", strconv.FormatBool(cmd.IsEnterpriseInstall)},
		[2]string{"response_url", cmd.ResponseURL}, [2]string{"trigger_id", cmd.TriggerID},
	)
	parts := make([]string, 0, len(fields))
	for _, f := range fields {
		parts = append(parts, url.QueryEscape(f[0])+"="+url.QueryEscape(f[1]))
	}
	return strings.Join(parts, "&")
}

// Interaction posts an interaction payload (a block_actions callback when
// its Type is empty) to target as Slack does: payload=<JSON>, form-encoded,
// signed. A block_actions payload has the fields Slack sends and only
// those: type, user {id, username, name, team_id}, api_app_id, token,
// container {type, message_ts, channel_id, is_ephemeral}, trigger_id, team
// {id, domain}, enterprise, is_enterprise_install, channel {id, name},
// message (when cb.Message has a timestamp), state, response_url and actions
// with their action_ts. Other types are sent as slack-go encodes them.
func (c *Client) Interaction(ctx context.Context, target string, cb slack.InteractionCallback) (Response, error) {
	if cb.Type == "" {
		cb.Type = slack.InteractionTypeBlockActions
	}
	if cb.Team.ID == "" {
		cb.Team.ID, cb.Team.Domain = "T0ACME", "acme"
	}
	if cb.TriggerID == "" {
		cb.TriggerID = c.triggerID()
	}
	if cb.Token == "" {
		cb.Token = VerificationToken
	}
	if cb.APIAppID == "" {
		cb.APIAppID = "A0RELEASEBOT"
	}
	var v any = &cb
	if cb.Type == slack.InteractionTypeBlockActions {
		v = c.blockActions(cb)
	}
	payload, err := json.Marshal(v)
	if err != nil {
		return Response{}, fmt.Errorf("could not encode the interaction: %w", err)
	}
	return c.Send(ctx, target, "application/x-www-form-urlencoded", []byte("payload="+url.QueryEscape(string(payload))))
}

// blockActionsPayload is a block_actions payload as Slack sends it.
type blockActionsPayload struct {
	Type string `json:"type"`
	User struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Name     string `json:"name"`
		TeamID   string `json:"team_id"`
	} `json:"user"`
	APIAppID  string `json:"api_app_id"`
	Token     string `json:"token"`
	Container struct {
		Type        string `json:"type"`
		MessageTS   string `json:"message_ts"`
		ChannelID   string `json:"channel_id"`
		IsEphemeral bool   `json:"is_ephemeral"`
	} `json:"container"`
	TriggerID string `json:"trigger_id"`
	Team      struct {
		ID     string `json:"id"`
		Domain string `json:"domain"`
	} `json:"team"`
	Enterprise          any  `json:"enterprise"`
	IsEnterpriseInstall bool `json:"is_enterprise_install"`
	Channel             struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"channel"`
	Message     map[string]any          `json:"message,omitempty"`
	State       slack.BlockActionStates `json:"state"`
	ResponseURL string                  `json:"response_url"`
	Actions     []map[string]any        `json:"actions"`
}

func (c *Client) blockActions(cb slack.InteractionCallback) blockActionsPayload {
	var p blockActionsPayload
	p.Type = string(cb.Type)
	p.User.ID, p.User.Username, p.User.Name, p.User.TeamID = cb.User.ID, cb.User.Name, cb.User.Name, cb.User.TeamID
	if p.User.TeamID == "" {
		p.User.TeamID = cb.Team.ID
	}
	p.APIAppID, p.Token, p.TriggerID = cb.APIAppID, cb.Token, cb.TriggerID
	p.Team.ID, p.Team.Domain = cb.Team.ID, cb.Team.Domain
	if cb.Enterprise.ID != "" {
		p.Enterprise = map[string]string{"id": cb.Enterprise.ID, "name": cb.Enterprise.Name}
	}
	p.IsEnterpriseInstall = cb.IsEnterpriseInstall
	p.Channel.ID, p.Channel.Name = cb.Channel.ID, cb.Channel.Name
	p.Container.Type = "message"
	p.Container.ChannelID = cmp.Or(cb.Container.ChannelID, cb.Channel.ID)
	p.Container.MessageTS = cmp.Or(cb.Container.MessageTs, cb.Message.Timestamp)
	p.Container.IsEphemeral = cb.Container.IsEphemeral
	if cb.Message.Timestamp != "" {
		m := map[string]any{"type": "message", "ts": cb.Message.Timestamp, "text": cb.Message.Text}
		if cb.Message.User != "" {
			m["user"] = cb.Message.User
		}
		if cb.Message.BotID != "" {
			m["bot_id"] = cb.Message.BotID
		}
		if len(cb.Message.Blocks.BlockSet) > 0 {
			m["blocks"] = cb.Message.Blocks
		}
		p.Message = m
	}
	if cb.BlockActionState != nil {
		p.State = *cb.BlockActionState
	}
	if p.State.Values == nil {
		p.State.Values = map[string]map[string]slack.BlockAction{}
	}
	p.ResponseURL = cb.ResponseURL
	actionTS := fmt.Sprintf("%d.%06d", c.now().Unix(), c.now().Nanosecond()/1000)
	p.Actions = []map[string]any{}
	for _, a := range cb.ActionCallback.BlockActions {
		act := map[string]any{"type": string(a.Type), "action_id": a.ActionID, "block_id": a.BlockID, "action_ts": cmp.Or(a.ActionTs, actionTS)}
		if a.Value != "" {
			act["value"] = a.Value
		}
		if a.Text.Text != "" {
			act["text"] = a.Text
		}
		if a.SelectedOptions != nil {
			act["selected_options"] = a.SelectedOptions
		}
		if a.SelectedOption.Value != "" {
			act["selected_option"] = a.SelectedOption
		}
		p.Actions = append(p.Actions, act)
	}
	return p
}

// Send posts body with the given content type, signed with the current
// time, and returns the app's answer.
func (c *Client) Send(ctx context.Context, target, contentType string, body []byte) (Response, error) {
	ts := c.now().Unix()
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
