package localgit

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/gittest"
)

// hangingGate hangs every check, as a health endpoint that never answers
// does, until release is closed (then it passes) or the check's context ends.
type hangingGate struct {
	entered chan struct{}
	release chan struct{}
}

func (g *hangingGate) Check(ctx context.Context, _ chatops.GateRequest) error {
	g.entered <- struct{}{}
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

const renderConfig = "render:\n  - {environment: prod, format: dotenv, path: deploy/prod.env}\n  - {environment: prod, format: flagd, path: deploy/prod.flagd.json}\n"

// hangWorld is a clone at canary 10 % and a Service whose gate hangs, with
// three raises to 50 % waiting on it.
type hangWorld struct {
	r       *gittest.Repo
	svc     *chatops.Service
	gate    *hangingGate
	replies chan chatops.Reply
	wg      sync.WaitGroup
}

func newHangWorld(tb testing.TB) *hangWorld {
	tb.Helper()
	r := gittest.New(tb, map[string]string{flagsPath: strings.Replace(flagsYAML, "canary_percent: 0", "canary_percent: 10", 1)})
	cfg, err := config.Parse("c.yml", []byte(renderConfig))
	if err != nil {
		tb.Fatal(err)
	}
	s, err := Open(context.Background(), r.Dir, "", cfg.FlagsFile, []string{"deploy/prod.env", "deploy/prod.flagd.json"})
	if err != nil {
		tb.Fatal(err)
	}
	s.Env = r.Vars
	w := &hangWorld{r: r, gate: &hangingGate{entered: make(chan struct{}, 16), release: make(chan struct{})}, replies: make(chan chatops.Reply, 3)}
	w.svc = &chatops.Service{Store: s, Config: cfg, Gate: w.gate}
	for i := 0; i < 3; i++ {
		w.wg.Add(1)
		go func(i int) {
			defer w.wg.Done()
			w.replies <- w.svc.Run(context.Background(), chatops.Request{Text: "/canary 50", Actor: chatops.Actor{Name: fmt.Sprintf("raiser%d", i), Via: "slack"}, ID: fmt.Sprintf("raise-%d", i)})
		}(i)
	}
	for i := 0; i < 3; i++ {
		select {
		case <-w.gate.entered:
		case <-time.After(20 * time.Second):
			tb.Fatalf("only %d of 3 raises reached their gate", i)
		}
	}
	return w
}

// finish lets the gates pass and waits for the raises.
func (w *hangWorld) finish() []chatops.Reply {
	close(w.gate.release)
	w.wg.Wait()
	close(w.replies)
	var out []chatops.Reply
	for r := range w.replies {
		out = append(out, r)
	}
	return out
}

func (w *hangWorld) run(tb testing.TB, text string) chatops.Reply {
	tb.Helper()
	return w.svc.Run(context.Background(), chatops.Request{Text: text, Actor: chatops.Actor{Name: "oncall", Via: "cli"}})
}

// TestRollbackWhileRaisesHang is issue 8's measure: /rollback on a local
// clone commits in well under a second while three gated raises hang on their
// health checks, and the raises, once their gates pass, find the rollback and
// are refused rather than undoing it.
func TestRollbackWhileRaisesHang(t *testing.T) {
	w := newHangWorld(t)
	defer func() {
		select {
		case <-w.gate.release:
		default:
			w.finish()
		}
	}()
	// What is never gated goes through at once: a toggle, lowering the
	// canary, and the rollback, the figure of issue 8.
	for _, c := range []string{"/toggle FF_NAV_FOOTER on", "/canary 0", "/rollback"} {
		before := w.r.Git("rev-parse", "main")
		start := time.Now()
		r := w.run(t, c)
		took := time.Since(start)
		if r.Outcome != chatops.Done {
			t.Fatalf("%s: %v %q", c, r.Outcome, r.Text)
		}
		if took > time.Second {
			t.Errorf("%s took %v while three gates hang, want well under a second", c, took)
		}
		t.Logf("%s while three gated raises hang: %v", c, took)
		if got := w.r.Git("log", "-1", "--format=%B", "main"); !strings.Contains(got, "Command: "+c+"\n") {
			t.Errorf("the tip is not %s:\n%s", c, got)
		}
		if got := w.r.Git("rev-parse", "main^"); got != before {
			t.Errorf("%s's parent is %s, want %s", c, got, before)
		}
	}
	if len(w.replies) != 0 {
		t.Fatal("a raise ended before its gate answered")
	}
	rolledBack := w.r.Git("rev-parse", "main")
	for _, reply := range w.finish() {
		if reply.Outcome != chatops.Refused || !strings.Contains(reply.Text, "canary 0% → 50% skips 10%") {
			t.Errorf("raise after the rollback: %v %q, want refused for skipping 10%%", reply.Outcome, reply.Text)
		}
	}
	if got := w.r.Git("rev-parse", "main"); got != rolledBack {
		t.Errorf("the raises moved main from the rollback %s to %s", rolledBack, got)
	}
	if got := w.r.Read(flagsPath); !strings.Contains(got, "canary_percent: 0") || strings.Count(got, "override: off") != 2 {
		t.Errorf("work tree's flag file is not the rollback's:\n%s", got)
	}
	if got := w.r.Git("status", "--porcelain"); got != "" {
		t.Errorf("work tree not clean:\n%s", got)
	}
}

// BenchmarkRollbackWhileRaisesHang is /rollback on a local clone (read,
// apply, two renders, commit, work-tree update) while three gated raises hang
// on their health checks. Between iterations, off the clock, the canary is
// put back to 10 % with its flags' overrides cleared.
//
//	go test -run '^$' -bench RollbackWhileRaisesHang -benchtime 20x ./internal/localgit/
func BenchmarkRollbackWhileRaisesHang(b *testing.B) {
	w := newHangWorld(b)
	defer w.finish()
	restore := []string{"/canary 10 --force", "/toggle FF_NEW_ONBOARDING default", "/toggle FF_NAV_FOOTER default"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := w.run(b, "/rollback"); r.Outcome != chatops.Done {
			b.Fatalf("rollback: %v %q", r.Outcome, r.Text)
		}
		b.StopTimer()
		for _, c := range restore {
			if r := w.run(b, c); r.Outcome != chatops.Done {
				b.Fatalf("%s: %v %q", c, r.Outcome, r.Text)
			}
		}
		b.StartTimer()
	}
	b.StopTimer()
	if len(w.replies) != 0 {
		b.Fatal("a raise ended before its gate answered")
	}
}
