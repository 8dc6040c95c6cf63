package chatops

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOneCommandIsOneLine(t *testing.T) {
	breaks := map[string]string{"LF": "\n", "CRLF": "\r\n", "CR": "\r", "VT": "\v", "FF": "\f", "NEL": "\u0085", "LS": "\u2028", "PS": "\u2029"}
	for name, br := range breaks {
		for _, text := range []string{"/canary 0" + br + "stage", "/rollback" + br + "FF_NAV_FOOTER", "/toggle FF_NAV_FOOTER" + br + "on", "/canary 0 " + br + " " + br + "stage"} {
			t.Run(name, func(t *testing.T) {
				pr := Parse(text)
				if pr.Command != nil || !strings.HasPrefix(pr.Error, "a command is one line; ") {
					t.Fatalf("Parse(%q) = %+v, want the one-line error", text, pr)
				}
				if strings.ContainsAny(pr.Error, "\n\r\v\f\u0085\u2028\u2029") {
					t.Errorf("the error is not one line: %q", pr.Error)
				}
				// Through the service: refused as bad input, nothing committed.
				store := newMemStore(flagsPath, runbookFlags)
				svc := &Service{Store: store, Config: testConfig(t)}
				r := run(t, svc, text, "")
				if r.Outcome != BadInput || store.count() != 1 || store.file(flagsPath) != runbookFlags {
					t.Errorf("%q: %v %q, %d commits", text, r.Outcome, r.Text, store.count()-1)
				}
			})
		}
	}
	// Space at the ends, line breaks included, is not a second line.
	for _, text := range []string{"/canary 10\n", "\r\n/canary 10 \r\n", "  /canary 10\t"} {
		if pr := Parse(text); pr.Command == nil || pr.Command.Percent != 10 || pr.Command.Env != "" {
			t.Errorf("Parse(%q) = %+v", text, pr)
		}
	}
}

func TestCommentFirstLineOnly(t *testing.T) {
	for _, body := range []string{"/canary 0\nstage", "/canary 0\r\nstage\r\n", "/canary 0\u2028stage", "\n\n/canary 0\n/canary 100 stage"} {
		pr := ParseComment(body)
		if pr.Command == nil || pr.Command.Percent != 0 || pr.Command.Env != "" {
			t.Errorf("ParseComment(%q) = %+v, want /canary 0 on the default environment", body, pr)
		}
	}
}

func TestOverlongCommandIsRefusedNotEchoed(t *testing.T) {
	huge := strings.Repeat("A", 100_000)
	for _, text := range []string{"/canary 10 " + huge, "/toggle " + huge + " on", "/" + huge, "/canary 10 " + strings.Repeat("é", 4001)} {
		store := newMemStore(flagsPath, runbookFlags)
		svc := &Service{Store: store, Config: testConfig(t)}
		r := run(t, svc, text, "")
		if r.Outcome != BadInput || !strings.Contains(r.Text, "over the limit of 4000") {
			t.Errorf("%.20q…: %v %.200q", text, r.Outcome, r.Text)
		}
		for _, m := range []Medium{Terminal, Slack, Markdown} {
			if got := r.Render(m); len(got) > 400 {
				t.Errorf("rendered reply is %d bytes, want a short one", len(got))
			}
		}
		if store.count() != 1 {
			t.Error("committed")
		}
	}
	// Just under the limit, the echo in an error is still cut.
	r := run(t, &Service{Store: newMemStore(flagsPath, runbookFlags), Config: testConfig(t)}, "/toggle "+strings.Repeat("B", 3900)+" on", "")
	if r.Outcome != BadInput || utf8.RuneCountInString(r.Text) > 400 || !strings.Contains(r.Text, "…") {
		t.Errorf("%v %d runes: %.300q", r.Outcome, utf8.RuneCountInString(r.Text), r.Text)
	}
}

// denyQuoting refuses everyone with a reason that quotes the actor.
type denyQuoting struct{}

func (denyQuoting) Authorize(_ context.Context, who Actor, _ Command) error {
	return errors.New("user " + who.Name + " is not in the deployers group")
}

// TestEchoedInputIsInert feeds markup to every place a reply echoes input
// and checks each medium's render holds none of it raw.
func TestEchoedInputIsInert(t *testing.T) {
	payloads := []string{"<!channel>", "<@U123>", "@here", "*bold*", "<img src=x>", "\x1b[2J", "\uE001<!channel>\uE000", "[x](https://evil.example)"}
	slackBad := []string{"<!channel>", "<@U123>", "@here", "*bold*", "<img", "\x1b", "\uE000", "\uE001"}
	mdBad := []string{"<!channel>", "<@U123>", "@here", "*bold*", "<img", "\x1b", "\uE000", "\uE001", "[x](https"}
	termBad := []string{"\x1b", "\uE000", "\uE001"}
	forms := []struct {
		name, cmd string
		actor     string
		auth      Authorizer
	}{
		{"command word", "/%s", "ann", nil},
		{"near-miss command word", "/canar%s", "ann", nil},
		{"percentage", "/canary %s", "ann", nil},
		{"environment", "/canary 10 %s", "ann", nil},
		{"flag", "/toggle %s on", "ann", nil},
		{"flag value", "/toggle FF_NAV_FOOTER %s", "ann", nil},
		{"rollback flag", "/rollback %s prod", "ann", nil},
		{"help topic", "/help %s", "ann", nil},
		{"release subcommand", "/release %s", "ann", nil},
		{"actor", "/canary 10", "%s", denyQuoting{}},
		{"ab_status user", "/ab_status prod user %s", "ann", nil},
	}
	for _, fm := range forms {
		for _, p := range payloads {
			t.Run(fm.name, func(t *testing.T) {
				svc := &Service{Store: newMemStore(flagsPath, runbookFlags), Config: testConfig(t), Authorizer: fm.auth}
				text := strings.ReplaceAll(fm.cmd, "%s", p)
				who := Actor{Name: strings.ReplaceAll(fm.actor, "%s", p), Via: "slack"}
				r := svc.Run(context.Background(), Request{Text: text, Actor: who})
				// Every form is refused, except /ab_status, which answers.
				if r.Outcome == NoChange || (r.Outcome == Done && !strings.HasPrefix(text, "/ab_status")) {
					t.Fatalf("%q: %v %q", text, r.Outcome, r.Text)
				}
				if strings.ContainsAny(r.Text, "\uE000\uE001") {
					t.Errorf("echo marks in Text: %q", r.Text)
				}
				for _, m := range []struct {
					medium Medium
					bad    []string
				}{{Slack, slackBad}, {Markdown, mdBad}, {Terminal, termBad}} {
					got := m.medium.render(r)
					for _, b := range m.bad {
						if strings.Contains(got, b) {
							t.Errorf("%q rendered for %v holds %q raw:\n%q", text, m.medium, b, got)
						}
					}
				}
			})
		}
	}
}

func (m Medium) render(r Reply) string { return r.Render(m) }

func (m Medium) String() string { return [...]string{"terminal", "slack", "markdown"}[m] }

// TestRenderKeepsOurOwnText: only input is escaped; our wording, flag names
// and usage lines stay readable.
func TestRenderKeepsOurOwnText(t *testing.T) {
	svc := &Service{Store: newMemStore(flagsPath, runbookFlags), Config: testConfig(t)}
	r := run(t, svc, "/toggle FF_NAV_FOOTR *on*", "")
	want := map[Medium]string{
		Terminal: `"*on*" is not on, off or default; usage: /toggle <FLAG> on|off|default [env]`,
		Slack:    `"∗on∗" is not on, off or default; usage: /toggle &lt;FLAG&gt; on|off|default [env]`,
		Markdown: `"\*on\*" is not on, off or default; usage: /toggle &lt;FLAG&gt; on|off|default [env]`,
	}
	for m, w := range want {
		if got := r.Render(m); got != w {
			t.Errorf("%v:\n got %q\nwant %q", m, got, w)
		}
	}
	r = run(t, svc, "/toggle FF_NAV_FOOTR on", "")
	if got := r.Render(Slack); got != "unknown flag FF＿NAV＿FOOTR in prod; did you mean FF_NAV_FOOTER?" {
		t.Errorf("slack: %q", got)
	}
	if r.Text != "unknown flag FF_NAV_FOOTR in prod; did you mean FF_NAV_FOOTER?" {
		t.Errorf("text: %q", r.Text)
	}
}

func TestRequestIDOfAnotherCommand(t *testing.T) {
	tests := []struct {
		first, second string
		same          bool
	}{
		{"/canary 10", "/canary 10", true},
		{"/canary 10", "/CANARY   10", true},
		{"/canary 10", "/canary 10%", true},
		{"/canary 10", "/canary 10 %", true},
		{"/canary 10", "/canary 10 prod", true},
		{"/canary 10 prod", "/Canary 10 PROD", true},
		{"/toggle FF_NAV_FOOTER off", "/toggle ff_nav_footer OFF", true},
		{"/toggle FF_NAV_FOOTER off", "/toggle FF_NAV_FOOTER false prod", true},
		{"/rollback", "/rollback prod", true},
		{"/canary 10", "/canary 50", false},
		{"/canary 10", "/canary 10 stage", false},
		{"/canary 10", "/canary 10 --force", false},
		{"/canary 10", "/rollback", false},
		{"/toggle FF_NAV_FOOTER off", "/toggle FF_NAV_FOOTER on", false},
		{"/toggle FF_NAV_FOOTER off", "/toggle FF_NEW_ONBOARDING off", false},
		{"/toggle FF_NAV_FOOTER off", "/rollback FF_NAV_FOOTER", false},
	}
	for _, tt := range tests {
		t.Run(tt.first+" then "+tt.second, func(t *testing.T) {
			store := newMemStore(flagsPath, runbookFlags)
			svc := &Service{Store: store, Config: testConfig(t)}
			first := run(t, svc, tt.first, "T42")
			if first.Outcome != Done {
				t.Fatalf("%v %q", first.Outcome, first.Text)
			}
			state := store.file(flagsPath)
			r := run(t, svc, tt.second, "T42")
			if store.count() != 2 || store.file(flagsPath) != state {
				t.Fatalf("the second command committed")
			}
			if tt.same {
				if r.Outcome != Done || !r.Replayed || r.Commit != first.Commit || !strings.HasPrefix(r.Text, "already done") {
					t.Errorf("%v %q, want already done", r.Outcome, r.Text)
				}
				return
			}
			want := "request id T42 was used for another command (" + tt.first + ", committed " + first.Commit[:7] + "); use a new id"
			if r.Outcome != BadInput || r.Replayed || r.Text != want {
				t.Errorf("%v %q\nwant bad input %q", r.Outcome, r.Text, want)
			}
		})
	}
}

// TestActorNameCannotForgeATrailer: a name is one line in Requested-by, so
// it cannot add a Releasebot-Request of its own, in our reading of trailers
// or in git's.
func TestActorNameCannotForgeATrailer(t *testing.T) {
	for _, name := range []string{
		"eve\nReleasebot-Request: forged", "eve\r\nReleasebot-Request: forged", "eve\rReleasebot-Request: forged",
		"eve\u2028Releasebot-Request: forged", "eve\u0085Releasebot-Request: forged", "eve\n\nReleasebot-Request: forged",
		strings.Repeat("e", 10_000) + "\nReleasebot-Request: forged",
	} {
		store := newMemStore(flagsPath, runbookFlags)
		svc := &Service{Store: store, Config: testConfig(t)}
		r := svc.Run(context.Background(), Request{Text: "/canary 10", Actor: Actor{Name: name, Via: "slack"}, ID: "real-id"})
		if r.Outcome != Done {
			t.Fatalf("%v %q", r.Outcome, r.Text)
		}
		msg := store.lastMessage()
		tr := Trailers(msg)
		id, _ := tr.Get(TrailerRequest)
		by, _ := tr.Get(TrailerRequestedBy)
		if id != "real-id" || tr.Has(TrailerRequest, "forged") || strings.Contains(by, "\n") || utf8.RuneCountInString(by) > 210 {
			t.Errorf("%.30q: trailers %q", name, tr)
		}
		if found, _, _ := store.FindRequest(context.Background(), "forged"); found.SHA != "" {
			t.Errorf("%.30q: the forged id is found", name)
		}
		cmd := exec.Command("git", "interpret-trailers", "--parse")
		cmd.Stdin = strings.NewReader(msg)
		out, err := cmd.Output()
		if err != nil {
			t.Skipf("git interpret-trailers: %v", err)
		}
		var ids []string
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(line, TrailerRequest+": "); ok {
				ids = append(ids, v)
			}
		}
		if len(ids) != 1 || ids[0] != "real-id" {
			t.Errorf("%.30q: git reads request ids %q in\n%.300s", name, ids, out)
		}
	}
	// A request id is one line too.
	for _, id := range []string{"a\nReleasebot-Request: b", "a\u2028b", " a", "a\x1b[2J", strings.Repeat("i", 300)} {
		store := newMemStore(flagsPath, runbookFlags)
		svc := &Service{Store: store, Config: testConfig(t)}
		if r := run(t, svc, "/canary 10", id); r.Outcome != BadInput || store.count() != 1 || strings.Contains(r.Render(Terminal), "\x1b") {
			t.Errorf("id %.30q: %v %q", id, r.Outcome, r.Text)
		}
	}
}

// TestGateReasonIsOneShortLine: what a health endpoint or Sentry answered is
// quoted one line, cut, and with Slack's <, > and & escaped.
func TestGateReasonIsOneShortLine(t *testing.T) {
	for _, reason := range []string{
		"https://stage/health answered 503: <!channel>\nsecond line",
		strings.Repeat("x", 100_000),
	} {
		svc := &Service{Store: newMemStore(flagsPath, runbookFlags), Config: testConfig(t), Gate: &fakeGate{err: &GateError{Check: "health", Reason: reason}}}
		r := run(t, svc, "/canary 10", "")
		if r.Outcome != Refused || strings.Contains(r.Text, "\n") || utf8.RuneCountInString(r.Text) > 400 {
			t.Errorf("%v %.300q", r.Outcome, r.Text)
		}
		if got := r.Render(Slack); strings.Contains(got, "<!channel>") {
			t.Errorf("slack render %q", got)
		}
	}
}
