// Package gitcli runs the git CLI. It is the one place the product starts
// git: every adapter that reads or writes a clone (the local store, the
// history reader, the CLI's checks, the demo) goes through a Runner, so the
// environment git runs in and the way its failures read are the same
// everywhere.
package gitcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// Runner runs git in a directory. The zero value runs in the current
// directory with the process environment.
type Runner struct {
	// Dir is the directory git runs in; empty is the current directory.
	Dir string
	// Env is added to the process environment after the defaults, so a
	// caller (a hermetic test) can override them.
	Env []string
}

// defaultEnv keeps git from asking for credentials on a terminal (a run in
// CI would hang) and makes its messages English, which the error
// classification below and in the adapters reads.
var defaultEnv = []string{"GIT_TERMINAL_PROMPT=0", "LC_ALL=C"}

func (r Runner) command(ctx context.Context, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = r.Dir
	cmd.Env = append(append(os.Environ(), defaultEnv...), r.Env...)
	return cmd
}

// Run runs git with stdin (nil for none) and returns its standard output.
// On failure the output git printed is returned too, with the error:
//   - a *MissingError when git is not on PATH (it wraps exec.ErrNotFound);
//   - ctx.Err() when ctx ended first;
//   - otherwise an *Error with the arguments and git's standard error,
//     wrapping the *exec.ExitError (git ran and failed) or the error that
//     kept it from starting (a *fs.PathError for a missing Dir).
func (r Runner) Run(ctx context.Context, stdin []byte, args ...string) (string, error) {
	cmd := r.command(ctx, args)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), r.failure(ctx, args, err, stderr.String())
	}
	return stdout.String(), nil
}

// Output is Run without stdin, its output trimmed of surrounding space: the
// shape of a one-line answer (a hash, a ref name, true/false).
func (r Runner) Output(ctx context.Context, args ...string) (string, error) {
	out, err := r.Run(ctx, nil, args...)
	return strings.TrimSpace(out), err
}

// Stream runs git and hands its standard output to read as git writes it,
// so a long history is never held whole. When read returns an error, git is
// stopped and that error is returned; otherwise the errors are Run's.
func (r Runner) Stream(ctx context.Context, read func(stdout io.Reader) error, args ...string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := r.command(ctx, args)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return r.failure(ctx, args, err, "")
	}
	if err := cmd.Start(); err != nil {
		return r.failure(ctx, args, err, "")
	}
	if err := read(out); err != nil {
		cancel()
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		return err
	}
	if err := cmd.Wait(); err != nil {
		return r.failure(ctx, args, err, stderr.String())
	}
	return nil
}

func (r Runner) failure(ctx context.Context, args []string, err error, stderr string) error {
	switch {
	case IsMissing(err):
		return &MissingError{err: err}
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return &Error{Args: args, Stderr: stderr, Err: err}
}

// Error is a git run that failed: git's arguments, what it wrote on
// standard error and the cause.
type Error struct {
	Args   []string
	Stderr string
	Err    error
}

// Error is "git SUBCOMMAND: " and git's complaint, or the cause when git
// said nothing.
func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("git %s: %s", e.Command(), msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Command is the git subcommand run ("log"), past the global options
// ("-c key=value", "--literal-pathspecs") in front of it.
func (e *Error) Command() string {
	for i := 0; i < len(e.Args); i++ {
		switch a := e.Args[i]; {
		case a == "-c" || a == "-C":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return "git"
}

// FirstLine is git's first line of complaint without its "fatal: " or
// "error: " in front, or "git SUBCOMMAND failed" when git said nothing.
func (e *Error) FirstLine() string {
	line, _, _ := strings.Cut(strings.TrimSpace(e.Stderr), "\n")
	line = strings.TrimPrefix(strings.TrimPrefix(line, "fatal: "), "error: ")
	if line == "" {
		return "git " + e.Command() + " failed"
	}
	return line
}

// Exited reports whether git ran and exited non-zero (as opposed to not
// starting at all).
func (e *Error) Exited() bool {
	var ee *exec.ExitError
	return errors.As(e.Err, &ee)
}

// MissingText is what every surface says when git is not on PATH.
const MissingText = "git was not found on PATH; install git (e.g. apt-get install git) and run again"

// MissingError is git not found on PATH. It wraps the *exec.Error (and so
// exec.ErrNotFound); its text says what to do instead of Go's.
type MissingError struct{ err error }

func (e *MissingError) Error() string { return MissingText }

func (e *MissingError) Unwrap() error { return e.err }

// IsMissing reports whether err comes from starting git when it is not on
// PATH. The lookup happens when the command is made, so this is
// exec.ErrNotFound for the program "git".
func IsMissing(err error) bool {
	var ee *exec.Error
	return errors.As(err, &ee) && ee.Name == "git" && errors.Is(ee.Err, exec.ErrNotFound)
}

// IsNotRepository reports whether git refused because its directory is not
// inside a clone.
func IsNotRepository(err error) bool {
	var ge *Error
	return errors.As(err, &ge) && strings.Contains(ge.Stderr, "not a git repository")
}

// IsDubiousOwnership reports whether git refused the clone because another
// user owns it (git's safe.directory check).
func IsDubiousOwnership(err error) bool {
	var ge *Error
	return errors.As(err, &ge) && strings.Contains(ge.Stderr, "dubious ownership")
}

// SafeDirectoryHint is the sentence that tells a user how to trust a clone
// git refuses for its owner.
func SafeDirectoryHint(what, dir string) string {
	return fmt.Sprintf("git refuses %s because another user owns it; if you trust it, run git config --global --add safe.directory %s", what, dir)
}
