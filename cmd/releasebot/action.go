package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/releasebot/releasebot/action"
	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/auditcheck"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/githistory"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/prcomment"
	"github.com/releasebot/releasebot/internal/prepare"
	"github.com/releasebot/releasebot/internal/repository"
	"github.com/releasebot/releasebot/internal/sentry"
	rslack "github.com/releasebot/releasebot/internal/slack"
	"github.com/releasebot/releasebot/internal/textsafe"
	"github.com/releasebot/releasebot/internal/workspace"
	"github.com/releasebot/releasebot/releasenotes"
)

// actionDeadline bounds one run of the Action, fetches and API calls
// included; the workflow's own timeout-minutes is the outer bound.
const actionDeadline = 10 * time.Minute

func newActionCommand(e *env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "action",
		Short: "Run as the GitHub Action: prepare, publish, command or noop by the event (the image's entrypoint)",
		Long: `The container Action's entrypoint (action.yml, DESIGN §2). It reads the Actions
runtime contract — the inputs as INPUT_* (hyphens kept: INPUT_GITHUB-TOKEN),
GITHUB_EVENT_NAME and GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_WORKSPACE,
GITHUB_API_URL — and picks the mode by the event:

  push to the release branch that merges the release PR   publish
  any other push to the release branch                    prepare
  a command commented on a release PR                     command
  anything else                                           noop (the reason is logged)

It writes its outputs (mode, version, release-pr, release-url, notes-path,
audit-status, flag-commit) to $GITHUB_OUTPUT and a summary to
$GITHUB_STEP_SUMMARY. With the input dry-run: true it computes the version,
notes and self-audit and writes RELEASE_NOTES.md, and changes nothing remote;
it then needs no token.

Without the inputs' defaults (the image used as docker://…), github-token falls
back to GITHUB_TOKEN. SLACK_API_URL and SENTRY_URL point the Slack and Sentry
clients elsewhere (an emulator, a self-hosted Sentry).

Exit codes: 0 done or nothing to do (non-fatal failures of Slack or Sentry are
warnings), 1 refused (a command refused, a protected branch, fail-on-audit with
a failing check), 2 bad input (the event, the inputs, the configuration, the
checkout), 3 GitHub or releasebot failed.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(c.Context(), actionDeadline)
			defer cancel()
			return runAction(ctx, e)
		},
	}
}

// actionInputs are the Action's inputs (action.yml).
type actionInputs struct {
	token, config                         string
	slackToken, slackChannel              string
	sentryToken, sentryOrg, sentryProject string
	deployWorkflow                        string
	dryRun, failOnAudit                   bool
}

func readInputs(rt *action.Runtime, getenv func(string) string) (actionInputs, error) {
	in := actionInputs{
		token:          rt.SecretInput("github-token"),
		config:         rt.Input("config"),
		slackToken:     rt.SecretInput("slack-bot-token"),
		slackChannel:   rt.Input("slack-channel"),
		sentryToken:    rt.SecretInput("sentry-auth-token"),
		sentryOrg:      rt.Input("sentry-org"),
		sentryProject:  rt.Input("sentry-project"),
		deployWorkflow: rt.Input("deploy-workflow"),
	}
	if in.token == "" {
		// docker://… gets no action.yml defaults; the job's token is still
		// there when the workflow passes it as env.
		in.token = getenv("GITHUB_TOKEN")
		rt.AddMask(in.token)
	}
	var err error
	if in.dryRun, err = rt.BoolInput("dry-run", false); err != nil {
		return in, err
	}
	if in.failOnAudit, err = rt.BoolInput("fail-on-audit", false); err != nil {
		return in, err
	}
	if in.deployWorkflow != "" && !workflowFile.MatchString(in.deployWorkflow) {
		return in, failure.New(failure.BadInput, "the input deploy-workflow is %q; give the workflow's file name under .github/workflows, e.g. deploy.yml", textsafe.Cut(textsafe.OneLine(in.deployWorkflow), 80))
	}
	if c := in.config; c != "" && (path.IsAbs(c) || strings.ContainsAny(c, "\\\x00\n\r") || slices.Contains(strings.Split(c, "/"), "..")) {
		return in, failure.New(failure.BadInput, "the input config is %q; give a path inside the repository, e.g. .github/releasebot.yml", textsafe.Cut(textsafe.OneLine(c), 80))
	}
	return in, nil
}

// workflowFile is a workflow's file name under .github/workflows.
var workflowFile = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.ya?ml$`)

// configFile is the config input as config.Load takes it: "" for the
// default path, which may be absent.
func (in actionInputs) configFile() string {
	if in.config == config.DefaultPath {
		return ""
	}
	return in.config
}

// actionRun is one run of the Action.
type actionRun struct {
	e   *env
	rt  *action.Runtime
	cx  action.Context
	ev  action.Event
	in  actionInputs
	gh  *ghstore.Action // nil in a dry run without a token
	cli *ghstore.Client
}

func runAction(ctx context.Context, e *env) error {
	rt := &action.Runtime{Getenv: e.getenv, Stdout: e.stdout}
	fatal := func(what string, err error) error {
		rt.Error(failure.Message(err, e.requestID), action.Props{Title: "releasebot: " + what})
		return silent(err)
	}
	cx, err := rt.Context()
	if err != nil {
		return fatal("the Actions environment", err)
	}
	in, err := readInputs(rt, e.getenv)
	if err != nil {
		return fatal("inputs", err)
	}
	ev, err := action.ReadEvent(cx.EventName, cx.EventPath)
	if err != nil {
		return fatal("event", err)
	}
	r := &actionRun{e: e, rt: rt, cx: cx, ev: ev, in: in}
	switch {
	case in.token != "":
		r.cli, err = ghstore.NewClient(ghstore.ClientOptions{BaseURL: cx.APIURL, Credentials: ghstore.Credentials{Token: in.token}})
		if err == nil {
			r.gh, err = ghstore.NewAction(r.cli.Client, cx.Repository)
		}
		if err != nil {
			return fatal("inputs", failure.Wrap(failure.BadInput, err, "could not make a GitHub client for %s at GITHUB_API_URL: %v", cx.Repository, err))
		}
	case !in.dryRun:
		return fatal("inputs", failure.New(failure.BadInput, "no GitHub token: set the input github-token (its default is ${{ github.token }}) or GITHUB_TOKEN, or dry-run: true to change nothing remote"))
	}
	return r.run(ctx)
}

func (r *actionRun) run(ctx context.Context) error {
	var cfg *config.Config
	var checkout *workspace.Checkout
	branch := ""
	if r.ev.Push != nil {
		// A push works on the checkout: its configuration names the
		// release branch.
		checkout = workspace.Open(r.cx.Workspace, nil)
		var err error
		if cfg, err = config.Load(checkout.Dir, r.in.configFile()); err != nil {
			return r.fatal("configuration", failure.Wrap(failure.BadInput, err, "%v", err))
		}
		branch = cmp.Or(cfg.Branch, r.ev.Push.Repository.DefaultBranch, "main")
	}
	var pulls action.PullLookup = noPulls{}
	if r.gh != nil {
		pulls = r.gh
	}
	mode, err := action.SelectMode(ctx, r.ev, branch, pulls)
	if err != nil {
		return r.fatal("choosing the mode", err)
	}
	r.rt.Log(fmt.Sprintf("releasebot %s: mode %s: %s", version, mode.Name, mode.Reason))
	switch mode.Name {
	case action.ModePrepare, action.ModePublish:
		if err := checkout.Prepare(ctx, r.rt.Log); err != nil {
			return r.fatal("fetching the history", err)
		}
		if mode.Name == action.ModePrepare {
			return r.prepare(ctx, cfg, checkout, branch, mode)
		}
		return r.publish(ctx, cfg, checkout, branch, mode)
	case action.ModeCommand:
		return r.command(ctx, mode)
	}
	if err := r.rt.SetOutput("mode", string(action.ModeNoop)); err != nil {
		return err
	}
	return r.summary("## releasebot: nothing to do\n\n"+mode.Reason+"\n", "")
}

// fatal annotates err as the run's error and returns it, silent for run.
func (r *actionRun) fatal(what string, err error) error {
	r.rt.Error(failure.Message(err, r.e.requestID), action.Props{Title: "releasebot: " + what})
	return silent(err)
}

// noPulls is the pulls lookup of a dry run without a token: no push is a
// release PR's merge, so a push to the release branch prepares.
type noPulls struct{}

func (noPulls) PullsForCommit(context.Context, string) ([]action.PR, error) { return nil, nil }

// notesAt builds the notes of the checkout up to to (a forced version when
// set), with GitHub's PR metadata when there is a token, runs the
// self-audit into them, and renders RELEASE_NOTES.md.
func (r *actionRun) notesAt(ctx context.Context, cfg *config.Config, checkout *workspace.Checkout, branch, to, forced string) (*releasenotes.Notes, string, error) {
	src := &githistory.Repo{Dir: checkout.Dir, Env: checkout.Env}
	in := prepare.Input{Config: cfg, To: to, Version: forced, Getenv: r.e.getenv}
	if r.gh != nil {
		in.PullRequests = func(ctx context.Context, h *releasenotes.History) (map[int]releasenotes.PullRequest, map[string]int, error) {
			return r.gh.MergedPullRequests(ctx, branch, h, r.tagDate(ctx, checkout, h.Previous.Name))
		}
	}
	p, err := prepare.Prepare(ctx, src, in)
	var he *prepare.HistoryError
	switch {
	case errors.As(err, &he):
		return nil, "", failure.Wrap(failure.BadInput, err, "could not read the history of the checkout %s: %v", checkout.Dir, he.Err)
	case err != nil:
		return nil, "", err
	}
	n := p.Notes
	if n.Release {
		plan := auditcheck.PlanFor(ctx, auditcheck.FromEnv(r.auditEnv, cfg), auditcheck.PlanInput{
			Config: cfg, Environment: audit.DefaultAuditEnvironment, Version: n.Version, Dir: checkout.Dir,
			Repo: cloneHistory{Repo: src},
		})
		n.Audit = plan.Run(ctx, audit.Runner{}).NotesTable()
	}
	var b strings.Builder
	if err := p.Template.Render(&b, n); err != nil {
		return nil, "", failure.Wrap(failure.BadInput, err, "%v; fix %s", err, p.Template.Source)
	}
	return n, b.String(), nil
}

// auditEnv is the environment the self-audit reads: the Sentry inputs stand
// in for SENTRY_AUTH_TOKEN, SENTRY_ORG and SENTRY_PROJECT.
func (r *actionRun) auditEnv(key string) string {
	switch key {
	case "SENTRY_AUTH_TOKEN":
		return cmp.Or(r.in.sentryToken, r.e.getenv(key))
	case "SENTRY_ORG":
		return cmp.Or(r.in.sentryOrg, r.e.getenv(key))
	case "SENTRY_PROJECT":
		return cmp.Or(r.in.sentryProject, r.e.getenv(key))
	case "GITHUB_TOKEN":
		return cmp.Or(r.in.token, r.e.getenv(key))
	}
	return r.e.getenv(key)
}

// tagDate is when tag was made, zero when there is none or git cannot say:
// the merged-PR lookup then pages until it finds every PR the history names.
func (r *actionRun) tagDate(ctx context.Context, checkout *workspace.Checkout, tag string) time.Time {
	if tag == "" {
		return time.Time{}
	}
	out, err := checkout.Runner().Output(ctx, "log", "-1", "--format=%cI", "refs/tags/"+tag, "--")
	if err != nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(out))
	if err != nil {
		return time.Time{}
	}
	return t
}

// tagExists reports whether the checkout has tag (Prepare fetched them).
func (r *actionRun) tagExists(ctx context.Context, checkout *workspace.Checkout, tag string) bool {
	_, err := checkout.Runner().Output(ctx, "rev-parse", "--verify", "--quiet", "refs/tags/"+tag)
	return err == nil
}

func (r *actionRun) slack(cfg *config.Config) (action.Slack, string, error) {
	channel := r.in.slackChannel
	if channel == "" && cfg != nil {
		channel = cfg.Slack.Channel
	}
	if r.in.slackToken == "" {
		return nil, channel, nil
	}
	p, err := rslack.NewPoster(rslack.Options{Token: r.in.slackToken, APIURL: r.e.getenv("SLACK_API_URL")})
	if err != nil {
		return nil, "", failure.Wrap(failure.BadInput, err, "%v", err)
	}
	return p, channel, nil
}

func (r *actionRun) sentry(cfg *config.Config) (action.Sentry, error) {
	if r.in.sentryToken == "" {
		return nil, nil
	}
	org := cmp.Or(r.in.sentryOrg, cfg.Sentry.Org)
	project := cmp.Or(r.in.sentryProject, cfg.Sentry.Project)
	if org == "" || project == "" {
		return nil, failure.New(failure.BadInput, "sentry-auth-token is set but the Sentry organization or project is not; set the inputs sentry-org and sentry-project, or sentry: {org, project} in the configuration")
	}
	c, err := sentry.New(r.e.getenv("SENTRY_URL"), r.in.sentryToken)
	if err != nil {
		return nil, failure.Wrap(failure.BadInput, err, "%v; fix SENTRY_URL", err)
	}
	return &sentry.Publisher{Client: c, Org: org, Project: project}, nil
}

func (r *actionRun) repoURL() string {
	return cmp.Or(r.cx.ServerURL, "https://github.com") + "/" + r.cx.Repository
}

func (r *actionRun) runner() *action.Runner {
	id := r.e.requestID
	if r.cx.RunID != "" {
		id = "run " + r.cx.RunID
	}
	return &action.Runner{RT: r.rt, RequestID: id}
}

func (r *actionRun) prepare(ctx context.Context, cfg *config.Config, checkout *workspace.Checkout, branch string, mode action.Mode) error {
	slk, channel, err := r.slack(cfg)
	if err != nil {
		return r.fatal("inputs", err)
	}
	m := &action.PrepareMode{
		Slack: slk, SlackChannel: channel, Branch: branch, HeadSHA: mode.SHA,
		Workspace: checkout.Dir, RepoURL: r.repoURL(), DryRun: r.in.dryRun || r.gh == nil,
	}
	if r.gh != nil {
		m.GitHub = r.gh
	}
	var notes *releasenotes.Notes
	var markdown string
	m.Notes = func(ctx context.Context) (*releasenotes.Notes, string, error) {
		var err error
		notes, markdown, err = r.notesAt(ctx, cfg, checkout, branch, "HEAD", "")
		return notes, markdown, err
	}
	res := r.runner().Run(ctx, m.Steps())
	out := m.Outputs()
	if notes != nil && notes.Audit.Ran() {
		out["audit-status"] = string(notes.Audit.Status())
	}
	if err := r.outputs(out); err != nil {
		return err
	}
	head := "## releasebot: prepare"
	switch {
	case m.Noop():
		head = "## releasebot: nothing to release"
	case notes != nil:
		head += " " + notes.Tag
	}
	if m.DryRun {
		head += " (dry run: nothing written to GitHub or Slack)"
	}
	if err := r.summary(stepsSummary(head, res)+"\n"+markdown, r.repoURL()+"/blob/"+action.BotBranchPrefix+branch+"/RELEASE_NOTES.md"); err != nil {
		r.rt.Warning(failure.Message(err, r.e.requestID), action.Props{Title: "releasebot: step summary"})
	}
	if res.Err != nil {
		return silent(res.Err)
	}
	if r.in.failOnAudit && notes != nil && notes.Audit.Status() == releasenotes.AuditFail {
		err := failure.New(failure.Refused, "the self-audit of %s failed (fail-on-audit: true); see the audit table in the release PR", notes.Tag)
		return r.fatal("self-audit", err)
	}
	return nil
}

func (r *actionRun) publish(ctx context.Context, cfg *config.Config, checkout *workspace.Checkout, branch string, mode action.Mode) error {
	slk, channel, err := r.slack(cfg)
	if err != nil {
		return r.fatal("inputs", err)
	}
	snt, err := r.sentry(cfg)
	if err != nil {
		return r.fatal("inputs", err)
	}
	envName := cfg.DefaultEnvironment
	if e := cfg.Environment(envName); e != nil && e.SentryEnvironment != "" {
		envName = e.SentryEnvironment
	}
	var markdown string
	var notes *releasenotes.Notes
	m := &action.PublishMode{
		GitHub: r.gh, Slack: slk, Sentry: snt, SlackChannel: channel,
		PR: mode.ReleasePR, SHA: mode.SHA, Repo: r.cx.Repository, RepoURL: r.repoURL(), Environment: envName,
		Notes: func(ctx context.Context, version, to string) (*releasenotes.Notes, string, error) {
			if tag := cfg.TagPrefix + version; r.tagExists(ctx, checkout, tag) {
				// A re-run: the release is tagged, and its notes are the
				// tag's (a forced version would be refused as released).
				to, version = tag, ""
			}
			n, md, err := r.notesAt(ctx, cfg, checkout, branch, to, version)
			notes, markdown = n, md
			return n, md, err
		},
	}
	res := r.runner().Run(ctx, m.Steps())
	out := m.Outputs()
	if mode.ReleasePR != nil {
		out["release-pr"] = fmt.Sprint(mode.ReleasePR.Number)
	}
	if notes != nil && notes.Audit.Ran() {
		out["audit-status"] = string(notes.Audit.Status())
	}
	if err := r.outputs(out); err != nil {
		return err
	}
	head := "## releasebot: publish"
	if v := out["version"]; v != "" {
		head += " v" + v
	}
	if u := out["release-url"]; u != "" {
		head += "\n\n[The GitHub Release](" + u + ")"
	}
	if err := r.summary(stepsSummary(head, res)+"\n"+action.StripMarker(markdown), r.repoURL()+"/blob/"+cfg.TagPrefix+out["version"]+"/RELEASE_NOTES.md"); err != nil {
		r.rt.Warning(failure.Message(err, r.e.requestID), action.Props{Title: "releasebot: step summary"})
	}
	if res.Err != nil {
		return silent(res.Err)
	}
	return nil
}

func (r *actionRun) command(ctx context.Context, mode action.Mode) error {
	if r.gh == nil {
		return r.fatal("inputs", failure.New(failure.BadInput, "a command needs a GitHub token; dry-run without one only prepares"))
	}
	c := r.ev.IssueComment
	p, err := prcomment.Prepare(ctx, prcomment.Options{
		Clients: repository.NewClientCreator(ghstore.ClientOptions{BaseURL: r.cx.APIURL, Credentials: ghstore.Credentials{Token: r.in.token}}),
		Repo:    r.cx.Repository, DefaultBranch: c.Repository.DefaultBranch,
		ConfigPath: r.in.configFile(), Getenv: r.auditEnv, DeployWorkflow: r.in.deployWorkflow,
	}, mode)
	if err != nil {
		r.rt.Error(failure.Message(err, mode.RequestID), action.Props{Title: "releasebot: opening the repository"})
		_ = r.rt.SetOutput("mode", string(action.ModeCommand))
		return silent(err)
	}
	m := p.Mode
	res := (&action.Runner{RT: r.rt, RequestID: mode.RequestID}).Run(ctx, m.Steps())
	if err := r.outputs(m.Outputs()); err != nil {
		return err
	}
	reply := m.Reply()
	body := fmt.Sprintf("## releasebot: %s by @%s on #%d\n\n%s\n", strings.TrimSpace(firstLine(mode.Body)), mode.Commenter, mode.PRNumber, reply.Render(chatops.Markdown))
	if err := r.summary(stepsSummary(body, res), ""); err != nil {
		r.rt.Warning(failure.Message(err, mode.RequestID), action.Props{Title: "releasebot: step summary"})
	}
	if res.Err != nil {
		return silent(res.Err)
	}
	if code := m.ExitCode(); code != 0 {
		return silent(failure.New(reply.Kind, "%s", reply.Outcome))
	}
	return nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimLeft(s, " \t\r\n"), "\n")
	return l
}

// outputs writes the outputs, empty ones left out, in a stable order.
func (r *actionRun) outputs(out map[string]string) error {
	for _, k := range []string{"mode", "version", "release-pr", "release-url", "notes-path", "audit-status", "flag-commit"} {
		if v := out[k]; v != "" {
			if err := r.rt.SetOutput(k, v); err != nil {
				return r.fatal("outputs", err)
			}
		}
	}
	return nil
}

// summary appends markdown to the step summary when the runner gave one;
// past GitHub's 1 MiB it is cut with a link to notesURL, the full notes.
func (r *actionRun) summary(markdown, notesURL string) error {
	if r.cx.StepSummary == "" {
		return nil
	}
	return r.rt.AppendSummary(markdown, notesURL)
}

// stepsSummary is head and a list of what each step did.
func stepsSummary(head string, res action.Result) string {
	var b strings.Builder
	b.WriteString(head + "\n\n")
	for _, s := range res.Done {
		b.WriteString("- ✅ " + s + "\n")
	}
	for _, s := range res.Skipped {
		b.WriteString("- ⏭️ " + s + "\n")
	}
	for _, e := range res.NonFatal {
		b.WriteString("- ⚠️ " + failure.Message(e, "") + "\n")
	}
	if res.Err != nil {
		b.WriteString("- ❌ " + res.Step + ": " + failure.Message(res.Err, "") + "\n")
	}
	return b.String()
}

// silentError is a failure the Action has already annotated: run prints
// nothing more for it, and exits with its kind's code.
type silentError struct{ err error }

func (s *silentError) Error() string { return s.err.Error() }
func (s *silentError) Unwrap() error { return s.err }

func silent(err error) error { return &silentError{err} }
