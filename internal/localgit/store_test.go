package localgit

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/gittest"
)

const flagsPath = ".release/flags.yaml"

const flagsYAML = `# Flags of release 1.3.1
environments:
  prod:
    canary_percent: 0
    cohort: "1.3.1"
    flags:
      FF_NEW_ONBOARDING: {default: off, canary: true}
      FF_NAV_FOOTER: {default: off, canary: true}
`

func newRepo(t *testing.T) (*gittest.Repo, *Store) {
	t.Helper()
	r := gittest.New(t, map[string]string{flagsPath: flagsYAML, "README.md": "hello\n"})
	s, err := Open(context.Background(), r.Dir, "", flagsPath, []string{"deploy/prod.env"})
	if err != nil {
		t.Fatal(err)
	}
	s.Env = r.Vars
	return r, s
}

func TestOpen(t *testing.T) {
	r, s := newRepo(t)
	if s.Branch != "main" {
		t.Errorf("branch %q", s.Branch)
	}
	if _, err := Open(context.Background(), t.TempDir(), "", flagsPath, nil); err == nil || !strings.Contains(err.Error(), "is not a git clone") {
		t.Errorf("not a clone: %v", err)
	}
	r.Git("checkout", "-q", "--detach")
	if _, err := Open(context.Background(), r.Dir, "", flagsPath, nil); err == nil || !strings.Contains(err.Error(), "set branch:") {
		t.Errorf("detached: %v", err)
	}
}

func TestReadAndCommit(t *testing.T) {
	r, s := newRepo(t)
	ctx := context.Background()
	snap, err := s.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Rev != r.Git("rev-parse", "HEAD") || string(snap.Flags) != flagsYAML {
		t.Fatalf("snapshot %s %q", snap.Rev, snap.Flags)
	}
	files := map[string][]byte{flagsPath: []byte(strings.Replace(flagsYAML, "canary_percent: 0", "canary_percent: 10", 1)), "deploy/prod.env": []byte("CANARY_PERCENT=10\n")}
	msg := "chore(flags): canary 0% → 10% (prod)\n\n- canary 0% → 10% (prod)\n\nRequested-by: ann via cli\nReleasebot-Request: r-1\n"
	sha, err := s.Commit(ctx, snap.Rev, files, msg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Git("rev-parse", "main") != sha || r.Count("main") != 2 {
		t.Errorf("branch not at the new commit")
	}
	if r.Git("log", "-1", "--format=%B") != strings.TrimSpace(msg) {
		t.Errorf("message %q", r.Git("log", "-1", "--format=%B"))
	}
	// One commit holds both files, and the work tree matches it, clean.
	if got := r.Git("show", "--name-only", "--format=", sha); got != ".release/flags.yaml\ndeploy/prod.env" {
		t.Errorf("files in commit: %q", got)
	}
	if st := r.Git("status", "--porcelain"); st != "" {
		t.Errorf("work tree not clean after commit:\n%s", st)
	}
	if !strings.Contains(r.Read(flagsPath), "canary_percent: 10") || r.Read("deploy/prod.env") != "CANARY_PERCENT=10\n" {
		t.Error("work tree not updated")
	}
	// Trailers are real git trailers.
	if got := r.Git("log", "-1", "--format=%(trailers:key=Releasebot-Request,valueonly)"); got != "r-1" {
		t.Errorf("trailer %q", got)
	}
}

func TestCommitIsCompareAndSwap(t *testing.T) {
	r, s := newRepo(t)
	ctx := context.Background()
	snap, _ := s.Read(ctx)
	moved := r.CommitFiles("a human's commit", map[string]string{"README.md": "changed\n"})
	_, err := s.Commit(ctx, snap.Rev, map[string][]byte{flagsPath: []byte("x")}, "m\n")
	if !errors.Is(err, chatops.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	if r.Git("rev-parse", "main") != moved || r.Read(flagsPath) != flagsYAML {
		t.Error("a lost race moved the branch or touched the work tree")
	}
}

func TestReadRefusesLocalEdits(t *testing.T) {
	r, s := newRepo(t)
	r.Write(flagsPath, flagsYAML+"# my edit\n")
	_, err := s.Read(context.Background())
	if !errors.Is(err, chatops.ErrDirty) || !strings.Contains(err.Error(), ".release/flags.yaml") {
		t.Fatalf("err = %v", err)
	}
	r.Git("checkout", "--", flagsPath)
	r.Write("deploy/prod.env", "X=1\n")
	r.Git("add", "deploy/prod.env") // staged counts too
	if _, err := s.Read(context.Background()); !errors.Is(err, chatops.ErrDirty) {
		t.Fatalf("staged render target: %v", err)
	}
	// Other files do not matter. (Unstaged, deploy/prod.env would be an
	// untracked file in the commit's way: TestUntrackedFilesAreNotOverwritten.)
	r.Git("rm", "-q", "--cached", "--", "deploy/prod.env")
	os.Remove(filepath.Join(r.Dir, "deploy/prod.env"))
	r.Write("README.md", "edited\n")
	if _, err := s.Read(context.Background()); err != nil {
		t.Errorf("unrelated edit: %v", err)
	}
}

func TestMissingFlagFile(t *testing.T) {
	r := gittest.New(t, map[string]string{"README.md": "x\n"})
	s, _ := Open(context.Background(), r.Dir, "main", flagsPath, nil)
	if _, err := s.Read(context.Background()); !errors.Is(err, chatops.ErrNoFlagFile) {
		t.Errorf("err = %v", err)
	}
	if _, err := (&Store{Dir: r.Dir, Branch: "nope", FlagsFile: flagsPath}).Read(context.Background()); err == nil || !strings.Contains(err.Error(), "the flag branch nope does not exist") {
		t.Errorf("missing branch: %v", err)
	}
}

func TestOtherBranchLeavesTheWorkTree(t *testing.T) {
	r, s := newRepo(t)
	r.Git("checkout", "-q", "-b", "feature")
	r.Write(flagsPath, "not yaml: [\n") // an edit on another branch does not block main
	snap, err := s.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(context.Background(), snap.Rev, map[string][]byte{flagsPath: []byte("new\n")}, "m\n"); err != nil {
		t.Fatal(err)
	}
	if r.Show("main", flagsPath) != "new" || r.Read(flagsPath) != "not yaml: [\n" || r.Git("branch", "--show-current") != "feature" {
		t.Error("committing to main touched the feature work tree")
	}
}

func TestFindRequestAndHistory(t *testing.T) {
	r, s := newRepo(t)
	ctx := context.Background()
	snap, _ := s.Read(ctx)
	sha, err := s.Commit(ctx, snap.Rev, map[string][]byte{flagsPath: []byte("a\n")}, "chore(flags): x\n\n- canary 0% → 10% (prod)\n\nRequested-by: ann via slack\nReleasebot-Request: 1234.5678\n")
	if err != nil {
		t.Fatal(err)
	}
	r.CommitFiles("docs: mention Releasebot-Request: 999 in the body only\n\nReleasebot-Request mentioned: 999", map[string]string{"README.md": "y\n"})
	c, found, err := s.FindRequest(ctx, "1234.5678")
	if err != nil || !found || c.SHA != sha || !strings.Contains(c.Message, "canary 0% → 10%") {
		t.Errorf("FindRequest = %+v %v %v", c, found, err)
	}
	for _, id := range []string{"999", "1234", "1234.56789"} {
		if _, found, _ := s.FindRequest(ctx, id); found {
			t.Errorf("found %q", id)
		}
	}
	h, err := s.History(ctx, flagsPath, 10)
	if err != nil || len(h) != 2 || h[0].SHA != sha || h[0].Author != "Test Author" || h[0].When.IsZero() {
		t.Errorf("History = %+v, %v", h, err)
	}
}

// racingStore makes a real git commit on the branch before the first
// Commit, as a person pushing between a command's read and its update.
type racingStore struct {
	*Store
	repo  *gittest.Repo
	raced bool
}

func (s *racingStore) Commit(ctx context.Context, base string, files map[string][]byte, msg string) (string, error) {
	if !s.raced {
		s.raced = true
		s.repo.CommitFiles("chore: a human raises the canary", map[string]string{flagsPath: strings.Replace(flagsYAML, "canary_percent: 0", "canary_percent: 10", 1)})
	}
	return s.Store.Commit(ctx, base, files, msg)
}

func TestServiceReappliesAfterALostRace(t *testing.T) {
	r, s := newRepo(t)
	cfg := config.Default()
	svc := &chatops.Service{Store: &racingStore{Store: s, repo: r}, Config: cfg}
	reply := svc.Run(context.Background(), chatops.Request{Text: "/toggle FF_NAV_FOOTER off", Actor: chatops.Actor{Name: "ann", Via: "cli"}})
	if reply.Outcome != chatops.Done {
		t.Fatalf("%v %q", reply.Outcome, reply.Text)
	}
	got := r.Show("main", flagsPath)
	if !strings.Contains(got, "canary_percent: 10") || !strings.Contains(got, "FF_NAV_FOOTER: {default: off, canary: true, override: off}") {
		t.Errorf("an update was lost:\n%s", got)
	}
	if r.Count("main") != 3 || r.Git("status", "--porcelain") != "" {
		t.Errorf("%d commits, status %q", r.Count("main"), r.Git("status", "--porcelain"))
	}
}

// TestOpenRefuses: each directory or branch Open cannot work with is one
// sentence that names it and the fix, without git's own words.
func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	initDir := func(t *testing.T, args ...string) string {
		dir := t.TempDir() + "/repo"
		cmd := exec.Command("git", append(append([]string{"init", "-q", "-b", "main"}, args...), dir)...)
		cmd.Env = gittest.Env(t.TempDir())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return dir
	}
	for _, tt := range []struct {
		name   string
		dir    func(t *testing.T) string
		branch string
		want   string
	}{
		{"missing directory", func(t *testing.T) string { return t.TempDir() + "/gone" }, "", "/gone does not exist; run releasebot in a git clone or pass its directory with --repo"},
		{"a file", func(t *testing.T) string { return gittest.New(t, map[string]string{"f": "x"}).Dir + "/f" }, "", "/f is a file, not a directory"},
		{"not a clone", func(t *testing.T) string { return t.TempDir() }, "", "is not a git clone; run releasebot in a clone or pass its directory with --repo"},
		{"bare", func(t *testing.T) string { return initDir(t, "--bare") }, "", "is a bare repository, which has no work tree for the flag file; run releasebot in a clone of it (git clone "},
		{"inside .git", func(t *testing.T) string { return gittest.New(t, nil).Dir + "/.git" }, "main", "is inside a .git directory, not a work tree"},
		{"no commits", func(t *testing.T) string { return initDir(t) }, "", "has no commits yet; commit the flag file first"},
		{"no commits, branch named", func(t *testing.T) string { return initDir(t) }, "main", "has no commits yet; commit the flag file first"},
		{"unborn HEAD beside main", func(t *testing.T) string {
			r := gittest.New(t, nil)
			r.Git("checkout", "-q", "--orphan", "fresh")
			return r.Dir
		}, "", "the flag branch fresh does not exist in "},
		{"missing branch", func(t *testing.T) string { return gittest.New(t, nil).Dir }, "release", "set branch: in .github/releasebot.yml to one of its branches (main), or check that branch out"},
		{"branch that is a tag", func(t *testing.T) string {
			r := gittest.New(t, nil)
			r.Git("tag", "v1")
			return r.Dir
		}, "v1", "the flag branch v1 does not exist"},
		{"flag file a directory", func(t *testing.T) string { return gittest.New(t, map[string]string{flagsPath + "/x": "x"}).Dir }, "", "the flag file " + flagsPath + " is a directory on branch main; flags_file in .github/releasebot.yml must name a file"},
		{"flag file a symlink", func(t *testing.T) string {
			r := gittest.New(t, map[string]string{"real.yaml": flagsYAML})
			r.Git("update-index", "--add", "--cacheinfo", "120000,"+r.Git("hash-object", "-w", "--stdin", "--path", "x")+","+flagsPath)
			r.Git("commit", "-q", "-m", "link")
			return r.Dir
		}, "", "the flag file " + flagsPath + " is a symbolic link on branch main"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Open(ctx, tt.dir(t), tt.branch, flagsPath, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Open: %v\nwant one line with %q", err, tt.want)
			}
			for _, raw := range []string{"fatal:", "exec:", "chdir", "exit status"} {
				if strings.Contains(err.Error(), raw) {
					t.Errorf("raw git text %q in %q", raw, err)
				}
			}
		})
	}
	// A flag file the branch does not have yet is Read's to report.
	if _, err := Open(ctx, gittest.New(t, map[string]string{"a": "a"}).Dir, "", flagsPath, nil); err != nil {
		t.Errorf("no flag file: %v", err)
	}
}

// TestOpenWithoutGit: git missing from PATH is said as such, wrapping
// exec.ErrNotFound for the CLI. Not parallel: PATH is the process's.
func TestOpenWithoutGit(t *testing.T) {
	r := gittest.New(t, map[string]string{flagsPath: flagsYAML})
	t.Setenv("PATH", t.TempDir())
	_, err := Open(context.Background(), r.Dir, "", flagsPath, nil)
	if !errors.Is(err, exec.ErrNotFound) || err.Error() != "git was not found on PATH; install git (e.g. apt-get install git) and run again" {
		t.Errorf("Open without git: %v", err)
	}
}
