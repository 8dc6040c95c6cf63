package githubemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// requestInfo is what handlers need to know about the request beyond it.
type requestInfo struct {
	id      identity
	apiBase string // "http://host" or "http://host/api/v3"
	webBase string // "http://host"
	reqID   string
	repo    *repoState // the repository the request addresses, once resolved
	race    func()     // a RefRace fault: runs between a ref's read and its write
}

type ctxKey struct{}

func info(r *http.Request) *requestInfo {
	ri, _ := r.Context().Value(ctxKey{}).(*requestInfo)
	if ri == nil {
		return &requestInfo{apiBase: "http://github.localhost", webBase: "http://github.localhost"}
	}
	return ri
}

// Handler serves the API at "/" and at "/api/v3/".
func (s *Server) Handler() http.Handler {
	mux := s.routes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt64(&s.requests, 1)
		reqID := requestID()
		h := w.Header()
		h.Set("X-GitHub-Request-Id", reqID)
		h.Set("X-GitHub-Media-Type", "github.v3; format=json")
		h.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
		h.Set("Server", "github.com")
		h.Set("X-Content-Type-Options", "nosniff")

		ri := &requestInfo{webBase: "http://" + r.Host, reqID: reqID}
		ri.apiBase = ri.webBase
		p := r.URL.Path
		if p == "/api/v3" || strings.HasPrefix(p, "/api/v3/") {
			ri.apiBase += "/api/v3"
			p = strings.TrimPrefix(p, "/api/v3")
			if p == "" {
				p = "/"
			}
		}
		s.lastBase.Store([2]string{ri.apiBase, ri.webBase})
		if rest, ok := strings.CutPrefix(p, "/repositories/"); ok {
			idStr, tail, _ := strings.Cut(rest, "/")
			id, _ := strconv.ParseInt(idStr, 10, 64)
			s.mu.Lock()
			rs := s.reposByID[id]
			s.mu.Unlock()
			if rs != nil {
				p = "/repos/" + rs.owner + "/" + rs.name
				if tail != "" {
					p += "/" + tail
				}
			}
		}
		r2 := r.Clone(context.WithValue(r.Context(), ctxKey{}, ri))
		r2.URL.Path, r2.URL.RawPath = p, ""
		// The route is chosen before authentication so that strict mode sees
		// every request a client makes, even one GitHub refuses as
		// unauthenticated; the answer's order (401, rate limit, faults, then
		// the route's or GitHub's 404) is unchanged.
		rte := mux.match(r2)
		s.record(r, rte)

		id, ok := s.authenticate(w, r2, p)
		if !ok {
			return
		}
		ri.id = id
		// GET /rate_limit does not count against the quota.
		if !s.rateHeaders(w, id, p != "/rate_limit") {
			apiError(w, http.StatusForbidden, "API rate limit exceeded for "+who(s, id)+". If you reach out to GitHub Support for help, please include the request ID "+reqID+".",
				"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit")
			return
		}
		if done := s.applyFaults(w, r2, ri); done {
			return
		}
		if rte == nil {
			notFound(w)
			return
		}
		if r2.Method == http.MethodGet && p != "/rate_limit" {
			serveConditional(w, r2, rte.h, func() { s.refundRate(w, id) })
			return
		}
		rte.h(w, r2)
	})
}

func requestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	x := strings.ToUpper(hex.EncodeToString(b[:]))
	return x[0:4] + ":" + x[4:8] + ":" + x[8:14] + ":" + x[14:18] + ":" + x[18:20]
}

// bases returns the API and web base URLs for links built outside a request.
func (s *Server) bases() (api, web string) {
	if v, ok := s.lastBase.Load().([2]string); ok {
		return v[0], v[1]
	}
	return "http://github.localhost", "http://github.localhost"
}

// repoOf resolves {owner}/{repo} of the request, answering 404 when there is
// no such repository or the caller may not see it.
func (s *Server) repoOf(w http.ResponseWriter, r *http.Request) *repoState {
	rs, err := s.repo(r.PathValue("owner"), r.PathValue("repo"))
	if err != nil {
		notFound(w)
		return nil
	}
	ri := info(r)
	if rs.private && !ri.id.bot {
		s.mu.Lock()
		role := rs.perms[ri.id.login]
		s.mu.Unlock()
		if role == "" {
			notFound(w)
			return nil
		}
	}
	ri.repo = rs
	return rs
}
