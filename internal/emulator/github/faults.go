package githubemu

import (
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// Fault is one injected misbehaviour for one matching request. Build them
// with ServerError, PrimaryRateLimit, SecondaryRateLimit, Latency,
// Disconnect, Hook and RefRace; a Fault may combine Before and Delay with an answer.
type Fault struct {
	Status         int           // answer with this status and GitHub's error body (e.g. 502)
	Message        string        // the body's message with Status (default the status's text)
	Delay          time.Duration // wait this long first (the request's context may end it)
	RateLimitReset time.Time     // answer 403 "API rate limit exceeded", X-RateLimit-Remaining: 0, this reset
	RetryAfter     time.Duration // answer 403 with the secondary rate limit body and Retry-After
	Drop           bool          // close the connection without an answer
	Before         func()        // run before the request is served, e.g. to move a ref (a lost race)
	Race           func()        // run inside a ref update, between reading the ref and writing it
}

// ServerError answers status (5xx) with GitHub's error body.
func ServerError(status int) Fault { return Fault{Status: status} }

// PrimaryRateLimit answers as when the hourly quota is spent until reset.
func PrimaryRateLimit(reset time.Time) Fault { return Fault{RateLimitReset: reset} }

// SecondaryRateLimit answers as GitHub's secondary (abuse) limit does, with
// Retry-After in whole seconds, rounded up.
func SecondaryRateLimit(retryAfter time.Duration) Fault { return Fault{RetryAfter: retryAfter} }

// NotAccessible answers 403 "Resource not accessible by integration", as
// GitHub does when an Actions or App token lacks the permission a request
// needs.
func NotAccessible() Fault {
	return Fault{Status: http.StatusForbidden, Message: "Resource not accessible by integration"}
}

// Latency holds the request for d, then serves it.
func Latency(d time.Duration) Fault { return Fault{Delay: d} }

// Disconnect drops the connection: the client sees a network error.
func Disconnect() Fault { return Fault{Drop: true} }

// Hook runs fn before serving the request, then serves it.
func Hook(fn func()) Fault { return Fault{Before: fn} }

// RefRace runs fn inside the ref update the request makes (PATCH
// /git/refs/…), after the emulator has read the ref and before its
// compare-and-swap writes it, as when two writers race inside GitHub: fn
// moving the ref makes the update fail with GitHub's 422 "Reference cannot
// be updated", where a move before the request (Hook) is refused as "Update
// is not a fast forward".
func RefRace(fn func()) Fault { return Fault{Race: fn} }

// Times repeats f n times.
func Times(n int, f Fault) []Fault {
	out := make([]Fault, n)
	for i := range out {
		out[i] = f
	}
	return out
}

type faultRule struct {
	method  string
	pattern string
	queue   []Fault
}

func (fr *faultRule) matches(method, p string) bool {
	if fr.method != "" && !strings.EqualFold(fr.method, method) {
		return false
	}
	if prefix, ok := strings.CutSuffix(fr.pattern, "/**"); ok {
		return p == prefix || strings.HasPrefix(p, prefix+"/")
	}
	ok, _ := path.Match(fr.pattern, p)
	return ok
}

// Inject queues faults for requests whose method (""  for any) and path
// (without the /api/v3 prefix) match: pattern is a path.Match pattern, where
// * stands for one path segment, or ends in "/**" for everything below.
// Each matching request takes the next fault; when the queue is empty,
// requests are served normally.
func (s *Server) Inject(method, pattern string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultRule{method: method, pattern: pattern, queue: faults})
}

// PendingFaults is how many injected faults no request has taken yet.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, fr := range s.faults {
		n += len(fr.queue)
	}
	return n
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

func (s *Server) nextFault(method, p string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, fr := range s.faults {
		if len(fr.queue) > 0 && fr.matches(method, p) {
			f := fr.queue[0]
			fr.queue = fr.queue[1:]
			return f, true
		}
	}
	return Fault{}, false
}

// applyFaults applies the next matching fault; done means the request has
// been answered (or dropped).
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request, ri *requestInfo) (done bool) {
	f, ok := s.nextFault(r.Method, r.URL.Path)
	if !ok {
		return false
	}
	if f.Before != nil {
		f.Before()
	}
	if f.Race != nil {
		ri.race = f.Race
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case !f.RateLimitReset.IsZero():
		writeRate(w.Header(), s.opts.RateLimit, 0, s.opts.RateLimit, f.RateLimitReset)
		apiError(w, http.StatusForbidden, "API rate limit exceeded for "+who(s, ri.id)+". If you reach out to GitHub Support for help, please include the request ID "+ri.reqID+".",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit")
		return true
	case f.RetryAfter > 0:
		status := http.StatusForbidden
		if f.Status == http.StatusTooManyRequests {
			status = f.Status
		}
		secs := int((f.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		apiError(w, status, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID "+ri.reqID+".",
			"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits")
		return true
	case f.Status != 0:
		msg := http.StatusText(f.Status)
		if f.Status == http.StatusInternalServerError {
			msg = "Server Error"
		}
		if f.Message != "" {
			msg = f.Message
		}
		apiError(w, f.Status, msg, "")
		return true
	}
	return false
}
