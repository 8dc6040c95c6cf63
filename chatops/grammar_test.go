package chatops

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Command
	}{
		{"/canary 50", Command{Name: Canary, Percent: 50}},
		{"/canary 50%", Command{Name: Canary, Percent: 50}},
		{"  /CANARY   50 %   stage ", Command{Name: Canary, Percent: 50, Env: "stage"}},
		{"/canary 100 prod --force", Command{Name: Canary, Percent: 100, Env: "prod", Force: true}},
		{"/canary --force 0", Command{Name: Canary, Percent: 0, Force: true}},
		{"/canary 100 —force", Command{Name: Canary, Percent: 100, Force: true}},
		{"/rollback", Command{Name: Rollback}},
		{"/rollback FF_NAV_FOOTER", Command{Name: Rollback, Flag: "FF_NAV_FOOTER"}},
		{"/rollback FF_NAV_FOOTER stage", Command{Name: Rollback, Flag: "FF_NAV_FOOTER", Env: "stage"}},
		{"/toggle FF_NEW_ONBOARDING on", Command{Name: Toggle, Flag: "FF_NEW_ONBOARDING", Value: ValueOn}},
		{"/toggle FF_NEW_ONBOARDING OFF stage", Command{Name: Toggle, Flag: "FF_NEW_ONBOARDING", Value: ValueOff, Env: "stage"}},
		{"/toggle FF_NEW_ONBOARDING default", Command{Name: Toggle, Flag: "FF_NEW_ONBOARDING", Value: ValueDefault}},
		{"/ab_status", Command{Name: ABStatus}},
		{"/ab-status prod user 42", Command{Name: ABStatus, Env: "prod", User: "42"}},
		{"/ab_status user u-1", Command{Name: ABStatus, User: "u-1"}},
		{"/release status", Command{Name: ReleaseStatus}},
		{"/release", Command{Name: ReleaseStatus}},
		{"/help", Command{Name: Help}},
		{"/help /toggle", Command{Name: Help, Topic: "toggle"}},
		{"/release help", Command{Name: Help, Topic: "release"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r := Parse(tt.in)
			if r.Error != "" || r.Command == nil {
				t.Fatalf("error %q", r.Error)
			}
			got := *r.Command
			got.Text = ""
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/canary", "missing the percentage; usage: /canary <0-100>[%] [env] [--force]"},
		{"/canary 150", "canary percentage must be 0 to 100, got 150; usage: /canary <0-100>[%] [env] [--force]"},
		{"/canary -5", `canary percentage must be 0 to 100, got -5; usage: /canary`},
		{"/canary fifty", `"fifty" is not a percentage; usage: /canary`},
		{"/canary 50 prod extra", `unexpected "extra"; usage: /canary`},
		{"/toggle FF_X", "missing the flag or its value; usage: /toggle <FLAG> on|off|default [env]"},
		{"/toggle FF_X maybe", `"maybe" is not on, off or default; usage: /toggle`},
		{"/toggle <FLAG> off", "<FLAG> is a placeholder: name the flag, e.g. FF_NEW_ONBOARDING; usage: /toggle"},
		{"/rollback a b c", `unexpected "c"; usage: /rollback [FLAG] [env]`},
		{"/ab_status prod stage", `unexpected "stage"; usage: /ab_status [env] [user <id>]`},
		{"/ab_status user", "user needs an id; usage: /ab_status"},
		{"/release notes", `unknown /release subcommand "notes"; usage: /release status`},
		{"/canery 50", "unknown command /canery; did you mean /canary? usage: /canary <0-100>[%] [env] [--force]"},
		{"/deploy", "unknown command /deploy; commands are /canary, /rollback, /toggle, /ab_status, /release, /help (try /help)"},
		{"/help nothing", "no command /nothing; usage: /help [command]"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r := Parse(tt.in)
			if r.Command != nil {
				t.Fatalf("parsed as %+v", r.Command)
			}
			if !strings.HasPrefix(r.Error, tt.want) {
				t.Errorf("got  %q\nwant %q", r.Error, tt.want)
			}
			if strings.Contains(r.Error, "\n") {
				t.Errorf("error is more than one line: %q", r.Error)
			}
		})
	}
}

func TestParseComment(t *testing.T) {
	tests := []struct {
		name, body string
		want       Name // 0: ignored
		err        bool
	}{
		{"command on its own", "/canary 50", Canary, false},
		// One command is one line, the comment's first: a command further
		// down is prose (it could be a quote of what someone else ran).
		{"after prose", "Looks good to me.\n\n/canary 50\nthanks", 0, false},
		{"leading blank lines", "\r\n  \n/canary 50\r\nthanks", Canary, false},
		{"prose after the command", "/canary 50\nstage", Canary, false},
		{"unicode line separator", "/canary 0\u2028stage", Canary, false},
		{"first command wins", "/ab_status\n/rollback", ABStatus, false},
		{"path is not a command", "/metrics looks fine, /health too", 0, false},
		{"inside a code fence", "```\n/rollback\n```\n", 0, false},
		{"quoted", "> /rollback\nno", 0, false},
		{"no command", "LGTM", 0, false},
		{"near miss answered", "/rolback", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ParseComment(tt.body)
			switch {
			case tt.err:
				if r.Error == "" {
					t.Errorf("want an error, got %+v", r)
				}
			case tt.want == 0:
				if !r.Ignore {
					t.Errorf("want ignored, got %+v", r)
				}
			default:
				if r.Command == nil || r.Command.Name != tt.want {
					t.Errorf("got %+v", r)
				}
			}
		})
	}
}

// runbookCommands are the commands written in the team's runbook, read from
// the copies the module keeps in releasenotes/testdata (a test of the
// releasenotes package holds the built-in runbook equal to the English one),
// so the test runs on every clean clone. A missing copy fails the test.
func runbookCommands(t testing.TB) []string {
	var out []string
	re := regexp.MustCompile("`(/[a-z_]+(?: [^`]*)?)`")
	for _, p := range []string{"../releasenotes/testdata/RUNBOOK.en.md", "../releasenotes/testdata/RUNBOOK.ru.md"} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("read the runbook copy: %v", err)
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			out = append(out, m[1])
		}
	}
	return out
}

func TestRunbookCommandsParse(t *testing.T) {
	cmds := runbookCommands(t)
	// Both runbooks name the rollout commands many times; a handful would
	// mean the pattern stopped matching and the test pins nothing.
	if len(cmds) < 10 {
		t.Fatalf("found only %d commands in the runbooks: %q", len(cmds), cmds)
	}
	for _, c := range cmds {
		r := Parse(c)
		switch {
		case strings.Contains(c, "<FLAG>"):
			if !strings.Contains(r.Error, "placeholder") {
				t.Errorf("%q: want the placeholder error, got %+v", c, r)
			}
		case c == "/start", c == "/admin/dashboard?token=<STAGE_TOKEN>", strings.HasPrefix(c, "/health"), strings.HasPrefix(c, "/metrics"):
			// Paths and the product's own bot commands, not ours.
		default:
			if r.Command == nil {
				t.Errorf("%q does not parse: %s", c, r.Error)
			}
		}
	}
}

func TestHelpComesFromTheTable(t *testing.T) {
	h := HelpText("")
	for _, s := range Specs {
		if !strings.Contains(h, s.Usage) {
			t.Errorf("help lacks %q", s.Usage)
		}
		// Every example in the table parses.
		if r := Parse(s.Example); r.Command == nil {
			t.Errorf("example %q: %s", s.Example, r.Error)
		}
	}
	if one := HelpText("toggle"); !strings.Contains(one, "/toggle") || strings.Contains(one, "/canary") {
		t.Errorf("help toggle: %q", one)
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range runbookCommands(f) {
		f.Add(c)
	}
	for _, s := range Specs {
		f.Add(s.Example)
		f.Add(s.Usage)
	}
	f.Add("/canary 50 % prod --force")
	f.Add("/ab_status user")
	f.Fuzz(func(t *testing.T, in string) {
		r := Parse(in)
		n := 0
		if r.Command != nil {
			n++
		}
		if r.Error != "" {
			n++
			if strings.Contains(r.Error, "\n") {
				t.Fatalf("multi-line error %q", r.Error)
			}
		}
		if r.Ignore {
			n++
		}
		if n != 1 {
			t.Fatalf("Parse(%q) = %+v: want exactly one of command, error, ignore", in, r)
		}
		if c := r.Command; c != nil && c.Name == Canary && (c.Percent < 0 || c.Percent > 100) {
			t.Fatalf("percent %d accepted", c.Percent)
		}
		ParseComment(in)
	})
}
