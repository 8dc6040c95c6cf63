package action

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/golden"
	"github.com/releasebot/releasebot/internal/limits"
)

const notesURL = "https://github.com/acme/app/blob/releasebot/release-main/RELEASE_NOTES.md"

func summaryFile(t *testing.T, prefill int) (string, *Runtime) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "step_summary")
	if err := os.WriteFile(path, []byte(strings.Repeat("p", prefill)), 0o644); err != nil {
		t.Fatal(err)
	}
	rt, _ := newRT(env{"GITHUB_STEP_SUMMARY": path})
	return path, rt
}

func TestAppendSummaryFits(t *testing.T) {
	t.Parallel()
	path, rt := summaryFile(t, 0)
	for _, md := range []string{"## v1.3.0\n\n- feat: x\n", "## Audit\n\npass\n"} {
		if err := rt.AppendSummary(md, notesURL); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(path)
	if string(data) != "## v1.3.0\n\n- feat: x\n## Audit\n\npass\n" {
		t.Errorf("summary = %q", data)
	}
	// Exactly at the limit is not cut.
	path, rt = summaryFile(t, SummaryLimit-10)
	if err := rt.AppendSummary("0123456789", notesURL); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); len(data) != SummaryLimit || strings.Contains(string(data), "cut") {
		t.Errorf("a summary of exactly 1 MiB was changed: %d bytes", len(data))
	}
}

func TestAppendSummaryCut(t *testing.T) {
	t.Parallel()
	line := "- feat: a change with a long enough subject (#1234) ✓\n"
	big := "## v1.3.0\n\n" + strings.Repeat(line, 2*SummaryLimit/len(line))
	for _, tc := range []struct {
		name    string
		prefill int
		md      string
	}{
		{"empty file", 0, big},
		{"file half full", SummaryLimit / 2, big},
		{"one line no break", 0, strings.Repeat("✓", SummaryLimit)},
		{"inside a code block", 0, "```\n" + big},
		{"just over", 0, strings.Repeat("x\n", SummaryLimit/2) + "y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path, rt := summaryFile(t, tc.prefill)
			if err := rt.AppendSummary(tc.md, notesURL); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			if len(data) > SummaryLimit {
				t.Errorf("summary is %d bytes, over %d", len(data), SummaryLimit)
			}
			if len(data) < SummaryLimit-1024 {
				t.Errorf("summary is %d bytes: cut far below the limit", len(data))
			}
			s := string(data[tc.prefill:])
			if !utf8.ValidString(s) {
				t.Error("the cut split a character")
			}
			if !strings.HasSuffix(s, cutNote(notesURL)) || !strings.Contains(s, "]("+notesURL+")") {
				t.Errorf("no cut line with the link at the end: %q", s[len(s)-200:])
			}
			if !strings.HasPrefix(tc.md, strings.TrimSuffix(s[:len(s)-len(cutNote(notesURL))], "```\n")) && !strings.HasPrefix(tc.md, strings.TrimSuffix(s[:len(s)-len(cutNote(notesURL))], "\n")) {
				t.Error("what was kept is not a prefix of the summary")
			}
			if openFence(s) != "" {
				t.Error("a code block is left open over the cut line")
			}
		})
	}
}

func TestAppendSummaryGolden(t *testing.T) {
	t.Parallel()
	md := "## v1.3.0\n\n### Features\n\n- feat: one\n\n```\ncode line\nmore code\n```\n\n" + strings.Repeat("- after\n", 40)
	url := "https://example.com/notes (full).md"
	// Room for the start, up to inside the code block, and the cut line.
	room := int64(strings.Index(md, "more code") + 4 + len(cutNote(url)) + len("```\n") + 1)
	got, err := fitSummary(md, url, room)
	if err != nil {
		t.Fatal(err)
	}
	golden.AssertString(t, "summary_cut.golden.md", got)
}

func TestAppendSummaryRefuses(t *testing.T) {
	t.Parallel()
	rt, _ := newRT(env{})
	if err := rt.AppendSummary("x", notesURL); failure.KindOf(err) != failure.BadInput || !strings.Contains(err.Error(), "GITHUB_STEP_SUMMARY") {
		t.Errorf("no GITHUB_STEP_SUMMARY: %v", err)
	}
	path, rt := summaryFile(t, SummaryLimit-50)
	err := rt.AppendSummary(strings.Repeat("x", 100), notesURL)
	var tl *limits.TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), "step summary") {
		t.Errorf("a full file: %v", err)
	}
	if fi, _ := os.Stat(path); fi.Size() != SummaryLimit-50 {
		t.Errorf("the full file was written to: %d bytes", fi.Size())
	}
}
