package github_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/chatops"
	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/storetest"
)

const (
	owner = "acme"
	repo  = "web"
	token = "ghp_test_token_0123456789"
)

// env is one emulated GitHub with the acme/web repository and a client.
type env struct {
	emu    *githubemu.Server
	srv    *httptest.Server
	client *ghstore.Client
	store  *ghstore.Store
}

func newEnv(t testing.TB, opts ...func(*githubemu.Options)) *env {
	t.Helper()
	o := githubemu.Options{Dir: t.TempDir(), Tokens: map[string]string{token: "releasebot-ci"}}
	for _, f := range opts {
		f(&o)
	}
	emu := githubemu.NewTest(t, o)
	if err := emu.CreateRepo(owner, repo, githubemu.RepoOptions{
		Files: map[string][]byte{storetest.FlagsFile: []byte(storetest.InitialFlags), "README.md": []byte("# web\n")},
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	client, err := ghstore.NewClient(ghstore.ClientOptions{
		BaseURL: srv.URL + "/api/v3", Credentials: ghstore.Credentials{Token: token}, RetryBaseDelay: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	store, err := ghstore.NewStore(context.Background(), client.Client, owner+"/"+repo, "", storetest.FlagsFile)
	if err != nil {
		t.Fatal(err)
	}
	return &env{emu: emu, srv: srv, client: client, store: store}
}

func (e *env) commitOutside(t testing.TB) func(map[string][]byte) {
	return func(files map[string][]byte) {
		t.Helper()
		if _, err := e.emu.CommitFiles(owner, repo, "main", files, "docs: outside change", "octocat"); err != nil {
			t.Fatalf("commit outside: %v", err)
		}
	}
}

// gitLog runs git log on the emulator's bare repository.
func (e *env) gitLog(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"--git-dir", e.emu.RepoPath(owner, repo), "log"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git log: %v\n%s", err, out)
	}
	return string(out)
}

func TestStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (chatops.Store, func(map[string][]byte)) {
		e := newEnv(t)
		return e.store, e.commitOutside(t)
	})
	storetest.RunRequestWindow(t, func(t *testing.T, w storetest.Window) (chatops.Store, func(map[string][]byte)) {
		e := newEnv(t)
		e.store.RequestWindow, e.store.RequestMaxAge, e.store.Now = w.Commits, w.MaxAge, w.Now
		return e.store, e.commitOutside(t)
	})
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestCommitIsInTheBareRepository(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	snap, err := e.store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	msg := "chore(flags): canary 0% → 10% (prod)\n\nRequested-by: Ana via slack\nReleasebot-Request: T1"
	sha, err := e.store.Commit(ctx, snap.Rev, map[string][]byte{storetest.FlagsFile: []byte("canary: 10\n")}, msg)
	if err != nil {
		t.Fatal(err)
	}
	log := e.gitLog(t, "-1", "--format=%H%n%an <%ae>%n%P%n%B", "main")
	want := sha + "\nreleasebot-ci <"
	if !strings.HasPrefix(log, want) || !strings.Contains(log, "\n"+snap.Rev+"\n"+msg) {
		t.Errorf("git log main:\n%s\nwant commit %s by the token's user, parent %s, message verbatim", log, sha, snap.Rev)
	}
	show, err := exec.Command("git", "--git-dir", e.emu.RepoPath(owner, repo), "show", "main:"+storetest.FlagsFile).Output()
	if err != nil || string(show) != "canary: 10\n" {
		t.Errorf("git show main:%s = %q, %v", storetest.FlagsFile, show, err)
	}
}

// TestLostRace moves the branch between the store's read and its ref update
// with the emulator's hook: the update is refused and nothing of the
// commit is visible on the branch.
func TestLostRace(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	snap, err := e.store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.emu.Inject("PATCH", "/repos/acme/web/git/refs/heads/main", githubemu.Hook(func() {
		e.commitOutside(t)(map[string][]byte{storetest.FlagsFile: []byte("theirs: 1\n")})
	}))
	_, err = e.store.Commit(ctx, snap.Rev, map[string][]byte{storetest.FlagsFile: []byte("ours: 1\n")}, "chore(flags): ours")
	if !errors.Is(err, chatops.ErrConflict) {
		t.Fatalf("Commit after the branch moved: %v, want ErrConflict", err)
	}
	if log := e.gitLog(t, "--format=%s", "main"); strings.Contains(log, "chore(flags): ours") || !strings.HasPrefix(log, "docs: outside change\n") {
		t.Errorf("git log main:\n%s\nwant the outside commit on top and not ours", log)
	}
	if e.emu.PendingFaults() != 0 {
		t.Error("the hook did not run")
	}
}

// TestAPICallsPerCommand counts the store's requests of one command's
// happy path: ReadTip (one commits list and the flag file, together) and
// Commit (tree, commit and ref update, with the check of the flag file read
// beside them); and of the next command, whose tip is the commit the store
// made, so nothing needs checking. The whole command, the configuration
// included, is counted at the wire in internal/repository's
// TestRoundTripsPerCommand.
func TestAPICallsPerCommand(t *testing.T) {
	e := newEnv(t)
	for i, want := range []int64{6, 5} {
		ctx, calls := ghstore.WithCounter(testCtx(t))
		id := fmt.Sprintf("T%d", i)
		tip, err := e.store.ReadTip(ctx, id)
		if err != nil || tip.ReadErr != nil || tip.Found {
			t.Fatalf("ReadTip = %+v, %v", tip, err)
		}
		if _, err := e.store.Commit(ctx, tip.Snapshot.Rev, map[string][]byte{
			storetest.FlagsFile: []byte(fmt.Sprintf("canary: %d\n", 50+i)), "deploy/prod.env": []byte("CANARY_PERCENT=50\n"),
		}, "chore(flags): canary 50\n\nReleasebot-Request: "+id); err != nil {
			t.Fatal(err)
		}
		if n := calls.Load(); n != want {
			t.Errorf("command %d made %d API calls, want %d", i+1, n, want)
		}
	}
	ctx := testCtx(t)
	if total := e.client.Meter().Calls(); total < 11 {
		t.Errorf("client meter %d < the commands' 11 calls", total)
	}
	if rem, lim, _ := e.client.Meter().RateLimit(); lim != 5000 || rem <= 0 {
		t.Errorf("rate limit seen = %d/%d, want the emulator's", rem, lim)
	}
	// The replayed request is found without committing again.
	if c, found, err := e.store.FindRequest(ctx, "T0"); err != nil || !found || !strings.HasPrefix(c.Message, "chore(flags): canary 50") {
		t.Errorf("FindRequest after commit = %+v %v %v", c, found, err)
	}
}

// TestRaceInsideGitHubIsAConflict: when the branch moves while GitHub
// performs the ref update (its own compare-and-swap loses), GitHub answers
// 422 "Reference cannot be updated"; nothing moved, and the store reports a
// conflict so the command is applied again on the new tip.
func TestRaceInsideGitHubIsAConflict(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	snap, err := e.store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.emu.Inject("PATCH", "/repos/acme/web/git/refs/heads/main", githubemu.RefRace(func() {
		e.commitOutside(t)(map[string][]byte{storetest.FlagsFile: []byte("theirs: 1\n")})
	}))
	_, err = e.store.Commit(ctx, snap.Rev, map[string][]byte{storetest.FlagsFile: []byte("ours: 1\n")}, "chore(flags): ours")
	if !errors.Is(err, chatops.ErrConflict) {
		t.Fatalf("Commit racing inside GitHub: %v, want ErrConflict", err)
	}
	if log := e.gitLog(t, "--format=%s", "main"); strings.Contains(log, "chore(flags): ours") || !strings.HasPrefix(log, "docs: outside change\n") {
		t.Errorf("git log main:\n%s\nwant the outside commit on top and not ours", log)
	}
	if e.emu.PendingFaults() != 0 {
		t.Error("the race did not happen")
	}
}

// TestFlagFileOverOneMegabyte: the contents API leaves a file over 1 MB
// out (encoding "none"); the store reads it from the blob.
func TestFlagFileOverOneMegabyte(t *testing.T) {
	e := newEnv(t)
	big := storetest.InitialFlags + "# " + strings.Repeat("x", 1<<20) + "\n"
	e.commitOutside(t)(map[string][]byte{storetest.FlagsFile: []byte(big)})
	ctx, calls := ghstore.WithCounter(testCtx(t))
	snap, err := e.store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(snap.Flags) != big {
		t.Errorf("read %d bytes, want the %d of the file", len(snap.Flags), len(big))
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("Read made %d requests, want 3 (ref, contents, blob)", n)
	}
}
