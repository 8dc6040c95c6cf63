package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/releasebot/releasebot/internal/gittest"
)

// binary is releasebot built once for the tests that run it as a process.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "releasebot-bin-")
	if err != nil {
		panic(err)
	}
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
