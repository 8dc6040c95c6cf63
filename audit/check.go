// Package audit owns the self-audit of DESIGN §7 and the canary gates: the
// model of a check (pass, warn, fail or skip with a reason and evidence), a
// Runner that runs checks in parallel with timeouts, one retry on a
// transport error and redaction of secrets, the Plan of the self-audit and
// the Gate (which checks run, against what), the Markdown table and JSON,
// and the checks that ask nobody (flags, version, notes, metrics
// thresholds). It asks no service itself: the ci, health, metrics and
// sentry checks come through the Probes interface, which
// internal/auditcheck implements over GitHub, HTTP and Sentry.
package audit

import (
	"context"
	"errors"
	"fmt"
)

// Status is a check's outcome.
type Status string

// The statuses, from best to worst; Skip means the check could not apply
// (its service is not configured) and says why.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Emoji is the status's mark in Markdown.
func (s Status) Emoji() string {
	switch s {
	case Pass:
		return "✅"
	case Warn:
		return "⚠️"
	case Fail:
		return "❌"
	case Skip:
		return "⏭️"
	}
	return "❔"
}

// Evidence is what a check saw, for a reader to verify the verdict.
type Evidence struct {
	URL       string `json:"url"`
	Observed  string `json:"observed"`
	Threshold string `json:"threshold"`
}

// Result is one check's verdict.
type Result struct {
	Name     string   `json:"name"`
	Status   Status   `json:"status"`
	Reason   string   `json:"reason"`
	Evidence Evidence `json:"evidence"`
}

// Check is one audit check. String is its name ("health"); Run does the
// check. Run returns a Result with a status and a reason; a skip is a
// Result with Status Skip and the reason, never a silent pass. A non-nil
// error means the check could not complete: the Runner retries once on a
// *TransportError and otherwise records a fail with the error as the reason,
// keeping the Result's evidence.
type Check interface {
	String() string
	Run(ctx context.Context) (Result, error)
}

// secretHolder is implemented by checks that send secrets (expanded header
// values); the Runner removes them from every result.
type secretHolder interface {
	Secrets() []string
}

// targeter is implemented by checks that probe one URL, so a timeout can
// name it.
type targeter interface {
	Target() string
}

// TransportError is a request that got no answer at all (connection refused,
// reset, DNS). The Runner retries a check once on it; an HTTP error status is
// an answer and is not retried.
type TransportError struct {
	URL string // without credentials
	Err error
}

func (e *TransportError) Error() string { return fmt.Sprintf("could not reach %s: %v", e.URL, e.Err) }

func (e *TransportError) Unwrap() error { return e.Err }

func isTransport(err error) bool {
	var te *TransportError
	return errors.As(err, &te)
}

func skipped(reason string) Result { return Result{Status: Skip, Reason: reason} }
