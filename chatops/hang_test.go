package chatops

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hangingGate is a gate whose checks hang, as a health endpoint that never
// answers does, until release is closed (then they pass) or their context ends.
type hangingGate struct {
	calls   atomic.Int32
	entered chan GateRequest
	release chan struct{}
}

func newHangingGate() *hangingGate {
	return &hangingGate{entered: make(chan GateRequest, 64), release: make(chan struct{})}
}

func (g *hangingGate) Check(ctx context.Context, r GateRequest) error {
	g.calls.Add(1)
	g.entered <- r
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitEntered waits until n checks hang.
func (g *hangingGate) waitEntered(t testing.TB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-g.entered:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d of %d gate checks started", i, n)
		}
	}
}

// lockedMemStore is a memStore with a Locker, as a local clone has: it shows
// whether the Service holds the lock while a gate runs.
type lockedMemStore struct {
	*memStore
	lock chan struct{}
}

func (s *lockedMemStore) Lock(ctx context.Context) (func(), error) {
	select {
	case s.lock <- struct{}{}:
		return func() { <-s.lock }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hangingRaises starts n raises of text whose gates hang, and returns their
// replies, delivered when they end.
func hangingRaises(t testing.TB, svc *Service, gate *hangingGate, n int, text string) (chan Reply, *sync.WaitGroup) {
	out := make(chan Reply, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			out <- svc.Run(context.Background(), Request{Text: text, Actor: Actor{Name: fmt.Sprintf("raiser%d", i), Via: "slack"}, ID: fmt.Sprintf("raise-%d", i)})
		}(i)
	}
	gate.waitEntered(t, n)
	return out, &wg
}

func TestRollbackNeverWaitsForAGate(t *testing.T) {
	at10 := strings.Replace(runbookFlags, "canary_percent: 0\n    cohort", "canary_percent: 10\n    cohort", 1)
	mem := newMemStore(flagsPath, at10)
	store := &lockedMemStore{memStore: mem, lock: make(chan struct{}, 1)}
	gate := newHangingGate()
	svc := &Service{Store: store, Config: testConfig(t), Gate: gate}

	replies, wg := hangingRaises(t, svc, gate, 3, "/canary 50")
	// While three raises hang on their gates, what is never gated goes
	// through at once: lowering, a toggle, the rollback.
	for _, c := range []string{"/canary 0", "/toggle FF_NAV_FOOTER off stage", "/rollback"} {
		before := mem.count()
		start := time.Now()
		r := run(t, svc, c, "")
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s took %v while the gates hang, want well under a second", c, took)
		}
		if r.Outcome != Done || mem.count() != before+1 {
			t.Fatalf("%s: %v %q, %d commits", c, r.Outcome, r.Text, mem.count()-before)
		}
	}
	if !strings.Contains(mem.lastMessage(), "Command: /rollback\n") {
		t.Errorf("the tip is not the rollback:\n%s", mem.lastMessage())
	}
	select {
	case r := <-replies:
		t.Fatalf("a raise ended before its gate answered: %v %q", r.Outcome, r.Text)
	default:
	}

	// The gates pass now. Each raise lost its race; re-applied on the rolled
	// back state it is 0% → 50%, another raise, which the step rule refuses.
	committed := mem.count()
	close(gate.release)
	wg.Wait()
	close(replies)
	for r := range replies {
		if r.Outcome != Refused || !strings.Contains(r.Text, "canary 0% → 50% skips 10%") {
			t.Errorf("raise after the rollback: %v %q, want refused for skipping 10%%", r.Outcome, r.Text)
		}
	}
	if mem.count() != committed {
		t.Errorf("%d commits after the gates passed, want none", mem.count()-committed)
	}
	final := mem.file(flagsPath)
	if !contains(final, "canary_percent: 0\n    cohort", "FF_NEW_ONBOARDING: {default: off, canary: true, override: off}", "FF_NAV_FOOTER: {default: off, canary: true, override: off}") ||
		!strings.Contains(final, "FF_NAV_FOOTER: {default: on, override: off}") {
		t.Errorf("final state lost an update:\n%s", final)
	}
	if n := gate.calls.Load(); n != 3 {
		t.Errorf("%d gate checks, want 3", n)
	}
}

// TestReappliedRaiseIsGatedAnewWhenItsEnvironmentChanged: a raise that lost
// its race keeps its gate's answer only if its environment is as the gate saw
// it; a change there makes it another raise.
func TestReappliedRaiseIsGatedAnewWhenItsEnvironmentChanged(t *testing.T) {
	tests := []struct {
		name      string
		meanwhile string // committed while the raises hang
		minCalls  int32
		maxCalls  int32
	}{
		{"another environment changed", "/toggle FF_NAV_FOOTER off stage", 3, 3},
		{"a flag of the same environment changed", "/toggle FF_NAV_FOOTER off", 4, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := newMemStore(flagsPath, runbookFlags)
			store := &lockedMemStore{memStore: mem, lock: make(chan struct{}, 1)}
			gate := newHangingGate()
			svc := &Service{Store: store, Config: testConfig(t), Gate: gate}
			replies, wg := hangingRaises(t, svc, gate, 3, "/canary 10")
			if r := run(t, svc, tt.meanwhile, ""); r.Outcome != Done {
				t.Fatalf("%s: %v %q", tt.meanwhile, r.Outcome, r.Text)
			}
			close(gate.release)
			wg.Wait()
			close(replies)
			outcomes := map[Outcome]int{}
			for r := range replies {
				outcomes[r.Outcome]++
			}
			// One raise commits; the others find the canary at 10% already.
			if outcomes[Done] != 1 || outcomes[NoChange] != 2 {
				t.Errorf("outcomes %v, want one done and two no change", outcomes)
			}
			if n := gate.calls.Load(); n < tt.minCalls || n > tt.maxCalls {
				t.Errorf("%d gate checks, want %d to %d", n, tt.minCalls, tt.maxCalls)
			}
			final := mem.file(flagsPath)
			if !strings.Contains(final, "canary_percent: 10\n    cohort") || !strings.Contains(final, "override: off}") {
				t.Errorf("final state lost an update:\n%s", final)
			}
			if mem.count() != 3 {
				t.Errorf("%d commits, want 3 (initial, the toggle, one raise)", mem.count())
			}
		})
	}
}
