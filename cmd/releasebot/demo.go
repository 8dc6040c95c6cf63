package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/auditcheck"
	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	"github.com/releasebot/releasebot/internal/gitcli"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/releasenotes"
)

func newDemoCommand(e *env, g *globals) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "demo [--out DIR]",
		Short: "Play the runbook against built-in emulators of GitHub and Sentry and show what a team would see",
		Long: `Plays the team's runbook end to end, on loopback only, against built-in
emulators: a GitHub repository (acme/web, a real git repository) with the
commits since v1.3.0, a Sentry organization, and the product's stage and
prod health and metrics endpoints. It prints what a team would see:

  1. the push to main: the next version, RELEASE_NOTES.md and the self-audit;
  2. the rollout, commanded as PR comments would be: /ab_status, /canary,
     a redelivered command, an incident that the canary gates refuse to
     raise through, and a /rollback that goes through anyway;
  3. the commits the deploy picks up, and the Release's rollout log.

Needs git; no tokens, no network. With --out DIR, RELEASE_NOTES.md, the
transcript (transcript.md), the emulated repository and a clone are kept.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDemo(c.Context(), e, out)
		},
	}
	c.Flags().StringVar(&out, "out", "", "keep RELEASE_NOTES.md, transcript.md and the repositories in DIR")
	return c
}

// demoStep is one command of the rollout, or an event in the world.
type demoStep struct {
	who, text, id, note string
	event               func(w *demoWorld)
}

func demoScript(tag string) []demoStep {
	return []demoStep{
		{who: "ann", text: "/ab_status", note: "runbook §6.2: before the start"},
		{who: "ann", text: "/canary 100", note: "skipping steps is refused, with what to type instead"},
		{who: "ann", text: "/canary 10", id: "github-comment:1001", note: "§6.1: the gates (health, metrics, Sentry) pass"},
		{who: "ann", text: "/canary 10", id: "github-comment:1001", note: "GitHub redelivers the same comment: one commit, not two"},
		{who: "ann", text: "/ab_status prod user 42", note: "§6.3: is this test user in the canary group?"},
		{who: "bob", text: "/canary 50", id: "github-comment:1002", note: "§6.5"},
		{note: "an incident: prod answers 503, 5xx climb in /metrics, Sentry sees new issues in " + tag, event: func(w *demoWorld) {
			w.app.startIncident()
			w.sentry.AddIssues("acme", "web", tag, "production", 3)
		}},
		{who: "bob", text: "/canary 100", id: "github-comment:1003", note: "§6.6: the gates refuse, with the failing check"},
		{who: "dave", text: "/rollback", id: "github-comment:1005", note: "authorization: a triage collaborator may read the rollout, not change it"},
		{who: "carol", text: "/rollback", id: "github-comment:1004", note: "§7: instant, never gated — works while health and Sentry are red"},
		{who: "carol", text: "/ab_status", note: "§7: where it stands"},
	}
}

func runDemo(ctx context.Context, e *env, out string) error {
	if _, err := exec.LookPath("git"); err != nil {
		return fail(exitBadUse, "the demo needs git on the PATH")
	}
	dir := out
	if dir == "" {
		tmp, err := os.MkdirTemp("", "releasebot-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(exitBadUse, "could not create --out %s: %v", dir, err)
	}
	for _, p := range []string{"github", "work"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			return fail(exitBadUse, "%s already exists; remove it or pick another --out", filepath.Join(dir, p))
		}
	}
	world, err := startDemoWorld(dir)
	if err != nil {
		return fail(exitRemote, "could not start the emulators: %v", err)
	}
	defer world.close()
	de := &env{stdout: e.stdout, stderr: e.stderr, getenv: world.getenv(e.getenv)}

	var transcript bytes.Buffer
	w := io.MultiWriter(e.stdout, &transcript)
	d := &demo{ctx: ctx, e: de, w: w, world: world, dir: dir}
	if err := d.run(); err != nil {
		return err
	}
	if out != "" {
		if err := os.WriteFile(filepath.Join(out, "transcript.md"), transcript.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\nwrote %s, %s, the emulated repository %s and its clone %s\n",
			filepath.Join(out, "transcript.md"), filepath.Join(out, notesFile), world.github.RepoPath("acme", "web"), filepath.Join(out, "work"))
	}
	return nil
}

type demo struct {
	ctx   context.Context
	e     *env
	w     io.Writer
	world *demoWorld
	dir   string
}

func (d *demo) section(title string) { fmt.Fprintf(d.w, "\n## %s\n\n", title) }

func (d *demo) block(text string) {
	fmt.Fprintf(d.w, "```\n%s\n```\n\n", strings.TrimRight(text, "\n"))
}

// git runs git in dir without the user's configuration, so the demo's
// repositories come out the same on every machine.
func (d *demo) git(dir string, args ...string) (string, error) {
	r := gitcli.Runner{Dir: dir, Env: []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull}}
	out, err := r.Run(d.ctx, nil, args...)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(out, "\n"), nil
}

func (d *demo) run() error {
	fmt.Fprintf(d.w, "# releasebot demo: the next release of acme/web, from push to rollback\n\n"+
		"Everything below ran against built-in emulators on loopback: GitHub (%s), Sentry (%s) and the product's stage and prod endpoints (%s).\n",
		d.world.ghURL, d.world.sentryURL, d.world.appURL)
	head, err := seedDemoRepo(d.world)
	if err != nil {
		return fail(exitRemote, "could not set up the demo repository: %v", err)
	}
	bare := d.world.github.RepoPath("acme", "web")
	d.section("1. acme/web on GitHub: the commits since v1.3.0")
	log, err := d.git(bare, "log", "--format=%h %s (%an)", "--decorate=short", "v1.3.0~0..main")
	if err != nil {
		return err
	}
	d.block(log)

	// 2. The push to main: notes and the self-audit, from a clone.
	work := filepath.Join(d.dir, "work")
	if _, err := d.git(d.dir, "clone", "--quiet", bare, work); err != nil {
		return fail(exitRemote, "%v", err)
	}
	g := &globals{repo: work}
	p, err := prepareNotes(d.ctx, d.e, g, notesInput{})
	if err != nil {
		return err
	}
	n := p.Notes
	rep := auditPlan(d.ctx, d.e, g, p.Config, audit.DefaultAuditEnvironment, n.Version).Run(d.ctx, audit.Runner{Timeout: 5 * time.Second})
	n.Audit = rep.NotesTable()
	d.section(fmt.Sprintf("2. Push to main: release %s, notes and self-audit", n.Tag))
	fmt.Fprintf(d.w, "Next version **%s** (%s bump: %s). %d changes listed from %s; %d hidden by `notes.exclude_types`.\n\n",
		n.Tag, n.Decision.Bump, n.Decision.Reason, n.Count(), commitsWord(n.Commits), n.Hidden)
	fmt.Fprintf(d.w, "%s, on %.7s:\n\n%s\n", rep.Headline(), head, rep.Markdown())
	fmt.Fprintf(d.w, "Slack message:\n\n")
	d.block(releasenotes.SlackPreview(n))

	// 3. The rollout, through the GitHub API as the server runs it.
	client, err := ghstore.NewClient(ghstore.ClientOptions{BaseURL: d.world.ghURL, Credentials: ghstore.Credentials{Token: demoGitHubToken}})
	if err != nil {
		return err
	}
	store, err := ghstore.NewStore(d.ctx, client.Client, "acme/web", p.Config.Branch, p.Config.FlagsFile)
	if err != nil {
		return fail(exitRemote, "%v", err)
	}
	perms, err := ghstore.NewPermissions(client.Client, "acme/web")
	if err != nil {
		return err
	}
	auth, err := chatops.NewAuthorization(p.Config, "acme/web", perms, nil)
	if err != nil {
		return fail(exitBadUse, "%v", err)
	}
	svc := &chatops.Service{Store: store, Config: p.Config, Gate: auditcheck.NewGate(p.Config, n.Tag, d.e.getenv), Authorizer: auth}
	d.section("3. The rollout: commands as PR comments on the release PR")
	for _, step := range demoScript(n.Tag) {
		if step.event != nil {
			step.event(d.world)
			fmt.Fprintf(d.w, "**%s**\n\n", step.note)
			continue
		}
		start := time.Now()
		reply := svc.Run(d.ctx, chatops.Request{Text: step.text, Actor: chatops.Actor{Name: "@" + step.who, ID: step.who, Via: "github"}, ID: step.id})
		fmt.Fprintf(d.w, "`%s` — %s (%s, %d ms)\n\n", step.text, step.note, reply.Outcome, time.Since(start).Milliseconds())
		d.block(fmt.Sprintf("@%s> %s\n%s", step.who, step.text, reply.Text))
		if reply.Outcome == chatops.Failed {
			return fail(exitRemote, "the demo failed at %s: %s", step.text, reply.Text)
		}
		if reply.Outcome == chatops.Done && reply.Commit != "" && !reply.Replayed {
			for _, c := range reply.Changes {
				n.AppendRollout(releasenotes.RolloutEntry{When: time.Now().UTC(), Who: "@" + step.who, Command: step.text, Change: c.String(), Commit: reply.Commit})
			}
		}
	}

	d.section("4. What the deploy picks up: the flag commits on main")
	commits, err := d.git(bare, "log", "--format=%h %s%n    %(trailers:key=Requested-by,key=Releasebot-Request,separator=%x2C )", head+"..main")
	if err != nil {
		return err
	}
	d.block(commits)
	env, err := d.git(bare, "show", "main:deploy/prod.env")
	if err != nil {
		return err
	}
	fmt.Fprintf(d.w, "deploy/prod.env on main:\n\n")
	d.block(env)

	d.section("5. The Release's rollout log")
	for _, r := range n.RolloutLog {
		fmt.Fprintf(d.w, "- %s `%s`: %s (%.7s)\n", r.Who, r.Command, r.Change, r.Commit)
	}
	var notes strings.Builder
	if err := p.Template.Render(&notes, n); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(d.dir, notesFile), []byte(notes.String()), 0o644); err != nil {
		return err
	}
	for _, secret := range []string{demoGitHubToken, demoSentryToken, demoStageToken} {
		if strings.Contains(notes.String(), secret) {
			return errors.New("a secret reached RELEASE_NOTES.md")
		}
	}
	return nil
}

// seedDemoRepo creates acme/web: release v1.3.0, then the commits of 1.3.1
// by their authors, the flags they add, and green CI on the last commit. It
// returns the last commit.
func seedDemoRepo(w *demoWorld) (string, error) {
	gh := w.github
	flags := func(entries string) []byte {
		return []byte("# Feature flags per environment. releasebot commits changes here;\n" +
			"# the deploy reads deploy/prod.env or deploy/prod.flagd.json.\n" +
			"environments:\n  stage:\n    canary_percent: 0\n    flags:" + entries + "\n  prod:\n    canary_percent: 0\n    cohort: \"1.4.0\"\n    flags:" +
			strings.ReplaceAll(strings.ReplaceAll(entries, "{default: on}", "{default: off, canary: true}"), "\n      ", "\n      ") + "\n")
	}
	if err := gh.CreateRepo("acme", "web", githubemu.RepoOptions{
		Files:   map[string][]byte{"README.md": []byte("# web\n"), ".release/flags.yaml": flags(" {}")},
		Message: "feat(quiz): the /quiz scenario", Author: "dana",
	}); err != nil {
		return "", err
	}
	tag, ok := gh.Ref("acme", "web", "refs/heads/main")
	if !ok {
		return "", errors.New("the new repository has no main branch")
	}
	if err := gh.SetRef("acme", "web", "refs/tags/v1.3.0", tag); err != nil {
		return "", err
	}
	for login, role := range map[string]string{"ann": "write", "bob": "maintain", "carol": "write", "dave": "triage"} {
		if err := gh.SetPermission("acme", "web", login, role); err != nil {
			return "", err
		}
	}
	onboarding := "\n      FF_NEW_ONBOARDING: {default: on}"
	both := onboarding + "\n      FF_NAV_FOOTER: {default: on}"
	config := fmt.Sprintf(`# releasebot configuration (DESIGN.md §4)
environments:
  stage:
    health_url: %[1]s/stage/health
    metrics_url: %[1]s/stage/metrics
    headers: {Authorization: "Bearer ${STAGE_TOKEN}"}
    sentry_environment: stage
    release_suffix: "+stage"
  prod:
    health_url: %[1]s/prod/health
    metrics_url: %[1]s/prod/metrics
    sentry_environment: production
canary:
  gates:
    metrics:
      - {name: http_requests_total, match: {code: "5.."}, over: {name: http_requests_total}, max: 0.01}
audit:
  metrics:
    - {name: http_requests_total, match: {code: "5.."}, over: {name: http_requests_total}, max: 0.01}
render:
  - {environment: prod, format: dotenv, path: deploy/prod.env}
  - {environment: prod, format: flagd, path: deploy/prod.flagd.json}
sentry: {org: acme, project: web}
`, w.appURL)
	commits := []struct {
		login, msg string
		files      map[string][]byte
	}{
		{"dana", "feat(onboarding): a new onboarding flow behind FF_NEW_ONBOARDING", map[string][]byte{".release/flags.yaml": flags(onboarding), "src/onboarding.ts": []byte("export const steps = 3;\n")}},
		{"eli", "feat(nav): footer navigation behind FF_NAV_FOOTER", map[string][]byte{".release/flags.yaml": flags(both), "src/footer.ts": []byte("export const links = [];\n")}},
		{"dana", "fix(media): the proxy keeps the origin's Content-Type", map[string][]byte{"src/media.ts": []byte("// keeps Content-Type\n")}},
		{"eli", "perf(quiz): cache the question set per locale", map[string][]byte{"src/quiz.ts": []byte("// cached\n")}},
		{"ann", "ci: release workflow with releasebot", map[string][]byte{".github/releasebot.yml": []byte(config)}},
	}
	var head string
	for _, c := range commits {
		sha, err := gh.CommitFiles("acme", "web", "main", c.files, c.msg, c.login)
		if err != nil {
			return "", err
		}
		head = sha
	}
	if err := gh.SetCheckRuns("acme", "web", head,
		githubemu.CheckRun{Name: "build", Status: "completed", Conclusion: "success"},
		githubemu.CheckRun{Name: "test", Status: "completed", Conclusion: "success"}); err != nil {
		return "", err
	}
	return head, nil
}
