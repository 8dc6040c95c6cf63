package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"time"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/auditcheck"
	ghstore "github.com/releasebot/releasebot/internal/github"
)

// commandDeadline bounds one command against GitHub, rate-limit waits
// included: past it the command fails at once rather than hang.
const commandDeadline = 60 * time.Second

func init() { runGitHubCommand = runCommandOnGitHub }

var repoNameRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// githubCredentials reads GITHUB_TOKEN, else the App's GITHUB_APP_ID and
// GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE.
func githubCredentials(getenv func(string) string) (ghstore.Credentials, error) {
	if t := getenv("GITHUB_TOKEN"); t != "" {
		return ghstore.Credentials{Token: t}, nil
	}
	if id := getenv("GITHUB_APP_ID"); id != "" {
		appID, err := strconv.ParseInt(id, 10, 64)
		if err != nil || appID <= 0 {
			return ghstore.Credentials{}, fmt.Errorf("GITHUB_APP_ID must be the App's numeric id, got %q", id)
		}
		c := ghstore.Credentials{AppID: appID, PrivateKey: []byte(getenv("GITHUB_APP_PRIVATE_KEY")), PrivateKeyFile: getenv("GITHUB_APP_PRIVATE_KEY_FILE")}
		if len(c.PrivateKey) == 0 && c.PrivateKeyFile == "" {
			return ghstore.Credentials{}, errors.New("GITHUB_APP_ID is set but neither GITHUB_APP_PRIVATE_KEY nor GITHUB_APP_PRIVATE_KEY_FILE is")
		}
		return c, nil
	}
	return ghstore.Credentials{}, errors.New("no GitHub credentials: set GITHUB_TOKEN, or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY_FILE")
}

// runCommandOnGitHub runs one command straight against the repository on
// GitHub through the API, as the server does: the configuration is read
// from the repository (or --config), the flag commit made with the Git Data
// API.
func runCommandOnGitHub(ctx context.Context, e *env, g *globals, repo, text, as, requestID string) error {
	if !repoNameRe.MatchString(repo) {
		return fail(exitBadUse, "--github takes OWNER/NAME, e.g. --github acme/web; got %q", repo)
	}
	ctx, cancel := context.WithTimeout(ctx, commandDeadline)
	defer cancel()
	creds, err := githubCredentials(e.getenv)
	if err != nil {
		return fail(exitBadUse, "%v", err)
	}
	opts := ghstore.ClientOptions{BaseURL: e.getenv("GITHUB_API_URL"), Credentials: creds}
	if creds.AppID != 0 {
		if opts.Credentials.InstallationID, err = ghstore.FindInstallation(ctx, opts, repo); err != nil {
			return fail(exitRemote, "%v", err)
		}
	}
	client, err := ghstore.NewClient(opts)
	if err != nil {
		return fail(exitBadUse, "%v", err)
	}
	// The configuration comes from the repository's default branch unless
	// --config names a local file.
	probe, err := ghstore.NewStore(ctx, client.Client, repo, "", config.Default().FlagsFile)
	if err != nil {
		return fail(exitRemote, "%v", err)
	}
	var cfg *config.Config
	if g.config != "" {
		if cfg, err = config.Load(g.repo, g.config); err != nil {
			return fail(exitBadUse, "%v", err)
		}
	} else {
		data, err := probe.ReadFile(ctx, "", config.DefaultPath)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			cfg = config.Default()
		case err != nil:
			return fail(exitRemote, "%v", err)
		default:
			if cfg, err = config.Parse(fmt.Sprintf("%s@%s:%s", repo, probe.Branch, config.DefaultPath), data); err != nil {
				return fail(exitBadUse, "%v", err)
			}
		}
	}
	store := probe
	if cfg.Branch != "" && cfg.Branch != probe.Branch || cfg.FlagsFile != probe.FlagsFile {
		if store, err = ghstore.NewStore(ctx, client.Client, repo, cmp.Or(cfg.Branch, probe.Branch), cfg.FlagsFile); err != nil {
			return fail(exitRemote, "%v", err)
		}
	}
	if as == "" {
		as = cmp.Or(e.getenv("GITHUB_ACTOR"), cmp.Or(e.getenv("USER"), "unknown"))
	}
	svc := &chatops.Service{Store: store, Config: cfg, Gate: &releaseGate{store: store, cfg: cfg, getenv: e.getenv}}
	reply := svc.Run(ctx, chatops.Request{Text: text, Actor: chatops.Actor{Name: as, ID: as, Via: "cli"}, ID: requestID})
	return printReply(e, reply)
}

// releaseGate runs the canary gates for the repository's latest release,
// which it reads only when a raise asks for it.
type releaseGate struct {
	store  *ghstore.Store
	cfg    *config.Config
	getenv func(string) string
}

func (g *releaseGate) Check(ctx context.Context, req chatops.GateRequest) error {
	tag, err := g.store.LatestTag(ctx)
	if err != nil {
		return err
	}
	return auditcheck.NewGate(g.cfg, tag, g.getenv).Check(ctx, req)
}
