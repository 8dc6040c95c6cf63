package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/gitcli"
	"github.com/releasebot/releasebot/internal/githistory"
	"github.com/releasebot/releasebot/internal/prepare"
	"github.com/releasebot/releasebot/releasenotes"
)

func newNotesCommand(e *env, g *globals) *cobra.Command {
	var in notesInput
	var format string
	c := &cobra.Command{
		Use:   "notes [--from TAG] [--to REV] [--version X.Y.Z] [--format md|json]",
		Short: "Print the release notes for a range (default: the last release tag..HEAD)",
		Long: `Print the release notes for a range of the local clone: by default the commits
after the last release tag (tag_prefix + semantic version) up to HEAD.

The version follows the commits (Conventional Commits): a breaking change bumps
the major version (the minor one before 1.0.0), feat the minor, fix, perf and
revert the patch; a Release-As: x.y.z footer sets it; --version overrides all.
A range with nothing releasable prints why and exits 0.

--format md prints the notes block of the RELEASE_NOTES.md template
(.github/releasebot/RELEASE_NOTES.md.tmpl in the repository overrides it);
--format json prints everything the template sees.

Exit codes: 0 printed (or nothing to release), 2 bad input.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if format != "md" && format != "json" {
				return fail(exitBadUse, "--format %q is not a format; use md or json", format)
			}
			p, err := prepareNotes(c.Context(), e, g, in)
			if err != nil {
				return err
			}
			n := p.Notes
			if !n.Release {
				fmt.Fprintf(e.stderr, "releasebot: no release: %s (%s).\n", n.Decision.Reason, commitsWord(n.Commits))
			}
			if format == "json" {
				out, err := json.MarshalIndent(n, "", "  ")
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(e.stdout, "%s\n", out)
				return err
			}
			if !n.Release {
				return nil
			}
			if err := p.Template.RenderNotes(e.stdout, n); err != nil {
				return fail(exitBadUse, "%v; fix %s", err, p.Template.Source)
			}
			return nil
		},
	}
	c.Flags().StringVar(&in.from, "from", "", "start of the range, exclusive: a tag or revision (default: the last release tag)")
	c.Flags().StringVar(&in.to, "to", "HEAD", "end of the range, inclusive")
	c.Flags().StringVar(&in.version, "version", "", "the version to release, instead of the one the commits call for")
	c.Flags().StringVar(&format, "format", "md", "md or json")
	return c
}

// notesInput is what the command line says about the range.
type notesInput struct {
	from, to, version string
}

// prepareNotes loads the configuration of the clone and runs the prepare
// pipeline over it. Errors are exitErrors that name the input at fault.
func prepareNotes(ctx context.Context, e *env, g *globals, in notesInput) (*prepare.Prepared, error) {
	cfg, err := config.Load(g.repo, g.config)
	if err != nil {
		return nil, fail(exitBadUse, "%v", err)
	}
	repo := &githistory.Repo{Dir: g.repo}
	stop := notesProgress(e.stderr, repo)
	p, err := prepare.Prepare(ctx, repo, prepare.Input{Config: cfg, From: in.from, To: in.to, Version: in.version, Getenv: e.getenv})
	stop()
	var he *prepare.HistoryError
	switch {
	case errors.As(err, &he):
		return nil, historyError(ctx, he.Err, g, repo, in)
	case err != nil:
		return nil, exitFor(err)
	}
	return p, nil
}

// exitFor makes a pipeline's *failure.Error the CLI's exitError, with the
// exit code of its kind; git missing from PATH says so whatever the step.
func exitFor(err error) error {
	var fe *failure.Error
	switch {
	case isGitMissing(err):
		return errGitMissing
	case errors.As(err, &fe):
		return fail(failure.ExitCode(fe), "%s", fe.Msg)
	}
	return err
}

// historyError words a range the clone could not give for the command line:
// it names --from, --to and --repo.
func historyError(ctx context.Context, err error, g *globals, repo *githistory.Repo, in notesInput) error {
	var re *releasenotes.RevisionError
	switch {
	case errors.Is(err, releasenotes.ErrNotRepository):
		return fail(exitBadUse, "%s is not a git clone; run releasebot inside one or pass --repo DIR", repoName(g))
	case errors.As(err, &re) && re.Rev == "HEAD" && in.from == "":
		// The default end of the range: HEAD has no commit yet.
		if _, err := repo.Resolve(ctx, "HEAD"); err != nil {
			return noHeadError(ctx, g)
		}
		return fail(exitBadUse, "--to HEAD is not a commit in %s; pass --to REV", repoName(g))
	case errors.As(err, &re):
		flag := "--to"
		if re.Rev == in.from {
			flag = "--from"
		}
		return fail(exitBadUse, "%s %s is not a commit or tag in %s; list the tags with 'git tag --list' (or fetch them with 'git fetch --tags')", flag, strconv.Quote(re.Rev), repoName(g))
	case gitcli.IsDubiousOwnership(err):
		return fail(exitBadUse, "%s", gitcli.SafeDirectoryHint(repoName(g), absDir(g.repo)))
	case errors.Is(err, releasenotes.ErrShallow):
		return fail(exitBadUse, "in %s, %v", repoName(g), err)
	}
	return fail(exitBadUse, "could not read the history of %s: %v", repoName(g), err)
}

// repoName names --repo in messages.
func repoName(g *globals) string {
	if g.repo == "." || g.repo == "" {
		return "the current directory"
	}
	return g.repo
}

// notesProgress shows the count of commits read on a terminal and nothing
// elsewhere; the returned func clears the line.
func notesProgress(w io.Writer, repo *githistory.Repo) (stop func()) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	shown := false
	repo.Progress = func(n int) {
		shown = true
		fmt.Fprintf(f, "\rreading the history: %d commits", n)
	}
	return func() {
		if shown {
			fmt.Fprint(f, "\r\033[K")
		}
	}
}

func commitsWord(n int) string {
	if n == 1 {
		return "1 commit in the range"
	}
	return fmt.Sprintf("%d commits in the range", n)
}
