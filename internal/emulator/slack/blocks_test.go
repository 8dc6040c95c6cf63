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
