package auditcheck

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/prepare"
	"github.com/releasebot/releasebot/internal/repofile"
	"github.com/releasebot/releasebot/releasenotes"
)

// Repository is the history an audit reads: a local clone now, the API
// later.
type Repository interface {
	// History is the range since the last release tag.
	History(ctx context.Context, o releasenotes.RangeOptions) (*releasenotes.History, error)
	// ReadFile reads path at the revision rev.
	ReadFile(ctx context.Context, rev, path string) ([]byte, error)
	// Head is the commit checked out.
	Head(ctx context.Context) (string, error)
	// Tags are every tag's name.
	Tags(ctx context.Context) ([]string, error)
}

// PlanInput is what an audit is of.
type PlanInput struct {
	Config *config.Config
	// Environment is the audited one ("" means audit.DefaultAuditEnvironment).
	Environment string
	// Version is the release's; "" means the next one the commits call for.
	Version string
	// Dir is the work tree whose flag file is judged.
	Dir  string
	Repo Repository
}

// PlanFor gathers the audit's inputs: the release commit (GITHUB_SHA, else
// HEAD), the history and release notes since the last tag, the tags, and
// the flag file of the work tree beside the one at the last tag. What
// cannot be gathered becomes a skip or a fail with the reason, so the audit
// always runs; src asks the outside services.
func PlanFor(ctx context.Context, src Sources, in PlanInput) audit.Plan {
	cfg, version := in.Config, in.Version
	envName := cmp.Or(in.Environment, audit.DefaultAuditEnvironment)
	p := audit.Plan{
		Config:      cfg,
		Environment: envName,
		Probes:      src,
		Version:     audit.VersionCheck{Next: version, TagPrefix: cfg.TagPrefix},
	}
	if src.Getenv != nil {
		p.Commit = src.Getenv("GITHUB_SHA")
	}
	if p.Commit == "" {
		p.Commit, _ = in.Repo.Head(ctx)
	}
	var previous string
	h, err := in.Repo.History(ctx, releasenotes.RangeOptions{TagPrefix: cfg.TagPrefix})
	if err != nil {
		why := fmt.Sprintf("could not read the history of %s: %v", in.Dir, err)
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
		tags, err := in.Repo.Tags(ctx)
		if err != nil {
			p.Version.Next, p.Version.Missing = "", fmt.Sprintf("could not list the tags of %s: %v", in.Dir, err)
		} else {
			p.Version.Tags = tags
		}
	}

	stageEnv, prodEnv := envName, cfg.DefaultEnvironment
	flagEnvs, why, broken := ReadFlagEnvs(ctx, in.Repo, in.Dir, cfg, previous)
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

// ReadFlagEnvs reads the flag file of the work tree dir. A flag is new when
// the flag file at the last tag does not name it. why is set when there is
// no flag file, broken when it cannot be read or does not parse.
func ReadFlagEnvs(ctx context.Context, repo Repository, dir string, cfg *config.Config, lastTag string) (envs map[string]*audit.FlagEnv, why, broken string) {
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
	if prev := prepare.FlagFileAt(ctx, repo, lastTag, cfg.FlagsFile); prev != nil {
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

// FlagFileEnvNames lists the environments of the work tree's flag file, or
// none when it is missing or does not parse (the flags checks say so).
func FlagFileEnvNames(dir string, cfg *config.Config) []string {
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

// KnownEnvironments names where environments come from and lists them:
// "built-in defaults or .release/flags.yaml; use one of prod, stage".
func KnownEnvironments(cfg *config.Config, fileEnvs []string) string {
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
