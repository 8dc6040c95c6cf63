package githubemu

import (
	"net/http"
	"strings"
	"sync"
)

// TB is the part of testing.TB strict mode uses; *testing.T satisfies it. It
// is declared here so that the demo, which builds the emulator outside
// tests, does not link package testing.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Call is one request the emulator routed: its method, the route pattern it
// matched (as in Expect) and the path the client sent.
type Call struct {
	Method  string
	Pattern string
	Path    string
}

// recorder is strict mode's record of the requests a test made.
type recorder struct {
	mu        sync.Mutex
	calls     []Call
	unmatched []string // "GET /repos/o/r/release/latest"
	expected  []string // "GET /repos/{owner}/{repo}/releases/latest"
	verified  bool
}

// NewTest returns an emulator for the test t in strict mode: a request that
// matches no route still gets GitHub's 404, as a real client would, but the
// test fails when it ends, naming each such request. A route that matches
// and answers 404 because the resource does not exist is not unmatched.
// Routes declared with Expect and never called fail the test at Verify, or
// when the test ends if Verify was not called. A bad Options fails the test
// at once.
func NewTest(t TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("github emulator: %v", err)
		return nil
	}
	s.strict = &recorder{}
	t.Cleanup(func() {
		t.Helper()
		for _, u := range s.Unmatched() {
			t.Errorf("github emulator: unmatched request: %s (no route of the emulator; GitHub would answer 404)", u)
		}
		s.strict.mu.Lock()
		verified := s.strict.verified
		s.strict.mu.Unlock()
		if !verified {
			s.Verify(t)
		}
	})
	return s
}

// record notes a request in strict mode; rte is nil when no route matched.
func (s *Server) record(r *http.Request, rte *route) {
	rec := s.strict
	if rec == nil {
		return
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rte == nil {
		rec.unmatched = append(rec.unmatched, r.Method+" "+r.URL.Path)
		return
	}
	rec.calls = append(rec.calls, Call{Method: rte.method, Pattern: rte.pattern, Path: r.URL.Path})
}

func (s *Server) recorder(what string) *recorder {
	if s.strict == nil {
		panic("githubemu: " + what + " needs an emulator made by NewTest")
	}
	return s.strict
}

// Expect declares that the test will call the route of method and pattern,
// a pattern as the emulator registers it, with "/repos/{owner}/{repo}"
// spelled so ("GET", "/repos/{owner}/{repo}/releases/latest"). Verify fails
// the test if the route was never called or is no route of the emulator.
// It panics on an emulator not made by NewTest.
func (s *Server) Expect(method, pattern string) {
	rec := s.recorder("Expect")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.expected = append(rec.expected, method+" "+pattern)
	rec.verified = false
}

// Verify fails t for each route declared with Expect that no request
// matched, and for each declared pattern that names no route. It panics on
// an emulator not made by NewTest.
func (s *Server) Verify(t TB) {
	t.Helper()
	rec := s.recorder("Verify")
	rt := s.routes()
	rec.mu.Lock()
	rec.verified = true
	expected := append([]string(nil), rec.expected...)
	called := map[string]bool{}
	for _, c := range rec.calls {
		called[c.Method+" "+c.Pattern] = true
	}
	rec.mu.Unlock()
	for _, e := range expected {
		method, pattern, _ := strings.Cut(e, " ")
		switch {
		case !rt.has(method, pattern):
			t.Errorf("github emulator: expected route %s is no route of the emulator", e)
		case !called[e]:
			t.Errorf("github emulator: expected route %s was never called", e)
		}
	}
}

// Calls returns the routed requests in the order they came. It panics on an
// emulator not made by NewTest.
func (s *Server) Calls() []Call {
	rec := s.recorder("Calls")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Call(nil), rec.calls...)
}

// Count returns how many requests matched the route of method and pattern.
// It panics on an emulator not made by NewTest.
func (s *Server) Count(method, pattern string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Method == method && c.Pattern == pattern {
			n++
		}
	}
	return n
}

// Unmatched returns the requests no route matched, as "METHOD /path" in the
// order they came. It panics on an emulator not made by NewTest.
func (s *Server) Unmatched() []string {
	rec := s.recorder("Unmatched")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.unmatched...)
}
