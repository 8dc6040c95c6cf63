package github_test

import (
	"errors"
	"fmt"
	"math"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v62/github"

	"github.com/releasebot/releasebot/action"
	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	"github.com/releasebot/releasebot/internal/failure"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/storetest"
	"github.com/releasebot/releasebot/releasenotes"
)

const (
	botBranch = action.BotBranchPrefix + "main"
	repoName  = owner + "/" + repo
)

func newAction(t *testing.T, e *env) *ghstore.Action {
	t.Helper()
	a, err := ghstore.NewAction(e.client.Client, repoName)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// kindOf asserts err is a *failure.Error of kind whose message holds each
// of want, and no token.
func kindOf(t *testing.T, err error, kind failure.Kind, want ...string) {
	t.Helper()
	var fe *failure.Error
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T), want a *failure.Error", err, err)
	}
	if fe.Kind != kind {
		t.Errorf("kind = %v, want %v: %s", fe.Kind, kind, fe.Msg)
	}
	for _, w := range want {
		if !strings.Contains(fe.Msg, w) {
			t.Errorf("message %q lacks %q", fe.Msg, w)
		}
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("the error shows the token: %v", err)
	}
}

func mainSHA(t *testing.T, e *env) string {
	t.Helper()
	sha, ok := e.emu.Ref(owner, repo, "refs/heads/main")
	if !ok {
		t.Fatal("no main")
	}
	return sha
}

// openReleasePR pushes a commit on the bot branch and opens the release PR
// from it with the adapter.
func openReleasePR(t *testing.T, e *env, a *ghstore.Action) *action.ReleasePR {
	t.Helper()
	if _, err := e.emu.CommitFiles(owner, repo, botBranch, map[string][]byte{"RELEASE_NOTES.md": []byte("# v1.0.0\n")}, "chore(release): v1.0.0", "octocat"); err != nil {
		t.Fatal(err)
	}
	pr, err := a.CreatePR(testCtx(t), action.NewReleasePR{Title: "chore(release): v1.0.0", Body: "notes\n<!-- releasebot: {} -->", Head: botBranch, Base: "main"})
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

func TestNewActionRefusesAMalformedRepository(t *testing.T) {
	e := newEnv(t)
	before := e.emu.Requests()
	for _, r := range []string{"", "acme", "acme/", "/web", "acme/web/x"} {
		if _, err := ghstore.NewAction(e.client.Client, r); err == nil {
			t.Errorf("NewAction(%q) = nil error", r)
		} else {
			kindOf(t, err, failure.BadInput, "owner/name")
		}
	}
	if n := e.emu.Requests() - before; n != 0 {
		t.Errorf("NewAction made %d requests", n)
	}
}

func TestPullsForCommit(t *testing.T) {
	e := newEnv(t)
	a := newAction(t, e)
	ctx := testCtx(t)
	pr := openReleasePR(t, e, a)
	if err := a.SetLabels(ctx, pr.Number, []string{action.LabelPending}, nil); err != nil {
		t.Fatal(err)
	}
	head, _ := e.emu.Ref(owner, repo, "refs/heads/"+botBranch)
	open, err := a.PullsForCommit(ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := e.client.PullRequests.Merge(ctx, owner, repo, pr.Number, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := a.PullsForCommit(ctx, res.GetSHA())
	if err != nil {
		t.Fatal(err)
	}
	url := e.srv.URL + "/" + repoName + "/pull/" + fmt.Sprint(pr.Number)
	for _, tc := range []struct {
		name string
		got  []action.PR
		want action.PR
	}{
		{"open, by its head", open, action.PR{Number: pr.Number, HeadRef: botBranch, BaseRef: "main", Labels: []string{action.LabelPending},
			Body: "notes\n<!-- releasebot: {} -->", URL: url}},
		{"merged, by its merge commit", merged, action.PR{Number: pr.Number, HeadRef: botBranch, BaseRef: "main", Labels: []string{action.LabelPending},
			Merged: true, MergeCommitSHA: res.GetSHA(), Body: "notes\n<!-- releasebot: {} -->", URL: url}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.got) != 1 || !reflect.DeepEqual(tc.got[0], tc.want) {
				t.Errorf("PullsForCommit = %+v\nwant [%+v]", tc.got, tc.want)
			}
		})
	}
	// The mode's selection takes the merge for publish.
	mode, err := action.SelectMode(ctx, action.Event{Name: "push", Push: &action.PushEvent{Ref: "refs/heads/main", After: res.GetSHA()}}, "main", a)
	if err != nil || mode.Name != action.ModePublish {
		t.Errorf("SelectMode = %+v, %v; want publish", mode, err)
	}

	t.Run("errors", func(t *testing.T) {
		_, err := a.PullsForCommit(ctx, strings.Repeat("1", 40))
		kindOf(t, err, failure.Remote, "could not list the pull requests of 1111111 on acme/web", "422")
		e.emu.Inject("GET", "/repos/acme/web/commits/*/pulls", githubemu.NotAccessible())
		_, err = a.PullsForCommit(ctx, head)
		kindOf(t, err, failure.Refused, "`pull-requests: read`", "permissions:")
	})
}

// seedMerged records n merged pull requests #1…#n into main, #i merged i
// minutes after t0, with merge commits mergeSHA(i).
func seedMerged(t *testing.T, e *env, n int, t0 time.Time) {
	t.Helper()
	for i := 1; i <= n; i++ {
		if _, err := e.emu.AddMergedPull(owner, repo, githubemu.MergedPull{
			Title: fmt.Sprintf("feat: change %d", i), Head: fmt.Sprintf("feature-%d", i), User: fmt.Sprintf("dev%d", i%7),
			Labels: []string{"enhancement"}, MergeCommit: mergeSHA(i), MergedAt: t0.Add(time.Duration(i) * time.Minute),
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func mergeSHA(i int) string { return fmt.Sprintf("%040x", 0xabc000+i) }

// history is a history of commits changes: every one names a PR by
// number, cycling through 1…prs, except each tenth, which names none and
// is a merge commit of its PR (a rebase merge).
func history(commits, prs int) *releasenotes.History {
	h := &releasenotes.History{}
	for i := 0; i < commits; i++ {
		n := i%prs + 1
		c := releasenotes.Change{Hash: fmt.Sprintf("%040x", i+1), Subject: fmt.Sprintf("feat: change %d", n)}
		if i%10 == 9 {
			c.Hash = mergeSHA(n)
		} else {
			c.PR = &releasenotes.PullRequest{Number: n}
		}
		h.Changes = append(h.Changes, c)
	}
	h.Commits = commits
	return h
}

func TestMergedPullRequestsInPagesOf100(t *testing.T) {
	e := newEnv(t)
	a := newAction(t, e)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const prs = 250
	seedMerged(t, e, prs, t0)
	maxCalls := int64(math.Ceil(prs/100.0)) + 1
	var first int64
	for _, commits := range []int{250, 1000, 3000} {
		t.Run(fmt.Sprintf("%d commits", commits), func(t *testing.T) {
			ctx, calls := ghstore.WithCounter(testCtx(t))
			listed := e.emu.Count("GET", "/repos/{owner}/{repo}/pulls")
			byNumber, byMerge, err := a.MergedPullRequests(ctx, "main", history(commits, prs), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			n := calls.Load()
			t.Logf("%d commits naming %d PRs: %d API calls", commits, prs, n)
			if n > maxCalls || int64(e.emu.Count("GET", "/repos/{owner}/{repo}/pulls")-listed) != n {
				t.Errorf("%d API calls, want at most %d, all GET /pulls", n, maxCalls)
			}
			if first == 0 {
				first = n
			} else if n != first {
				t.Errorf("%d calls for %d commits, %d for 250: the calls grow with commits", n, commits, first)
			}
			if len(byNumber) != prs {
				t.Errorf("%d PRs found, want %d", len(byNumber), prs)
			}
			want := releasenotes.PullRequest{Number: 42, Title: "feat: change 42", Labels: []string{"enhancement"}, Author: "dev0",
				URL: e.srv.URL + "/acme/web/pull/42"}
			if got := byNumber[42]; !reflect.DeepEqual(got, want) {
				t.Errorf("byNumber[42] = %+v, want %+v", got, want)
			}
			if byMerge[mergeSHA(10)] != 10 || byMerge[mergeSHA(11)] != 0 {
				t.Errorf("byMerge %s = %d, %s = %d; want 10 and none (its change names #11)", mergeSHA(10), byMerge[mergeSHA(10)], mergeSHA(11), byMerge[mergeSHA(11)])
			}
		})
	}

	for _, tc := range []struct {
		name  string
		h     *releasenotes.History
		since time.Time
		calls int64
		found []int
	}{
		// Pages hold #250…#151, #150…#51, #50…#1.
		{"all found on the first page", historyOf(250, 200, 151), time.Time{}, 1, []int{250, 200, 151}},
		{"stops at PRs updated before since", historyOf(250, 9999), t0.Add(170 * time.Minute), 1, []int{250}},
		{"reads to the last page for a PR that is not there", historyOf(9999), time.Time{}, 3, nil},
		{"nothing to find", &releasenotes.History{}, time.Time{}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, calls := ghstore.WithCounter(testCtx(t))
			byNumber, _, err := a.MergedPullRequests(ctx, "main", tc.h, tc.since)
			if err != nil {
				t.Fatal(err)
			}
			if n := calls.Load(); n != tc.calls {
				t.Errorf("%d calls, want %d", n, tc.calls)
			}
			var got []int
			for n := range byNumber {
				got = append(got, n)
			}
			if len(got) != len(tc.found) {
				t.Errorf("found %v, want %v", got, tc.found)
			}
			for _, n := range tc.found {
				if _, ok := byNumber[n]; !ok {
					t.Errorf("#%d not found", n)
				}
			}
		})
	}

	t.Run("an open or closed unmerged PR is left out", func(t *testing.T) {
		if _, err := e.emu.CommitFiles(owner, repo, "wip", map[string][]byte{"w.txt": []byte("w\n")}, "feat: wip", "octocat"); err != nil {
			t.Fatal(err)
		}
		p, _, err := e.client.PullRequests.Create(testCtx(t), owner, repo, &gh.NewPullRequest{Title: gh.String("feat: wip"), Head: gh.String("wip"), Base: gh.String("main")})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.client.PullRequests.Edit(testCtx(t), owner, repo, p.GetNumber(), &gh.PullRequest{State: gh.String("closed")}); err != nil {
			t.Fatal(err)
		}
		byNumber, _, err := a.MergedPullRequests(testCtx(t), "main", historyOf(p.GetNumber(), 250), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := byNumber[p.GetNumber()]; ok || len(byNumber) != 1 {
			t.Errorf("found %v, want #250 only", byNumber)
		}
	})

	t.Run("a failure is Remote", func(t *testing.T) {
		e.emu.Inject("GET", "/repos/acme/web/pulls", githubemu.Times(5, githubemu.ServerError(502))...)
		_, _, err := a.MergedPullRequests(testCtx(t), "main", historyOf(1), time.Time{})
		kindOf(t, err, failure.Remote, "could not list the merged pull requests into main of acme/web", "502")
		e.emu.ClearFaults()
	})
}

func historyOf(numbers ...int) *releasenotes.History {
	h := &releasenotes.History{}
	for i, n := range numbers {
		h.Changes = append(h.Changes, releasenotes.Change{Hash: fmt.Sprintf("%040x", i+1), PR: &releasenotes.PullRequest{Number: n}})
	}
	return h
}

func TestReleasePRLifecycle(t *testing.T) {
	e := newEnv(t)
	a := newAction(t, e)
	ctx := testCtx(t)
	if got, err := a.FindReleasePR(ctx, botBranch, "main"); err != nil || got != nil {
		t.Fatalf("FindReleasePR before = %+v, %v; want nil", got, err)
	}
	pr := openReleasePR(t, e, a)
	want := &action.ReleasePR{Number: pr.Number, URL: e.srv.URL + "/acme/web/pull/" + fmt.Sprint(pr.Number), Title: "chore(release): v1.0.0",
		Body: "notes\n<!-- releasebot: {} -->", HeadRef: botBranch, BaseRef: "main"}
	if !reflect.DeepEqual(pr, want) {
		t.Errorf("CreatePR = %+v\nwant %+v", pr, want)
	}
	if err := a.UpdatePR(ctx, pr.Number, "chore(release): v1.1.0", "new notes"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetLabels(ctx, pr.Number, []string{action.LabelPending}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := a.FindReleasePR(ctx, botBranch, "main")
	want.Title, want.Body, want.Labels = "chore(release): v1.1.0", "new notes", []string{action.LabelPending}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("FindReleasePR = %+v, %v\nwant %+v", got, err, want)
	}
	for _, tc := range []struct{ head, base string }{{"other", "main"}, {botBranch, "develop"}} {
		if got, err := a.FindReleasePR(ctx, tc.head, tc.base); err != nil || got != nil {
			t.Errorf("FindReleasePR(%s, %s) = %+v, %v; want nil", tc.head, tc.base, got, err)
		}
	}

	t.Run("SetLabels", func(t *testing.T) {
		for _, step := range []struct {
			add, remove, want []string
		}{
			{[]string{action.LabelTagged}, []string{action.LabelPending}, []string{action.LabelTagged}},
			{nil, []string{action.LabelPending, "never there"}, []string{action.LabelTagged}}, // 404s are no error
			{[]string{"Brand New", action.LabelTagged}, nil, []string{action.LabelTagged, "Brand New"}},
		} {
			if err := a.SetLabels(ctx, pr.Number, step.add, step.remove); err != nil {
				t.Fatalf("SetLabels(%v, %v): %v", step.add, step.remove, err)
			}
			ls, _, err := e.client.Issues.ListLabelsByIssue(ctx, owner, repo, pr.Number, nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, l := range ls {
				names = append(names, l.GetName())
			}
			if !reflect.DeepEqual(names, step.want) {
				t.Errorf("after SetLabels(%v, %v): labels %v, want %v", step.add, step.remove, names, step.want)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name, method, path string
			fault              githubemu.Fault
			call               func() error
			kind               failure.Kind
			want               []string
		}{
			{"a second PR from the same head", "", "", githubemu.Fault{}, func() error {
				_, err := a.CreatePR(ctx, action.NewReleasePR{Title: "x", Head: botBranch, Base: "main"})
				return err
			}, failure.Remote, []string{"could not open the pull request from " + botBranch + " into main on acme/web", "A pull request already exists"}},
			{"update without the permission", "PATCH", "/repos/acme/web/pulls/*", githubemu.NotAccessible(), func() error {
				return a.UpdatePR(ctx, pr.Number, "t", "b")
			}, failure.Refused, []string{"could not update pull request #1 on acme/web", "`pull-requests: write`"}},
			{"labels without the permission", "POST", "/repos/acme/web/issues/*/labels", githubemu.NotAccessible(), func() error {
				return a.SetLabels(ctx, pr.Number, []string{"x"}, nil)
			}, failure.Refused, []string{"`issues: write`"}},
			{"find fails", "GET", "/repos/acme/web/pulls", githubemu.ServerError(404), func() error {
				_, err := a.FindReleasePR(ctx, botBranch, "main")
				return err
			}, failure.Remote, []string{"could not look for the release PR", "404"}},
			{"no such PR to update", "", "", githubemu.Fault{}, func() error {
				return a.UpdatePR(ctx, 999, "t", "b")
			}, failure.Remote, []string{"#999", "404 Not Found"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.path != "" {
					e.emu.Inject(tc.method, tc.path, tc.fault)
				}
				kindOf(t, tc.call(), tc.kind, tc.want...)
				e.emu.ClearFaults()
			})
		}
	})
}

func TestWriteBranch(t *testing.T) {
	e := newEnv(t)
	a := newAction(t, e)
	ctx := testCtx(t)
	parent := mainSHA(t, e)
	files := map[string][]byte{"RELEASE_NOTES.md": []byte("# v1.0.0\n\n- feat: one\n"), "assets/logo.bin": {0xff, 0x00, 0xfe}}
	first, err := a.WriteBranch(ctx, botBranch, parent, files, "chore(release): v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.gitLog(t, "-1", "--format=%H %P %s", botBranch); got != first+" "+parent+" chore(release): v1.0.0\n" {
		t.Errorf("git log %s = %q, want the commit %s on %s", botBranch, got, first, parent)
	}
	for p, want := range files {
		got, err := exec.Command("git", "--git-dir", e.emu.RepoPath(owner, repo), "show", botBranch+":"+p).Output()
		if err != nil || string(got) != string(want) {
			t.Errorf("git show %s:%s = %q, %v; want %q", botBranch, p, got, err, want)
		}
	}
	if got, err := exec.Command("git", "--git-dir", e.emu.RepoPath(owner, repo), "show", botBranch+":"+storetest.FlagsFile).Output(); err != nil || string(got) != storetest.InitialFlags {
		t.Errorf("the parent's other files are not kept: %q, %v", got, err)
	}

	// The release branch moves on; the bot branch is force-moved on top of
	// the new head, leaving its old commit behind.
	next, err := e.emu.CommitFiles(owner, repo, "main", map[string][]byte{"b.txt": []byte("b\n")}, "feat: two", "octocat")
	if err != nil {
		t.Fatal(err)
	}
	second, err := a.WriteBranch(ctx, botBranch, next, map[string][]byte{"RELEASE_NOTES.md": []byte("# v1.1.0\n")}, "chore(release): v1.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.gitLog(t, "--format=%H %s", botBranch); !strings.HasPrefix(got, second+" chore(release): v1.1.0\n"+next+" feat: two\n") || strings.Contains(got, first) {
		t.Errorf("git log %s:\n%s\nwant %s on %s, without %s", botBranch, got, second, next, first)
	}
	if n := e.emu.Count("POST", "/repos/{owner}/{repo}/git/refs"); n != 1 {
		t.Errorf("POST git/refs %d times, want once (the branch's creation)", n)
	}

	t.Run("errors", func(t *testing.T) {
		_, err := a.WriteBranch(ctx, botBranch, strings.Repeat("1", 40), files, "x")
		kindOf(t, err, failure.BadInput, "the commit 1111111 does not exist on acme/web")
		e.emu.Inject("POST", "/repos/acme/web/git/trees", githubemu.NotAccessible())
		_, err = a.WriteBranch(ctx, botBranch, next, files, "x")
		kindOf(t, err, failure.Refused, "could not create the tree of "+botBranch, "`contents: write`")
		e.emu.ProtectBranch(repoName, botBranch)
		_, err = a.WriteBranch(ctx, botBranch, next, files, "x")
		kindOf(t, err, failure.Refused, "could not point "+botBranch+" of acme/web", "protected", "bypass")
		if got, _ := e.emu.Ref(owner, repo, "refs/heads/"+botBranch); got != second {
			t.Errorf("the protected bot branch moved to %s", got)
		}
	})
}

func TestCreateTag(t *testing.T) {
	e := newEnv(t)
	a := newAction(t, e)
	ctx := testCtx(t)
	head := mainSHA(t, e)
	other, err := e.emu.CommitFiles(owner, repo, "main", map[string][]byte{"b.txt": []byte("b\n")}, "feat: two", "octocat")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, tag, commit string
		created           bool
		kind              failure.Kind // 0: no error
		want              []string
	}{
		{"created", "v1.0.0", head, true, 0, nil},
		{"again at the same commit", "v1.0.0", head, false, 0, nil},
		{"at another commit", "v1.0.0", other, false, failure.Refused, []string{"v1.0.0 already exists on acme/web at " + head[:7], "merge commit " + other[:7], "git push --delete origin v1.0.0"}},
		{"at a commit that does not exist", "v2.0.0", strings.Repeat("1", 40), false, failure.Remote, []string{"could not create the tag v2.0.0 at 1111111", "Object does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			created, err := a.CreateTag(ctx, tc.tag, tc.commit)
			if tc.kind != 0 {
				kindOf(t, err, tc.kind, tc.want...)
			} else if err != nil {
				t.Fatal(err)
			}
			if created != tc.created {
				t.Errorf("created = %v, want %v", created, tc.created)
			}
		})
	}
	if got, _ := e.emu.Ref(owner, repo, "refs/tags/v1.0.0"); got != head {
		t.Errorf("v1.0.0 at %s, want %s", got, head)
	}
}

func TestReleases(t *testing.T) {
	e := newEnv(t)
	a := newAction(t, e)
	ctx := testCtx(t)
	if _, err := a.CreateTag(ctx, "v1.0.0", mainSHA(t, e)); err != nil {
		t.Fatal(err)
	}
	if r, err := a.FindRelease(ctx, "v1.0.0"); err != nil || r != nil {
		t.Fatalf("FindRelease before = %+v, %v; want nil", r, err)
	}
	r, err := a.CreateRelease(ctx, action.NewRelease{Tag: "v1.0.0", Name: "v1.0.0", Body: "notes\n\n## Rollout log\n"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Created || r.ID == 0 || r.Tag != "v1.0.0" || r.Name != "v1.0.0" || r.Body != "notes\n\n## Rollout log\n" || r.URL != e.srv.URL+"/acme/web/releases/tag/v1.0.0" {
		t.Errorf("CreateRelease = %+v", r)
	}
	found, err := a.FindRelease(ctx, "v1.0.0")
	if err != nil || found == nil || found.ID != r.ID || found.Created || found.URL != r.URL {
		t.Errorf("FindRelease = %+v, %v; want %+v, not created", found, err, r)
	}
	// A second run that raced past FindRelease gets the published one.
	again, err := a.CreateRelease(ctx, action.NewRelease{Tag: "v1.0.0", Name: "v1.0.0", Body: "other"})
	if err != nil || again.ID != r.ID || again.Created {
		t.Errorf("CreateRelease again = %+v, %v; want the first, not created", again, err)
	}
	if n := len(e.emu.Releases(owner, repo)); n != 1 {
		t.Errorf("%d releases, want 1", n)
	}
	e.emu.Inject("POST", "/repos/acme/web/releases", githubemu.NotAccessible())
	_, err = a.CreateRelease(ctx, action.NewRelease{Tag: "v1.0.1", Name: "v1.0.1"})
	kindOf(t, err, failure.Refused, "could not publish the release v1.0.1 on acme/web", "`contents: write`")
}

func TestCommentsAndReactions(t *testing.T) {
	e := newEnv(t)
	a := newAction(t, e)
	ctx := testCtx(t)
	pr := openReleasePR(t, e, a)
	for i := 0; i < 150; i++ {
		body := fmt.Sprintf("comment %d", i)
		if i == 130 {
			body = "done\n\n" + action.ReplyMarker("github-comment:7") + "\n"
		}
		if _, err := e.emu.AddComment(owner, repo, pr.Number, "octocat", body); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, marker string
		found        bool
	}{
		{"on the second page", action.ReplyMarker("github-comment:7"), true},
		{"none", action.ReplyMarker("github-comment:8"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, calls := ghstore.WithCounter(ctx)
			url, err := a.FindComment(ctx, pr.Number, tc.marker)
			if err != nil {
				t.Fatal(err)
			}
			if (url != "") != tc.found || tc.found && !strings.HasPrefix(url, e.srv.URL+"/acme/web/pull/1#issuecomment-") {
				t.Errorf("FindComment = %q, want found %v", url, tc.found)
			}
			if n := calls.Load(); n != 2 {
				t.Errorf("%d calls for 150 comments, want 2 pages of 100", n)
			}
		})
	}
	url, err := a.Comment(ctx, pr.Number, "reply\n"+action.ReplyMarker("github-comment:8"))
	if err != nil || !strings.Contains(url, "#issuecomment-") {
		t.Fatalf("Comment = %q, %v", url, err)
	}
	if got, err := a.FindComment(ctx, pr.Number, action.ReplyMarker("github-comment:8")); err != nil || got != url {
		t.Errorf("FindComment after Comment = %q, %v; want %q", got, err, url)
	}
	cs := e.emu.Comments(owner, repo, pr.Number)
	id := cs[0].GetID()
	for _, r := range []string{"eyes", "eyes", "rocket"} { // 201, 200, 201
		if err := a.React(ctx, id, r); err != nil {
			t.Errorf("React %s: %v", r, err)
		}
	}
	if got := e.emu.Reactions(id); !reflect.DeepEqual(got, []string{"eyes", "rocket"}) {
		t.Errorf("reactions %v, want eyes and rocket", got)
	}
	kindOf(t, a.React(ctx, id, "nope"), failure.Remote, "could not react nope to comment", "422")
	e.emu.Inject("POST", "/repos/acme/web/issues/*/comments", githubemu.NotAccessible())
	_, err = a.Comment(ctx, pr.Number, "x")
	kindOf(t, err, failure.Refused, "could not comment on #1 of acme/web", "`issues: write`")
}

func TestDispatchWorkflow(t *testing.T) {
	e := newEnv(t)
	a := newAction(t, e)
	ctx := testCtx(t)
	if _, err := e.emu.CommitFiles(owner, repo, "main", map[string][]byte{
		".github/workflows/deploy.yml": []byte("on:\n  workflow_dispatch:\n"),
		".github/workflows/ci.yml":     []byte("on: push\n"),
	}, "ci: workflows", "octocat"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, workflow, ref string
		fault               *githubemu.Fault
		kind                failure.Kind
		want                []string
	}{
		{"started", "deploy.yml", "main", nil, 0, nil},
		{"no such workflow", "nope.yml", "main", nil, failure.BadInput, []string{".github/workflows/nope.yml does not exist on main of acme/web", "deploy-workflow"}},
		{"no workflow_dispatch", "ci.yml", "main", nil, failure.BadInput, []string{"has no workflow_dispatch trigger", "`workflow_dispatch:`"}},
		{"no such ref", "deploy.yml", "flags", nil, failure.BadInput, []string{"no branch or tag flags on acme/web"}},
		{"no actions: write", "deploy.yml", "main", ptr(githubemu.NotAccessible()), failure.Refused, []string{"could not start the workflow deploy.yml on main of acme/web", "`actions: write`"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.fault != nil {
				e.emu.Inject("POST", "/repos/acme/web/actions/workflows/*/dispatches", *tc.fault)
			}
			err := a.DispatchWorkflow(ctx, tc.workflow, tc.ref)
			if tc.kind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			kindOf(t, err, tc.kind, tc.want...)
		})
	}
	if got, want := e.emu.Dispatches(repoName), []githubemu.Dispatch{{Workflow: "deploy.yml", Ref: "main", Inputs: map[string]string{}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Dispatches = %+v, want %+v", got, want)
	}
}

func ptr[T any](v T) *T { return &v }

// TestCommitToAProtectedFlagBranch: GitHub refuses the flag commit's ref
// update; the store says the branch is protected and the two ways out, and
// the branch is where it was.
func TestCommitToAProtectedFlagBranch(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	snap, err := e.store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.emu.ProtectBranch(repoName, "main")
	_, err = e.store.Commit(ctx, snap.Rev, map[string][]byte{storetest.FlagsFile: []byte("canary: 10\n")}, "chore(flags): canary 10")
	kindOf(t, err, failure.Refused, "the flag branch main of acme/web is protected", "Changes must be made through a pull request.",
		"set flags_branch in .github/releasebot.yml to an unprotected branch the deploy reads", "let the bot's App or token bypass")
	if got := mainSHA(t, e); got != snap.Rev {
		t.Errorf("main moved to %s", got)
	}
	if log := e.gitLog(t, "--format=%s", "main"); strings.Contains(log, "canary 10") {
		t.Errorf("git log main:\n%s", log)
	}
}
