package server

import (
	"context"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/failure"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/repository"
	rslack "github.com/releasebot/releasebot/internal/slack"
	"github.com/releasebot/releasebot/internal/slackcmd"
)

// slackEndpoints are the Slack app's routes, built when the Slack
// variables are set: slash commands act on cfg.Repository through the
// App's installation there, authorized by authorization.slack (users and
// user groups, the groups read with the bot token); checklist ticks update
// the message with the bot token.
func (s *Server) slackEndpoints() (commands *slackcmd.Handler, interactions *slackcmd.Interactions, err error) {
	api := strings.TrimSuffix(s.cfg.Getenv("SLACK_API_URL"), "/")
	groups, err := rslack.NewUsergroups(rslack.Options{Token: s.cfg.SlackBotToken, APIURL: api, Transport: s.opts.Transport})
	if err != nil {
		return nil, nil, err
	}
	commands = &slackcmd.Handler{
		SigningSecret: s.cfg.SlackSigningSecret,
		Timeout:       s.opts.CommandTimeout,
		Log:           s.log,
		Service: func(ctx context.Context) (slackcmd.Runner, error) {
			opened, err := repository.OpenGitHub(ctx, s.clients, s.cfg.Repository, repository.GitHubOptions{Getenv: s.cfg.Getenv})
			if err != nil {
				return nil, err
			}
			client, err := s.clients.ForRepo(ctx, s.cfg.Repository)
			if err != nil {
				return nil, err
			}
			perms, err := ghstore.NewPermissions(client.Client, s.cfg.Repository)
			if err != nil {
				return nil, err
			}
			auth, err := chatops.NewAuthorization(opened.Config, s.cfg.Repository, perms, groups)
			if err != nil {
				return nil, err
			}
			svc := opened.Service()
			svc.Authorizer = auth
			return svc, nil
		},
		Done: func(req chatops.Request, reply chatops.Reply, _ time.Duration) {
			name := "invalid"
			if pr := chatops.Parse(req.Text); pr.Command != nil {
				name = pr.Command.Name.String()
			}
			s.metrics.commands.WithLabelValues(name, reply.Outcome.String()).Inc()
			if reply.Kind == failure.Internal && reply.Err != nil {
				s.report.failed(failure.Wrap(failure.Internal, reply.Err, "%s failed", name), req.ID, name)
			}
		},
	}
	opts := []slack.Option{}
	if api != "" {
		opts = append(opts, slack.OptionAPIURL(api+"/"))
	}
	interactions = &slackcmd.Interactions{SigningSecret: s.cfg.SlackSigningSecret, Slack: slack.New(s.cfg.SlackBotToken, opts...), Log: s.log}
	return commands, interactions, nil
}
