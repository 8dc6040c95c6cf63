package repository

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/gitcli"
	"github.com/releasebot/releasebot/internal/githistory"
	"github.com/releasebot/releasebot/internal/localgit"
	"github.com/releasebot/releasebot/internal/prepare"
)

// OpenLocal opens the clone at dir: the configuration configFile (default
// config.DefaultPath in the work tree, which may be absent), the store on
// its flag branch, and the gates for the current release of that branch
// (prepare.CurrentRelease; none yet: the gates run without a release).
//
// Errors are BadInput: a configuration that does not load, a directory that
// is not a clone or has no commits, git missing from PATH (the cause is
// kept, so the caller can tell), or a default_environment that neither the
// flag file nor the configuration defines.
func OpenLocal(ctx context.Context, dir, configFile string, getenv func(string) string) (*Opened, error) {
	cfg, err := config.Load(dir, configFile)
	if err != nil {
		return nil, failure.Wrap(failure.BadInput, err, "%v", err)
	}
	outputs := make([]string, 0, len(cfg.Render))
	for _, r := range cfg.Render {
		outputs = append(outputs, r.Path)
	}
	store, err := localgit.Open(ctx, dir, cfg.FlagBranch(""), cfg.FlagsFile, outputs)
	if err != nil {
		return nil, failure.Wrap(failure.BadInput, err, "%v", err)
	}
	if err := checkDefaultEnvironment(ctx, store, cfg); err != nil {
		return nil, err
	}
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	release := func(ctx context.Context) (string, error) {
		// The release the notes count from (prepare.CurrentRelease); no
		// release tag yet is no release: the gates run without one.
		tag, _ := prepare.CurrentRelease(ctx, &githistory.Repo{Dir: dir}, cfg.TagPrefix, store.Branch)
		return tag.Name, nil
	}
	return &Opened{
		Store: store, Config: cfg, Source: localSource(dir, configFile), Repo: dir, Branch: store.Branch,
		Gate: &releaseGate{release: release, cfg: cfg, getenv: getenv},
	}, nil
}

// localSource names where config.Load found the configuration.
func localSource(dir, configFile string) string {
	if configFile != "" {
		return configFile
	}
	if _, err := os.Lstat(filepath.Join(dir, config.DefaultPath)); errors.Is(err, fs.ErrNotExist) {
		return defaultsSource
	}
	return config.DefaultPath
}

// checkDefaultEnvironment refuses a default_environment that the flag file
// on the flag branch and the configuration both lack, at its line in the
// configuration. A flag file that cannot be read is left to the command,
// which says why.
func checkDefaultEnvironment(ctx context.Context, store *localgit.Store, cfg *config.Config) error {
	snap, err := store.Read(ctx)
	if err != nil {
		return nil
	}
	f, err := flags.Parse(cfg.FlagsFile, snap.Flags)
	if err != nil {
		return nil
	}
	if err := cfg.CheckDefaultEnvironment(f.EnvNames()); err != nil {
		return failure.Wrap(failure.BadInput, err, "%v", err)
	}
	return nil
}

// LocalUser is git's user.name in dir, else $USER, else "unknown": who is
// asking in local mode, for the Requested-by trailer.
func LocalUser(ctx context.Context, dir string, getenv func(string) string) string {
	if name, err := (gitcli.Runner{Dir: dir}).Output(ctx, "config", "user.name"); err == nil && name != "" {
		return name
	}
	if u := getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// git runs git in dir and returns its trimmed output.
