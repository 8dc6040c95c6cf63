// Package githubemu is an emulator of GitHub's REST API for tests and the
// demo: an http.Handler backed by real bare git repositories on disk, so every
// commit, tree and ref it serves is a git object a test can inspect with
// `git log`. It answers with GitHub's status codes, JSON shapes, headers
// (rate limits, request ids, Link pagination) and error bodies, verifies App
// JWTs to issue installation tokens, injects faults, and delivers signed
// webhooks. It is served both at the root and under /api/v3, as GitHub
// Enterprise is.
//
// Tests build it with NewTest, whose strict mode fails the test on a request
// no route matches; the demo builds it with New.
//
// The emulator is hand-written because no maintained library serves GitHub's
// API over real git objects; go-github's own types give the JSON shapes.
package githubemu

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
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
