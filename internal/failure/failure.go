// Package failure is releasebot's one error kind: a Kind that decides the
// exit code, the HTTP status and the reaction; one sentence for the user that
// says what to do; and the cause, for the log and the error tracker, never
// shown. Loaders and adapters return *Error; each surface classifies once, at
// its edge, with ExitCode, HTTPStatus and Message.
package failure

import (
	"errors"
	"fmt"
)

// Kind classifies a failure by who can fix it.
type Kind int

// Kinds. Internal is the zero value: an error nobody classified is treated as
// a fault of releasebot's, shown as a generic sentence with a request id.
const (
	Internal Kind = iota // a bug or an unexpected state: logged, reported, not shown
	BadInput             // the command line, the configuration or a file in the repository
	Refused              // policy, a gate, authorization, or a failed check said no
	Remote               // the repository, GitHub, Slack or Sentry failed; retrying may help
)

func (k Kind) String() string {
	switch k {
	case BadInput:
		return "bad input"
	case Refused:
		return "refused"
	case Remote:
		return "remote failed"
	}
	return "internal error"
}

// Error is a classified failure. Msg is shown to the user as is: one
// sentence naming the input at fault and what to do. Err is the cause.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// New returns a failure of kind with a formatted message and no cause.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Wrap returns a failure of kind whose message is formatted and whose cause
// is err (kept for the log, not shown).
func Wrap(kind Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), Err: err}
}

// KindOf is the kind of the outermost *Error in err's chain, Internal for an
// error that has none. A nil error has no kind; KindOf(nil) is Internal, so
// check for nil first.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Message is what the user sees of err: a classified error's sentence, or for
// anything unclassified a generic one that names the request id, so that the
// cause can be found in the log without being shown (a PR comment is public).
func Message(err error, requestID string) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal && e.Msg != "" {
		return e.Msg
	}
	if requestID == "" {
		return "releasebot failed unexpectedly; nothing was changed by this failure, and the cause is in releasebot's log"
	}
	return fmt.Sprintf("releasebot failed unexpectedly (request %s); the cause is in releasebot's log under that id", requestID)
}

// Exit codes, the same for every subcommand (DESIGN §1).
const (
	ExitOK      = 0
	ExitRefused = 1
	ExitBadUse  = 2
	ExitRemote  = 3 // also releasebot's own internal failures
)

// ExitCode maps err to the process exit code: 0 for nil.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	switch KindOf(err) {
	case Refused:
		return ExitRefused
	case BadInput:
		return ExitBadUse
	}
	return ExitRemote
}

// HTTPStatus maps err to the status a server answers with: 200 for nil.
// The numbers are written out so that the core, which may import this
// package, does not depend on net/http.
func HTTPStatus(err error) int {
	if err == nil {
		return 200
	}
	switch KindOf(err) {
	case BadInput:
		return 400
	case Refused:
		return 403
	case Remote:
		return 502
	}
	return 500
}

// Reaction is the GitHub reaction a PR comment gets: rocket for nil, confused
// for any failure.
func Reaction(err error) string {
	if err == nil {
		return "rocket"
	}
	return "confused"
}
