package githubemu

import (
	"net/http"

	"github.com/releasebot/releasebot/internal/emulator/strict"
)

// TB is the part of testing.TB strict mode uses; *testing.T satisfies it.
type TB = strict.TB

// Call is one request a route matched: its method, the route's pattern (as
// in Expect) and the path the client sent.
type Call = strict.Call

// NewTest returns an emulator for the test t in strict mode: a request that
// matches no route (method and path) still gets GitHub's 404, as a real
// client would, but the test fails when it ends, naming each such request.
// A route that matches and answers 404 because the resource does not exist
// is not unmatched. Routes declared with Expect and never called fail the
// test at Verify, or when the test ends if Verify was not called. A bad
// Options fails the test at once.
func NewTest(t TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("github emulator: %v", err)
		return nil
	}
	rt := s.routes()
	s.strict = strict.New(t, "github emulator", "GitHub would answer 404", rt.has)
	return s
}

// record notes a request in strict mode; rte is nil when no route matched.
func (s *Server) record(r *http.Request, rte *route) {
	switch {
	case s.strict == nil:
	case rte == nil:
		s.strict.Miss(r.Method, r.URL.Path)
	default:
		s.strict.Call(rte.method, rte.pattern, r.URL.Path)
	}
}

func (s *Server) recorder(what string) *strict.Recorder {
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
func (s *Server) Expect(method, pattern string) { s.recorder("Expect").Expect(method, pattern) }

// Verify fails t for each route declared with Expect that no request
// matched, and for each declared pattern that names no route. It panics on
// an emulator not made by NewTest.
func (s *Server) Verify(t TB) {
	t.Helper()
	s.recorder("Verify").Verify(t)
}

// Calls returns the routed requests in the order they came. It panics on an
// emulator not made by NewTest.
func (s *Server) Calls() []Call { return s.recorder("Calls").Calls() }

// Count returns how many requests matched the route of method and pattern.
// It panics on an emulator not made by NewTest.
func (s *Server) Count(method, pattern string) int {
	return s.recorder("Count").Count(method, pattern)
}

// Unmatched returns the requests no route matched, as "METHOD /path" in the
// order they came. It panics on an emulator not made by NewTest.
func (s *Server) Unmatched() []string { return s.recorder("Unmatched").Unmatched() }
