package github_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/chatops"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/storetest"
)

// TestReadTipAgreesWithReadAndFindRequest: ReadTip answers what Read and
// FindRequest answer, across the request window's pages, on a tip older
// than the window (the list is empty and the tip comes from the ref), and
// for a missing flag file or branch.
func TestReadTipAgreesWithReadAndFindRequest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, e *env)
		id    string
		calls int64 // ReadTip's requests
	}{
		{"request in the first page", func(t *testing.T, e *env) { commitRequests(t, e, 3) }, "r-2", 2},
		{"request in the second page", func(t *testing.T, e *env) { commitRequests(t, e, 130) }, "r-5", 3},
		{"request not there", func(t *testing.T, e *env) { commitRequests(t, e, 3) }, "r-9", 2},
		{"tip older than the window", func(t *testing.T, e *env) {
			e.store.Now = func() time.Time { return time.Now().Add(100 * time.Hour) }
		}, "r-1", 3},
		{"no flag file", func(t *testing.T, e *env) {
			e.store.FlagsFile = "missing.yaml"
		}, "r-1", 2},
		{"no flag branch", func(t *testing.T, e *env) {
			e.store.Branch = "nope"
		}, "r-1", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tc.setup(t, e)
			ctx, calls := ghstore.WithCounter(testCtx(t))
			tip, tipErr := e.store.ReadTip(ctx, tc.id)
			n := calls.Load()
			ctx = testCtx(t)
			snap, readErr := e.store.Read(ctx)
			c, found, findErr := e.store.FindRequest(ctx, tc.id)
			if (tipErr == nil) != (findErr == nil) || tip.Found != found || tip.Request != c {
				t.Errorf("lookup: ReadTip %+v %v %v, FindRequest %+v %v %v", tip.Request, tip.Found, tipErr, c, found, findErr)
			}
			if findErr == nil && ((tip.ReadErr == nil) != (readErr == nil) || errors.Is(tip.ReadErr, chatops.ErrNoFlagFile) != errors.Is(readErr, chatops.ErrNoFlagFile) || tip.Snapshot.Rev != snap.Rev || string(tip.Snapshot.Flags) != string(snap.Flags)) {
				t.Errorf("read: ReadTip %.7s %q %v, Read %.7s %q %v", tip.Snapshot.Rev, tip.Snapshot.Flags, tip.ReadErr, snap.Rev, snap.Flags, readErr)
			}
			if n != tc.calls {
				t.Errorf("ReadTip made %d requests, want %d", n, tc.calls)
			}
		})
	}
}

// TestTipOlderThanTheFlagFile is the harmless order of the race ReadTip
// allows: the commits list is served before another writer's commit and
// the flag file after it. The commit from that old tip is a conflict, and
// nothing moves.
func TestTipOlderThanTheFlagFile(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	old, err := e.store.ReadTip(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	e.commitOutside(t)(map[string][]byte{storetest.FlagsFile: []byte("theirs: 1\n")})
	// The next ReadTip's answer, as if the list came before the commit: the
	// old tip, with the new file.
	tip, err := e.store.ReadTip(ctx, "x")
	if err != nil || string(tip.Snapshot.Flags) != "theirs: 1\n" {
		t.Fatalf("ReadTip = %q, %v", tip.Snapshot.Flags, err)
	}
	_, err = e.store.Commit(ctx, old.Snapshot.Rev, map[string][]byte{storetest.FlagsFile: []byte("ours: 1\n")}, "chore(flags): ours")
	if !errors.Is(err, chatops.ErrConflict) {
		t.Fatalf("Commit on the old tip: %v, want ErrConflict", err)
	}
	if log := e.gitLog(t, "--format=%s", "main"); strings.Contains(log, "chore(flags): ours") {
		t.Errorf("git log main:\n%s", log)
	}
}
