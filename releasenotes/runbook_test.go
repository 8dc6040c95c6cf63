package releasenotes

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/releasebot/releasebot/internal/golden"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dumpRunbook writes a runbook's structure one item a line, for goldens.
func dumpRunbook(rb *Runbook) string {
	var b strings.Builder
	fmt.Fprintf(&b, "source: %s\ntitle: %s\n", rb.Source, rb.Title)
	for _, s := range rb.Sections {
		fmt.Fprintf(&b, "\n[%s] h%d line %d: %s\n", s.Phase, s.Level, s.Line, s.Title)
		for _, it := range s.Items {
			fmt.Fprintf(&b, "  %d %q n=%d depth=%d done=%v: %s\n", it.Line, it.Marker, it.Number, it.Depth, it.Done, it.Text)
			for _, c := range it.Commands {
				fmt.Fprintf(&b, "      cmd %q name=%s setting=%v args=%q placeholder=%v\n", c.Text, c.Name, c.Setting, c.Args, c.Placeholder)
			}
		}
	}
	return b.String()
}

func TestParseRunbookGolden(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"RUNBOOK.en.md", "RUNBOOK.ru.md"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := readFixture(t, name)
			rb, err := ParseRunbook(name, src)
			if err != nil {
				t.Fatal(err)
			}
			golden.AssertString(t, "runbook-"+strings.TrimSuffix(strings.TrimPrefix(name, "RUNBOOK."), ".md")+".golden", dumpRunbook(rb))
		})
	}
}

// TestRunbookByteExact holds every item to its source line: marker, one
// space, then the text byte for byte — Cyrillic, emoji, backticks and all.
func TestRunbookByteExact(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"RUNBOOK.en.md", "RUNBOOK.ru.md"} {
		src := readFixture(t, name)
		lines := strings.Split(string(src), "\n")
		rb, err := ParseRunbook(name, src)
		if err != nil {
			t.Fatal(err)
		}
		if got := rb.Items(); got != 26 {
			t.Errorf("%s: %d items, want 26", name, got)
		}
		for _, s := range rb.Sections {
			if !strings.Contains(string(src), "## "+s.Title+"\n") {
				t.Errorf("%s: section title %q is not in the source", name, s.Title)
			}
			for _, it := range s.Items {
				if got, want := it.Marker+" "+it.Text, lines[it.Line-1]; got != want {
					t.Errorf("%s line %d:\n got %q\nwant %q", name, it.Line, got, want)
				}
			}
		}
		// And through the renderer: every list line of the runbook appears in
		// RELEASE_NOTES.md, with a task box after the marker for checklists.
		n := buildNotes(t, &History{}, Options{Runbook: rb})
		doc := Markdown(n)
		for _, s := range rb.Sections {
			for _, it := range s.Items {
				task := it.Marker + " [ ] " + it.Text
				plain := it.Marker + " " + it.Text
				if !strings.Contains(doc, task+"\n") && !strings.Contains(doc, plain+"\n") {
					t.Errorf("%s: item on line %d is not in the notes byte for byte: %q", name, it.Line, it.Text)
				}
			}
		}
	}
}

func TestBuiltinRunbookIsTheEnglishRunbook(t *testing.T) {
	t.Parallel()
	if !bytes.Equal(BuiltinRunbookSource(), readFixture(t, "RUNBOOK.en.md")) {
		t.Fatal("runbook/RUNBOOK.md differs from testdata/RUNBOOK.en.md; both copy ../shared/runbook/RUNBOOK.en.md")
	}
	rb := BuiltinRunbook()
	if rb.Source != BuiltinSource || rb.Items() != 26 {
		t.Errorf("built-in runbook: source %q, %d items", rb.Source, rb.Items())
	}
}

func TestParseRunbookShapes(t *testing.T) {
	t.Parallel()
	src := "Intro text.\n\n- [ ] first, before any heading\n\n# Title late\n\nSetext section\n---\n\n3) three\n4) four\n   continued line\n   - nested `/rollback`\n   - [x] ticked\n\n> - quoted item\n\n* star item\n"
	rb, err := ParseRunbook("x.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := `source: x.md
title: 

[stage] h0 line 3: 
  3 "-" n=0 depth=0 done=false: first, before any heading

[stage] h1 line 5: Title late

[stage] h2 line 7: Setext section
  10 "3)" n=3 depth=0 done=false: three
  11 "4)" n=4 depth=0 done=false: four
   continued line
  13 "-" n=0 depth=1 done=false: nested ` + "`/rollback`" + `
      cmd "/rollback" name=rollback setting=false args=[] placeholder=false
  14 "-" n=0 depth=1 done=true: ticked
  16 "-" n=0 depth=0 done=false: quoted item
  18 "*" n=0 depth=0 done=false: star item
`
	if got := dumpRunbook(rb); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if _, err := ParseRunbook("empty.md", []byte("# Nothing to tick\n\nJust prose.\n")); err == nil || !strings.Contains(err.Error(), "empty.md has no list items") {
		t.Errorf("a runbook without items: err = %v", err)
	}
	latin1 := []byte("# Runbook\n\n- caf\xe9\n- ok\n")
	if _, err := ParseRunbook("latin1.md", latin1); err == nil || err.Error() != "the runbook latin1.md is not valid UTF-8 (line 3); save it as UTF-8" {
		t.Errorf("a runbook in Latin-1: err = %v", err)
	}
}

func TestFindCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want []string
	}{
		{"Run `/ab_status` — make sure", []string{"/ab_status"}},
		{"pin with `/toggle FF_NEW_ONBOARDING on`, `/toggle FF_NAV_FOOTER on`.", []string{"/toggle FF_NEW_ONBOARDING on", "/toggle FF_NAV_FOOTER on"}},
		{"Make sure `CANARY_PERCENT=10` in the environment.", []string{"CANARY_PERCENT=10"}},
		{"Make sure `CANARY_PERCENT`=0 and all flags", []string{"CANARY_PERCENT=0"}},
		{"set CANARY_PERCENT=0 and run /ab_status.", []string{"CANARY_PERCENT=0", "/ab_status"}},
		{"Instant: `/toggle <FLAG> off`", []string{"/toggle <FLAG> off"}},
		{"Check `/health` and `/metrics`, run `/start` and /quiz", nil},
		{"then /canary 50% and /rollback FF_X now", []string{"/canary 50%", "/rollback FF_X"}},
		{"Raise `CANARY_PERCENT` to 50%.", nil},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range FindCommands(tt.text) {
			got = append(got, c.Text)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("FindCommands(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestPhaseOf(t *testing.T) {
	t.Parallel()
	for title, want := range map[string]Phase{
		"1. Code freeze":           PhaseStage,
		"3. Stage health-check":    PhaseStage,
		"6. Canary rollout (PROD)": PhaseProd,
		"Production":               PhaseProd,
		"Products page":            PhaseStage,
		"7. Rollback plan":         PhaseRollback,
		"План отката":              PhaseRollback,
		"8. Post-release":          PhasePost,
		"Канареечный выкат":        PhaseProd,
	} {
		if got := PhaseOf(title); got != want {
			t.Errorf("PhaseOf(%q) = %s, want %s", title, got, want)
		}
	}
}

func FuzzParseRunbook(f *testing.F) {
	f.Add(readFixture(f, "RUNBOOK.en.md"))
	f.Add(readFixture(f, "RUNBOOK.ru.md"))
	f.Add([]byte("- a\n  - b\n    1. c\n> - d\n"))
	f.Add([]byte("# T\n\n- [x] done `/canary 50`\n- \xff\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		rb, err := ParseRunbook("fuzz.md", src)
		if err != nil {
			if msg := err.Error(); !strings.Contains(msg, "fuzz.md") || strings.Contains(msg, "\n") {
				t.Fatalf("error is not one line naming the runbook: %q", msg)
			}
			if utf8.Valid(src) != strings.Contains(err.Error(), "no list items") {
				t.Fatalf("UTF-8 %v, error %v", utf8.Valid(src), err)
			}
			return
		}
		if !utf8.Valid(src) {
			t.Fatal("a runbook that is not UTF-8 was accepted")
		}
		lines := strings.Split(string(src), "\n")
		items := 0
		for _, s := range rb.Sections {
			for _, it := range s.Items {
				items++
				if it.Text == "" && it.Marker == "" {
					t.Errorf("an empty item on line %d", it.Line)
				}
				// Byte for byte from the source, starting on its own line.
				first, _, _ := strings.Cut(it.Text, "\n")
				if it.Line < 1 || it.Line > len(lines) || !strings.Contains(lines[it.Line-1], first) {
					t.Errorf("item %q is not on its line %d", it.Text, it.Line)
				}
			}
			// The checklist shows each item once, box and text as parsed.
			out := checklist(s.Items)
			for _, it := range s.Items {
				if !strings.Contains(out, it.Marker+" [") || !strings.Contains(out, "] "+it.Text) {
					t.Errorf("checklist %q lacks item %q", out, it.Text)
				}
			}
		}
		if items == 0 || rb.Items() != items {
			t.Errorf("Items() = %d, the sections hold %d", rb.Items(), items)
		}
		// Parsing is a function of the input.
		again, err := ParseRunbook("fuzz.md", src)
		if err != nil || !reflect.DeepEqual(rb, again) {
			t.Errorf("a second parse differs: %v", err)
		}
	})
}
