package gitcli

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/gittest"
)

func TestRunOutputAndEnv(t *testing.T) {
	t.Parallel()
	r := gittest.New(t, map[string]string{"a.txt": "a\n"})
	run := Runner{Dir: r.Dir, Env: r.Vars}
	ctx := context.Background()
	if out, err := run.Output(ctx, "rev-parse", "HEAD"); err != nil || out != r.Git("rev-parse", "HEAD") {
		t.Errorf("rev-parse HEAD = %q, %v", out, err)
	}
	// stdin reaches git.
	if out, err := run.Run(ctx, []byte("hello\n"), "hash-object", "--stdin"); err != nil || strings.TrimSpace(out) != "ce013625030ba8dba906f756967f9e9ca394464a" {
		t.Errorf("hash-object --stdin = %q, %v", out, err)
	}
	// The defaults are in force (git's own children see them), and a
	// caller's Env comes after them.
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{nil, "C 0"},
		{[]string{"LC_ALL=POSIX"}, "POSIX 0"},
	} {
		// The hermetic variables set both already: leave them to Runner.
		var clean []string
		for _, kv := range r.Vars {
			if !strings.HasPrefix(kv, "LC_ALL=") && !strings.HasPrefix(kv, "GIT_TERMINAL_PROMPT=") {
				clean = append(clean, kv)
			}
		}
		clean = append(clean, tc.env...)
		out, err := Runner{Dir: r.Dir, Env: clean}.Output(ctx, "-c", "alias.env=!echo $LC_ALL $GIT_TERMINAL_PROMPT", "env")
		if err != nil || out != tc.want {
			t.Errorf("Env %q: git sees %q, %v; want %q", tc.env, out, err, tc.want)
		}
	}
}

// TestDefaultsOverrideTheParent: a parent process that allows prompts or
// speaks another language does not change how git runs. Not parallel:
// the environment is the process's.
func TestDefaultsOverrideTheParent(t *testing.T) {
	t.Setenv("GIT_TERMINAL_PROMPT", "1")
	t.Setenv("LC_ALL", "de_DE.UTF-8")
	cmd := Runner{}.command(context.Background(), []string{"version"})
	if got := lastValue(cmd.Env, "GIT_TERMINAL_PROMPT"); got != "0" {
		t.Errorf("GIT_TERMINAL_PROMPT = %q", got)
	}
	if got := lastValue(cmd.Env, "LC_ALL"); got != "C" {
		t.Errorf("LC_ALL = %q", got)
	}
}

// lastValue is the value exec gives a variable: the last one set wins.
func lastValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, _ := strings.Cut(kv, "="); k == key {
			v = val
		}
	}
	return v
}

func TestErrors(t *testing.T) {
	t.Parallel()
	r := gittest.New(t, map[string]string{"a.txt": "a\n"})
	ctx := context.Background()
	run := Runner{Dir: r.Dir, Env: r.Vars}

	_, err := run.Run(ctx, nil, "-c", "core.quotepath=false", "--literal-pathspecs", "cat-file", "-p", "nope:missing")
	var ge *Error
	if !errors.As(err, &ge) || !ge.Exited() {
		t.Fatalf("a failing git is %T %v, want an *Error that exited", err, err)
	}
	if ge.Command() != "cat-file" || !strings.HasPrefix(err.Error(), "git cat-file: fatal: ") || strings.HasPrefix(ge.FirstLine(), "fatal:") || ge.FirstLine() == "" {
		t.Errorf("Command %q, Error %q, FirstLine %q", ge.Command(), err, ge.FirstLine())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Error("the *exec.ExitError is not in the chain")
	}
	if IsNotRepository(err) || IsDubiousOwnership(err) || IsMissing(err) {
		t.Error("a bad revision classified as something else")
	}

	// Quiet failure: the text falls back to the cause.
	_, err = run.Run(ctx, nil, "rev-parse", "--verify", "--quiet", "nope^{commit}")
	if !errors.As(err, &ge) || err.Error() != "git rev-parse: exit status 1" || ge.FirstLine() != "git rev-parse failed" {
		t.Errorf("quiet failure: %v / %q", err, ge.FirstLine())
	}

	// Not a clone.
	_, err = Runner{Dir: t.TempDir(), Env: append(r.Vars, "GIT_CEILING_DIRECTORIES="+os.TempDir())}.Run(ctx, nil, "rev-parse", "HEAD")
	if !IsNotRepository(err) {
		t.Errorf("outside a clone: %v", err)
	}

	// A directory that does not exist: git never starts.
	_, err = Runner{Dir: filepath.Join(t.TempDir(), "gone")}.Run(ctx, nil, "status")
	var pe *fs.PathError
	if !errors.As(err, &ge) || ge.Exited() || !errors.As(err, &pe) {
		t.Errorf("missing Dir: %T %v", err, err)
	}

	// A context already over is ctx.Err(), not git's complaint.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := run.Run(cctx, nil, "status"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestDubiousOwnership: git's safe.directory refusal is told apart by its
// text, which LC_ALL=C keeps English.
func TestDubiousOwnership(t *testing.T) {
	t.Parallel()
	err := &Error{Args: []string{"status"}, Stderr: "fatal: detected dubious ownership in repository at '/x'\nTo add an exception for this directory, call:\n", Err: errors.New("exit status 128")}
	if !IsDubiousOwnership(err) || IsNotRepository(err) {
		t.Error("dubious ownership not recognised")
	}
	if got := SafeDirectoryHint("the current directory", "/x"); got != "git refuses the current directory because another user owns it; if you trust it, run git config --global --add safe.directory /x" {
		t.Errorf("hint %q", got)
	}
}

// TestMissing: git not on PATH is a *MissingError with one sentence, which
// wraps exec.ErrNotFound. Not parallel: PATH is the process's.
func TestMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for name, run := range map[string]func() error{
		"Run": func() error { _, err := Runner{}.Run(context.Background(), nil, "status"); return err },
		"Stream": func() error {
			return Runner{}.Stream(context.Background(), func(io.Reader) error { return nil }, "log")
		},
	} {
		err := run()
		var me *MissingError
		if !errors.As(err, &me) || !errors.Is(err, exec.ErrNotFound) || !IsMissing(err) || err.Error() != MissingText {
			t.Errorf("%s without git: %T %v", name, err, err)
		}
	}
	if IsMissing(errors.New("git was not found")) || IsMissing(&exec.Error{Name: "sh", Err: exec.ErrNotFound}) {
		t.Error("IsMissing is not about git on PATH")
	}
}

func TestStream(t *testing.T) {
	t.Parallel()
	r := gittest.New(t, map[string]string{"a.txt": "a\n"})
	for i := 0; i < 50; i++ {
		r.CommitFiles("commit", map[string]string{"a.txt": strings.Repeat("x", i) + "\n"})
	}
	run := Runner{Dir: r.Dir, Env: r.Vars}
	ctx := context.Background()
	var n int
	err := run.Stream(ctx, func(out io.Reader) error {
		b, err := io.ReadAll(out)
		n = strings.Count(string(b), "\n")
		return err
	}, "log", "--format=%H")
	if err != nil || n != 51 {
		t.Errorf("stream read %d lines, %v", n, err)
	}
	// The reader's error wins, and git is stopped rather than waited out.
	stop := errors.New("enough")
	if err := run.Stream(ctx, func(io.Reader) error { return stop }, "log", "--format=%H"); err != stop {
		t.Errorf("reader error: %v", err)
	}
	// git's failure after the reader is done is an *Error with stderr.
	err = run.Stream(ctx, func(out io.Reader) error { _, err := io.Copy(io.Discard, out); return err }, "log", "nope..HEAD", "--")
	var ge *Error
	if !errors.As(err, &ge) || ge.Command() != "log" || !strings.Contains(ge.Stderr, "nope") {
		t.Errorf("failing log: %v", err)
	}
}
