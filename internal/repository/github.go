package repository

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"sync"

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
	// DefaultBranch, when set, is the repository's default branch as the
	// caller knows it (an event's repository.default_branch): it saves the
	// request that asks GitHub.
	DefaultBranch string
}

// OpenGitHub opens repo ("owner/name") on GitHub with a client from cc: it
// reads the configuration from the repository's default branch (its Source
// is "owner/name@branch:path", and a parse error names that source), then
// opens the store on the configured flag branch and flag file, and a gate
// that reads the latest release only when a raise asks for it.
//
// It asks for the default branch (unless o.DefaultBranch names it), the
// configuration, and the tip and flag file of the default branch in one
// round trip; the store's first command uses that tip when the flag branch
// is the default branch and the flag file at the default path, and reads
// its own otherwise.
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
	// The default branch (unless the caller knows it), the configuration
	// and the tip of the default branch with the default flag file are
	// independent reads: they go together, and the tip is used when the
	// flag branch turns out to be the default branch.
	cfg, source := o.Config, o.ConfigSource
	defaultBranch := o.DefaultBranch
	var (
		wg       sync.WaitGroup
		repoErr  error
		cfgData  []byte
		cfgErr   error
		pre      *ghstore.Prefetched
		cfgPath  = cmp.Or(o.ConfigPath, config.DefaultPath)
		explicit = o.ConfigPath != ""
	)
	if defaultBranch == "" && (cfg == nil || cfg.FlagBranch("") == "") {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var probe *ghstore.Store
			if probe, repoErr = ghstore.NewStore(ctx, client.Client, repo, "", config.Default().FlagsFile); repoErr == nil {
				defaultBranch = probe.Branch
			}
		}()
	}
	if cfg == nil {
		wg.Add(2)
		go func() {
			defer wg.Done()
			onDefault := &ghstore.Store{Client: client.Client, Owner: owner(repo), Repo: name(repo)}
			cfgData, cfgErr = onDefault.ReadFile(ctx, "", cfgPath)
		}()
		go func() {
			defer wg.Done()
			pre = ghstore.Prefetch(ctx, client.Client, repo, config.Default().FlagsFile)
		}()
	}
	wg.Wait()
	if repoErr != nil {
		return nil, failure.Wrap(failure.Remote, repoErr, "%v", repoErr)
	}
	if cfg == nil {
		if cfg, source, err = parseConfig(repo, defaultBranch, cfgPath, explicit, cfgData, cfgErr); err != nil {
			return nil, err
		}
	}
	store, err := ghstore.NewStore(ctx, client.Client, repo, cfg.FlagBranch(defaultBranch), cfg.FlagsFile)
	if err != nil {
		return nil, failure.Wrap(failure.Remote, err, "%v", err)
	}
	store.Memory = &cc.flags
	store.Locks = &cc.locks
	store.Adopt(pre, defaultBranch)
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return &Opened{
		Store: store, Config: cfg, Source: source, Repo: repo, Branch: store.Branch, ReleaseBranch: cmp.Or(cfg.Branch, defaultBranch),
		Gate: &releaseGate{release: func(ctx context.Context) (string, error) {
			t, err := store.CurrentRelease(ctx, cfg.TagPrefix)
			return t.Name, err
		}, cfg: cfg, getenv: getenv},
	}, nil
}

// parseConfig interprets the read of the configuration at path on the
// default branch: data, or the read's error err. explicit says the path was
// named (then it must exist).
func parseConfig(repo, branch, path string, explicit bool, data []byte, err error) (*config.Config, string, error) {
	source := fmt.Sprintf("%s@%s:%s", repo, branch, path)
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

func owner(repo string) string { o, _, _ := strings.Cut(repo, "/"); return o }
func name(repo string) string  { _, n, _ := strings.Cut(repo, "/"); return n }
