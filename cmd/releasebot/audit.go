package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"github.com/spf13/cobra"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/auditcheck"
	"github.com/releasebot/releasebot/internal/gitcli"
	"github.com/releasebot/releasebot/internal/githistory"
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

Environment: GITHUB_TOKEN (or a GitHub App's GITHUB_APP_ID with
GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE), GITHUB_REPOSITORY,
GITHUB_API_URL and GITHUB_SHA for
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
			fileEnvs := auditcheck.FlagFileEnvNames(g.repo, cfg)
			if err := cfg.CheckDefaultEnvironment(fileEnvs); err != nil {
				return fail(exitBadUse, "%v", err)
			}
			if c.Flags().Changed("env") && cfg.Environments[envName] == nil && !slices.Contains(fileEnvs, envName) {
				return fail(exitBadUse, "--env %q is not an environment of %s", envName, auditcheck.KnownEnvironments(cfg, fileEnvs))
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

// auditPlan is the audit of the clone at --repo with the services the
// environment names (auditcheck.PlanFor).
func auditPlan(ctx context.Context, e *env, g *globals, cfg *config.Config, envName, version string) audit.Plan {
	src := auditcheck.FromEnv(e.getenv, cfg)
	return auditcheck.PlanFor(ctx, src, auditcheck.PlanInput{
		Config: cfg, Environment: envName, Version: version, Dir: g.repo,
		Repo: cloneHistory{Repo: &githistory.Repo{Dir: g.repo}},
	})
}

// cloneHistory is the local clone as the audit reads it.
type cloneHistory struct{ *githistory.Repo }

var _ auditcheck.Repository = cloneHistory{}

func (c cloneHistory) Head(ctx context.Context) (string, error) {
	return gitOutput(ctx, c.Dir, "rev-parse", "HEAD")
}

func (c cloneHistory) Tags(ctx context.Context) ([]string, error) {
	out, err := gitOutput(ctx, c.Dir, "tag", "-l")
	return strings.Fields(out), err
}

func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	out, err := gitcli.Runner{Dir: dir}.Output(ctx, args...)
	return strings.TrimSpace(out), err
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
