// Package strict is the strict mode the emulators share in tests: it
// records the requests a test makes, fails the test when it ends for each
// request no route of the emulator matched (the client still gets the
// service's own answer to an unknown path, as a real client would), and
// fails it for each route the test declared with Expect and never called, as
// cli/cli's httpmock Registry.Verify does.
package strict

import (
	"fmt"
	"strings"
	"sync"
)

// TB is the part of testing.TB strict mode uses; *testing.T satisfies it. It
// is an interface here so that the demo, which builds the emulators outside
// tests, does not link package testing, and so that a test can watch strict
// mode fail another test.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Call is one request a route matched: its method, the route's pattern (as
// given to Expect) and the path the client sent.
type Call struct {
	Method  string
	Pattern string
	Path    string
}

// Recorder is one emulator's record for one test. Its methods are safe for
// concurrent use.
type Recorder struct {
	name  string                            // "github emulator"
	hint  string                            // what the service answers an unknown path
	known func(method, pattern string) bool // whether a route exists, for Expect

	mu        sync.Mutex
	calls     []Call
	unmatched []string // "GET /repos/o/r/release/latest"
	expected  []string // "GET /repos/{owner}/{repo}/releases/latest"
	verified  bool
}

// New returns a Recorder for t. When t ends, each unmatched request fails
// it, and so does each expectation not yet checked by Verify. name says
// which emulator speaks; hint says what the service answers an unknown
// request; known says whether method and pattern name a route (method is
// empty for an Expect that takes any).
func New(t TB, name, hint string, known func(method, pattern string) bool) *Recorder {
	r := &Recorder{name: name, hint: hint, known: known}
	t.Cleanup(func() {
		t.Helper()
		for _, u := range r.Unmatched() {
			t.Errorf("%s: unmatched request: %s (no route of the emulator; %s)", r.name, u, r.hint)
		}
		r.mu.Lock()
		verified := r.verified
		r.mu.Unlock()
		if !verified {
			r.Verify(t)
		}
	})
	return r
}

// Call records a request that the route of method and pattern matched.
func (r *Recorder) Call(method, pattern, path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, Call{Method: method, Pattern: pattern, Path: path})
}

// Miss records a request that no route matched.
func (r *Recorder) Miss(method, path string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unmatched = append(r.unmatched, method+" "+path)
}

// Expect declares that the test will call the route of method and pattern;
// an empty method takes a call with any.
func (r *Recorder) Expect(method, pattern string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expected = append(r.expected, method+" "+pattern)
	r.verified = false
}

// Verify fails t for each route declared with Expect that no request
// matched, and for each declared pattern that names no route.
func (r *Recorder) Verify(t TB) {
	t.Helper()
	r.mu.Lock()
	r.verified = true
	expected := append([]string(nil), r.expected...)
	called := map[string]bool{}
	for _, c := range r.calls {
		called[c.Method+" "+c.Pattern] = true
		called[" "+c.Pattern] = true // an Expect with no method takes any
	}
	r.mu.Unlock()
	for _, e := range expected {
		method, pattern, _ := strings.Cut(e, " ")
		switch {
		case !r.known(method, pattern):
			t.Errorf("%s: expected route %s is no route of the emulator", r.name, strings.TrimSpace(e))
		case !called[e]:
			t.Errorf("%s: expected route %s was never called", r.name, strings.TrimSpace(e))
		}
	}
}

// Calls returns the matched requests in the order they came.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Count returns how many requests the route of method and pattern matched;
// an empty method counts calls with any.
func (r *Recorder) Count(method, pattern string) int {
	n := 0
	for _, c := range r.Calls() {
		if (method == "" || c.Method == method) && c.Pattern == pattern {
			n++
		}
	}
	return n
}

// Unmatched returns the requests no route matched, as "METHOD /path", in
// the order they came.
func (r *Recorder) Unmatched() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.unmatched...)
}

// Recording is a TB that records failures instead of failing, so that a
// test can watch strict mode fail another test. Its zero value is ready; it
// is not safe for concurrent use.
type Recording struct {
	errs     []string
	cleanups []func()
}

// Helper does nothing.
func (r *Recording) Helper() {}

// Errorf records a failure.
func (r *Recording) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// Fatalf records a failure; unlike testing.T's, it returns.
func (r *Recording) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

// Cleanup registers f to run at End.
func (r *Recording) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// End runs the cleanups, last first as package testing does, and returns
// every failure recorded.
func (r *Recording) End() []string {
	for len(r.cleanups) > 0 {
		f := r.cleanups[len(r.cleanups)-1]
		r.cleanups = r.cleanups[:len(r.cleanups)-1]
		f()
	}
	return r.errs
}
