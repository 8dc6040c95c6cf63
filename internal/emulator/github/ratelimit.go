package githubemu

import (
	"net/http"
	"strconv"
	"time"
)

type rateWindow struct {
	used  int
	reset time.Time
}

// rateHeaders counts the request against the identity's hourly window
// (unless count is false) and writes GitHub's rate-limit headers; false
// means the quota was already spent and the request must be refused.
func (s *Server) rateHeaders(w http.ResponseWriter, id identity, count bool) bool {
	now := s.opts.Now()
	s.mu.Lock()
	rw := s.rate[id.token]
	if rw == nil || !now.Before(rw.reset) {
		rw = &rateWindow{reset: now.Add(time.Hour).Truncate(time.Second)}
		s.rate[id.token] = rw
	}
	if rw.used >= s.opts.RateLimit && count {
		reset := rw.reset
		s.mu.Unlock()
		writeRate(w.Header(), s.opts.RateLimit, 0, s.opts.RateLimit, reset)
		return false
	}
	if count {
		rw.used++
	}
	used, reset := rw.used, rw.reset
	s.mu.Unlock()
	writeRate(w.Header(), s.opts.RateLimit, s.opts.RateLimit-used, used, reset)
	return true
}

// who names the quota's owner as GitHub's rate-limit message does.
func who(s *Server, id identity) string {
	if id.app != nil && !id.jwt {
		return "installation ID " + strconv.FormatInt(id.app.InstallationID, 10)
	}
	return "user ID " + strconv.FormatInt(s.userID(id.login), 10)
}

func writeRate(h http.Header, limit, remaining, used int, reset time.Time) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}
