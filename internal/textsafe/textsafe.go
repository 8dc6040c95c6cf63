// Package textsafe renders text that came from outside (a command, a user
// name, a commit subject, a flag name) inert for where it is echoed: a Slack
// message, GitHub Markdown or a terminal. Every reply, error and rendered file
// that quotes input goes through one of these, after Cut.
//
// Written by hand: the escapers of html and net/url do not know Slack's
// mrkdwn, GitHub's mentions or terminal control sequences.
package textsafe

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// wordJoiner is an invisible character put after "@" so that "@here" or
// "@octocat" is shown as typed but notifies nobody.
const wordJoiner = "\u2060"

// Cut shortens s to at most max runes, ending in "…" when it cut. It never
// splits a UTF-8 sequence; invalid bytes become U+FFFD.
func Cut(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if max <= 0 || utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// OneLine folds every line break, tab and other control character of s into
// one space and trims the ends, so the result cannot start a new line in a
// commit message, a log line or a reply.
func OneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if isBreak(r) || unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// isBreak is a control or format character that could move the cursor,
// start a line, or hide text: C0, DEL, C1, line and paragraph separators and
// the bidirectional overrides.
func isBreak(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == '\u2028', r == '\u2029', r == '\u0085':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// Terminal removes escape sequences and control characters from s, keeping
// newlines and tabs, so that printing it cannot recolour, move or clear the
// user's terminal.
func Terminal(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r == '\n' || r == '\t' || !isBreak(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Slack escapes s for Slack mrkdwn text: &, < and > as Slack requires (so
// "<!channel>" or "<@U123>" is shown, not acted on), the formatting marks so
// "*bold*" stays as typed, and "@here"-style words so they notify nobody.
func Slack(s string) string {
	s = slackEscaper.Replace(s)
	return breakMentions(s)
}

var slackEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	"*", "\u2217", // asterisk operator: looks the same, formats nothing
	"_", "\uff3f", "~", "\u223c", "`", "\u02cb",
)

// Markdown escapes s for inline GitHub Markdown: HTML and Markdown markup are
// shown as typed, and "@login" mentions notify nobody. The result is one line.
func Markdown(s string) string {
	s = markdownEscaper.Replace(OneLine(s))
	return breakMentions(s)
}

var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "~", `\~`,
	"[", `\[`, "]", `\]`, "|", `\|`, "#", `\#`, "!", `\!`,
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
)

// breakMentions puts a word joiner after every "@" that precedes a letter,
// digit or another mention character, so no service reads a mention there.
func breakMentions(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i, r := range s {
		b.WriteRune(r)
		if r != '@' {
			continue
		}
		next, _ := utf8.DecodeRuneInString(s[i+1:])
		if unicode.IsLetter(next) || unicode.IsDigit(next) || next == '-' || next == '_' || next == '!' {
			b.WriteString(wordJoiner)
		}
	}
	return b.String()
}

// Code returns s as an inline Markdown code span, with a fence longer than
// any run of backticks inside, one line.
func Code(s string) string {
	s = OneLine(s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}
