package slackemu

import (
	"time"
)

// Fault is one injected misbehaviour for one call of a Web API method.
type Fault struct {
	RetryAfter time.Duration // answer 429 with Retry-After (whole seconds, rounded up)
	Status     int           // answer this HTTP status (e.g. 500, 503) with an HTML body
	Error      string        // answer 200 {"ok":false,"error":Error}
	Delay      time.Duration // wait this long first
}

// RateLimited answers 429 with Retry-After.
func RateLimited(retryAfter time.Duration) Fault { return Fault{RetryAfter: retryAfter} }

// Inject queues faults for the next calls of a Web API method
// ("chat.postMessage"); "" matches every method.
func (s *Server) Inject(method string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], faults...)
}

func (s *Server) nextFault(method string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{method, ""} {
		if q := s.faults[key]; len(q) > 0 {
			s.faults[key] = q[1:]
			return q[0], true
		}
	}
	return Fault{}, false
}
