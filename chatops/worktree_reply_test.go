package chatops

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// workTreeStore is a memStore whose local work tree fails as a clone's can.
type workTreeStore struct {
	*memStore
	readErr   error // returned by Read
	commitErr error // returned by Commit; with ErrWorkTreeBehind the commit is made first
}

func (s *workTreeStore) Read(ctx context.Context) (Snapshot, error) {
	snap, err := s.memStore.Read(ctx)
	if s.readErr != nil {
		return snap, s.readErr
	}
	return snap, err
}

func (s *workTreeStore) Commit(ctx context.Context, base string, files map[string][]byte, msg string) (string, error) {
	if s.commitErr == nil {
		return s.memStore.Commit(ctx, base, files, msg)
	}
	var sha string
	if strings.Contains(s.commitErr.Error(), ErrWorkTreeBehind.Error()) {
		var err error
		if sha, err = s.memStore.Commit(ctx, base, files, msg); err != nil {
			return "", err
		}
	}
	return sha, s.commitErr
}

// TestWorkTreeReplies: a store that refused to touch a work tree is a
// refusal saying what to fix, never "committed"; a commit whose work-tree
// update failed after the branch moved is done, with a warning, never
// "nothing changed".
func TestWorkTreeReplies(t *testing.T) {
	blocked := fmt.Errorf("%w: deploy/prod.env in /repo is not tracked by git, and the commit would overwrite it; move it away (or commit it), then run the command again", ErrBlocked)
	dirty := fmt.Errorf("%w to .release/flags.yaml in /repo", ErrDirty)
	behind := fmt.Errorf("%w: .release/flags.yaml in /repo still show the previous flag commit (git's index is locked); the next releasebot command brings them up to date", ErrWorkTreeBehind)
	tests := []struct {
		name             string
		readErr, commErr error
		outcome          Outcome
		commits          int
		want, never      []string
	}{
		{"read blocked", blocked, nil, Refused, 0, []string{"deploy/prod.env in /repo is not tracked by git", "move it away"}, []string{"— committed", "internal error"}},
		{"read dirty", dirty, nil, Refused, 0, []string{"uncommitted changes to .release/flags.yaml", "git stash"}, []string{"— committed"}},
		{"commit blocked", nil, blocked, Refused, 0, []string{"is not tracked by git"}, []string{"— committed", "could not commit"}},
		{"commit dirty", nil, dirty, Refused, 0, []string{"uncommitted changes to .release/flags.yaml"}, []string{"— committed"}},
		{"work tree behind", nil, behind, Done, 1, []string{"canary 0% → 10% (prod) — committed ", "\nwarning: the work tree is behind the flag branch", "brings them up to date"}, []string{"nothing changed", "could not commit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := newMemStore(flagsPath, runbookFlags)
			svc := &Service{Store: &workTreeStore{memStore: mem, readErr: tt.readErr, commitErr: tt.commErr}, Config: testConfig(t)}
			r := run(t, svc, "/canary 10", "")
			if r.Outcome != tt.outcome || mem.count()-1 != tt.commits {
				t.Errorf("%v with %d commits, want %v with %d: %q", r.Outcome, mem.count()-1, tt.outcome, tt.commits, r.Text)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Text, w) {
					t.Errorf("reply lacks %q: %q", w, r.Text)
				}
			}
			for _, n := range tt.never {
				if strings.Contains(r.Text, n) {
					t.Errorf("reply says %q: %q", n, r.Text)
				}
			}
		})
	}
}
