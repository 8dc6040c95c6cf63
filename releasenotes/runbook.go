package releasenotes

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/releasebot/releasebot/chatops/command"
)

// builtinRunbook is ../shared/runbook/RUNBOOK.en.md, used when the repository
// has no runbook of its own.
//
//go:embed runbook/RUNBOOK.md
var builtinRunbook []byte

// BuiltinSource names the built-in runbook in Runbook.Source.
const BuiltinSource = "built-in runbook"

// Runbook is a team's runbook read as a checklist: its headings are sections
// and its list items are the items to tick. Text is taken from the source
// bytes, so any language, emoji and inline Markdown come through unchanged.
type Runbook struct {
	// Source is the file's path, or BuiltinSource.
	Source string `json:"source"`
	// Title is the first level-1 heading, when it precedes every other one.
	Title    string           `json:"title,omitempty"`
	Sections []RunbookSection `json:"sections"`
}

// RunbookSection is a heading and the list items under it.
type RunbookSection struct {
	Title string        `json:"title"`
	Level int           `json:"level"`
	Phase Phase         `json:"phase"`
	Line  int           `json:"line"`
	Items []RunbookItem `json:"items"`
}

// RunbookItem is one list item: one thing to do.
type RunbookItem struct {
	// Marker is the list marker as written: "-", "*", "1.", "2)".
	Marker string `json:"marker"`
	// Number is the item's number in an ordered list as written, else 0.
	Number int `json:"number,omitempty"`
	// Text is the item's own text, byte for byte from the source, without the
	// marker, a task box, or nested lists.
	Text string `json:"text"`
	// Depth is 0 for a top-level item, 1 inside another item, …
	Depth int `json:"depth,omitempty"`
	// Done is set by a ticked task box ("- [x] …") in the source.
	Done bool `json:"done,omitempty"`
	// Line is the 1-based line of the item in the source.
	Line     int              `json:"line"`
	Commands []RunbookCommand `json:"commands,omitempty"`
}

// RunbookCommand is a command written in a runbook item: a chat command
// ("/toggle FF_NEW_ONBOARDING on") or a setting ("CANARY_PERCENT=10").
type RunbookCommand struct {
	// Text is the command as written, trimmed.
	Text string `json:"text"`
	// Name is the command word without the slash ("toggle"), or the setting's
	// name ("CANARY_PERCENT").
	Name string `json:"name"`
	// Setting is set for NAME=VALUE.
	Setting bool     `json:"setting,omitempty"`
	Args    []string `json:"args,omitempty"`
	// Placeholder is set when an argument is a placeholder such as <FLAG>:
	// an example to adapt, not a command to run as is.
	Placeholder bool `json:"placeholder,omitempty"`
}

// Phase is where in the release a runbook section belongs.
type Phase string

// Phases, in release order.
const (
	PhaseStage    Phase = "stage"
	PhaseProd     Phase = "prod"
	PhaseRollback Phase = "rollback"
	PhasePost     Phase = "post"
)

// CommandWords are the chat commands recognised in a runbook, without the
// slash: every word and alias of the command table (package command, a leaf
// that chatops reads too, so the two cannot drift apart).
var CommandWords = command.AllWords()

var (
	rollbackTitleRe = regexp.MustCompile(`(?i)roll\s*-?\s*back|откат`)
	postTitleRe     = regexp.MustCompile(`(?i)post[\s-]*release|after (the )?release|после релиза|пост-?релиз`)
	prodTitleRe     = regexp.MustCompile(`(?i)\bprod(uction)?\b|\bcanary\b|\brollout\b|канар|выкат|прод\b`)
	markerRe        = regexp.MustCompile(`(\d{1,9}[.)]|[-*+])[ \t]*$`)
	codeSpanRe      = regexp.MustCompile("`+([^`\n]+?)`+")
	settingRe       = regexp.MustCompile(`^([A-Z][A-Z0-9_]*)\s*=\s*([A-Za-z0-9%._-]+)$`)
	plainSettingRe  = regexp.MustCompile(`\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)=([A-Za-z0-9%._-]+)`)
	settingNameRe   = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	trailingValueRe = regexp.MustCompile(`^\s*=\s*([A-Za-z0-9%._-]+)`)
	plainArgRe      = regexp.MustCompile(`^(FF_[A-Z0-9_]+|<[^<>\s]+>|on|off|default|status|\d{1,3}%?|--force)$`)
)

// PhaseOf classifies a section by its title: rollback, post-release, PROD
// (canary, rollout, production) or, for everything else, STAGE — the work
// before production.
func PhaseOf(title string) Phase {
	switch {
	case rollbackTitleRe.MatchString(title):
		return PhaseRollback
	case postTitleRe.MatchString(title):
		return PhasePost
	case prodTitleRe.MatchString(title):
		return PhaseProd
	}
	return PhaseStage
}

// BuiltinRunbook returns the built-in runbook, parsed.
func BuiltinRunbook() *Runbook {
	rb, err := ParseRunbook(BuiltinSource, builtinRunbook)
	if err != nil {
		panic(fmt.Sprintf("the built-in runbook does not parse: %v", err)) // caught by the tests
	}
	return rb
}

// BuiltinRunbookSource returns the built-in runbook's Markdown.
func BuiltinRunbookSource() []byte { return append([]byte(nil), builtinRunbook...) }

// ParseRunbook reads a runbook's Markdown. source names it (its path). It
// fails on a runbook that is not UTF-8, whose items could not come through
// byte for byte as text, and on one with no list item at all, which cannot
// be a checklist.
func ParseRunbook(source string, data []byte) (*Runbook, error) {
	lines := newLineIndex(data)
	if at := invalidUTF8(data); at >= 0 {
		return nil, fmt.Errorf("the runbook %s is not valid UTF-8 (line %d); save it as UTF-8", source, lines.line(at))
	}
	rb := &Runbook{Source: source}
	doc := goldmark.DefaultParser().Parse(text.NewReader(data))
	var cur *RunbookSection
	items := 0
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			title := strings.TrimSpace(string(n.Lines().Value(data)))
			if n.Level == 1 && rb.Title == "" && len(rb.Sections) == 0 {
				rb.Title = title
				return ast.WalkSkipChildren, nil
			}
			line := 0
			if n.Lines().Len() > 0 {
				line = lines.line(n.Lines().At(0).Start)
			}
			rb.Sections = append(rb.Sections, RunbookSection{Title: title, Level: n.Level, Phase: PhaseOf(title), Line: line})
			cur = &rb.Sections[len(rb.Sections)-1]
			return ast.WalkSkipChildren, nil
		case *ast.ListItem:
			it, ok := readItem(n, data, lines)
			if !ok {
				return ast.WalkContinue, nil
			}
			if cur == nil {
				rb.Sections = append(rb.Sections, RunbookSection{Phase: PhaseStage, Line: it.Line})
				cur = &rb.Sections[len(rb.Sections)-1]
			}
			cur.Items = append(cur.Items, it)
			items++
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the runbook %s: %w", source, err)
	}
	if items == 0 {
		return nil, fmt.Errorf("the runbook %s has no list items, so there is no checklist to make; write each step as a list item (- …) under a heading", source)
	}
	return rb, nil
}

// readItem takes a list item's own text from the source: from its first
// line to the end of its last block before any nested list.
func readItem(li *ast.ListItem, src []byte, lines lineIndex) (RunbookItem, bool) {
	start, stop := -1, -1
	for c := li.FirstChild(); c != nil; c = c.NextSibling() {
		if c.Kind() == ast.KindList {
			break
		}
		s, e := span(c)
		if s < 0 {
			continue
		}
		if start < 0 {
			start = s
		}
		stop = e
	}
	if start < 0 || stop <= start {
		return RunbookItem{}, false
	}
	it := RunbookItem{Text: strings.TrimRight(string(src[start:stop]), " \t\r\n"), Line: lines.line(start)}
	for p := li.Parent(); p != nil; p = p.Parent() {
		if p.Kind() == ast.KindListItem {
			it.Depth++
		}
	}
	// The marker: what stands before the text on its line, when the text
	// starts on the marker's line.
	lineStart := start
	for lineStart > 0 && src[lineStart-1] != '\n' {
		lineStart--
	}
	if g := markerRe.FindStringSubmatch(string(src[lineStart:start])); g != nil {
		it.Marker = g[1]
	} else if l, ok := li.Parent().(*ast.List); ok {
		it.Marker = string(l.Marker)
		if l.IsOrdered() {
			n := l.Start
			for s := li.PreviousSibling(); s != nil; s = s.PreviousSibling() {
				n++
			}
			it.Marker = strconv.Itoa(n) + string(l.Marker)
		}
	}
	if n, err := strconv.Atoi(strings.TrimRight(it.Marker, ".)")); err == nil {
		it.Number = n
	}
	switch {
	case strings.HasPrefix(it.Text, "[ ] "):
		it.Text = it.Text[4:]
	case strings.HasPrefix(it.Text, "[x] "), strings.HasPrefix(it.Text, "[X] "):
		it.Text, it.Done = it.Text[4:], true
	}
	it.Commands = FindCommands(it.Text)
	return it, true
}

// span is the source range of a block's lines, looking inside containers.
func span(n ast.Node) (int, int) {
	if l := n.Lines(); l != nil && l.Len() > 0 {
		return l.At(0).Start, l.At(l.Len() - 1).Stop
	}
	start, stop := -1, -1
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if c.Type() != ast.TypeBlock {
			continue
		}
		s, e := span(c)
		if s < 0 {
			continue
		}
		if start < 0 {
			start = s
		}
		stop = e
	}
	return start, stop
}

// FindCommands lists the commands written in a runbook item's text, in
// order: chat commands in code spans ("`/ab_status`") or in plain text
// ("run /ab_status"), and settings ("`CANARY_PERCENT=10`",
// "`CANARY_PERCENT`=0", "CANARY_PERCENT=0"). Routes such as "/metrics" or
// "/quiz" are not commands.
func FindCommands(s string) []RunbookCommand {
	var out []RunbookCommand
	at := 0
	for _, m := range codeSpanRe.FindAllStringSubmatchIndex(s, -1) {
		out = append(out, plainCommands(s[at:m[0]])...)
		at = m[1]
		code := strings.TrimSpace(s[m[2]:m[3]])
		if c, ok := slashCommand(strings.Fields(code)); ok {
			out = append(out, c)
			continue
		}
		if g := settingRe.FindStringSubmatch(code); g != nil {
			out = append(out, RunbookCommand{Text: g[1] + "=" + g[2], Name: g[1], Setting: true, Args: []string{g[2]}})
			continue
		}
		if settingNameRe.MatchString(code) { // `NAME` followed by =value
			if g := trailingValueRe.FindStringSubmatchIndex(s[m[1]:]); g != nil {
				v := s[m[1]+g[2] : m[1]+g[3]]
				out = append(out, RunbookCommand{Text: code + "=" + v, Name: code, Setting: true, Args: []string{v}})
				at = m[1] + g[1]
			}
		}
	}
	return append(out, plainCommands(s[at:])...)
}

// plainCommands finds commands outside code spans: a known command word
// after a space and the arguments that look like arguments, and NAME=VALUE.
func plainCommands(s string) []RunbookCommand {
	var out []RunbookCommand
	words := strings.Fields(s)
	for i, w := range words {
		if g := plainSettingRe.FindStringSubmatch(w); g != nil {
			out = append(out, RunbookCommand{Text: g[1] + "=" + g[2], Name: g[1], Setting: true, Args: []string{g[2]}})
			continue
		}
		if !strings.HasPrefix(w, "/") {
			continue
		}
		fields := []string{strings.TrimRight(w, ".,;:!?)")}
		for _, a := range words[i+1:] {
			a = strings.TrimRight(a, ".,;:!?)")
			if !plainArgRe.MatchString(a) {
				break
			}
			fields = append(fields, a)
		}
		if c, ok := slashCommand(fields); ok {
			out = append(out, c)
		}
	}
	return out
}

func slashCommand(fields []string) (RunbookCommand, bool) {
	if len(fields) == 0 || !strings.HasPrefix(fields[0], "/") {
		return RunbookCommand{}, false
	}
	name := strings.ToLower(fields[0][1:])
	if !slices.Contains(CommandWords, name) {
		return RunbookCommand{}, false
	}
	c := RunbookCommand{Text: strings.Join(fields, " "), Name: name, Args: append([]string(nil), fields[1:]...)}
	for _, a := range c.Args {
		if strings.HasPrefix(a, "<") && strings.HasSuffix(a, ">") {
			c.Placeholder = true
		}
	}
	return c, true
}

// Items counts the items of the sections in the given phases (all when none
// is given).
func (rb *Runbook) Items(phases ...Phase) int {
	n := 0
	for _, s := range rb.Sections {
		if len(phases) == 0 || slices.Contains(phases, s.Phase) {
			n += len(s.Items)
		}
	}
	return n
}

// SectionsIn returns the sections of the given phases, in runbook order.
func (rb *Runbook) SectionsIn(phases ...Phase) []RunbookSection {
	var out []RunbookSection
	for _, s := range rb.Sections {
		if slices.Contains(phases, s.Phase) && len(s.Items) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// invalidUTF8 is the offset of the first byte of b that is not UTF-8, or -1.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// lineIndex maps byte offsets to 1-based line numbers.
type lineIndex []int

func newLineIndex(src []byte) lineIndex {
	idx := lineIndex{0}
	for i, b := range src {
		if b == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

func (l lineIndex) line(off int) int {
	lo, hi := 0, len(l)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if l[mid] <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1
}
