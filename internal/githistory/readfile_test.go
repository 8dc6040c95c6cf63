package githistory_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/githistory"
	"github.com/releasebot/releasebot/internal/gittest"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
)

// TestReadFileAtARevision: a regular file comes back whole, from any
// directory of the clone; a committed link is refused as a link, not read as
// the target's name; a directory is not a file; a missing path or revision is
// fs.ErrNotExist.
func TestReadFileAtARevision(t *testing.T) {
	t.Parallel()
	r := gittest.New(t, map[string]string{".release/flags.yaml": "environments: {}\n", "docs/a.md": "a\n"})
	if err := os.Symlink("/etc/passwd", filepath.Join(r.Dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../.release/flags.yaml", filepath.Join(r.Dir, "docs", "inside.yaml")); err != nil {
		t.Fatal(err)
	}
	r.Git("add", "-A")
	r.Git("commit", "-q", "-m", "chore: links")
	ctx := context.Background()
	for _, dir := range []string{r.Dir, filepath.Join(r.Dir, "docs")} {
		repo := &githistory.Repo{Dir: dir, Env: r.Vars}
		if data, err := repo.ReadFile(ctx, "HEAD", ".release/flags.yaml"); err != nil || string(data) != "environments: {}\n" {
			t.Errorf("from %s: %q, %v", dir, data, err)
		}
		for _, tc := range []struct{ path, want string }{
			{"link.yaml", "link.yaml at HEAD is a symbolic link in git"},
			{"docs/inside.yaml", "docs/inside.yaml at HEAD is a symbolic link in git"},
			{"docs", "docs at HEAD is a directory, not a file"},
		} {
			data, err := repo.ReadFile(ctx, "HEAD", tc.path)
			var re *repofile.Error
			if err == nil || !errors.As(err, &re) || !strings.Contains(err.Error(), tc.want) || strings.Contains(string(data), "root:") {
				t.Errorf("%s from %s: %q, %v; want %q", tc.path, dir, data, err, tc.want)
			}
		}
		for _, rev := range []string{"HEAD", "nope"} {
			if _, err := repo.ReadFile(ctx, rev, "none.yaml"); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("missing at %s: %v", rev, err)
			}
		}
	}
	var tl *limits.TooLargeError
	if err := repofile.CheckBlob("", "f at HEAD", "100644", limits.RepoFile+1, limits.RepoFile); !errors.As(err, &tl) {
		t.Errorf("over the limit: %v", err)
	}
}
