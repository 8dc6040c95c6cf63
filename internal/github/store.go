package github

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	gh "github.com/google/go-github/v62/github"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Store is the flag branch of a repository on GitHub, read and written
// through the Git Data API. A commit is one tree (files inlined), one commit
// on top of the base, and a ref update with force: false, so the branch
// moves once or not at all; GitHub refusing the update as not a fast forward
// is chatops.ErrConflict. The zero values of the optional fields are the
// defaults.
//
// On the happy path a command costs 5 or 6 requests in 4 round trips:
// ReadTip's commits list (the tip, its tree and the request window) and flag
// file, sent together; then the tree, with the check of the flag file beside
// it when the tip is not the store's own last commit (see ReadTip); the
// commit; the ref update.
type Store struct {
	Client      *gh.Client
	Owner, Repo string
	Branch      string // the flag branch
	FlagsFile   string // path of the flag file in the repository

	// RequestWindow is how many of the flag branch's newest commits
	// FindRequest reads (default chatops.DefaultRequestWindow), in pages of
	// 100; RequestMaxAge skips commits older than this by committer date
	// (default chatops.DefaultRequestMaxAge).
	RequestWindow int
	RequestMaxAge time.Duration
	// Author, when set, authors and commits the flag commits; by default
	// GitHub uses the authenticated App or user.
	Author *gh.CommitAuthor
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Memory, when set, is shared with the process's other stores (see
	// FlagMemory); by default the store keeps its own.
	Memory *FlagMemory
	// Locks, when set, serialises this process's commands on the flag
	// branch (see BranchLocks); nil locks nothing.
	Locks *BranchLocks

	mu    sync.Mutex
	trees map[string]string // commit → its tree, from listings and our commits
	own   *FlagMemory       // the memory when Memory is nil
	// read is the blob a request's ReadTip read at the branch while it
	// listed a commit as the tip, which Commit verifies unless the memory
	// agrees (see ReadTip).
	read map[readKey]string
	pre  *tipReads // a Prefetch adopted, for the next ReadTip
}

// NewStore returns the Store of repo ("owner/name") on client, with the
// flag file at flagsFile on branch; an empty branch means the repository's
// default branch, which costs one request now. It fails when repo is not
// "owner/name" or the repository cannot be read.
func NewStore(ctx context.Context, client *gh.Client, repo, branch, flagsFile string) (*Store, error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("the repository %q is not in the form owner/name", repo)
	}
	if flagsFile == "" {
		return nil, errors.New("the flag file's path is empty")
	}
	s := &Store{Client: client, Owner: owner, Repo: name, Branch: branch, FlagsFile: strings.TrimPrefix(flagsFile, "/")}
	if branch == "" {
		r, _, err := client.Repositories.Get(ctx, owner, name)
		if err != nil {
			return nil, failed(err, "could not read the repository %s", repo)
		}
		s.Branch = r.GetDefaultBranch()
	}
	return s, nil
}

var _ chatops.Store = (*Store)(nil)

func (s *Store) repo() string { return s.Owner + "/" + s.Repo }
func (s *Store) ref() string  { return "refs/heads/" + s.Branch }

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Read returns the tip of the flag branch and the flag file there. A missing
// flag file is chatops.ErrNoFlagFile; one committed as a link, a directory or
// a submodule (a *repofile.Error) or over limits.RepoFile (a
// *limits.TooLargeError) is wrapped with chatops.NotAFile; a missing branch or repository, and
// every failure to reach GitHub, is an error naming what could not be read.
func (s *Store) Read(ctx context.Context) (chatops.Snapshot, error) {
	ref, _, err := s.Client.Git.GetRef(ctx, s.Owner, s.Repo, s.ref())
	if err != nil {
		if status(err) == http.StatusNotFound || status(err) == http.StatusConflict {
			return chatops.Snapshot{}, failed(err, "the flag branch %s does not exist on %s", s.Branch, s.repo())
		}
		return chatops.Snapshot{}, failed(err, "could not read the flag branch %s of %s", s.Branch, s.repo())
	}
	rev := ref.GetObject().GetSHA()
	data, blob, err := s.fileBlob(ctx, rev, s.FlagsFile, "the flag file")
	s.rememberFlags(rev, blob)
	return s.snapshot(rev, data, err)
}

// snapshot is Read's answer for the flag file read at rev: data, or err
// classified as Read documents.
func (s *Store) snapshot(rev string, data []byte, err error) (chatops.Snapshot, error) {
	var refused *repofile.Error
	var tooLarge *limits.TooLargeError
	if errors.As(err, &refused) || errors.As(err, &tooLarge) {
		return chatops.Snapshot{Rev: rev}, chatops.NotAFile(err)
	}
	if err != nil {
		return chatops.Snapshot{Rev: rev}, err
	}
	return chatops.Snapshot{Rev: rev, Flags: data}, nil
}

// file reads path at commit rev with the contents API, falling back to the
// blob for files over the contents API's 1 MB. what names the input in errors
// ("the flag file").
//
// It applies internal/repofile's rule to what the API answers: a symbolic
// link (GitHub answers one with type "symlink", or, when its target is a file
// in the repository, with that file under the target's path), a directory
// (an array of entries), a submodule or anything else but a file is a
// *repofile.Error, and a file over limits.RepoFile (the size the API states)
// is a *limits.TooLargeError, refused before its blob is fetched. A missing
// file is chatops.ErrNoFlagFile.
func (s *Store) file(ctx context.Context, rev, path, what string) ([]byte, error) {
	data, _, err := s.fileBlob(ctx, rev, path, what)
	return data, err
}

// fileBlob is file, and the file's blob id as the contents API states it.
func (s *Store) fileBlob(ctx context.Context, rev, path, what string) ([]byte, string, error) {
	at := revName(rev)
	fc, dc, _, err := s.Client.Repositories.GetContents(ctx, s.Owner, s.Repo, path, &gh.RepositoryContentGetOptions{Ref: rev})
	if err != nil {
		if status(err) == http.StatusNotFound {
			return nil, "", fmt.Errorf("%s at %s on %s: %w", path, at, s.repo(), chatops.ErrNoFlagFile)
		}
		return nil, "", failed(err, "could not read %s at %s on %s", path, at, s.repo())
	}
	name := fmt.Sprintf("%s %s at %s on %s", what, path, at, s.repo())
	if err := checkContent(name, path, fc, dc != nil); err != nil {
		return nil, "", err
	}
	var data []byte
	if fc.GetEncoding() == "none" || (fc.Content == nil && fc.GetSize() > 0) {
		raw, _, err := s.Client.Git.GetBlobRaw(ctx, s.Owner, s.Repo, fc.GetSHA())
		if err != nil {
			return nil, "", failed(err, "could not read %s at %s on %s", path, at, s.repo())
		}
		data = raw
	} else {
		text, err := fc.GetContent()
		if err != nil {
			return nil, "", fmt.Errorf("could not decode %s at %s on %s: %w", path, at, s.repo(), err)
		}
		data = []byte(text)
	}
	// The stated size decided before the fetch; what came is held to the
	// limit too, so a size the API got wrong cannot let a larger file in.
	if int64(len(data)) > limits.RepoFile {
		return nil, "", &limits.TooLargeError{What: name, Size: int64(len(data)), Limit: limits.RepoFile}
	}
	return data, fc.GetSHA(), nil
}

// checkContent is repofile's rule for a contents API answer about path: fc
// for a single entry, isDir when the answer was a directory's entries.
func checkContent(name, path string, fc *gh.RepositoryContent, isDir bool) error {
	switch {
	case isDir:
		return &repofile.Error{What: name, Problem: "is a directory, not a file", Fix: "name the file itself"}
	case fc == nil:
		return &repofile.Error{What: name, Problem: "is not a file", Fix: "commit a regular file in its place"}
	case fc.GetType() == "symlink":
		return &repofile.Error{What: name, Problem: "is a symbolic link in git", Fix: repofile.FixLink}
	case fc.GetType() == "file" && fc.GetPath() != path:
		// GitHub follows a link whose target is a file in the repository and
		// answers with that file, under the target's own path.
		return &repofile.Error{What: name, Problem: "is a symbolic link in git", Fix: repofile.FixLink}
	case fc.GetType() == "submodule":
		return &repofile.Error{What: name, Problem: "is a submodule, not a file", Fix: "commit a regular file in its place"}
	case fc.GetType() != "file":
		return &repofile.Error{What: name, Problem: "is not a file (" + textsafe.Cut(textsafe.OneLine(fc.GetType()), 40) + ")", Fix: "commit a regular file in its place"}
	case int64(fc.GetSize()) > limits.RepoFile:
		return &limits.TooLargeError{What: name, Size: int64(fc.GetSize()), Limit: limits.RepoFile}
	}
	return nil
}

// Commit writes files as one commit on top of base with message (verbatim)
// and moves the flag branch to it with force: false. When the branch no
// longer points at base GitHub refuses the update as not a fast forward,
// or as "Reference cannot be updated" when the branch moves during the
// update: nothing moved, and the error is chatops.ErrConflict. A protected
// flag branch is a failure.Refused naming the two ways out. Objects
// created before a failed update are unreachable and invisible.
func (s *Store) Commit(ctx context.Context, base string, files map[string][]byte, message string) (string, error) {
	if len(files) == 0 {
		return "", errors.New("nothing to commit")
	}
	// Checked while the tree and the commit are made; waited for before the
	// ref moves (see ReadTip).
	wait := s.verify(ctx, base, message)
	baseTree, err := s.treeOf(ctx, base)
	if err != nil {
		_ = wait()
		return "", err
	}
	entries, path, err := treeEntries(ctx, s.Client, s.Owner, s.Repo, files)
	if err != nil {
		_ = wait()
		return "", failed(err, "could not store %s on %s", path, s.repo())
	}
	tree, _, err := s.Client.Git.CreateTree(ctx, s.Owner, s.Repo, baseTree, entries)
	if err != nil {
		return "", failed(err, "could not create the tree on %s", s.repo())
	}
	commit, _, err := s.Client.Git.CreateCommit(ctx, s.Owner, s.Repo, &gh.Commit{
		Message: gh.String(message), Tree: &gh.Tree{SHA: tree.SHA},
		Parents: []*gh.Commit{{SHA: gh.String(base)}}, Author: s.Author, Committer: s.Author,
	}, nil)
	if err != nil {
		return "", failed(err, "could not create the commit on %s", s.repo())
	}
	sha := commit.GetSHA()
	s.remember(sha, tree.GetSHA())
	if err := wait(); err != nil {
		return "", err
	}
	_, _, err = s.Client.Git.UpdateRef(ctx, s.Owner, s.Repo, &gh.Reference{
		Ref: gh.String(s.ref()), Object: &gh.GitObject{SHA: gh.String(sha)},
	}, false)
	if err != nil {
		if isProtected(err) {
			return "", &failure.Error{Kind: failure.Refused, Err: err, Msg: fmt.Sprintf(
				"the flag branch %s of %s is protected, so GitHub refused the flag commit (%s); set flags_branch in .github/releasebot.yml to an unprotected branch the deploy reads, or let the bot's App or token bypass the branch's protection rule",
				s.Branch, s.repo(), describe(err))}
		}
		var er *gh.ErrorResponse
		if errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusUnprocessableEntity {
			switch msg := strings.ToLower(er.Message); {
			// "Reference cannot be updated" is GitHub losing the race inside
			// its own compare-and-swap: the branch moved just as we asked.
			case strings.Contains(msg, "fast forward"), strings.Contains(msg, "reference cannot be updated"):
				return "", fmt.Errorf("%s of %s is no longer at %.7s: %w", s.Branch, s.repo(), base, chatops.ErrConflict)
			case strings.Contains(msg, "reference does not exist"):
				return "", fmt.Errorf("the flag branch %s no longer exists on %s", s.Branch, s.repo())
			}
		}
		return "", failed(err, "could not move %s of %s to the new commit", s.Branch, s.repo())
	}
	if data, ok := files[s.FlagsFile]; ok {
		s.rememberFlags(sha, blobID(data))
	}
	return sha, nil
}

// treeOf returns a commit's tree, from the cache or from GitHub.
func (s *Store) treeOf(ctx context.Context, commit string) (string, error) {
	s.mu.Lock()
	tree, ok := s.trees[commit]
	s.mu.Unlock()
	if ok {
		return tree, nil
	}
	c, _, err := s.Client.Git.GetCommit(ctx, s.Owner, s.Repo, commit)
	if err != nil {
		if status(err) == http.StatusNotFound {
			return "", fmt.Errorf("the base commit %.7s does not exist on %s", commit, s.repo())
		}
		return "", failed(err, "could not read the commit %.7s on %s", commit, s.repo())
	}
	s.remember(commit, c.GetTree().GetSHA())
	return c.GetTree().GetSHA(), nil
}

func (s *Store) remember(commit, tree string) {
	if commit == "" || tree == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.trees == nil || len(s.trees) >= 1024 {
		s.trees = map[string]string{}
	}
	s.trees[commit] = tree
}

// FindRequest looks for a commit carrying "Releasebot-Request: id" in its
// trailers (chatops.HasRequest) among the flag branch's newest RequestWindow
// commits of the last RequestMaxAge: one request when the branch has had at
// most 100 commits in that time.
func (s *Store) FindRequest(ctx context.Context, id string) (chatops.CommitInfo, bool, error) {
	opts, window := s.listOptions()
	return s.scan(ctx, id, opts, window, nil, nil)
}

// scan looks for the request id in the listing of opts, up to window
// commits; first and resp, when resp is not nil, are its first page,
// already read.
func (s *Store) scan(ctx context.Context, id string, opts *gh.CommitsListOptions, window int, first []*gh.RepositoryCommit, resp *gh.Response) (chatops.CommitInfo, bool, error) {
	for page, read := 1, 0; read < window; page++ {
		commits := first
		if page > 1 || resp == nil {
			opts.Page = page
			var err error
			commits, resp, err = s.Client.Repositories.ListCommits(ctx, s.Owner, s.Repo, opts)
			if err != nil {
				return chatops.CommitInfo{}, false, failed(err, "could not list the commits of %s on %s", s.Branch, s.repo())
			}
		}
		for _, c := range commits {
			s.remember(c.GetSHA(), c.GetCommit().GetTree().GetSHA())
			if read++; read > window {
				break
			}
			if chatops.HasRequest(c.GetCommit().GetMessage(), id) {
				return commitInfo(c), true, nil
			}
		}
		if resp.NextPage == 0 || len(commits) == 0 {
			break
		}
	}
	return chatops.CommitInfo{}, false, nil
}

// History returns up to limit commits of the flag branch that touched path,
// newest first.
func (s *Store) History(ctx context.Context, path string, limit int) ([]chatops.CommitInfo, error) {
	if limit <= 0 {
		return nil, nil
	}
	opts := &gh.CommitsListOptions{SHA: s.Branch, Path: path, ListOptions: gh.ListOptions{PerPage: min(limit, 100)}}
	var out []chatops.CommitInfo
	for page := 1; len(out) < limit; page++ {
		opts.Page = page
		commits, resp, err := s.Client.Repositories.ListCommits(ctx, s.Owner, s.Repo, opts)
		if err != nil {
			return nil, failed(err, "could not list the commits of %s touching %s on %s", s.Branch, path, s.repo())
		}
		for _, c := range commits {
			s.remember(c.GetSHA(), c.GetCommit().GetTree().GetSHA())
			if len(out) < limit {
				out = append(out, commitInfo(c))
			}
		}
		if resp.NextPage == 0 {
			break
		}
	}
	return out, nil
}

func commitInfo(c *gh.RepositoryCommit) chatops.CommitInfo {
	info := chatops.CommitInfo{
		SHA: c.GetSHA(), Message: c.GetCommit().GetMessage(),
		Author: c.GetCommit().GetAuthor().GetName(),
		When:   c.GetCommit().GetCommitter().GetDate().Time.UTC(),
	}
	return info
}

// ReadFile reads path at ref (a branch, tag or commit; empty means the flag
// branch). A missing file is an error wrapping fs.ErrNotExist; a link, a
// directory, a submodule or anything else but a file is a *repofile.Error, and
// a file over limits.RepoFile a *limits.TooLargeError, as for the flag file;
// both inside a failure.BadInput, since the repository is at fault.
func (s *Store) ReadFile(ctx context.Context, ref, path string) ([]byte, error) {
	if ref == "" {
		ref = s.Branch
	}
	data, err := s.file(ctx, ref, path, "the file")
	if errors.Is(err, chatops.ErrNoFlagFile) {
		return nil, fmt.Errorf("%s at %s on %s: %w", path, revName(ref), s.repo(), fs.ErrNotExist)
	}
	var refused *repofile.Error
	var tooLarge *limits.TooLargeError
	if errors.As(err, &refused) || errors.As(err, &tooLarge) {
		// What the repository holds is at fault, not GitHub: bad input.
		return nil, failure.Wrap(failure.BadInput, err, "%v", err)
	}
	return data, err
}

// treeEntries are files (path → content) as the entries of a new tree, in
// path order: text inlined (no request per file), anything else stored as
// a blob first. On a failed blob it returns the path it was storing.
func treeEntries(ctx context.Context, c *gh.Client, owner, repo string, files map[string][]byte) ([]*gh.TreeEntry, string, error) {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	entries := make([]*gh.TreeEntry, 0, len(paths))
	for _, p := range paths {
		e := &gh.TreeEntry{Path: gh.String(strings.TrimPrefix(p, "/")), Mode: gh.String("100644"), Type: gh.String("blob")}
		if content := files[p]; utf8.Valid(content) {
			e.Content = gh.String(string(content))
		} else {
			b, _, err := c.Git.CreateBlob(ctx, owner, repo, &gh.Blob{
				Content: gh.String(base64.StdEncoding.EncodeToString(content)), Encoding: gh.String("base64"),
			})
			if err != nil {
				return nil, p, err
			}
			e.SHA = b.SHA
		}
		entries = append(entries, e)
	}
	return entries, "", nil
}
