package slackcmd_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/slack-go/slack"

	slackemu "github.com/releasebot/releasebot/internal/emulator/slack"
	rslack "github.com/releasebot/releasebot/internal/slack"
	"github.com/releasebot/releasebot/internal/slackcmd"
	"github.com/releasebot/releasebot/releasenotes"
)

const botToken = "xoxb-interactions"

// TestChecklistTick: ticking a checklist item updates the message in
// place with who ticked it and when; unticking takes that away; the server
// keeps nothing, so a second tick works from the message alone.
func TestChecklistTick(t *testing.T) {
	emu := slackemu.NewTest(t, slackemu.Options{Tokens: []string{botToken}, Channels: []string{"C0RELEASE"}})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	poster, err := rslack.NewPoster(rslack.Options{Token: botToken, APIURL: srv.URL + "/api/"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := releasenotes.Build(&releasenotes.History{Previous: releasenotes.Tag{Name: "v1.2.0", Version: semver.MustParse("1.2.0")}, Head: strings.Repeat("a", 40),
		Changes: []releasenotes.Change{releasenotes.NewChange(strings.Repeat("b", 40), releasenotes.Person{Name: "Ann"}, time.Unix(1764633600, 0), "feat: one click")}, Commits: 1},
		releasenotes.Options{RepoURL: "https://github.com/acme/web", Date: time.Unix(1764633600, 0)})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := poster.PostChecklist(context.Background(), "C0RELEASE", nil, n, "")
	if err != nil {
		t.Fatal(err)
	}
	h := &slackcmd.Interactions{
		SigningSecret: secret,
		Slack:         slack.New(botToken, slack.OptionAPIURL(srv.URL+"/api/")),
		Now:           func() time.Time { return time.Date(2026, 12, 2, 14, 2, 0, 0, time.UTC) },
	}
	app := httptest.NewServer(h)
	t.Cleanup(app.Close)
	client := &slackemu.Client{SigningSecret: secret}

	tick := func(selected ...string) *slack.CheckboxGroupsBlockElement {
		t.Helper()
		msgs := emu.Messages()
		var blocks slack.Blocks
		if err := json.Unmarshal(msgs[len(msgs)-1].Blocks, &blocks); err != nil {
			t.Fatal(err)
		}
		var opts []slack.OptionBlockObject
		for _, v := range selected {
			opts = append(opts, slack.OptionBlockObject{Value: v})
		}
		cb := slack.InteractionCallback{
			User:      slack.User{ID: "U0ANN", Name: "ann"},
			Channel:   slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0RELEASE"}}},
			Container: slack.Container{ChannelID: "C0RELEASE", MessageTs: msg.TS},
			Message:   slack.Message{Msg: slack.Msg{Timestamp: msg.TS, Text: "Release v1.3.0", Blocks: blocks}},
			ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{
				Type: slack.ActionType(slack.METCheckboxGroups), ActionID: rslack.ChecklistActionID(0, 0), BlockID: rslack.ChecklistActionID(0, 0), SelectedOptions: opts,
			}}},
		}
		resp, err := client.Interaction(context.Background(), app.URL, cb)
		if err != nil || resp.Status != 200 {
			t.Fatalf("interaction: %v %d %s", err, resp.Status, resp.Body)
		}
		h.Wait()
		msgs = emu.Messages()
		last := msgs[len(msgs)-1]
		if last.Method != "chat.update" || last.TS != msg.TS {
			t.Fatalf("last message %s %s, want chat.update of %s", last.Method, last.TS, msg.TS)
		}
		if err := json.Unmarshal(last.Blocks, &blocks); err != nil {
			t.Fatal(err)
		}
		for _, b := range blocks.BlockSet {
			if ab, ok := b.(*slack.ActionBlock); ok && ab.BlockID == rslack.ChecklistActionID(0, 0) {
				return ab.Elements.ElementSet[0].(*slack.CheckboxGroupsBlockElement)
			}
		}
		t.Fatal("the checklist's first group is gone")
		return nil
	}

	cg := tick("0.0")
	if len(cg.InitialOptions) != 1 || cg.InitialOptions[0].Value != "0.0" || cg.Options[0].Description == nil || cg.Options[0].Description.Text != "✓ ann, 14:02 UTC" {
		t.Fatalf("after a tick: initial %+v, first option %+v", cg.InitialOptions, cg.Options[0])
	}
	cg = tick("0.0", "0.1")
	if len(cg.InitialOptions) != 2 || cg.Options[0].Description.Text != "✓ ann, 14:02 UTC" || cg.Options[1].Description == nil {
		t.Fatalf("after a second tick: %+v", cg.Options)
	}
	cg = tick("0.1")
	if len(cg.InitialOptions) != 1 || cg.Options[0].Description != nil {
		t.Fatalf("after an untick: initial %+v, first %+v", cg.InitialOptions, cg.Options[0])
	}
}

func TestInteractionUnsigned(t *testing.T) {
	h := &slackcmd.Interactions{SigningSecret: secret}
	app := httptest.NewServer(h)
	t.Cleanup(app.Close)
	resp, err := (&slackemu.Client{SigningSecret: "wrong"}).Interaction(context.Background(), app.URL, slack.InteractionCallback{})
	if err != nil || resp.Status != 401 {
		t.Fatalf("%v %d", err, resp.Status)
	}
}

// FuzzTick: whatever payload Slack (or anyone with the secret) sends,
// reading it and applying its ticks does not panic, and a tick never
// leaves an initial option the group does not have.
func FuzzTick(f *testing.F) {
	f.Add([]byte(`{"type":"block_actions","user":{"id":"U1","name":"ann"},"message":{"blocks":[{"type":"actions","block_id":"checklist:0:0","elements":[{"type":"checkboxes","action_id":"checklist:0:0","options":[{"text":{"type":"mrkdwn","text":"a"},"value":"0.0"}]}]}]},"actions":[{"type":"checkboxes","action_id":"checklist:0:0","block_id":"checklist:0:0","selected_options":[{"value":"0.0"},{"value":"9.9"}]}]}`))
	f.Add([]byte(`{"type":"block_actions","actions":[{"type":"checkboxes","action_id":"checklist:x"}]}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		var cb slack.InteractionCallback
		if json.Unmarshal(payload, &cb) != nil {
			return
		}
		blocks, _ := slackcmd.Tick(cb, time.Unix(0, 0))
		for _, b := range blocks {
			ab, ok := b.(*slack.ActionBlock)
			if !ok || ab.Elements == nil {
				continue
			}
			for _, el := range ab.Elements.ElementSet {
				cg, ok := el.(*slack.CheckboxGroupsBlockElement)
				if !ok {
					continue
				}
				have := map[string]bool{}
				for _, o := range cg.Options {
					if o != nil {
						have[o.Value] = true
					}
				}
				for _, o := range cg.InitialOptions {
					if o != nil && !have[o.Value] {
						t.Fatalf("initial option %q is not an option", o.Value)
					}
				}
			}
		}
	})
}
