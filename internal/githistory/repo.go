// Package githistory reads a release's history and files from a local
// clone with the git CLI (through internal/gitcli): the adapter behind the
// releasenotes model, which runs no git itself.
package githistory

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/releasebot/releasebot/internal/gitcli"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
	"github.com/releasebot/releasebot/releasenotes"
)

// Repo reads a local clone with the git CLI. The zero value reads the current
// directory.
type Repo struct {
	// Dir is the clone's working tree (or any directory inside it).
	Dir string
	// Env is added to the process environment of every git run; tests use it
	// to make git hermetic (HOME, GIT_CONFIG_NOSYSTEM, …).
	Env []string
	// Progress, when set, is called while the history is read with the
	// number of commits read so far, every few hundred commits and at the end.
	Progress func(commits int)
}

// History reads the range. It streams git log and keeps only the parsed
// changes. Errors name the revision at fault (a *releasenotes.RevisionError);
// a shallow clone is releasenotes.ErrShallow, a directory that is no clone
// releasenotes.ErrNotRepository, git missing from PATH a
// *gitcli.MissingError.
func (r *Repo) History(ctx context.Context, o releasenotes.RangeOptions) (*releasenotes.History, error) {
	if shallow, err := r.output(ctx, "rev-parse", "--is-shallow-repository"); err != nil {
		return nil, err
	} else if strings.TrimSpace(shallow) == "true" {
		return nil, releasenotes.ErrShallow
	}
	h := &releasenotes.History{To: o.To, From: o.From}
	if h.To == "" {
		h.To = "HEAD"
	}
	head, err := r.Resolve(ctx, h.To)
	if err != nil {
		return nil, err
	}
	h.Head = head
	if t, ok := releasenotes.ParseTag(h.To, o.TagPrefix); ok {
		h.Target = t
	}
	var from string
	if h.From == "" {
		if h.Previous, err = r.lastTag(ctx, o.TagPrefix, head, !h.Target.IsZero()); err != nil {
			return nil, err
		}
		h.From = h.Previous.Name
		if h.From != "" {
			from = "refs/tags/" + h.From
		}
	} else {
		if from, err = r.Resolve(ctx, h.From); err != nil {
			return nil, err
		}
		if t, ok := releasenotes.ParseTag(h.From, o.TagPrefix); ok {
			h.Previous = t
		} else if h.Previous, err = r.LastTag(ctx, o.TagPrefix, from); err != nil {
			return nil, err
		}
	}
	rng := head
	if from != "" {
		rng = from + ".." + head
	}
	if err := r.log(ctx, rng, h.Add); err != nil {
		return nil, err
	}
	h.Finish()
	return h, nil
}

// LastTag returns the current release as of rev: releasenotes.CurrentRelease
// of the tags reachable from rev, or a zero Tag when there is none.
func (r *Repo) LastTag(ctx context.Context, prefix, rev string) (releasenotes.Tag, error) {
	return r.lastTag(ctx, prefix, rev, false)
}

// lastTag is LastTag, leaving out the tags on rev itself when before is set.
func (r *Repo) lastTag(ctx context.Context, prefix, rev string, before bool) (releasenotes.Tag, error) {
	if strings.HasPrefix(rev, "-") {
		return releasenotes.Tag{}, fmt.Errorf("%q is not a revision", rev)
	}
	args := []string{"tag", "--merged", rev, "--list", prefix + "*"}
	if before {
		args = append(args, "--no-contains", rev)
	}
	out, err := r.output(ctx, args...)
	if err != nil {
		return releasenotes.Tag{}, err
	}
	return releasenotes.CurrentRelease(strings.Split(out, "\n"), prefix), nil
}

// RemoteURL returns the URL of the origin remote, or "" when there is none.
func (r *Repo) RemoteURL(ctx context.Context) string {
	out, err := r.output(ctx, "remote", "get-url", "origin")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// Resolve returns the commit hash of a revision; a revision git does not
// know is a *releasenotes.RevisionError naming it.
func (r *Repo) Resolve(ctx context.Context, rev string) (string, error) {
	if strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("%q is not a revision", rev)
	}
	out, err := r.output(ctx, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		var ge *gitcli.Error
		if errors.As(err, &ge) && ge.Exited() && !errors.Is(err, releasenotes.ErrNotRepository) {
			return "", &releasenotes.RevisionError{Rev: rev, Dir: r.dirName()}
		}
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// ReadFile returns a file's content at a revision; a file the revision does
// not have is fs.ErrNotExist. What is at path must be a regular file of at
// most limits.RepoFile: a symbolic link (which git stores as a blob holding the
// target's name) is a *repofile.Error, a larger file a *limits.TooLargeError,
// the size being asked of git before the content is read.
func (r *Repo) ReadFile(ctx context.Context, rev, path string) ([]byte, error) {
	if strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("%q is not a revision", rev)
	}
	out, err := r.output(ctx, repofile.LsTreeArgs(rev, path)...)
	if err != nil {
		var ge *gitcli.Error
		if errors.As(err, &ge) && ge.Exited() {
			return nil, fmt.Errorf("%s at %s: %w", path, rev, fs.ErrNotExist)
		}
		return nil, err
	}
	entry, ok := repofile.ParseTreeEntry(out, path)
	if !ok {
		return nil, fmt.Errorf("%s at %s: %w", path, rev, fs.ErrNotExist)
	}
	if err := entry.Check("", path+" at "+shortRev(rev), limits.RepoFile); err != nil {
		return nil, err
	}
	blob, err := r.output(ctx, "cat-file", "blob", entry.Hash)
	if err != nil {
		return nil, err
	}
	if int64(len(blob)) > limits.RepoFile {
		return nil, &limits.TooLargeError{What: path + " at " + shortRev(rev), Size: int64(len(blob)), Limit: limits.RepoFile}
	}
	return []byte(blob), nil
}

// ReadWorkTree returns a file of the clone's work tree by repofile's rules
// (inside the clone, no links, at most limits.RepoFile); what names it in
// errors. A missing file is fs.ErrNotExist.
func (r *Repo) ReadWorkTree(path, what string) ([]byte, error) {
	return repofile.Read(r.workTree(), path, what, limits.RepoFile)
}

func (r *Repo) workTree() string {
	if r.Dir == "" {
		return "."
	}
	return r.Dir
}

// shortRev is a revision for messages: a commit hash cut to 7, a name as is.
func shortRev(rev string) string {
	if len(rev) == 40 && strings.Trim(rev, "0123456789abcdef") == "" {
		return rev[:7]
	}
	return rev
}

func (r *Repo) dirName() string {
	if r.Dir == "" {
		return "the current directory"
	}
	return r.Dir
}

func (r *Repo) runner() gitcli.Runner { return gitcli.Runner{Dir: r.Dir, Env: r.Env} }

// output runs git and returns its standard output; an error carries git's
// first line of complaint (see classify).
func (r *Repo) output(ctx context.Context, args ...string) (string, error) {
	out, err := r.runner().Run(ctx, nil, args...)
	if err != nil {
		return "", classify(err)
	}
	return out, nil
}

// classify words a gitcli error for the history's callers: a directory that
// is missing or no clone is releasenotes.ErrNotRepository; otherwise git's
// first line, wrapping the *gitcli.Error.
func classify(err error) error {
	var ge *gitcli.Error
	var pe *fs.PathError
	switch {
	case !errors.As(err, &ge):
		return err // git missing from PATH, or ctx ended
	case errors.As(err, &pe) && pe.Op == "chdir": // the directory is missing
		return fmt.Errorf("%s: %v: %w", pe.Path, pe.Err, releasenotes.ErrNotRepository)
	case !ge.Exited():
		return fmt.Errorf("could not run git: %w", ge.Err)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(ge.Stderr), "\n")
	if strings.Contains(line, "not a git repository") {
		return fmt.Errorf("%s: %w", line, releasenotes.ErrNotRepository)
	}
	if line == "" {
		return &wordedError{msg: fmt.Sprintf("git %s: %v", ge.Command(), ge.Err), err: ge}
	}
	return &wordedError{msg: fmt.Sprintf("git %s: %s: %v", ge.Command(), line, ge.Err), err: ge}
}

// wordedError is a git failure worded by classify that keeps the
// *gitcli.Error in its chain for callers that look at git's stderr.
type wordedError struct {
	msg string
	err *gitcli.Error
}

func (e *wordedError) Error() string { return e.msg }
func (e *wordedError) Unwrap() error { return e.err }

// logFormat puts the fields of a commit apart with the ASCII unit separator;
// -z ends each commit with NUL. The message comes last, so a stray
// separator inside it does no harm.
const logFormat = "%H\x1f%P\x1f%aN\x1f%aE\x1f%at\x1f%B"

// maxCommitMessage bounds one commit record; git itself has no limit, but a
// message of many megabytes is an accident, not a release note.
const maxCommitMessage = 16 << 20

// log streams the commits of a range to add, newest first.
func (r *Repo) log(ctx context.Context, rng string, add func(releasenotes.Commit)) error {
	args := []string{"-c", "log.showSignature=false", "log", "--no-color", "-z", "--format=" + logFormat, rng, "--"}
	err := r.runner().Stream(ctx, func(out io.Reader) error {
		return scanLog(out, func(rec []byte) error {
			f := bytes.SplitN(rec, []byte{0x1f}, 6)
			if len(f) != 6 {
				return fmt.Errorf("git log printed an unexpected record %.40q", rec)
			}
			secs, _ := strconv.ParseInt(string(f[4]), 10, 64)
			var ps []string
			if len(f[1]) > 0 {
				ps = strings.Fields(string(f[1]))
			}
			add(releasenotes.Commit{
				Hash: string(f[0]), Parents: ps,
				Author: releasenotes.Person{Name: string(f[2]), Email: string(f[3])},
				Date:   time.Unix(secs, 0).UTC(), Message: string(f[5]),
			})
			return nil
		}, r.Progress)
	}, args...)
	var ge *gitcli.Error
	if errors.As(err, &ge) {
		return classify(err)
	}
	return err
}

// scanLog splits git log -z output into records.
func scanLog(rd io.Reader, fn func([]byte) error, progress func(int)) error {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 256<<10), maxCommitMessage)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.IndexByte(data, 0); i >= 0 {
			return i + 1, data[:i], nil
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	n := 0
	for sc.Scan() {
		rec := bytes.TrimLeft(sc.Bytes(), "\n")
		if len(rec) == 0 {
			continue
		}
		if err := fn(rec); err != nil {
			return err
		}
		n++
		if progress != nil && n%500 == 0 {
			progress(n)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading git log: %w", err)
	}
	if progress != nil {
		progress(n)
	}
	return nil
}
