package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/repository"
)

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
or a remote failed, or releasebot did: then the one line names the request id
(--request-id, or a fresh one) and the cause is in the log (releasebot --help).`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			// Bad input is answered before the repository is opened: a text
			// of two lines or 100 KB is refused whatever the clone holds.
			if pr := chatops.Parse(args[0]); pr.Ignore || pr.Error != "" {
				return printReply(e, (&chatops.Service{}).Run(c.Context(), chatops.Request{Text: args[0]}))
			}
			if requestID != "" {
				e.requestID = requestID
			}
			ctx, cancel := c.Context(), func() {}
			if github != "" {
				ctx, cancel = context.WithTimeout(ctx, commandDeadline)
			}
			defer cancel()
			var opened *repository.Opened
			var err error
			if github != "" {
				opened, err = openGitHub(ctx, e, g, github)
			} else {
				opened, err = repository.OpenLocal(ctx, g.repo, g.config, e.getenv)
			}
			if err != nil {
				return err
			}
			if as == "" {
				as = defaultActor(ctx, e, g, github != "")
			}
			reply := opened.Service().Run(ctx, chatops.Request{
				Text:  args[0],
				Actor: chatops.Actor{Name: as, ID: as, Via: "cli"},
				ID:    e.requestID,
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

// printReply prints a reply rendered for a terminal (the input it echoes
// cannot move the cursor, recolour or clear the screen). A failed reply
// becomes a *failure.Error of its kind, its text the message and its cause
// kept for the log.
func printReply(e *env, r chatops.Reply) error {
	if r.RequestID != "" {
		e.requestID = r.RequestID
	}
	text := strings.TrimRight(r.Render(chatops.Terminal), "\n")
	switch r.Outcome {
	case chatops.Done, chatops.NoChange:
		fmt.Fprintln(e.stdout, text)
		return nil
	}
	kind := r.Kind
	if kind == failure.Internal && r.Outcome != chatops.Failed {
		kind = r.Outcome.Kind() // a reply made without replyFor (a parse error)
	}
	// An internal reply's text is failure.Message's own sentence for the
	// same request id, which run prints again from this error.
	return failure.Wrap(kind, r.Err, "%s", text)
}
