// Package localgit is the Store of a local clone: the flag branch's commits are
// built with git's plumbing (hash-object, a private index, write-tree,
// commit-tree) and the branch moves with `git update-ref NEW OLD`, git's own
// compare-and-swap. When the flag branch is checked out, the work tree and
// index are brought to the new commit for the files written.
//
// It drives the git CLI rather than go-git: git is on every machine that has a
// clone (Actions runners included), update-ref's old-value check is the exact
// atomic primitive the protocol needs, hooks and config behave as the user
// expects, and it keeps a large dependency out of the binary.
package localgit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/releasebot/releasebot/chatops"
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

	mu       sync.Mutex // guards the cached values below; a Store may be shared
	identEnv []string   // cached by identity
	identSet bool
	headRef  string // cached by checkedOut: what HEAD points at
	gitDir   string // cached by Lock
}

// Open checks that dir is inside a git clone and resolves the flag branch:
// branch if given, else origin's default branch, else the checked-out branch.
func Open(ctx context.Context, dir, branch, flagsFile string, outputs []string) (*Store, error) {
	s := &Store{Dir: dir, FlagsFile: flagsFile, Outputs: outputs}
	if _, err := s.git(ctx, nil, "rev-parse", "--git-dir"); err != nil {
		return nil, fmt.Errorf("%s is not a git clone: %w", dir, err)
	}
	if branch == "" {
		branch = s.defaultBranch(ctx)
	}
	if branch == "" {
		return nil, fmt.Errorf("could not tell the flag branch of %s (detached HEAD, no origin/HEAD); set branch: in .github/releasebot.yml", dir)
	}
	s.Branch = branch
	return s, nil
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

// gitError is a failed git invocation with its stderr.
type gitError struct {
	args   []string
	stderr string
	err    error
}

func (e *gitError) Error() string {
	msg := strings.TrimSpace(e.stderr)
	if msg == "" {
		msg = e.err.Error()
	}
	return fmt.Sprintf("git %s: %s", e.args[0], msg)
}

func (e *gitError) Unwrap() error { return e.err }

func (s *Store) git(ctx context.Context, stdin []byte, args ...string) (string, error) {
	return s.gitEnv(ctx, nil, stdin, args...)
}

func (s *Store) gitEnv(ctx context.Context, env []string, stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = s.Dir
	cmd.Env = append(append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C"), append(s.Env, env...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return stdout.String(), &gitError{args: args, stderr: stderr.String(), err: err}
	}
	return stdout.String(), nil
}

// tip returns the commit the flag branch points at.
func (s *Store) tip(ctx context.Context) (string, error) {
	out, err := s.git(ctx, nil, "rev-parse", "--verify", "--quiet", s.ref()+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("the flag branch %s does not exist in %s", s.Branch, s.Dir)
	}
	return strings.TrimSpace(out), nil
}

// checkedOut reports whether HEAD is the flag branch, so the work tree follows it.
// HEAD is read once: a command does not switch branches under itself.
func (s *Store) checkedOut(ctx context.Context) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.headRef == "" {
		out, err := s.git(ctx, nil, "symbolic-ref", "--quiet", "HEAD")
		s.headRef = strings.TrimSpace(out)
		if err != nil || s.headRef == "" {
			s.headRef = "(detached)"
		}
	}
	return s.headRef == s.ref()
}

// Read returns the flag file at the tip. When the branch is checked out and
// the flag file or a render target has uncommitted changes, it returns
// chatops.ErrDirty, naming the files.
func (s *Store) Read(ctx context.Context) (chatops.Snapshot, error) {
	rev, err := s.tip(ctx)
	if err != nil {
		return chatops.Snapshot{}, err
	}
	if s.checkedOut(ctx) {
		if err := s.checkClean(ctx); err != nil {
			return chatops.Snapshot{Rev: rev}, err
		}
	}
	out, err := s.git(ctx, nil, "cat-file", "blob", rev+":"+s.FlagsFile)
	if err != nil {
		if _, lsErr := s.git(ctx, nil, "cat-file", "-e", rev+":"+s.FlagsFile); lsErr != nil {
			return chatops.Snapshot{Rev: rev}, fmt.Errorf("%s at %s: %w", s.FlagsFile, rev[:7], chatops.ErrNoFlagFile)
		}
		return chatops.Snapshot{Rev: rev}, err
	}
	return chatops.Snapshot{Rev: rev, Flags: []byte(out)}, nil
}

func (s *Store) paths() []string {
	return append([]string{s.FlagsFile}, s.Outputs...)
}

func (s *Store) checkClean(ctx context.Context) error {
	args := append([]string{"status", "--porcelain=v1", "--untracked-files=no", "--"}, s.paths()...)
	out, err := s.git(ctx, nil, args...)
	if err != nil {
		return err
	}
	var dirty []string
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if len(line) > 3 {
			dirty = append(dirty, line[3:])
		}
	}
	if len(dirty) > 0 {
		return fmt.Errorf("%w to %s in %s", chatops.ErrDirty, strings.Join(dirty, ", "), s.Dir)
	}
	return nil
}

// Commit builds one commit holding files on top of base and moves the branch
// from base to it with update-ref's old-value check. The work tree, when on the
// branch, is then brought to the new commit for the written files.
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
	if s.checkedOut(ctx) {
		if err := s.syncWorkTree(ctx, paths); err != nil {
			return sha, fmt.Errorf("committed %s, but could not update the work tree (run git checkout -- %s): %w", sha[:7], strings.Join(paths, " "), err)
		}
	}
	return sha, nil
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
// the work tree. It reads the tip anew, so with commits serialised by Lock the
// last writer leaves the newest content.
func (s *Store) syncWorkTree(ctx context.Context, paths []string) error {
	tip, err := s.tip(ctx)
	if err != nil {
		return err
	}
	args := append([]string{"checkout", "--quiet", tip, "--"}, paths...)
	_, err = s.git(ctx, nil, args...)
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
