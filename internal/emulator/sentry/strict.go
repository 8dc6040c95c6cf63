package sentryemu

import (
	"net/http"
	"slices"
	"strings"

	"github.com/releasebot/releasebot/internal/emulator/strict"
)

// TB is the part of testing.TB strict mode uses; *testing.T satisfies it.
type TB = strict.TB

// Call is one request a route matched: its method, the route's pattern (as
// in Expect, "/api/0/organizations/{org}/releases/{$}") and its path.
type Call = strict.Call

// NewTest is New for the test t in strict mode: a request no route matches
// (a path Sentry has no endpoint for, one without its trailing slash, or a
// method the endpoint does not take) still gets Sentry's answer (404, or
// 405 "Method not allowed"), as a real client would, but the test fails
// when it ends, naming each such request. A route that matches and answers
// 404 because the release or organization does not exist is not unmatched.
// Routes declared with Expect and never called fail the test at Verify, or
// when the test ends.
func NewTest(t TB, orgSlug, projectSlug string, projectID int, apiToken string) *Emulator {
	t.Helper()
	e := New(orgSlug, projectSlug, projectID, apiToken)
	e.strict = strict.New(t, "sentry emulator", "Sentry would answer 404 or 405", func(method, pattern string) bool {
		return slices.Contains(e.methods[pattern], method)
	})
	return e
}

// record notes a request in strict mode.
func (e *Emulator) record(r *http.Request) {
	if e.strict == nil {
		return
	}
	_, pattern := e.mux.Handler(r)
	if _, p, ok := strings.Cut(pattern, " "); ok { // "POST /api/…": the path part
		pattern = p
	}
	if pattern == "" || !strings.HasSuffix(r.URL.Path, "/") || !slices.Contains(e.methods[pattern], r.Method) {
		e.strict.Miss(r.Method, r.URL.Path)
		return
	}
	e.strict.Call(r.Method, pattern, r.URL.Path)
}

func (e *Emulator) recorder(what string) *strict.Recorder {
	if e.strict == nil {
		panic("sentryemu: " + what + " needs an emulator made by NewTest")
	}
	return e.strict
}

// Expect declares that the test will call the route of method and pattern
// ("GET", "/api/0/organizations/{org}/issues/{$}"). Verify fails the test
// if it was never called or is no route of the emulator. It panics on an
// emulator not made by NewTest.
func (e *Emulator) Expect(method, pattern string) { e.recorder("Expect").Expect(method, pattern) }

// Verify fails t for each route declared with Expect that no request
// matched. It panics on an emulator not made by NewTest.
func (e *Emulator) Verify(t TB) {
	t.Helper()
	e.recorder("Verify").Verify(t)
}

// Calls returns the routed requests in the order they came. It panics on an
// emulator not made by NewTest.
func (e *Emulator) Calls() []Call { return e.recorder("Calls").Calls() }

// Count returns how many requests matched the route of method and pattern.
// It panics on an emulator not made by NewTest.
func (e *Emulator) Count(method, pattern string) int {
	return e.recorder("Count").Count(method, pattern)
}

// Unmatched returns the requests no route matched, as "METHOD /path", in
// the order they came. It panics on an emulator not made by NewTest.
func (e *Emulator) Unmatched() []string { return e.recorder("Unmatched").Unmatched() }
