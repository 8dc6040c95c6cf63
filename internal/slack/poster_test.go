package slack_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/Masterminds/semver/v3"
	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/action"
	"github.com/releasebot/releasebot/config"
	slackemu "github.com/releasebot/releasebot/internal/emulator/slack"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/golden"
	rslack "github.com/releasebot/releasebot/internal/slack"
	"github.com/releasebot/releasebot/releasenotes"
)

const channel = "C0RELEASE"

// notesOf builds the notes of a release of changes (commit messages, newest
// first) over the runbook in file (releasenotes/testdata), "" for the
// built-in one.
func notesOf(t testing.TB, runbook string, changes ...string) *releasenotes.Notes {
	t.Helper()
	h := &releasenotes.History{
		Previous: releasenotes.Tag{Name: "v1.2.0", Version: semver.MustParse("1.2.0")},
		From:     "v1.2.0", To: "HEAD", Head: strings.Repeat("a", 40),
	}
	for i, msg := range changes {
		h.Changes = append(h.Changes, releasenotes.NewChange(fmt.Sprintf("%040x", i+1), releasenotes.Person{Name: "Ann", Login: "ann"}, time.Unix(1764633600, 0), msg))
	}
	h.Commits = len(h.Changes)
	o := releasenotes.Options{Config: config.Default(), RepoURL: "https://github.com/acme/web", Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}
	if runbook != "" {
		data, err := os.ReadFile(filepath.Join("..", "..", "releasenotes", "testdata", runbook))
		if err != nil {
			t.Fatal(err)
		}
		if o.Runbook, err = releasenotes.ParseRunbook(runbook, data); err != nil {
			t.Fatal(err)
		}
	}
	n, err := releasenotes.Build(h, o)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var releaseChanges = []string{
	"feat(checkout): pay in one click (#12)\n\nBehind FF_ONE_CLICK.",
	"fix(cart): round totals half up (#11)",
	"perf: cache the menu (#10)",
}

func blocksJSON(t *testing.T, blocks []slack.Block) string {
	t.Helper()
	b, err := json.MarshalIndent(slack.Blocks{BlockSet: blocks}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func TestChecklistGolden(t *testing.T) {
	for _, tc := range []struct{ name, runbook string }{
		{"checklist-en", "RUNBOOK.en.md"},
		{"checklist-ru", "RUNBOOK.ru.md"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := notesOf(t, tc.runbook, releaseChanges...)
			golden.AssertString(t, tc.name+".golden.json", blocksJSON(t, rslack.ChecklistBlocks(n, "https://github.com/acme/web/pull/7")))
		})
	}
}

func TestPublishedGolden(t *testing.T) {
	n := notesOf(t, "", releaseChanges...)
	got := blocksJSON(t, rslack.PublishedBlocks(n, "https://github.com/acme/web/releases/tag/v1.3.0"))
	golden.AssertString(t, "published.golden.json", got)
	if !strings.Contains(got, "`/canary 10`") || !strings.Contains(got, "`/rollback`") {
		t.Errorf("the message does not give the next command and the way back:\n%s", got)
	}
}

// TestChecklistWithinBlockKitLimits: a release of 5 000 changes over a
// runbook of 60 sections of 30 items keeps Block Kit's limits, and the
// emulator, which checks them at the wire, takes it.
func TestChecklistWithinBlockKitLimits(t *testing.T) {
	var changes []string
	for i := range 5000 {
		changes = append(changes, fmt.Sprintf("feat(area%d): %s change %d (#%d)", i%9, strings.Repeat("long words ", 12), i, i+1))
	}
	var rb strings.Builder
	rb.WriteString("# Runbook\n\n")
	for s := range 60 {
		fmt.Fprintf(&rb, "## %d. Section %s\n\n", s+1, strings.Repeat("título ", 40))
		for i := range 30 {
			fmt.Fprintf(&rb, "- [ ] item %d.%d %s `/ab_status`\n", s, i, strings.Repeat("ñ", 120))
		}
		rb.WriteString("\n")
	}
	n := notesOf(t, "", changes...)
	var err error
	if n.Runbook, err = releasenotes.ParseRunbook("RUNBOOK.md", []byte(rb.String())); err != nil {
		t.Fatal(err)
	}
	blocks := rslack.ChecklistBlocks(n, "https://github.com/acme/web/pull/7")
	if len(blocks) > rslack.MaxBlocks {
		t.Fatalf("%d blocks, Block Kit allows %d", len(blocks), rslack.MaxBlocks)
	}
	for i, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Text != nil && utf8.RuneCountInString(b.Text.Text) > rslack.MaxSectionText {
				t.Errorf("block %d: section of %d characters", i, utf8.RuneCountInString(b.Text.Text))
			}
		case *slack.HeaderBlock:
			if utf8.RuneCountInString(b.Text.Text) > rslack.MaxHeaderText {
				t.Errorf("block %d: header of %d characters", i, utf8.RuneCountInString(b.Text.Text))
			}
		case *slack.ActionBlock:
			for _, el := range b.Elements.ElementSet {
				cb, ok := el.(*slack.CheckboxGroupsBlockElement)
				if !ok {
					continue
				}
				if len(cb.Options) > rslack.MaxCheckboxes {
					t.Errorf("block %d: %d checkboxes", i, len(cb.Options))
				}
				for _, o := range cb.Options {
					if utf8.RuneCountInString(o.Text.Text) > rslack.MaxOptionText || len(o.Value) > rslack.MaxOptionValue {
						t.Errorf("block %d: option %q of %d characters", i, o.Value, utf8.RuneCountInString(o.Text.Text))
					}
				}
			}
		}
	}
	emu, srv := newPosterEmu(t)
	if _, err := newPoster(t, srv).PostChecklist(testCtx(t), channel, nil, n, "https://github.com/acme/web/pull/7"); err != nil {
		t.Fatalf("the emulator refused the checklist: %v", err)
	}
	if len(emu.Messages()) != 1 {
		t.Errorf("%d messages", len(emu.Messages()))
	}
}

// TestChecklistHostileText: mentions, links and formatting in commit
// subjects stay text.
func TestChecklistHostileText(t *testing.T) {
	n := notesOf(t, "", "feat: <!channel> ping <@U123> and *bold* <https://evil.example|click> &amp; <#C999>")
	raw := blocksJSON(t, rslack.ChecklistBlocks(n, "https://github.com/acme/web/pull/7"))
	for _, bad := range []string{"<!channel>", "<@U123>", "<https://evil.example|click>", "<#C999>"} {
		if strings.Contains(raw, bad) {
			t.Errorf("the checklist keeps %q active:\n%s", bad, raw)
		}
	}
	if !strings.Contains(raw, "ping") {
		t.Errorf("the subject is gone:\n%s", raw)
	}
}

func newPosterEmu(t *testing.T) (*slackemu.Server, *httptest.Server) {
	t.Helper()
	emu := slackemu.NewTest(t, slackemu.Options{Tokens: []string{botToken}, Channels: []string{channel, "C0OTHER01"}})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return emu, srv
}

func newPoster(t *testing.T, srv *httptest.Server) *rslack.Poster {
	t.Helper()
	p, err := rslack.NewPoster(rslack.Options{Token: botToken, APIURL: srv.URL + "/api/"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPostChecklistUpdatesInPlace: the first push posts, the next updates
// the same message, and a message Slack no longer has is posted anew.
func TestPostChecklistUpdatesInPlace(t *testing.T) {
	emu, srv := newPosterEmu(t)
	p := newPoster(t, srv)
	first, err := p.PostChecklist(testCtx(t), channel, nil, notesOf(t, "", releaseChanges[1:]...), "https://github.com/acme/web/pull/7")
	if err != nil || first.Channel != channel || first.TS == "" {
		t.Fatalf("post: %+v, %v", first, err)
	}
	second, err := p.PostChecklist(testCtx(t), channel, &first, notesOf(t, "", releaseChanges...), "https://github.com/acme/web/pull/7")
	if err != nil || second != first {
		t.Fatalf("update: %+v, %v; want %+v", second, err, first)
	}
	msgs := emu.Messages()
	if len(msgs) != 2 || msgs[1].Method != "chat.update" || msgs[1].TS != first.TS || !strings.Contains(string(msgs[1].Blocks), "pay in one click") {
		t.Fatalf("messages %+v", msgs)
	}
	forgotten := action.SlackMessage{Channel: channel, TS: "1700000000.000001"}
	third, err := p.PostChecklist(testCtx(t), channel, &forgotten, notesOf(t, "", releaseChanges...), "")
	if err != nil || third.TS == forgotten.TS || third.TS == first.TS {
		t.Fatalf("repost: %+v, %v", third, err)
	}
	if msgs := emu.Messages(); msgs[len(msgs)-1].Method != "chat.postMessage" {
		t.Errorf("a forgotten message was not posted anew: %+v", msgs[len(msgs)-1])
	}
	// Another channel configured since: the checklist goes there, anew.
	moved, err := p.PostChecklist(testCtx(t), "C0OTHER01", &first, notesOf(t, "", releaseChanges...), "")
	if err != nil || moved.Channel != "C0OTHER01" {
		t.Errorf("moved channel: %+v, %v", moved, err)
	}
}

func TestPostPublishedInThread(t *testing.T) {
	emu, srv := newPosterEmu(t)
	p := newPoster(t, srv)
	n := notesOf(t, "", releaseChanges...)
	check, err := p.PostChecklist(testCtx(t), channel, nil, n, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.PostPublished(testCtx(t), "C0OTHER01", &check, n, "https://github.com/acme/web/releases/tag/v1.3.0"); err != nil {
		t.Fatal(err)
	}
	msgs := emu.Messages()
	last := msgs[len(msgs)-1]
	if last.Channel != channel || last.ThreadTS != check.TS || !strings.Contains(last.Text, "/canary 10") {
		t.Errorf("published message %+v, want a reply in %s's thread naming /canary 10", last, check.TS)
	}
}

func TestPostFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fault   slackemu.Fault
		channel string
		kind    failure.Kind
		want    string
	}{
		{"not in channel", slackemu.Fault{Error: "not_in_channel"}, channel, failure.Refused, "invite it there with /invite @releasebot"},
		{"token refused", slackemu.Fault{Error: "invalid_auth"}, channel, failure.Refused, "check the secret given as slack-bot-token"},
		{"rate limited", slackemu.RateLimited(30 * time.Second), channel, failure.Remote, "Slack's rate limit: it asks to wait 30s"},
		{"down", slackemu.Fault{Status: 503}, channel, failure.Remote, "Slack answered HTTP 503"},
		{"unknown channel", slackemu.Fault{}, "C0NOPE1234", failure.BadInput, "set slack-channel to the channel's id"},
		{"no channel", slackemu.Fault{}, " ", failure.BadInput, "set the input slack-channel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu, srv := newPosterEmu(t)
			if tc.fault != (slackemu.Fault{}) {
				emu.Inject("chat.postMessage", tc.fault)
			}
			_, err := newPoster(t, srv).PostChecklist(testCtx(t), tc.channel, nil, notesOf(t, "", releaseChanges...), "")
			if err == nil || failure.KindOf(err) != tc.kind || !strings.Contains(failure.Message(err, "r1"), tc.want) {
				t.Fatalf("got %v (%v), want %v with %q", err, failure.KindOf(err), tc.kind, tc.want)
			}
			if msg := failure.Message(err, "r1"); strings.Contains(msg, botToken) || strings.Contains(msg, "\n") {
				t.Errorf("message %q: a token or a second line", msg)
			}
			if len(emu.Messages()) != 0 {
				t.Error("a failed post left a message")
			}
		})
	}
}

func TestNewPoster(t *testing.T) {
	if _, err := rslack.NewPoster(rslack.Options{}); err == nil || !strings.Contains(err.Error(), "slack-bot-token") {
		t.Errorf("no token: %v", err)
	}
	if _, err := rslack.NewPoster(rslack.Options{Token: botToken, APIURL: "ftp://x"}); err == nil {
		t.Error("an ftp URL was taken")
	}
}

func FuzzParseItemValue(f *testing.F) {
	for _, s := range []string{"3.0", "0.12", "-1.2", "1.", ".1", "1.2.3", "99999999999999999999.1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s, i, ok := rslack.ParseItemValue(v)
		if !ok {
			return
		}
		if s < 0 || i < 0 {
			t.Fatalf("%q: negative %d.%d", v, s, i)
		}
		if rslack.ItemValue(s, i) != v {
			t.Fatalf("%q read as %d.%d, which ItemValue writes otherwise", v, s, i)
		}
	})
}

// TestChecklistCodeSpans: a runbook's plain code spans stay copyable code;
// one holding a mention, a link or an entity is escaped like any text.
func TestChecklistCodeSpans(t *testing.T) {
	n := notesOf(t, "")
	rb, err := releasenotes.ParseRunbook("RUNBOOK.md", []byte("# R\n\n## 1. Code freeze\n\n- [ ] run `/ab_status` and `/toggle FF_X on`\n- [ ] `<!channel>` and `@here` and `<https://evil.example|x>` and `a&lt;b`\n- [ ] unclosed `/canary 10\n"))
	if err != nil {
		t.Fatal(err)
	}
	n.Runbook = rb
	raw := blocksJSON(t, rslack.ChecklistBlocks(n, ""))
	for _, want := range []string{"run `/ab_status` and `/toggle FF_X on`"} {
		if !strings.Contains(raw, want) {
			t.Errorf("lacks %q:\n%s", want, raw)
		}
	}
	for _, bad := range []string{"<!channel>", "`@here`", "<https://evil", "`a&lt;b`", "`/canary 10"} {
		if strings.Contains(raw, bad) {
			t.Errorf("keeps %q:\n%s", bad, raw)
		}
	}
}

// TestCodeAndMention: a command is a copyable code span only when plain;
// anything else, and any user id, cannot mention, link or format.
func TestCodeAndMention(t *testing.T) {
	for in, want := range map[string]string{
		"/canary 50":                   "`/canary 50`",
		"/ab_status prod":              "`/ab_status prod`",
		"/toggle FF_X on `<!channel>`": "/toggle FF＿X on ˋ&lt;!channel&gt;ˋ",
		"/canary 10\n<@U1>":            "/canary 10 &lt;@\u2060U1&gt;",
	} {
		if got := rslack.Code(in); got != want {
			t.Errorf("Code(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"U0ANN": "<@U0ANN>", "U1>|<!channel": "<@U1>", "": "someone", "<!here>": "someone"} {
		if got := rslack.Mention(in); got != want {
			t.Errorf("Mention(%q) = %q, want %q", in, got, want)
		}
	}
}
