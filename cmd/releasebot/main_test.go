package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/internal/gittest"
)

// binary is releasebot built once for the tests that run it as a process.
var binary string

func TestMain(m *testing.M) {
	if os.Getenv("RELEASEBOT_SIGNAL_CHILD") == "1" {
		os.Exit(m.Run()) // TestSecondSignalEndsAtOnce's child needs no binary
	}
	dir, err := os.MkdirTemp("", "releasebot-bin-")
	if err != nil {
		panic(err)
	}
	// Failures are logged (RELEASEBOT_LOG): tests that run with the real
	// environment keep theirs in the temporary directory, never in the
	// user's ~/.local/state. The log's own tests set it themselves.
	os.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	binary = filepath.Join(dir, "releasebot")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "could not build releasebot:", err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one run of the binary.
type result struct {
	stdout, stderr string
	code           int
}

func runBin(t testing.TB, repo *gittest.Repo, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = repo.Dir
	cmd.Env = repo.Env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

const runbookFlags = `# Flags of release 1.3.1 (runbook §6)
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

const renderConfig = `render:
  - {environment: prod, format: dotenv, path: deploy/prod.env}
  - {environment: prod, format: flagd, path: deploy/prod.flagd.json}
`

func runbookRepo(t testing.TB) *gittest.Repo {
	return gittest.New(t, map[string]string{
		".release/flags.yaml":    runbookFlags,
		".github/releasebot.yml": renderConfig,
	})
}

// conflictingCommands touch overlapping state of both environments.
var conflictingCommands = []string{
	"/canary 10", "/toggle FF_NEW_ONBOARDING on", "/toggle FF_NAV_FOOTER off", "/canary 10 stage",
	"/toggle FF_NAV_FOOTER off stage", "/rollback FF_NEW_ONBOARDING", "/canary 50 --force", "/toggle FF_NEW_ONBOARDING default stage",
}

// concurrentRun is one process of runConcurrently.
type concurrentRun struct {
	cmd string
	result
}

// runConcurrently starts releasebot once per conflicting command, all at
// once, with the arguments args gives, and waits for every process.
func runConcurrently(t *testing.T, repo *gittest.Repo, args func(i int, cmd string) []string) []concurrentRun {
	runs := make([]concurrentRun, len(conflictingCommands))
	var wg sync.WaitGroup
	for i, c := range conflictingCommands {
		wg.Go(func() { runs[i] = concurrentRun{c, runBin(t, repo, args(i, c)...)} })
	}
	wg.Wait()
	return runs
}

// checkNoLostUpdate checks what concurrent commands left on main since
// start, with git run against the repository: every process committed once,
// had nothing to do, or was refused with a reason; as many commits as
// processes said "committed"; each request id once; each commit's listed
// changes exactly the difference from its parent, so nothing was lost or
// doubled; and git fsck clean.
func checkNoLostUpdate(t *testing.T, runs []concurrentRun, start string, git func(args ...string) string) {
	t.Helper()
	committed := 0
	for _, r := range runs {
		switch {
		case r.code == 0 && strings.Contains(r.stdout, "committed "):
			committed++
		case r.code == 0 && strings.HasPrefix(r.stdout, "nothing to do"):
		case r.code == 1 && r.stderr != "":
		default:
			t.Errorf("%s: exit %d, stdout %q, stderr %q", r.cmd, r.code, r.stdout, r.stderr)
		}
	}
	commits := strings.Fields(git("rev-list", "--reverse", start+"..main"))
	if committed != len(commits) {
		t.Fatalf("%d processes said committed, %d commits", committed, len(commits))
	}
	seen := map[string]bool{}
	for _, sha := range commits {
		id := git("log", "-1", "--format=%(trailers:key=Releasebot-Request,valueonly)", sha)
		if seen[id] {
			t.Errorf("request %s committed twice", id)
		}
		seen[id] = true
		before, err1 := flags.Parse("a", []byte(git("show", sha+"^:.release/flags.yaml")+"\n"))
		after, err2 := flags.Parse("b", []byte(git("show", sha+":.release/flags.yaml")+"\n"))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		var want, listed []string
		for _, c := range flags.Diff(before, after) {
			want = append(want, c.String())
		}
		for _, c := range chatops.ChangesIn(git("log", "-1", "--format=%B", sha)) {
			listed = append(listed, c.String())
		}
		if strings.Join(want, "|") != strings.Join(listed, "|") {
			t.Errorf("commit %.7s lists %v but changed %v", sha, listed, want)
		}
	}
	git("fsck", "--no-progress")
}
