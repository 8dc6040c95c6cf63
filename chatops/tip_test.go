package chatops

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/config"
)

// tipStore is a memStore that reads the tip and looks for the request in
// one call, as the GitHub store does; Read and FindRequest, called apart,
// fail the test. lookupErr and readErr replace what ReadTip answers.
type tipStore struct {
	*memStore
	t                  *testing.T
	tips               int
	lookupErr, readErr error
}

func (s *tipStore) ReadTip(ctx context.Context, id string) (Tip, error) {
	s.tips++
	var tip Tip
	tip.Snapshot, tip.ReadErr = s.memStore.Read(ctx)
	c, found, err := s.memStore.FindRequest(ctx, id)
	tip.Request, tip.Found = c, found
	if s.readErr != nil {
		tip.ReadErr = s.readErr
	}
	if s.lookupErr != nil {
		err = s.lookupErr
	}
	return tip, err
}

func (s *tipStore) Read(context.Context) (Snapshot, error) {
	s.t.Error("Read called on a TipReader")
	return Snapshot{}, errors.New("unexpected")
}

func (s *tipStore) FindRequest(context.Context, string) (CommitInfo, bool, error) {
	s.t.Error("FindRequest called on a TipReader")
	return CommitInfo{}, false, errors.New("unexpected")
}

// TestServiceUsesTipReader: a store that reads the tip and looks for the
// request in one call is asked once per attempt, and its answers mean what
// Read's and FindRequest's do: a found request is replayed even when the
// flag file cannot be used, a lookup failure fails the command, a missing
// flag file is bad input.
func TestServiceUsesTipReader(t *testing.T) {
	for _, tc := range []struct {
		name               string
		lookupErr, readErr error
		id                 string
		want               Outcome
		text               string
		tips, commits      int // ReadTip calls and commits made by the second run
	}{
		{"a command", nil, nil, "r1", Done, "canary 0% → 10%", 1, 1},
		{"replayed with a broken flag file", nil, ErrNoFlagFile, "r0", Done, "already done", 1, 0},
		{"lookup fails", errors.New("github down"), nil, "r1", Failed, "", 1, 0},
		{"no flag file", nil, ErrNoFlagFile, "r1", BadInput, "there is no flag file", 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := newMemStore(flagsPath, runbookFlags)
			store := &tipStore{memStore: mem, t: t}
			svc := &Service{Store: store, Config: config.Default()}
			req := Request{Text: "/canary 10", Actor: Actor{Name: "ana", Via: "slack"}, ID: "r0"}
			if r := svc.Run(context.Background(), req); r.Outcome != Done {
				t.Fatalf("first: %v %q", r.Outcome, r.Text)
			}
			store.tips, store.lookupErr, store.readErr = 0, tc.lookupErr, tc.readErr
			if tc.id == "r0" {
				req.ID = "r0"
			} else {
				req.ID, req.Text = tc.id, "/canary 10"
				mem.outside(flagsPath, runbookFlags) // back to 0%, so the command changes something
			}
			before := mem.count()
			r := svc.Run(context.Background(), req)
			if r.Outcome != tc.want || !strings.Contains(r.Text, tc.text) {
				t.Errorf("%v %q, want %v %q", r.Outcome, r.Text, tc.want, tc.text)
			}
			if store.tips != tc.tips {
				t.Errorf("ReadTip called %d times, want %d", store.tips, tc.tips)
			}
			if n := mem.count() - before; n != tc.commits {
				t.Errorf("%d commits, want %d", n, tc.commits)
			}
		})
	}
}
