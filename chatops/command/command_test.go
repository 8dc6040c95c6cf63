package command

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README's command list from the table")

// TestREADMECommandListIsTheTable keeps the README's command list the table's:
// a command added, renamed or re-described in the table and not in the
// README fails here. With -update the README's list is rewritten.
func TestREADMECommandListIsTheTable(t *testing.T) {
	const path = "../../README.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	start := strings.Index(readme, "| command | effect |\n")
	if start < 0 {
		t.Fatalf("%s has no command list (a table headed | command | effect |)", path)
	}
	end := strings.Index(readme[start:], "\n\n")
	if end < 0 {
		t.Fatalf("%s: the command list does not end with a blank line", path)
	}
	end += start + 1
	got, want := readme[start:end], MarkdownTable()
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(readme[:start]+want+readme[end:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the README's command list is not the table's (run go test ./chatops/command -update):\ngot:\n%s\nwant:\n%s", got, want)
}

func TestTable(t *testing.T) {
	seen := map[string]Name{}
	names := map[Name]bool{}
	for _, s := range Table {
		if names[s.Name] {
			t.Errorf("%s is in the table twice", s.Name)
		}
		names[s.Name] = true
		for _, w := range append([]string{s.Word}, s.Aliases...) {
			if !strings.HasPrefix(w, "/") || w != strings.ToLower(w) || strings.ContainsAny(w, " \t") {
				t.Errorf("%q: a word is lower case, starts with / and has no space", w)
			}
			if prev, ok := seen[w]; ok {
				t.Errorf("%q calls both %s and %s", w, prev, s.Name)
			}
			seen[w] = s.Name
			if got, ok := Lookup(w); !ok || got.Name != s.Name {
				t.Errorf("Lookup(%q) = %v, %t; want %s", w, got.Name, ok, s.Name)
			}
		}
		if !strings.HasPrefix(s.Usage, s.Word) || !strings.HasPrefix(s.Example, s.Word) {
			t.Errorf("%s: the usage %q and example %q start with the word", s.Name, s.Usage, s.Example)
		}
		if s.MinArgs < 0 || (s.MaxArgs >= 0 && s.MaxArgs < s.MinArgs) {
			t.Errorf("%s: arguments %d to %d", s.Name, s.MinArgs, s.MaxArgs)
		}
		if s.Summary == "" || strings.Contains(s.Summary, "\n") {
			t.Errorf("%s: the summary is one line", s.Name)
		}
	}
	for _, w := range []string{"/CANARY", "canary", "/canary ", "/metrics", ""} {
		if _, ok := Lookup(w); ok {
			t.Errorf("Lookup(%q) found a command", w)
		}
	}
	if Name(0).String() != "unknown" || Name(99).Mutating() {
		t.Error("a name outside the table is unknown and not mutating")
	}
}

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Canary.Line("10"), "/canary 10"},
		{Toggle.Line("FF_X", "on"), "/toggle FF_X on"},
		{Rollback.Line(), "/rollback"},
		{ABStatus.Line("", "user", "<id>"), "/ab_status user <id>"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestAllWords(t *testing.T) {
	got := strings.Join(AllWords(), " ")
	if want := "canary rollback toggle ab_status ab-status abstatus release help"; got != want {
		t.Errorf("AllWords() = %q, want %q", got, want)
	}
}
