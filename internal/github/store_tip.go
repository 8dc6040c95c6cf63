package github

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v62/github"

	"github.com/releasebot/releasebot/chatops"
)

// ReadTip reads the tip of the flag branch, its flag file and the request
// window in one round trip of two requests sent together: the first page
// of the branch's recent commits (its first entry is the tip, with its
// tree) and the flag file at the branch. FindRequest's further pages follow
// only on a branch with more than 100 commits in the window; a branch whose
// tip is older than the window lists nothing, and the tip then comes from
// the ref (one more request).
//
// The two requests name the branch, not a commit, so they may see it at
// two moments. A tip older than the file is harmless: Commit's
// compare-and-swap from that tip fails and the command reads again. A tip
// newer than the file would let a commit built on an old file land on a
// new tip and undo what came between; so the blob read is remembered
// against the tip and the request id, and Commit (which finds the id in its
// message) checks it against the flag file at the tip: one request, sent
// while the tree and the commit are made, waited for before the ref moves;
// none when the store already knows that commit's flag file (it read it at
// that commit, or made the commit). A mismatch is chatops.ErrConflict, and
// nothing moves; the next ReadTip, knowing the tip's file, reads it at the
// tip when the branch still gives another.
func (s *Store) ReadTip(ctx context.Context, id string) (chatops.Tip, error) {
	s.mu.Lock()
	r := s.pre
	s.pre = nil
	s.mu.Unlock()
	if r == nil || s.now().Sub(r.at) > PrefetchMaxAge {
		r = s.reads(ctx, s.Branch)
	}
	if r.listErr != nil {
		return chatops.Tip{}, failed(r.listErr, "could not list the commits of %s on %s", s.Branch, s.repo())
	}
	var tip chatops.Tip
	rev := ""
	if len(r.first) > 0 {
		rev = r.first[0].GetSHA()
	} else {
		ref, _, err := s.Client.Git.GetRef(ctx, s.Owner, s.Repo, s.ref())
		if err != nil {
			if status(err) == http.StatusNotFound || status(err) == http.StatusConflict {
				tip.ReadErr = failed(err, "the flag branch %s does not exist on %s", s.Branch, s.repo())
			} else {
				tip.ReadErr = failed(err, "could not read the flag branch %s of %s", s.Branch, s.repo())
			}
			return tip, nil
		}
		rev = ref.GetObject().GetSHA()
	}
	if r.fileErr == nil && !s.noteRead(rev, id, r.blob) {
		// The file read is known not to be the tip's: read it at the tip.
		data, blob, err := s.fileBlob(ctx, rev, s.FlagsFile, "the flag file")
		s.rememberFlags(rev, blob)
		s.noteRead(rev, id, blob)
		r.data, r.fileErr = data, err
	}
	tip.Snapshot, tip.ReadErr = s.snapshot(rev, r.data, r.fileErr)
	opts, window := s.listOptions()
	var err error
	tip.Request, tip.Found, err = s.scan(ctx, id, opts, window, r.first, r.resp)
	return tip, err
}

// tipReads are ReadTip's two requests, sent together, and what they
// answered.
type tipReads struct {
	at      time.Time
	first   []*gh.RepositoryCommit // the window's first page, newest first
	resp    *gh.Response
	listErr error
	data    []byte
	blob    string
	fileErr error
}

// reads sends ReadTip's two requests on branch ("": the default branch).
func (s *Store) reads(ctx context.Context, branch string) *tipReads {
	r := &tipReads{at: s.now()}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.data, r.blob, r.fileErr = s.fileBlob(ctx, branch, s.FlagsFile, "the flag file")
	}()
	opts, _ := s.listOptions()
	opts.SHA, opts.Page = branch, 1
	r.first, r.resp, r.listErr = s.Client.Repositories.ListCommits(ctx, s.Owner, s.Repo, opts)
	wg.Wait()
	return r
}

// PrefetchMaxAge is how old a Prefetch may be when a store's first ReadTip
// uses it; an older one is read again.
const PrefetchMaxAge = 10 * time.Second

// Prefetched is ReadTip's reads made on a repository's default branch
// before a store was opened on it (see Prefetch).
type Prefetched struct {
	flagsFile string
	r         *tipReads
}

// Prefetch sends ReadTip's two requests (the window's first page of
// commits and flagsFile) on repo's default branch now, before the flag
// branch is known: OpenGitHub reads the configuration at the same time,
// and in the common case the flag branch is the default branch and the
// flag file where the defaults put it. Adopt hands them to the store that
// turns out to need them. A failed read is not kept: the store reads again
// and reports its own error.
func Prefetch(ctx context.Context, client *gh.Client, repo, flagsFile string) *Prefetched {
	owner, name, _ := strings.Cut(repo, "/")
	s := &Store{Client: client, Owner: owner, Repo: name, FlagsFile: strings.TrimPrefix(flagsFile, "/")}
	return &Prefetched{flagsFile: s.FlagsFile, r: s.reads(ctx, "")}
}

// Adopt gives the store p when p read the store's flag file and branch is
// the repository's default branch, as the caller learnt it. The store's
// next ReadTip uses p instead of reading, once, if p is at most
// PrefetchMaxAge old; the compare-and-swap and ReadTip's check of the
// flag file hold as for any read. It reports whether p was adopted.
func (s *Store) Adopt(p *Prefetched, defaultBranch string) bool {
	if p == nil || p.flagsFile != s.FlagsFile || defaultBranch == "" || s.Branch != defaultBranch ||
		p.r.listErr != nil || p.r.fileErr != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pre = p.r
	return true
}

// noteRead records that ReadTip, for request id, read blob at the branch
// while it listed rev as the tip, for Commit to check. It reports false
// when the store knows rev's flag file to be another blob: the read cannot
// be used. The record is per request id because Commit learns which read a
// command used only from the request id in its message; a command's
// attempts run one after another, so each read replaces the last.
func (s *Store) noteRead(rev, id, blob string) bool {
	if known, ok := s.memory().get(s.flagKey(rev)); ok && known != blob {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.read == nil || len(s.read) >= 1024 {
		s.read = map[readKey]string{}
	}
	s.read[readKey{rev, id}] = blob
	return true
}

// readKey is one command's read at one tip.
type readKey struct{ rev, id string }

// verify starts checking that the flag file at base is the blob ReadTip
// read there for the request whose id message carries; wait returns nil when it is (or when there is nothing to
// check), chatops.ErrConflict when it is not.
func (s *Store) verify(ctx context.Context, base, message string) (wait func() error) {
	s.mu.Lock()
	read, speculative := "", false
	for k, blob := range s.read {
		if k.rev == base && chatops.HasRequest(message, k.id) {
			read, speculative = blob, true
			delete(s.read, k)
			break
		}
	}
	s.mu.Unlock()
	known, ok := s.memory().get(s.flagKey(base))
	if !speculative || ok && known == read {
		return func() error { return nil }
	}
	if ok {
		return func() error { return s.moved(base) }
	}
	done := make(chan error, 1)
	go func() {
		_, blob, err := s.fileBlob(ctx, base, s.FlagsFile, "the flag file")
		switch {
		case err != nil:
			done <- err
		case blob != read:
			s.rememberFlags(base, blob)
			done <- s.moved(base)
		default:
			s.rememberFlags(base, blob)
			done <- nil
		}
	}()
	return func() error { return <-done }
}

func (s *Store) moved(base string) error {
	return fmt.Errorf("the flag file at %.7s of %s on %s is not the one read: %w", base, s.Branch, s.repo(), chatops.ErrConflict)
}

// rememberFlags records that the flag file at commit is blob.
func (s *Store) rememberFlags(commit, blob string) {
	if commit == "" || blob == "" {
		return
	}
	s.memory().put(s.flagKey(commit), blob)
}

func (s *Store) flagKey(commit string) string {
	return s.repo() + "\x00" + s.FlagsFile + "\x00" + commit
}

func (s *Store) memory() *FlagMemory {
	if s.Memory != nil {
		return s.Memory
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.own == nil {
		s.own = &FlagMemory{}
	}
	return s.own
}

// FlagMemory remembers, for commits of flag branches, which blob the flag
// file is there: what a store read at a commit, or wrote in its own. Facts
// about immutable commits never go stale, so stores of one process may
// share one (Store.Memory): a command opened afresh then trusts the flag
// file of the commit an earlier command made, without checking it again.
// It keeps at most 4096 entries, starting over when full. The zero value
// is ready; it is safe for concurrent use.
type FlagMemory struct {
	mu sync.Mutex
	m  map[string]string
}

func (f *FlagMemory) get(k string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[k]
	return v, ok
}

func (f *FlagMemory) put(k, v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil || len(f.m) >= 4096 {
		f.m = map[string]string{}
	}
	f.m[k] = v
}

// blobID is git's id of a blob holding data (SHA-1, as GitHub's
// repositories are).
func blobID(data []byte) string {
	h := sha1.New()
	h.Write([]byte("blob " + strconv.Itoa(len(data)) + "\x00"))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// listOptions are the request window's listing options, and the window.
func (s *Store) listOptions() (*gh.CommitsListOptions, int) {
	window := s.RequestWindow
	if window <= 0 {
		window = chatops.DefaultRequestWindow
	}
	maxAge := s.RequestMaxAge
	if maxAge <= 0 {
		maxAge = chatops.DefaultRequestMaxAge
	}
	return &gh.CommitsListOptions{SHA: s.Branch, Since: s.now().Add(-maxAge), ListOptions: gh.ListOptions{PerPage: min(window, 100)}}, window
}

// revName names rev in messages: a commit id by its first seven digits, a
// branch by its name, no ref as the default branch.
func revName(rev string) string {
	if rev == "" {
		return "the default branch"
	}
	if len(rev) == 40 {
		if _, err := hex.DecodeString(rev); err == nil {
			return rev[:7]
		}
	}
	return rev
}
