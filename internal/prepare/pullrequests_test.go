package prepare_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/prepare"
	"github.com/releasebot/releasebot/releasenotes"
)

func entries(n *releasenotes.Notes) map[string]releasenotes.Entry {
	m := map[string]releasenotes.Entry{}
	for _, s := range n.Sections {
		for _, e := range s.Entries {
			m[e.Hash] = e
		}
	}
	return m
}

func TestPreparePullRequestMetadata(t *testing.T) {
	t.Parallel()
	const (
		squash = "2222222222222222222222222222222222222222"
		multiA = "3333333333333333333333333333333333333333"
		multiB = "4444444444444444444444444444444444444444"
	)
	src := newSource()
	at := time.Unix(0, 0)
	src.history.Changes = []releasenotes.Change{
		releasenotes.NewChange(head, releasenotes.Person{Name: "Ann"}, at, "feat: search (#12)"),
		releasenotes.NewChange(squash, releasenotes.Person{Name: "Bo"}, at, "fix: cart total"),
		releasenotes.NewChange(multiA, releasenotes.Person{Name: "Cy"}, at, "feat: a (#30)"),
		releasenotes.NewChange(multiB, releasenotes.Person{Name: "Di"}, at, "feat: b (#30)"),
	}
	src.history.Commits = 4
	var calls int
	lookup := func(_ context.Context, h *releasenotes.History) (map[int]releasenotes.PullRequest, map[string]int, error) {
		calls++
		return map[int]releasenotes.PullRequest{
			12: {Title: "Search", Labels: []string{"feature"}, Author: "ann"},
			20: {Title: "Cart", Author: "bo-gh"},
			30: {Title: "Two commits", Author: "cy"},
		}, map[string]int{squash: 20}, nil
	}
	p, err := prepare.Prepare(context.Background(), src, prepare.Input{Config: config.Default(), PullRequests: lookup})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("lookup called %d times; want once", calls)
	}
	es := entries(p.Notes)
	for _, tc := range []struct {
		hash, author string
		pr           int
	}{
		{head, "@ann", 12},     // PR from the subject, single commit: the login
		{squash, "@bo-gh", 20}, // PR from the merge commit
		{multiA, "@cy", 30},    // the notes credit the PR's author (releasenotes.authorOf)
		{multiB, "@cy", 30},
	} {
		e, ok := es[tc.hash]
		if !ok {
			t.Errorf("%s not listed", tc.hash[:7])
			continue
		}
		if e.PR != tc.pr || e.Author != tc.author {
			t.Errorf("%s: PR %d by %q; want PR %d by %q", tc.hash[:7], e.PR, e.Author, tc.pr, tc.author)
		}
	}
	// The commit's own login is set only for a single-commit PR: the
	// commits of a PR of several may be by others.
	logins := map[string]string{}
	for _, c := range p.History.Changes {
		logins[c.Hash] = c.Author.Login
	}
	if logins[head] != "ann" || logins[squash] != "bo-gh" || logins[multiA] != "" || logins[multiB] != "" {
		t.Errorf("commit logins %v", logins)
	}
	if e := es[head]; len(e.Labels) != 1 || e.Labels[0] != "feature" {
		t.Errorf("labels of #12: %v", e.Labels)
	}
	for _, w := range p.Notes.Warnings {
		if strings.Contains(w, "pull requests") {
			t.Errorf("unexpected warning %q", w)
		}
	}
}

func TestPreparePullRequestLookupFails(t *testing.T) {
	t.Parallel()
	src := newSource()
	lookup := func(context.Context, *releasenotes.History) (map[int]releasenotes.PullRequest, map[string]int, error) {
		return nil, nil, failure.New(failure.Remote, "GitHub answered 502 listing the pull requests; try again")
	}
	p, err := prepare.Prepare(context.Background(), src, prepare.Input{Config: config.Default(), PullRequests: lookup})
	if err != nil {
		t.Fatalf("a failed lookup stopped the pipeline: %v", err)
	}
	found := false
	for _, w := range p.Notes.Warnings {
		if strings.Contains(w, "could not be read from GitHub") && strings.Contains(w, "502") {
			found = true
		}
	}
	if !found {
		t.Errorf("warnings %q; want the failed lookup", p.Notes.Warnings)
	}
	if e := entries(p.Notes)[head]; e.PR != 12 || e.Author != "Ann" {
		t.Errorf("entry %+v; want git's PR number and author name", e)
	}
}
