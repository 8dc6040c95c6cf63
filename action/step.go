package action

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Step is one step of a mode (after goreleaser's pipe): String says what it
// does ("writing RELEASE_NOTES.md on releasebot/release-main") and names its
// log group; Run does it. Run returns nil, a Skip, a NonFatal failure, or a
// fatal error that stops the mode.
type Step interface {
	String() string
	Run(ctx context.Context) error
}

// SkipError is a step that had nothing to do, and says why. The runner logs
// it as a skip; it is not a failure.
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return "skipped: " + e.Reason }

// Skip returns a SkipError with reason: return action.Skip("nothing
// releasable") from Run.
func Skip(reason string) error { return &SkipError{Reason: reason} }

// IsSkip reports whether err is, or wraps, a SkipError.
func IsSkip(err error) bool {
	var s *SkipError
	return errors.As(err, &s)
}

// NonFatalError is a failure that does not stop the mode (Sentry down during
// publish): the runner reports it as a warning and goes on.
type NonFatalError struct{ Err error }

func (e *NonFatalError) Error() string { return e.Err.Error() }
func (e *NonFatalError) Unwrap() error { return e.Err }

// NonFatal marks err as not stopping the mode; NonFatal(nil) is nil.
func NonFatal(err error) error {
	if err == nil {
		return nil
	}
	return &NonFatalError{Err: err}
}

// Result is what a run of steps came to.
type Result struct {
	Done     []string // the steps that ran to completion
	Skipped  []string // "<step>: <reason>"
	NonFatal []error  // failures that did not stop the run, in order
	// Err is the fatal failure that stopped the run, nil when every step
	// ran. Its cause is for the log and the error tracker, not for stdout.
	Err error
	// Step is the step that failed fatally.
	Step string
}

// ExitCode is the process exit code: failure.ExitCode of the fatal failure;
// 0 when only non-fatal ones happened (they are reported as warnings).
func (r Result) ExitCode() int { return failure.ExitCode(r.Err) }

// Runner runs steps in order on a Runtime.
type Runner struct {
	RT *Runtime
	// RequestID names the run in a message for an unclassified failure
	// (the run id, or github-comment:<id>).
	RequestID string
}

// Run runs steps in order, each inside a ::group:: named by its String. A
// skip is logged as "skipped: <reason>"; a NonFatal failure is annotated
// as a ::warning:: and collected; the first fatal failure (or a cancelled
// ctx) stops the run and is annotated as an ::error:: with
// failure.Message, so an unclassified cause's text is never printed, only
// a generic sentence naming RequestID. After the steps, the non-fatal
// failures are listed together in one more warning.
func (r *Runner) Run(ctx context.Context, steps []Step) Result {
	var res Result
	for _, s := range steps {
		name := s.String()
		if err := ctx.Err(); err != nil {
			res.Err, res.Step = fmt.Errorf("before %s: %w", name, err), name
			break
		}
		err := r.runOne(ctx, s, name)
		var nf *NonFatalError
		switch {
		case err == nil:
			res.Done = append(res.Done, name)
		case IsSkip(err):
			var sk *SkipError
			errors.As(err, &sk)
			res.Skipped = append(res.Skipped, name+": "+textsafe.OneLine(sk.Reason))
		case errors.As(err, &nf):
			res.NonFatal = append(res.NonFatal, fmt.Errorf("%s: %w", name, nf.Err))
		default:
			res.Err, res.Step = fmt.Errorf("%s: %w", name, err), name
		}
		if res.Err != nil {
			break
		}
	}
	if n := len(res.NonFatal); n > 0 {
		var lines []string
		for _, e := range res.NonFatal {
			lines = append(lines, "- "+failure.Message(e, r.RequestID))
		}
		r.RT.Warning(fmt.Sprintf("%d step(s) failed without stopping the run:\n%s", n, strings.Join(lines, "\n")), Props{Title: "releasebot: non-fatal failures"})
	}
	if res.Err != nil {
		r.RT.Error(failure.Message(res.Err, r.RequestID), Props{Title: "releasebot: " + res.Step})
	}
	return res
}

// runOne runs one step inside its group, closing the group however the
// step ends.
func (r *Runner) runOne(ctx context.Context, s Step, name string) (err error) {
	r.RT.Group(name)
	defer r.RT.EndGroup()
	err = s.Run(ctx)
	var nf *NonFatalError
	switch {
	case err == nil:
	case IsSkip(err):
		var sk *SkipError
		errors.As(err, &sk)
		r.RT.Log("skipped: " + textsafe.OneLine(sk.Reason))
	case errors.As(err, &nf):
		r.RT.Warning(failure.Message(nf.Err, r.RequestID), Props{Title: "releasebot: " + name})
	}
	return err
}
