package githubemu

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	jwt "github.com/golang-jwt/jwt/v4"
	gh "github.com/google/go-github/v62/github"
)

const docApps = "https://docs.github.com/rest/apps/apps"

// jwtRefusal is GitHub's answer to an App JWT it does not accept.
type jwtRefusal struct {
	status int
	msg    string
}

// verifyJWT checks an App JWT the way GitHub does, by GitHub's clock: the
// issuer must be a known App (else 404 "Integration not found"), the token
// RS256-signed with its key, issued in the past and expiring in the future
// but no more than ten minutes from now. It returns the App, or GitHub's
// refusal.
func (s *Server) verifyJWT(token string) (*App, jwtRefusal) {
	undecodable := jwtRefusal{http.StatusUnauthorized, "A JSON web token could not be decoded"}
	var claims jwt.MapClaims
	var app *App
	unknownIssuer := false
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	_, err := parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		c, _ := t.Claims.(*jwt.MapClaims)
		if c == nil {
			return nil, errors.New("no claims")
		}
		var iss string
		switch v := (*c)["iss"].(type) {
		case string:
			iss = v
		case float64:
			iss = strconv.FormatInt(int64(v), 10)
		}
		for i := range s.opts.Apps {
			if strconv.FormatInt(s.opts.Apps[i].ID, 10) == iss {
				app = &s.opts.Apps[i]
				return app.PublicKey, nil
			}
		}
		unknownIssuer = true
		return nil, errors.New("unknown issuer")
	})
	if unknownIssuer {
		return nil, jwtRefusal{http.StatusNotFound, "Integration not found"}
	}
	if err != nil || app == nil || app.PublicKey == nil {
		return nil, undecodable
	}
	now := s.opts.Now()
	num := func(key string) (time.Time, bool) {
		f, ok := claims[key].(float64)
		return time.Unix(int64(f), 0), ok
	}
	iat, ok1 := num("iat")
	exp, ok2 := num("exp")
	switch {
	case !ok1:
		return nil, jwtRefusal{http.StatusUnauthorized, "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued."}
	case iat.After(now):
		return nil, jwtRefusal{http.StatusUnauthorized, "'Issued at' claim ('iat') is in the future"}
	case !ok2 || !exp.After(now):
		return nil, jwtRefusal{http.StatusUnauthorized, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires."}
	case exp.Sub(now) > 10*time.Minute:
		return nil, jwtRefusal{http.StatusUnauthorized, "'Expiration time' claim ('exp') is too far in the future"}
	}
	return app, jwtRefusal{}
}

func (s *Server) installationJSON(ri *requestInfo, app *App) *gh.Installation {
	return &gh.Installation{
		ID: ptr(app.InstallationID), NodeID: nodeID("Installation", app.InstallationID), AppID: ptr(app.ID),
		AppSlug: ptr(app.Slug), TargetType: ptr("Organization"), RepositorySelection: ptr("all"),
		AccessTokensURL: ptr(ri.apiBase + "/app/installations/" + strconv.FormatInt(app.InstallationID, 10) + "/access_tokens"),
		RepositoriesURL: ptr(ri.apiBase + "/installation/repositories"),
		Permissions:     installationPermissions(),
		Events:          []string{"issue_comment", "pull_request", "push"},
	}
}

func installationPermissions() *gh.InstallationPermissions {
	return &gh.InstallationPermissions{
		Contents: ptr("write"), PullRequests: ptr("write"), Issues: ptr("write"), Checks: ptr("read"),
		Statuses: ptr("read"), Metadata: ptr("read"), Actions: ptr("write"),
	}
}

// createAccessToken serves POST /app/installations/{id}/access_tokens.
func (s *Server) createAccessToken(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	if !ri.id.jwt {
		apiError(w, http.StatusUnauthorized, "A JSON web token could not be decoded", docApps+"#create-an-installation-access-token-for-an-app")
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	app := s.installed[id]
	s.mu.Unlock()
	if app == nil || app.ID != ri.id.app.ID {
		notFound(w)
		return
	}
	if r.ContentLength > 0 {
		var opts json.RawMessage
		if !decodeBody(w, r, &opts) {
			return
		}
	}
	token := "ghs_" + randomToken(36)
	expires := s.now().Add(time.Hour)
	s.mu.Lock()
	s.tokens[token] = identity{login: app.Slug + "[bot]", bot: true, app: app, token: token, expires: expires}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"token": token, "expires_at": expires.Format(time.RFC3339),
		"permissions": installationPermissions(), "repository_selection": "all",
	})
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	if !ri.id.jwt {
		apiError(w, http.StatusUnauthorized, "A JSON web token could not be decoded", docApps+"#get-the-authenticated-app")
		return
	}
	a := ri.id.app
	writeJSON(w, http.StatusOK, &gh.App{ID: ptr(a.ID), Slug: ptr(a.Slug), Name: ptr(a.Slug), NodeID: nodeID("App", a.ID),
		HTMLURL: ptr(ri.webBase + "/apps/" + a.Slug), Events: []string{"issue_comment", "pull_request", "push"}})
}

func (s *Server) getInstallation(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	if !ri.id.jwt {
		apiError(w, http.StatusUnauthorized, "A JSON web token could not be decoded", docApps+"#get-an-installation-for-the-authenticated-app")
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	app := s.installed[id]
	s.mu.Unlock()
	if app == nil || app.ID != ri.id.app.ID {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.installationJSON(ri, app))
}

const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = tokenAlphabet[int(b[i])%len(tokenAlphabet)]
	}
	return string(b)
}
