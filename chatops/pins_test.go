package chatops

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

// These tests pin behaviours that planted bugs once slipped past: the canary's
// bounds, the exact number of attempts after lost races, and that lowering is
// never gated at the policy itself.

func TestCanaryPercentBounds(t *testing.T) {
	for _, tc := range []struct {
		in      string
		percent int    // when it parses
		err     string // when it does not
	}{
		{"/canary 0", 0, ""},
		{"/canary 100", 100, ""},
		{"/canary 50%", 50, ""},
		{"/canary 50 %", 50, ""},
		{"/canary 050", 50, ""},
		{"/canary +5", 5, ""}, // strconv reads the sign; it is the same number
		{"/canary  5", 5, ""},
		{" /canary 5 ", 5, ""},
		{"/canary 100%", 100, ""},
		{"/canary 101", 0, "canary percentage must be 0 to 100, got 101"},
		{"/canary 101%", 0, "canary percentage must be 0 to 100, got 101"},
		{"/canary 1000", 0, "canary percentage must be 0 to 100, got 1000"},
		{"/canary -1", 0, "canary percentage must be 0 to 100, got -1"},
		{"/canary -0", 0, ""},
		{"/canary 1e2", 0, `"1e2" is not a percentage`},
		{"/canary 5.5", 0, `"5.5" is not a percentage`},
		{"/canary 0x32", 0, `"0x32" is not a percentage`},
		{"/canary ５０", 0, `"５０" is not a percentage`},
		{"/canary 9223372036854775808", 0, `"9223372036854775808" is not a percentage`},
		{"/canary fifty", 0, `"fifty" is not a percentage`},
	} {
		r := Parse(tc.in)
		switch {
		case tc.err == "" && (r.Command == nil || r.Command.Percent != tc.percent):
			t.Errorf("Parse(%q) = %+v, %q; want percent %d", tc.in, r.Command, r.Error, tc.percent)
		case tc.err != "" && (r.Command != nil || !strings.Contains(r.Error, tc.err) || !strings.Contains(r.Error, "usage: /canary <0-100>")):
			t.Errorf("Parse(%q) = %+v, %q; want the error %q with the usage", tc.in, r.Command, r.Error, tc.err)
		}
	}
}

// TestOutOfBoundsCanaryCommitsNothing: the refusal happens before the store.
func TestOutOfBoundsCanaryCommitsNothing(t *testing.T) {
	for _, in := range []string{"/canary 101", "/canary 101 --force", "/canary -1 --force", "/canary 1e2"} {
		store := newMemStore(flagsPath, runbookFlags)
		gate := &fakeGate{}
		svc := &Service{Store: store, Config: testConfig(t), Gate: gate}
		r := run(t, svc, in, "")
		if r.Outcome != BadInput || store.count() != 1 || store.reads != 0 || gate.calls.Load() != 0 || store.file(flagsPath) != runbookFlags {
			t.Errorf("%q: %v %q; %d commits, %d reads, %d gate calls", in, r.Outcome, r.Text, store.count(), store.reads, gate.calls.Load())
		}
	}
}

// TestAttemptsAfterLostRaces: with the default MaxAttempts (8), a command
// whose branch moves under it 7 times commits on the 8th attempt; one whose
// branch moves 8 times is not tried a 9th time, commits nothing, and says
// how many attempts it made. The gate is asked once for the same raise.
func TestAttemptsAfterLostRaces(t *testing.T) {
	for _, tc := range []struct {
		maxAttempts, moves, wantAttempts int
		want                             Outcome
	}{
		{0, 7, 8, Done},
		{0, 8, 8, Failed},
		{0, 100, 8, Failed},
		{3, 2, 3, Done},
		{3, 3, 3, Failed},
		{1, 1, 1, Failed},
	} {
		t.Run(fmt.Sprintf("max %d, moves %d", tc.maxAttempts, tc.moves), func(t *testing.T) {
			store := newMemStore(flagsPath, runbookFlags)
			attempts := 0
			store.alwaysMove = true
			store.beforeCommit = func(s *memStore) {
				attempts++
				if attempts <= tc.moves {
					s.outside("other.txt", fmt.Sprint(attempts))
				}
			}
			gate := &fakeGate{}
			svc := &Service{Store: store, Config: testConfig(t), Gate: gate, MaxAttempts: tc.maxAttempts}
			r := run(t, svc, "/canary 10", "")
			if r.Outcome != tc.want || attempts != tc.wantAttempts || store.reads != tc.wantAttempts {
				t.Fatalf("%v %q after %d attempts and %d reads; want %v after %d", r.Outcome, r.Text, attempts, store.reads, tc.want, tc.wantAttempts)
			}
			if gate.calls.Load() != 1 {
				t.Errorf("the gate was asked %d times for one raise, want 1", gate.calls.Load())
			}
			canary := strings.Contains(store.file(flagsPath), "canary_percent: 10")
			if tc.want == Failed {
				if want := fmt.Sprintf("the flag branch kept moving under %d attempts; nothing was committed, run the command again", tc.wantAttempts); r.Text != want {
					t.Errorf("reply %q, want %q", r.Text, want)
				}
				if canary || store.count() != 1+min(tc.moves, tc.wantAttempts) {
					t.Errorf("committed anyway: %d commits for %d moves", store.count(), tc.moves)
				}
			} else if !canary || store.count() != 1+tc.moves+1 {
				t.Errorf("the canary is not committed: %d commits for %d moves", store.count(), tc.moves)
			}
		})
	}
}

// panicGate fails the test if anything asks it.
type panicGate struct{ calls atomic.Int32 }

func (g *panicGate) Check(ctx context.Context, r GateRequest) error {
	g.calls.Add(1)
	panic(fmt.Sprintf("the gate was asked for %s %d%% → %d%%", r.Environment, r.From, r.To))
}

// TestLoweringIsNeverGatedAtThePolicy asks CheckRaise itself, with a gate
// that panics and steps that the targets are not on: lowering, staying, and
// lowering to a value off the steps are allowed without asking the gate.
func TestLoweringIsNeverGatedAtThePolicy(t *testing.T) {
	gate := &panicGate{}
	p := Policy{Steps: []int{10, 50, 100}, Gate: gate}
	for _, tc := range []struct{ from, to int }{
		{50, 10}, {100, 0}, {50, 50}, {0, 0}, {100, 7}, {10, 0}, {100, 99}, {7, 7}, {101, 100},
	} {
		for _, force := range []bool{false, true} {
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("CheckRaise(%d → %d, force %t): %v", tc.from, tc.to, force, p)
					}
				}()
				if err := p.CheckRaise(context.Background(), "prod", tc.from, tc.to, force); err != nil {
					t.Errorf("CheckRaise(%d → %d, force %t) = %v, want allowed", tc.from, tc.to, force, err)
				}
			}()
		}
	}
	// A forced raise does not ask it either; an unforced one does.
	if err := p.CheckRaise(context.Background(), "prod", 0, 100, true); err != nil {
		t.Errorf("forced raise: %v", err)
	}
	if gate.calls.Load() != 0 {
		t.Fatalf("the gate was asked %d times", gate.calls.Load())
	}
	func() {
		defer func() { _ = recover() }()
		_ = p.CheckRaise(context.Background(), "prod", 0, 10, false)
	}()
	if gate.calls.Load() != 1 {
		t.Errorf("an unforced raise to the next step did not ask the gate")
	}
}

// TestCommandsThatLowerNeverAskTheGate runs them through the Service with a
// gate that panics: lowering, the same value, rollbacks and toggles.
func TestCommandsThatLowerNeverAskTheGate(t *testing.T) {
	raised := strings.Replace(runbookFlags, "canary_percent: 0\n    cohort", "canary_percent: 50\n    cohort", 1)
	for _, tc := range []struct {
		cmd  string
		want Outcome
	}{
		{"/canary 10", Done}, {"/canary 0", Done}, {"/canary 7", Done}, {"/canary 50", NoChange},
		{"/canary 10 --force", Done}, {"/rollback", Done}, {"/rollback FF_NAV_FOOTER", Done},
		{"/toggle FF_NAV_FOOTER on", Done}, {"/toggle FF_NAV_FOOTER default", NoChange}, {"/ab_status", Done},
	} {
		store := newMemStore(flagsPath, raised)
		gate := &panicGate{}
		svc := &Service{Store: store, Config: testConfig(t), Gate: gate}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: %v", tc.cmd, p)
				}
			}()
			if r := run(t, svc, tc.cmd, ""); r.Outcome != tc.want {
				t.Errorf("%s: %v %q, want %v", tc.cmd, r.Outcome, r.Text, tc.want)
			}
		}()
		if strings.Contains(store.lastMessage(), "Forced:") {
			t.Errorf("%s: a lowering is recorded as forced:\n%s", tc.cmd, store.lastMessage())
		}
	}
}

// TestReplayAsksNoGate: a redelivered raise answers from the commit without
// asking the gate again, even when the gate would now refuse.
func TestReplayAsksNoGate(t *testing.T) {
	store := newMemStore(flagsPath, runbookFlags)
	gate := &fakeGate{}
	svc := &Service{Store: store, Config: testConfig(t), Gate: gate}
	if r := run(t, svc, "/canary 10", "github-comment:7"); r.Outcome != Done {
		t.Fatalf("%v %q", r.Outcome, r.Text)
	}
	gate.err = &GateError{Check: "sentry", Reason: "12 new issues"}
	r := run(t, svc, "/canary 10", "github-comment:7")
	if r.Outcome != Done || !r.Replayed || gate.calls.Load() != 1 || store.count() != 2 {
		t.Errorf("%v %q replayed %t; gate asked %d times, %d commits", r.Outcome, r.Text, r.Replayed, gate.calls.Load(), store.count())
	}
}

// TestOutsideFieldsCannotForgeATrailer: the channel (Actor.Via) and the
// command text of a command built by an adapter (RunCommand, not Parse) reach
// the commit message as one line each, so neither can add a trailer.
func TestOutsideFieldsCannotForgeATrailer(t *testing.T) {
	forgeries := []string{
		"x\nReleasebot-Request: forged", "x\r\nReleasebot-Request: forged", "x\n\nReleasebot-Request: forged",
		"x\u2028Releasebot-Request: forged", "x\u0085Releasebot-Request: forged", "x\vReleasebot-Request: forged",
	}
	check := func(t *testing.T, store *memStore, r Reply, what string) {
		t.Helper()
		if r.Outcome != Done {
			t.Fatalf("%s: %v %q", what, r.Outcome, r.Text)
		}
		msg := store.lastMessage()
		tr := Trailers(msg)
		n := 0
		for _, tl := range tr {
			if strings.EqualFold(tl.Key, TrailerRequest) {
				n++
			}
		}
		if n != 1 || !tr.Has(TrailerRequest, "real-id") || HasRequest(msg, "forged") {
			t.Errorf("%s: trailers %q in\n%s", what, tr, msg)
		}
		if strings.Count(msg, "\n"+TrailerRequest) != 1 {
			t.Errorf("%s: a second request line in\n%s", what, msg)
		}
	}
	for _, f := range forgeries {
		store := newMemStore(flagsPath, runbookFlags)
		svc := &Service{Store: store, Config: testConfig(t)}
		r := svc.Run(context.Background(), Request{Text: "/canary 10", Actor: Actor{Name: "ann", Via: "slack" + f}, ID: "real-id"})
		check(t, store, r, fmt.Sprintf("via %q", f))

		store = newMemStore(flagsPath, runbookFlags)
		svc = &Service{Store: store, Config: testConfig(t)}
		cmd := &Command{Name: Canary, Percent: 10, Text: "/canary 10" + f}
		r = svc.RunCommand(context.Background(), cmd, Request{Actor: ann, ID: "real-id"})
		check(t, store, r, fmt.Sprintf("command text %q", f))
	}
}

// panicAuthorizer fails the test if anything asks it.
type panicAuthorizer struct{}

func (panicAuthorizer) Authorize(ctx context.Context, who Actor, cmd Command) error {
	panic("asked to authorize " + cmd.Name.String())
}

// TestReadCommandsAskNoAuthorizer: the table's non-mutating commands run
// without authorization, and every mutating one asks for it.
func TestReadCommandsAskNoAuthorizer(t *testing.T) {
	for _, s := range Specs {
		store := newMemStore(flagsPath, runbookFlags)
		svc := &Service{Store: store, Config: testConfig(t), Authorizer: panicAuthorizer{}}
		asked := false
		func() {
			defer func() { asked = recover() != nil }()
			run(t, svc, s.Example, "")
		}()
		if asked != s.Mutating {
			t.Errorf("%s (mutating %t): authorizer asked %t", s.Example, s.Mutating, asked)
		}
		if store.count() != 1 {
			t.Errorf("%s: %d commits", s.Example, store.count())
		}
	}
}
