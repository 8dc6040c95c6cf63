package chatops

import "fmt"

// Outcome classifies what became of a command; the CLI maps it to an exit
// code and the chat adapters to a reaction.
type Outcome int

// Outcomes.
const (
	Done     Outcome = iota // committed, or a read command answered
	NoChange                // the state already was what was asked
	Refused                 // policy, a gate or authorization said no
	BadInput                // the command, or the flag file, is wrong
	Failed                  // the store or a remote failed
)

func (o Outcome) String() string {
	return [...]string{"done", "no change", "refused", "bad input", "failed"}[o]
}

// Error is a user-facing failure: Msg is one sentence saying what was wrong
// and what to type instead.
type Error struct {
	Outcome Outcome
	Msg     string
	Err     error // the cause, for logs; never shown to the user
}

func (e *Error) Error() string { return plain(e.Msg) }
func (e *Error) Unwrap() error { return e.Err }

func errorf(o Outcome, format string, args ...any) *Error {
	return &Error{Outcome: o, Msg: fmt.Sprintf(format, args...)}
}
