// Command releasebot runs a team's go-live runbook: release notes and the
// release PR, the self-audit, and the rollout commands that commit the flag
// configuration. See README.md and DESIGN.md for the contract.
//
// This package is the only place where concrete adapters are built and wired.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes shared by every subcommand. `releasebot cmd` documents its own
// meaning of 1, 2 and 3 in its help.
const (
	exitOK      = 0
	exitRefused = 1 // a check failed, or policy, a gate or authorization refused
	exitBadUse  = 2 // bad input: the command line, the configuration or a file in the repo
	exitRemote  = 3 // a remote service failed
)

// exitError carries an exit code and a message for the user. The message is
// printed as is: it must already say what to do.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// fail makes an exitError. An error among args that comes from git missing
// on PATH replaces the whole message: whatever the command was doing, the
// fix is the same, and Go's exec text is no help to a user.
func fail(code int, format string, args ...any) error {
	for _, a := range args {
		if err, ok := a.(error); ok && isGitMissing(err) {
			return errGitMissing
		}
	}
	return &exitError{code: code, msg: fmt.Sprintf(format, args...)}
}

// errGitMissing is what every command says when git is not on PATH. It is
// bad input (exit 2): the set-up is wrong and running again will not help.
var errGitMissing = &exitError{code: exitBadUse, msg: "git was not found on PATH; install git (e.g. apt-get install git) and run again"}

// isGitMissing reports whether err comes from starting git when it is not
// on PATH. The lookup happens when the command starts (exec.Command), so
// this is exec.ErrNotFound for the program "git".
func isGitMissing(err error) bool {
	var ee *exec.Error
	return errors.As(err, &ee) && ee.Name == "git" && errors.Is(ee.Err, exec.ErrNotFound)
}

// env is what a command may read of its surroundings; tests replace it.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// version and commit are set at build time with -ldflags.
}

var (
	version = "dev"
	commit  = "none"
)

// globals are the flags every command takes.
type globals struct {
	repo   string
	config string
}

func newRoot(e *env) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "releasebot",
		Short: "Run a team's go-live runbook: release notes, self-audit, canary and rollback commands",
		Long: `releasebot turns a team's go-live runbook into software: release notes and
the release PR on push, a self-audit, and /canary, /rollback, /toggle and
/ab_status commands that commit the flag configuration to the repository.

Exit codes: 0 done (or nothing to do), 1 refused or a check failed,
2 bad input (command line, configuration, a file in the repository, a
directory that is not a git clone or has no commits, git missing from PATH),
3 a remote service failed, 130 and 143 interrupted by SIGINT or SIGTERM
before finishing. A second signal ends the process at once.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.PersistentFlags().StringVar(&g.repo, "repo", ".", "the repository's local clone")
	root.PersistentFlags().StringVar(&g.config, "config", "", "configuration file (default .github/releasebot.yml in the repository)")
	// Every command reads --repo; one that is not a directory is a typo, and
	// saying so here keeps Go's "not a directory" out of each command's errors.
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		fi, err := os.Stat(g.repo)
		switch {
		case err != nil:
			return fail(exitBadUse, "--repo %s does not exist; pass the directory of a git clone", g.repo)
		case !fi.IsDir():
			return fail(exitBadUse, "--repo %s is a file, not a directory; pass the directory of a git clone", g.repo)
		}
		return nil
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fail(exitBadUse, "%v; see '%s --help'", err, c.CommandPath())
	})
	for _, add := range subcommands {
		root.AddCommand(add(e, g))
	}
	return root
}

// subcommands is filled by each command's file in its init, so that the
// files stay independent of each other.
var subcommands []func(*env, *globals) *cobra.Command

func register(f func(*env, *globals) *cobra.Command) { subcommands = append(subcommands, f) }

func init() {
	register(func(e *env, g *globals) *cobra.Command {
		return &cobra.Command{
			Use:   "version",
			Short: "Print the version and commit",
			Args:  cobra.NoArgs,
			RunE: func(c *cobra.Command, _ []string) error {
				fmt.Fprintf(c.OutOrStdout(), "releasebot %s (commit %s)\n", version, commit)
				return nil
			},
		}
	})
}

// run executes the command line and returns the process exit code. When ctx
// ends with an *interrupted cause before the command finished, the
// command's own error (a cancelled request, usually) is replaced by one line
// saying so.
func run(ctx context.Context, args []string, e *env) int {
	root := newRoot(e)
	root.SetArgs(args)
	c, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var sig *interrupted
	if errors.As(context.Cause(ctx), &sig) {
		// A rollout command that did not finish committed nothing: the flag
		// branch moves once, at the end, or not at all.
		what := "before it finished"
		if c != nil && c.Name() == "cmd" {
			what = "before the command finished; nothing was committed"
		}
		fmt.Fprintf(e.stderr, "releasebot: interrupted by %s %s\n", sig.name(), what)
		return sig.exitCode()
	}
	if isGitMissing(err) {
		err = errGitMissing
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(e.stderr, "releasebot: "+ee.msg)
		}
		return ee.code
	}
	// Cobra's own errors (unknown command, wrong argument count) are usage.
	fmt.Fprintf(e.stderr, "releasebot: %v; see 'releasebot --help'\n", err)
	return exitBadUse
}

// interrupted is the cause of a context ended by a signal.
type interrupted struct{ sig os.Signal }

func (i *interrupted) Error() string { return "interrupted by " + i.name() }

func (i *interrupted) name() string {
	if i.sig == syscall.SIGTERM {
		return "SIGTERM"
	}
	return "SIGINT"
}

// exitCode is the shell's convention, 128 + the signal's number.
func (i *interrupted) exitCode() int {
	if s, ok := i.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 130
}

// onSignal returns a context that ends, with an *interrupted cause, at the
// first SIGINT or SIGTERM. That first signal only cancels: work in flight
// (a gate's request, a git command) stops and the command reports it. The
// signals then go back to their default action, so a second one ends the
// process at once even if something ignores the context.
func onSignal(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			signal.Stop(sigs)
			cancel(&interrupted{sig: s})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

func main() {
	ctx, stop := onSignal(context.Background())
	code := run(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}
