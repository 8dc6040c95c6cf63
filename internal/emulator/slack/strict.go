package slackemu

import (
	"net/http"
	"strings"

	"github.com/releasebot/releasebot/internal/emulator/strict"
)

// TB is the part of testing.TB strict mode uses; *testing.T satisfies it.
type TB = strict.TB

// Call is one request the emulator served: its HTTP method, the Web API
// method it called ("chat.postMessage") or "response_url", and its path.
type Call = strict.Call

// ResponseURLRoute is the name strict mode gives a post to a response_url,
// for Expect and Count.
const ResponseURLRoute = "response_url"

// NewTest returns an emulator for the test t in strict mode: a Web API
// method the emulator does not serve still gets Slack's
// {"ok":false,"error":"unknown_method"}, and any other path its 404, as a
// real client would, but the test fails when it ends, naming each such
// request. A known method that answers an error (invalid_auth,
// channel_not_found) is not unmatched. Methods declared with Expect and
// never called fail the test at Verify, or when the test ends.
func NewTest(t TB, opts Options) *Server {
	t.Helper()
	s := New(opts)
	s.strict = strict.New(t, "slack emulator", `Slack would answer {"ok":false,"error":"unknown_method"} or 404`, func(_, name string) bool {
		_, ok := s.apiMethods()[name]
		return ok || name == ResponseURLRoute
	})
	return s
}

// record notes a request in strict mode: a Web API method by its name, a
// POST to a response_url as ResponseURLRoute, anything else as unmatched.
func (s *Server) record(r *http.Request) {
	if s.strict == nil {
		return
	}
	if name, ok := strings.CutPrefix(r.URL.Path, "/api/"); ok {
		if _, known := s.apiMethods()[name]; known {
			s.strict.Call(r.Method, name, r.URL.Path)
			return
		}
	}
	if strings.HasPrefix(r.URL.Path, "/commands/") && r.Method == http.MethodPost {
		s.strict.Call(r.Method, ResponseURLRoute, r.URL.Path)
		return
	}
	s.strict.Miss(r.Method, r.URL.Path)
}

func (s *Server) recorder(what string) *strict.Recorder {
	if s.strict == nil {
		panic("slackemu: " + what + " needs an emulator made by NewTest")
	}
	return s.strict
}

// Expect declares that the test will call the Web API method name
// ("chat.postMessage"), or post to a response_url (ResponseURLRoute).
// Verify fails the test if it was never called or is not served. It panics
// on an emulator not made by NewTest.
func (s *Server) Expect(name string) { s.recorder("Expect").Expect("", name) }

// Verify fails t for each method declared with Expect that was never
// called. It panics on an emulator not made by NewTest.
func (s *Server) Verify(t TB) {
	t.Helper()
	s.recorder("Verify").Verify(t)
}

// Calls returns the served requests in the order they came. It panics on
// an emulator not made by NewTest.
func (s *Server) Calls() []Call { return s.recorder("Calls").Calls() }

// Count returns how many times the Web API method name (or
// ResponseURLRoute) was called. It panics on an emulator not made by
// NewTest.
func (s *Server) Count(name string) int { return s.recorder("Count").Count("", name) }

// Unmatched returns the requests the emulator has no method or route for,
// as "METHOD /path", in the order they came. It panics on an emulator not
// made by NewTest.
func (s *Server) Unmatched() []string { return s.recorder("Unmatched").Unmatched() }
