package githubemu

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// GitHub answers a GET with an ETag, and a repeated GET carrying it in
// If-None-Match with 304 Not Modified and no body when nothing changed;
// such a 304 "does not count against your primary rate limit" (the REST
// API's best practices). The emulator computes the ETag from the answer's
// body, weak as GitHub's mostly are.

// etagWriter holds a GET's answer until it is known whether it changed.
type etagWriter struct {
	w      http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (e *etagWriter) Header() http.Header { return e.w.Header() }

func (e *etagWriter) WriteHeader(status int) {
	if e.status == 0 {
		e.status = status
	}
}

func (e *etagWriter) Write(p []byte) (int, error) {
	if e.status == 0 {
		e.status = http.StatusOK
	}
	return e.body.Write(p)
}

// serveConditional runs h for a GET and answers 304 when the request's
// If-None-Match names the answer's ETag; refund gives back the request's
// count against the rate limit then.
func serveConditional(w http.ResponseWriter, r *http.Request, h http.HandlerFunc, refund func()) {
	ew := &etagWriter{w: w}
	h(ew, r)
	if ew.status == 0 {
		ew.status = http.StatusOK
	}
	if ew.status == http.StatusOK {
		sum := sha256.Sum256(ew.body.Bytes())
		etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
		w.Header().Set("ETag", etag)
		if matches(r.Header.Get("If-None-Match"), etag) {
			refund()
			w.Header().Del("Content-Length")
			w.Header().Del("Content-Type")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.WriteHeader(ew.status)
	_, _ = w.Write(ew.body.Bytes())
}

// matches compares If-None-Match with etag as HTTP does for GET: weakly,
// any of a list, or "*".
func matches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimSpace(v)
		if v == "*" || strings.TrimPrefix(v, "W/") == want {
			return true
		}
	}
	return false
}

// refundRate takes one request back from id's window and rewrites the
// rate-limit headers.
func (s *Server) refundRate(w http.ResponseWriter, id identity) {
	s.mu.Lock()
	rw := s.rate[id.token]
	if rw != nil && rw.used > 0 {
		rw.used--
	}
	var used int
	reset := s.opts.Now()
	if rw != nil {
		used, reset = rw.used, rw.reset
	}
	s.mu.Unlock()
	writeRate(w.Header(), s.opts.RateLimit, s.opts.RateLimit-used, used, reset)
}
