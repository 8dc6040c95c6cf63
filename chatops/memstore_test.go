package chatops

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// memStore is a Store in memory with the contract's semantics: Commit is
// compare-and-swap on the tip, FindRequest reads trailers. beforeCommit lets
// a test move the branch between a command's read and its commit.
type memStore struct {
	mu           sync.Mutex
	path         string
	commits      []memCommit // oldest first
	beforeCommit func(s *memStore)
	alwaysMove   bool
	reads        int
}

type memCommit struct {
	info  CommitInfo
	files map[string][]byte
}

func newMemStore(path, flags string) *memStore {
	s := &memStore{path: path}
	s.commits = append(s.commits, memCommit{info: CommitInfo{SHA: "c0000000000", Message: "initial", Author: "dev", When: time.Unix(0, 0)}, files: map[string][]byte{path: []byte(flags)}})
	return s
}

func (s *memStore) tip() memCommit { return s.commits[len(s.commits)-1] }

func (s *memStore) Read(ctx context.Context) (Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	t := s.tip()
	data, ok := t.files[s.path]
	if !ok {
		return Snapshot{Rev: t.info.SHA}, ErrNoFlagFile
	}
	return Snapshot{Rev: t.info.SHA, Flags: data}, nil
}

func (s *memStore) FindRequest(ctx context.Context, id string) (CommitInfo, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.commits) - 1; i >= 0; i-- {
		if HasRequest(s.commits[i].info.Message, id) {
			return s.commits[i].info, true, nil
		}
	}
	return CommitInfo{}, false, nil
}

// outside commits a change made by someone else (a human, another replica).
func (s *memStore) outside(path, content string) {
	files := map[string][]byte{}
	for k, v := range s.tip().files {
		files[k] = v
	}
	files[path] = []byte(content)
	s.commits = append(s.commits, memCommit{info: CommitInfo{SHA: fmt.Sprintf("o%010d", len(s.commits)), Message: "outside edit", Author: "human", When: time.Unix(int64(len(s.commits)), 0)}, files: files})
}

func (s *memStore) Commit(ctx context.Context, base string, files map[string][]byte, message string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.beforeCommit != nil {
		s.beforeCommit(s)
		if !s.alwaysMove {
			s.beforeCommit = nil
		}
	}
	if s.tip().info.SHA != base {
		return "", fmt.Errorf("moved: %w", ErrConflict)
	}
	next := map[string][]byte{}
	for k, v := range s.tip().files {
		next[k] = v
	}
	for k, v := range files {
		next[k] = v
	}
	sha := fmt.Sprintf("%07x%033d", 0xb0000+len(s.commits), 0)
	s.commits = append(s.commits, memCommit{info: CommitInfo{SHA: sha, Message: message, Author: "releasebot", When: time.Date(2026, 11, 26, 2, 0, len(s.commits), 0, time.UTC)}, files: next})
	return sha, nil
}

func (s *memStore) History(ctx context.Context, path string, limit int) ([]CommitInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CommitInfo
	for i := len(s.commits) - 1; i >= 0 && len(out) < limit; i-- {
		if i == 0 || string(s.commits[i].files[path]) != string(s.commits[i-1].files[path]) {
			out = append(out, s.commits[i].info)
		}
	}
	return out, nil
}

func (s *memStore) file(path string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.tip().files[path])
}

func (s *memStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.commits)
}

func (s *memStore) lastMessage() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tip().info.Message
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
