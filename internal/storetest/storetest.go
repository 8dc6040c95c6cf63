// Package storetest is the conformance suite every chatops.Store must pass:
// reading, committing, compare-and-swap conflicts, finding a request id,
// path-filtered history, and no lost update under concurrent writers. Each
// store's tests call Run with a factory for a fresh repository.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/releasebot/releasebot/chatops"
)

// FlagsFile is the flag file's path in the repositories the factory makes.
const FlagsFile = ".release/flags.yaml"

// InitialFlags is the flag file's content in the flag branch's first commit.
const InitialFlags = "environments:\n  prod:\n    canary_percent: 0\n"

// Factory returns a fresh store whose flag branch has one commit holding
// FlagsFile with InitialFlags, and commitOutside, which commits files (path
// → content; nil content removes the path) on the flag branch behind the
// store's back, as another replica or a person pushing would.
type Factory func(t *testing.T) (store chatops.Store, commitOutside func(files map[string][]byte))

// Run runs the conformance suite against stores from newStore.
func Run(t *testing.T, newStore Factory) {
	t.Run("Read", func(t *testing.T) { testRead(t, newStore) })
	t.Run("CommitThenRead", func(t *testing.T) { testCommit(t, newStore) })
	t.Run("ConflictWhenBranchMoved", func(t *testing.T) { testConflict(t, newStore) })
	t.Run("ConflictOnReusedBase", func(t *testing.T) { testReusedBase(t, newStore) })
	t.Run("FindRequest", func(t *testing.T) { testFindRequest(t, newStore) })
	t.Run("FindRequestByGitTrailerRules", func(t *testing.T) { testFindRequestTrailers(t, newStore) })
	t.Run("HistoryFiltersByPath", func(t *testing.T) { testHistory(t, newStore) })
	t.Run("NoFlagFile", func(t *testing.T) { testNoFlagFile(t, newStore) })
	t.Run("ConcurrentWritersLoseNoUpdate", func(t *testing.T) { testConcurrent(t, newStore) })
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func read(t *testing.T, s chatops.Store) chatops.Snapshot {
	t.Helper()
	snap, err := s.Read(ctx(t))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return snap
}

// sameMessage compares commit messages, allowing the one trailing newline
// some stores (git commit-tree) add.
func sameMessage(got, want string) bool {
	return strings.TrimRight(got, "\n") == strings.TrimRight(want, "\n")
}

const message = "chore(flags): canary 10% → 50% (prod)\n\n" +
	"canary_percent 10 → 50 in prod 🚀\n\n" +
	"Requested-by: Ana Lima via slack\n" +
	"Releasebot-Request: T0123.456"

func testRead(t *testing.T, newStore Factory) {
	s, _ := newStore(t)
	snap := read(t, s)
	if snap.Rev == "" {
		t.Error("Read: empty Rev")
	}
	if string(snap.Flags) != InitialFlags {
		t.Errorf("Read: flags = %q, want %q", snap.Flags, InitialFlags)
	}
	again := read(t, s)
	if again.Rev != snap.Rev {
		t.Errorf("Read twice: Rev %s then %s with no commit between", snap.Rev, again.Rev)
	}
}

func testCommit(t *testing.T, newStore Factory) {
	s, _ := newStore(t)
	base := read(t, s)
	flags := []byte(strings.Replace(InitialFlags, "canary_percent: 0", "canary_percent: 50", 1))
	files := map[string][]byte{
		FlagsFile:                flags,
		"deploy/prod.env":        []byte("CANARY_PERCENT=50\nFF_NAV_FOOTER=off\n"),
		"deploy/new/prod.flagd":  []byte(`{"flags":{}}` + "\n"),
		"deploy/binary-safe.bin": {0xff, 0x00, 0xfe, 'x'},
	}
	sha, err := s.Commit(ctx(t), base.Rev, files, message)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if sha == "" || sha == base.Rev {
		t.Fatalf("Commit = %q, want a new commit on top of %s", sha, base.Rev)
	}
	after := read(t, s)
	if after.Rev != sha {
		t.Errorf("Read after Commit: Rev = %s, want the new commit %s", after.Rev, sha)
	}
	if !bytes.Equal(after.Flags, flags) {
		t.Errorf("Read after Commit: flags = %q, want %q", after.Flags, flags)
	}
	hist, err := s.History(ctx(t), FlagsFile, 10)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	if len(hist) != 2 {
		t.Fatalf("History(%s) has %d commits, want 2 (the first and ours)", FlagsFile, len(hist))
	}
	if hist[0].SHA != sha || !sameMessage(hist[0].Message, message) {
		t.Errorf("History[0] = %s %q, want %s with the message verbatim %q", hist[0].SHA, hist[0].Message, sha, message)
	}
	if hist[0].Author == "" || hist[0].When.IsZero() {
		t.Errorf("History[0] has no author or date: %+v", hist[0])
	}
	for _, p := range []string{"deploy/prod.env", "deploy/new/prod.flagd", "deploy/binary-safe.bin"} {
		h, err := s.History(ctx(t), p, 10)
		if err != nil {
			t.Fatalf("History(%s): %v", p, err)
		}
		if len(h) != 1 || h[0].SHA != sha {
			t.Errorf("History(%s) = %v, want only the commit %s that wrote it", p, shas(h), sha)
		}
	}
}

func testConflict(t *testing.T, newStore Factory) {
	s, commitOutside := newStore(t)
	base := read(t, s)
	outside := []byte(InitialFlags + "    cohort: outside\n")
	commitOutside(map[string][]byte{FlagsFile: outside})
	moved := read(t, s)
	if moved.Rev == base.Rev {
		t.Fatal("commitOutside did not move the flag branch")
	}
	_, err := s.Commit(ctx(t), base.Rev, map[string][]byte{FlagsFile: []byte("lost: update\n")}, message)
	if !errors.Is(err, chatops.ErrConflict) {
		t.Fatalf("Commit on a stale base: err = %v, want ErrConflict", err)
	}
	after := read(t, s)
	if after.Rev != moved.Rev || !bytes.Equal(after.Flags, outside) {
		t.Errorf("after the conflict the branch is at %s with %q, want it untouched at %s with %q", after.Rev, after.Flags, moved.Rev, outside)
	}
	hist, err := s.History(ctx(t), FlagsFile, 10)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	for _, c := range hist {
		if sameMessage(c.Message, message) {
			t.Errorf("the refused commit %s is in the history", c.SHA)
		}
	}
	// Re-reading and re-applying succeeds, as the commit protocol does.
	if _, err := s.Commit(ctx(t), after.Rev, map[string][]byte{FlagsFile: []byte("applied: again\n")}, message); err != nil {
		t.Fatalf("Commit on the fresh base: %v", err)
	}
}

func testReusedBase(t *testing.T, newStore Factory) {
	s, _ := newStore(t)
	base := read(t, s)
	first, err := s.Commit(ctx(t), base.Rev, map[string][]byte{FlagsFile: []byte("first: 1\n")}, "chore(flags): first")
	if err != nil {
		t.Fatalf("first Commit: %v", err)
	}
	_, err = s.Commit(ctx(t), base.Rev, map[string][]byte{FlagsFile: []byte("second: 2\n")}, "chore(flags): second")
	if !errors.Is(err, chatops.ErrConflict) {
		t.Fatalf("second Commit on the same base: err = %v, want ErrConflict", err)
	}
	if after := read(t, s); after.Rev != first || string(after.Flags) != "first: 1\n" {
		t.Errorf("branch at %s with %q, want the first commit %s", after.Rev, after.Flags, first)
	}
}

func testFindRequest(t *testing.T, newStore Factory) {
	s, commitOutside := newStore(t)
	if _, found, err := s.FindRequest(ctx(t), "T0123.456"); err != nil || found {
		t.Fatalf("FindRequest before any commit = found %v, err %v; want not found, no error", found, err)
	}
	base := read(t, s)
	msg := "chore(flags): toggle FF_X on (prod)\n\n" +
		"This body mentions Releasebot-Request: in-body-only and must not count.\n\n" +
		"Requested-by: octocat via github\n" +
		"Releasebot-Request: github-comment:42"
	sha, err := s.Commit(ctx(t), base.Rev, map[string][]byte{FlagsFile: []byte("x: 1\n")}, msg)
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	// Later commits must not hide it.
	commitOutside(map[string][]byte{"README.md": []byte("later\n")})
	c, found, err := s.FindRequest(ctx(t), "github-comment:42")
	if err != nil || !found {
		t.Fatalf("FindRequest(github-comment:42) = found %v, err %v; want found", found, err)
	}
	if c.SHA != sha || !sameMessage(c.Message, msg) {
		t.Errorf("FindRequest = %s %q, want %s with its message", c.SHA, c.Message, sha)
	}
	for _, id := range []string{"github-comment:4", "github-comment:420", "in-body-only", "nope"} {
		if _, found, err := s.FindRequest(ctx(t), id); err != nil || found {
			t.Errorf("FindRequest(%q) = found %v, err %v; want not found, no error", id, found, err)
		}
	}
}

// trailerCases are commit messages holding a request id ("ID", replaced by
// each case's own id) where it is or is not a trailer by git's rules (git
// interpret-trailers, %(trailers), chatops.HasRequest): every store must
// find exactly the ones git finds.
var trailerCases = []struct {
	name, msg string
	found     bool
}{
	{"plain", "chore(flags): x\n\n- a\n\nRequested-by: ann via slack\nReleasebot-Request: ID", true},
	{"key in lower case", "chore(flags): x\n\nreleasebot-request: ID", true},
	{"key in upper case", "chore(flags): x\n\nRELEASEBOT-REQUEST: ID", true},
	{"no space after the colon", "chore(flags): x\n\nReleasebot-Request:ID", true},
	{"space before the colon", "chore(flags): x\n\nReleasebot-Request : ID", true},
	{"CRLF", "chore(flags): x\r\n\r\nRequested-by: ann\r\nReleasebot-Request: ID\r\n", true},
	{"trailing spaces", "chore(flags): x\n\nReleasebot-Request: ID   \nRequested-by: ann", true},
	{"trailing blank lines", "chore(flags): x\n\nReleasebot-Request: ID\n\n\n", true},
	{"with Signed-off-by, a quarter trailers", "chore(flags): x\n\nsome prose\nmore prose\nSigned-off-by: A <a@example.com>\nReleasebot-Request: ID", true},
	{"continued on the next line", "chore(flags): x\n\nReleasebot-Request: ID\n  and more\nRequested-by: ann", false},
	{"a body paragraph that looks like trailers", "chore(flags): x\n\nReleasebot-Request: ID\nRequested-by: eve\n\njust prose at the end", false},
	{"prose and a trailer in the last paragraph", "chore(flags): x\n\nsome prose here\nReleasebot-Request: ID", false},
	{"in the subject only", "Releasebot-Request: ID", false},
	{"space inside the key", "chore(flags): x\n\nReleasebot Request: ID", false},
	{"another key", "chore(flags): x\n\nReleasebot-Requests: ID", false},
	{"more in the value", "chore(flags): x\n\nReleasebot-Request: ID extra", false},
	{"before a --- line (a commit has no patch part)", "chore(flags): x\n\nReleasebot-Request: ID\n---\nmore", false},
	{"in a comment line", "chore(flags): x\n\nKey: v\n# Releasebot-Request: ID", false},
	{"indented", "chore(flags): x\n\n Releasebot-Request: ID", false},
}

func testFindRequestTrailers(t *testing.T, newStore Factory) {
	s, _ := newStore(t)
	ids := make([]string, len(trailerCases))
	for i, tc := range trailerCases {
		ids[i] = fmt.Sprintf("req-%d", i)
		base := read(t, s)
		msg := strings.ReplaceAll(tc.msg, "ID", ids[i])
		if got := chatops.HasRequest(msg, ids[i]); got != tc.found {
			t.Errorf("%s: chatops.HasRequest = %v, want %v", tc.name, got, tc.found)
		}
		if _, err := s.Commit(ctx(t), base.Rev, map[string][]byte{FlagsFile: []byte(fmt.Sprintf("step: %d\n", i))}, msg); err != nil {
			t.Fatalf("%s: Commit: %v", tc.name, err)
		}
	}
	for i, tc := range trailerCases {
		_, found, err := s.FindRequest(ctx(t), ids[i])
		if err != nil || found != tc.found {
			t.Errorf("%s: FindRequest = found %v, err %v; want found %v", tc.name, found, err, tc.found)
		}
	}
}

func testHistory(t *testing.T, newStore Factory) {
	s, commitOutside := newStore(t)
	commitOutside(map[string][]byte{"README.md": []byte("docs\n")})
	outside1 := read(t, s).Rev
	var mine []string
	for i := 1; i <= 3; i++ {
		base := read(t, s)
		sha, err := s.Commit(ctx(t), base.Rev, map[string][]byte{FlagsFile: []byte(fmt.Sprintf("step: %d\n", i))}, fmt.Sprintf("chore(flags): step %d", i))
		if err != nil {
			t.Fatalf("Commit %d: %v", i, err)
		}
		mine = append(mine, sha)
	}
	commitOutside(map[string][]byte{"README.md": []byte("more docs\n")})
	outside2 := read(t, s).Rev
	hist, err := s.History(ctx(t), FlagsFile, 10)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	got := shas(hist)
	if len(got) != 4 || got[0] != mine[2] || got[1] != mine[1] || got[2] != mine[0] {
		t.Errorf("History(%s) = %v, want newest first %v then the first commit", FlagsFile, got, []string{mine[2], mine[1], mine[0]})
	}
	limited, err := s.History(ctx(t), FlagsFile, 2)
	if err != nil {
		t.Fatalf("History limit 2: %v", err)
	}
	if got := shas(limited); len(got) != 2 || got[0] != mine[2] || got[1] != mine[1] {
		t.Errorf("History(%s, 2) = %v, want %v", FlagsFile, got, []string{mine[2], mine[1]})
	}
	readme, err := s.History(ctx(t), "README.md", 10)
	if err != nil {
		t.Fatalf("History(README.md): %v", err)
	}
	if got := shas(readme); len(got) < 2 || got[0] != outside2 || got[1] != outside1 {
		t.Errorf("History(README.md) = %v, want the outside commits %v first", got, []string{outside2, outside1})
	}
	for _, c := range readme {
		for _, m := range mine {
			if c.SHA == m {
				t.Errorf("History(README.md) lists the flag commit %s", m)
			}
		}
	}
}

func testNoFlagFile(t *testing.T, newStore Factory) {
	s, commitOutside := newStore(t)
	commitOutside(map[string][]byte{FlagsFile: nil, "README.md": []byte("flags gone\n")})
	snap, err := s.Read(ctx(t))
	if !errors.Is(err, chatops.ErrNoFlagFile) {
		t.Fatalf("Read without the flag file: err = %v, want ErrNoFlagFile", err)
	}
	_ = snap
}

// testConcurrent has 8 writers each read, append their line and commit,
// re-reading on ErrConflict (under the store's lock if it is a
// chatops.Locker): every line must survive and the branch must have moved
// exactly once per writer.
func testConcurrent(t *testing.T, newStore Factory) {
	s, _ := newStore(t)
	const writers = 8
	start := read(t, s)
	var wg sync.WaitGroup
	results := make([]string, writers)
	errs := make([]error, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			line := fmt.Sprintf("    writer_%d: true\n", i)
			// One attempt, under the store's lock when it has one, as the
			// core runs it.
			attempt := func() (string, error) {
				if l, ok := s.(chatops.Locker); ok {
					unlock, err := l.Lock(ctx(t))
					if err != nil {
						return "", err
					}
					defer unlock()
				}
				snap, err := s.Read(ctx(t))
				if err != nil {
					return "", err
				}
				next := append(append([]byte(nil), snap.Flags...), line...)
				return s.Commit(ctx(t), snap.Rev, map[string][]byte{FlagsFile: next}, fmt.Sprintf("chore(flags): writer %d", i))
			}
			for try := 0; try < 100; try++ {
				sha, err := attempt()
				if errors.Is(err, chatops.ErrConflict) {
					continue
				}
				results[i], errs[i] = sha, err
				return
			}
			errs[i] = fmt.Errorf("writer %d: still conflicting after 100 attempts", i)
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	final := read(t, s)
	for i := 0; i < writers; i++ {
		if line := fmt.Sprintf("writer_%d: true", i); !strings.Contains(string(final.Flags), line) {
			t.Errorf("lost update: %q is not in the final flag file:\n%s", line, final.Flags)
		}
	}
	hist, err := s.History(ctx(t), FlagsFile, 100)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	var after []string
	for _, c := range hist {
		if c.SHA == start.Rev {
			break
		}
		after = append(after, c.SHA)
	}
	if len(after) != writers {
		t.Errorf("the branch moved %d times for %d successful commits", len(after), writers)
	}
	sort.Strings(after)
	want := append([]string(nil), results...)
	sort.Strings(want)
	if strings.Join(after, ",") != strings.Join(want, ",") {
		t.Errorf("history since the start %v, want exactly the writers' commits %v", after, want)
	}
}

func shas(cs []chatops.CommitInfo) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.SHA)
	}
	return out
}

// Window is the request window a WindowFactory's store gets: zero fields
// keep the store's defaults. Now, when set, is the store's clock.
type Window struct {
	Commits int
	MaxAge  time.Duration
	Now     func() time.Time
}

// WindowFactory is a Factory for a store with the given request window.
type WindowFactory func(t *testing.T, w Window) (store chatops.Store, commitOutside func(files map[string][]byte))

// RunRequestWindow pins the request window every store shares: FindRequest
// reads the flag branch's newest Commits commits (default
// chatops.DefaultRequestWindow) of the last MaxAge (default
// chatops.DefaultRequestMaxAge), and no further. With -short the default
// count, which takes that many commits, is not run.
func RunRequestWindow(t *testing.T, newStore WindowFactory) {
	t.Run("CountBound", func(t *testing.T) { testWindowCount(t, newStore, 3) })
	t.Run("DefaultCount", func(t *testing.T) {
		if testing.Short() {
			t.Skipf("makes %d commits", chatops.DefaultRequestWindow)
		}
		testWindowCount(t, newStore, 0)
	})
	t.Run("AgeBound", func(t *testing.T) { testWindowAge(t, newStore, time.Hour) })
	t.Run("DefaultAge", func(t *testing.T) { testWindowAge(t, newStore, 0) })
}

// testWindowCount: the request is found while it is among the newest n
// commits, and not once one more commit pushes it out.
func testWindowCount(t *testing.T, newStore WindowFactory, n int) {
	s, commitOutside := newStore(t, Window{Commits: n})
	if n == 0 {
		n = chatops.DefaultRequestWindow
	}
	base := read(t, s)
	if _, err := s.Commit(ctx(t), base.Rev, map[string][]byte{FlagsFile: []byte("x: 1\n")}, "chore(flags): x\n\nReleasebot-Request: in-window"); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	for i := 1; i < n; i++ {
		commitOutside(map[string][]byte{"README.md": []byte(fmt.Sprintf("%d\n", i))})
	}
	if _, found, err := s.FindRequest(ctx(t), "in-window"); err != nil || !found {
		t.Fatalf("FindRequest with the request the %dth newest commit = found %v, err %v; want found", n, found, err)
	}
	commitOutside(map[string][]byte{"README.md": []byte("one more\n")})
	if _, found, err := s.FindRequest(ctx(t), "in-window"); err != nil || found {
		t.Errorf("FindRequest with the request the %dth newest commit, past a window of %d = found %v, err %v; want not found", n+1, n, found, err)
	}
}

// testWindowAge: the request is found while its commit is younger than the
// maximum age, and not once the clock has moved past it.
func testWindowAge(t *testing.T, newStore WindowFactory, maxAge time.Duration) {
	var mu sync.Mutex
	clock := time.Now()
	s, _ := newStore(t, Window{MaxAge: maxAge, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
	if maxAge == 0 {
		maxAge = chatops.DefaultRequestMaxAge
	}
	base := read(t, s)
	if _, err := s.Commit(ctx(t), base.Rev, map[string][]byte{FlagsFile: []byte("x: 1\n")}, "chore(flags): x\n\nReleasebot-Request: aging"); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	committed := time.Now()
	for _, tc := range []struct {
		after time.Duration
		found bool
	}{
		{0, true}, {maxAge - time.Minute, true}, {maxAge + time.Minute, false}, {10 * maxAge, false},
	} {
		mu.Lock()
		clock = committed.Add(tc.after)
		mu.Unlock()
		if _, found, err := s.FindRequest(ctx(t), "aging"); err != nil || found != tc.found {
			t.Errorf("FindRequest %v after the commit, maximum age %v = found %v, err %v; want found %v", tc.after, maxAge, found, err, tc.found)
		}
	}
}
