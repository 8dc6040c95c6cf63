package action

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/failure"
)

type fakeComments struct {
	GitHub
	comments map[int][]string
	calls    []string
}

func (f *fakeComments) React(_ context.Context, id int64, r string) error {
	f.calls = append(f.calls, fmt.Sprintf("react %d %s", id, r))
	return nil
}

func (f *fakeComments) Unreact(_ context.Context, id int64, r string) error {
	f.calls = append(f.calls, fmt.Sprintf("unreact %d %s", id, r))
	return nil
}

func (f *fakeComments) FindComment(_ context.Context, n int, marker string) (string, error) {
	for i, c := range f.comments[n] {
		if strings.Contains(c, marker) {
			return fmt.Sprintf("https://github.com/acme/shop/pull/%d#c%d", n, i), nil
		}
	}
	return "", nil
}

func (f *fakeComments) Comment(_ context.Context, n int, body string) (string, error) {
	f.comments[n] = append(f.comments[n], body)
	f.calls = append(f.calls, fmt.Sprintf("comment #%d", n))
	return "u", nil
}

func (f *fakeComments) DispatchWorkflow(_ context.Context, w, ref string) error {
	f.calls = append(f.calls, "dispatch "+w+" "+ref)
	return nil
}

type fakeService struct {
	reply chatops.Reply
	reqs  []chatops.Request
}

func (f *fakeService) Run(_ context.Context, r chatops.Request) chatops.Reply {
	f.reqs = append(f.reqs, r)
	return f.reply
}

func commandMode(gh GitHub, svc CommandService) *CommandMode {
	return &CommandMode{GitHub: gh, Service: svc, DeployWorkflow: "deploy.yml", FlagsBranch: "main",
		Mode: Mode{Name: ModeCommand, CommentID: 55, PRNumber: 7, Commenter: "ann", Body: "/canary 50\nplease", RequestID: "github-comment:55"}}
}

func TestCommandDoneThenRedelivered(t *testing.T) {
	gh := &fakeComments{comments: map[int][]string{}}
	svc := &fakeService{reply: chatops.Reply{Outcome: chatops.Done, Text: "canary 10% → 50%", Commit: "c0ffee"}}
	rt, _ := testRuntime(t)
	m := commandMode(gh, svc)
	res := (&Runner{RT: rt}).Run(context.Background(), m.Steps())
	if res.Err != nil || m.ExitCode() != 0 || m.Outputs()["flag-commit"] != "c0ffee" {
		t.Fatalf("err %v exit %d outputs %v", res.Err, m.ExitCode(), m.Outputs())
	}
	if got := strings.Join(gh.calls, "|"); got != "react 55 eyes|comment #7|react 55 rocket|dispatch deploy.yml main" {
		t.Errorf("calls %s", got)
	}
	if r := svc.reqs[0]; r.Text != "/canary 50" || r.Actor.Name != "ann" || r.Actor.Via != "github" || r.ID != "github-comment:55" {
		t.Errorf("request %+v", r)
	}
	if !strings.Contains(gh.comments[7][0], ReplyMarker("github-comment:55")) {
		t.Errorf("reply lacks its marker: %q", gh.comments[7][0])
	}

	// Redelivered: the service replays the commit; one reply, no dispatch,
	// and this run's 👀 taken back, so the first run's reactions are the
	// comment's one set.
	gh.calls = nil
	svc.reply.Replayed = true
	m = commandMode(gh, svc)
	(&Runner{RT: rt}).Run(context.Background(), m.Steps())
	if got := strings.Join(gh.calls, "|"); got != "react 55 eyes|unreact 55 eyes" || len(gh.comments[7]) != 1 {
		t.Errorf("redelivery calls %q, %d replies", got, len(gh.comments[7]))
	}
}

func TestCommandRefusedReactsConfused(t *testing.T) {
	gh := &fakeComments{comments: map[int][]string{}}
	svc := &fakeService{reply: chatops.Reply{Outcome: chatops.Refused, Kind: failure.Refused, Text: "ann may not change prod: read permission"}}
	rt, _ := testRuntime(t)
	m := commandMode(gh, svc)
	(&Runner{RT: rt}).Run(context.Background(), m.Steps())
	if got := strings.Join(gh.calls, "|"); got != "react 55 eyes|comment #7|react 55 confused" {
		t.Errorf("calls %s", got)
	}
	if m.ExitCode() != 1 {
		t.Errorf("exit %d; want 1 for a refusal", m.ExitCode())
	}
}
