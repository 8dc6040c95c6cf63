package releasenotes

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Message is a commit message read as a Conventional Commit
// (https://www.conventionalcommits.org/en/v1.0.0/). A subject that does not
// conform leaves Type empty; the commit is then an "other change", never lost.
type Message struct {
	// Subject is the first line as written.
	Subject string `json:"subject"`
	// Type is the commit type in lower case ("feat", "fix", …); "revert" for
	// git's own `Revert "…"` subjects too. Empty when the subject does not
	// conform.
	Type  string `json:"type,omitempty"`
	Scope string `json:"scope,omitempty"`
	// Description is the subject after "type(scope): ", or the whole subject
	// when it does not conform, without a trailing "(#123)".
	Description string `json:"description"`
	// Breaking is set by "!" before the colon or by a BREAKING CHANGE footer.
	Breaking bool `json:"breaking,omitempty"`
	// BreakingNote is the text of the BREAKING CHANGE / BREAKING-CHANGE
	// footers (several are joined by a blank line); empty with "!" alone.
	BreakingNote string `json:"breaking_note,omitempty"`
	// Body is the text between the subject and the footers, trimmed.
	Body    string   `json:"body,omitempty"`
	Footers []Footer `json:"footers,omitempty"`
	// ReleaseAs is the value of a Release-As footer (release-please's way of
	// forcing the next version), as written.
	ReleaseAs string `json:"release_as,omitempty"`
	// Revert is set when the commit reverts another.
	Revert *Revert `json:"revert,omitempty"`
	// PR is the pull request number named by the subject: a squash merge's
	// "(#123)" suffix or a merge commit's "Merge pull request #123 from …".
	PR int `json:"pr,omitempty"`
}

// Footer is one trailer of a commit message, e.g. {"Refs", "#12"}.
type Footer struct {
	Token string `json:"token"`
	Value string `json:"value"`
}

// Revert names the commits a revert undoes, as far as the message tells.
type Revert struct {
	// Hashes are the (possibly abbreviated) hashes, lower case and each once,
	// from every "This reverts commit …" line (git revert, GitHub's Revert
	// button, and a squash of several reverts, one line each) and from the
	// Refs footers (the Conventional Commits FAQ's "Refs: 676104e, a215868").
	// Empty when the message does not say.
	Hashes []string `json:"hashes,omitempty"`
	// Subject is the reverted commit's subject, as the revert quotes it.
	Subject string `json:"subject,omitempty"`
}

// Conventional reports whether the subject follows Conventional Commits.
func (m *Message) Conventional() bool { return m.Type != "" }

var (
	mergePRPrefix = "Merge pull request #"
	gitRevertRe   = regexp.MustCompile(`^(?:Revert|Reapply) "(.*)"\s*$`)
	revertHashRe  = regexp.MustCompile(`(?m)^[ \t*-]*This reverts commit ([0-9a-fA-F]{7,64})\b`)
	hashRe        = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)
)

// ParseCommit reads a commit message. It never fails: whatever does not
// conform is kept as written (Subject, Description, Body).
//
// Footers follow the specification: they start at a paragraph whose first
// line is "Token: value" or "Token #value" (or "BREAKING CHANGE: …") and run
// to the end; every later paragraph must start with a token too, except that
// a BREAKING CHANGE value may go on over several paragraphs.
func ParseCommit(message string) Message {
	message = strings.ReplaceAll(message, "\r\n", "\n")
	message = strings.TrimLeft(message, "\n")
	subject, rest, _ := strings.Cut(message, "\n")
	subject = strings.TrimRight(subject, " \t\r")
	m := Message{Subject: subject}

	desc := subject
	if typ, scope, bang, d, ok := parseHeader(subject); ok {
		m.Type, m.Scope, m.Breaking, desc = strings.ToLower(typ), strings.TrimSpace(scope), bang, d
	}
	if d, pr, ok := cutPRSuffix(desc); ok {
		m.PR, desc = pr, d
	} else if rest, ok := strings.CutPrefix(subject, mergePRPrefix); ok {
		if n, w := leadingNumber(rest); w > 0 && strings.HasPrefix(rest[w:], " from ") {
			m.PR = n
		}
	}
	m.Description = strings.TrimSpace(desc)
	if m.Description == "" {
		m.Description = subject
	}

	m.Body, m.Footers = splitFooters(rest)
	var notes []string
	for _, f := range m.Footers {
		switch {
		case f.Token == "BREAKING CHANGE" || f.Token == "BREAKING-CHANGE":
			m.Breaking = true
			if f.Value != "" {
				notes = append(notes, f.Value)
			}
		case strings.EqualFold(f.Token, "Release-As"):
			m.ReleaseAs = strings.TrimSpace(f.Value)
		}
	}
	// A BREAKING CHANGE line inside the body, against the specification, is
	// still a breaking change: missing one costs more than a false alarm.
	for _, l := range strings.Split(m.Body, "\n") {
		if t, v, ok := footerLine(l); ok && isBreakingToken(t) {
			m.Breaking = true
			if v != "" {
				notes = append(notes, v)
			}
		}
	}
	m.BreakingNote = strings.Join(notes, "\n\n")

	// git writes `Revert "subject"` (and, from 2.44, `Reapply "subject"` for
	// a revert of a revert); a squash merge of GitHub's Revert button adds
	// " (#13)", already cut from desc.
	var g []string
	if m.Type == "" && (strings.HasPrefix(desc, "Revert \"") || strings.HasPrefix(desc, "Reapply \"")) {
		if g = gitRevertRe.FindStringSubmatch(strings.TrimSpace(desc)); g != nil && strings.TrimSpace(g[1]) == "" {
			g = nil
		}
	}
	if g != nil {
		m.Type, m.Scope, m.Breaking, m.BreakingNote = "revert", "", false, ""
		m.Description = g[1]
		m.Revert = &Revert{Subject: g[1]}
	} else if m.Type == "revert" {
		m.Revert = &Revert{Subject: m.Description}
	}
	if m.Revert != nil {
		m.Revert.Hashes = revertHashes(rest, m.Footers)
	}
	return m
}

// revertHashes collects the hashes a revert names: every "This reverts
// commit X" line (a squash of several reverts has one per commit, GitHub
// prefixes them "* "), then every hash of the Refs footers, which may list
// several separated by commas or spaces. "reversing changes made to Y", the
// mainline parent of a reverted merge, is not a target. Issue references
// such as "#12" are not hashes and are skipped.
func revertHashes(rest string, footers []Footer) []string {
	var out []string
	add := func(h string) {
		h = strings.ToLower(h)
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	for _, g := range revertHashRe.FindAllStringSubmatch(rest, -1) {
		add(g[1])
	}
	for _, f := range footers {
		if !strings.EqualFold(f.Token, "Refs") {
			continue
		}
		for _, w := range strings.FieldsFunc(f.Value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
			if hashRe.MatchString(w) {
				add(w)
			}
		}
	}
	return out
}

// parseHeader reads "type(scope)!: description". It is written out rather
// than a regular expression because it runs on every commit of the range:
// the equivalent expression, which the tests hold it to, is
// ^([A-Za-z][A-Za-z0-9_-]*)(?:\(([^()\r\n]*)\))?(!)?:[ \t]+(\S.*)$.
func parseHeader(s string) (typ, scope string, bang bool, desc string, ok bool) {
	i := 0
	if i >= len(s) || !isLetter(s[i]) {
		return
	}
	for i++; i < len(s) && (isLetter(s[i]) || isDigit(s[i]) || s[i] == '_' || s[i] == '-'); i++ {
	}
	typ = s[:i]
	if i < len(s) && s[i] == '(' {
		j := i + 1
		for j < len(s) && s[j] != ')' {
			if c := s[j]; c == '(' || c == '\r' || c == '\n' {
				return "", "", false, "", false
			}
			j++
		}
		if j == len(s) {
			return "", "", false, "", false
		}
		scope, i = s[i+1:j], j+1
	}
	if i < len(s) && s[i] == '!' {
		bang = true
		i++
	}
	if i+1 >= len(s) || s[i] != ':' || (s[i+1] != ' ' && s[i+1] != '\t') {
		return "", "", false, "", false
	}
	desc = strings.TrimLeft(s[i+1:], " \t")
	if desc == "" || strings.IndexByte("\t\n\f\r ", desc[0]) >= 0 || strings.ContainsAny(desc, "\n") {
		return "", "", false, "", false
	}
	return typ, scope, bang, desc, true
}

// cutPRSuffix removes a trailing "(#123)" and the space before it.
func cutPRSuffix(s string) (string, int, bool) {
	t := strings.TrimRight(s, " \t\n\f\r")
	if !strings.HasSuffix(t, ")") {
		return s, 0, false
	}
	open := strings.LastIndex(t, "(#")
	if open < 0 {
		return s, 0, false
	}
	digits := t[open+2 : len(t)-1]
	n, w := leadingNumber(digits)
	if w == 0 || w != len(digits) {
		return s, 0, false
	}
	return strings.TrimRight(t[:open], " \t\n\f\r"), n, true
}

// leadingNumber reads the one to nine decimal digits s starts with, and
// their count.
func leadingNumber(s string) (n, width int) {
	for width < len(s) && isDigit(s[width]) {
		width++
	}
	if width == 0 || width > 9 {
		return 0, 0
	}
	n, _ = strconv.Atoi(s[:width])
	return n, width
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isWord(c byte) bool   { return isLetter(c) || isDigit(c) || c == '_' }

// footerLine reports whether a line starts a footer, and its token and
// value: "Token: value", "Token #value" or "BREAKING CHANGE: value". Written
// out for speed, like parseHeader; the expressions are
// ^([A-Za-z][A-Za-z0-9-]*)(: | #)(.*)$ and ^BREAKING[ -]CHANGE:(?:[ \t]+(.*)|[ \t]*)$.
func footerLine(line string) (token, value string, ok bool) {
	if strings.HasPrefix(line, "BREAKING CHANGE:") || strings.HasPrefix(line, "BREAKING-CHANGE:") {
		rest := line[len("BREAKING CHANGE:"):]
		if rest == "" || rest[0] == ' ' || rest[0] == '\t' {
			return line[:len("BREAKING CHANGE")], strings.TrimSpace(rest), true
		}
	}
	if line == "" || !isLetter(line[0]) {
		return "", "", false
	}
	i := 1
	for i < len(line) && (isLetter(line[i]) || isDigit(line[i]) || line[i] == '-') {
		i++
	}
	switch {
	case strings.HasPrefix(line[i:], ": "):
		value = line[i+2:]
	case strings.HasPrefix(line[i:], " #"):
		value = "#" + line[i+2:]
	default:
		return "", "", false
	}
	return line[:i], strings.TrimSpace(value), true
}

func isBreakingToken(t string) bool { return t == "BREAKING CHANGE" || t == "BREAKING-CHANGE" }

// splitFooters separates the body from the footers; rest is the message after
// the subject line.
func splitFooters(rest string) (string, []Footer) {
	lines := strings.Split(rest, "\n")
	// Paragraphs as [start, end) line ranges.
	type para struct{ start, end int }
	var paras []para
	for i := 0; i < len(lines); {
		if strings.TrimSpace(lines[i]) == "" {
			i++
			continue
		}
		j := i
		for j < len(lines) && strings.TrimSpace(lines[j]) != "" {
			j++
		}
		paras = append(paras, para{i, j})
		i = j
	}
	// A paragraph that does not start with a token is allowed in the footers
	// only as the continuation of a BREAKING CHANGE value; the footers start
	// at the first token paragraph after the last paragraph that is neither.
	start := -1
	lastBreaking, seenToken := false, false
	for i, p := range paras {
		_, _, ok := footerLine(lines[p.start])
		switch {
		case ok && start < 0:
			start = i
		case !ok && !(seenToken && lastBreaking):
			start = -1
		}
		for _, l := range lines[p.start:p.end] {
			if t, _, ok := footerLine(l); ok {
				seenToken, lastBreaking = true, isBreakingToken(t)
			}
		}
	}
	if start < 0 {
		return trimBlank(lines), nil
	}
	body := trimBlank(lines[:paras[start].start])
	var footers []Footer
	for i := start; i < len(paras); i++ {
		p := paras[i]
		for k, l := range lines[p.start:p.end] {
			if t, v, ok := footerLine(l); ok {
				footers = append(footers, Footer{Token: t, Value: v})
				continue
			}
			if len(footers) == 0 {
				continue // unreachable: the first paragraph starts with a token
			}
			f := &footers[len(footers)-1]
			sep := "\n"
			if k == 0 {
				sep = "\n\n" // a new paragraph continuing a BREAKING CHANGE
			}
			if f.Value == "" {
				sep = ""
			}
			f.Value += sep + strings.TrimRight(l, " \t")
		}
	}
	return body, footers
}

// trimBlank joins lines and trims blank lines and trailing space around them.
func trimBlank(lines []string) string {
	s := strings.Join(lines, "\n")
	return strings.Trim(s, "\n \t")
}

// FlagNames returns the feature-flag names a text mentions — words of the
// form FF_[A-Z0-9]+(_[A-Z0-9]+)* — in order of first appearance. Written out
// for speed: it reads every commit message of the range.
func FlagNames(text string) []string {
	var out []string
	var seen map[string]bool
	for at := 0; ; {
		i := strings.Index(text[at:], "FF_")
		if i < 0 {
			return out
		}
		start := at + i
		end := start
		for end < len(text) && isWord(text[end]) {
			end++
		}
		at = end
		if start > 0 && isWord(text[start-1]) {
			continue
		}
		if w := text[start:end]; isFlagName(w) && !seen[w] {
			if seen == nil {
				seen = map[string]bool{}
			}
			seen[w] = true
			out = append(out, w)
		}
	}
}

// isFlagName checks FF_ then upper-case letters and digits in groups joined
// by single underscores.
func isFlagName(w string) bool {
	rest := w[len("FF_"):]
	if rest == "" || rest[0] == '_' || rest[len(rest)-1] == '_' || strings.Contains(rest, "__") {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !(c >= 'A' && c <= 'Z' || isDigit(c) || c == '_') {
			return false
		}
	}
	return true
}
