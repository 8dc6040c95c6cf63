package sentry_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/action"
	sentryemu "github.com/releasebot/releasebot/internal/emulator/sentry"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/sentry"
	"github.com/releasebot/releasebot/releasenotes"
)

func release() action.SentryRelease {
	when := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	return action.SentryRelease{
		Version: "v1.2.0", Repo: "acme/web", Commit: "bbbb", Previous: "aaaa",
		URL: "https://github.com/acme/web/releases/tag/v1.2.0", Environment: "production",
		Commits: []releasenotes.Change{
			{Hash: "bbbb", Subject: "feat: two", Author: releasenotes.Person{Name: "Ann", Email: "ann@example.com"}, Date: when},
			{Hash: "cccc", Subject: "fix: one", Author: releasenotes.Person{Name: "Bob", Email: "bob@example.com"}, Date: when.Add(-time.Hour)},
		},
	}
}

func TestPublishRelease(t *testing.T) {
	t.Parallel()
	emu, c := newEmulator(t)
	p := &sentry.Publisher{Client: c, Org: "acme", Project: "web"}
	ctx := context.Background()
	for i := range 2 { // repeating is safe
		if err := p.PublishRelease(ctx, release()); err != nil {
			t.Fatalf("PublishRelease #%d: %v", i+1, err)
		}
	}
	if n := emu.ReleaseCount("acme"); n != 1 {
		t.Errorf("%d releases, want 1", n)
	}
	commits, ok := emu.Commits("acme", "v1.2.0")
	if !ok || len(commits) != 2 || commits[0]["id"] != "bbbb" || commits[0]["repository"] != "acme/web" ||
		commits[0]["message"] != "feat: two" || commits[1]["author_email"] != "bob@example.com" || commits[0]["timestamp"] == nil {
		t.Errorf("commits %v", commits)
	}
	deploys := emu.Deploys("acme", "v1.2.0")
	if len(deploys) != 1 || deploys[0].Environment != "production" || deploys[0].Name != "v1.2.0" || deploys[0].URL == "" {
		t.Errorf("deploys %+v (one per environment, however many calls)", deploys)
	}
	// Another environment is another deploy.
	stage := release()
	stage.Environment = "stage"
	if err := p.PublishRelease(ctx, stage); err != nil {
		t.Fatal(err)
	}
	if n := len(emu.Deploys("acme", "v1.2.0")); n != 2 {
		t.Errorf("%d deploys after one to stage, want 2", n)
	}
}

func TestPublishReleaseFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	emu, c := newEmulator(t)
	emu.Inject("/api/0/", sentryemu.Fault{Status: 500})
	p := &sentry.Publisher{Client: c, Org: "acme", Project: "web"}
	err := p.PublishRelease(ctx, release())
	var fe *failure.Error
	if !errors.As(err, &fe) || fe.Kind != failure.Remote || !strings.Contains(err.Error(), "Sentry answered 500 Internal Server Error when releasebot tried to create the release v1.2.0 in acme/web: Internal Error") {
		t.Errorf("Sentry failing: %v", err)
	}

	p.Client, _ = sentry.New(c.BaseURL(), "wrong-token")
	if err := p.PublishRelease(ctx, release()); !strings.Contains(err.Error(), "Invalid token; check the sentry-auth-token input") || strings.Contains(err.Error(), token) {
		t.Errorf("bad token: %v", err)
	}

	srv := httptest.NewServer(nil)
	srv.Close()
	down, _ := sentry.New(srv.URL, token)
	err = (&sentry.Publisher{Client: down, Org: "acme", Project: "web"}).PublishRelease(ctx, release())
	if !errors.As(err, &fe) || fe.Kind != failure.Remote || !strings.HasPrefix(err.Error(), "could not reach Sentry at "+srv.URL+" to create the release v1.2.0 (") || strings.Contains(err.Error(), token) {
		t.Errorf("Sentry down: %v", err)
	}

	bad := release()
	bad.Version = "v1/2"
	if err := p.PublishRelease(ctx, bad); failure.KindOf(err) != failure.BadInput {
		t.Errorf("bad version: %v", err)
	}
}

func TestPublishCapsCommits(t *testing.T) {
	t.Parallel()
	emu, c := newEmulator(t)
	r := release()
	r.Commits = make([]releasenotes.Change, sentry.MaxCommits+5)
	for i := range r.Commits {
		r.Commits[i] = releasenotes.Change{Hash: strings.Repeat("a", 39) + string(rune('0'+i%10)), Subject: "x"}
	}
	if err := (&sentry.Publisher{Client: c, Org: "acme", Project: "web"}).PublishRelease(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if commits, _ := emu.Commits("acme", "v1.2.0"); len(commits) != sentry.MaxCommits {
		t.Errorf("%d commits sent, want %d", len(commits), sentry.MaxCommits)
	}
}
