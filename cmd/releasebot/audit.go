package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/spf13/cobra"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
	"github.com/releasebot/releasebot/releasenotes"
)

func newAuditCommand(e *env, g *globals) *cobra.Command {
	var envName, version string
	var asJSON bool
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "audit [--env stage] [--version X.Y.Z] [--json]",
		Short: "Run the self-audit: CI, health, metrics, Sentry, flags, version and notes",
		Long: `Run the self-audit of a release and print it as a Markdown table (or JSON).

Checks, in parallel, each with a timeout: ci (check runs and statuses of the
release commit), health and metrics of the environment (--env, default stage),
sentry (unresolved issues of release vX.Y.Z + the environment's
release_suffix), flags-stage (canary 0, every flag on), flags-prod (canary 0,
new flags off), version (newer than the last tag, tag free) and notes (every
change categorised). A check whose service is not configured is skipped with
the reason, never passed.

--version defaults to the next version the commits since the last tag call for.

Environment: GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL and GITHUB_SHA for
ci; SENTRY_AUTH_TOKEN, SENTRY_URL (default https://sentry.io), SENTRY_ORG and
SENTRY_PROJECT (over the configuration's sentry) for sentry; the variables the
environment's headers name (${VAR}). Header values are never printed.
With GITHUB_STEP_SUMMARY set the table is appended to the step summary.

--env names an environment of the configuration or of the flag file; one the
configuration does not describe has its health, metrics and Sentry checks
skipped with the reason.

Exit codes: 0 every check passed or warned (skips beside them are counted),
1 a check failed, 2 the audit could not run: bad configuration or command
line, a directory that is not a git clone or has no commits, git missing from
PATH, or nothing to audit (every check skipped).`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, err := config.Load(g.repo, g.config)
			if err != nil {
				return fail(exitBadUse, "%v", err)
			}
			fileEnvs := flagFileEnvNames(g.repo, cfg)
			if err := cfg.CheckDefaultEnvironment(fileEnvs); err != nil {
				return fail(exitBadUse, "%v", err)
			}
			if c.Flags().Changed("env") && cfg.Environments[envName] == nil && !slices.Contains(fileEnvs, envName) {
				return fail(exitBadUse, "--env %q is not an environment of %s", envName, knownEnvironments(cfg, fileEnvs))
			}
			if version != "" {
				if _, err := semver.StrictNewVersion(strings.TrimPrefix(strings.TrimPrefix(version, cfg.TagPrefix), "v")); err != nil {
					return fail(exitBadUse, "--version %q is not a semantic version; write it as X.Y.Z, e.g. 1.4.0", version)
				}
			}
			if timeout <= 0 {
				return fail(exitBadUse, "--timeout must be above 0, e.g. 10s")
			}
			ctx := c.Context()
			// An audit of no history has nothing to say about a release: it
			// could not run, rather than pass on skips.
			if err := checkClone(ctx, g); err != nil {
				return err
			}
			plan := auditPlan(ctx, e, g, cfg, envName, version)
			rep := plan.Run(ctx, audit.Runner{Timeout: timeout})
			if asJSON {
				if _, err := e.stdout.Write(rep.JSON()); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(e.stdout, "%s\n\n%s", rep.Headline(), rep.Markdown())
			}
			if path := e.getenv("GITHUB_STEP_SUMMARY"); path != "" {
				if err := appendFile(path, "### "+rep.Headline()+"\n\n"+rep.Markdown()+"\n"); err != nil {
					fmt.Fprintf(e.stderr, "releasebot: could not write the step summary %s: %v\n", path, err)
				}
			}
			if rep.Status == audit.Fail {
				var failed []string
				for _, r := range rep.Checks {
					if r.Status == audit.Fail {
						failed = append(failed, r.Name)
					}
				}
				return fail(exitRefused, "the self-audit failed: %s", strings.Join(failed, ", "))
			}
			if rep.Status == audit.Skip {
				return fail(exitBadUse, "nothing to audit: all %d checks were skipped (the table gives each reason); add environments.%s with health_url and metrics_url to %s, or commit the flag file %s, and run again",
					len(rep.Checks), envName, configPath(g), cfg.FlagsFile)
			}
			return nil
		},
	}
	c.Flags().StringVar(&envName, "env", audit.DefaultAuditEnvironment, "the environment whose health, metrics and Sentry issues are checked")
	c.Flags().StringVar(&version, "version", "", "the version being released (default: the next version from the commits)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a Markdown table")
	c.Flags().DurationVar(&timeout, "timeout", audit.DefaultTimeout, "time allowed to each check")
	return c
}

// knownEnvironments names where environments come from and lists them:
// "built-in defaults or .release/flags.yaml; use one of prod, stage".
func knownEnvironments(cfg *config.Config, fileEnvs []string) string {
	names := slices.Clone(fileEnvs)
	for n := range cfg.Environments {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	from := cfg.Source
	if len(fileEnvs) > 0 || len(cfg.Environments) == 0 {
		from += " or " + cfg.FlagsFile
	}
	if len(names) == 0 {
		return from + ", which define none; add it under environments: in either"
	}
	slices.Sort(names)
	return from + "; use one of " + strings.Join(names, ", ")
}

// flagFileEnvNames lists the environments of the work tree's flag file, or
// none when it is missing or does not parse (the flags checks say so).
func flagFileEnvNames(dir string, cfg *config.Config) []string {
	data, err := repofile.Read(dir, cfg.FlagsFile, "the flag file", limits.RepoFile)
	if err != nil {
		return nil
	}
	f, err := flags.Parse(cfg.FlagsFile, data)
	if err != nil {
		return nil
	}
	return f.EnvNames()
}

// configPath names the configuration file a user would edit.
func configPath(g *globals) string { return cmp.Or(g.config, config.DefaultPath) }

// checkClone returns an exitError when --repo is not the work tree of a git
// clone with a commit checked out: outside one, or in a repository without
// commits, no check about the release can run.
func checkClone(ctx context.Context, g *globals) error {
	out, err := gitOutput(ctx, g.repo, "rev-parse", "--is-bare-repository", "--is-inside-work-tree")
	switch {
	case err != nil && isGitMissing(err):
		return errGitMissing
	case err != nil && strings.Contains(err.Error(), "not a git repository"):
		return fail(exitBadUse, "%s is not a git clone; run releasebot inside one or pass --repo DIR", repoName(g))
	case err != nil && strings.Contains(err.Error(), "dubious ownership"):
		return fail(exitBadUse, "git refuses %s because another user owns it; if you trust it, run git config --global --add safe.directory %s", repoName(g), absDir(g.repo))
	case err != nil:
		return fail(exitBadUse, "git could not open %s (%s); check that it is a readable git clone", repoName(g), gitComplaint(err))
	case strings.HasPrefix(out, "true"):
		return fail(exitBadUse, "%s is a bare repository, which has no work tree for the flag file; run releasebot in a clone of it", repoName(g))
	case !strings.HasSuffix(out, "true"):
		return fail(exitBadUse, "%s is inside a .git directory, not a work tree; run releasebot in the clone's work tree", repoName(g))
	}
	if _, err := gitOutput(ctx, g.repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}"); err == nil {
		return nil
	}
	return noHeadError(ctx, g)
}

// noHeadError explains a HEAD without a commit: a repository with no
// commits at all, or HEAD on a new branch beside others.
func noHeadError(ctx context.Context, g *globals) error {
	list, err := gitOutput(ctx, g.repo, "for-each-ref", "--count=6", "--format=%(refname:short)", "refs/heads/")
	if err != nil && isGitMissing(err) {
		return errGitMissing
	}
	if err != nil {
		return fail(exitBadUse, "could not list the branches of %s (%s); check that it is a readable git clone", repoName(g), gitComplaint(err))
	}
	branches := strings.Fields(list)
	if len(branches) == 0 {
		return fail(exitBadUse, "the repository at %s has no commits yet; commit the flag file first", absDir(g.repo))
	}
	if len(branches) > 5 {
		branches = append(branches[:5], "…")
	}
	head, _ := gitOutput(ctx, g.repo, "symbolic-ref", "--quiet", "--short", "HEAD")
	return fail(exitBadUse, "HEAD of %s is on the branch %s, which has no commits yet; check out the release branch (one of %s) and run again", repoName(g), cmp.Or(head, "(unknown)"), strings.Join(branches, ", "))
}

// gitComplaint is the gist of a gitOutput error for a sentence: git's first
// line without the "git CMD: fatal: " in front.
func gitComplaint(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "git ") {
		msg = rest
	}
	return strings.TrimPrefix(strings.TrimPrefix(msg, "fatal: "), "error: ")
}

// absDir is dir made absolute for a message, or dir when that fails.
func absDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// auditPlan gathers the audit's inputs from the environment, the clone and
// the flag file. What cannot be gathered becomes a skip or a fail with the
// reason, so the audit always runs.
func auditPlan(ctx context.Context, e *env, g *globals, cfg *config.Config, envName, version string) audit.Plan {
	hc := &http.Client{} // each check's context bounds it
	p := audit.Plan{
		Config:      cfg,
		Environment: envName,
		Getenv:      e.getenv,
		HTTPClient:  hc,
		GitHub:      audit.GitHubFromEnv(e.getenv, hc),
		Sentry:      audit.SentryFromEnv(e.getenv, cfg, hc),
		Version:     audit.VersionCheck{Next: version, TagPrefix: cfg.TagPrefix},
	}

	repo := &releasenotes.Repo{Dir: g.repo}
	p.Commit = e.getenv("GITHUB_SHA")
	if p.Commit == "" {
		p.Commit, _ = gitOutput(ctx, g.repo, "rev-parse", "HEAD")
	}
	var previous string
	h, err := repo.History(ctx, releasenotes.RangeOptions{TagPrefix: cfg.TagPrefix})
	if err != nil {
		why := fmt.Sprintf("could not read the history of %s: %v", g.repo, err)
		p.Notes.Missing = why
		if version == "" {
			p.Version.Missing = why
		}
	} else {
		previous = h.Previous.Name
		p.Version.LastTag = previous
		n, err := releasenotes.Build(h, releasenotes.Options{Config: cfg, Version: version})
		switch {
		case err != nil:
			p.Notes.Missing = fmt.Sprintf("could not build the release notes: %v", err)
		default:
			p.Notes.Changes = n.Count()
			for _, en := range n.Uncategorised() {
				p.Notes.Subjects = append(p.Notes.Subjects, en.Description)
			}
			if version == "" {
				if n.Release {
					p.Version.Next = n.Version
				} else {
					p.Version.Missing = fmt.Sprintf("nothing to release since %s: %s; pass --version X.Y.Z to check one", cmp.Or(previous, "the first commit"), n.Decision.Reason)
				}
			}
		}
	}
	if p.Version.Next != "" {
		tags, err := gitOutput(ctx, g.repo, "tag", "-l")
		if err != nil {
			p.Version.Next, p.Version.Missing = "", fmt.Sprintf("could not list the tags of %s: %v", g.repo, err)
		} else {
			p.Version.Tags = strings.Fields(tags)
		}
	}

	stageEnv, prodEnv := envName, cfg.DefaultEnvironment
	flagEnvs, why, broken := readFlagEnvs(ctx, repo, g.repo, cfg, previous)
	switch {
	case broken != "":
		p.StageFlags.Broken, p.ProdFlags.Broken = broken, broken
	case why != "":
		p.StageFlags.Missing, p.ProdFlags.Missing = why, why
	default:
		p.StageFlags.Env, p.ProdFlags.Env = flagEnvs[stageEnv], flagEnvs[prodEnv]
		p.StageFlags.Missing = fmt.Sprintf("no %s environment in %s", stageEnv, cfg.FlagsFile)
		p.ProdFlags.Missing = fmt.Sprintf("no %s environment in %s", prodEnv, cfg.FlagsFile)
	}
	if stageEnv == prodEnv {
		p.StageFlags = audit.StageFlagsCheck{Missing: fmt.Sprintf("the audited environment %s is the production one; stage defaults do not apply", stageEnv)}
	}
	return p
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			return "", fmt.Errorf("git %s: %s", args[0], strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readFlagEnvs reads the flag file of the work tree. A flag is new when the
// flag file at the last tag does not name it. why is set when there is no
// flag file, broken when it does not parse.
func readFlagEnvs(ctx context.Context, repo *releasenotes.Repo, dir string, cfg *config.Config, lastTag string) (envs map[string]*audit.FlagEnv, why, broken string) {
	data, err := repofile.Read(dir, cfg.FlagsFile, "the flag file", limits.RepoFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Sprintf("no flag file %s", cfg.FlagsFile), ""
	}
	if fi, statErr := os.Lstat(filepath.Join(dir, cfg.FlagsFile)); statErr == nil && fi.IsDir() {
		return nil, "", fmt.Sprintf("the flag file %s is a directory; flags_file in %s must name a file", cfg.FlagsFile, config.DefaultPath)
	}
	if err != nil {
		return nil, "", err.Error()
	}
	f, err := flags.Parse(cfg.FlagsFile, data)
	if err != nil {
		return nil, "", err.Error()
	}
	old := map[string]bool{}
	if prev := flagFileAt(ctx, repo, lastTag, cfg.FlagsFile); prev != nil {
		for _, env := range prev.Environments {
			for _, fl := range env.Flags {
				old[fl.Name] = true
			}
		}
	}
	envs = map[string]*audit.FlagEnv{}
	for _, env := range f.Environments {
		fe := &audit.FlagEnv{Name: env.Name, CanaryPercent: env.CanaryPercent}
		for _, fl := range env.Flags {
			fe.Flags = append(fe.Flags, audit.FlagValue{Name: fl.Name, Default: fl.Default, Canary: fl.Canary, Override: fl.Override, New: !old[fl.Name]})
		}
		envs[env.Name] = fe
	}
	return envs, "", ""
}
