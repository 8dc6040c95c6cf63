package githubemu

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// identity is who a request authenticates as.
type identity struct {
	login   string
	bot     bool
	app     *App // for installation tokens and App JWTs
	jwt     bool // authenticated as the App itself, not an installation
	token   string
	expires time.Time // installation tokens last an hour
}

// authenticate checks the Authorization header: an App JWT for /app/… and
// the repository installation lookup, a token everywhere else.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, p string) (identity, bool) {
	auth := r.Header.Get("Authorization")
	// Refusals count against the caller's address, with the anonymous limit.
	anon := func() {
		now := s.opts.Now()
		s.mu.Lock()
		key := "anon:" + strings.Split(r.RemoteAddr, ":")[0]
		rw := s.rate[key]
		if rw == nil || !now.Before(rw.reset) {
			rw = &rateWindow{reset: now.Add(time.Hour).Truncate(time.Second)}
			s.rate[key] = rw
		}
		rw.used++
		used, reset := rw.used, rw.reset
		s.mu.Unlock()
		writeRate(w.Header(), 60, max(60-used, 0), used, reset)
	}
	scheme, cred, _ := strings.Cut(auth, " ")
	cred = strings.TrimSpace(cred)
	if auth == "" {
		anon()
		apiError(w, http.StatusUnauthorized, "Requires authentication", docsBase)
		return identity{}, false
	}
	if !strings.EqualFold(scheme, "bearer") && !strings.EqualFold(scheme, "token") || cred == "" {
		anon()
		apiError(w, http.StatusUnauthorized, "Bad credentials", docsBase)
		return identity{}, false
	}
	if strings.Count(cred, ".") == 2 && strings.HasPrefix(cred, "eyJ") {
		app, refusal := s.verifyJWT(cred)
		if app == nil {
			anon()
			apiError(w, refusal.status, refusal.msg, docsBase)
			return identity{}, false
		}
		if !strings.HasPrefix(p, "/app") && !strings.HasSuffix(p, "/installation") {
			anon()
			apiError(w, http.StatusForbidden, "Resource not accessible by integration", docsBase)
			return identity{}, false
		}
		return identity{login: app.Slug + "[bot]", bot: true, app: app, jwt: true, token: "jwt:" + strconv.FormatInt(app.ID, 10)}, true
	}
	s.mu.Lock()
	id, ok := s.tokens[cred]
	s.mu.Unlock()
	if ok && !id.expires.IsZero() && !s.opts.Now().Before(id.expires) {
		ok = false
	}
	if !ok {
		anon()
		apiError(w, http.StatusUnauthorized, "Bad credentials", docsBase)
		return identity{}, false
	}
	return id, true
}
