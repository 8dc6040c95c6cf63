package releasenotes

import (
	"regexp"
	"testing"

	"github.com/releasebot/releasebot/chatops"
)

// TestRolloutStepsParse runs every command the notes write through the chat
// parser: a rollout step the bot would refuse is a broken runbook.
func TestRolloutStepsParse(t *testing.T) {
	rollout, rollback := rolloutSteps([]int{10, 50, 100}, []string{"FF_A", "FF_B"}, []string{"FF_A"})
	codeRe := regexp.MustCompile("`(/[^`]+)`")
	for _, s := range append(rollout, rollback...) {
		if r := chatops.Parse(s.Command); r.Command == nil {
			t.Errorf("rollout step %q does not parse: %s", s.Command, r.Error)
		}
		for _, m := range codeRe.FindAllStringSubmatch(s.Note, -1) {
			if r := chatops.Parse(m[1]); r.Command == nil {
				t.Errorf("the note of %q quotes %q, which does not parse: %s", s.Command, m[1], r.Error)
			}
		}
	}
}

// TestRunbookKnowsEveryCommand: every word the parser accepts is a command in
// a runbook, and a word it refuses is not.
func TestRunbookKnowsEveryCommand(t *testing.T) {
	for _, s := range chatops.Specs {
		for _, w := range append([]string{s.Word}, s.Aliases...) {
			cs := FindCommands("run `" + w + "` now")
			if len(cs) != 1 || "/"+cs[0].Name != w {
				t.Errorf("%q in a runbook: got %+v, want the command", w, cs)
			}
		}
	}
	for _, w := range []string{"/metrics", "/quiz", "/start", "/canery"} {
		if cs := FindCommands("open `" + w + "`"); len(cs) != 0 {
			t.Errorf("%q is not a command, got %+v", w, cs)
		}
		if r := chatops.ParseComment(w); r.Command != nil {
			t.Errorf("%q parses as a command", w)
		}
	}
}
