package localgit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/gittest"
)

const renderPath = "deploy/prod.env"

// state is everything a refused command must leave as it was.
type state struct {
	refs, index, status string
	files               map[string]string
}

// capture reads the refs, the index, the status (untracked and ignored files
// included) and the given files, links and directories of the work tree dir.
func capture(t *testing.T, r *gittest.Repo, dir string, files ...string) state {
	t.Helper()
	git := func(args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, r.Env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	st := state{
		refs:   git("for-each-ref", "--format=%(refname) %(objectname)"),
		index:  git("ls-files", "-s", "--debug"),
		status: git("status", "--porcelain", "--untracked-files=all", "--ignored"),
		files:  map[string]string{},
	}
	for _, f := range files {
		full := filepath.Join(dir, f)
		fi, err := os.Lstat(full)
		switch {
		case err != nil:
			st.files[f] = "(missing)"
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(full)
			st.files[f] = "link to " + target
		case fi.IsDir():
			entries, _ := os.ReadDir(full)
			st.files[f] = fmt.Sprintf("directory of %d %s", len(entries), fi.Mode())
		default:
			data, _ := os.ReadFile(full)
			st.files[f] = fmt.Sprintf("%s %q", fi.Mode(), data)
		}
	}
	return st
}

func sameState(t *testing.T, before, after state) {
	t.Helper()
	if before.refs != after.refs {
		t.Errorf("refs changed:\n%s\n→\n%s", before.refs, after.refs)
	}
	if before.index != after.index {
		t.Errorf("index changed:\n%s\n→\n%s", before.index, after.index)
	}
	if before.status != after.status {
		t.Errorf("status changed:\n%s\n→\n%s", before.status, after.status)
	}
	for f, v := range before.files {
		if after.files[f] != v {
			t.Errorf("%s changed: %s → %s", f, v, after.files[f])
		}
	}
}

// command runs one command as `releasebot cmd` would: a fresh Store and
// Service on the clone at dir, rendering deploy/prod.env.
func command(t *testing.T, r *gittest.Repo, dir, text string, afterMove func()) chatops.Reply {
	t.Helper()
	cfg, err := config.Parse("c.yml", []byte("render:\n  - {environment: prod, format: dotenv, path: "+renderPath+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), dir, "main", flagsPath, []string{renderPath})
	if err != nil {
		t.Fatal(err)
	}
	s.Env, s.afterMove = r.Vars, afterMove
	return (&chatops.Service{Store: s, Config: cfg}).Run(context.Background(), chatops.Request{Text: text, Actor: chatops.Actor{Name: "ann", Via: "cli"}})
}

// readOnly makes dir refuse new files, for root too (chattr +i), until the
// test ends.
func readOnly(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot make %s immutable as root: %v %s", dir, err, out)
		}
		t.Cleanup(func() { exec.Command("chattr", "-i", dir).Run() })
		return
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
}

// TestWorkTreeThatCannotTakeTheCommitIsRefused tries what stands in the way
// of writing the flag file and the render target: untracked and ignored
// files, directories, links, git's index lock, directories that are not
// writable. Each is refused naming the file, and nothing changes: refs,
// index, status and the files.
func TestWorkTreeThatCannotTakeTheCommitIsRefused(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.env"), []byte("TOKEN=keep\n"), 0o600)
	tests := []struct {
		name  string
		setup func(t *testing.T, r *gittest.Repo)
		want  string // in the reply
		look  []string
	}{
		{"untracked file at the render path", func(t *testing.T, r *gittest.Repo) { r.Write(renderPath, "MINE=1\n") },
			"deploy/prod.env in " /* dir */, []string{renderPath}},
		{"ignored file at the render path", func(t *testing.T, r *gittest.Repo) {
			r.CommitFiles("ignore env files", map[string]string{".gitignore": "*.env\n"})
			r.Write(renderPath, "MINE=1\n")
		}, "deploy/prod.env in ", []string{renderPath}},
		{"untracked file, ignored directory", func(t *testing.T, r *gittest.Repo) {
			r.CommitFiles("ignore deploy", map[string]string{".gitignore": "deploy/\n"})
			r.Write(renderPath, "MINE=1\n")
		}, "is not tracked by git", []string{renderPath}},
		{"untracked link at the render path", func(t *testing.T, r *gittest.Repo) {
			os.MkdirAll(filepath.Join(r.Dir, "deploy"), 0o755)
			os.Symlink(filepath.Join(outside, "secret.env"), filepath.Join(r.Dir, renderPath))
		}, "deploy/prod.env in ", []string{renderPath, "../secret"}},
		{"a linked directory in the path", func(t *testing.T, r *gittest.Repo) {
			os.Symlink(outside, filepath.Join(r.Dir, "deploy"))
		}, "deploy in ", []string{"deploy"}},
		{"a directory at the render path", func(t *testing.T, r *gittest.Repo) { r.Write(renderPath+"/notes.txt", "mine\n") },
			"deploy/prod.env/notes.txt", []string{renderPath, renderPath + "/notes.txt"}},
		{"an empty directory at the render path", func(t *testing.T, r *gittest.Repo) { os.MkdirAll(filepath.Join(r.Dir, renderPath), 0o755) },
			"deploy/prod.env in " /* is a directory */, []string{renderPath}},
		{"a file where the render path needs a directory", func(t *testing.T, r *gittest.Repo) { r.Write("deploy", "mine\n") },
			"deploy in ", []string{"deploy"}},
		{"an edit hidden by assume-unchanged", func(t *testing.T, r *gittest.Repo) {
			r.Git("update-index", "--assume-unchanged", "--", flagsPath)
			r.Write(flagsPath, flagsYAML+"# mine, hidden from git status\n")
		}, "is marked assume-unchanged", []string{flagsPath}},
		{"an edit hidden by skip-worktree", func(t *testing.T, r *gittest.Repo) {
			r.Git("update-index", "--skip-worktree", "--", flagsPath)
			r.Write(flagsPath, flagsYAML+"# mine, hidden from git status\n")
		}, "is marked skip-worktree", []string{flagsPath}},
		{"git's index locked", func(t *testing.T, r *gittest.Repo) { r.Write(".git/index.lock", "") },
			"index.lock exists", []string{".git/index.lock"}},
		{"flag file's directory read-only", func(t *testing.T, r *gittest.Repo) { readOnly(t, filepath.Join(r.Dir, ".release")) },
			".release is not writable", []string{flagsPath}},
		{"render directory read-only", func(t *testing.T, r *gittest.Repo) {
			os.MkdirAll(filepath.Join(r.Dir, "deploy"), 0o755)
			readOnly(t, filepath.Join(r.Dir, "deploy"))
		}, "deploy is not writable", []string{"deploy"}},
		{"work tree read-only where the render directory is made", func(t *testing.T, r *gittest.Repo) { readOnly(t, r.Dir) },
			"is not writable", []string{"deploy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := newRepo(t)
			tt.setup(t, r)
			before := capture(t, r, r.Dir, append(tt.look, flagsPath)...)
			reply := command(t, r, r.Dir, "/canary 10", nil)
			if reply.Outcome != chatops.Refused || !strings.Contains(reply.Text, tt.want) || !strings.Contains(reply.Text, "run the command again") {
				t.Errorf("%v %q, want refused naming %q", reply.Outcome, reply.Text, tt.want)
			}
			if strings.Contains(reply.Text, "committed") {
				t.Errorf("a refusal says committed: %q", reply.Text)
			}
			sameState(t, before, capture(t, r, r.Dir, append(tt.look, flagsPath)...))
			if data, _ := os.ReadFile(filepath.Join(outside, "secret.env")); string(data) != "TOKEN=keep\n" {
				t.Errorf("wrote through a link: %q", data)
			}
		})
	}
}

// TestCommitChecksAgainBeforeTheRefMoves: what appears between Read and
// Commit (a person's git, outside releasebot's lock) is caught too.
func TestCommitChecksAgainBeforeTheRefMoves(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(r *gittest.Repo)
		is    error
	}{
		{"untracked file", func(r *gittest.Repo) { r.Write(renderPath, "MINE=1\n") }, chatops.ErrBlocked},
		{"index lock", func(r *gittest.Repo) { r.Write(".git/index.lock", "") }, chatops.ErrBlocked},
		{"edit", func(r *gittest.Repo) { r.Write(flagsPath, flagsYAML+"# mine\n") }, chatops.ErrDirty},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, s := newRepo(t)
			snap, err := s.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			tt.setup(r)
			before := capture(t, r, r.Dir, flagsPath, renderPath)
			_, err = s.Commit(context.Background(), snap.Rev, map[string][]byte{flagsPath: []byte("x: 1\n"), renderPath: []byte("X=1\n")}, "m\n")
			if !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
			sameState(t, before, capture(t, r, r.Dir, flagsPath, renderPath))
		})
	}
}

// TestCommitNeverReplacesTrackedFiles: git's update-index --index-info
// silently drops what is in a new path's way; such a commit is refused.
func TestCommitNeverReplacesTrackedFiles(t *testing.T) {
	for _, p := range []string{"README.md/prod.env", "src", "Src/a.go/x"} {
		t.Run(p, func(t *testing.T) {
			r, s := newRepo(t)
			r.CommitFiles("code", map[string]string{"src/a.go": "package a\n", "Src/a.go": "package b\n"})
			// Off the flag branch, so that the work-tree checks do not
			// refuse first: the tree itself is checked.
			r.Git("checkout", "-q", "-b", "other")
			s.Outputs = []string{p}
			snap, err := s.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			before := capture(t, r, r.Dir, "README.md", "src/a.go")
			_, err = s.Commit(context.Background(), snap.Rev, map[string][]byte{flagsPath: []byte("x: 1\n"), p: []byte("X=1\n")}, "m\n")
			if !errors.Is(err, chatops.ErrBlocked) || !strings.Contains(err.Error(), "which the flag branch tracks") {
				t.Errorf("err = %v", err)
			}
			sameState(t, before, capture(t, r, r.Dir, "README.md", "src/a.go"))
		})
	}
}

// TestPathspecsAreLiteral: a render target named * is one file, not every
// file: a person's edit elsewhere is neither refused nor overwritten.
func TestPathspecsAreLiteral(t *testing.T) {
	r, s := newRepo(t)
	r.Write("README.md", "my edit\n")
	s.Outputs = []string{"*"}
	snap, err := s.Read(context.Background())
	if err != nil {
		t.Fatalf("an edit to README.md counted for the render target *: %v", err)
	}
	if _, err := s.Commit(context.Background(), snap.Rev, map[string][]byte{flagsPath: []byte("x: 1\n"), "*": []byte("X=1\n")}, "m\n"); err != nil {
		t.Fatal(err)
	}
	if r.Read("README.md") != "my edit\n" || r.Read("*") != "X=1\n" || r.Read(flagsPath) != "x: 1\n" {
		t.Errorf("README.md %q, * %q", r.Read("README.md"), r.Read("*"))
	}
}

// TestUpdateFailingAfterTheRefMovedIsRepaired makes the work-tree update fail
// right after the ref moved, as a racing git or a crash would. The command
// is done (it says so, with a warning, never "nothing changed"); the next
// command finds the files showing the previous commit and brings them up to
// date instead of refusing them as edits.
func TestUpdateFailingAfterTheRefMovedIsRepaired(t *testing.T) {
	for _, tt := range []struct {
		name       string
		fail, heal func(t *testing.T, r *gittest.Repo)
		warning    string
	}{
		{"index locked", func(t *testing.T, r *gittest.Repo) { r.Write(".git/index.lock", "") },
			func(t *testing.T, r *gittest.Repo) { os.Remove(filepath.Join(r.Dir, ".git/index.lock")) }, "index.lock exists"},
		{"directory made read-only", func(t *testing.T, r *gittest.Repo) { readOnly(t, filepath.Join(r.Dir, ".release")) },
			func(t *testing.T, r *gittest.Repo) {
				exec.Command("chattr", "-i", filepath.Join(r.Dir, ".release")).Run()
				os.Chmod(filepath.Join(r.Dir, ".release"), 0o755)
			}, ".release is not writable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := newRepo(t)
			start := r.Git("rev-parse", "main")
			reply := command(t, r, r.Dir, "/canary 10", func() { tt.fail(t, r) })
			if reply.Outcome != chatops.Done || !strings.Contains(reply.Text, "committed") || !strings.Contains(reply.Text, "\nwarning: ") ||
				!strings.Contains(reply.Text, tt.warning) || !strings.Contains(reply.Text, "the next releasebot command brings them up to date") || strings.Contains(reply.Text, "nothing changed") {
				t.Fatalf("%v %q", reply.Outcome, reply.Text)
			}
			tip := r.Git("rev-parse", "main")
			if tip == start || !strings.Contains(r.Show("main", flagsPath), "canary_percent: 10") {
				t.Fatal("the ref did not move")
			}
			if r.Git("status", "--porcelain") == "" {
				t.Fatal("the failure was not simulated: the work tree is up to date")
			}
			// Still failing: the next command refuses, changing nothing.
			before := capture(t, r, r.Dir, flagsPath, renderPath)
			again := command(t, r, r.Dir, "/canary 50", nil)
			if again.Outcome != chatops.Refused || !strings.Contains(again.Text, "still show an earlier flag commit") || !strings.Contains(again.Text, tt.warning) {
				t.Errorf("while the cause lasts: %v %q", again.Outcome, again.Text)
			}
			sameState(t, before, capture(t, r, r.Dir, flagsPath, renderPath))
			// Cause gone: the next command repairs, then runs.
			tt.heal(t, r)
			next := command(t, r, r.Dir, "/canary 50", nil)
			if next.Outcome != chatops.Done || strings.Contains(next.Text, "warning") {
				t.Fatalf("after the cause is gone: %v %q", next.Outcome, next.Text)
			}
			if st := r.Git("status", "--porcelain"); st != "" {
				t.Errorf("work tree not repaired:\n%s", st)
			}
			if !strings.Contains(r.Read(flagsPath), "canary_percent: 50") || !strings.Contains(r.Read(renderPath), "CANARY_PERCENT=50") || r.Count("main") != 3 {
				t.Errorf("after repair: %q %q, %d commits", r.Read(flagsPath), r.Read(renderPath), r.Count("main"))
			}
		})
	}
}

// TestEditsAreNeverTakenForAFailedUpdate: only content that releasebot's
// commits hold is repaired; a person's edit on top, a human commit at the
// tip, a mode change or a conflict is refused as uncommitted changes and kept.
func TestEditsAreNeverTakenForAFailedUpdate(t *testing.T) {
	stale := func(t *testing.T, r *gittest.Repo) {
		t.Helper()
		reply := command(t, r, r.Dir, "/canary 10", func() { r.Write(".git/index.lock", "") })
		os.Remove(filepath.Join(r.Dir, ".git/index.lock"))
		if reply.Outcome != chatops.Done || r.Git("status", "--porcelain") == "" {
			t.Fatalf("no stale work tree: %v %q", reply.Outcome, reply.Text)
		}
	}
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, r *gittest.Repo)
		want  string
	}{
		{"an edit in the work tree", func(t *testing.T, r *gittest.Repo) { stale(t, r); r.Write(flagsPath, flagsYAML+"# mine\n") }, ""},
		{"an edit staged", func(t *testing.T, r *gittest.Repo) {
			stale(t, r)
			r.Write(flagsPath, flagsYAML+"# mine\n")
			r.Git("add", flagsPath)
		}, ""},
		// The render target the failed commit added is not in the index:
		// a file there is untracked.
		{"an edit to the render target", func(t *testing.T, r *gittest.Repo) { stale(t, r); r.Write(renderPath, "MINE=1\n") }, "deploy/prod.env in "},
		{"made executable", func(t *testing.T, r *gittest.Repo) { stale(t, r); os.Chmod(filepath.Join(r.Dir, flagsPath), 0o755) }, ""},
		{"an old version staged after a human commit", func(t *testing.T, r *gittest.Repo) {
			r.CommitFiles("chore: a human raises the canary", map[string]string{flagsPath: strings.Replace(flagsYAML, "canary_percent: 0", "canary_percent: 10", 1)})
			r.Git("checkout", "HEAD~1", "--", flagsPath)
		}, ""},
		{"a human commit on top of the failed update", func(t *testing.T, r *gittest.Repo) {
			stale(t, r)
			r.Write("README.md", "x\n")
			r.Git("commit", "-q", "-m", "docs: a human commit", "--only", "--", "README.md")
		}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := newRepo(t)
			tt.setup(t, r)
			before := capture(t, r, r.Dir, flagsPath, renderPath)
			reply := command(t, r, r.Dir, "/canary 50 --force", nil)
			want := cmp.Or(tt.want, "uncommitted changes to")
			if reply.Outcome != chatops.Refused || !strings.Contains(reply.Text, want) {
				t.Errorf("%v %q", reply.Outcome, reply.Text)
			}
			sameState(t, before, capture(t, r, r.Dir, flagsPath, renderPath))
		})
	}
}

// addWorktree adds a linked work tree at a new directory on branch.
func addWorktree(t *testing.T, r *gittest.Repo, args ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "linked")
	r.Git(append([]string{"worktree", "add", "-q", dir}, args...)...)
	return dir
}

// TestLinkedWorktreesFollowTheBranch: a command run from any work tree of the
// clone keeps every work tree where the flag branch is checked out equal to
// it, refuses when one of them cannot take the commit, and repairs one that
// a failed update left behind.
func TestLinkedWorktreesFollowTheBranch(t *testing.T) {
	gitIn := func(t *testing.T, r *gittest.Repo, dir string, args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, r.Env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	t.Run("command from a linked work tree updates the main one", func(t *testing.T) {
		r, _ := newRepo(t)
		linked := addWorktree(t, r, "-b", "feature")
		reply := command(t, r, linked, "/canary 10", nil)
		if reply.Outcome != chatops.Done || strings.Contains(reply.Text, "warning") {
			t.Fatalf("%v %q", reply.Outcome, reply.Text)
		}
		if st := r.Git("status", "--porcelain"); st != "" || !strings.Contains(r.Read(flagsPath), "canary_percent: 10") {
			t.Errorf("main work tree not updated:\n%s", st)
		}
		if _, err := os.Stat(filepath.Join(linked, renderPath)); err == nil {
			t.Error("the feature work tree got the render target")
		}
	})
	t.Run("command from the main work tree updates the linked one", func(t *testing.T) {
		r, _ := newRepo(t)
		r.Git("checkout", "-q", "-b", "feature")
		linked := addWorktree(t, r, "main")
		reply := command(t, r, r.Dir, "/canary 10", nil)
		if reply.Outcome != chatops.Done || strings.Contains(reply.Text, "warning") {
			t.Fatalf("%v %q", reply.Outcome, reply.Text)
		}
		if st := gitIn(t, r, linked, "status", "--porcelain"); st != "" {
			t.Errorf("linked work tree shows a staged revert:\n%s", st)
		}
		data, _ := os.ReadFile(filepath.Join(linked, flagsPath))
		if !strings.Contains(string(data), "canary_percent: 10") {
			t.Errorf("linked flag file %q", data)
		}
	})
	for _, tt := range []struct {
		name, want string
		setup      func(t *testing.T, linked string)
	}{
		{"an edit in the linked work tree", "uncommitted changes to .release/flags.yaml in ", func(t *testing.T, linked string) {
			os.WriteFile(filepath.Join(linked, flagsPath), []byte(flagsYAML+"# mine\n"), 0o644)
		}},
		{"an untracked file in the linked work tree", "deploy/prod.env in ", func(t *testing.T, linked string) {
			os.MkdirAll(filepath.Join(linked, "deploy"), 0o755)
			os.WriteFile(filepath.Join(linked, renderPath), []byte("MINE=1\n"), 0o644)
		}},
		{"the linked work tree's index locked", "index.lock exists", func(t *testing.T, linked string) {
			gd := strings.TrimSpace(strings.TrimPrefix(readFile(t, filepath.Join(linked, ".git")), "gitdir:"))
			os.WriteFile(filepath.Join(gd, "index.lock"), nil, 0o644)
		}},
	} {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			r, _ := newRepo(t)
			r.Git("checkout", "-q", "-b", "feature")
			linked := addWorktree(t, r, "main")
			tt.setup(t, linked)
			before, beforeLinked := capture(t, r, r.Dir, flagsPath), capture(t, r, linked, flagsPath, renderPath)
			reply := command(t, r, r.Dir, "/canary 10", nil)
			if reply.Outcome != chatops.Refused || !strings.Contains(reply.Text, tt.want) || !strings.Contains(reply.Text, linked) {
				t.Errorf("%v %q, want refused naming %q in %s", reply.Outcome, reply.Text, tt.want, linked)
			}
			sameState(t, before, capture(t, r, r.Dir, flagsPath))
			sameState(t, beforeLinked, capture(t, r, linked, flagsPath, renderPath))
		})
	}
	t.Run("one work tree failing leaves the others in step", func(t *testing.T) {
		r, _ := newRepo(t)
		linked := addWorktree(t, r, "--force", "main") // main twice
		// The main work tree, listed first, fails.
		lock := filepath.Join(r.Dir, ".git", "index.lock")
		reply := command(t, r, linked, "/canary 10", func() { os.WriteFile(lock, nil, 0o644) })
		os.Remove(lock)
		if reply.Outcome != chatops.Done || !strings.Contains(reply.Text, "warning: ") || !strings.Contains(reply.Text, r.Dir+" still") || strings.Contains(reply.Text, linked+" still") {
			t.Fatalf("%v %q", reply.Outcome, reply.Text)
		}
		if st := gitIn(t, r, linked, "status", "--porcelain"); st != "" {
			t.Errorf("the work tree that could be updated was not:\n%s", st)
		}
	})
	t.Run("a linked work tree left behind is repaired", func(t *testing.T) {
		r, _ := newRepo(t)
		r.Git("checkout", "-q", "-b", "feature")
		linked := addWorktree(t, r, "main")
		gd := strings.TrimSpace(strings.TrimPrefix(readFile(t, filepath.Join(linked, ".git")), "gitdir:"))
		lock := filepath.Join(gd, "index.lock")
		reply := command(t, r, r.Dir, "/canary 10", func() { os.WriteFile(lock, nil, 0o644) })
		if reply.Outcome != chatops.Done || !strings.Contains(reply.Text, "warning: ") || !strings.Contains(reply.Text, linked) {
			t.Fatalf("%v %q", reply.Outcome, reply.Text)
		}
		os.Remove(lock)
		if gitIn(t, r, linked, "status", "--porcelain") == "" {
			t.Fatal("the failure was not simulated")
		}
		// Two more commands, each from a different work tree.
		if rep := command(t, r, linked, "/canary 50", nil); rep.Outcome != chatops.Done {
			t.Fatalf("%v %q", rep.Outcome, rep.Text)
		}
		if rep := command(t, r, r.Dir, "/canary 100", nil); rep.Outcome != chatops.Done {
			t.Fatalf("%v %q", rep.Outcome, rep.Text)
		}
		if st := gitIn(t, r, linked, "status", "--porcelain"); st != "" || !strings.Contains(readFile(t, filepath.Join(linked, flagsPath)), "canary_percent: 100") {
			t.Errorf("linked work tree:\n%s", st)
		}
	})
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
