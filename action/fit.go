package action

import (
	"fmt"
	"strings"
	"unicode/utf16"
)

// GitHub's limits on Markdown bodies, in characters.
const (
	PRBodyLimit      = 65536  // a pull request's or a comment's body
	ReleaseBodyLimit = 125000 // a Release's body
)

// Chars counts s as the limits are checked here: in UTF-16 code units.
// GitHub states its limits in characters without saying which; a code
// point outside the BMP is one code point but two UTF-16 units, so counting
// units is never below a count of code points (Ruby's String#length) or of
// UTF-16 units (JavaScript's length): a body within the limit by this count
// is within it by either.
func Chars(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// Fit returns body within limit characters (see Chars). A body that fits is
// returned as is. Otherwise it is cut at the last line boundary that fits
// outside a table row (a table is cut before the row, never inside it), a
// code block left open is closed, and a line follows saying the notes were
// cut and linking to the full notes at notesURL. A marker (see Marker)
// body ends with is kept as the last line.
func Fit(body string, limit int, notesURL string) string {
	if Chars(body) <= limit {
		return body
	}
	marker := ""
	if m, ok := ParseMarker(body); ok {
		marker = m.Encode() + "\n"
		body = StripMarker(body)
	}
	note := fmt.Sprintf("\n---\n\n*…cut to fit GitHub's limit of %d characters; the full notes are in [RELEASE_NOTES.md](%s).*\n", limit, linkTarget(notesURL))
	budget := limit - Chars(note) - Chars(marker) - Chars("```\n") - 1
	lines := strings.SplitAfter(body, "\n")
	var b strings.Builder
	used, fence, keep, partial := 0, "", 0, ""
	for i, line := range lines {
		c := Chars(line)
		if used+c > budget {
			// A line longer than what is left (one huge paragraph) is
			// cut inside, at a rune, rather than dropped whole; a table
			// row never is.
			if room := budget - used - Chars("…\n"); room > 0 && !strings.HasPrefix(strings.TrimLeft(line, " "), "|") {
				partial = prefixChars(strings.TrimRight(line, "\n"), room) + "…\n"
			}
			break
		}
		used += c
		t := strings.TrimLeft(line, " ")
		for _, f := range []string{"```", "~~~"} {
			if strings.HasPrefix(t, f) {
				switch fence {
				case "":
					fence = f
				case f:
					fence = ""
				}
			}
		}
		keep = i + 1
	}
	// The cut is at a line boundary, so a table row is kept whole or not
	// at all, and the table before it stays valid.
	for _, line := range lines[:keep] {
		b.WriteString(line)
	}
	out := b.String()
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	if partial != "" && fence == "" {
		out += partial
	}
	if fence != "" {
		out += fence + "\n"
	}
	out += note
	if marker != "" {
		out += "\n" + marker
	}
	return out
}

// prefixChars is the longest prefix of s of at most n characters (Chars),
// ending at a whole rune.
func prefixChars(s string, n int) string {
	used := 0
	for i, r := range s {
		if used+utf16.RuneLen(r) > n {
			return s[:i]
		}
		used += utf16.RuneLen(r)
	}
	return s
}
