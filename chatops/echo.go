package chatops

import (
	"strings"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Medium is where a reply is shown; each needs outside input made inert its
// own way.
type Medium int

// Media a reply renders for.
const (
	Terminal Medium = iota // a terminal: no escape sequences or control characters
	Slack                  // Slack mrkdwn: no mentions, links or formatting from input
	Markdown               // GitHub Markdown: no mentions, HTML or markup from input
)

// Echoed input is marked in reply and error texts with two private-use runes
// so that Render can escape exactly what came from outside and keep our own
// wording (flag names with underscores, "→", usage lines) as written. Text
// and Error() never show the marks.
const (
	echoOpen  = '\uE000'
	echoClose = '\uE001'
)

// echo is input as it may appear in a reply: one line, at most limits.Echo
// runes, marked for Render. Marks typed by the user are dropped first, so input
// cannot end its own span early.
func echo(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == echoOpen || r == echoClose {
			return -1
		}
		return r
	}, s)
	return string(echoOpen) + textsafe.Cut(textsafe.OneLine(s), limits.Echo) + string(echoClose)
}

// echoQ is echo in double quotes, as %q would show a word, without %q's
// escapes of non-ASCII text.
func echoQ(s string) string { return `"` + echo(s) + `"` }

// plain removes the echo marks, leaving the text the user reads.
func plain(s string) string {
	if !strings.ContainsAny(s, string(echoOpen)+string(echoClose)) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == echoOpen || r == echoClose {
			return -1
		}
		return r
	}, s)
}

// Render returns the reply's text for a medium. Every piece of input the text
// quotes (a command word, a flag or environment name as typed, an actor's
// name, a request id) is already one line and cut to limits.Echo runes; Render
// escapes those pieces for the medium with internal/textsafe. Our own text is
// kept as written, with only what the medium would misread escaped: &, < and >
// for Slack and Markdown ("/canary <0-100>" is not a link or a tag), control
// characters for a terminal.
func (r Reply) Render(m Medium) string {
	src := r.marked
	if src == "" {
		src = r.Text
	}
	var b strings.Builder
	for {
		i := strings.IndexRune(src, echoOpen)
		if i < 0 {
			b.WriteString(renderOwn(plain(src), m))
			break
		}
		b.WriteString(renderOwn(plain(src[:i]), m))
		rest := src[i+len(string(echoOpen)):]
		j := strings.IndexRune(rest, echoClose)
		if j < 0 {
			j = len(rest)
		}
		b.WriteString(renderEchoed(plain(rest[:j]), m))
		if j == len(rest) {
			break
		}
		src = rest[j+len(string(echoClose)):]
	}
	return b.String()
}

var ownEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func renderOwn(s string, m Medium) string {
	switch m {
	case Slack, Markdown:
		return ownEscaper.Replace(s)
	}
	return textsafe.Terminal(s)
}

func renderEchoed(s string, m Medium) string {
	switch m {
	case Slack:
		return textsafe.Slack(s)
	case Markdown:
		return textsafe.Markdown(s)
	}
	return textsafe.Terminal(s)
}
