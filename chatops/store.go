package chatops

import (
	"context"
	"errors"
	"time"
)

// The request window: how far back a store looks for a request id. A
// retried Slack command comes within minutes and a redelivered webhook within
// GitHub's 72 hours; the count bounds the cost of a miss on a busy branch
// (on GitHub, three pages of 100 commits). Every store has these defaults,
// so a local clone (the Action) and the API (the App) agree on whether a
// request was done.
const (
	DefaultRequestWindow = 300            // commits, newest first
	DefaultRequestMaxAge = 72 * time.Hour // by committer date
)

// Store is where the flag file and its renders live: the repository. The core
// runs the commit protocol of DESIGN §6 over it (find the request id, read,
// apply, commit with compare-and-swap, re-apply on a lost race), so every
// implementation — a local clone, GitHub's Git Data API — behaves the same.
type Store interface {
	// Read returns the tip of the flag branch and the flag file's content
	// there. A missing flag file is ErrNoFlagFile; local edits that a commit
	// would overwrite are ErrDirty; a work tree that could not take a commit
	// (an untracked file in the way, git's index locked) is ErrBlocked.
	Read(ctx context.Context) (Snapshot, error)

	// FindRequest looks for a commit carrying the trailer
	// "Releasebot-Request: id" (by git's rules, HasRequest) within the
	// request window: the newest DefaultRequestWindow commits of the flag
	// branch that are at most DefaultRequestMaxAge old, unless the store is
	// configured otherwise. It returns found=false, no error, when there is
	// none.
	FindRequest(ctx context.Context, id string) (c CommitInfo, found bool, err error)

	// Commit writes files (path → content) as one commit on top of base with
	// message, and moves the flag branch from base to it. If the branch no
	// longer points at base, nothing moves and the error is ErrConflict;
	// ErrDirty and ErrBlocked also leave everything as it was. With
	// ErrWorkTreeBehind the sha is returned and the branch did move.
	Commit(ctx context.Context, base string, files map[string][]byte, message string) (sha string, err error)

	// History returns up to limit recent commits of the flag branch that
	// touched path, newest first.
	History(ctx context.Context, path string, limit int) ([]CommitInfo, error)
}

// TipReader is implemented by stores that read the tip of the flag branch
// and look for a request id in one go: on GitHub one commits list gives the
// tip, its tree and the history the lookup scans. ReadTip answers what Read
// and FindRequest would: Tip.Snapshot and Tip.ReadErr are Read's answer (its
// errors as Read documents them), Tip.Request and Tip.Found FindRequest's,
// and the error is the lookup's failure. Every call reads afresh: nothing
// is kept from an earlier attempt but what the store verified.
type TipReader interface {
	ReadTip(ctx context.Context, id string) (Tip, error)
}

// Tip is what ReadTip read.
type Tip struct {
	Snapshot Snapshot
	ReadErr  error
	Request  CommitInfo
	Found    bool
}

// Locker is implemented by stores whose commits must be serialised locally,
// such as a shared work tree. The core holds the lock while it reads (the
// request-id lookup and the flag file) and again while it commits, never while
// a gate runs: a gate can hang for its whole timeout, and /rollback must not
// wait for it. Commit's compare-and-swap keeps a raise gated on an older state
// from landing on a newer one.
type Locker interface {
	Lock(ctx context.Context) (unlock func(), err error)
}

// Snapshot is the flag branch at one commit.
type Snapshot struct {
	Rev   string // commit id of the tip that was read
	Flags []byte // the flag file's content at Rev
}

// CommitInfo is one commit as /ab_status and idempotency need it.
type CommitInfo struct {
	SHA     string
	Message string
	Author  string
	When    time.Time
}

// Errors a Store returns; wrap them with %w and context.
var (
	ErrConflict   = errors.New("the flag branch moved")
	ErrNoFlagFile = errors.New("no flag file")
	ErrDirty      = errors.New("uncommitted changes")
	// ErrBlocked is a local work tree that cannot take the commit as it
	// stands (git's index locked, an untracked file or a directory where a
	// file is written, a directory that is not writable). Nothing changed;
	// the error's text names the file and what to do.
	ErrBlocked = errors.New("the work tree cannot take the commit")
	// ErrWorkTreeBehind is returned by Commit with the new commit's sha: the
	// branch moved, but a work tree where it is checked out could not be
	// brought up to it. The command is done; the store's next command
	// brings the work tree up to date.
	ErrWorkTreeBehind = errors.New("the work tree is behind the flag branch")
	// ErrNotAFile marks a flag file the store would not read: committed as a
	// symbolic link, a directory or a submodule, or over the size limit. Wrap
	// the store's own error with NotAFile, whose text stays that error's.
	ErrNotAFile = errors.New("the flag file is not a file releasebot reads")
)

// NotAFile wraps err, a store's refusal to read the flag file, so that
// errors.Is(err, ErrNotAFile) holds while its text (which names the file and
// what is wrong) is unchanged.
func NotAFile(err error) error { return notAFile{err} }

type notAFile struct{ error }

func (e notAFile) Unwrap() []error { return []error{e.error, ErrNotAFile} }

// Gate decides whether the canary may be raised in an environment. It is
// called only for raises without --force; lowering and rollback never call
// it. A refusal is a *GateError with the failing check's reason.
type Gate interface {
	Check(ctx context.Context, req GateRequest) error
}

// GateRequest describes the raise being asked for.
type GateRequest struct {
	Environment string
	From, To    int
}

// GateError is a gate's refusal: which check failed and why, in a form the
// user reads ("health: https://… answered 503").
type GateError struct {
	Check  string
	Reason string
}

func (e *GateError) Error() string { return e.Check + ": " + e.Reason }

// Authorizer decides whether an actor may run a mutating command. A refusal
// is an error whose text tells the user what they lack.
type Authorizer interface {
	Authorize(ctx context.Context, who Actor, cmd Command) error
}

// Actor is who asked, and through which channel.
type Actor struct {
	Name string // shown in Requested-by: a Slack user name, a GitHub login
	ID   string // the channel's stable id (Slack user id, GitHub login)
	Via  string // "slack", "github" or "cli"
}
