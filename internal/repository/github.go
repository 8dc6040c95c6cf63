package repository

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"

	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/failure"
	ghstore "github.com/releasebot/releasebot/internal/github"
)

var repoNameRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// ValidRepoName reports whether s has the form owner/name.
func ValidRepoName(s string) bool { return repoNameRe.MatchString(s) }

// GitHubOptions configure OpenGitHub.
type GitHubOptions struct {
	// ConfigPath is the configuration's path in the repository, read from
	// the default branch (default config.DefaultPath, which may be absent:
	// then the built-in defaults apply; another path must exist).
	ConfigPath string
	// Config, when set, is used instead of reading one from the repository
	// (the CLI's --config names a local file); ConfigSource names it.
	Config       *config.Config
	ConfigSource string
	// Getenv gives the gates their Sentry settings (default: none set).
	Getenv func(string) string
	// InstallationID, when set, is the App installation a webhook named:
	// its client is used without looking the installation up.
	InstallationID int64
}

// OpenGitHub opens repo ("owner/name") on GitHub with a client from cc: it
// reads the configuration from the repository's default branch (its Source
// is "owner/name@branch:path", and a parse error names that source), then
// opens the store on the configured flag branch and flag file, and a gate
// that reads the latest release only when a raise asks for it.
//
// Errors: BadInput for a malformed repo, missing credentials, or a
// configuration that does not parse; Remote when GitHub fails or the App is
// not installed on repo.
func OpenGitHub(ctx context.Context, cc *ClientCreator, repo string, o GitHubOptions) (*Opened, error) {
	if !ValidRepoName(repo) {
		return nil, failure.New(failure.BadInput, "the repository %q is not in the form OWNER/NAME, e.g. acme/web", repo)
	}
	var client *ghstore.Client
	var err error
	if o.InstallationID != 0 {
		client, err = cc.Installation(o.InstallationID)
	} else {
		client, err = cc.ForRepo(ctx, repo)
	}
	if err != nil {
		return nil, err
	}
	probe, err := ghstore.NewStore(ctx, client.Client, repo, "", config.Default().FlagsFile)
	if err != nil {
		return nil, failure.Wrap(failure.Remote, err, "%v", err)
	}
	cfg, source := o.Config, o.ConfigSource
	if cfg == nil {
		if cfg, source, err = readConfig(ctx, probe, repo, o.ConfigPath); err != nil {
			return nil, err
		}
	}
	store := probe
	if cfg.Branch != "" && cfg.Branch != probe.Branch || cfg.FlagsFile != probe.FlagsFile {
		if store, err = ghstore.NewStore(ctx, client.Client, repo, cmp.Or(cfg.Branch, probe.Branch), cfg.FlagsFile); err != nil {
			return nil, failure.Wrap(failure.Remote, err, "%v", err)
		}
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return &Opened{
		Store: store, Config: cfg, Source: source, Repo: repo, Branch: store.Branch,
		Gate: &releaseGate{release: func(ctx context.Context) (string, error) {
			t, err := store.CurrentRelease(ctx, cfg.TagPrefix)
			return t.Name, err
		}, cfg: cfg, getenv: getenv},
	}, nil
}

// readConfig reads the configuration at path (default config.DefaultPath)
// from the default branch the probe store points at.
func readConfig(ctx context.Context, probe *ghstore.Store, repo, path string) (*config.Config, string, error) {
	explicit := path != ""
	if !explicit {
		path = config.DefaultPath
	}
	source := fmt.Sprintf("%s@%s:%s", repo, probe.Branch, path)
	data, err := probe.ReadFile(ctx, "", path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return config.Default(), defaultsSource, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, "", failure.Wrap(failure.BadInput, err, "the configuration %s does not exist; commit it or name another file", source)
	case err != nil && failure.KindOf(err) == failure.BadInput:
		// A configuration committed as a link, a directory or over the
		// limit: the store's refusal already says what to do.
		return nil, "", err
	case err != nil:
		return nil, "", failure.Wrap(failure.Remote, err, "%v", err)
	}
	cfg, err := config.Parse(source, data)
	if err != nil {
		return nil, "", failure.Wrap(failure.BadInput, err, "%v", err)
	}
	return cfg, source, nil
}
