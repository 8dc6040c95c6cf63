package localgit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/gittest"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
)

// TestReadRefusesWhatIsNotAFlagFile commits, as the flag file, what an
// attacker would: a link out of the repository (which git stores as a blob
// holding the target's name, and a checkout turns back into the link), a
// chain, a link to a directory, a file under a linked directory, and a 50 MiB
// file. Read never returns the blob for the file's content, and says which
// file and why.
func TestReadRefusesWhatIsNotAFlagFile(t *testing.T) {
	t.Parallel()
	const secret = "ghp_SECRETSECRET"
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "passwd"), []byte(secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "flags.yaml"), []byte(flagsYAML+"# "+secret+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, r *gittest.Repo)
		want  string
		is    error
	}{
		{"link to a file outside", func(t *testing.T, r *gittest.Repo) {
			link(t, filepath.Join(outside, "passwd"), filepath.Join(r.Dir, flagsPath))
		}, "the flag file .release/flags.yaml at ", repofile.ErrSymlink},
		{"link to ../", func(t *testing.T, r *gittest.Repo) {
			link(t, "../", filepath.Join(r.Dir, flagsPath))
		}, "is a symbolic link in git", repofile.ErrSymlink},
		{"link to a flag file outside", func(t *testing.T, r *gittest.Repo) {
			link(t, filepath.Join(outside, "flags.yaml"), filepath.Join(r.Dir, flagsPath))
		}, "is a symbolic link in git", repofile.ErrSymlink},
		{"chain of links inside to outside", func(t *testing.T, r *gittest.Repo) {
			link(t, filepath.Join(outside, "flags.yaml"), filepath.Join(r.Dir, "hop.yaml"))
			link(t, "../hop.yaml", filepath.Join(r.Dir, flagsPath))
		}, "is a symbolic link in git", repofile.ErrSymlink},
		{"link to a directory", func(t *testing.T, r *gittest.Repo) {
			link(t, outside, filepath.Join(r.Dir, flagsPath))
		}, "is a symbolic link in git", repofile.ErrSymlink},
		{"flag file under a linked directory", func(t *testing.T, r *gittest.Repo) {
			if err := os.RemoveAll(filepath.Join(r.Dir, ".release")); err != nil {
				t.Fatal(err)
			}
			link(t, outside, filepath.Join(r.Dir, ".release"))
		}, "no flag file", chatops.ErrNoFlagFile},
		{"a directory", func(t *testing.T, r *gittest.Repo) {
			os.Remove(filepath.Join(r.Dir, flagsPath))
			r.Write(flagsPath+"/x.yaml", flagsYAML)
		}, "is a directory, not a file", nil},
		{"50 MiB", func(t *testing.T, r *gittest.Repo) {
			r.Git("config", "core.compression", "1") // zeros: keep the add quick
			if err := os.Truncate(filepath.Join(r.Dir, flagsPath), 50<<20); err != nil {
				t.Fatal(err)
			}
		}, "the flag file .release/flags.yaml at ", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, s := newRepo(t)
			if err := os.Remove(filepath.Join(r.Dir, flagsPath)); err != nil {
				t.Fatal(err)
			}
			r.Write(flagsPath, flagsYAML)
			tc.setup(t, r)
			r.Git("add", "-A")
			r.Git("commit", "-q", "-m", "chore: "+tc.name)
			tip := r.Git("rev-parse", "HEAD")

			snap, err := s.Read(context.Background())
			if err == nil {
				t.Fatalf("Read gave %q", snap.Flags)
			}
			if snap.Flags != nil {
				t.Errorf("Read returned content with its error: %q", snap.Flags)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, secret) || strings.Contains(msg, outside) {
				t.Errorf("error %q, want it to contain %q and neither the secret nor the link's target", msg, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			if tc.name == "50 MiB" {
				var tl *limits.TooLargeError
				if !errors.As(err, &tl) || tl.Size != 50<<20 || !strings.Contains(err.Error(), "is 50 MiB, over releasebot's limit of 4 MiB") {
					t.Errorf("error %q is not the size limit", err)
				}
			}
			if got := r.Git("rev-parse", "HEAD"); got != tip {
				t.Errorf("the branch moved: %s → %s", tip, got)
			}
		})
	}
}

func link(t *testing.T, target, name string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(name)
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}
