package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
)

func init() { register(newDemoCommand) }

// demoFlags is the runbook's flag state before the rollout (runbook §6).
const demoFlags = `# Feature flags per environment. releasebot commits changes here;
# the deploy reads deploy/prod.env or deploy/prod.flagd.json.
environments:
  stage:
    canary_percent: 0
    flags:
      FF_NEW_ONBOARDING: {default: on}
      FF_NAV_FOOTER: {default: on}
  prod:
    canary_percent: 0
    cohort: "1.3.1"
    flags:
      FF_NEW_ONBOARDING: {default: off, canary: true}
      FF_NAV_FOOTER: {default: off, canary: true}
`

const demoConfig = `# releasebot configuration (see DESIGN.md §4)
render:
  - {environment: prod, format: dotenv, path: deploy/prod.env}
  - {environment: prod, format: flagd, path: deploy/prod.flagd.json}
`

// demoScript is the runbook's rollout and rollback (§6, §7), with the
// mistakes people make at 2 a.m. and a redelivered request.
var demoScript = []struct{ who, text, id, note string }{
	{"ann", "/ab_status", "", "§1: flags as they stand before the rollout"},
	{"ann", "/canary 100", "", "skipping steps is refused, with what to type instead"},
	{"ann", "/canary 10", "demo-1", "§6.1: CANARY_PERCENT=10"},
	{"ann", "/canary 10", "demo-1", "the same request delivered twice commits once"},
	{"ann", "/ab_status", "", "§6.2: flags OFF, marked canary 10%"},
	{"ann", "/ab_status prod user 42", "", "§6.3: is a test user in the canary group?"},
	{"bob", "/canary 50", "demo-2", "§6.5"},
	{"bob", "/canary 100", "demo-3", "§6.6"},
	{"bob", "/toggle FF_NEW_ONBORDING on", "", "a typo gets the closest flag name"},
	{"bob", "/toggle FF_NEW_ONBOARDING on", "demo-4", "§6.7: pin the flags"},
	{"bob", "/toggle FF_NAV_FOOTER on", "demo-5", "§6.7"},
	{"carol", "/rollback", "demo-6", "§7: instant rollback, never gated"},
	{"carol", "/toggle FF_NEW_ONBOARDING default", "demo-7", "§7: clear an override"},
	{"carol", "/ab_status", "", "where it all stands"},
}

func newDemoCommand(e *env, g *globals) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "demo [--out DIR]",
		Short: "Play the runbook's rollout and rollback on a scratch repository and show what a team would see",
		Long: `Plays the runbook's canary rollout and rollback (sections 6 and 7) with
releasebot's commands on a scratch git repository, and prints each command,
its reply, and the commits it made. Needs git; no tokens, no network.
With --out DIR the repository and a transcript (transcript.md) are kept there.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDemo(c.Context(), e, out)
		},
	}
	c.Flags().StringVar(&out, "out", "", "keep the repository and transcript.md in DIR")
	return c
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
	}
	repo := filepath.Join(dir, "repo")
	if _, err := os.Stat(repo); err == nil {
		return fail(exitBadUse, "%s already exists; remove it or pick another --out", repo)
	}
	gitEnv := []string{
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull,
		"GIT_AUTHOR_NAME=releasebot demo", "GIT_AUTHOR_EMAIL=demo@releasebot.invalid",
		"GIT_COMMITTER_NAME=releasebot demo", "GIT_COMMITTER_EMAIL=demo@releasebot.invalid",
	}
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), gitEnv...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("git %s: %v: %s", args[0], err, b)
		}
		return string(b), nil
	}
	files := map[string]string{".release/flags.yaml": demoFlags, config.DefaultPath: demoConfig}
	for p, content := range files {
		full := filepath.Join(repo, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			return err
		}
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "feat: release 1.3.1 with FF_NEW_ONBOARDING and FF_NAV_FOOTER behind flags"}} {
		if _, err := git(args...); err != nil {
			return fail(exitRemote, "could not set up the demo repository: %v", err)
		}
	}
	cfg, err := config.Load(repo, "")
	if err != nil {
		return err
	}
	store, err := openLocalStore(ctx, repo, cfg)
	if err != nil {
		return err
	}
	store.Env = gitEnv
	svc := &chatops.Service{Store: store, Config: cfg}

	var transcript bytes.Buffer
	w := io.MultiWriter(e.stdout, &transcript)
	fmt.Fprintf(w, "# releasebot demo: the runbook's canary rollout and rollback\n\nrepository: %s\n", repo)
	for _, step := range demoScript {
		reply := svc.Run(ctx, chatops.Request{Text: step.text, Actor: chatops.Actor{Name: step.who, ID: step.who, Via: "cli"}, ID: step.id})
		fmt.Fprintf(w, "\n## %s — %s\n\n```\n%s> %s\n%s\n```\n", step.text, step.note, step.who, step.text, strings.TrimRight(reply.Text, "\n"))
		if reply.Outcome == chatops.Failed {
			return fail(exitRemote, "the demo failed at %s: %s", step.text, reply.Text)
		}
	}
	log, err := git("log", "--format=%h %s%n    %(trailers:key=Requested-by,key=Releasebot-Request,separator=%x2C )")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n## The commits the deploy picks up\n\n```\n%s```\n", log)
	env, err := os.ReadFile(filepath.Join(repo, "deploy/prod.env"))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n## deploy/prod.env now\n\n```\n%s```\n", env)
	if out != "" {
		if err := os.WriteFile(filepath.Join(out, "transcript.md"), transcript.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\nwrote %s and the repository %s\n", filepath.Join(out, "transcript.md"), repo)
	}
	return nil
}
