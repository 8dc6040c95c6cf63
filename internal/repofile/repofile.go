// Package repofile reads the files releasebot takes from a repository — the
// flag file, the configuration, the runbook, the notes template — so that a
// committed file can neither leak a file from outside the repository nor make
// releasebot block or run out of memory.
//
// The rule, the same for the work tree (Read) and for git blobs (CheckBlob):
// the file must be a regular file of at most a limit (limits.RepoFile), and
// neither it nor any directory on its path may be a symbolic link. Links are
// refused outright, even ones that stay inside the repository: a link's target
// is not what the reviewer of the commit saw, and one rule for the work tree
// and for git (where a link is a blob holding the target's name) is easier to
// trust than a resolver.
package repofile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/releasebot/releasebot/internal/limits"
)

// Error is a repository file releasebot refuses to read. Its text is one
// sentence: the input, what is wrong with it, and what to do.
type Error struct {
	What    string // "the flag file .release/flags.yaml"
	Problem string // "is a symbolic link"
	Fix     string // "replace it with the file itself and commit that"
}

func (e *Error) Error() string { return e.What + " " + e.Problem + "; " + e.Fix }

// ErrSymlink is wrapped (through errors.Is) by an *Error about a symbolic link.
var ErrSymlink = errors.New("symbolic link")

// Is makes errors.Is(err, ErrSymlink) hold for a refused link.
func (e *Error) Is(target error) bool {
	return target == ErrSymlink && strings.Contains(e.Problem, "symbolic link")
}

// FixLink is what to do about a refused link, for readers of other sources
// (the GitHub contents API) that apply the same rule.
const FixLink = fixLink

const fixLink = "releasebot does not follow links in the repository: commit the file itself in its place"

// Read returns the content of the file rel (slash- or OS-separated, relative)
// of the work tree root. what names the input in errors ("the flag file").
//
// A missing file (or a missing directory on its path) is an error wrapping
// fs.ErrNotExist. Read refuses, with an *Error, an absolute path or one that
// leaves root, a symbolic link as the file or as any directory on its path, and
// anything but a regular file (a directory, a FIFO, a device) — a FIFO is never
// opened for reading, so Read does not block on one. A file over limit bytes is
// a *limits.TooLargeError, checked before reading and again while reading, so a
// file that grows meanwhile is cut off, not read whole.
func Read(root, rel, what string, limit int64) ([]byte, error) {
	name := strings.TrimSpace(what + " " + rel)
	clean, err := cleanRel(rel)
	if err != nil {
		return nil, &Error{What: name, Problem: err.Error(), Fix: "name a file inside the repository, relative to its top"}
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, fmt.Errorf("could not open the repository %s: %w", root, err)
	}
	defer r.Close()

	// Every directory on the path, then the file: Lstat, so no link is followed.
	parts := strings.Split(clean, "/")
	for i := range parts {
		sub := strings.Join(parts[:i+1], "/")
		fi, err := r.Lstat(sub)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
			}
			return nil, fmt.Errorf("could not read %s: %w", name, unwrapPath(err))
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			problem := "is a symbolic link"
			if i < len(parts)-1 {
				problem = "is under " + sub + ", which is a symbolic link"
			}
			return nil, &Error{What: name, Problem: problem, Fix: fixLink}
		}
		if i < len(parts)-1 && !fi.IsDir() {
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}
		if i == len(parts)-1 {
			if err := checkRegular(name, fi); err != nil {
				return nil, err
			}
		}
	}
	before, _ := r.Lstat(clean)

	// O_NONBLOCK: should a FIFO be swapped in after the Lstat, open must not
	// wait for a writer. os.Root keeps the open inside root even then.
	f, err := r.OpenFile(clean, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("could not read %s: %w", name, unwrapPath(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("could not read %s: %w", name, unwrapPath(err))
	}
	if before == nil || !os.SameFile(before, fi) {
		return nil, &Error{What: name, Problem: "changed while releasebot read it", Fix: "run the command again once nothing writes to the work tree"}
	}
	if err := checkRegular(name, fi); err != nil {
		return nil, err
	}
	return readLimited(f, name, fi.Size(), limit)
}

// ReadNamed reads a file the operator named on the command line (--config
// FILE): links are followed, since the operator chose the path, but the file
// must be regular and within limit. Errors are as Read's.
func ReadNamed(file, what string, limit int64) ([]byte, error) {
	name := strings.TrimSpace(what + " " + file)
	fi, err := os.Stat(file)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("could not read %s: %w", name, unwrapPath(err))
	}
	if err := checkRegular(name, fi); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(file, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("could not read %s: %w", name, unwrapPath(err))
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("could not read %s: %w", name, unwrapPath(err))
	}
	if err := checkRegular(name, fi); err != nil {
		return nil, err
	}
	return readLimited(f, name, fi.Size(), limit)
}

// CheckBlob applies Read's rule to an entry of a git tree, as `git ls-tree`
// gives it: mode 120000 (a link, whose blob is the target's name) is refused
// as a symbolic link, anything but a file blob as not a file, and a blob over
// limit bytes is a *limits.TooLargeError.
func CheckBlob(what, rel, mode string, size, limit int64) error {
	name := strings.TrimSpace(what + " " + rel)
	switch mode {
	case "100644", "100755":
	case "120000":
		return &Error{What: name, Problem: "is a symbolic link in git", Fix: fixLink}
	case "040000":
		return &Error{What: name, Problem: "is a directory, not a file", Fix: "name the file itself"}
	default:
		return &Error{What: name, Problem: "is not a file (git mode " + mode + ")", Fix: "commit a regular file in its place"}
	}
	if size > limit {
		return &limits.TooLargeError{What: name, Size: size, Limit: limit}
	}
	return nil
}

// LimitReader reads r to its end, refusing more than limit bytes with a
// *limits.TooLargeError naming what.
func LimitReader(r io.Reader, what string, limit int64) ([]byte, error) {
	return readLimited(r, what, 0, limit)
}

func readLimited(r io.Reader, name string, size, limit int64) ([]byte, error) {
	if size > limit {
		return nil, &limits.TooLargeError{What: name, Size: size, Limit: limit}
	}
	// One byte past the limit tells a file that grew over it from one at it.
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("could not read %s: %w", name, unwrapPath(err))
	}
	if int64(len(data)) > limit {
		return nil, &limits.TooLargeError{What: name, Size: -1, Limit: limit}
	}
	return data, nil
}

func checkRegular(name string, fi fs.FileInfo) error {
	switch m := fi.Mode(); {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return &Error{What: name, Problem: "is a directory, not a file", Fix: "name the file itself"}
	case m&fs.ModeSymlink != 0:
		return &Error{What: name, Problem: "is a symbolic link", Fix: fixLink}
	case m&fs.ModeNamedPipe != 0:
		return &Error{What: name, Problem: "is a named pipe, not a file", Fix: "commit a regular file in its place"}
	default:
		return &Error{What: name, Problem: "is not a regular file (" + m.Type().String() + ")", Fix: "commit a regular file in its place"}
	}
}

// cleanRel is rel in slash form, cleaned, or why it does not name a file
// inside the repository.
func cleanRel(rel string) (string, error) {
	if rel == "" {
		return "", errors.New("is empty")
	}
	if filepath.IsAbs(rel) || strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, `\`) || filepath.VolumeName(rel) != "" {
		return "", errors.New("is an absolute path")
	}
	clean := path.Clean(filepath.ToSlash(rel))
	if clean == "." {
		return "", errors.New("names the repository itself")
	}
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", errors.New("leaves the repository")
	}
	return clean, nil
}

// unwrapPath drops the *fs.PathError around a system error: its path is the
// absolute one, and the message already names the input.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// WriteAtomic replaces the file at path with data through a temporary file
// in the same directory, renamed over it: a reader never sees half of it,
// and a link or a FIFO at path (a file of the repository) is replaced, not
// followed, so the write never lands outside the work tree.
func WriteAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
