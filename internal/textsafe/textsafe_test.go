package textsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven ch…"},
		{"привет мир", 5, "прив…"},
		{"a\xffb", 10, "a\uFFFDb"},
		{"anything", 0, "anything"},
	} {
		if got := Cut(tc.in, tc.max); got != tc.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
	long := strings.Repeat("я", 100000)
	if got := Cut(long, 200); utf8.RuneCountInString(got) != 200 || !utf8.ValidString(got) {
		t.Errorf("Cut of 100000 runes gave %d runes", utf8.RuneCountInString(got))
	}
}

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"/canary 0\nstage":               "/canary 0 stage",
		"a\r\nb\rc":                      "a b c",
		"  padded\t ":                    "padded",
		"ann\u2028Releasebot-Request: x": "ann Releasebot-Request: x",
		"evil\u202eoverride":             "evil override",
		"bell\x07\x1b[31mred":            "bell [31mred",
		"":                               "",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTerminal(t *testing.T) {
	in := "ok\n\x1b[2J\x1b]0;title\x07tab\there\r"
	if got, want := Terminal(in), "ok\n[2J]0;titletab\there"; got != want {
		t.Errorf("Terminal = %q, want %q", got, want)
	}
}

func TestSlackIsInert(t *testing.T) {
	for _, in := range []string{"<!channel>", "<@U123>", "<!here|here>", "@here", "@channel", "*bold*", "_it_", "~s~", "`code`", "<https://evil|click>"} {
		got := Slack(in)
		for _, bad := range []string{"<", ">", "*", "_", "~", "`", "@here", "@channel"} {
			if strings.Contains(got, bad) {
				t.Errorf("Slack(%q) = %q still holds %q", in, got, bad)
			}
		}
	}
	if got := Slack("a & b <!channel>"); got != "a &amp; b &lt;!channel&gt;" {
		t.Errorf("Slack = %q", got)
	}
}

func TestMarkdownIsInert(t *testing.T) {
	for in, want := range map[string]string{
		"<img src=x onerror=alert(1)>": "&lt;img src=x onerror=alert(1)&gt;",
		"*bold* _it_":                  `\*bold\* \_it\_`,
		"[click](https://evil)":        `\[click\](https://evil)`,
		"@octocat hi":                  "@\u2060octocat hi",
		"mail a@b.c":                   "mail a@\u2060b.c",
		"# heading\nline":              `\# heading line`,
		"a | b":                        `a \| b`,
	} {
		if got := Markdown(in); got != want {
			t.Errorf("Markdown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCode(t *testing.T) {
	for in, want := range map[string]string{
		"/canary 50": "`/canary 50`",
		"a`b":        "``a`b``",
		"`x`":        "`` `x` ``",
		"two\nlines": "`two lines`",
	} {
		if got := Code(in); got != want {
			t.Errorf("Code(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzInert(f *testing.F) {
	for _, s := range []string{"<!channel>", "@here\n/canary 0", "\x1b[31m", "`", "привет"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := OneLine(s); strings.ContainsAny(got, "\r\n\u2028\u2029\x85") {
			t.Fatalf("OneLine(%q) = %q holds a line break", s, got)
		}
		if got := Slack(s); strings.ContainsAny(got, "<>*_~`") {
			t.Fatalf("Slack(%q) = %q holds markup", s, got)
		}
		if got := Markdown(s); strings.ContainsAny(got, "<>\n") {
			t.Fatalf("Markdown(%q) = %q holds HTML or a newline", s, got)
		}
		if got := Terminal(s); strings.ContainsRune(got, '\x1b') {
			t.Fatalf("Terminal(%q) = %q holds ESC", s, got)
		}
		if got := Cut(s, 20); utf8.RuneCountInString(got) > 20 || !utf8.ValidString(got) {
			t.Fatalf("Cut(%q, 20) = %q", s, got)
		}
	})
}
