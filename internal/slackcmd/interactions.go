package slackcmd

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/internal/textsafe"
)

// Updater updates a posted message; *slack.Client is one.
type Updater interface {
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
}

// Interactions serves POST /slack/interactions: a tick of the release
// checklist (the checkbox groups of internal/slack's ChecklistBlocks)
// updates the message in place with chat.update, each ticked item saying
// who ticked it and when. The message holds the state: the server reads
// the ticks from the payload and keeps nothing.
type Interactions struct {
	SigningSecret string
	Slack         Updater
	// Now is the clock of the "ticked at" (default time.Now).
	Now func() time.Time
	Log *slog.Logger

	wg sync.WaitGroup
}

// Wait blocks until the updates started so far are done.
func (h *Interactions) Wait() { h.wg.Wait() }

func (h *Interactions) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

// ServeHTTP verifies the payload, acks, and updates the message in the
// background.
func (h *Interactions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	form, ok := readSigned(w, r, h.SigningSecret, maxInteraction, "an interaction", h.log())
	if !ok {
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		http.Error(w, "the payload is not an interaction", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	if cb.Type != slack.InteractionTypeBlockActions {
		return
	}
	blocks, changed := Tick(cb, h.now())
	if !changed {
		return
	}
	channel, ts := cb.Container.ChannelID, cb.Container.MessageTs
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer recovered(h.log(), "checklist update")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _, _, err := h.Slack.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionBlocks(blocks...), slack.MsgOptionText(cb.Message.Text, false))
		if err != nil {
			h.log().Error("could not update the checklist", "channel", channel, "ts", ts, "error", err.Error())
			return
		}
		h.log().Info("checklist ticked", "channel", channel, "ts", ts, "user", cb.User.ID)
	}()
}

const maxInteraction = 1 << 20

func (h *Interactions) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// tickPrefix starts the description of an item someone ticked.
const tickPrefix = "✓ "

// Tick applies a block_actions payload's checkbox changes to the message it
// came from: in each checklist group acted on, the selected options become
// its initial options, an option newly ticked gets the description
// "✓ <name>, <HH:MM> UTC" (in front of any description it had, within
// Block Kit's 75 characters), and an unticked one loses it. changed is
// false when the payload touches no checklist group of the message.
func Tick(cb slack.InteractionCallback, now time.Time) (blocks []slack.Block, changed bool) {
	blocks = cb.Message.Blocks.BlockSet
	who := textsafe.Slack(textsafe.Cut(textsafe.OneLine(cmp.Or(cb.User.Name, cb.User.ID)), 30))
	stamp := fmt.Sprintf("%s%s, %s UTC", tickPrefix, who, now.UTC().Format("15:04"))
	for _, a := range cb.ActionCallback.BlockActions {
		if a.Type != slack.ActionType(slack.METCheckboxGroups) || !strings.HasPrefix(a.ActionID, "checklist:") {
			continue
		}
		selected := map[string]bool{}
		for _, o := range a.SelectedOptions {
			selected[o.Value] = true
		}
		for _, b := range blocks {
			ab, ok := b.(*slack.ActionBlock)
			if !ok || ab.BlockID != a.BlockID || ab.Elements == nil {
				continue
			}
			for _, el := range ab.Elements.ElementSet {
				cg, ok := el.(*slack.CheckboxGroupsBlockElement)
				if !ok || cg.ActionID != a.ActionID {
					continue
				}
				was := map[string]bool{}
				for _, o := range cg.InitialOptions {
					if o != nil {
						was[o.Value] = true
					}
				}
				var initial []*slack.OptionBlockObject
				for _, o := range cg.Options {
					if o == nil {
						continue
					}
					switch {
					case selected[o.Value] && !was[o.Value]:
						o.Description = tickDescription(o.Description, stamp)
					case !selected[o.Value] && was[o.Value]:
						o.Description = untickDescription(o.Description)
					}
					if selected[o.Value] {
						initial = append(initial, o)
					}
				}
				cg.InitialOptions = initial
				changed = true
			}
		}
	}
	return blocks, changed
}

func tickDescription(d *slack.TextBlockObject, stamp string) *slack.TextBlockObject {
	rest := ""
	if d != nil {
		rest = untickText(d.Text)
	}
	text := stamp
	if rest != "" {
		text += " · " + rest
	}
	if r := []rune(text); len(r) > 75 {
		text = string(r[:74]) + "…"
	}
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, false)
}

func untickDescription(d *slack.TextBlockObject) *slack.TextBlockObject {
	if d == nil {
		return nil
	}
	if rest := untickText(d.Text); rest != "" {
		return slack.NewTextBlockObject(slack.MarkdownType, rest, false, false)
	}
	return nil
}

// untickText is a description without its tick stamp.
func untickText(s string) string {
	if !strings.HasPrefix(s, tickPrefix) {
		return s
	}
	if _, rest, ok := strings.Cut(s, " · "); ok {
		return rest
	}
	return ""
}
