package slack

import (
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// inert makes one piece of outside text (a commit subject, a name, a
// runbook line) inert for Slack mrkdwn, on one line, cut to max runes
// before escaping.
func inert(s string, max int) string {
	return textsafe.Slack(textsafe.Cut(textsafe.OneLine(s), max))
}

// runes counts characters as Slack does for its limits.
func runes(s string) int { return utf8.RuneCountInString(s) }

// fitEscaped splits raw outside text into an escaped head of at most max
// characters (counted after escaping, so "&lt;" is four) and the raw rest.
// It prefers to break at a space in the second half of the head, and adds
// "…" when it breaks. Escaping after cutting keeps entities whole.
func fitEscaped(raw string, max int) (head, rest string) {
	raw = textsafe.OneLine(raw)
	if e := mrkdwn(raw); runes(e) <= max {
		return e, ""
	}
	r := []rune(raw)
	// The longest prefix whose escaped form and "…" fit: escaping only
	// grows text, so binary search on the prefix length.
	lo, hi := 0, len(r)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if runes(mrkdwn(string(r[:mid]))) <= max-1 {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	cut := lo
	if sp := strings.LastIndexByte(string(r[:lo]), ' '); sp >= 0 {
		if at := utf8.RuneCountInString(string(r[:lo])[:sp]); at > lo/2 {
			cut = at
		}
	}
	return strings.TrimRight(mrkdwn(string(r[:cut])), " ") + "…", strings.TrimLeft(string(r[cut:]), " ")
}

// codeSpanRe is the content of an inline code span that may stay one in
// Slack: plain characters only, so nothing in it can be a mention, a link
// or an entity.
var codeSpanRe = regexp.MustCompile(`^[A-Za-z0-9_./%:=+,#() -]{1,100}$`)

// mrkdwn is textsafe.Slack for text the team wrote in Markdown (a runbook
// item): a closed inline code span holding only plain characters
// (codeSpanRe) stays a code span, so "/ab_status" or "CANARY_PERCENT=0"
// can be copied from Slack as typed; everything else is escaped, look-alike
// marks and all.
func mrkdwn(s string) string {
	parts := strings.Split(s, "`")
	if len(parts) < 3 {
		return textsafe.Slack(s)
	}
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i%2 == 0:
			b.WriteString(textsafe.Slack(p))
		case i+1 < len(parts) && codeSpanRe.MatchString(p):
			b.WriteString("`" + p + "`")
		case i+1 < len(parts):
			b.WriteString(textsafe.Slack("`" + p + "`"))
		default:
			b.WriteString(textsafe.Slack("`" + p))
		}
	}
	return b.String()
}

// flagRe is a flag name that can stand in a code span as is.
var flagRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,99}$`)

// flagName writes a flag name as a code span, or inert text when it is not
// a plain name.
func flagName(f string) string {
	if flagRe.MatchString(f) {
		return "`" + f + "`"
	}
	return inert(f, limits.Echo)
}

// safeURL reports whether u can stand inside a Slack link "<u|label>": an
// http(s) URL with a host, no credentials and none of the characters that
// end or split a link.
func safeURL(u string) bool {
	if u == "" || len(u) > 2000 || strings.ContainsAny(u, " <>|\"`\t\r\n") {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" && p.User == nil
}

// link writes a mrkdwn link to u labelled with label (already escaped), or
// just the label when u is not a safe URL.
func link(u, label string) string {
	if !safeURL(u) {
		return label
	}
	label = strings.ReplaceAll(label, "|", "¦")
	return "<" + strings.ReplaceAll(u, "&", "&amp;") + "|" + label + ">"
}

// commandRe is a rollout command releasebot writes: its own command word
// and arguments made of flag names, numbers and words. Such a command goes
// in a code span as is, so it can be copied; anything else is escaped.
var commandRe = regexp.MustCompile(`^/[a-z_]+(?: [A-Za-z0-9_%.-]+)*$`)

// Code writes a command as a code span, so it can be copied, or as inert
// text when it is not one of releasebot's command shapes (anything with a
// backtick, markup, a mention or a line break).
func Code(cmd string) string { return code(cmd) }

// Mention is <@ID> for a Slack user id, kept to Slack's id characters so
// it mentions that user and nothing else; "someone" when none is left.
func Mention(id string) string {
	var b strings.Builder
	for _, r := range id {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "someone"
	}
	return "<@" + textsafe.Cut(b.String(), 32) + ">"
}

func code(cmd string) string {
	if commandRe.MatchString(cmd) && len(cmd) <= limits.Echo {
		return "`" + cmd + "`"
	}
	return inert(cmd, limits.Echo)
}

// cutLines joins lines with "\n" while they fit in max characters, ending
// with more(n) for the n lines left out (more must fit in the room kept for
// it, reserve).
func cutLines(lines []string, max, reserve int, more func(n int) string) string {
	var b strings.Builder
	used := 0
	for i, l := range lines {
		need := runes(l)
		if i > 0 {
			need++
		}
		left := len(lines) - i - 1
		room := max - used
		if left > 0 {
			room -= reserve
		}
		if need > room {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString(more(len(lines) - i))
			return b.String()
		}
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(l)
		used += need
	}
	return b.String()
}
