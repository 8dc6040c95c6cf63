package chatops

import (
	"errors"
	"fmt"

	"github.com/releasebot/releasebot/internal/failure"
)

// Outcome classifies what became of a command; the CLI maps it to an exit
// code and the chat adapters to a reaction. Done and NoChange are the
// successes; the failures correspond one to one to a failure.Kind (see
// OutcomeOf and Kind).
type Outcome int

// Outcomes.
const (
	Done     Outcome = iota // committed, or a read command answered
	NoChange                // the state already was what was asked
	Refused                 // policy, a gate or authorization said no
	BadInput                // the command, or the flag file, is wrong
	Failed                  // the store, a remote or releasebot itself failed
)

func (o Outcome) String() string {
	return [...]string{"done", "no change", "refused", "bad input", "failed"}[o]
}

// Kind is the failure kind of a failed outcome: Refused, BadInput, and
// Remote for Failed. Done and NoChange are no failure; their Kind is
// Internal, which is never asked of them.
func (o Outcome) Kind() failure.Kind {
	switch o {
	case Refused:
		return failure.Refused
	case BadInput:
		return failure.BadInput
	case Failed:
		return failure.Remote
	}
	return failure.Internal
}

// OutcomeOf is the outcome of a failure of kind k: Internal and Remote are
// both Failed, told apart in the reply's text (an internal failure shows
// only a request id).
func OutcomeOf(k failure.Kind) Outcome {
	switch k {
	case failure.Refused:
		return Refused
	case failure.BadInput:
		return BadInput
	}
	return Failed
}

// Error is a user-facing failure of the core: Msg is one sentence saying
// what was wrong and what to type instead, possibly with echoed input
// marked for rendering. It is a *failure.Error to errors.As, of the kind its
// Outcome gives, so every surface classifies it with the failure package.
type Error struct {
	Outcome Outcome
	Msg     string
	Err     error // the cause, for logs; never shown to the user
}

func (e *Error) Error() string { return plain(e.Msg) }
func (e *Error) Unwrap() error { return e.Err }

// As lets errors.As see e as a *failure.Error (with Msg in plain text).
func (e *Error) As(target any) bool {
	t, ok := target.(**failure.Error)
	if ok {
		*t = &failure.Error{Kind: e.Outcome.Kind(), Msg: plain(e.Msg), Err: e.Err}
	}
	return ok
}

func errorf(o Outcome, format string, args ...any) *Error {
	return &Error{Outcome: o, Msg: fmt.Sprintf(format, args...)}
}

// storeFailure is the error of a store call that failed while doing what
// ("could not commit the flag change"); next says what to do (may be
// empty). When the store classified its error — a *failure.Error of a kind
// other than Internal, whose sentence an adapter wrote for users — the
// reply shows what, that sentence and next. Anything else stays
// unclassified: the reply shows only a request id and the cause goes to the
// log, because a store's raw error may hold git's stderr, paths or URLs.
func storeFailure(err error, what, next string) error {
	var fe *failure.Error
	if errors.As(err, &fe) && fe.Kind != failure.Internal && fe.Msg != "" {
		msg := what + ": " + fe.Msg
		// A refusal (a protected branch, a missing permission) says
		// itself what to change; running the command again would not
		// help, so next (a retry hint) is for the other kinds only.
		if next != "" && fe.Kind != failure.Refused {
			msg += "; " + next
		}
		return &Error{Outcome: OutcomeOf(fe.Kind), Err: err, Msg: msg}
	}
	return fmt.Errorf("%s: %w", plain(what), err)
}
