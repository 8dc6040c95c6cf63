// Package sentryemu emulates the parts of Sentry releasebot talks to: the
// REST API (releases, commits, deploys, issues of a release, with Sentry's
// paths, bearer-token auth, error bodies and cursor pagination) and the
// envelope endpoint sentry-go sends events to, which it records so a test can
// assert what was reported.
//
//	emu := sentryemu.New("acme", "web", 1, "api-token")
//	emu.AddIssues("acme", "web", "v1.2.3+stage", "stage", 2)
//	srv := httptest.NewServer(emu)
//	// REST: sentry.New(srv.URL, "api-token"); events: the DSN
//	// "http://key@" + srv.Listener.Addr().String() + "/1", then emu.Events().
package sentryemu

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Error bodies exactly as Sentry writes them.
const (
	detailInvalidToken  = "Invalid token"
	detailNoCredentials = "Authentication credentials were not provided."
	detailNotFound      = "The requested resource does not exist"
	detailForbidden     = "You do not have permission to perform this action."
	detailBadProject    = "Invalid project parameter. Values must be numbers."
)

// Emulator is an http.Handler serving Sentry's API. The zero value is not
// usable; use New. It is safe for concurrent use.
type Emulator struct {
	mu       sync.Mutex
	tokens   map[string]bool
	orgs     map[string]*org
	projects map[string]*project // by numeric id, for envelopes
	issues   []*Issue
	events   []Item
	requests []Request
	nextID   int
	now      func() time.Time
	mux      *http.ServeMux
}

type org struct {
	slug     string
	projects []*project
	releases map[string]*release
}

type project struct {
	id   int
	slug string
	org  string
	keys []string // DSN public keys; empty accepts any key
}

type release struct {
	Version      string
	Projects     []string
	Ref          string
	URL          string
	DateCreated  time.Time
	DateReleased *time.Time
	Refs         []map[string]any
	Commits      []map[string]any
	Deploys      []Deploy
}

// Deploy is a deploy the emulator recorded.
type Deploy struct {
	ID           string
	Release      string
	Environment  string
	Name         string
	URL          string
	DateStarted  *time.Time
	DateFinished time.Time
	Projects     []string
}

// Issue is an issue the emulator serves. Add them with AddIssue.
type Issue struct {
	ID          string
	ShortID     string
	Org         string
	Project     string // slug
	Title       string
	Culprit     string
	Level       string // default "error"
	Status      string // unresolved (default), resolved, ignored
	Releases    []string
	Environment string
	Count       int
	UserCount   int
	FirstSeen   time.Time
	LastSeen    time.Time
}

// Request is one API call the emulator answered, for assertions. The
// Authorization header is recorded as whether it was valid, never its value.
type Request struct {
	Method     string
	Path       string
	Query      string
	Authorized bool
	Status     int
}

// New returns an emulator with one organization, one project (numeric id
// projectID, as in a DSN) and one valid API token.
func New(orgSlug, projectSlug string, projectID int, token string) *Emulator {
	e := &Emulator{
		tokens:   map[string]bool{},
		orgs:     map[string]*org{},
		projects: map[string]*project{},
		now:      func() time.Time { return time.Now().UTC() },
	}
	if token != "" {
		e.tokens[token] = true
	}
	if orgSlug != "" {
		e.AddProject(orgSlug, projectSlug, projectID)
	}
	e.routes()
	return e
}

// SetClock replaces the clock used for timestamps.
func (e *Emulator) SetClock(now func() time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = now
}

// AddToken makes token valid for the REST API.
func (e *Emulator) AddToken(token string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tokens[token] = true
}

// AddProject adds a project (and its organization when new). keys, when
// given, are the only DSN public keys the envelope endpoint accepts for it.
func (e *Emulator) AddProject(orgSlug, projectSlug string, projectID int, keys ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.orgs[orgSlug]
	if o == nil {
		o = &org{slug: orgSlug, releases: map[string]*release{}}
		e.orgs[orgSlug] = o
	}
	p := &project{id: projectID, slug: projectSlug, org: orgSlug, keys: keys}
	o.projects = append(o.projects, p)
	e.projects[strconv.Itoa(projectID)] = p
}

// AddIssue adds an issue; empty fields get Sentry-like defaults. Releases
// and Environment say where its events were seen.
func (e *Emulator) AddIssue(is Issue) *Issue {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextID++
	if is.ID == "" {
		is.ID = strconv.Itoa(1000 + e.nextID)
	}
	if is.ShortID == "" {
		is.ShortID = strings.ToUpper(is.Project) + "-" + strconv.Itoa(e.nextID)
	}
	if is.Level == "" {
		is.Level = "error"
	}
	if is.Status == "" {
		is.Status = "unresolved"
	}
	if is.Count == 0 {
		is.Count = 1
	}
	now := e.now()
	if is.FirstSeen.IsZero() {
		is.FirstSeen = now
	}
	if is.LastSeen.IsZero() {
		is.LastSeen = now
	}
	p := is
	e.issues = append(e.issues, &p)
	return &p
}

// AddIssues adds n unresolved issues seen in release and environment.
func (e *Emulator) AddIssues(orgSlug, projectSlug, release, environment string, n int) {
	for i := range n {
		e.AddIssue(Issue{
			Org: orgSlug, Project: projectSlug, Releases: []string{release}, Environment: environment,
			Title: "TypeError: cannot read property of undefined #" + strconv.Itoa(i+1),
		})
	}
}

// Requests returns the API calls answered so far.
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.requests)
}

// Deploys returns the deploys recorded for a release.
func (e *Emulator) Deploys(orgSlug, version string) []Deploy {
	e.mu.Lock()
	defer e.mu.Unlock()
	if o := e.orgs[orgSlug]; o != nil {
		if r := o.releases[version]; r != nil {
			return slices.Clone(r.Deploys)
		}
	}
	return nil
}

// Release reports whether a release exists and the commits set on it (ids).
func (e *Emulator) Release(orgSlug, version string) (commits []string, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.orgs[orgSlug]
	if o == nil || o.releases[version] == nil {
		return nil, false
	}
	r := o.releases[version]
	for _, c := range r.Commits {
		if id, _ := c["id"].(string); id != "" {
			commits = append(commits, id)
		}
	}
	for _, ref := range r.Refs {
		if id, _ := ref["commit"].(string); id != "" {
			commits = append(commits, id)
		}
	}
	return commits, true
}

// ServeHTTP answers like Sentry.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasSuffix(r.URL.Path, "/") {
		// Django's APPEND_SLASH: a permanent redirect to the path with a slash.
		u := *r.URL
		u.Path += "/"
		u.RawPath = ""
		http.Redirect(w, r, u.RequestURI(), http.StatusMovedPermanently)
		return
	}
	e.mux.ServeHTTP(w, r)
}

func (e *Emulator) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /api/0/organizations/{org}/issues/{$}", e.api(e.listIssues))
	m.HandleFunc("POST /api/0/organizations/{org}/releases/{$}", e.api(e.createRelease))
	m.HandleFunc("GET /api/0/organizations/{org}/releases/{version}/{$}", e.api(e.getRelease))
	m.HandleFunc("PUT /api/0/organizations/{org}/releases/{version}/{$}", e.api(e.updateRelease))
	m.HandleFunc("POST /api/0/organizations/{org}/releases/{version}/deploys/{$}", e.api(e.createDeploy))
	m.HandleFunc("GET /api/0/organizations/{org}/releases/{version}/deploys/{$}", e.api(e.listDeploys))
	m.HandleFunc("GET /api/0/projects/{org}/{project}/{$}", e.api(e.getProject))
	m.HandleFunc("POST /api/{project}/envelope/{$}", e.envelope)
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": detailNotFound})
	})
	e.mux = m
}

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// api wraps a REST handler with bearer-token auth and the request log; the
// handler runs with the emulator locked.
func (e *Emulator) api(h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		e.mu.Lock()
		defer e.mu.Unlock()
		auth := r.Header.Get("Authorization")
		tok, isBearer := strings.CutPrefix(auth, "Bearer ")
		ok := isBearer && e.tokens[strings.TrimSpace(tok)]
		defer func() {
			e.requests = append(e.requests, Request{
				Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Authorized: ok, Status: rec.status,
			})
		}()
		switch {
		case auth == "":
			writeJSON(rec, http.StatusUnauthorized, map[string]string{"detail": detailNoCredentials})
			return
		case !ok:
			writeJSON(rec, http.StatusUnauthorized, map[string]string{"detail": detailInvalidToken})
			return
		}
		if e.orgs[r.PathValue("org")] == nil {
			writeJSON(rec, http.StatusNotFound, map[string]string{"detail": detailNotFound})
			return
		}
		h(rec, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]string{"detail": detailNotFound})
}

func (e *Emulator) getProject(w http.ResponseWriter, r *http.Request) {
	o := e.orgs[r.PathValue("org")]
	for _, p := range o.projects {
		if p.slug == r.PathValue("project") {
			writeJSON(w, http.StatusOK, projectJSON(p))
			return
		}
	}
	notFound(w)
}

func projectJSON(p *project) map[string]any {
	return map[string]any{"id": strconv.Itoa(p.id), "slug": p.slug, "name": p.slug, "platform": "go"}
}
