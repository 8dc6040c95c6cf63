// Package repository opens a repository for the rollout commands, on GitHub
// through the API or as a local clone: it reads the configuration (keeping
// its source), opens the flag-branch store and builds the canary gate, so
// that the CLI, the Action and the server build a chatops.Service the same
// way. Its errors are *failure.Error.
package repository

import (
	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
)

// Opened is a repository ready for commands.
type Opened struct {
	Store  chatops.Store
	Config *config.Config
	Gate   chatops.Gate
	// Source is where the configuration came from, for messages and logs:
	// "acme/web@main:.github/releasebot.yml", a local path, or "built-in
	// defaults" when the repository has none.
	Source string
	// Repo names the repository: "owner/name", or the clone's directory.
	Repo string
	// Branch is the flag branch the store commits to.
	Branch string
	// ReleaseBranch is the release branch: branch: in the configuration,
	// else the repository's default branch.
	ReleaseBranch string
}

// Service is a chatops.Service over the opened repository, without an
// authorizer: the caller adds the one its surface needs.
func (o *Opened) Service() *chatops.Service {
	return &chatops.Service{Store: o.Store, Config: o.Config, Gate: o.Gate}
}

// defaultsSource is the Source of a configuration that is releasebot's
// built-in defaults.
const defaultsSource = "built-in defaults"
