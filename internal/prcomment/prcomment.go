// Package prcomment runs a command commented on a release PR: the Action's
// command mode (action.CommandMode) wired to the shared repository opener,
// the GitHub adapter and the real authorizer. The Action (releasebot action)
// and the server (the GitHub App's issue_comment webhook) both run a comment
// through here, so they are the same code: the same request id
// github-comment:<id>, the same reply marker, one commit and one reply
// whichever of them sees the comment first.
package prcomment

import (
	"context"
	"strings"
	"sync"

	"github.com/releasebot/releasebot/action"
	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/failure"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/repository"
	"github.com/releasebot/releasebot/internal/rolloutlog"
)

// Options say where the comment is and how to reach GitHub.
type Options struct {
	// Clients makes the GitHub client: a token's, or an App's
	// installation's (InstallationID, from the webhook; 0 looks it up).
	Clients        *repository.ClientCreator
	InstallationID int64
	// Repo is "owner/name"; DefaultBranch the event's
	// repository.default_branch (saves a request when set).
	Repo, DefaultBranch string
	// ConfigPath is the configuration's path ("" for the default).
	ConfigPath string
	// Getenv gives the gates their Sentry settings.
	Getenv func(string) string
	// DeployWorkflow is dispatched after a new flag commit ("" for none).
	DeployWorkflow string
	// Usergroups, when set, resolves authorization.slack.usergroups (the
	// server's); nil for the Action.
	Usergroups chatops.UsergroupLookup
}

// Prepared is a comment's command mode, ready to run, and the GitHub
// adapter it answers through.
type Prepared struct {
	Mode   *action.CommandMode
	GitHub *ghstore.Action
	// Branch is the flag branch commits go to.
	Branch string
}

// Prepare builds the command mode of mode (ModeCommand, from
// action.SelectMode). When the repository cannot be opened for it (its
// configuration does not parse, GitHub fails), the comment is still
// answered — 😕 and one reply with the sentence, found by its marker on a
// redelivery — and the error is returned; when not even a client can be
// made, nothing is answered.
func Prepare(ctx context.Context, o Options, mode action.Mode) (*Prepared, error) {
	var client *ghstore.Client
	var err error
	if o.InstallationID != 0 {
		client, err = o.Clients.Installation(o.InstallationID)
	} else {
		client, err = o.Clients.ForRepo(ctx, o.Repo)
	}
	if err != nil {
		return nil, err
	}
	gh, err := ghstore.NewAction(client.Client, o.Repo)
	if err != nil {
		return nil, err
	}
	perms, err := ghstore.NewPermissions(client.Client, o.Repo)
	if err != nil {
		return nil, Answer(ctx, gh, mode, err)
	}
	// A command that changes something needs the commenter's permission:
	// it is read alongside the repository's opening, off the critical
	// path, and the authorizer finds it in the lookup's cache.
	var warmed sync.WaitGroup
	if c := mode.Parse.Command; c != nil && c.Name.Mutating() {
		warmed.Add(1)
		go func() {
			defer warmed.Done()
			_, _ = perms.Permission(ctx, mode.Commenter)
		}()
	}
	opened, err := repository.OpenGitHub(ctx, o.Clients, o.Repo, repository.GitHubOptions{
		ConfigPath: o.ConfigPath, Getenv: o.Getenv, DefaultBranch: o.DefaultBranch, InstallationID: o.InstallationID,
	})
	warmed.Wait()
	if err != nil {
		return nil, Answer(ctx, gh, mode, err)
	}
	auth, err := chatops.NewAuthorization(opened.Config, o.Repo, perms, o.Usergroups)
	if err != nil {
		return nil, Answer(ctx, gh, mode, failure.Wrap(failure.BadInput, err, "%v", err))
	}
	svc := opened.Service()
	svc.Authorizer = auth
	server := "https://github.com"
	if o.Getenv != nil && o.Getenv("GITHUB_SERVER_URL") != "" {
		server = strings.TrimSuffix(o.Getenv("GITHUB_SERVER_URL"), "/")
	}
	log := &rolloutlog.Log{Releases: gh, History: opened.Store, FlagsFile: opened.Config.FlagsFile, RepoURL: server + "/" + o.Repo, Env: opened.Config.DefaultEnvironment}
	svc.Release = log.Page
	return &Prepared{
		Mode: &action.CommandMode{
			GitHub: gh, Service: svc, Mode: mode,
			DeployWorkflow: o.DeployWorkflow, FlagsBranch: opened.Branch,
			RolloutLog: log,
		},
		GitHub: gh, Branch: opened.Branch,
	}, nil
}

// Answer tells the commenter that their command could not run: 😕 and one
// reply with the one sentence of err (its request id when unexpected),
// unless an earlier run replied already. It returns err.
func Answer(ctx context.Context, gh action.GitHub, mode action.Mode, err error) error {
	msg := failure.Message(err, mode.RequestID)
	_ = gh.React(ctx, mode.CommentID, "confused")
	marker := action.ReplyMarker(mode.RequestID)
	if url, ferr := gh.FindComment(ctx, mode.PRNumber, marker); ferr == nil && url == "" {
		_, _ = gh.Comment(ctx, mode.PRNumber, "releasebot could not run this: "+msg+"\n\n"+marker+"\n")
	}
	return err
}
