package audit

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fake is a check whose behaviour a test sets.
type fake struct {
	name  string
	calls *atomic.Int32
	run   func(ctx context.Context, call int32) (Result, error)
}

func (f fake) String() string { return f.name }
func (f fake) Run(ctx context.Context) (Result, error) {
	n := int32(1)
	if f.calls != nil {
		n = f.calls.Add(1)
	}
	return f.run(ctx, n)
}

func sleeper(name string, d time.Duration, s Status) fake {
	return fake{name: name, run: func(ctx context.Context, _ int32) (Result, error) {
		select {
		case <-time.After(d):
			return Result{Status: s, Reason: name + " done"}, nil
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
	}}
}

func TestRunnerKeepsDeclaredOrder(t *testing.T) {
	t.Parallel()
	rep := Runner{}.Run(context.Background(),
		sleeper("a", 150*time.Millisecond, Pass),
		sleeper("b", 100*time.Millisecond, Skip),
		sleeper("c", 50*time.Millisecond, Warn),
		sleeper("d", 0, Pass),
	)
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name+":"+string(c.Status))
	}
	if got := strings.Join(names, " "); got != "a:pass b:skip c:warn d:pass" || rep.Status != Warn {
		t.Errorf("order %s, overall %s", got, rep.Status)
	}
}

func TestRunnerRetriesTransportErrorsOnce(t *testing.T) {
	t.Parallel()
	var flakyCalls, downCalls, badCalls atomic.Int32
	flaky := fake{name: "flaky", calls: &flakyCalls, run: func(_ context.Context, n int32) (Result, error) {
		if n == 1 {
			return Result{}, &TransportError{URL: "http://x", Err: errors.New("connection reset by peer")}
		}
		return Result{Status: Pass, Reason: "fine"}, nil
	}}
	down := fake{name: "down", calls: &downCalls, run: func(context.Context, int32) (Result, error) {
		return Result{Evidence: Evidence{URL: "http://x/health"}}, &TransportError{URL: "http://x/health", Err: errors.New("connection refused")}
	}}
	bad := fake{name: "bad", calls: &badCalls, run: func(context.Context, int32) (Result, error) {
		return Result{}, errors.New("answered garbage")
	}}
	rep := Runner{}.Run(context.Background(), flaky, down, bad)
	if rep.Checks[0].Status != Pass || flakyCalls.Load() != 2 {
		t.Errorf("flaky: %+v after %d calls", rep.Checks[0], flakyCalls.Load())
	}
	if c := rep.Checks[1]; c.Status != Fail || c.Reason != "could not reach http://x/health: connection refused" || c.Evidence.URL != "http://x/health" || downCalls.Load() != 2 {
		t.Errorf("down: %+v after %d calls", c, downCalls.Load())
	}
	if c := rep.Checks[2]; c.Status != Fail || c.Reason != "answered garbage" || badCalls.Load() != 1 {
		t.Errorf("bad: %+v after %d calls", c, badCalls.Load())
	}
}

func TestRunnerTimeoutsPanicsAndCancellation(t *testing.T) {
	t.Parallel()
	stubborn := fake{name: "stubborn", run: func(context.Context, int32) (Result, error) {
		time.Sleep(2 * time.Second) // ignores ctx
		return Result{Status: Pass}, nil
	}}
	crash := fake{name: "crash", run: func(context.Context, int32) (Result, error) { panic("boom") }}
	silent := fake{name: "silent", run: func(context.Context, int32) (Result, error) { return Result{}, nil }}
	start := time.Now()
	rep := Runner{Timeout: 5 * time.Second, Timeouts: map[string]time.Duration{"stubborn": 100 * time.Millisecond}}.
		Run(context.Background(), stubborn, crash, silent)
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("the runner waited %s for a check that ignores its context", d)
	}
	want := []string{"the check did not finish within 100ms", "the check crashed: boom", "the check gave no verdict"}
	for i, c := range rep.Checks {
		if c.Status != Fail || c.Reason != want[i] {
			t.Errorf("%s: %s %q, want fail %q", c.Name, c.Status, c.Reason, want[i])
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep = Runner{}.Run(ctx, sleeper("late", time.Second, Pass))
	if c := rep.Checks[0]; c.Status != Fail || c.Reason != "the audit was cancelled before this check finished" {
		t.Errorf("cancelled: %+v", c)
	}
}

func TestOverall(t *testing.T) {
	t.Parallel()
	r := func(ss ...Status) []Result {
		var out []Result
		for _, s := range ss {
			out = append(out, Result{Status: s})
		}
		return out
	}
	for _, tt := range []struct {
		in   []Result
		want Status
	}{
		// Nothing ran: not a pass (this pinned pass before; issue 8).
		{nil, Skip},
		{r(Skip), Skip},
		{r(Skip, Skip), Skip},
		{r(Pass, Skip), Pass},
		{r(Skip, Pass), Pass},
		{r(Skip, Warn, Skip), Warn},
		{r(Skip, Fail), Fail},
		{r(Pass, Warn, Skip), Warn},
		{r(Warn, Fail, Pass), Fail},
	} {
		if got := Overall(tt.in); got != tt.want {
			t.Errorf("Overall(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func BenchmarkAuditParallel(b *testing.B) {
	checks := []Check{
		sleeper("ci", 20*time.Millisecond, Pass), sleeper("health", 50*time.Millisecond, Pass),
		sleeper("metrics", 20*time.Millisecond, Pass), sleeper("sentry", 20*time.Millisecond, Pass),
		sleeper("flags-stage", 0, Pass), sleeper("flags-prod", 0, Pass), sleeper("version", 0, Pass),
	}
	for b.Loop() {
		Runner{}.Run(context.Background(), checks...)
	}
}
