package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/action"
	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/failure"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/repository"
	"github.com/releasebot/releasebot/internal/rolloutlog"
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
	// Every client has a timeout: chat.postMessage and chat.update get 10 s.
	hc := &http.Client{Timeout: 10 * time.Second}
	if s.opts.Transport != nil {
		hc.Transport = s.opts.Transport
	}
	popts := []slack.Option{slack.OptionHTTPClient(hc)}
	if api != "" {
		popts = append(popts, slack.OptionAPIURL(api+"/"))
	}
	poster := slack.New(s.cfg.SlackBotToken, popts...)
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
			gh, err := ghstore.NewAction(client.Client, s.cfg.Repository)
			if err != nil {
				return nil, err
			}
			server := strings.TrimSuffix(cmp.Or(s.cfg.Getenv("GITHUB_SERVER_URL"), "https://github.com"), "/")
			log := &rolloutlog.Log{Releases: gh, History: opened.Store, FlagsFile: opened.Config.FlagsFile, RepoURL: server + "/" + s.cfg.Repository, Env: opened.Config.DefaultEnvironment}
			svc.Release = log.Page
			return &releaseService{Service: svc, gh: client, branch: opened.ReleaseBranch, log: log, s: s}, nil
		},
		Announce: func(ctx context.Context, r slackcmd.Runner, req chatops.Request, reply chatops.Reply) error {
			rs, ok := r.(*releaseService)
			if !ok {
				return nil
			}
			return s.announce(ctx, rs, req, reply, poster)
		},
		Done: func(req chatops.Request, reply chatops.Reply, took time.Duration) {
			name := "invalid"
			if pr := chatops.Parse(req.Text); pr.Command != nil {
				name = pr.Command.Name.String()
			}
			s.metrics.commands.WithLabelValues(name, reply.Outcome.String()).Inc()
			s.metrics.took.WithLabelValues(name, "slack").Observe(took.Seconds())
			if reply.Kind == failure.Internal && reply.Err != nil {
				s.report.failed(failure.Wrap(failure.Internal, reply.Err, "%s failed", name), req.ID, name)
			}
		},
	}
	interactions = &slackcmd.Interactions{SigningSecret: s.cfg.SlackSigningSecret, Slack: poster, Log: s.log}
	return commands, interactions, nil
}

// releaseService is the service of one Slack command and where its
// release's thread is found.
type releaseService struct {
	*chatops.Service
	gh     *ghstore.Client
	branch string          // the release branch
	log    *rolloutlog.Log // the Release's rollout log and PROD section
	s      *Server
}

// Run runs the command, counting its GitHub API calls for /metrics.
func (r *releaseService) Run(ctx context.Context, req chatops.Request) chatops.Reply {
	ctx, counted := ghstore.WithCounter(ctx)
	reply := r.Service.Run(ctx, req)
	name := "invalid"
	if reply.Command != nil {
		name = reply.Command.Name.String()
	}
	r.s.metrics.calls.WithLabelValues(name, "slack").Observe(float64(counted.Load()))
	return reply
}

// announce records a command that committed where the release tells its
// story: the Release's rollout log and PROD section, rebuilt from the flag
// commits, and the release's Slack thread — the checklist message whose
// channel and ts the release PR's hidden marker keeps.
func (s *Server) announce(ctx context.Context, rs *releaseService, req chatops.Request, reply chatops.Reply, poster *slack.Client) error {
	var logErr error
	if rs.log != nil {
		_, logErr = rs.log.Update(ctx)
	}
	return errors.Join(logErr, s.tellThread(ctx, rs, req, reply, poster))
}

func (s *Server) tellThread(ctx context.Context, rs *releaseService, req chatops.Request, reply chatops.Reply, poster *slack.Client) error {
	a, err := ghstore.NewAction(rs.gh.Client, s.cfg.Repository)
	if err != nil {
		return err
	}
	pr, err := a.LatestReleasePR(ctx, action.BotBranchPrefix+rs.branch, rs.branch)
	if err != nil || pr == nil {
		return err
	}
	mk, ok := action.ParseMarker(pr.Body)
	if !ok || mk.Slack == nil || mk.Slack.Channel == "" || mk.Slack.TS == "" {
		return nil
	}
	text := fmt.Sprintf("%s %s: %s", rslack.Mention(req.Actor.ID), rslack.Code(req.Text), reply.Render(chatops.Slack))
	_, _, err = poster.PostMessageContext(ctx, mk.Slack.Channel, slack.MsgOptionTS(mk.Slack.TS), slack.MsgOptionText(text, false), slack.MsgOptionDisableLinkUnfurl())
	return err
}
