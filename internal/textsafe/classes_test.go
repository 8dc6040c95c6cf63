package textsafe

import (
	"strings"
	"testing"
)

// breakers are one character of each class that can start a line, move the
// cursor or hide text: C0, DEL, C1 (NEL, CSI), the Unicode line and
// paragraph separators, the bidirectional embeddings, overrides and isolates.
var breakers = map[string]rune{
	"NUL": 0x00, "BS": 0x08, "LF": '\n', "VT": 0x0b, "FF": 0x0c, "CR": '\r', "ESC": 0x1b, "US": 0x1f,
	"DEL": 0x7f,
	"PAD": 0x80, "NEL": 0x85, "CSI": 0x9b, "APC": 0x9f,
	"LINE SEPARATOR": 0x2028, "PARAGRAPH SEPARATOR": 0x2029,
	"LRE": 0x202a, "RLE": 0x202b, "PDF": 0x202c, "LRO": 0x202d, "RLO": 0x202e,
	"LRI": 0x2066, "RLI": 0x2067, "FSI": 0x2068, "PDI": 0x2069,
}

// TestEveryBreakerClass: OneLine folds each into a space, Terminal drops each
// (but a newline and a tab), Markdown and Code are one line without it.
func TestEveryBreakerClass(t *testing.T) {
	for name, r := range breakers {
		in := "ann" + string(r) + "Releasebot-Request: x"
		if got := OneLine(in); got != "ann Releasebot-Request: x" {
			t.Errorf("%s: OneLine = %q", name, got)
		}
		wantTerm := "annReleasebot-Request: x"
		if r == '\n' {
			wantTerm = in
		}
		if got := Terminal(in); got != wantTerm {
			t.Errorf("%s: Terminal = %q, want %q", name, got, wantTerm)
		}
		for what, got := range map[string]string{"Markdown": Markdown(in), "Code": Code(in)} {
			if strings.ContainsRune(got, r) {
				t.Errorf("%s: %s = %q keeps it", name, what, got)
			}
		}
	}
	if got := Terminal("a\tb"); got != "a\tb" {
		t.Errorf("Terminal drops a tab: %q", got)
	}
}

// TestMentionsOfEveryShape: "@" before a letter (any script), a digit or
// "-" gets a word joiner in Slack and Markdown, and before "!" in Slack; an
// "@" before a space or at the end is left alone. ("_" is escaped first,
// which already breaks a mention.)
func TestMentionsOfEveryShape(t *testing.T) {
	if got := Slack("@!channel"); !strings.Contains(got, "@"+wordJoiner) {
		t.Errorf("Slack(@!channel) = %q, a live mention", got)
	}
	for _, in := range []string{"@here", "@octocat", "@42", "@-team", "@Ёжик"} {
		for what, got := range map[string]string{"Slack": Slack(in), "Markdown": Markdown(in)} {
			if !strings.Contains(got, "@"+wordJoiner) {
				t.Errorf("%s(%q) = %q, a live mention", what, in, got)
			}
		}
	}
	for _, in := range []string{"a @ b", "end @", "mail@"} {
		if got := Slack(in); strings.Contains(got, wordJoiner) {
			t.Errorf("Slack(%q) = %q, joiner where no mention is", in, got)
		}
	}
}

// TestCodeFenceAtEitherEnd: a backtick at the start or at the end of the
// text gets the padded form, so the span neither opens early nor closes late.
func TestCodeFenceAtEitherEnd(t *testing.T) {
	for in, want := range map[string]string{
		"a`":    "`` a` ``",
		"`a":    "`` `a ``",
		"x``":   "``` x`` ```",
		"a`b`c": "``a`b`c``",
	} {
		if got := Code(in); got != want {
			t.Errorf("Code(%q) = %q, want %q", in, got, want)
		}
	}
}
