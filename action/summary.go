package action

import (
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/limits"
)

// SummaryLimit is GitHub's limit on one step's summary: 1 MiB. A step whose
// $GITHUB_STEP_SUMMARY is larger shows an error instead of the summary.
const SummaryLimit = 1024 * 1024

// AppendSummary appends markdown to $GITHUB_STEP_SUMMARY. What would take the
// file past SummaryLimit is cut at the last line break that fits (a code
// block left open is closed), followed by a rule and a line saying that the
// summary was cut and linking to the full notes at notesURL (the
// RELEASE_NOTES.md on the release PR's branch, say); nothing is written
// past the limit.
//
// It fails with a failure.BadInput when GITHUB_STEP_SUMMARY is not set, and
// with a *limits.TooLargeError when the file is already too full for even
// the cut line (an earlier step filled it).
func (r *Runtime) AppendSummary(markdown, notesURL string) error {
	path := r.getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return failure.New(failure.BadInput, "GITHUB_STEP_SUMMARY is not set; the runner sets it in a GitHub Actions job — run releasebot's Action there, or set it to an existing file")
	}
	var used int64
	if fi, err := os.Stat(path); err == nil {
		used = fi.Size()
	} else {
		return fmt.Errorf("reading GITHUB_STEP_SUMMARY: %w", err)
	}
	text, err := fitSummary(markdown, notesURL, SummaryLimit-used)
	if err != nil {
		return err
	}
	return r.appendFile("GITHUB_STEP_SUMMARY", text)
}

// cutNote is the end of a summary that was cut.
func cutNote(notesURL string) string {
	return "\n\n---\n\n**The summary was cut here at GitHub's 1 MiB limit.** The full notes are in [RELEASE_NOTES.md](" + linkTarget(notesURL) + ").\n"
}

// linkTarget makes url safe as a Markdown link destination: white space and
// parentheses, which would end it, are percent-encoded.
func linkTarget(url string) string {
	return strings.NewReplacer(" ", "%20", "\t", "%09", "\n", "%0A", "\r", "%0D", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E").Replace(url)
}

// fitSummary returns markdown if it fits in room bytes, else its longest
// prefix ending at a line break (or, for one long line, a whole rune) that
// fits together with the cut note.
func fitSummary(markdown, notesURL string, room int64) (string, error) {
	if int64(len(markdown)) <= room {
		return markdown, nil
	}
	note := cutNote(notesURL)
	const fence = "```\n"
	budget := room - int64(len(note)) - int64(len(fence)) - 1
	if budget < 0 {
		return "", &limits.TooLargeError{What: "the step summary", Size: SummaryLimit - room + int64(len(markdown)), Limit: SummaryLimit}
	}
	head := markdown[:budget]
	if i := strings.LastIndexByte(head, '\n'); i >= 0 {
		head = head[:i+1]
	} else {
		for len(head) > 0 && !utf8.ValidString(head) {
			head = head[:len(head)-1]
		}
	}
	if !strings.HasSuffix(head, "\n") && head != "" {
		head += "\n"
	}
	if f := openFence(head); f != "" {
		head += f + "\n"
	}
	return head + note, nil
}

// openFence returns the fence (``` or ~~~) of the code block s ends inside,
// "" when it ends outside one.
func openFence(s string) string {
	open := ""
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimLeft(line, " ")
		for _, f := range []string{"```", "~~~"} {
			if !strings.HasPrefix(t, f) {
				continue
			}
			switch open {
			case "":
				open = f
			case f:
				open = ""
			}
		}
	}
	return open
}
