package repofile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/releasebot/releasebot/internal/limits"
)

const secret = "ghp_SECRETSECRET"

// attackRepo is a work tree holding one good file, and beside it (outside
// the repository) a file holding a token and a directory holding one.
func attackRepo(t *testing.T) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "repo")
	outside = filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(root, ".github"), filepath.Join(root, "docs"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(outside, "passwd"), "root:x:0:0:"+secret+"\n")
	write(t, filepath.Join(outside, "releasebot.yml"), "token: "+secret+"\n")
	write(t, filepath.Join(root, "good.yaml"), "ok: true\n")
	write(t, filepath.Join(root, "docs", "RUNBOOK.md"), "- step\n")
	return root, outside
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func TestRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, root, outside string) // makes rel's attack
		rel   string
		limit int64
		want  string // in the error; "" means the read succeeds
		is    error  // errors.Is target, when set
	}{
		{name: "regular file", rel: "good.yaml", want: ""},
		{name: "regular file, ./ and doubled slashes", rel: "./docs//RUNBOOK.md", want: ""},
		{name: "missing", rel: "nope.yaml", want: "nope.yaml", is: fs.ErrNotExist},
		{name: "missing directory", rel: "nope/flags.yaml", want: "nope/flags.yaml", is: fs.ErrNotExist},
		{name: "under a file", rel: "good.yaml/x", want: "good.yaml/x", is: fs.ErrNotExist},
		{name: "absolute", rel: "/etc/passwd", want: "is an absolute path"},
		{name: "parent", rel: "../outside/passwd", want: "leaves the repository"},
		{name: "parent after a directory", rel: "docs/../../outside/passwd", want: "leaves the repository"},
		{name: "the root itself", rel: ".", want: "names the repository itself"},
		{name: "symlink to a file outside", rel: "flags.yaml", want: "the file flags.yaml is a symbolic link", is: ErrSymlink,
			setup: func(t *testing.T, root, outside string) {
				symlink(t, filepath.Join(outside, "passwd"), filepath.Join(root, "flags.yaml"))
			}},
		{name: "relative symlink out through ..", rel: "flags.yaml", want: "is a symbolic link", is: ErrSymlink,
			setup: func(t *testing.T, root, outside string) {
				symlink(t, "../outside/passwd", filepath.Join(root, "flags.yaml"))
			}},
		{name: "symlink to ../", rel: "flags.yaml", want: "is a symbolic link", is: ErrSymlink,
			setup: func(t *testing.T, root, outside string) { symlink(t, "../", filepath.Join(root, "flags.yaml")) }},
		{name: "symlink chain inside then out", rel: "flags.yaml", want: "is a symbolic link", is: ErrSymlink,
			setup: func(t *testing.T, root, outside string) {
				symlink(t, filepath.Join(outside, "passwd"), filepath.Join(root, "docs", "hop"))
				symlink(t, "docs/hop", filepath.Join(root, "flags.yaml"))
			}},
		{name: "symlink inside to inside", rel: "flags.yaml", want: "is a symbolic link", is: ErrSymlink,
			setup: func(t *testing.T, root, outside string) { symlink(t, "good.yaml", filepath.Join(root, "flags.yaml")) }},
		{name: "symlink to a directory", rel: "flags.yaml", want: "is a symbolic link", is: ErrSymlink,
			setup: func(t *testing.T, root, outside string) { symlink(t, outside, filepath.Join(root, "flags.yaml")) }},
		{name: "directory component linked out", rel: "conf/releasebot.yml", want: "is under conf, which is a symbolic link", is: ErrSymlink,
			setup: func(t *testing.T, root, outside string) { symlink(t, outside, filepath.Join(root, "conf")) }},
		{name: "directory component linked out, file missing there", rel: "conf/none.yml", want: "which is a symbolic link", is: ErrSymlink,
			setup: func(t *testing.T, root, outside string) { symlink(t, outside, filepath.Join(root, "conf")) }},
		{name: "dangling symlink", rel: "flags.yaml", want: "is a symbolic link", is: ErrSymlink,
			setup: func(t *testing.T, root, outside string) {
				symlink(t, "/nonexistent/x", filepath.Join(root, "flags.yaml"))
			}},
		{name: "directory", rel: "docs", want: "the file docs is a directory, not a file"},
		{name: "FIFO", rel: "fifo.yaml", want: "the file fifo.yaml is a named pipe",
			setup: func(t *testing.T, root, outside string) {
				if err := syscall.Mkfifo(filepath.Join(root, "fifo.yaml"), 0o644); err != nil {
					t.Skip("no FIFOs here:", err)
				}
			}},
		{name: "50 MiB sparse file", rel: "big.yaml", limit: limits.RepoFile, want: "the file big.yaml is 50 MiB, over releasebot's limit of 4 MiB",
			setup: func(t *testing.T, root, outside string) {
				f, err := os.Create(filepath.Join(root, "big.yaml"))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if err := f.Truncate(50 << 20); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "exactly at the limit", rel: "good.yaml", limit: 9, want: ""},
		{name: "one byte over the limit", rel: "good.yaml", limit: 8, want: "the file good.yaml is 9 B, over releasebot's limit of 8 B"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			root, outside := attackRepo(t)
			if tc.setup != nil {
				tc.setup(t, root, outside)
			}
			limit := tc.limit
			if limit == 0 {
				limit = limits.RepoFile
			}
			done := make(chan struct{})
			var data []byte
			var err error
			go func() { data, err = Read(root, tc.rel, "the file", limit); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Read blocked")
			}
			if strings.Contains(string(data), secret) || (err != nil && strings.Contains(err.Error(), secret)) {
				t.Fatalf("the secret from outside the repository came through: %q, %v", data, err)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Read gave %q, want an error with %q", data, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			if tc.is != fs.ErrNotExist && errors.Is(err, fs.ErrNotExist) {
				t.Errorf("error %q passes for a missing file, so a caller would fall back to a default", err)
			}
			if strings.Contains(err.Error(), root) {
				t.Errorf("error %q names the absolute path", err)
			}
			if strings.Contains(err.Error(), "over releasebot's limit") {
				var tl *limits.TooLargeError
				if !errors.As(err, &tl) {
					t.Errorf("error %q is not a *limits.TooLargeError", err)
				}
			}
		})
	}
}

func TestReadNamed(t *testing.T) {
	t.Parallel()
	root, outside := attackRepo(t)
	// The operator names the file: a link is followed.
	symlink(t, filepath.Join(root, "good.yaml"), filepath.Join(outside, "link.yaml"))
	if data, err := ReadNamed(filepath.Join(outside, "link.yaml"), "the configuration", limits.RepoFile); err != nil || string(data) != "ok: true\n" {
		t.Errorf("ReadNamed through a link: %q, %v", data, err)
	}
	if err := syscall.Mkfifo(filepath.Join(outside, "fifo"), 0o644); err == nil {
		if _, err := ReadNamed(filepath.Join(outside, "fifo"), "the configuration", limits.RepoFile); err == nil || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("ReadNamed of a FIFO: %v", err)
		}
	}
	if _, err := ReadNamed(filepath.Join(root, "good.yaml"), "the configuration", 3); err == nil || !strings.Contains(err.Error(), "over releasebot's limit of 3 B") {
		t.Errorf("ReadNamed over the limit: %v", err)
	}
	if _, err := ReadNamed(filepath.Join(root, "none"), "the configuration", 3); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadNamed of a missing file: %v", err)
	}
}

func TestLimitReaderCutsAGrowingFile(t *testing.T) {
	t.Parallel()
	_, err := LimitReader(strings.NewReader(strings.Repeat("x", 11)), "the flag file f", 10)
	var tl *limits.TooLargeError
	if !errors.As(err, &tl) || err.Error() != "the flag file f is larger than releasebot's limit of 10 B" {
		t.Errorf("got %v", err)
	}
}

func TestTreeEntries(t *testing.T) {
	t.Parallel()
	out := "100644 blob 1111111111111111111111111111111111111111     120\t.release/flags.yaml\x00" +
		"120000 blob 2222222222222222222222222222222222222222      11\t.release/link.yaml\x00" +
		"040000 tree 3333333333333333333333333333333333333333       -\t.release/dir\x00" +
		"100644 blob 4444444444444444444444444444444444444444 52428800\t.release/big.yaml\x00"
	tests := []struct {
		rel  string
		ok   bool
		want string
	}{
		{".release/flags.yaml", true, ""},
		{"./.release//flags.yaml", true, ""},
		{".release/link.yaml", true, "the flag file .release/link.yaml is a symbolic link in git; releasebot does not follow links"},
		{".release/dir", true, "is a directory, not a file"},
		{".release/big.yaml", true, "is 50 MiB, over releasebot's limit of 4 MiB"},
		{".release/FLAGS.yaml", false, ""},
		{".release", false, ""},
	}
	for _, tc := range tests {
		e, ok := ParseTreeEntry(out, tc.rel)
		if ok != tc.ok {
			t.Errorf("%s: found %v, want %v", tc.rel, ok, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		err := e.Check("the flag file", tc.rel, limits.RepoFile)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.rel, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.rel, err, tc.want)
		}
	}
}
