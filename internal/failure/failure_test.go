package failure

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestClassification(t *testing.T) {
	cause := errors.New("exec: git: ghp_SECRET in /tmp/x")
	for _, tc := range []struct {
		name   string
		err    error
		kind   Kind
		exit   int
		status int
		shown  string
	}{
		{"bad input", New(BadInput, "the flag file does not parse; fix line 3"), BadInput, 2, 400, "the flag file does not parse; fix line 3"},
		{"refused", Wrap(Refused, cause, "gate health failed"), Refused, 1, 403, "gate health failed"},
		{"remote", Wrap(Remote, cause, "GitHub answered 502; try again"), Remote, 3, 502, "GitHub answered 502; try again"},
		{"wrapped with context", fmt.Errorf("running /canary: %w", New(BadInput, "unknown flag")), BadInput, 2, 400, "unknown flag"},
		{"unclassified", cause, Internal, 3, 500, "releasebot failed unexpectedly (request r-1); the cause is in releasebot's log under that id"},
		{"internal kind", Wrap(Internal, cause, "should not show"), Internal, 3, 500, "releasebot failed unexpectedly (request r-1); the cause is in releasebot's log under that id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := KindOf(tc.err); got != tc.kind {
				t.Errorf("KindOf = %v, want %v", got, tc.kind)
			}
			if got := ExitCode(tc.err); got != tc.exit {
				t.Errorf("ExitCode = %d, want %d", got, tc.exit)
			}
			if got := HTTPStatus(tc.err); got != tc.status {
				t.Errorf("HTTPStatus = %d, want %d", got, tc.status)
			}
			got := Message(tc.err, "r-1")
			if got != tc.shown {
				t.Errorf("Message = %q, want %q", got, tc.shown)
			}
			if strings.Contains(got, "ghp_SECRET") || strings.Contains(got, "exec:") {
				t.Errorf("the cause reached the user: %q", got)
			}
			if Reaction(tc.err) != "confused" {
				t.Errorf("Reaction = %q", Reaction(tc.err))
			}
		})
	}
	if ExitCode(nil) != 0 || HTTPStatus(nil) != 200 || Reaction(nil) != "rocket" {
		t.Error("nil is not success")
	}
	if !errors.Is(Wrap(Remote, cause, "x"), cause) {
		t.Error("the cause is not kept in the chain")
	}
	if got := Message(cause, ""); strings.Contains(got, "request") && strings.Contains(got, "()") {
		t.Errorf("empty request id shown: %q", got)
	}
}
