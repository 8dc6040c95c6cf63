package github_test

import (
	"errors"
	"github.com/releasebot/releasebot/internal/gittest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gh "github.com/google/go-github/v62/github"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/failure"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
	"github.com/releasebot/releasebot/internal/storetest"
)

// secretTarget is the content of the file a committed link points at; no
// error may show it.
const secretTarget = "token: ghp_LEAKED_0123456789\n"

// pushTree commits, on main of the emulator's bare repository, what edit
// does to a clone's work tree and index: links and submodules, which the
// emulator's CommitFiles cannot write. It returns the new tip.
func pushTree(t *testing.T, e *env, edit func(dir string, git func(...string) string)) string {
	t.Helper()
	return gittest.Push(t, e.emu.RepoPath(owner, repo), "chore: odd flag file", edit)
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, name string) {
	t.Helper()
	if err := os.RemoveAll(name); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}

// gitlink stages a submodule at rel (the clone's HEAD as its commit), with
// the empty directory an unpopulated submodule leaves, so that pushTree's
// `git add -A` keeps it.
func gitlink(t *testing.T, dir string, git func(...string) string, rel string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, rel), 0o755); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	git("update-index", "--add", "--cacheinfo", "160000,"+git("rev-parse", "HEAD")+","+rel)
}

// flagFileCases are flag files committed as something the store must not
// read, each with the words its refusal must hold.
var flagFileCases = []struct {
	name string
	edit func(t *testing.T, dir string, git func(...string) string)
	want string
}{
	{"link to a file in the repository", func(t *testing.T, dir string, _ func(...string) string) {
		// GitHub follows this one and answers with the target's content.
		writeFile(t, filepath.Join(dir, "secrets/token.yaml"), secretTarget)
		symlink(t, "../secrets/token.yaml", filepath.Join(dir, storetest.FlagsFile))
	}, "is a symbolic link"},
	{"link to a file beside it", func(t *testing.T, dir string, _ func(...string) string) {
		writeFile(t, filepath.Join(dir, ".release/real.yaml"), secretTarget)
		symlink(t, "real.yaml", filepath.Join(dir, storetest.FlagsFile))
	}, "is a symbolic link"},
	{"link out of the repository", func(t *testing.T, dir string, _ func(...string) string) {
		symlink(t, "/etc/passwd", filepath.Join(dir, storetest.FlagsFile))
	}, "is a symbolic link"},
	{"link up and out", func(t *testing.T, dir string, _ func(...string) string) {
		symlink(t, "../../../../etc/passwd", filepath.Join(dir, storetest.FlagsFile))
	}, "is a symbolic link"},
	{"link to a directory", func(t *testing.T, dir string, _ func(...string) string) {
		writeFile(t, filepath.Join(dir, "conf/a.yaml"), secretTarget)
		symlink(t, "../conf", filepath.Join(dir, storetest.FlagsFile))
	}, "is a symbolic link"},
	{"link to a link to a file", func(t *testing.T, dir string, _ func(...string) string) {
		writeFile(t, filepath.Join(dir, "secrets/token.yaml"), secretTarget)
		symlink(t, "../secrets/token.yaml", filepath.Join(dir, ".release/hop.yaml"))
		symlink(t, "hop.yaml", filepath.Join(dir, storetest.FlagsFile))
	}, "is a symbolic link"},
	{"directory", func(t *testing.T, dir string, _ func(...string) string) {
		if err := os.Remove(filepath.Join(dir, storetest.FlagsFile)); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, storetest.FlagsFile, "inner.yaml"), secretTarget)
	}, "is a directory, not a file"},
	{"submodule", func(t *testing.T, dir string, git func(...string) string) {
		if err := os.Remove(filepath.Join(dir, storetest.FlagsFile)); err != nil {
			t.Fatal(err)
		}
		gitlink(t, dir, git, storetest.FlagsFile)
	}, "is a submodule, not a file"},
	{"over the size limit", func(t *testing.T, dir string, _ func(...string) string) {
		writeFile(t, filepath.Join(dir, storetest.FlagsFile), storetest.InitialFlags+"# "+strings.Repeat("x", 5<<20)+"\n")
	}, "over releasebot's limit of 4 MiB"},
}

// TestReadRefusesWhatIsNotAFile: the flag file read through the contents API
// keeps repofile's rule. Links (the ones GitHub follows, answering with the
// target's content, and the ones it answers as "symlink"), directories,
// submodules and files over the limit are refused with one sentence that
// names the flag file, wrapped as chatops.ErrNotAFile, without the target's
// content — and an oversized file's blob is never fetched.
func TestReadRefusesWhatIsNotAFile(t *testing.T) {
	for _, c := range flagFileCases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			tip := pushTree(t, e, func(dir string, git func(...string) string) { c.edit(t, dir, git) })
			ctx, calls := ghstore.WithCounter(testCtx(t))
			snap, err := e.store.Read(ctx)
			if err == nil {
				t.Fatalf("read %d bytes, want a refusal", len(snap.Flags))
			}
			msg := err.Error()
			if !errors.Is(err, chatops.ErrNotAFile) {
				t.Errorf("%q does not wrap chatops.ErrNotAFile", msg)
			}
			if errors.Is(err, chatops.ErrNoFlagFile) {
				t.Errorf("%q says there is no flag file", msg)
			}
			var re *repofile.Error
			var tl *limits.TooLargeError
			if !errors.As(err, &re) && !errors.As(err, &tl) {
				t.Errorf("%q is neither a *repofile.Error nor a *limits.TooLargeError", msg)
			}
			for _, w := range []string{"the flag file " + storetest.FlagsFile, tip[:7], owner + "/" + repo, c.want} {
				if !strings.Contains(msg, w) {
					t.Errorf("%q lacks %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, "LEAKED") || strings.Contains(msg, "root:") {
				t.Errorf("error shows content or spans lines: %q", msg)
			}
			if snap.Rev != tip || snap.Flags != nil {
				t.Errorf("snapshot %+v, want the tip %s and no flags", snap.Rev, tip)
			}
			if n := calls.Load(); n != 2 {
				t.Errorf("Read made %d requests, want 2 (ref, contents): nothing past the refusal", n)
			}
		})
	}
}

// TestReadFileRefusesWhatIsNotAFile: the configuration and every other file
// read through ReadFile follow the same rule, and a missing file stays
// fs.ErrNotExist (so a repository without configuration gets the defaults).
func TestReadFileRefusesWhatIsNotAFile(t *testing.T) {
	for _, c := range flagFileCases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			pushTree(t, e, func(dir string, git func(...string) string) { c.edit(t, dir, git) })
			data, err := e.store.ReadFile(testCtx(t), "", storetest.FlagsFile)
			if err == nil {
				t.Fatalf("read %d bytes, want a refusal", len(data))
			}
			msg := err.Error()
			if errors.Is(err, os.ErrNotExist) {
				t.Errorf("%q reads as a missing file", msg)
			}
			if k := failure.KindOf(err); k != failure.BadInput {
				t.Errorf("%q is %v, want bad input", msg, k)
			}
			if !strings.Contains(msg, c.want) || !strings.Contains(msg, storetest.FlagsFile) || strings.Contains(msg, "LEAKED") || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming the file and %q", msg, c.want)
			}
		})
	}
	e := newEnv(t)
	if _, err := e.store.ReadFile(testCtx(t), "", ".github/releasebot.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
}

// TestReadUnderALinkedDirectory: a flag file whose directory is a committed
// link is not in the tree at that path; GitHub answers 404, so it is missing,
// and the file the link leads to is not read.
func TestReadUnderALinkedDirectory(t *testing.T) {
	e := newEnv(t)
	pushTree(t, e, func(dir string, _ func(...string) string) {
		writeFile(t, filepath.Join(dir, "elsewhere/flags.yaml"), storetest.InitialFlags)
		symlink(t, "elsewhere", filepath.Join(dir, ".release"))
	})
	snap, err := e.store.Read(testCtx(t))
	if !errors.Is(err, chatops.ErrNoFlagFile) || snap.Flags != nil {
		t.Errorf("Read: %v, %d bytes; want chatops.ErrNoFlagFile and nothing read", err, len(snap.Flags))
	}
}

// TestEmulatorAnswersLinksAsGitHub pins the emulator's contents API on what
// the store's rule depends on: a link to a file in the repository answered
// with that file under the target's path, other links as type "symlink" with
// their target, a submodule as "submodule" and a directory as an array.
func TestEmulatorAnswersLinksAsGitHub(t *testing.T) {
	e := newEnv(t)
	pushTree(t, e, func(dir string, git func(...string) string) {
		writeFile(t, filepath.Join(dir, "docs/real.md"), secretTarget)
		symlink(t, "../docs/real.md", filepath.Join(dir, "links/in"))
		symlink(t, "/etc/passwd", filepath.Join(dir, "links/out"))
		symlink(t, "../docs", filepath.Join(dir, "links/dir"))
		symlink(t, "../../../x", filepath.Join(dir, "links/up"))
		gitlink(t, dir, git, "vendor/sub")
	})
	ctx := testCtx(t)
	get := func(p string) (*gh.RepositoryContent, []*gh.RepositoryContent) {
		t.Helper()
		fc, dc, _, err := e.client.Client.Repositories.GetContents(ctx, owner, repo, p, nil)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return fc, dc
	}
	if fc, _ := get("links/in"); fc.GetType() != "file" || fc.GetPath() != "docs/real.md" {
		t.Errorf("links/in: type %q path %q, want the target file docs/real.md", fc.GetType(), fc.GetPath())
	} else if s, _ := fc.GetContent(); s != secretTarget {
		t.Errorf("links/in: content %q, want the target's", s)
	}
	for p, target := range map[string]string{"links/out": "/etc/passwd", "links/dir": "../docs", "links/up": "../../../x"} {
		if fc, _ := get(p); fc.GetType() != "symlink" || fc.GetTarget() != target || fc.GetPath() != p || fc.Content != nil {
			t.Errorf("%s: type %q target %q path %q, want a symlink to %q", p, fc.GetType(), fc.GetTarget(), fc.GetPath(), target)
		}
	}
	if fc, _ := get("vendor/sub"); fc.GetType() != "submodule" {
		t.Errorf("vendor/sub: type %q, want submodule", fc.GetType())
	}
	if fc, dc := get("docs"); fc != nil || len(dc) != 1 || dc[0].GetPath() != "docs/real.md" {
		t.Errorf("docs: %v %v, want one entry docs/real.md", fc, dc)
	}
}
