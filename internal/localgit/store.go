// Package localgit is the Store of a local clone: the flag branch's commits are
// built with git's plumbing (hash-object, a private index, write-tree,
// commit-tree) and the branch moves with `git update-ref NEW OLD`, git's own
// compare-and-swap. Every work tree where the flag branch is checked out (the
// clone's, or one of `git worktree add`) is brought to the new commit for the
// files written; worktree.go holds the checks that keep that from failing
// halfway, and the repair when it does.
//
// It drives the git CLI rather than go-git: git is on every machine that has a
// clone (Actions runners included), update-ref's old-value check is the exact
// atomic primitive the protocol needs, hooks and config behave as the user
// expects, and it keeps a large dependency out of the binary.
package localgit

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/gitcli"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
)

// Store is a flag branch in a local clone.
type Store struct {
	Dir       string   // the work tree (or any directory inside the clone)
	Branch    string   // the flag branch, e.g. "main"
	FlagsFile string   // path of the flag file in the repository
	Outputs   []string // render targets; a commit writes them, and they must be clean
	// RequestWindow is how many of the flag branch's newest commits
	// FindRequest reads (default chatops.DefaultRequestWindow); RequestMaxAge
	// skips commits older than this by committer date (default
	// chatops.DefaultRequestMaxAge). Now is the clock (default time.Now).
	RequestWindow int
	RequestMaxAge time.Duration
	Now           func() time.Time
	// Env is extra environment for git (tests pin identities and dates).
	Env []string

	mu           sync.Mutex // guards the cached values below; a Store may be shared
	identEnv     []string   // cached by identity
	identSet     bool
	checkoutDirs []string // cached by checkouts: where the branch is checked out
	checkoutsSet bool
	lockPaths    map[string]string // cached by indexLock: work tree → its index.lock
	gitDir       string            // cached by Lock

	// afterMove, when set, runs right after the ref moved: tests make the
	// work-tree update fail there, as a crash or a racing git would.
	afterMove func()
}

// Open checks that dir is the work tree of a git clone (not a bare
// repository) and resolves the flag branch: branch if given, else origin's
// default branch, else the checked-out branch. The branch must have a
// commit, and the flag file there, if any, must be a regular file.
//
// Each error is one sentence naming dir, the branch or the flag file and
// what to do: dir missing or not a directory, not a git clone, a bare
// repository, a repository without commits, a missing flag branch, a flag
// file that is a directory, submodule or symbolic link, or git missing from
// PATH (a *gitcli.MissingError, which wraps exec.ErrNotFound).
func Open(ctx context.Context, dir, branch, flagsFile string, outputs []string) (*Store, error) {
	s := &Store{Dir: dir, FlagsFile: flagsFile, Outputs: outputs}
	if fi, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("the directory %s does not exist; run releasebot in a git clone or pass its directory with --repo", dir)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("%s is a file, not a directory; run releasebot in a git clone or pass its directory with --repo", dir)
	}
	out, err := s.git(ctx, nil, "rev-parse", "--is-bare-repository", "--is-inside-work-tree")
	if err != nil {
		return nil, s.openError(err)
	}
	switch strings.Join(strings.Fields(out), " ") {
	case "true false":
		return nil, fmt.Errorf("%s is a bare repository, which has no work tree for the flag file; run releasebot in a clone of it (git clone %s)", dir, dir)
	case "false false":
		return nil, fmt.Errorf("%s is inside a .git directory, not a work tree; run releasebot in the clone's work tree", dir)
	}
	if branch == "" {
		branch = s.defaultBranch(ctx)
	}
	if branch == "" {
		return nil, fmt.Errorf("could not tell the flag branch of %s (detached HEAD, no origin/HEAD); set branch: in .github/releasebot.yml", dir)
	}
	s.Branch = branch
	tip, err := s.tip(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkFlagsFileKind(ctx, tip); err != nil {
		return nil, err
	}
	return s, nil
}

// openError says why git could not open dir as a repository.
func (s *Store) openError(err error) error {
	var ge *gitcli.Error
	switch {
	case gitcli.IsMissing(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return err
	case !errors.As(err, &ge):
		return fmt.Errorf("could not run git in %s: %w", s.Dir, err)
	case gitcli.IsNotRepository(err):
		return fmt.Errorf("%s is not a git clone; run releasebot in a clone or pass its directory with --repo", s.Dir)
	case gitcli.IsDubiousOwnership(err):
		return errors.New(gitcli.SafeDirectoryHint(s.Dir, s.Dir))
	}
	return fmt.Errorf("git could not open %s (%s); check that it is a readable git clone", s.Dir, ge.FirstLine())
}

// checkFlagsFileKind refuses a flag file path that the branch holds as
// something other than a regular file: reading a directory or a submodule
// fails deep inside git, and a commit would replace a symbolic link with a
// file. A path the branch does not have is fine: Read says so.
func (s *Store) checkFlagsFileKind(ctx context.Context, tip string) error {
	want := path.Clean(filepath.ToSlash(s.FlagsFile))
	out, err := s.git(ctx, nil, "--literal-pathspecs", "ls-tree", "-z", tip, "--", want)
	if err != nil {
		return fmt.Errorf("could not look for the flag file %s on branch %s: %w", s.FlagsFile, s.Branch, err)
	}
	for _, entry := range strings.Split(strings.TrimSuffix(out, "\x00"), "\x00") {
		meta, name, ok := strings.Cut(entry, "\t")
		if !ok || name != want {
			continue
		}
		var what string
		switch mode, _, _ := strings.Cut(meta, " "); mode {
		case "040000":
			what = "a directory"
		case "160000":
			what = "a submodule"
		case "120000":
			what = "a symbolic link"
		default:
			return nil
		}
		return fmt.Errorf("the flag file %s is %s on branch %s; flags_file in .github/releasebot.yml must name a file", s.FlagsFile, what, s.Branch)
	}
	return nil
}

func (s *Store) defaultBranch(ctx context.Context) string {
	if out, err := s.git(ctx, nil, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"); err == nil {
		return strings.TrimPrefix(strings.TrimSpace(out), "origin/")
	}
	if out, err := s.git(ctx, nil, "symbolic-ref", "--quiet", "--short", "HEAD"); err == nil {
		return strings.TrimSpace(out)
	}
	return ""
}

func (s *Store) ref() string { return "refs/heads/" + s.Branch }

func (s *Store) git(ctx context.Context, stdin []byte, args ...string) (string, error) {
	return s.gitEnv(ctx, nil, stdin, args...)
}

func (s *Store) gitEnv(ctx context.Context, env []string, stdin []byte, args ...string) (string, error) {
	return s.run(ctx, s.Dir, env, stdin, args...)
}

// run runs git in dir. Pathspecs are literal: a render path such as "*" must
// name one file, not every file of the work tree. Errors are gitcli's: a
// *gitcli.MissingError, ctx.Err() or a *gitcli.Error.
func (s *Store) run(ctx context.Context, dir string, env []string, stdin []byte, args ...string) (string, error) {
	r := gitcli.Runner{Dir: dir, Env: append(append([]string{"GIT_LITERAL_PATHSPECS=1"}, s.Env...), env...)}
	return r.Run(ctx, stdin, args...)
}

// tip returns the commit the flag branch points at. A branch without a
// commit is an error that says whether the repository has any commit at all
// and which branches it has.
func (s *Store) tip(ctx context.Context) (string, error) {
	out, err := s.git(ctx, nil, "rev-parse", "--verify", "--quiet", s.ref()+"^{commit}")
	if err == nil {
		return strings.TrimSpace(out), nil
	}
	var ge *gitcli.Error
	if !errors.As(err, &ge) {
		return "", err // git missing, or ctx done
	}
	list, _ := s.git(ctx, nil, "for-each-ref", "--count=6", "--format=%(refname:short)", "refs/heads/")
	branches := strings.Fields(list)
	if len(branches) == 0 {
		return "", fmt.Errorf("the repository at %s has no commits yet; commit the flag file first", s.Dir)
	}
	if len(branches) > 5 {
		branches = append(branches[:5], "…")
	}
	return "", fmt.Errorf("the flag branch %s does not exist in %s; set branch: in .github/releasebot.yml to one of its branches (%s), or check that branch out", s.Branch, s.Dir, strings.Join(branches, ", "))
}

// Read returns the flag file at the tip. In every work tree where the branch
// is checked out (the main one, or one of `git worktree add`), the flag file
// and the render targets must be ready for a commit: uncommitted changes
// are chatops.ErrDirty, naming the files; an untracked file, a directory or
// a link in the way, a locked index or a directory that is not writable is
// chatops.ErrBlocked. Files that still show an earlier releasebot commit,
// because an update failed after the ref moved, are brought up to date.
// A flag file committed as a symbolic link (git mode 120000) or as anything
// but a file is a *repofile.Error, one over limits.RepoFile a
// *limits.TooLargeError: neither is read.
func (s *Store) Read(ctx context.Context) (chatops.Snapshot, error) {
	rev, err := s.tip(ctx)
	if err != nil {
		return chatops.Snapshot{}, err
	}
	// The tree entry first: its mode tells a committed link (whose blob is the
	// target's name, not a flag file) and its size is checked before reading.
	ls, err := s.git(ctx, nil, repofile.LsTreeArgs(rev, s.FlagsFile)...)
	if err != nil {
		return chatops.Snapshot{Rev: rev}, err
	}
	entry, ok := repofile.ParseTreeEntry(ls, s.FlagsFile)
	if !ok {
		return chatops.Snapshot{Rev: rev}, fmt.Errorf("%s at %s: %w", s.FlagsFile, rev[:7], chatops.ErrNoFlagFile)
	}
	if err := entry.Check("the flag file", s.FlagsFile+" at "+rev[:7], limits.RepoFile); err != nil {
		return chatops.Snapshot{Rev: rev}, chatops.NotAFile(err)
	}
	// Then the work trees: what is committed decides first, so a flag file
	// committed as a directory is named as such, not as a work-tree clash.
	dirs, err := s.checkouts(ctx)
	if err != nil {
		return chatops.Snapshot{Rev: rev}, err
	}
	for _, dir := range dirs {
		if err := s.settle(ctx, dir, rev, s.paths()); err != nil {
			return chatops.Snapshot{Rev: rev}, err
		}
	}
	out, err := s.git(ctx, nil, "cat-file", "blob", entry.Hash)
	if err != nil {
		return chatops.Snapshot{Rev: rev}, err
	}
	return chatops.Snapshot{Rev: rev, Flags: []byte(out)}, nil
}

func (s *Store) paths() []string {
	return append([]string{s.FlagsFile}, s.Outputs...)
}

// Commit builds one commit holding files on top of base and moves the branch
// from base to it with update-ref's old-value check. Every work tree where the
// branch is checked out is then brought to the new commit for the written
// files. What that update needs is checked before the ref moves (see Read for
// the errors, which leave everything as it was); a commit that would replace
// a tracked file or directory other than the written paths is ErrBlocked. If
// the update still fails, Commit returns the sha and ErrWorkTreeBehind, and
// the next Read repairs the work tree.
func (s *Store) Commit(ctx context.Context, base string, files map[string][]byte, message string) (string, error) {
	tmp, err := os.CreateTemp("", "releasebot-index-*")
	if err != nil {
		return "", err
	}
	tmp.Close()
	os.Remove(tmp.Name()) // git wants to create the index itself
	defer os.Remove(tmp.Name())
	idx := []string{"GIT_INDEX_FILE=" + tmp.Name()}

	if _, err := s.gitEnv(ctx, idx, nil, "read-tree", base); err != nil {
		return "", fmt.Errorf("could not read the tree of %s: %w", base, err)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	shas, err := s.hashObjects(ctx, paths, files)
	if err != nil {
		return "", err
	}
	var info strings.Builder
	for i, p := range paths {
		fmt.Fprintf(&info, "100644 %s\t%s\n", shas[i], filepath.ToSlash(p))
	}
	if _, err := s.gitEnv(ctx, idx, []byte(info.String()), "update-index", "--index-info"); err != nil {
		return "", fmt.Errorf("could not stage the files: %w", err)
	}
	tree, err := s.gitEnv(ctx, idx, nil, "write-tree")
	if err != nil {
		return "", fmt.Errorf("could not write the tree: %w", err)
	}
	// update-index --index-info replaces what is in a path's way: README.md
	// for README.md/x, every file under src/ for src. Only the written
	// paths may change.
	changed, err := s.git(ctx, nil, "diff-tree", "-r", "--name-only", "-z", base, strings.TrimSpace(tree))
	if err != nil {
		return "", fmt.Errorf("could not compare the new tree with %s: %w", base, err)
	}
	for _, p := range strings.Split(strings.TrimRight(changed, "\x00"), "\x00") {
		if _, written := files[p]; p != "" && !written {
			return "", fmt.Errorf("%w: writing %s would remove %s, which the flag branch tracks; choose render paths that no tracked file is in the way of", chatops.ErrBlocked, strings.Join(paths, ", "), p)
		}
	}
	dirs, err := s.checkouts(ctx)
	if err != nil {
		return "", err
	}
	for _, dir := range dirs {
		if err := s.readyToSync(ctx, dir, paths); err != nil {
			return "", err
		}
	}
	out, err := s.gitEnv(ctx, s.identity(ctx), []byte(message), "commit-tree", strings.TrimSpace(tree), "-p", base, "-F", "-")
	if err != nil {
		return "", fmt.Errorf("could not create the commit: %w", err)
	}
	sha := strings.TrimSpace(out)
	if _, err := s.git(ctx, nil, "update-ref", "-m", "releasebot: "+firstLine(message), s.ref(), sha, base); err != nil {
		if now, tipErr := s.tip(ctx); tipErr == nil && now != base {
			return "", fmt.Errorf("%s moved from %s to %s: %w", s.Branch, base[:7], now[:7], chatops.ErrConflict)
		}
		return "", fmt.Errorf("could not move %s: %w", s.Branch, err)
	}
	if s.afterMove != nil {
		s.afterMove()
	}
	// Every work tree is tried, so one that fails leaves the others in step.
	var behind []string
	for _, dir := range dirs {
		if err := s.syncWorkTree(ctx, dir, paths); err != nil {
			behind = append(behind, fmt.Sprintf("%s in %s still show the previous flag commit (%s)", strings.Join(paths, ", "), dir, s.why(ctx, dir, paths, err)))
		}
	}
	if len(behind) > 0 {
		return sha, fmt.Errorf("%w: %s; the next releasebot command brings them up to date, or run git checkout HEAD -- %s there",
			chatops.ErrWorkTreeBehind, strings.Join(behind, "; "), strings.Join(paths, " "))
	}
	return sha, nil
}

// readyToSync is settle without the repair, just before the ref moves: what
// changed since Read is a person's doing.
func (s *Store) readyToSync(ctx context.Context, dir string, paths []string) error {
	entries, err := s.status(ctx, dir, paths)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.untracked() {
			return fmt.Errorf("%w: %s in %s is not tracked by git, and the commit would overwrite it; move it away (or commit it), then run the command again", chatops.ErrBlocked, e.path, dir)
		}
		return fmt.Errorf("%w to %s in %s", chatops.ErrDirty, e.path, dir)
	}
	if err := s.ready(ctx, dir, paths); err != nil {
		return fmt.Errorf("%w: %v", chatops.ErrBlocked, err)
	}
	return nil
}

// hashObjects stores the files as blobs with one git process.
func (s *Store) hashObjects(ctx context.Context, paths []string, files map[string][]byte) ([]string, error) {
	dir, err := os.MkdirTemp("", "releasebot-blobs-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var list strings.Builder
	for i, p := range paths {
		name := filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(name, files[p], 0o600); err != nil {
			return nil, err
		}
		list.WriteString(name + "\n")
	}
	out, err := s.git(ctx, []byte(list.String()), "hash-object", "-w", "--no-filters", "--stdin-paths")
	if err != nil {
		return nil, fmt.Errorf("could not store %s: %w", strings.Join(paths, ", "), err)
	}
	shas := strings.Fields(out)
	if len(shas) != len(paths) {
		return nil, fmt.Errorf("git hash-object returned %d ids for %d files", len(shas), len(paths))
	}
	return shas, nil
}

// syncWorkTree writes the branch tip's version of paths into the index and
// the work tree dir. It reads the tip anew, so with commits serialised by
// Lock the last writer leaves the newest content.
func (s *Store) syncWorkTree(ctx context.Context, dir string, paths []string) error {
	tip, err := s.tip(ctx)
	if err != nil {
		return err
	}
	args := append([]string{"checkout", "--quiet", tip, "--"}, paths...)
	_, err = s.gitIn(ctx, dir, nil, args...)
	return err
}

// identity uses the clone's git identity, or releasebot's when none is set.
func (s *Store) identity(ctx context.Context) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.identSet {
		return s.identEnv
	}
	var env []string
	if _, err := s.git(ctx, nil, "var", "GIT_AUTHOR_IDENT"); err != nil {
		env = append(env, "GIT_AUTHOR_NAME=releasebot", "GIT_AUTHOR_EMAIL=releasebot@users.noreply.github.com")
	}
	if _, err := s.git(ctx, nil, "var", "GIT_COMMITTER_IDENT"); err != nil {
		env = append(env, "GIT_COMMITTER_NAME=releasebot", "GIT_COMMITTER_EMAIL=releasebot@users.noreply.github.com")
	}
	s.identEnv, s.identSet = env, true
	return env
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

const recordSep = "\x1e"

// log lists commits of the flag branch, newest first.
func (s *Store) log(ctx context.Context, limit int, path string) ([]chatops.CommitInfo, error) {
	if _, err := s.tip(ctx); err != nil {
		return nil, err
	}
	args := []string{"log", "-n", strconv.Itoa(limit), "--format=%H%x00%an%x00%ct%x00%B" + recordSep, s.ref()}
	if path != "" {
		args = append(args, "--", path)
	}
	out, err := s.git(ctx, nil, args...)
	if err != nil {
		return nil, fmt.Errorf("could not read the history of %s: %w", s.Branch, err)
	}
	var commits []chatops.CommitInfo
	for _, rec := range strings.Split(out, recordSep) {
		rec = strings.TrimLeft(rec, "\n")
		parts := strings.SplitN(rec, "\x00", 4)
		if len(parts) < 4 {
			continue
		}
		secs, _ := strconv.ParseInt(parts[2], 10, 64)
		commits = append(commits, chatops.CommitInfo{SHA: parts[0], Author: parts[1], When: time.Unix(secs, 0).UTC(), Message: parts[3]})
	}
	return commits, nil
}

// FindRequest looks for the request id's trailer among the flag branch's
// newest RequestWindow commits of the last RequestMaxAge.
func (s *Store) FindRequest(ctx context.Context, id string) (chatops.CommitInfo, bool, error) {
	window := s.RequestWindow
	if window <= 0 {
		window = chatops.DefaultRequestWindow
	}
	maxAge := s.RequestMaxAge
	if maxAge <= 0 {
		maxAge = chatops.DefaultRequestMaxAge
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	// A number of seconds is a timestamp to git's date parser.
	since := "--since=" + strconv.FormatInt(now().Add(-maxAge).Unix(), 10)
	// Trailers only: cheap to scan, and a message quoting an id in its body
	// does not count. Unfolded, so that a value continued on the next line
	// stays on its line and its continuation is not read as another commit.
	out, err := s.git(ctx, nil, "log", "-n", strconv.Itoa(window), since, "--format=%H%x00%(trailers:key="+chatops.TrailerRequest+",valueonly,unfold,separator=%x01)", s.ref())
	if err != nil {
		if _, tipErr := s.tip(ctx); tipErr != nil {
			return chatops.CommitInfo{}, false, tipErr
		}
		return chatops.CommitInfo{}, false, fmt.Errorf("could not read the history of %s: %w", s.Branch, err)
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		sha, ids, ok := strings.Cut(sc.Text(), "\x00")
		if !ok {
			continue
		}
		for _, v := range strings.Split(ids, "\x01") {
			if strings.TrimSpace(v) == id {
				c, err := s.commitInfo(ctx, sha)
				return c, err == nil, err
			}
		}
	}
	return chatops.CommitInfo{}, false, nil
}

func (s *Store) commitInfo(ctx context.Context, sha string) (chatops.CommitInfo, error) {
	out, err := s.git(ctx, nil, "show", "-s", "--format=%H%x00%an%x00%ct%x00%B", sha)
	if err != nil {
		return chatops.CommitInfo{}, err
	}
	parts := strings.SplitN(out, "\x00", 4)
	if len(parts) < 4 {
		return chatops.CommitInfo{}, errors.New("unexpected git show output")
	}
	secs, _ := strconv.ParseInt(parts[2], 10, 64)
	return chatops.CommitInfo{SHA: parts[0], Author: parts[1], When: time.Unix(secs, 0).UTC(), Message: parts[3]}, nil
}

// History returns recent commits of the flag branch that touched path.
func (s *Store) History(ctx context.Context, path string, limit int) ([]chatops.CommitInfo, error) {
	return s.log(ctx, limit, path)
}
