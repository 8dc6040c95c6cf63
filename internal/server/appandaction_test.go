package server

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/action"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/prcomment"
	"github.com/releasebot/releasebot/internal/repository"
)

// TestAppAndActionSeeOneComment: a repository that runs both the App and
// the Action gets one commit, one reply and one set of reactions for a
// comment both of them see: the second finds the request id's commit and
// the reply's marker, and takes its own 👀 back.
func TestAppAndActionSeeOneComment(t *testing.T) {
	w := newWorld(t, Options{})
	id, d := w.comment(t, annToken, "/canary 10")
	w.settle(t, w.a)
	if got := strings.Join(w.emu.Reactions(id), ","); got != "eyes,rocket" {
		t.Fatalf("the App's reactions %q", got)
	}

	// The Action's run of the same comment: its own token, the same code.
	const actionsToken = "ghs_actions_job_token"
	w.emu.AddToken(actionsToken, "github-actions[bot]")
	ev, err := action.ParseEvent("issue_comment", d.Payload)
	if err != nil {
		t.Fatal(err)
	}
	mode, err := action.SelectMode(context.Background(), ev, "main", nil)
	if err != nil || mode.Name != action.ModeCommand {
		t.Fatalf("mode %v, %v", mode.Name, err)
	}
	p, err := prcomment.Prepare(context.Background(), prcomment.Options{
		Clients: repository.NewClientCreator(ghstore.ClientOptions{BaseURL: w.apiURL, Credentials: ghstore.Credentials{Token: actionsToken}}),
		Repo:    "acme/web", DefaultBranch: "main",
	}, mode)
	if err != nil {
		t.Fatal(err)
	}
	res := (&action.Runner{RT: &action.Runtime{Getenv: func(string) string { return "" }, Stdout: io.Discard}, RequestID: mode.RequestID}).Run(context.Background(), p.Mode.Steps())
	if res.Err != nil || !p.Mode.Reply().Replayed {
		t.Fatalf("the Action's run: %v, replayed %v", res.Err, p.Mode.Reply().Replayed)
	}
	if n := w.requestCommits(t, id); n != 1 {
		t.Errorf("%d commits, want 1", n)
	}
	if n := len(w.replies()); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
	if got := strings.Join(w.emu.Reactions(id), ","); got != "eyes,rocket" {
		t.Errorf("reactions %q after both, want the App's one set eyes,rocket", got)
	}
}
