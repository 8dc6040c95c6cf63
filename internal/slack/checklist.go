package slack

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
	"github.com/releasebot/releasebot/releasenotes"
)

// Block Kit limits the messages keep to (Slack's block and composition
// object reference pages); the emulator enforces the same at the wire.
const (
	MaxBlocks        = 50   // blocks in a message
	MaxHeaderText    = 150  // header text, plain_text
	MaxSectionText   = 3000 // section text
	MaxOptionText    = 75   // a checkbox option's text and description
	MaxOptionValue   = 75   // a checkbox option's value (older pages say 75, newer 150)
	MaxCheckboxes    = 10   // options of one checkboxes element
	MaxID            = 255  // block_id and action_id
	maxFallbackText  = 3000 // the notification text; chat.update refuses over 4 000
	maxTitle         = 200  // a runbook section title, before escaping
	maxItemRaw       = 400  // a runbook item read for its option, before escaping
	maxEntryRaw      = 200  // a change's description in the summary
	checklistPrefix  = "checklist"
	checklistTitleID = "checklist-title"
)

// ItemValue is a checkbox option's value: the runbook item's section and
// item indexes in Notes.Runbook ("3.0"), so a later block_actions payload
// says which item was ticked.
func ItemValue(section, item int) string { return strconv.Itoa(section) + "." + strconv.Itoa(item) }

// ParseItemValue reads an ItemValue; ok is false for anything else,
// including numbers not written as ItemValue writes them ("+1.2", "01.2").
func ParseItemValue(v string) (section, item int, ok bool) {
	a, b, found := strings.Cut(v, ".")
	s, err1 := strconv.Atoi(a)
	i, err2 := strconv.Atoi(b)
	if !found || err1 != nil || err2 != nil || s < 0 || i < 0 || ItemValue(s, i) != v {
		return 0, 0, false
	}
	return s, i, true
}

// ChecklistActionID is the action_id of part (0, 1, … for each run of ten
// items) of runbook section section: "checklist:<section>:<part>". It is
// stable across updates of the message.
func ChecklistActionID(section, part int) string {
	return fmt.Sprintf("%s:%d:%d", checklistPrefix, section, part)
}

// ChecklistBlocks is the release's checklist message: a header, a summary
// (version, previous release, changes per section, compare and release PR
// links, flags touched), the changes, the self-audit (or "not run yet"),
// then each runbook section with items, in runbook order, as a title and a
// checkbox group of at most ten items ("(cont.)" for the rest). Option
// values are ItemValue; action ids ChecklistActionID. Items ticked in the
// runbook's source ("- [x]") start ticked.
//
// Every text quoted from outside (commit subjects, names, category and
// runbook titles and items) goes through textsafe.Slack, so no mention,
// link or formatting in it acts; letters of any script and emoji pass
// unchanged. The message always keeps Block Kit's limits: at most 50
// blocks, section text 3 000 characters, option text 75. What does not fit
// ends in "…and N more — see the release PR".
func ChecklistBlocks(n *releasenotes.Notes, prURL string) []slack.Block {
	blocks := []slack.Block{header(checklistTitle(n))}
	blocks = append(blocks, mrkdwnSection("summary", summaryText(n, prURL)))
	if t := changesText(n, prURL); t != "" {
		blocks = append(blocks, mrkdwnSection("changes", t))
	}
	blocks = append(blocks, mrkdwnSection("audit", auditText(n.Audit)), slack.NewDividerBlock())
	return append(blocks, runbookBlocks(n.Runbook, prURL, MaxBlocks-len(blocks))...)
}

// ChecklistText is the checklist's notification text, the fallback Slack
// shows where blocks are not.
func ChecklistText(n *releasenotes.Notes) string {
	if !n.Release {
		return "No release: " + inert(n.Decision.Reason, limits.Echo)
	}
	return "Release " + inert(n.Tag, limits.Echo) + ": the checklist for the release PR"
}

func checklistTitle(n *releasenotes.Notes) string {
	if !n.Release {
		return "No release"
	}
	return "Release " + n.Tag
}

func header(text string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, textsafe.Cut(textsafe.OneLine(text), MaxHeaderText), true, false),
		slack.HeaderBlockOptionBlockID("header"))
}

func mrkdwnSection(id, text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil, slack.SectionBlockOptionBlockID(id))
}

func moreText(n int, what, prURL string) string {
	return fmt.Sprintf("…and %d more %s — see %s", n, what, link(prURL, "the release PR"))
}

func summaryText(n *releasenotes.Notes, prURL string) string {
	var lines []string
	if !n.Release {
		lines = append(lines, "*No release:* "+inert(n.Decision.Reason, limits.Echo))
	} else {
		v := "*Version:* " + inert(n.Tag, limits.Echo)
		if n.Previous != "" {
			v += fmt.Sprintf(" (%s bump from %s)", n.Decision.Bump, inert(n.Previous, limits.Echo))
		} else {
			v += " (first release)"
		}
		lines = append(lines, v+" · "+inert(n.Date, 20))
	}
	var counts []string
	if len(n.Breaking) > 0 {
		counts = append(counts, fmt.Sprintf("%d breaking", len(n.Breaking)))
	}
	for _, s := range n.Sections {
		counts = append(counts, fmt.Sprintf("%s: %d", inert(s.Title, 60), len(s.Entries)))
	}
	if len(counts) > 0 {
		lines = append(lines, fmt.Sprintf("*Changes:* %d from %d commits — %s", n.Count(), n.Commits, strings.Join(counts, " · ")))
	}
	var links []string
	if safeURL(n.CompareURL) {
		label := "compare"
		if n.Previous != "" {
			label = "compare " + inert(n.Previous, 60) + "…" + inert(n.Tag, 60)
		}
		links = append(links, link(n.CompareURL, label))
	}
	if safeURL(prURL) {
		links = append(links, link(prURL, "release PR"))
	}
	if len(links) > 0 {
		lines = append(lines, "*Links:* "+strings.Join(links, " · "))
	}
	if names := n.Flags.Names(); len(names) > 0 {
		flags := make([]string, len(names))
		for i, f := range names {
			flags[i] = flagName(f)
		}
		lines = append(lines, "*Flags touched:* "+strings.Join(flags, ", "))
	}
	reserve := runes(moreText(1<<30, "lines", prURL)) + 1
	return cutLines(lines, MaxSectionText, reserve, func(k int) string { return moreText(k, "lines", prURL) })
}

// changesText lists the changes by section, breaking ones first, as one
// section's text; "" when there are none.
func changesText(n *releasenotes.Notes, prURL string) string {
	var lines []string
	if len(n.Breaking) > 0 {
		lines = append(lines, "*⚠️ Breaking changes*")
		for _, e := range n.Breaking {
			lines = append(lines, entryLine(e))
		}
	}
	for _, s := range n.Sections {
		lines = append(lines, "*"+inert(s.Title, 60)+"*")
		for _, e := range s.Entries {
			lines = append(lines, entryLine(e))
		}
	}
	if len(lines) == 0 {
		return ""
	}
	reserve := runes(moreText(1<<30, "lines", prURL)) + 1
	return cutLines(lines, MaxSectionText, reserve, func(k int) string { return moreText(k, "lines", prURL) })
}

func entryLine(e releasenotes.Entry) string {
	var b strings.Builder
	b.WriteString("• ")
	if e.Scope != "" {
		b.WriteString("*" + inert(e.Scope, 60) + ":* ")
	}
	b.WriteString(inert(e.Description, maxEntryRaw))
	switch {
	case e.PR > 0:
		b.WriteString(" (" + link(e.PRURL, "#"+strconv.Itoa(e.PR)) + ")")
	case e.ShortHash != "":
		b.WriteString(" (" + link(e.CommitURL, inert(e.ShortHash, 12)) + ")")
	}
	if e.Author != "" {
		b.WriteString(" — " + inert(e.Author, 60))
	}
	return b.String()
}

var auditMark = map[releasenotes.AuditStatus]string{
	releasenotes.AuditPass: "✅", releasenotes.AuditWarn: "⚠️", releasenotes.AuditFail: "❌", releasenotes.AuditSkip: "⏭️",
}

func auditText(t releasenotes.AuditTable) string {
	if !t.Ran() {
		return "*Self-audit:* not run yet"
	}
	st := t.Status()
	lines := []string{fmt.Sprintf("*Self-audit: %s %s*", auditMark[st], st)}
	for _, r := range t.Rows {
		mark := auditMark[r.Status]
		if mark == "" {
			mark = "•"
		}
		line := fmt.Sprintf("%s *%s* %s", mark, inert(r.Check, 80), inert(string(r.Status), 10))
		if r.Reason != "" {
			line += " — " + inert(r.Reason, limits.Echo)
		}
		lines = append(lines, line)
	}
	reserve := runes(moreText(1<<30, "checks", "")) + 1
	return cutLines(lines, MaxSectionText, reserve, func(k int) string { return moreText(k, "checks", "") })
}

var phaseLabel = map[releasenotes.Phase]string{
	releasenotes.PhaseStage: "STAGE", releasenotes.PhaseProd: "PROD",
	releasenotes.PhaseRollback: "Rollback", releasenotes.PhasePost: "Post-release",
}

// part is a run of at most MaxCheckboxes items of one runbook section.
type part struct {
	section, index int
	items          []int // item indexes in the section
}

// runbookBlocks renders the runbook's sections as a title and a checkbox
// group per part, in at most budget blocks; the parts that do not fit give
// way to one context block saying how many items are left out.
func runbookBlocks(rb *releasenotes.Runbook, prURL string, budget int) []slack.Block {
	if rb == nil {
		return nil
	}
	var parts []part
	total := 0
	for si, s := range rb.Sections {
		for start := 0; start < len(s.Items); start += MaxCheckboxes {
			p := part{section: si, index: start / MaxCheckboxes}
			for ii := start; ii < min(start+MaxCheckboxes, len(s.Items)); ii++ {
				p.items = append(p.items, ii)
			}
			parts = append(parts, p)
			total += len(p.items)
		}
	}
	shown := len(parts)
	if 2*shown > budget {
		shown = max(0, (budget-1)/2)
	}
	var out []slack.Block
	done := 0
	for _, p := range parts[:shown] {
		s := rb.Sections[p.section]
		out = append(out, partTitle(s, p), checkboxes(s, p))
		done += len(p.items)
	}
	if shown < len(parts) {
		out = append(out, slack.NewContextBlock("checklist-more",
			slack.NewTextBlockObject(slack.MarkdownType, moreText(total-done, "runbook items", prURL), false, false)))
	}
	return out
}

func partTitle(s releasenotes.RunbookSection, p part) slack.Block {
	title := inert(s.Title, maxTitle)
	if title == "" {
		title = "Checklist"
	}
	if l := phaseLabel[s.Phase]; l != "" {
		title = l + " · " + title
	}
	if p.index > 0 {
		title += " (cont.)"
	}
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*"+title+"*", false, false), nil, nil,
		slack.SectionBlockOptionBlockID(fmt.Sprintf("%s:%d:%d", checklistTitleID, p.section, p.index)))
}

func checkboxes(s releasenotes.RunbookSection, p part) slack.Block {
	el := slack.NewCheckboxGroupsBlockElement(ChecklistActionID(p.section, p.index))
	for _, ii := range p.items {
		it := s.Items[ii]
		raw := textsafe.Cut(it.Text, maxItemRaw)
		if it.Depth > 0 {
			raw = strings.Repeat("↳ ", min(it.Depth, 3)) + raw
		}
		text, rest := fitEscaped(raw, MaxOptionText)
		if text == "" {
			text = "(empty item)"
		}
		var desc *slack.TextBlockObject
		if rest != "" {
			d, _ := fitEscaped(rest, MaxOptionText)
			desc = slack.NewTextBlockObject(slack.MarkdownType, d, false, false)
		}
		o := slack.NewOptionBlockObject(ItemValue(p.section, ii), slack.NewTextBlockObject(slack.MarkdownType, text, false, false), desc)
		el.Options = append(el.Options, o)
		if it.Done {
			el.InitialOptions = append(el.InitialOptions, o)
		}
	}
	return slack.NewActionBlock(ChecklistActionID(p.section, p.index), el)
}
