// Package prepare is the release's prepare pipeline: from a repository's
// history, flag file, runbook and template to the release notes. It runs
// over a Source, so the CLI runs it over a local clone
// (githistory.Repo) and a surface on the GitHub API can run it over the API.
package prepare

import (
	"context"
	"errors"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/releasenotes"
)

// Source is what the pipeline reads of a repository.
type Source interface {
	// History reads a release's range (see releasenotes.RangeOptions).
	// Errors are releasenotes' ErrShallow, ErrNotRepository and
	// *RevisionError where they apply.
	History(ctx context.Context, o releasenotes.RangeOptions) (*releasenotes.History, error)
	// Resolve returns the commit a revision names; an unknown one is a
	// *releasenotes.RevisionError.
	Resolve(ctx context.Context, rev string) (string, error)
	// LastTag is the current release as of rev: releasenotes.CurrentRelease
	// of the tags reachable from rev.
	LastTag(ctx context.Context, prefix, rev string) (releasenotes.Tag, error)
	// ReadFile returns a committed file at rev, at most limits.RepoFile;
	// a missing one is fs.ErrNotExist, a link or a directory a
	// *repofile.Error.
	ReadFile(ctx context.Context, rev, path string) ([]byte, error)
	// ReadWorkTree returns a file of the checkout the release is prepared
	// in (the runbook, the template), by repofile's rules: inside the
	// repository, no links, at most limits.RepoFile. what names it in
	// errors ("the runbook"). A missing file is fs.ErrNotExist.
	ReadWorkTree(path, what string) ([]byte, error)
	// RemoteURL is the URL of the origin remote, or "".
	RemoteURL(ctx context.Context) string
}

// Input is what the caller says about the release.
type Input struct {
	// Config is the repository's configuration, loaded by the caller from
	// where its surface reads it.
	Config *config.Config
	// From, To and Version are the range and the forced version; empty
	// means the last release tag, HEAD and the version the commits call for.
	From, To, Version string
	// Getenv reads GITHUB_REPOSITORY, GITHUB_SERVER_URL and
	// SOURCE_DATE_EPOCH; nil reads nothing.
	Getenv func(string) string
	// Now is the clock for the release date; nil is time.Now.
	Now func() time.Time
	// PullRequests, when set, attaches GitHub's PR metadata to the
	// history's changes before the notes are built (see
	// attachPullRequests); its failure is a warning in the notes.
	PullRequests PullRequests
}

// Prepared is the notes and where their parts came from.
type Prepared struct {
	Config   *config.Config
	History  *releasenotes.History
	Notes    *releasenotes.Notes
	Template *releasenotes.Template
}

// HistoryError is a range the source could not read; the caller words it
// for its surface (the CLI names its --from and --to flags). It wraps the
// source's error.
type HistoryError struct{ Err error }

func (e *HistoryError) Error() string { return "could not read the history: " + e.Err.Error() }
func (e *HistoryError) Unwrap() error { return e.Err }

// Prepare reads the history, the runbook, the flag file and the template
// of src and builds the notes. A history that cannot be read is a
// *HistoryError; every other error is a *failure.Error of kind BadInput
// whose sentence names the input at fault (its cause is kept, so that git
// missing from PATH can be told apart).
func Prepare(ctx context.Context, src Source, in Input) (*Prepared, error) {
	cfg := in.Config
	h, err := src.History(ctx, releasenotes.RangeOptions{From: in.From, To: in.To, TagPrefix: cfg.TagPrefix})
	if err != nil {
		return nil, &HistoryError{Err: err}
	}
	prWarning := attachPullRequests(ctx, in.PullRequests, h)
	rb, err := loadRunbook(src, cfg)
	if err != nil {
		return nil, err
	}
	states, touched, err := loadFlagStates(ctx, src, cfg, h)
	if err != nil {
		return nil, err
	}
	tmpl, err := loadNotesTemplate(src)
	if err != nil {
		return nil, err
	}
	getenv := in.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	now := in.Now
	if now == nil {
		now = time.Now
	}
	n, err := releasenotes.Build(h, releasenotes.Options{
		Config:       cfg,
		RepoURL:      RepoWebURL(getenv, src.RemoteURL(ctx)),
		Date:         ReleaseDate(getenv, now),
		Version:      in.Version,
		Runbook:      rb,
		Flags:        states,
		FlagsFile:    cfg.FlagsFile,
		TouchedFlags: touched,
	})
	if err != nil {
		return nil, failure.Wrap(failure.BadInput, err, "--version: %v", err)
	}
	if err := checkForcedVersion(ctx, src, in.Version, h, n); err != nil {
		return nil, err
	}
	if prWarning != "" {
		n.Warnings = append(n.Warnings, prWarning)
	}
	return &Prepared{Config: cfg, History: h, Notes: n, Template: tmpl}, nil
}

// checkForcedVersion refuses a forced version that is already released:
// its tag exists (on another commit than the end of the range, or as the
// start of the range), or it is not newer than the release the range
// starts from. The notes of a tagged release printed again (to the tag, or
// a range ending at its commit) are fine.
func checkForcedVersion(ctx context.Context, src Source, version string, h *releasenotes.History, n *releasenotes.Notes) error {
	if version == "" || !n.Release {
		return nil
	}
	sha, err := src.Resolve(ctx, "refs/tags/"+n.Tag)
	if err == nil && h.Target.Name != n.Tag && (sha != h.Head || h.Previous.Name == n.Tag) {
		return failure.New(failure.BadInput, "version %s is already released as tag %s; pass a newer --version or omit it", n.Version, n.Tag)
	}
	if err != nil && !errors.Is(err, releasenotes.ErrUnknownRevision) {
		return failure.Wrap(failure.BadInput, err, "could not look for the tag %s: %v", n.Tag, err)
	}
	v, err := semver.StrictNewVersion(n.Version)
	if err == nil && h.Previous.Version != nil && !v.GreaterThan(h.Previous.Version) {
		return failure.New(failure.BadInput, "version %s is not newer than the last release %s; pass a newer --version or omit it", n.Version, h.Previous.Name)
	}
	return nil
}

// errorf is a BadInput failure whose sentence is format, keeping the first
// error among args as its cause.
func errorf(format string, args ...any) error {
	var cause error
	for _, a := range args {
		if err, ok := a.(error); ok {
			cause = err
			break
		}
	}
	return failure.Wrap(failure.BadInput, cause, format, args...)
}
