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
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/gitcli"
)

// Exit codes shared by every subcommand (failure.ExitCode decides them).
// `releasebot cmd` documents its own meaning of 1, 2 and 3 in its help.
const (
	exitOK      = failure.ExitOK
	exitRefused = failure.ExitRefused // a check failed, or policy, a gate or authorization refused
	exitBadUse  = failure.ExitBadUse  // bad input: the command line, the configuration or a file in the repo
	exitRemote  = failure.ExitRemote  // a remote service failed, or releasebot did
)

// fail is the exit-code-shaped way to make a *failure.Error, kept while the
// commands' files move to failure.New and failure.Wrap: 1 is Refused, 2
// BadInput, 3 Remote. The message is shown as is: it must already say what
// to do. An error among args becomes the cause (for the log); one that
// comes from git missing on PATH replaces the whole message: whatever the
// command was doing, the fix is the same, and Go's exec text is no help.
func fail(code int, format string, args ...any) error {
	var cause error
	for _, a := range args {
		if err, ok := a.(error); ok {
			if isGitMissing(err) {
				return gitMissing(err)
			}
			cause = err
		}
	}
	kind := failure.Remote
	switch code {
	case exitRefused:
		kind = failure.Refused
	case exitBadUse:
		kind = failure.BadInput
	}
	return failure.Wrap(kind, cause, format, args...)
}

// errGitMissing is what every command says when git is not on PATH. It is
// bad input (exit 2): the set-up is wrong and running again will not help.
var errGitMissing = gitMissing(nil)

// gitMissing is errGitMissing with its cause, for the log.
func gitMissing(cause error) error {
	return failure.Wrap(failure.BadInput, cause, "%s", gitcli.MissingText)
}

// isGitMissing reports whether err comes from starting git when it is not
// on PATH (gitcli.IsMissing).
func isGitMissing(err error) bool { return gitcli.IsMissing(err) }

// env is what a command may read of its surroundings; tests replace it.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// requestID names this run in the log and in the one sentence an
	// unexpected failure prints; `cmd --request-id` replaces it.
	requestID string
}

// version and commit are set at build time with -ldflags.

var (
	version = "dev"
	commit  = "none"
)

// globals are the flags every command takes.
type globals struct {
	repo   string
	config string
	// started is set once cobra has parsed the command line and the
	// command begins: an unclassified error before that is cobra's, usage.
	started bool
}

func newRoot(e *env, g *globals) *cobra.Command {
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
before finishing. A second signal ends the process at once.

` + logHelp,
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
		g.started = true
		fi, err := os.Stat(g.repo)
		switch {
		case err != nil:
			return failure.Wrap(failure.BadInput, err, "--repo %s does not exist; pass the directory of a git clone", g.repo)
		case !fi.IsDir():
			return failure.New(failure.BadInput, "--repo %s is a file, not a directory; pass the directory of a git clone", g.repo)
		}
		return nil
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return failure.Wrap(failure.BadInput, err, "%v; see '%s --help'", err, c.CommandPath())
	})
	// Every subcommand, in one place.
	for _, add := range []func(*env, *globals) *cobra.Command{
		newNotesCommand,
		newReleaseCommand,
		newAuditCommand,
		newCmdCommand,
		newFlagsCommand,
		newDemoCommand,
		newActionCommand,
		newServeCommand,
		newVersionCommand,
	} {
		root.AddCommand(add(e, g))
	}
	return root
}

func newVersionCommand(*env, *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and commit",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintf(c.OutOrStdout(), "releasebot %s (commit %s)\n", version, commit)
			return nil
		},
	}
}

// run executes the command line and returns the process exit code. It
// classifies a failure once: failure.ExitCode gives the code, one line of
// failure.Message goes to stderr (an unexpected failure's line names the
// request id and nothing of its cause), and the cause goes to the log (see
// openLog). When ctx ends with an *interrupted cause before the command
// finished, the command's own error (a cancelled request, usually) is
// replaced by one line saying so.
func run(ctx context.Context, args []string, e *env) int {
	if e.requestID == "" {
		e.requestID = chatops.NewRequestID("cli:")
	}
	g := &globals{}
	root := newRoot(e, g)
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
		logFailure(e, c, err, sig.exitCode())
		return sig.exitCode()
	}
	if isGitMissing(err) {
		err = gitMissing(err)
	}
	var fe *failure.Error
	if !errors.As(err, &fe) && !g.started {
		// Cobra's own errors (unknown command, wrong argument count) come
		// before the command starts, unclassified; they are usage.
		err = failure.Wrap(failure.BadInput, err, "%v; see 'releasebot --help'", err)
	}
	code := failure.ExitCode(err)
	var quiet *silentError
	if errors.As(err, &quiet) {
		// The Action annotated it (::error::) already.
		logFailure(e, c, err, code)
		return code
	}
	if msg := failure.Message(err, e.requestID); msg != "" {
		fmt.Fprintln(e.stderr, "releasebot: "+msg)
	}
	logFailure(e, c, err, code)
	return code
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
