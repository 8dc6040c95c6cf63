package chatops

import (
	"fmt"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/golden"
)

// parseCorpus is what TestParseIsPinned feeds the parser: every form of
// every command, at and past its argument counts, and the near misses. The
// golden file was written by the parser before the command table moved to
// package command, so a change in what the parser accepts or says shows.
var parseCorpus = []string{
	"/canary 50", "/canary 50%", "/canary 50 %", "/canary 50 % prod", "/canary 50% prod --force",
	"/canary --force 50 prod", "/canary 50 prod extra", "/canary 50 % prod extra more", "/canary",
	"/canary --force", "/canary 0", "/canary 100", "/canary 101", "/canary -1", "/canary 050",
	"/canary 1e2", "/canary +5", "/canary  5", "/canary 5.0", "/canary 0x10", "/canary %", "/canary 50%%",
	"/CANARY 10 Prod -f", "/canary 10 —force", "/canary 99999999999999999999",
	"/rollback", "/rollback prod", "/rollback FF_X prod", "/rollback FF_X prod extra", "/rollback <FLAG>",
	"/rollback --force", "/rollback a b c d",
	"/toggle FF_X on", "/toggle FF_X off prod", "/toggle FF_X default prod extra", "/toggle FF_X",
	"/toggle", "/toggle <FLAG>", "/toggle <FLAG> on", "/toggle FF_X maybe", "/toggle FF_X TRUE",
	"/toggle FF_X clear --force", "/toggle FF_X on prod a b",
	"/ab_status", "/ab_status prod", "/ab_status prod user 42", "/ab_status user", "/ab_status user 1 user 2",
	"/ab_status prod stage", "/ab-status", "/abstatus stage user x", "/AB_STATUS",
	"/release", "/release status", "/release STATUS", "/release help", "/release notes", "/release status now",
	"/help", "/help canary", "/help /toggle", "/help ab-status", "/help nope", "/help canary toggle",
	"/canery 10", "/rolback", "/foo", "/metrics looks fine", "canary 10", "", "   ",
}

func TestParseIsPinned(t *testing.T) {
	var b strings.Builder
	for _, in := range parseCorpus {
		r := Parse(in)
		switch {
		case r.Ignore:
			fmt.Fprintf(&b, "%q → ignore\n", in)
		case r.Error != "":
			fmt.Fprintf(&b, "%q → error: %s\n", in, r.Error)
		default:
			c := r.Command
			fmt.Fprintf(&b, "%q → %s percent=%d force=%t flag=%q value=%q env=%q user=%q topic=%q text=%q\n",
				in, c.Name, c.Percent, c.Force, c.Flag, c.Value, c.Env, c.User, c.Topic, c.Text)
		}
	}
	golden.AssertString(t, "parse.golden.txt", b.String())
}
