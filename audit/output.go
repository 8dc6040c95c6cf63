package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/releasebot/releasebot/releasenotes"
)

// Markdown renders the report as the self-audit table of RELEASE_NOTES.md,
// the release PR, the Release and the Actions step summary:
//
//	| Check | Status | Details | Evidence |
//	| --- | --- | --- | --- |
//	| health | ❌ fail | https://…/health answered 503 Service Unavailable | [stage.example.com/health](…) · observed 503 … · threshold 2xx … |
func (r Report) Markdown() string {
	var b strings.Builder
	b.WriteString("| Check | Status | Details | Evidence |\n")
	b.WriteString("| --- | --- | --- | --- |\n")
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "| %s | %s %s | %s | %s |\n",
			cell(c.Name), c.Status.Emoji(), c.Status, cell(c.Reason), evidenceCell(c.Evidence))
	}
	return b.String()
}

// Headline is one line for a title or a log: "Self-audit: ⚠️ warn (8 checks:
// 5 pass, 1 warn, 2 skip)". An audit in which every check skipped reads
// "Self-audit: ⏭️ skip (8 checks: 8 skip)", never pass.
func (r Report) Headline() string {
	counts := map[Status]int{}
	for _, c := range r.Checks {
		counts[c.Status]++
	}
	var parts []string
	for _, s := range []Status{Pass, Warn, Fail, Skip} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	return fmt.Sprintf("Self-audit: %s %s (%d checks: %s)", r.Status.Emoji(), r.Status, len(r.Checks), strings.Join(parts, ", "))
}

// JSON renders the report as
// {"status":"pass|warn|fail|skip","checks":[{"name","status","reason","evidence":{"url","observed","threshold"}}]},
// indented, with a final newline.
func (r Report) JSON() []byte {
	if r.Checks == nil {
		r.Checks = []Result{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil { // only strings inside: cannot happen
		panic(err)
	}
	return buf.Bytes()
}

func evidenceCell(e Evidence) string {
	var parts []string
	if e.URL != "" {
		parts = append(parts, link(e.URL))
	}
	if e.Observed != "" {
		parts = append(parts, "observed "+cell(e.Observed))
	}
	if e.Threshold != "" {
		parts = append(parts, "threshold "+cell(e.Threshold))
	}
	return strings.Join(parts, " · ")
}

// link writes a URL as a Markdown link whose text is the URL without its
// scheme and query, so the table stays narrow.
func link(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return cell(raw)
	}
	text := u.Host + strings.TrimSuffix(u.EscapedPath(), "/")
	return "[" + cell(text) + "](" + strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "|", "%7C").Replace(raw) + ")"
}

// cell escapes text for a Markdown table cell, as the release notes do.
func cell(s string) string { return releasenotes.TableCell(s) }

// NotesTable is the report as the release notes' self-audit section takes
// it; the evidence is one line: "URL · observed … · threshold …".
func (r Report) NotesTable() releasenotes.AuditTable {
	var t releasenotes.AuditTable
	for _, c := range r.Checks {
		var ev []string
		for _, s := range []string{c.Evidence.URL, prefixed("observed ", c.Evidence.Observed), prefixed("threshold ", c.Evidence.Threshold)} {
			if s != "" {
				ev = append(ev, s)
			}
		}
		t.Rows = append(t.Rows, releasenotes.AuditRow{
			Check: c.Name, Status: releasenotes.AuditStatus(c.Status), Reason: c.Reason, Evidence: strings.Join(ev, " · "),
		})
	}
	return t
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}
