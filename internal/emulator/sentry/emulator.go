// Package sentryemu emulates the parts of Sentry releasebot talks to: the
// REST API (releases, commits, deploys, issues of a release, with Sentry's
// paths, bearer-token auth and scopes, error bodies, rate limiting and cursor
// pagination) and the envelope endpoint sentry-go sends events to, which it
// records so a test can assert what was reported.
// Tests build it with NewTest, whose strict mode fails the test on a request
// no route matches.
//
//	emu := sentryemu.New("acme", "web", 1, "api-token")
//	emu.AddIssues("acme", "web", "v1.2.3+stage", "stage", 2)
//	srv := httptest.NewServer(emu)
//	// REST: sentry.New(srv.URL, "api-token"); events: the DSN
//	// emu.DSN(srv.URL, 1), then emu.Events().
package sentryemu

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/releasebot/releasebot/internal/emulator/strict"
)

// Error bodies exactly as Sentry writes them.
const (
	detailInvalidToken    = "Invalid token"
	detailInvalidOrgToken = "Invalid org token"
	detailNoCredentials   = "Authentication credentials were not provided."
	detailNotFound        = "The requested resource does not exist"
	detailForbidden       = "You do not have permission to perform this action."
	detailBadProject      = "Invalid project parameter. Values must be numbers."
	detailRateLimited     = "You are attempting to use this endpoint too frequently. Limit is %d requests in %d seconds"
)

// orgTokenPrefix starts Sentry's organization auth tokens; an unknown bearer
// token with it is answered "Invalid org token" rather than "Invalid token".
const orgTokenPrefix = "sntrys_"

// OrgTokenScope is the one scope of an organization auth token: it may
// create releases and deploys, not read issues.
const OrgTokenScope = "org:ci"

// Emulator is an http.Handler serving Sentry's API. The zero value is not
// usable; use New. It is safe for concurrent use.
type Emulator struct {
	mu       sync.Mutex
	tokens   map[string]*token
	orgs     map[string]*org
	projects map[string]*project // by numeric id, for envelopes
	issues   []*Issue
	events   []Item
	requests []Request
	faults   []queuedFault
	nextID   int
	now      func() time.Time
	mux      *http.ServeMux
	methods  map[string][]string // the methods each mux pattern serves
	strict   *strict.Recorder    // strict mode's record, set by NewTest
}

// token is an API token; scopes nil means every scope.
type token struct {
	scopes []string
}

func (t *token) has(any []string) bool {
	if t.scopes == nil {
		return true
	}
	for _, s := range any {
		if slices.Contains(t.scopes, s) {
			return true
		}
	}
	return false
}

type org struct {
	slug     string
	projects []*project
	releases map[string]*release
	repos    map[string]bool // repositories Sentry knows (integrations), by "owner/name"
}

type project struct {
	id   int
	slug string
	org  string
	keys []string // DSN public keys the envelope endpoint accepts
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

// Fault is one injected misbehaviour for one request.
type Fault struct {
	// Status is the answer: 429 as Sentry's rate limiter answers it (the REST
	// API: X-Sentry-Rate-Limit-* headers and no Retry-After; the envelope
	// endpoint: Retry-After and X-Sentry-Rate-Limits), 500 as Sentry's
	// "Internal Error", any other as a proxy's HTML error page.
	Status int
	// Reset is how long a 429 lasts (whole seconds, rounded up; default 1s).
	Reset time.Duration
}

// RateLimited is a 429 lasting reset.
func RateLimited(reset time.Duration) Fault {
	return Fault{Status: http.StatusTooManyRequests, Reset: reset}
}

type queuedFault struct {
	path string
	Fault
}

// New returns an emulator with one organization, one project (numeric id
// projectID, as in a DSN, with one DSN key) and one valid API token. The
// token has every scope, as a user auth token with all scopes would, whatever
// its prefix; use AddToken to model a narrower one, such as an organization
// token.
func New(orgSlug, projectSlug string, projectID int, apiToken string) *Emulator {
	e := &Emulator{
		tokens:   map[string]*token{},
		orgs:     map[string]*org{},
		projects: map[string]*project{},
		now:      func() time.Time { return time.Now().UTC() },
	}
	if apiToken != "" {
		e.tokens[apiToken] = &token{}
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

// AddToken makes tok valid for the REST API with the given scopes
// ("event:read", "project:releases", OrgTokenScope, …). Without scopes an
// organization token ("sntrys_…") gets OrgTokenScope only, any other token
// every scope. A request the token's scopes do not cover is answered 403.
func (e *Emulator) AddToken(tok string, scopes ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t := &token{scopes: slices.Clone(scopes)}
	if len(scopes) == 0 {
		t.scopes = nil
		if strings.HasPrefix(tok, orgTokenPrefix) {
			t.scopes = []string{OrgTokenScope}
		}
	}
	e.tokens[tok] = t
}

// AddProject adds a project (and its organization when new). keys, when
// given, are the only DSN public keys the envelope endpoint accepts for it;
// otherwise the project gets one, which PublicKey and DSN return. Relay
// accepts only keys of 32 ASCII characters.
func (e *Emulator) AddProject(orgSlug, projectSlug string, projectID int, keys ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.orgs[orgSlug]
	if o == nil {
		o = &org{slug: orgSlug, releases: map[string]*release{}, repos: map[string]bool{}}
		e.orgs[orgSlug] = o
	}
	if len(keys) == 0 {
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%d", orgSlug, projectSlug, projectID)))
		keys = []string{hex.EncodeToString(sum[:16])}
	}
	p := &project{id: projectID, slug: projectSlug, org: orgSlug, keys: slices.Clone(keys)}
	o.projects = append(o.projects, p)
	e.projects[strconv.Itoa(projectID)] = p
}

// AddRepository makes a repository ("owner/name") known to an organization,
// as connecting it through an integration does; release refs must name known
// repositories.
func (e *Emulator) AddRepository(orgSlug, name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if o := e.orgs[orgSlug]; o != nil {
		o.repos[name] = true
	}
}

// PublicKey returns the first DSN public key of a project, "" when unknown.
func (e *Emulator) PublicKey(projectID int) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.projects[strconv.Itoa(projectID)]; p != nil && len(p.keys) > 0 {
		return p.keys[0]
	}
	return ""
}

// DSN returns the DSN of a project for the emulator served at baseURL
// ("http://127.0.0.1:1234").
func (e *Emulator) DSN(baseURL string, projectID int) string {
	scheme, host, ok := strings.Cut(baseURL, "://")
	if !ok {
		scheme, host = "http", baseURL
	}
	return scheme + "://" + e.PublicKey(projectID) + "@" + strings.TrimSuffix(host, "/") + "/" + strconv.Itoa(projectID)
}

// Inject queues faults for the next requests whose path starts with
// pathPrefix ("" matches every request; "/api/1/envelope/" the envelope
// endpoint of project 1).
func (e *Emulator) Inject(pathPrefix string, faults ...Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range faults {
		e.faults = append(e.faults, queuedFault{path: pathPrefix, Fault: f})
	}
}

func (e *Emulator) nextFault(path string) (Fault, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, f := range e.faults {
		if strings.HasPrefix(path, f.path) {
			e.faults = slices.Delete(e.faults, i, i+1)
			return f.Fault, true
		}
	}
	return Fault{}, false
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

// ServeHTTP answers like Sentry. A path no route matches is answered as
// Sentry's catch-all does: 404, with a hint when the trailing slash is
// missing (Django's patterns all end in a slash, and Sentry does not
// redirect).
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.record(r)
	if f, ok := e.nextFault(r.URL.Path); ok {
		e.writeFault(w, r, f)
		return
	}
	if _, pattern := e.mux.Handler(r); pattern == "" || !strings.HasSuffix(r.URL.Path, "/") {
		catchAll(w, r)
		return
	}
	e.mux.ServeHTTP(w, r)
}

// catchAll is Sentry's CatchallEndpoint.
func catchAll(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/") {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	help := "Route not found, did you forget a trailing slash?"
	suggestion := "try: " + r.URL.Path + "/"
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeJSON(w, http.StatusNotFound, map[string]string{"info": help + " " + suggestion})
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, "%s\n\n%s\n%s^\n", help, suggestion, strings.Repeat(" ", len(suggestion)-1))
}

func (e *Emulator) writeFault(w http.ResponseWriter, r *http.Request, f Fault) {
	reset := max(int64((f.Reset+time.Second-1)/time.Second), 1)
	envelope := strings.HasSuffix(r.URL.Path, "/envelope/")
	switch {
	case f.Status == http.StatusTooManyRequests && envelope:
		// Relay: Retry-After and X-Sentry-Rate-Limits, which sentry-go obeys.
		w.Header().Set("Retry-After", strconv.FormatInt(reset, 10))
		w.Header().Set("X-Sentry-Rate-Limits", strconv.FormatInt(reset, 10)+"::organization:usage_exceeded")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"detail": "Sentry dropped data due to a quota or internal rate limit being reached. This will not affect your application. See https://docs.sentry.io/product/accounts/quotas/ for more information."})
	case f.Status == http.StatusTooManyRequests:
		// Sentry's RatelimitMiddleware: a plain HttpResponse (so text/html)
		// holding JSON, the window's end as a Unix time, no Retry-After.
		e.mu.Lock()
		now := e.now()
		e.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("X-Sentry-Rate-Limit-Remaining", "0")
		h.Set("X-Sentry-Rate-Limit-Limit", "40")
		h.Set("X-Sentry-Rate-Limit-Reset", strconv.FormatInt(now.Unix()+reset, 10))
		w.WriteHeader(http.StatusTooManyRequests)
		b, _ := json.Marshal(map[string]string{"detail": fmt.Sprintf(detailRateLimited, 40, reset)})
		_, _ = w.Write(b)
	case f.Status == http.StatusInternalServerError:
		writeJSON(w, f.Status, map[string]string{"detail": "Internal Error", "errorId": "9ec79c33ec9942ab8353589fcb2e04dc"})
	default:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", f.Status, http.StatusText(f.Status))
	}
	if !envelope {
		e.mu.Lock()
		e.requests = append(e.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: f.Status})
		e.mu.Unlock()
	}
}

// Scopes that allow each kind of call, as Sentry's permission classes list
// them (OrganizationEventPermission, OrganizationReleasePermission,
// ProjectPermission).
var (
	scopesEventRead    = []string{"event:read", "event:write", "event:admin"}
	scopesReleaseRead  = []string{"project:read", "project:write", "project:admin", "project:releases", OrgTokenScope}
	scopesReleaseWrite = []string{"project:write", "project:admin", "project:releases", OrgTokenScope}
	scopesProjectRead  = []string{"project:read", "project:write", "project:admin"}
)

// endpoint is one REST route: a handler and the scopes it needs, per method.
type endpoint map[string]struct {
	scopes []string
	h      func(w http.ResponseWriter, r *http.Request)
}

func (e *Emulator) routes() {
	m := http.NewServeMux()
	e.methods = map[string][]string{}
	api := func(pattern string, ep endpoint) {
		m.Handle(pattern, e.api(ep))
		for method := range ep {
			e.methods[pattern] = append(e.methods[pattern], method)
		}
	}
	api("/api/0/organizations/{org}/issues/{$}", endpoint{
		"GET": {scopesEventRead, e.listIssues},
	})
	api("/api/0/organizations/{org}/releases/{$}", endpoint{
		"POST": {scopesReleaseWrite, e.createRelease},
	})
	api("/api/0/organizations/{org}/releases/{version}/{$}", endpoint{
		"GET": {scopesReleaseRead, e.getRelease},
		"PUT": {scopesReleaseWrite, e.updateRelease},
	})
	api("/api/0/organizations/{org}/releases/{version}/deploys/{$}", endpoint{
		"GET":  {scopesReleaseRead, e.listDeploys},
		"POST": {scopesReleaseWrite, e.createDeploy},
	})
	api("/api/0/projects/{org}/{project}/{$}", endpoint{
		"GET": {scopesProjectRead, e.getProject},
	})
	m.HandleFunc("POST /api/{project}/envelope/{$}", e.envelope)
	e.methods["/api/{project}/envelope/{$}"] = []string{"POST"}
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

// api wraps a REST endpoint in Sentry's order of checks: authentication
// (401), the organization (404), the token's scopes (403), then the method
// (405); the handler runs with the emulator locked.
func (e *Emulator) api(ep endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		e.mu.Lock()
		defer e.mu.Unlock()
		auth := r.Header.Get("Authorization")
		raw, isBearer := strings.CutPrefix(auth, "Bearer ")
		raw = strings.TrimSpace(raw)
		tok := e.tokens[raw]
		defer func() {
			e.requests = append(e.requests, Request{
				Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Authorized: tok != nil, Status: rec.status,
			})
		}()
		switch {
		case !isBearer || raw == "":
			writeJSON(rec, http.StatusUnauthorized, map[string]string{"detail": detailNoCredentials})
			return
		case tok == nil && strings.HasPrefix(raw, orgTokenPrefix):
			writeJSON(rec, http.StatusUnauthorized, map[string]string{"detail": detailInvalidOrgToken})
			return
		case tok == nil:
			writeJSON(rec, http.StatusUnauthorized, map[string]string{"detail": detailInvalidToken})
			return
		}
		if e.orgs[r.PathValue("org")] == nil {
			notFound(rec)
			return
		}
		m, ok := ep[r.Method]
		if !ok {
			writeJSON(rec, http.StatusMethodNotAllowed, map[string]string{"detail": fmt.Sprintf("Method %q not allowed.", r.Method)})
			return
		}
		if !tok.has(m.scopes) {
			writeJSON(rec, http.StatusForbidden, map[string]string{"detail": detailForbidden})
			return
		}
		m.h(rec, r)
	})
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
