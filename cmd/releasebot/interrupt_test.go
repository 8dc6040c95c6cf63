package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/releasebot/releasebot/internal/gittest"
)

// hangingGateRepo is the runbook repository with a prod health gate whose
// endpoint takes requests and never answers; asked reports each request.
func hangingGateRepo(t *testing.T) (repo *gittest.Repo, asked <-chan struct{}) {
	ch := make(chan struct{}, 16)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case ch <- struct{}{}:
		default: // nobody is counting any more; still hang
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: Close waits for handlers
	cfg := renderConfig + "environments:\n  prod:\n    health_url: " + srv.URL + "/health\n"
	repo = gittest.New(t, map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": cfg})
	return repo, ch
}

// TestSignalStopsTheCommand sends a signal while /canary 10 waits on a gate
// that never answers: the process ends at once with one line saying so, and
// the flag branch, index and work tree are as they were.
func TestSignalStopsTheCommand(t *testing.T) {
	tests := []struct {
		sig  syscall.Signal
		name string
		code int
	}{
		{syscall.SIGTERM, "SIGTERM", 143},
		{syscall.SIGINT, "SIGINT", 130},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo, asked := hangingGateRepo(t)
			head := repo.Git("rev-parse", "main")
			cmd := exec.Command(binary, "cmd", "/canary 10", "--as", "ann")
			cmd.Dir, cmd.Env = repo.Dir, repo.Env
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			select {
			case <-asked:
			case <-time.After(30 * time.Second):
				t.Fatal("the gate was never asked")
			}
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-exited:
			case <-time.After(2 * time.Second):
				t.Fatalf("still running 2 s after %s; stderr %q", tt.name, errb.String())
			}
			if got := cmd.ProcessState.ExitCode(); got != tt.code {
				t.Errorf("exit code %d, want %d; stderr %q", got, tt.code, errb.String())
			}
			want := fmt.Sprintf("releasebot: interrupted by %s before the command finished; nothing was committed\n", tt.name)
			if errb.String() != want || out.Len() != 0 {
				t.Errorf("stdout %q, stderr %q; want stderr %q", out.String(), errb.String(), want)
			}
			if repo.Git("rev-parse", "main") != head || repo.Count("main") != 1 {
				t.Error("the flag branch moved")
			}
			if st := repo.Git("status", "--porcelain"); st != "" {
				t.Errorf("the work tree or index changed:\n%s", st)
			}
			if got := repo.Read(".release/flags.yaml"); got != runbookFlags {
				t.Errorf("the flag file changed:\n%s", got)
			}
		})
	}
}

// TestSecondSignalEndsAtOnce runs onSignal in a child process that ignores
// its context after the first signal, as CPU-bound work would: the second
// signal must end it.
func TestSecondSignalEndsAtOnce(t *testing.T) {
	if os.Getenv("RELEASEBOT_SIGNAL_CHILD") == "1" {
		ctx, stop := onSignal(context.Background())
		defer stop()
		fmt.Println("ready")
		<-ctx.Done()
		fmt.Println("cancelled:", context.Cause(ctx))
		for { // busy, deaf to the context
			time.Sleep(time.Millisecond)
		}
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestSecondSignalEndsAtOnce$")
			cmd.Env = append(os.Environ(), "RELEASEBOT_SIGNAL_CHILD=1")
			lines := &lineWaiter{ch: make(chan string, 8)}
			cmd.Stdout = lines
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines.wait(t, "ready")
			cmd.Process.Signal(sig)
			lines.wait(t, "cancelled: interrupted by "+map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT"}[sig])
			cmd.Process.Signal(sig)
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-exited:
			case <-time.After(2 * time.Second):
				t.Fatal("the second signal did not end the process")
			}
			ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if !ok || !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("process ended with %v, want killed by %v", cmd.ProcessState, sig)
			}
		})
	}
}

// lineWaiter hands a child's output on line by line.
type lineWaiter struct {
	buf []byte
	ch  chan string
}

func (l *lineWaiter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.ch <- string(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
}

func (l *lineWaiter) wait(t *testing.T, want string) {
	t.Helper()
	for {
		select {
		case got := <-l.ch:
			if strings.HasPrefix(got, want) {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("the child never printed %q", want)
		}
	}
}
