package github_test

import (
	"strings"
	"testing"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	"github.com/releasebot/releasebot/internal/storetest"
)

const serviceFlags = "# flags\nenvironments:\n  prod:\n    canary_percent: 0\n    flags:\n      FF_A: {default: off, canary: true}\n      FF_B: {default: off, canary: true}\n"

// TestServiceReappliesAfterALostRace: another writer moves the branch
// between the command's read and its ref update; the command re-reads,
// re-applies and commits on top, and both changes are in the final file.
func TestServiceReappliesAfterALostRace(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	e.commitOutside(t)(map[string][]byte{storetest.FlagsFile: []byte(serviceFlags)})
	e.emu.Inject("PATCH", "/repos/acme/web/git/refs/heads/main", githubemu.Hook(func() {
		e.commitOutside(t)(map[string][]byte{storetest.FlagsFile: []byte(strings.Replace(serviceFlags, "canary_percent: 0", "canary_percent: 10", 1))})
	}))
	svc := &chatops.Service{Store: e.store, Config: config.Default()}
	r := svc.Run(ctx, chatops.Request{Text: "/toggle FF_B off", Actor: chatops.Actor{Name: "ana", Via: "github"}, ID: "github-comment:77"})
	if r.Outcome != chatops.Done {
		t.Fatalf("%v %q", r.Outcome, r.Text)
	}
	if e.emu.PendingFaults() != 0 {
		t.Fatal("the race did not happen")
	}
	log := e.gitLog(t, "--format=%s", "main")
	if !strings.HasPrefix(log, "chore(flags): FF_B override: none → off (prod)\ndocs: outside change\n") {
		t.Errorf("git log:\n%s", log)
	}
	show := e.gitLog(t, "-1", "-p", "--format=", "main")
	if !strings.Contains(show, "+      FF_B: {default: off, canary: true, override: off}") {
		t.Errorf("the re-applied commit:\n%s", show)
	}
	final, err := e.store.ReadFile(ctx, "", storetest.FlagsFile)
	if err != nil || !strings.Contains(string(final), "canary_percent: 10") || !strings.Contains(string(final), "override: off") {
		t.Errorf("an update was lost: %q %v", final, err)
	}
	// The same comment delivered again is found, not committed twice.
	again := svc.Run(ctx, chatops.Request{Text: "/toggle FF_B off", Actor: chatops.Actor{Name: "ana", Via: "github"}, ID: "github-comment:77"})
	if !again.Replayed || again.Commit != r.Commit {
		t.Errorf("redelivery: %+v", again)
	}
}
