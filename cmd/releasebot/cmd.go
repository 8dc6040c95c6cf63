package main

import (
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/auditcheck"
	"github.com/releasebot/releasebot/internal/githistory"
	"github.com/releasebot/releasebot/internal/localgit"
	"github.com/releasebot/releasebot/internal/prepare"
)

func init() { register(newCmdCommand) }

func newCmdCommand(e *env, g *globals) *cobra.Command {
	var as, requestID, github string
	c := &cobra.Command{
		Use:   `cmd "/canary 50" [--repo DIR | --github OWNER/NAME] [--as NAME] [--request-id ID]`,
		Short: "Run one rollout command against the local clone (or the repository on GitHub) and print the reply",
		Long: `Runs one command — /canary, /rollback, /toggle, /ab_status, /release status,
/help — as the server would. A mutating command becomes one commit of the flag
file and its render targets on the flag branch, with the trailers
Requested-by and Releasebot-Request. Running the same --request-id twice
commits once.

Local mode is unrestricted: it trusts whoever can push to the clone (with
--github, whoever holds the token); authorization.slack and
authorization.github apply to commands from Slack and PR comments.

Commands:
` + indent(chatops.HelpText("")) + `
Raising the canary runs the gates of canary.gates for the target environment
(health, metrics, Sentry issues of the current release tag + release_suffix,
with SENTRY_AUTH_TOKEN, SENTRY_ORG, SENTRY_PROJECT, SENTRY_URL); a failing gate
refuses with its reason unless --force. Lowering and /rollback never run them.

Exit codes: 0 done or nothing to do, 1 refused (policy, gate, authorization,
uncommitted edits to the flag file, a work tree that cannot take the commit),
2 bad input (the command, the configuration or the flag file, a directory that
is not a git clone or has no commits, git missing from PATH), 3 the repository
or a remote failed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			// Bad input is answered before the repository is opened: a text
			// of two lines or 100 KB is refused whatever the clone holds.
			if pr := chatops.Parse(args[0]); pr.Ignore || pr.Error != "" {
				return printReply(e, (&chatops.Service{}).Run(c.Context(), chatops.Request{Text: args[0]}))
			}
			if github != "" {
				return runGitHubCommand(c.Context(), e, g, github, args[0], as, requestID)
			}
			cfg, err := config.Load(g.repo, g.config)
			if err != nil {
				return fail(exitBadUse, "%v", err)
			}
			store, err := openLocalStore(c.Context(), g.repo, cfg)
			if err != nil {
				return fail(exitBadUse, "%v", err)
			}
			if err := checkDefaultEnvironment(c.Context(), store, cfg); err != nil {
				return err
			}
			if as == "" {
				as = localUser(c.Context(), g.repo, e.getenv)
			}
			current, _ := prepare.CurrentRelease(c.Context(), &githistory.Repo{Dir: g.repo}, cfg.TagPrefix, store.Branch)
			svc := &chatops.Service{Store: store, Config: cfg, Gate: auditcheck.NewGate(cfg, current.Name, e.getenv)}
			reply := svc.Run(c.Context(), chatops.Request{
				Text:  args[0],
				Actor: chatops.Actor{Name: as, ID: as, Via: "cli"},
				ID:    requestID,
			})
			return printReply(e, reply)
		},
	}
	c.Flags().StringVar(&as, "as", "", "who is asking, for the Requested-by trailer (default: git user.name)")
	c.Flags().StringVar(&requestID, "request-id", "", "idempotency key: a command with an id already committed is not committed again")
	c.Flags().StringVar(&github, "github", "", "run against OWNER/NAME on GitHub through the API instead of the local clone")
	return c
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

// openLocalStore opens the flag branch of the clone at dir.
func openLocalStore(ctx context.Context, dir string, cfg *config.Config) (*localgit.Store, error) {
	outputs := make([]string, 0, len(cfg.Render))
	for _, r := range cfg.Render {
		outputs = append(outputs, r.Path)
	}
	return localgit.Open(ctx, dir, cfg.Branch, cfg.FlagsFile, outputs)
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
		return fail(exitBadUse, "%v", err)
	}
	return nil
}

// localUser is git's user.name, else $USER.
func localUser(ctx context.Context, dir string, getenv func(string) string) string {
	cmd := exec.CommandContext(ctx, "git", "config", "user.name")
	cmd.Dir = dir
	if out, err := cmd.Output(); err == nil && strings.TrimSpace(string(out)) != "" {
		return strings.TrimSpace(string(out))
	}
	if u := getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// printReply prints a reply rendered for a terminal (the input it echoes
// cannot move the cursor, recolour or clear the screen) and maps its outcome
// to the exit code.
func printReply(e *env, r chatops.Reply) error {
	text := strings.TrimRight(r.Render(chatops.Terminal), "\n")
	switch r.Outcome {
	case chatops.Done, chatops.NoChange:
		fmt.Fprintln(e.stdout, text)
		return nil
	case chatops.Refused:
		return fail(exitRefused, "%s", text)
	case chatops.BadInput:
		return fail(exitBadUse, "%s", text)
	}
	return fail(exitRemote, "%s", text)
}

// runGitHubCommand is filled in by the GitHub store; until then --github says
// so plainly.
var runGitHubCommand = func(ctx context.Context, e *env, g *globals, repo, text, as, requestID string) error {
	return fail(exitBadUse, "--github is not available in this build; run against a local clone with --repo DIR")
}
