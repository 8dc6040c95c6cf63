package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
)

// TestLoadRefusesLinksAndHugeFiles makes .github/releasebot.yml what an
// attacker would commit: a link to a file outside holding a token (as YAML
// that does not parse as a configuration, so a parse error would quote it), a
// link through .., a chain, a link to a directory, a linked .github, a FIFO,
// a 50 MiB file. Load refuses each, naming the file and why, and never falls
// back to the defaults as if there were no file.
func TestLoadRefusesLinksAndHugeFiles(t *testing.T) {
	t.Parallel()
	const secret = "ghp_SECRETSECRET"
	tests := []struct {
		name  string
		setup func(t *testing.T, repo, outside string)
		want  string
	}{
		{"link to a file outside", func(t *testing.T, repo, outside string) {
			must(t, os.Symlink(filepath.Join(outside, "releasebot.yml"), filepath.Join(repo, DefaultPath)))
		}, "the configuration .github/releasebot.yml is a symbolic link; releasebot does not follow links"},
		{"relative link out", func(t *testing.T, repo, outside string) {
			must(t, os.Symlink("../../outside/releasebot.yml", filepath.Join(repo, DefaultPath)))
		}, "is a symbolic link"},
		{"link to ../", func(t *testing.T, repo, outside string) {
			must(t, os.Symlink("../", filepath.Join(repo, DefaultPath)))
		}, "is a symbolic link"},
		{"chain", func(t *testing.T, repo, outside string) {
			must(t, os.Symlink(filepath.Join(outside, "releasebot.yml"), filepath.Join(repo, "hop")))
			must(t, os.Symlink("../hop", filepath.Join(repo, DefaultPath)))
		}, "is a symbolic link"},
		{"link to a directory", func(t *testing.T, repo, outside string) {
			must(t, os.Symlink(outside, filepath.Join(repo, DefaultPath)))
		}, "is a symbolic link"},
		{".github linked out", func(t *testing.T, repo, outside string) {
			must(t, os.Remove(filepath.Join(repo, ".github")))
			must(t, os.Symlink(outside, filepath.Join(repo, ".github")))
		}, "the configuration .github/releasebot.yml is under .github, which is a symbolic link"},
		{"a directory", func(t *testing.T, repo, outside string) {
			must(t, os.Mkdir(filepath.Join(repo, DefaultPath), 0o755))
		}, "is a directory, not a file"},
		{"FIFO", func(t *testing.T, repo, outside string) {
			must(t, syscall.Mkfifo(filepath.Join(repo, DefaultPath), 0o644))
		}, "is a named pipe, not a file"},
		{"50 MiB", func(t *testing.T, repo, outside string) {
			f, err := os.Create(filepath.Join(repo, DefaultPath))
			must(t, err)
			must(t, f.Truncate(50<<20))
			must(t, f.Close())
		}, "the configuration .github/releasebot.yml is 50 MiB, over releasebot's limit of 4 MiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			repo, outside := filepath.Join(base, "repo"), filepath.Join(base, "outside")
			must(t, os.MkdirAll(filepath.Join(repo, ".github"), 0o755))
			must(t, os.MkdirAll(outside, 0o755))
			must(t, os.WriteFile(filepath.Join(outside, "releasebot.yml"), []byte(secret+"\n"), 0o644))
			tc.setup(t, repo, outside)
			c, err := Load(repo, "")
			if err == nil {
				t.Fatalf("Load gave %+v", c)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, secret) || strings.Contains(msg, base) || strings.Contains(msg, "\n") {
				t.Errorf("error %q, want one line with %q and no secret or absolute path", msg, tc.want)
			}
			var tl *limits.TooLargeError
			var re *repofile.Error
			if !errors.As(err, &tl) && !errors.As(err, &re) {
				t.Errorf("error %q is neither a *limits.TooLargeError nor a *repofile.Error", err)
			}
		})
	}
}

// TestLoadExplicitFile: a file the operator names is read through a link
// (the operator chose it), but a FIFO or a huge file is still refused.
func TestLoadExplicitFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "real.yml"), []byte("tag_prefix: rel-\n"), 0o644))
	must(t, os.Symlink("real.yml", filepath.Join(dir, "link.yml")))
	if c, err := Load(dir, "link.yml"); err != nil || c.TagPrefix != "rel-" {
		t.Errorf("explicit link: %v, %v", c, err)
	}
	must(t, syscall.Mkfifo(filepath.Join(dir, "fifo.yml"), 0o644))
	if _, err := Load(dir, "fifo.yml"); err == nil || !strings.Contains(err.Error(), "the configuration "+filepath.Join(dir, "fifo.yml")+" is a named pipe") {
		t.Errorf("explicit FIFO: %v", err)
	}
	if _, err := Load(dir, "none.yml"); err == nil || err.Error() != "could not read the configuration none.yml: it does not exist; check the path given to --config" {
		t.Errorf("explicit missing: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
