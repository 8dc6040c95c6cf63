package main

import (
	"cmp"
	"context"
	"time"

	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/failure"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/repository"
)

// commandDeadline bounds one command against GitHub, opening included and rate-limit waits
// included: past it the command fails at once rather than hang.
const commandDeadline = 60 * time.Second

// openGitHub opens repo on GitHub for `cmd --github` with the credentials
// and API host of the environment (GITHUB_TOKEN or the App's, and
// GITHUB_API_URL), as the server does: the configuration comes from the
// repository's default branch unless --config names a local file.
func openGitHub(ctx context.Context, e *env, g *globals, repo string) (*repository.Opened, error) {
	if !repository.ValidRepoName(repo) {
		return nil, failure.New(failure.BadInput, "--github takes OWNER/NAME, e.g. --github acme/web; got %q", repo)
	}
	creds, err := repository.CredentialsFromEnv(e.getenv)
	if err != nil {
		return nil, err
	}
	cc := repository.NewClientCreator(ghstore.ClientOptions{BaseURL: e.getenv("GITHUB_API_URL"), Credentials: creds})
	o := repository.GitHubOptions{Getenv: e.getenv}
	if g.config != "" {
		if o.Config, err = config.Load(g.repo, g.config); err != nil {
			return nil, failure.Wrap(failure.BadInput, err, "%v", err)
		}
		o.ConfigSource = g.config
	}
	return repository.OpenGitHub(ctx, cc, repo, o)
}

// defaultActor is who asks when --as is not given: on GitHub the Actions
// actor, else $USER; locally git's user.name, else $USER.
func defaultActor(ctx context.Context, e *env, g *globals, onGitHub bool) string {
	if onGitHub {
		return cmp.Or(e.getenv("GITHUB_ACTOR"), e.getenv("USER"), "unknown")
	}
	return repository.LocalUser(ctx, g.repo, e.getenv)
}
