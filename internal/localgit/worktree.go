package localgit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/gitcli"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// A flag commit moves the branch first and updates the work trees where it is
// checked out second, so a failure in between would leave a branch holding
// the commit and a work tree showing it reverted (a `git commit -a` there
// would undo it). So, before the ref moves, Commit checks everything the
// work-tree update needs (checkable); what still fails afterwards is left in
// a state the next Read recognises — the files equal to an earlier commit of
// releasebot's chain, not to a person's edit — and repairs.

// checkouts lists the top directories of the work trees (the main one and
// those of `git worktree add`) where the flag branch is checked out, read
// once per Store: a command does not switch branches under itself.
func (s *Store) checkouts(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.checkoutsSet {
		return s.checkoutDirs, nil
	}
	sep := "\x00"
	out, err := s.git(ctx, nil, "worktree", "list", "--porcelain", "-z")
	if err != nil {
		// git before 2.36 has no -z; its paths are not quoted either.
		sep = "\n"
		if out, err = s.git(ctx, nil, "worktree", "list", "--porcelain"); err != nil {
			return nil, fmt.Errorf("could not list the work trees of %s: %w", s.Dir, err)
		}
	}
	var dirs []string
	var dir string
	var onBranch, skip bool
	flush := func() {
		if dir != "" && onBranch && !skip {
			if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
				dirs = append(dirs, dir)
			}
		}
		dir, onBranch, skip = "", false, false
	}
	for _, field := range strings.Split(out, sep) {
		switch {
		case field == "":
			flush()
		case strings.HasPrefix(field, "worktree "):
			dir = strings.TrimPrefix(field, "worktree ")
		case field == "branch "+s.ref():
			onBranch = true
		case field == "bare", strings.HasPrefix(field, "prunable"):
			skip = true
		}
	}
	flush()
	s.checkoutDirs, s.checkoutsSet = dirs, true
	return dirs, nil
}

// gitIn runs git in another work tree of the clone.
func (s *Store) gitIn(ctx context.Context, dir string, stdin []byte, args ...string) (string, error) {
	return s.run(ctx, dir, nil, stdin, args...)
}

// statusEntry is one line of `git status --porcelain=v1 -z`.
type statusEntry struct {
	xy   string
	path string
}

func (e statusEntry) untracked() bool { return e.xy == "??" || e.xy == "!!" }

// status lists what differs from HEAD at paths in the work tree dir,
// untracked and ignored files included.
func (s *Store) status(ctx context.Context, dir string, paths []string) ([]statusEntry, error) {
	args := append([]string{"status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored=matching", "--"}, paths...)
	out, err := s.gitIn(ctx, dir, nil, args...)
	if err != nil {
		return nil, fmt.Errorf("could not read the status of %s: %w", dir, err)
	}
	var entries []statusEntry
	fields := strings.Split(out, "\x00")
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if len(f) < 4 {
			continue
		}
		e := statusEntry{xy: f[:2], path: f[3:]}
		if e.xy[0] == 'R' || e.xy[0] == 'C' {
			i++ // a rename's source path follows
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// settle makes the work tree dir ready for a commit of paths at tip, or says
// why it cannot be: untracked files and shapes in the way are ErrBlocked;
// differences from tip are repaired when they are an earlier releasebot
// commit that a failed update left behind, and are ErrDirty otherwise.
func (s *Store) settle(ctx context.Context, dir, tip string, paths []string) error {
	if err := s.hidden(ctx, dir, paths); err != nil {
		return err
	}
	entries, err := s.status(ctx, dir, paths)
	if err != nil {
		return err
	}
	var modified []string
	for _, e := range entries {
		if e.untracked() {
			return fmt.Errorf("%w: %s in %s is not tracked by git, and the commit would overwrite it; move it away (or commit it), then run the command again", chatops.ErrBlocked, e.path, dir)
		}
		modified = append(modified, e.path)
	}
	if len(modified) > 0 {
		if ok, err := s.behind(ctx, dir, tip, modified); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w to %s in %s", chatops.ErrDirty, strings.Join(modified, ", "), dir)
		}
		stale := func(why string) error {
			return fmt.Errorf("%w: %s in %s still show an earlier flag commit, and releasebot could not bring them up to date: %s", chatops.ErrBlocked, strings.Join(modified, ", "), dir, why)
		}
		if err := s.ready(ctx, dir, paths); err != nil {
			return stale(err.Error())
		}
		args := append([]string{"checkout", "--quiet", tip, "--"}, modified...)
		if _, err := s.gitIn(ctx, dir, nil, args...); err != nil {
			return stale(s.why(ctx, dir, modified, err))
		}
	}
	if err := s.ready(ctx, dir, paths); err != nil {
		return fmt.Errorf("%w: %v", chatops.ErrBlocked, err)
	}
	return nil
}

// hidden refuses paths git is told not to look at (assume-unchanged,
// skip-worktree): git status would not show an edit to them, and the
// work-tree update would overwrite it.
func (s *Store) hidden(ctx context.Context, dir string, paths []string) error {
	out, err := s.gitIn(ctx, dir, nil, append([]string{"ls-files", "-v", "-z", "--"}, paths...)...)
	if err != nil {
		return fmt.Errorf("could not read the index of %s: %w", dir, err)
	}
	for _, rec := range strings.Split(out, "\x00") {
		if len(rec) < 3 {
			continue
		}
		tag, p := rec[0], rec[2:]
		switch {
		case tag == 'S' || tag == 's':
			return fmt.Errorf("%w: %s in %s is marked skip-worktree, so git would not show an edit to it; clear that (git update-index --no-skip-worktree -- %s, or leave the sparse checkout), then run the command again", chatops.ErrBlocked, p, dir, p)
		case tag >= 'a' && tag <= 'z':
			return fmt.Errorf("%w: %s in %s is marked assume-unchanged, so git would not show an edit to it; clear that (git update-index --no-assume-unchanged -- %s), then run the command again", chatops.ErrBlocked, p, dir, p)
		}
	}
	return nil
}

// ready checks what `git checkout -- paths` in dir needs: git's index not
// locked, its directory writable, no symbolic link, file or directory in
// the way of a path, and each path's directory writable.
func (s *Store) ready(ctx context.Context, dir string, paths []string) error {
	lock, err := s.indexLock(ctx, dir)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(lock); err == nil {
		return fmt.Errorf("git's index in %s is locked (%s exists): another git command is running; when it has finished (or, if none is running, after removing that file) run the command again", dir, lock)
	}
	probed := map[string]bool{}
	if err := probe(filepath.Dir(lock), probed); err != nil {
		return err
	}
	for _, p := range paths {
		parts := strings.Split(p, "/")
		at := dir
		for i, part := range parts {
			at = filepath.Join(at, part)
			fi, err := os.Lstat(at)
			if errors.Is(err, fs.ErrNotExist) {
				break // git creates it
			}
			if err != nil {
				return fmt.Errorf("could not look at %s: %w", at, err)
			}
			shown := strings.Join(parts[:i+1], "/")
			last := i == len(parts)-1
			switch {
			case fi.Mode()&fs.ModeSymlink != 0 && !last:
				return fmt.Errorf("%s in %s is a symbolic link, and releasebot does not write %s through it; replace the link with a directory, then run the command again", shown, dir, p)
			case fi.IsDir() && last:
				return fmt.Errorf("%s in %s is a directory, where the commit writes a file; move it away, then run the command again", shown, dir)
			case !fi.IsDir() && !last:
				return fmt.Errorf("%s in %s is a file, where the commit needs a directory for %s; move it away, then run the command again", shown, dir, p)
			}
		}
		// git replaces a file by creating a new one beside it, so the
		// directory that will hold it (or its nearest existing parent,
		// where git creates the rest) must be writable.
		parent := filepath.Dir(filepath.Join(dir, filepath.FromSlash(p)))
		for {
			if fi, err := os.Stat(parent); err == nil && fi.IsDir() {
				break
			}
			parent = filepath.Dir(parent)
		}
		if err := probe(parent, probed); err != nil {
			return err
		}
	}
	return nil
}

// indexLock is the path of the index lock of work tree dir, read once.
func (s *Store) indexLock(ctx context.Context, dir string) (string, error) {
	s.mu.Lock()
	lock, ok := s.lockPaths[dir]
	s.mu.Unlock()
	if ok {
		return lock, nil
	}
	out, err := s.gitIn(ctx, dir, nil, "rev-parse", "--git-path", "index.lock")
	if err != nil {
		return "", fmt.Errorf("could not find the index of %s: %w", dir, err)
	}
	lock = strings.TrimSpace(out)
	if !filepath.IsAbs(lock) {
		lock = filepath.Join(dir, lock)
	}
	s.mu.Lock()
	if s.lockPaths == nil {
		s.lockPaths = map[string]string{}
	}
	s.lockPaths[dir] = lock
	s.mu.Unlock()
	return lock, nil
}

// probe checks that a file can be created in dir by creating one. Permission
// bits alone do not say it: root ignores them, and an immutable or read-only
// mount refuses root too.
func probe(dir string, done map[string]bool) error {
	if done[dir] {
		return nil
	}
	done[dir] = true
	f, err := os.CreateTemp(dir, ".releasebot-probe-*")
	if err != nil {
		return fmt.Errorf("%s is not writable, so the commit's files could not be written there; make it writable, then run the command again", dir)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// why says in one line why a work-tree update failed: what ready finds now,
// else git's first line.
func (s *Store) why(ctx context.Context, dir string, paths []string, err error) string {
	if rerr := s.ready(ctx, dir, paths); rerr != nil {
		return rerr.Error()
	}
	msg := err.Error()
	var ge *gitcli.Error
	if errors.As(err, &ge) {
		msg, _, _ = strings.Cut(strings.TrimSpace(ge.Stderr), "\n")
		msg = "git checkout: " + msg
	}
	return textsafe.Cut(textsafe.OneLine(msg), 300)
}

// behind reports whether the index and the work tree of dir hold, for paths,
// nothing but what the tip or one earlier commit X hold, where every commit
// after X up to the tip is releasebot's (it has the request trailer). That is
// what a work-tree update that failed after the ref moved leaves, in this
// work tree or in another one of the branch; a person's edit holds content no
// commit has, and a conflict or a mode change is never taken for it.
func (s *Store) behind(ctx context.Context, dir, tip string, paths []string) (bool, error) {
	// The index: mode, blob and stage of each path.
	out, err := s.gitIn(ctx, dir, nil, append([]string{"ls-files", "-s", "-z", "--"}, paths...)...)
	if err != nil {
		return false, fmt.Errorf("could not read the index of %s: %w", dir, err)
	}
	index := map[string]string{}
	for _, rec := range strings.Split(out, "\x00") {
		meta, p, ok := strings.Cut(rec, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta)
		if len(f) != 3 || f[0] != "100644" || f[2] != "0" {
			return false, nil
		}
		index[p] = f[1]
	}
	// The work tree: the blob each file would be, through git's filters.
	var present []string
	for _, p := range paths {
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(p)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil || !fi.Mode().IsRegular() || fi.Mode()&0o111 != 0 {
			return false, nil
		}
		present = append(present, p)
	}
	work := map[string]string{}
	if len(present) > 0 {
		out, err := s.gitIn(ctx, dir, nil, append([]string{"hash-object", "--"}, present...)...)
		if err != nil {
			return false, fmt.Errorf("could not hash the work tree files of %s: %w", dir, err)
		}
		shas := strings.Fields(out)
		if len(shas) != len(present) {
			return false, nil
		}
		for i, p := range present {
			work[p] = shas[i]
		}
	}
	// The chain: the tip and the commits before it, back past the last of
	// releasebot's.
	out, err = s.git(ctx, nil, "log", "--first-parent", "-n", "21", "--format=%H%x00%(trailers:key="+chatops.TrailerRequest+",valueonly,separator=%x01)", tip)
	if err != nil {
		return false, fmt.Errorf("could not read the history of %s: %w", s.Branch, err)
	}
	var chain []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		sha, id, _ := strings.Cut(line, "\x00")
		chain = append(chain, sha)
		if strings.TrimSpace(id) == "" {
			break // not releasebot's: no commit before it counts
		}
	}
	if len(chain) < 2 {
		return false, nil
	}
	blobs, err := s.blobsAt(ctx, chain, paths)
	if err != nil {
		return false, err
	}
	for _, x := range chain[1:] {
		ok := true
		for _, p := range paths {
			want := blobs[tip+":"+p]
			if want == "" { // the tip does not have it: checkout could not restore it
				return false, nil
			}
			old := blobs[x+":"+p]
			if i := index[p]; i != want && i != old || work[p] != want && work[p] != old {
				ok = false
				break
			}
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// blobsAt maps "commit:path" to the blob id there, with one git process;
// a path missing at a commit is absent from the map.
func (s *Store) blobsAt(ctx context.Context, commits, paths []string) (map[string]string, error) {
	var in strings.Builder
	var keys []string
	for _, c := range commits {
		for _, p := range paths {
			keys = append(keys, c+":"+p)
			in.WriteString(c + ":" + p + "\n")
		}
	}
	out, err := s.git(ctx, []byte(in.String()), "cat-file", "--batch-check=%(objectname) %(objecttype)")
	if err != nil {
		return nil, fmt.Errorf("could not read the files of %s: %w", s.Branch, err)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != len(keys) {
		return nil, fmt.Errorf("git cat-file answered %d lines for %d files", len(lines), len(keys))
	}
	blobs := map[string]string{}
	for i, l := range lines {
		if sha, typ, ok := strings.Cut(l, " "); ok && typ == "blob" {
			blobs[keys[i]] = sha
		}
	}
	return blobs, nil
}
