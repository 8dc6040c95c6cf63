package github_test

import (
	"fmt"
	"testing"

	"github.com/releasebot/releasebot/internal/storetest"
)

// commitRequests commits n changes of the flag file on main, oldest first,
// the i-th (from 1) carrying the trailer Releasebot-Request: r-i.
func commitRequests(t *testing.T, e *env, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		msg := fmt.Sprintf("chore(flags): change %d\n\nRequested-by: ann\nReleasebot-Request: r-%d\n", i, i)
		if _, err := e.emu.CommitFiles(owner, repo, "main", map[string][]byte{storetest.FlagsFile: []byte(fmt.Sprintf("%s# %d\n", storetest.InitialFlags, i))}, msg, "octocat"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWindowAndLimitAreExact: FindRequest reads exactly RequestWindow of the
// newest commits, across pages of 100 — the request in the last commit of the
// window is found, the one just past it is not — and History returns at most
// limit commits, also when the limit is not a multiple of the page size.
func TestWindowAndLimitAreExact(t *testing.T) {
	const commits = 160
	e := newEnv(t)
	commitRequests(t, e, commits)
	ctx := testCtx(t)
	for _, window := range []int{1, 5, 100, 101, 150} {
		e.store.RequestWindow = window
		inside := fmt.Sprintf("r-%d", commits-window+1) // the window-th newest
		outside := fmt.Sprintf("r-%d", commits-window)
		if _, ok, err := e.store.FindRequest(ctx, inside); err != nil || !ok {
			t.Errorf("window %d: %s, the newest commit but %d: found %v, %v; want found", window, inside, window-1, ok, err)
		}
		if info, ok, err := e.store.FindRequest(ctx, outside); err != nil || ok {
			t.Errorf("window %d: %s, just past it: found %v (%s), %v; want not found", window, outside, ok, info.SHA, err)
		}
	}
	for _, limit := range []int{1, 99, 100, 101, 150} {
		got, err := e.store.History(ctx, storetest.FlagsFile, limit)
		if err != nil || len(got) != limit {
			t.Errorf("History(%d) = %d commits, %v", limit, len(got), err)
		}
	}
}
