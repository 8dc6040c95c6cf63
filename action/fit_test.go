package action

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/Masterminds/semver/v3"

	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/releasenotes"
)

func TestChars(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "é": 1, "日本": 2, "😀": 2} {
		if got := Chars(s); got != want {
			t.Errorf("Chars(%q) = %d; want %d", s, got, want)
		}
	}
}

func TestFitSmallBodyUnchanged(t *testing.T) {
	body := "# notes\n\n" + Marker{Version: "1.0.0"}.Encode() + "\n"
	if got := Fit(body, PRBodyLimit, "u"); got != body {
		t.Fatalf("Fit changed a body that fits: %q", got)
	}
}

func TestFitClosesFenceKeepsMarker(t *testing.T) {
	body := "# notes\n\n```\n" + strings.Repeat("code line 😀\n", 100) + "```\n" + Marker{Version: "1.0.0", Tag: "v1.0.0"}.Encode() + "\n"
	got := Fit(body, 600, "https://github.com/acme/shop/blob/v1.0.0/RELEASE_NOTES.md")
	if Chars(got) > 600 {
		t.Fatalf("%d characters; limit 600", Chars(got))
	}
	if openFence(got) != "" {
		t.Errorf("fence left open:\n%s", got)
	}
	if m, ok := ParseMarker(got); !ok || m.Version != "1.0.0" {
		t.Errorf("marker lost:\n%s", got)
	}
	if !strings.Contains(got, "limit of 600 characters") || !strings.Contains(got, "(https://github.com/acme/shop/blob/v1.0.0/RELEASE_NOTES.md)") {
		t.Errorf("cut note missing:\n%s", got)
	}
}

// A release of 5 000 commits with long subjects: the PR body and the
// Release body fit GitHub's limits with the marker intact and the link to
// the full notes.
func TestFitHugeRelease(t *testing.T) {
	h := &releasenotes.History{
		Previous: releasenotes.Tag{Name: "v1.0.0", Version: semver.MustParse("1.0.0")},
		From:     "v1.0.0", To: "HEAD", Head: strings.Repeat("a", 40),
	}
	types := []string{"feat", "fix", "perf", "docs", "refactor"}
	for i := 0; i < 5000; i++ {
		msg := fmt.Sprintf("%s(area%d): %s change number %d (#%d)", types[i%len(types)], i%17, strings.Repeat("a rather long subject with words ", 4), i, 1000+i)
		h.Changes = append(h.Changes, releasenotes.NewChange(fmt.Sprintf("%040x", i+1), releasenotes.Person{Name: fmt.Sprintf("Dev %d", i%40)}, time.Unix(1700000000, 0), msg))
	}
	h.Commits = len(h.Changes)
	n, err := releasenotes.Build(h, releasenotes.Options{Config: config.Default(), RepoURL: "https://github.com/acme/shop", Date: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := releasenotes.DefaultTemplate().Render(&b, n); err != nil {
		t.Fatal(err)
	}
	notes := b.String()
	if Chars(notes) <= ReleaseBodyLimit {
		t.Fatalf("the notes are %d characters; the test needs more than %d", Chars(notes), ReleaseBodyLimit)
	}
	m := Marker{Version: n.Version, Tag: n.Tag, Branch: "main", Slack: &SlackMessage{Channel: "C1", TS: "1.2"}}
	url := "https://github.com/acme/shop/blob/releasebot/release-main/RELEASE_NOTES.md"
	for _, tc := range []struct {
		name  string
		body  string
		limit int
		mark  bool
	}{
		{"PR body", WithMarker(notes, m), PRBodyLimit, true},
		{"Release body", notes + "\n## Rollout log\n", ReleaseBodyLimit, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Fit(tc.body, tc.limit, url)
			if c := Chars(got); c > tc.limit {
				t.Fatalf("%d characters; limit %d", c, tc.limit)
			}
			if !strings.Contains(got, "]("+url+")") {
				t.Error("no link to the full notes")
			}
			if openFence(got) != "" {
				t.Error("a code block is left open")
			}
			if tc.mark {
				pm, ok := ParseMarker(got)
				if !ok || pm.Version != n.Version || pm.Slack == nil || pm.Slack.TS != "1.2" {
					t.Errorf("marker %+v, %v", pm, ok)
				}
			}
		})
	}
}

// One line longer than the limit (a huge paragraph, or a commit body
// without breaks) is cut inside, at a whole rune, rather than dropped.
func TestFitOneHugeLine(t *testing.T) {
	line := strings.Repeat("é😀x", 40000) // 160 000 UTF-16 units
	for _, body := range []string{line, "# v1.3.0\n\n" + line + "\n\nafter\n"} {
		got := Fit(body, PRBodyLimit, "https://x/RELEASE_NOTES.md")
		if c := Chars(got); c > PRBodyLimit {
			t.Fatalf("%d characters; limit %d", c, PRBodyLimit)
		}
		if !utf8.ValidString(got) {
			t.Fatal("cut inside a rune")
		}
		if !strings.Contains(got, "é😀xé😀x") || !strings.Contains(got, "…\n") || Chars(got) < PRBodyLimit-500 {
			t.Errorf("the long line was dropped, not cut: %d characters\n%.200s", Chars(got), got)
		}
	}
}
