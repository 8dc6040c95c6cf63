// Package githubemu is an emulator of GitHub's REST API for tests and the
// demo: an http.Handler backed by real bare git repositories on disk, so every
// commit, tree and ref it serves is a git object a test can inspect with
// `git log`. It answers with GitHub's status codes, JSON shapes, headers
// (rate limits, request ids, Link pagination) and error bodies, verifies App
// JWTs to issue installation tokens, injects faults, and delivers signed
// webhooks. It is served both at the root and under /api/v3, as GitHub
// Enterprise is.
//
// The emulator is hand-written because no maintained library serves GitHub's
// API over real git objects; go-github's own types give the JSON shapes.
package githubemu

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gh "github.com/google/go-github/v62/github"

	"github.com/releasebot/releasebot/internal/emulator/strict"
)

// Options configure a Server.
type Options struct {
	// Dir is where the bare repositories are created, one per repository at
	// Dir/owner/name.git. Required.
	Dir string
	// Tokens are the personal or Actions tokens the emulator accepts, each
	// mapped to the login it authenticates as.
	Tokens map[string]string
	// Apps are the GitHub Apps whose JWTs the emulator accepts to issue
	// installation tokens.
	Apps []App
	// Webhook, when its URL is set, receives the events the emulator's state
	// changes cause (issue_comment, pull_request, push), signed with Secret.
	Webhook Webhook
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RateLimit is X-RateLimit-Limit per token and hour (default 5000).
	RateLimit int
}

// App is a GitHub App: its JWTs must be signed (RS256) with the private key
// matching PublicKey and carry its ID as issuer. Its one installation covers
// every repository of the emulator.
type App struct {
	ID             int64
	Slug           string // the bot's login is Slug + "[bot]"
	PublicKey      *rsa.PublicKey
	InstallationID int64
}

// Webhook is where and how events are delivered.
type Webhook struct {
	URL    string
	Secret string
	Client *http.Client // default: a client with a 10 s timeout
}

// RepoOptions describe a repository to create.
type RepoOptions struct {
	DefaultBranch string            // default "main"
	Private       bool              //
	Files         map[string][]byte // content of the first commit; none means an empty repository
	Message       string            // the first commit's message (default "Initial commit")
	Author        string            // login of the first commit's author (default the owner)
}

// identity is who a request authenticates as.
type identity struct {
	login   string
	bot     bool
	app     *App // for installation tokens and App JWTs
	jwt     bool // authenticated as the App itself, not an installation
	token   string
	expires time.Time // installation tokens last an hour
}

// Server is the emulator. Its methods are safe for concurrent use.
type Server struct {
	opts Options

	mu        sync.Mutex
	repos     map[string]*repoState // by lower-case "owner/name"
	reposByID map[int64]*repoState
	users     map[string]int64 // login → id
	tokens    map[string]identity
	comments  map[int64]*commentState
	nextID    int64
	rate      map[string]*rateWindow
	faults    []*faultRule
	requests  int64

	hooks     *hookQueue
	strict    *strict.Recorder // strict mode's record, set by NewTest
	lastBase  atomic.Value     // string: the API base URL of the latest request
	installed map[int64]*App
}

type rateWindow struct {
	used  int
	reset time.Time
}

// New returns an emulator with no repositories.
func New(opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("githubemu: Options.Dir is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 5000
	}
	opts.Apps = append([]App(nil), opts.Apps...) // defaults are filled in below
	s := &Server{
		opts:      opts,
		repos:     map[string]*repoState{},
		reposByID: map[int64]*repoState{},
		users:     map[string]int64{},
		tokens:    map[string]identity{},
		comments:  map[int64]*commentState{},
		nextID:    1000,
		rate:      map[string]*rateWindow{},
		installed: map[int64]*App{},
	}
	for tok, login := range opts.Tokens {
		s.tokens[tok] = identity{login: login, token: tok}
	}
	for i := range opts.Apps {
		a := &opts.Apps[i]
		if a.Slug == "" {
			a.Slug = "releasebot"
		}
		if a.InstallationID == 0 {
			a.InstallationID = a.ID*10 + 1
		}
		s.installed[a.InstallationID] = a
	}
	s.hooks = newHookQueue(s)
	return s, nil
}

func (s *Server) now() time.Time { return s.opts.Now().UTC().Truncate(time.Second) }

func (s *Server) newID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newIDLocked()
}

func (s *Server) newIDLocked() int64 {
	s.nextID++
	return s.nextID
}

// AddToken makes token authenticate as login.
func (s *Server) AddToken(token, login string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = identity{login: login, token: token}
}

// CreateRepo creates owner/name as a bare repository on disk, with one
// commit holding o.Files when there are any.
func (s *Server) CreateRepo(owner, name string, o RepoOptions) error {
	if o.DefaultBranch == "" {
		o.DefaultBranch = "main"
	}
	key := strings.ToLower(owner + "/" + name)
	s.mu.Lock()
	if _, ok := s.repos[key]; ok {
		s.mu.Unlock()
		return fmt.Errorf("githubemu: repository %s/%s exists", owner, name)
	}
	s.mu.Unlock()
	ctx := context.Background()
	dir := filepath.Join(s.opts.Dir, owner, name+".git")
	git, err := initBare(ctx, dir, o.DefaultBranch)
	if err != nil {
		return fmt.Errorf("githubemu: could not create %s/%s: %w", owner, name, err)
	}
	s.mu.Lock()
	rs := &repoState{
		id: s.newIDLocked(), owner: owner, name: name, private: o.Private,
		defaultBranch: o.DefaultBranch, git: git, createdAt: s.now(),
		issues: map[int]*issueState{}, labels: map[string]*gh.Label{},
		perms: map[string]string{owner: "admin"}, checkRuns: map[string][]*gh.CheckRun{},
		statuses: map[string][]*gh.RepoStatus{},
	}
	s.repos[key] = rs
	s.reposByID[rs.id] = rs
	s.mu.Unlock()
	if len(o.Files) > 0 {
		msg := o.Message
		if msg == "" {
			msg = "Initial commit"
		}
		author := o.Author
		if author == "" {
			author = owner
		}
		if _, err := s.commitFiles(ctx, rs, o.DefaultBranch, o.Files, msg, author, false); err != nil {
			return err
		}
	}
	return nil
}

// RepoPath is the bare repository of owner/name on disk, for `git log`.
func (s *Server) RepoPath(owner, name string) string {
	return filepath.Join(s.opts.Dir, owner, name+".git")
}

// SetPermission gives login a role on owner/name: read, triage, write,
// maintain or admin ("" removes it).
func (s *Server) SetPermission(owner, name, login, role string) error {
	rs, err := s.repo(owner, name)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if role == "" {
		delete(rs.perms, login)
	} else {
		rs.perms[login] = role
	}
	return nil
}

func (s *Server) repo(owner, name string) (*repoState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.repos[strings.ToLower(owner+"/"+name)]
	if rs == nil {
		return nil, fmt.Errorf("githubemu: no repository %s/%s", owner, name)
	}
	return rs, nil
}

// Requests is how many API requests the emulator has answered.
func (s *Server) Requests() int64 { return atomic.LoadInt64(&s.requests) }

// userID returns the stable id of login, allocating one on first sight.
func (s *Server) userID(login string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userIDLocked(login)
}

func (s *Server) userIDLocked(login string) int64 {
	if id, ok := s.users[login]; ok {
		return id
	}
	id := s.newIDLocked()
	s.users[login] = id
	return id
}

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
		rte.h(w, r2)
	})
}

func requestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	x := strings.ToUpper(hex.EncodeToString(b[:]))
	return x[0:4] + ":" + x[4:8] + ":" + x[8:14] + ":" + x[14:18] + ":" + x[18:20]
}

const docsBase = "https://docs.github.com/rest"

// apiError writes GitHub's error body.
func apiError(w http.ResponseWriter, status int, msg, doc string) {
	if doc == "" {
		doc = docsBase
	}
	writeJSON(w, status, map[string]any{"message": msg, "documentation_url": doc, "status": strconv.Itoa(status)})
}

func notFound(w http.ResponseWriter) {
	apiError(w, http.StatusNotFound, "Not Found", docsBase)
}

// badSHA answers GitHub's 422 for a parameter that must be a full object
// id: "The sha parameter must be exactly 40 characters and contain only
// [0-9a-f]."
func badSHA(w http.ResponseWriter, param, doc string) {
	apiError(w, http.StatusUnprocessableEntity, "The "+param+" parameter must be exactly 40 characters and contain only [0-9a-f].", doc)
}

// validationFailed is GitHub's 422 with an errors list.
func validationFailed(w http.ResponseWriter, doc string, errs ...map[string]any) {
	if doc == "" {
		doc = docsBase
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message": "Validation Failed", "errors": errs, "documentation_url": doc, "status": "422",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// decodeBody reads a JSON body into v, answering 400 "Problems parsing JSON"
// as GitHub does when it does not parse.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 100<<20))
	if err := dec.Decode(v); err != nil {
		apiError(w, http.StatusBadRequest, "Problems parsing JSON", docsBase)
		return false
	}
	return true
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

// bases returns the API and web base URLs for links built outside a request.
func (s *Server) bases() (api, web string) {
	if v, ok := s.lastBase.Load().([2]string); ok {
		return v[0], v[1]
	}
	return "http://github.localhost", "http://github.localhost"
}

// paging reads per_page (default 30, at most 100) and page (from 1).
func paging(r *http.Request) (perPage, page int) {
	perPage, page = 30, 1
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		page = v
	}
	return perPage, page
}

// setLink writes the Link header GitHub's paginated lists carry for page of
// total items: next and last on the first page, prev/next/last/first in the
// middle, prev and first on the last, none when there is one page.
func setLink(w http.ResponseWriter, r *http.Request, perPage, page, total int) {
	last := (total + perPage - 1) / perPage
	if last <= 1 {
		return
	}
	var links []string
	if page > 1 {
		links = append(links, pageLink(r, perPage, page-1, "prev"))
	}
	if page < last {
		links = append(links, pageLink(r, perPage, page+1, "next"), pageLink(r, perPage, last, "last"))
	}
	if page > 1 {
		links = append(links, pageLink(r, perPage, 1, "first"))
	}
	w.Header().Set("Link", strings.Join(links, ", "))
}

// setCommitsLink writes the Link header of GET /commits, which GitHub
// builds its own way: next (and last) whenever the page is full, even when
// it is the last one, so that a client reads one more, empty, page; then
// first and prev after the first page.
func setCommitsLink(w http.ResponseWriter, r *http.Request, perPage, page, n, total int) {
	var links []string
	if n == perPage {
		links = append(links, pageLink(r, perPage, page+1, "next"), pageLink(r, perPage, (total+perPage-1)/perPage, "last"))
	}
	if page > 1 {
		links = append(links, pageLink(r, perPage, 1, "first"), pageLink(r, perPage, page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
}

// pageLink is one `<url>; rel="…"` of a Link header: the request's URL
// under /repositories/{id} with page p.
func pageLink(r *http.Request, perPage, p int, rel string) string {
	ri := info(r)
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(p))
	if _, ok := q["per_page"]; !ok && perPage != 30 {
		q.Set("per_page", strconv.Itoa(perPage))
	}
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/repos/"); ok {
		parts := strings.SplitN(rest, "/", 3)
		if len(parts) == 3 {
			if rs := ri.repo; rs != nil {
				path = "/repositories/" + strconv.FormatInt(rs.id, 10) + "/" + parts[2]
			}
		}
	}
	return fmt.Sprintf("<%s%s?%s>; rel=%q", ri.apiBase, path, encodeQuery(q), rel)
}

// encodeQuery keeps GitHub's parameter order readable: sorted, with page last.
func encodeQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "page" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	parts = append(parts, "page="+q.Get("page"))
	return strings.Join(parts, "&")
}

// pageOf slices items for the request's page and writes the Link header.
func pageOf[T any](w http.ResponseWriter, r *http.Request, items []T) []T {
	perPage, page := paging(r)
	setLink(w, r, perPage, page, len(items))
	start := (page - 1) * perPage
	if start >= len(items) {
		return []T{}
	}
	return items[start:min(start+perPage, len(items))]
}

func ptr[T any](v T) *T { return &v }

func ts(t time.Time) *gh.Timestamp { return &gh.Timestamp{Time: t.UTC()} }

// missingField answers GitHub's 422 for a required field left out of a body.
func missingField(w http.ResponseWriter, field, doc string) {
	apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\""+field+"\" wasn't supplied.", doc)
}
