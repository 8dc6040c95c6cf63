//go:build unix

package localgit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Lock serialises commands on one clone with an advisory lock on
// .git/releasebot.lock. The core takes it twice per attempt: around reading the
// flag file, and around the commit with its work-tree update; never while a
// gate runs, so a hanging health check holds nobody up. git protects the
// branch ref and index with their own lock files, but not a commit followed by
// a checkout; without this lock, a second command could read the work tree
// between another's commit and its work-tree update and take it for a human
// edit. Compare-and-swap on the ref
// still guards against writers that do not take the lock (a human's git
// commit). The kernel drops the lock if the process dies.
func (s *Store) Lock(ctx context.Context) (func(), error) {
	dir, err := s.commonDir(ctx)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "releasebot.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("could not open the lock file: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			return nil, fmt.Errorf("could not lock %s: %w", f.Name(), err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("another releasebot command holds %s: %w", f.Name(), ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// commonDir is the repository's .git directory, read once.
func (s *Store) commonDir(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gitDir == "" {
		out, err := s.git(ctx, nil, "rev-parse", "--git-common-dir")
		if err != nil {
			return "", err
		}
		s.gitDir = strings.TrimSpace(out)
		if !filepath.IsAbs(s.gitDir) {
			s.gitDir = filepath.Join(s.Dir, s.gitDir)
		}
	}
	return s.gitDir, nil
}
