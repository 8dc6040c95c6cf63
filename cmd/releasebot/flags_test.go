package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/chatops/flags"
)

func TestFlagsCommands(t *testing.T) {
	repo := runbookRepo(t)
	show := runBin(t, repo, "flags", "show")
	if show.code != 0 || !strings.Contains(show.stdout, "stage: canary 0%") || !strings.Contains(show.stdout, "FF_NEW_ONBOARDING  OFF  canary 0%") {
		t.Errorf("show: %d %q %q", show.code, show.stdout, show.stderr)
	}
	if one := runBin(t, repo, "flags", "show", "--env", "stage"); strings.Contains(one.stdout, "prod") || !strings.Contains(one.stdout, "FF_NAV_FOOTER      ON  default") {
		t.Errorf("show --env stage:\n%s", one.stdout)
	}
	for _, format := range []string{"dotenv", "flagd", "json"} {
		r := runBin(t, repo, "flags", "render", "--env", "prod", "--format", format)
		f, _ := flags.Parse("f", []byte(runbookFlags))
		want, _ := flags.Render(f, "prod", format, ".release/flags.yaml")
		if r.code != 0 || r.stdout != string(want) {
			t.Errorf("render %s: %d %q", format, r.code, r.stderr)
		}
	}
	if r := runBin(t, repo, "flags", "render", "--format", "toml"); r.code != 2 || !strings.Contains(r.stderr, `unknown format "toml"; use one of dotenv, flagd, json`) {
		t.Errorf("bad format: %d %q", r.code, r.stderr)
	}

	// At 50 %, eval agrees with the library user by user.
	runBin(t, repo, "cmd", "/canary 10")
	runBin(t, repo, "cmd", "/canary 50")
	f, _ := flags.Parse("f", []byte(repo.Read(".release/flags.yaml")))
	in := 0
	for _, user := range []string{"1", "2", "3", "42", "alice", "bob"} {
		r := runBin(t, repo, "flags", "eval", "--env", "prod", "--user", user, "--json")
		var got map[string]bool
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
			t.Fatalf("eval %s: %v %q", user, err, r.stderr)
		}
		for _, ev := range f.Env("prod").Eval(user) {
			if got[ev.Flag] != ev.Value {
				t.Errorf("user %s %s: %v, want %v", user, ev.Flag, got[ev.Flag], ev.Value)
			}
		}
		if got["FF_NEW_ONBOARDING"] {
			in++
		}
	}
	if in == 0 || in == 6 {
		t.Errorf("at 50%%, %d of 6 users in the cohort; the test users do not exercise both sides", in)
	}
	text := runBin(t, repo, "flags", "eval", "--user", "42")
	if !strings.Contains(text.stdout, "prod, user 42: bucket ") || !strings.Contains(text.stdout, "FF_NEW_ONBOARDING") {
		t.Errorf("eval text: %q", text.stdout)
	}
	if r := runBin(t, repo, "flags", "eval", "--env", "prod"); r.code != 2 || !strings.Contains(r.stderr, "needs --user ID") {
		t.Errorf("eval without user: %d %q", r.code, r.stderr)
	}
	if r := runBin(t, repo, "flags", "eval", "--env", "qa", "--user", "1"); r.code != 2 || !strings.Contains(r.stderr, `unknown environment "qa"`) {
		t.Errorf("eval unknown env: %d %q", r.code, r.stderr)
	}
}
