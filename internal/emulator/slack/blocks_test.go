package slackemu

import (
	"strings"
	"testing"
)

// FuzzBlockErrors: the Block Kit checker reads any text without panicking,
// and says why whenever it refuses.
func FuzzBlockErrors(f *testing.F) {
	f.Add(`[{"type":"header","text":{"type":"plain_text","text":"Release v1.2.0"}}]`)
	f.Add(`[{"type":"section","text":{"type":"mrkdwn","text":""},"fields":[1],"accessory":{"type":"button"}}]`)
	f.Add(`[{"type":"actions","elements":[{"type":"checkboxes","options":[{"text":null}]}]},{"type":"context","elements":[{"type":"image"}]}]`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, raw string) {
		code, msgs := blockErrors(raw)
		switch code {
		case "", "invalid_blocks_format":
			if len(msgs) != 0 {
				t.Fatalf("%q: messages %q without invalid_blocks", code, msgs)
			}
		case "invalid_blocks":
			for _, m := range msgs {
				if !strings.HasPrefix(m, "[ERROR] ") || !strings.Contains(m, "[json-pointer:/blocks") {
					t.Fatalf("message %q", m)
				}
			}
			if len(msgs) == 0 {
				t.Fatal("invalid_blocks without a message")
			}
		default:
			t.Fatalf("code %q", code)
		}
	})
}

func TestCheckboxOptionLimits(t *testing.T) {
	opt := func(text, desc, value string) string {
		o := `{"text":{"type":"mrkdwn","text":"` + text + `"}`
		if desc != "" {
			o += `,"description":{"type":"mrkdwn","text":"` + desc + `"}`
		}
		if value != "-" {
			o += `,"value":"` + value + `"`
		}
		return o + "}"
	}
	group := func(opts ...string) string {
		return `[{"type":"actions","elements":[{"type":"checkboxes","action_id":"a","options":[` + strings.Join(opts, ",") + `]}]}]`
	}
	long := func(n int) string { return strings.Repeat("é", n) }
	many := make([]string, 11)
	for i := range many {
		many[i] = opt("item", "", "0.0")
	}
	for _, tt := range []struct {
		name, blocks, want string
	}{
		{"fits", group(opt(long(75), long(75), long(150))), ""},
		{"text too long", group(opt(long(76), "", "v")), "must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]"},
		{"description too long", group(opt("t", long(76), "v")), "must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/description/text]"},
		{"value too long", group(opt("t", "", long(151))), "must be less than 151 characters [json-pointer:/blocks/0/elements/0/options/0/value]"},
		{"no value", group(opt("t", "", "-")), "missing required field: value [json-pointer:/blocks/0/elements/0/options/0]"},
		{"eleven options", group(many...), "no more than 10 items allowed [json-pointer:/blocks/0/elements/0/options]"},
		{"bad initial option", `[{"type":"actions","elements":[{"type":"checkboxes","options":[` + opt("t", "", "v") + `],"initial_options":[` + opt(long(76), "", "v") + `]}]}]`,
			"[json-pointer:/blocks/0/elements/0/initial_options/0/text/text]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, msgs := blockErrors(tt.blocks)
			if tt.want == "" {
				if code != "" {
					t.Fatalf("refused: %s %q", code, msgs)
				}
				return
			}
			if code != "invalid_blocks" || !strings.Contains(strings.Join(msgs, "\n"), tt.want) {
				t.Fatalf("got %s %q; want a message with %q", code, msgs, tt.want)
			}
		})
	}
}
