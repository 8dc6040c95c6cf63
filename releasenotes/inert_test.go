package releasenotes

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/releasebot/releasebot/internal/limits"
)

// hostile are texts written to do harm where the notes echo them.
var hostile = []string{
	"<img src=x onerror=alert(1)>",
	"<!-- everything after this is hidden",
	"<details><summary>open</summary>",
	"<script>alert(1)</script>",
	"@here", "@channel", "@octocat", "@acme/security", "<!channel>", "<!here>", "<@U123>", "<#C123>",
	"*bold* _it_ ~~gone~~ `code`",
	"[x](javascript:alert(1))", "![i](https://evil.example/p.png)", "[click](https://evil.example)",
	"# heading", "| a | b |", "a\nb\r\nc\u2028d", "&#60;b&#62; &lt;i&gt;",
	"\u202eevil\u202c", strings.Repeat("long ", 2000),
}

// mentionRe finds an @ that would mention someone: before a letter, digit
// or another mention character, with no word joiner in between.
var mentionRe = regexp.MustCompile(`@[\p{L}\p{N}_!-]`)

// hostileNotes puts every hostile text in every field the notes echo.
func hostileNotes(t *testing.T) *Notes {
	h := &History{Previous: Tag{Name: "v1.0.0"}, From: "v1.0.0", To: "HEAD"}
	at := time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
	var o Options
	o.RepoURL = testRepoURL
	o.FlagsFile = ".release/flags.yaml"
	for i, x := range hostile {
		one := strings.ReplaceAll(x, "\n", " ")
		msgs := []string{
			"feat(" + strings.NewReplacer("(", "", ")", "").Replace(one) + "): " + one,
			"fix: " + one + "\n\nBREAKING CHANGE: " + x + "\n- item\n---\n1. one",
			one,
		}
		for j, msg := range msgs {
			c := NewChange(strings.Repeat(string(rune('a'+j)), 8)+strings.Repeat("0", 30)+string(rune('a'+i%26))+"0", Person{Name: one, Email: "x@example.com"}, baseDate, msg)
			if j == 0 {
				c.PR = &PullRequest{Number: i + 1, Title: one, Labels: []string{one}, Author: "octocat", URL: "javascript:alert(1)"}
			}
			c.CoAuthors = []Person{{Name: one}, {Login: one}}
			h.Changes = append(h.Changes, c)
		}
		o.TouchedFlags = append(o.TouchedFlags, one)
		o.Flags = append(o.Flags, FlagState{Name: one, Env: one, Override: one})
		o.Audit.Rows = append(o.Audit.Rows, AuditRow{Check: one, Status: AuditWarn, Reason: x, Evidence: x})
		o.Prod.Notes = append(o.Prod.Notes, x)
		o.RolloutLog = append(o.RolloutLog, RolloutEntry{When: at, Who: x, Command: x, Change: x})
	}
	h.Commits = len(h.Changes)
	return buildNotes(t, h, o)
}

// TestNotesInert renders notes whose every echoed field is hostile and
// checks the whole RELEASE_NOTES.md: no HTML, no mention, no heading, link
// or table row of the input's making, no line too long.
func TestNotesInert(t *testing.T) {
	t.Parallel()
	n := hostileNotes(t)
	// The data is cut too, for --format json and a team's own template.
	for _, sec := range n.Sections {
		for _, e := range sec.Entries {
			if utf8.RuneCountInString(e.Description) > MaxEcho || utf8.RuneCountInString(e.Scope) > limits.Echo ||
				utf8.RuneCountInString(e.Author) > limits.Echo+1 || utf8.RuneCountInString(e.BreakingNote) > MaxNote {
				t.Errorf("an entry not cut: %d, %d, %d, %d runes", utf8.RuneCountInString(e.Description), utf8.RuneCountInString(e.Scope),
					utf8.RuneCountInString(e.Author), utf8.RuneCountInString(e.BreakingNote))
			}
		}
	}
	for _, c := range n.Contributors {
		if utf8.RuneCountInString(c.Name) > limits.Echo+1 {
			t.Errorf("a contributor of %d runes", utf8.RuneCountInString(c.Name))
		}
	}
	doc := Markdown(n)
	// Code spans show their text as typed, HTML and mentions included.
	text := stripCode(doc)
	markers := regexp.MustCompile(`<!-- /?releasebot:[a-z-]+ -->`)
	if i := strings.IndexByte(markers.ReplaceAllString(text, ""), '<'); i >= 0 {
		t.Errorf("raw < in the notes: %q", doc[max(0, i-40):min(len(doc), i+40)])
	}
	if m := mentionRe.FindAllString(text, 5); m != nil {
		t.Errorf("mentions %q", m)
	}
	for _, bad := range []string{"\u202e", "\u2028"} {
		if strings.Contains(text, bad) {
			t.Errorf("the notes hold %q", bad)
		}
	}
	if m := regexp.MustCompile(`[^\\]\]\(javascript:`).FindString(text); m != "" {
		t.Errorf("a javascript: link: %q", m)
	}
	cols := 0
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(l, "#") && !strings.HasPrefix(l, "# v0.1.0 (") && !strings.HasPrefix(l, "## ") && !strings.HasPrefix(l, "### ") {
			t.Errorf("a heading of the input's making: %q", l)
		}
		if strings.HasPrefix(l, "## ") && !strings.Contains("## ⚠️ Breaking changes## Features## Bug fixes## Reverts## Other changes## Contributors## Feature flags## STAGE checklist## PROD rollout## Rollback plan## Self-audit## PROD## Rollout log", l) {
			t.Errorf("a heading of the input's making: %q", l)
		}
		// Each echoed piece is cut: a breaking note and a table cell to
		// MaxNote runes, any other to MaxEcho.
		if long := longRun(l); long > MaxNote/5 || long > MaxEcho/5 && !strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "| ") {
			t.Errorf("%d times \"long\" in a row: %.80q…", long, l)
		}
		// A table row has as many cells as its header.
		if strings.HasPrefix(l, "| ") {
			n := strings.Count(strings.ReplaceAll(strings.ReplaceAll(l, `\\`, ""), `\|`, ""), "|")
			if strings.HasPrefix(l, "| Flag |") || strings.HasPrefix(l, "| Check |") || strings.HasPrefix(l, "| When |") {
				cols = n
			} else if n != cols {
				t.Errorf("a table row with %d pipes, the header %d: %.120q", n, cols, l)
			}
		}
	}
	for _, want := range []string{`\*bold\* \_it\_ \~\~gone\~\~ \` + "`code\\`", `&lt;\!-- everything after this is hidden`, `@` + "\u2060" + `here`} {
		if !strings.Contains(doc, want) {
			t.Errorf("the notes do not show %q as typed", want)
		}
	}
}

func TestMD(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain words":                        "plain words",
		"FF_NEW_ONBOARDING and a_b_c":        "FF_NEW_ONBOARDING and a_b_c",
		"_it_ __b__ a_ _b x_\u0416 \u0416_9": `\_it\_ \_\_b\_\_ a\_ \_b x_Ж Ж_9`,
		`a\_b`:                               `a\\\_b`,
		"@here @octocat a@b.c":               "@\u2060here @\u2060octocat a@\u2060b.c",
		"<!channel> <b>":                     "&lt;\\!channel&gt; &lt;b&gt;",
		"two\nlines":                         "two lines",
		"trailing\\":                         `trailing\\`,
	} {
		if got := md(in); got != want {
			t.Errorf("md(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParagraphs(t *testing.T) {
	t.Parallel()
	in := "first line\r\nsecond *line*\n\n- a list\n+ plus\n---\n===\n> quote\n12. twelve\n3) three\n# heading\n@here"
	want := "first line\nsecond \\*line\\*\n\n\\- a list\n\\+ plus\n\\---\n\\===\n&gt; quote\n12\\. twelve\n3\\) three\n\\# heading\n@\u2060here"
	if got := paragraphs(in); got != want {
		t.Errorf("paragraphs:\n got %q\nwant %q", got, want)
	}
}

func TestLink(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ text, url, want string }{
		{"a", "https://x.example/a", "[a](https://x.example/a)"},
		{"a", "", "a"},
		{"a", "javascript:alert(1)", "a"},
		{"a", "data:text/html,<b>", "a"},
		{"a", "https://x.example/a) [b](https://evil", "[a](https://x.example/a%29%20[b]%28https://evil)"},
		{"a", "https://x.example/<script>\n", "[a](https://x.example/%3Cscript%3E%0A)"},
	} {
		if got := link(tt.text, tt.url); got != tt.want {
			t.Errorf("link(%q, %q) = %q, want %q", tt.text, tt.url, got, tt.want)
		}
	}
}

func TestProfileURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ base, login, want string }{
		{"https://github.com", "octocat", "https://github.com/octocat"},
		{"https://ghe.example.com", "dana-ops", "https://ghe.example.com/dana-ops"},
		{"https://github.com", "dependabot[bot]", "https://github.com/apps/dependabot"},
		{"https://github.com", "-bad", ""},
		{"https://github.com", "a--b", ""},
		{"https://github.com", "x/../../evil", ""},
		{"https://github.com", "here <!channel>", ""},
		{"https://github.com", strings.Repeat("a", 40), ""},
		{"", "octocat", ""},
	} {
		if got := profileURL(tt.base, tt.login); got != tt.want {
			t.Errorf("profileURL(%q, %q) = %q, want %q", tt.base, tt.login, got, tt.want)
		}
	}
	for in, want := range map[string]string{testRepoURL: "https://github.com", "": "", "git@github.com:a/b": "", "javascript:x": ""} {
		if got := profileBase(in); got != want {
			t.Errorf("profileBase(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSlackPreviewInert: the preview quotes the reason, titles, the runbook
// path and flag names inert for Slack.
func TestSlackPreviewInert(t *testing.T) {
	t.Parallel()
	none := buildNotes(t, &History{From: "<!channel> @here *now*"}, Options{})
	if got := SlackPreview(none); got != "No release: no commits since &lt;!channel&gt; @\u2060here ∗now∗.\n" {
		t.Errorf("no release: %q", got)
	}
	n := hostileNotes(t)
	n.Runbook.Source = "<!here>.md"
	got := SlackPreview(n)
	if strings.ContainsAny(got, "<>*`~") || mentionRe.MatchString(got) {
		t.Errorf("the preview is not inert:\n%s", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if long := longRun(l); long > 200/5 {
			t.Errorf("%d times \"long\" in a row: %.80q…", long, l)
		}
	}
}

// longRun is the longest run of "long " in s, from the hostile text that
// repeats it 2000 times.
func longRun(s string) int {
	most := 0
	for _, m := range regexp.MustCompile(`(?:long ?)+`).FindAllString(s, -1) {
		most = max(most, strings.Count(m, "long"))
	}
	return most
}

// stripCode removes the code spans of a Markdown document: a run of
// backticks up to the next run of the same length on the line.
func stripCode(doc string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(doc, "\n") {
		for {
			i := strings.IndexByte(line, '`')
			if i < 0 {
				b.WriteString(line)
				break
			}
			k := i
			for k < len(line) && line[k] == '`' {
				k++
			}
			fence, end := line[i:k], -1
			for j := k; j < len(line); {
				x := strings.Index(line[j:], fence)
				if x < 0 {
					break
				}
				x += j
				y := x + len(fence)
				if y < len(line) && line[y] == '`' || line[x-1] == '`' {
					for y < len(line) && line[y] == '`' {
						y++
					}
					j = y
					continue
				}
				end = y
				break
			}
			if end < 0 {
				b.WriteString(line[:k])
				line = line[k:]
				continue
			}
			b.WriteString(line[:i])
			line = line[end:]
		}
	}
	return b.String()
}
