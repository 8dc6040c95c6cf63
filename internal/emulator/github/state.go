package githubemu

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v62/github"
)

// repoState is one repository: git data lives in the bare repository, the
// rest (issues, pull requests, comments, releases, checks) in memory.
type repoState struct {
	id            int64
	owner, name   string
	private       bool
	defaultBranch string
	git           *bareRepo
	createdAt     time.Time
	pushedAt      time.Time

	issues     map[int]*issueState // pull requests are issues too
	nextNumber int
	releases   []*releaseState
	labels     map[string]*gh.Label // by lower-case name
	perms      map[string]string    // login → role
	checkRuns  map[string][]*gh.CheckRun
	statuses   map[string][]*gh.RepoStatus
	protected  map[string]bool // branch names (ProtectBranch)
	dispatches []Dispatch
}

func (rs *repoState) fullName() string { return rs.owner + "/" + rs.name }

type issueState struct {
	number    int
	id        int64
	title     string
	body      string
	state     string // open, closed
	user      string
	labels    []string
	created   time.Time
	updated   time.Time
	closed    time.Time
	closedBy  string
	pull      *pullState // nil for an issue that is not a pull request
	nComments int
}

type pullState struct {
	head, base          string // branch names
	headSHA             string // frozen once closed; live from the branch while open
	baseSHA             string // the base branch when the pull request was opened or last merged
	draft               bool
	maintainerCanModify bool
	merged              bool
	mergedAt            time.Time
	mergedBy            string
	mergeCommit         string
	commits             []string // frozen at merge: the commits the pull request brought
}

type commentState struct {
	id        int64
	repo      *repoState
	issue     int
	user      string
	body      string
	created   time.Time
	updated   time.Time
	reactions []*gh.Reaction
}

type releaseState struct {
	id          int64
	tag         string
	target      string
	name        string
	body        string
	draft       bool
	prerelease  bool
	author      string
	created     time.Time
	published   time.Time
	makeLatest  string
	discussions string
}

// webCommitter is GitHub's own identity, the committer of what it commits
// for an App or a merge button.
func webCommitter(when time.Time) signature {
	return signature{Name: "GitHub", Email: "noreply@github.com", When: when}
}

// sigFor is the git identity of a login, with GitHub's noreply address.
func (s *Server) sigFor(login string, when time.Time) signature {
	return signature{Name: login, Email: s.noreplyEmail(login), When: when}
}

func (s *Server) noreplyEmail(login string) string {
	return strconv.FormatInt(s.userID(login), 10) + "+" + login + "@users.noreply.github.com"
}

// loginForEmail maps a noreply address back to its login.
func loginForEmail(email string) string {
	local, ok := strings.CutSuffix(email, "@users.noreply.github.com")
	if !ok {
		return ""
	}
	if _, login, ok := strings.Cut(local, "+"); ok {
		return login
	}
	return local
}

// refResult says how a ref update went.
type refResult int

const (
	refMoved refResult = iota
	refNotFastForward
	refMissing
	refExists
	refRaced // the ref moved between its read and the compare-and-swap
)

// moveRef moves ref (a full name) to newSHA: a fast-forward unless force,
// with git's compare-and-swap so that concurrent updates never interleave.
// create says the ref must not exist yet. It sends a push event on success
// unless pusher is "" (the repository's creation). A ref that moves under
// it is read again; see moveRefOnce for GitHub's ref API, which does not.
func (s *Server) moveRef(ctx context.Context, rs *repoState, ref, newSHA string, force, create bool, pusher string) (old string, res refResult, err error) {
	return s.moveRefN(ctx, rs, ref, newSHA, force, create, pusher, 20)
}

// moveRefOnce is moveRef with one compare-and-swap: a ref that moves between
// its read and its write is refRaced, as GitHub's PATCH /git/refs answers
// 422 "Reference cannot be updated" then instead of looking again.
func (s *Server) moveRefOnce(ctx context.Context, rs *repoState, ref, newSHA string, force bool, pusher string) (old string, res refResult, err error) {
	return s.moveRefN(ctx, rs, ref, newSHA, force, false, pusher, 1)
}

func (s *Server) moveRefN(ctx context.Context, rs *repoState, ref, newSHA string, force, create bool, pusher string, attempts int) (old string, res refResult, err error) {
	for attempt := 0; attempt < attempts; attempt++ {
		cur, ok := rs.git.ref(ctx, ref)
		switch {
		case create && ok:
			return cur, refExists, nil
		case !create && !ok:
			return "", refMissing, nil
		}
		if ri, _ := ctx.Value(ctxKey{}).(*requestInfo); ri != nil && ri.race != nil {
			race := ri.race
			ri.race = nil
			race()
		}
		if ok && !force && cur != newSHA {
			ff, err := rs.git.isAncestor(ctx, cur, newSHA)
			if err != nil {
				return cur, 0, err
			}
			if !ff {
				return cur, refNotFastForward, nil
			}
		}
		err := rs.git.updateRef(ctx, ref, newSHA, cur)
		if errors.Is(err, errRefMoved) {
			continue // another writer won; look again
		}
		if err != nil {
			return cur, 0, err
		}
		if cur != newSHA && pusher != "" {
			s.afterRefMove(rs, ref, cur, newSHA, force, pusher)
		}
		return cur, refMoved, nil
	}
	if attempts == 1 {
		return "", refRaced, nil
	}
	return "", 0, fmt.Errorf("ref %s kept moving", ref)
}

// afterRefMove records the push and tells webhooks and open pull requests;
// after "" is the ref's deletion.
func (s *Server) afterRefMove(rs *repoState, ref, before, after string, forced bool, pusher string) {
	s.mu.Lock()
	rs.pushedAt = s.now()
	var synced []*issueState
	if branch, ok := strings.CutPrefix(ref, "refs/heads/"); ok && after != "" {
		for _, is := range rs.issues {
			if is.pull != nil && is.state == "open" && is.pull.head == branch {
				is.updated = s.now()
				synced = append(synced, is)
			}
		}
	}
	s.mu.Unlock()
	s.sendPush(rs, ref, before, after, forced, pusher)
	for _, is := range synced {
		s.sendPullRequest(rs, is, "synchronize", pusher)
	}
}

// commitFiles writes files as one commit on top of branch's tip (creating
// the branch when absent) as login, retrying when the branch moves under it.
func (s *Server) commitFiles(ctx context.Context, rs *repoState, branch string, files map[string][]byte, message, login string, notify bool) (string, error) {
	pusher := login
	if !notify {
		pusher = ""
	}
	ref := "refs/heads/" + branch
	var edits []treeEdit
	for path, content := range files {
		if content == nil {
			edits = append(edits, treeEdit{Path: path})
			continue
		}
		sha, err := rs.git.writeObject(ctx, "blob", content)
		if err != nil {
			return "", err
		}
		edits = append(edits, treeEdit{Path: path, Mode: "100644", Type: "blob", SHA: sha})
	}
	for attempt := 0; attempt < 20; attempt++ {
		tip, exists := rs.git.ref(ctx, ref)
		from := tip
		if !exists && branch != rs.defaultBranch {
			// A new branch starts where the default branch is, as one pushed
			// from a clone does.
			from, _ = rs.git.ref(ctx, "refs/heads/"+rs.defaultBranch)
		}
		base := ""
		var parents []string
		if from != "" {
			c, err := rs.git.commit(ctx, from)
			if err != nil {
				return "", err
			}
			base, parents = c.Tree, []string{from}
		}
		tree, err := rs.git.buildTree(ctx, base, edits)
		if err != nil {
			return "", err
		}
		when := s.now()
		sha, err := rs.git.writeCommit(ctx, commitObject{
			Tree: tree, Parents: parents, Message: message,
			Author: s.sigFor(login, when), Committer: s.sigFor(login, when),
		})
		if err != nil {
			return "", err
		}
		_, res, err := s.moveRef(ctx, rs, ref, sha, false, !exists, pusher)
		if err != nil {
			return "", err
		}
		if res == refMoved {
			return sha, nil
		}
	}
	return "", fmt.Errorf("githubemu: %s kept moving", ref)
}

// CommitFiles commits files (path → content; nil removes the path) on
// branch of owner/name as login, the way a push by someone else would, and
// returns the new commit. A branch that does not exist yet starts at the
// default branch's tip. It sends a push event.
func (s *Server) CommitFiles(owner, name, branch string, files map[string][]byte, message, login string) (string, error) {
	rs, err := s.repo(owner, name)
	if err != nil {
		return "", err
	}
	if branch == "" {
		branch = rs.defaultBranch
	}
	if login == "" {
		login = owner
	}
	return s.commitFiles(context.Background(), rs, branch, files, message, login, true)
}

// SetRef points a ref (full name, e.g. "refs/heads/main" or
// "refs/tags/v1.0.0") at sha, creating it if needed, as a forced push would.
func (s *Server) SetRef(owner, name, ref, sha string) error {
	rs, err := s.repo(owner, name)
	if err != nil {
		return err
	}
	ctx := context.Background()
	_, exists := rs.git.ref(ctx, ref)
	_, res, err := s.moveRef(ctx, rs, ref, sha, true, !exists, owner)
	if err != nil {
		return err
	}
	if res != refMoved {
		return fmt.Errorf("githubemu: could not set %s", ref)
	}
	return nil
}

// Ref returns the commit a ref (full name) points at.
func (s *Server) Ref(owner, name, ref string) (string, bool) {
	rs, err := s.repo(owner, name)
	if err != nil {
		return "", false
	}
	return rs.git.ref(context.Background(), ref)
}

// FileAt returns path's content at rev (a branch, tag or commit).
func (s *Server) FileAt(owner, name, rev, path string) ([]byte, error) {
	rs, err := s.repo(owner, name)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	commit, ok := rs.git.resolve(ctx, rev, "commit")
	if !ok {
		return nil, fmt.Errorf("githubemu: no commit %s", rev)
	}
	return s.fileAt(ctx, rs, commit, path)
}

// fileAt returns the blob at path in commit.
func (s *Server) fileAt(ctx context.Context, rs *repoState, commit, path string) ([]byte, error) {
	entries, err := rs.git.lsTree(ctx, commit, false, path)
	if err != nil || len(entries) != 1 || entries[0].Type != "blob" {
		return nil, fmt.Errorf("githubemu: no file %s at %s", path, commit)
	}
	o, err := rs.git.readObject(ctx, entries[0].SHA)
	if err != nil {
		return nil, err
	}
	return o.data, nil
}
