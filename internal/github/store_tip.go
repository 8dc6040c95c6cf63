package github

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"sync"

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
// against the tip, and Commit checks it against the flag file at the tip
// (one request, sent while the tree and the commit are made, waited for
// before the ref moves), unless the store already knows that commit's flag
// file (it read it at that commit, or made the commit). A mismatch is
// chatops.ErrConflict, and nothing moves.
func (s *Store) ReadTip(ctx context.Context, id string) (chatops.Tip, error) {
	var (
		wg   sync.WaitGroup
		data []byte
		blob string
		ferr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		data, blob, ferr = s.fileBlob(ctx, s.Branch, s.FlagsFile, "the flag file")
	}()
	opts, window := s.listOptions()
	opts.Page = 1
	first, resp, err := s.Client.Repositories.ListCommits(ctx, s.Owner, s.Repo, opts)
	wg.Wait()
	if err != nil {
		return chatops.Tip{}, failed(err, "could not list the commits of %s on %s", s.Branch, s.repo())
	}
	var tip chatops.Tip
	rev := ""
	if len(first) > 0 {
		rev = first[0].GetSHA()
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
	if ferr == nil {
		s.mu.Lock()
		if s.read == nil || len(s.read) >= 1024 {
			s.read = map[string]string{}
		}
		s.read[rev] = blob
		s.mu.Unlock()
	}
	tip.Snapshot, tip.ReadErr = s.snapshot(rev, data, ferr)
	tip.Request, tip.Found, err = s.scan(ctx, id, opts, window, first, resp)
	return tip, err
}

// verify starts checking that the flag file at base is the blob ReadTip
// read there; wait returns nil when it is (or when there is nothing to
// check), chatops.ErrConflict when it is not.
func (s *Store) verify(ctx context.Context, base string) (wait func() error) {
	s.mu.Lock()
	read, speculative := s.read[base]
	known, ok := s.flags[base]
	s.mu.Unlock()
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flags == nil || len(s.flags) >= 1024 {
		s.flags = map[string]string{}
	}
	s.flags[commit] = blob
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
