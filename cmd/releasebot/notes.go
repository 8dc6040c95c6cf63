package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
	"github.com/releasebot/releasebot/internal/textsafe"
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
			n := p.notes
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
			if err := p.template.RenderNotes(e.stdout, n); err != nil {
				return fail(exitBadUse, "%v; fix %s", err, p.template.Source)
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

// preparedNotes is the notes and where their parts came from.
type preparedNotes struct {
	cfg      *config.Config
	notes    *releasenotes.Notes
	template *releasenotes.Template
}

// prepareNotes reads the configuration, the history, the runbook, the flag
// file and the template of the clone, and builds the notes. Errors are
// exitErrors that name the input at fault.
func prepareNotes(ctx context.Context, e *env, g *globals, in notesInput) (*preparedNotes, error) {
	cfg, err := config.Load(g.repo, g.config)
	if err != nil {
		return nil, fail(exitBadUse, "%v", err)
	}
	repo := &releasenotes.Repo{Dir: g.repo}
	stop := notesProgress(e.stderr, repo)
	h, err := repo.History(ctx, releasenotes.RangeOptions{From: in.from, To: in.to, TagPrefix: cfg.TagPrefix})
	stop()
	if err != nil {
		return nil, historyError(ctx, err, g, in)
	}
	rb, err := loadRunbook(g.repo, cfg)
	if err != nil {
		return nil, err
	}
	states, touched, err := loadFlagStates(ctx, repo, cfg, h)
	if err != nil {
		return nil, err
	}
	tmpl, err := loadNotesTemplate(g.repo)
	if err != nil {
		return nil, err
	}
	n, err := releasenotes.Build(h, releasenotes.Options{
		Config:       cfg,
		RepoURL:      repoWebURL(ctx, e, repo),
		Date:         releaseDate(e),
		Version:      in.version,
		Runbook:      rb,
		Flags:        states,
		FlagsFile:    cfg.FlagsFile,
		TouchedFlags: touched,
	})
	if err != nil {
		return nil, fail(exitBadUse, "--version: %v", err)
	}
	if err := checkForcedVersion(ctx, g, in, h, n); err != nil {
		return nil, err
	}
	return &preparedNotes{cfg: cfg, notes: n, template: tmpl}, nil
}

// checkForcedVersion refuses a --version that is already released: its tag
// exists (on another commit than the end of the range, or as the start of
// the range), or it is not newer than the release the range starts from.
// The notes of a tagged release printed again (--to the tag, or a range
// ending at its commit) are fine.
func checkForcedVersion(ctx context.Context, g *globals, in notesInput, h *releasenotes.History, n *releasenotes.Notes) error {
	if in.version == "" || !n.Release {
		return nil
	}
	sha, err := gitOutput(ctx, g.repo, "rev-parse", "--verify", "--quiet", "refs/tags/"+n.Tag+"^{commit}")
	if err == nil && h.Target.Name != n.Tag && (sha != h.Head || h.Previous.Name == n.Tag) {
		return fail(exitBadUse, "version %s is already released as tag %s; pass a newer --version or omit it", n.Version, n.Tag)
	}
	v, err := semver.StrictNewVersion(n.Version)
	if err == nil && h.Previous.Version != nil && !v.GreaterThan(h.Previous.Version) {
		return fail(exitBadUse, "version %s is not newer than the last release %s; pass a newer --version or omit it", n.Version, h.Previous.Name)
	}
	return nil
}

func historyError(ctx context.Context, err error, g *globals, in notesInput) error {
	var re *releasenotes.RevisionError
	switch {
	case errors.Is(err, releasenotes.ErrNotRepository):
		return fail(exitBadUse, "%s is not a git clone; run releasebot inside one or pass --repo DIR", repoName(g))
	case errors.As(err, &re) && re.Rev == "HEAD" && in.from == "":
		// The default end of the range: HEAD has no commit yet.
		if _, err := gitOutput(ctx, g.repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}"); err != nil {
			return noHeadError(ctx, g)
		}
		return fail(exitBadUse, "--to HEAD is not a commit in %s; pass --to REV", repoName(g))
	case errors.As(err, &re):
		flag := "--to"
		if re.Rev == in.from {
			flag = "--from"
		}
		return fail(exitBadUse, "%s %s is not a commit or tag in %s; list the tags with 'git tag --list' (or fetch them with 'git fetch --tags')", flag, strconv.Quote(re.Rev), repoName(g))
	case strings.Contains(err.Error(), "dubious ownership"):
		return fail(exitBadUse, "git refuses %s because another user owns it; if you trust it, run git config --global --add safe.directory %s", repoName(g), absDir(g.repo))
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

// loadRunbook reads the configured runbook, or gives the built-in one when
// the repository has none.
func loadRunbook(dir string, cfg *config.Config) (*releasenotes.Runbook, error) {
	data, err := repofile.Read(dir, cfg.Runbook, "the runbook", limits.RepoFile)
	if errors.Is(err, fs.ErrNotExist) {
		return releasenotes.BuiltinRunbook(), nil
	}
	if err != nil {
		return nil, fail(exitBadUse, "%v", err)
	}
	rb, err := releasenotes.ParseRunbook(cfg.Runbook, data)
	if err != nil {
		return nil, fail(exitBadUse, "%v", err)
	}
	return rb, nil
}

// loadFlagStates reads the flag file at the end of the range, and the names
// of the flags it changed over the range. A repository without a flag file
// has no flag states.
func loadFlagStates(ctx context.Context, repo *releasenotes.Repo, cfg *config.Config, h *releasenotes.History) ([]releasenotes.FlagState, []string, error) {
	data, err := repo.ReadFile(ctx, h.Head, cfg.FlagsFile)
	if errors.Is(err, fs.ErrNotExist) {
		// git reads a directory (or submodule) at the path as no file: say
		// so, rather than print notes without the flags.
		if kind, err := gitOutput(ctx, repo.Dir, "cat-file", "-t", h.Head+":"+cfg.FlagsFile); err == nil && kind != "blob" {
			return nil, nil, fail(exitBadUse, "the flag file %s is a %s at %.7s; flags_file in %s must name a file", cfg.FlagsFile, map[string]string{"tree": "directory", "commit": "submodule"}[kind], h.Head, config.DefaultPath)
		}
		if err := cfg.CheckDefaultEnvironment(nil); err != nil {
			return nil, nil, fail(exitBadUse, "%v", err)
		}
		return nil, nil, nil
	}
	var refused *repofile.Error
	var tooLarge *limits.TooLargeError
	if errors.As(err, &refused) || errors.As(err, &tooLarge) {
		return nil, nil, fail(exitBadUse, "the flag file %v", err)
	}
	if err != nil {
		return nil, nil, fail(exitBadUse, "could not read the flag file %s: %v", cfg.FlagsFile, err)
	}
	at := fmt.Sprintf("%s at %.7s", cfg.FlagsFile, h.Head)
	f, err := flags.Parse(at, data)
	if err != nil {
		return nil, nil, fail(exitBadUse, "%v; fix the flag file and commit it", err)
	}
	if err := cfg.CheckDefaultEnvironment(f.EnvNames()); err != nil {
		return nil, nil, fail(exitBadUse, "%v", err)
	}
	var states []releasenotes.FlagState
	for _, env := range f.Environments {
		for _, fl := range env.Flags {
			st := releasenotes.FlagState{Name: fl.Name, Env: env.Name, Default: fl.Default, Canary: fl.Canary, CanaryPercent: env.CanaryPercent}
			if fl.Override != nil {
				st.Override = flags.OverrideWord(fl.Override)
			}
			states = append(states, st)
		}
	}
	// Flags the range changed: the flag file's diff from the start of the
	// range. No file at the start means every flag is new.
	var touched []string
	before := &flags.File{}
	if old := flagFileAt(ctx, repo, h.From, cfg.FlagsFile); old != nil {
		before = old
	}
	for _, ch := range flags.Diff(before, f) {
		if ch.Flag != "" {
			touched = append(touched, ch.Flag)
		}
	}
	return states, touched, nil
}

// flagFileAt is the flag file at a revision, or nil when the revision is
// empty or has no flag file that parses: an old, broken flag file does not
// stop a release.
func flagFileAt(ctx context.Context, repo *releasenotes.Repo, rev, path string) *flags.File {
	if rev == "" {
		return nil
	}
	data, err := repo.ReadFile(ctx, rev, path)
	if err != nil {
		return nil
	}
	f, err := flags.Parse(path+" at "+rev, data)
	if err != nil {
		return nil
	}
	return f
}

// loadNotesTemplate reads the repository's template override, if any.
func loadNotesTemplate(dir string) (*releasenotes.Template, error) {
	data, err := repofile.Read(dir, releasenotes.TemplatePath, "the notes template", limits.RepoFile)
	if errors.Is(err, fs.ErrNotExist) {
		return releasenotes.DefaultTemplate(), nil
	}
	if err != nil {
		return nil, fail(exitBadUse, "%v", err)
	}
	t, err := releasenotes.ParseTemplate(releasenotes.TemplatePath, string(data))
	if err != nil {
		// text/template quotes the tokens it trips on: one line, cut.
		return nil, fail(exitBadUse, "%s; fix it or delete it to use the built-in template", textsafe.Cut(textsafe.OneLine(err.Error()), 2*limits.Echo))
	}
	return t, nil
}

// repoWebURL is the repository's address for links: GitHub Actions says it
// (GITHUB_SERVER_URL, GITHUB_REPOSITORY); elsewhere the origin remote, when
// it is a GitHub URL.
func repoWebURL(ctx context.Context, e *env, repo *releasenotes.Repo) string {
	if r := e.getenv("GITHUB_REPOSITORY"); r != "" {
		server := e.getenv("GITHUB_SERVER_URL")
		if server == "" {
			server = "https://github.com"
		}
		return server + "/" + r
	}
	return releasenotes.RepoURLFromRemote(repo.RemoteURL(ctx))
}

// releaseDate is today, or SOURCE_DATE_EPOCH when set so that a rerun gives
// the same file byte for byte.
func releaseDate(e *env) time.Time {
	if s := e.getenv("SOURCE_DATE_EPOCH"); s != "" {
		if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(secs, 0).UTC()
		}
	}
	return time.Now().UTC()
}

// notesProgress shows the count of commits read on a terminal and nothing
// elsewhere; the returned func clears the line.
func notesProgress(w io.Writer, repo *releasenotes.Repo) (stop func()) {
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
