package githubemu_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	gh "github.com/google/go-github/v62/github"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
)

const token = "ghp_emulator_test"

type fixture struct {
	emu *githubemu.Server
	srv *httptest.Server
	gh  *gh.Client // under /api/v3
}

func newFixture(t *testing.T, opts ...func(*githubemu.Options)) *fixture {
	t.Helper()
	o := githubemu.Options{Dir: t.TempDir(), Tokens: map[string]string{token: "octocat"}}
	for _, f := range opts {
		f(&o)
	}
	emu := githubemu.NewTest(t, o)
	if err := emu.CreateRepo("acme", "web", githubemu.RepoOptions{
		Files: map[string][]byte{"README.md": []byte("# web\n"), ".release/flags.yaml": []byte("canary: 0\n")},
	}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return &fixture{emu: emu, srv: srv, gh: client(t, srv.URL+"/api/v3/", token)}
}

func client(t *testing.T, base, tok string) *gh.Client {
	t.Helper()
	c := gh.NewClient(nil).WithAuthToken(tok)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = u
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// must returns a go-github call's value, failing the test on its error.
func must[T any](v T, _ *gh.Response, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// apiErr asserts err is GitHub's error with status and message.
func apiErr(t *testing.T, err error, status int, message string) {
	t.Helper()
	var er *gh.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("err = %v, want a %d %q API error", err, status, message)
	}
	if er.Response.StatusCode != status || er.Message != message {
		t.Errorf("error = %d %q, want %d %q", er.Response.StatusCode, er.Message, status, message)
	}
	if er.DocumentationURL == "" {
		t.Errorf("error has no documentation_url")
	}
}

func (f *fixture) git(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"--git-dir", f.emu.RepoPath("acme", "web")}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestRepository(t *testing.T) {
	f := newFixture(t)
	r := must(f.gh.Repositories.Get(ctx(t), "acme", "web"))(t)
	if r.GetDefaultBranch() != "main" || r.GetFullName() != "acme/web" || r.GetHTMLURL() != f.srv.URL+"/acme/web" {
		t.Errorf("repository = %s %s %s", r.GetFullName(), r.GetDefaultBranch(), r.GetHTMLURL())
	}
	if !r.GetPermissions()["pull"] {
		t.Errorf("permissions = %v, want pull for a public repository", r.GetPermissions())
	}
	_, _, err := f.gh.Repositories.Get(ctx(t), "acme", "nope")
	apiErr(t, err, 404, "Not Found")
}

// TestGitDataRoundTrip makes a commit with the Git Data API, as the store
// does, and finds it with git log in the bare repository.
func TestGitDataRoundTrip(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	ref := must(f.gh.Git.GetRef(c, "acme", "web", "refs/heads/main"))(t)
	if ref.GetRef() != "refs/heads/main" || ref.GetObject().GetType() != "commit" {
		t.Fatalf("ref = %+v", ref)
	}
	base := must(f.gh.Git.GetCommit(c, "acme", "web", ref.GetObject().GetSHA()))(t)
	utf := must(f.gh.Git.CreateBlob(c, "acme", "web", &gh.Blob{Content: gh.String("héllo 🚀\n"), Encoding: gh.String("utf-8")}))(t)
	b64 := must(f.gh.Git.CreateBlob(c, "acme", "web", &gh.Blob{Content: gh.String("AP8B"), Encoding: gh.String("base64")}))(t)
	if got, _, err := f.gh.Git.GetBlobRaw(c, "acme", "web", b64.GetSHA()); err != nil || string(got) != "\x00\xff\x01" {
		t.Errorf("raw blob = %q, %v", got, err)
	}
	blob := must(f.gh.Git.GetBlob(c, "acme", "web", utf.GetSHA()))(t)
	if blob.GetEncoding() != "base64" || blob.GetSize() != len("héllo 🚀\n") {
		t.Errorf("blob = %+v", blob)
	}
	tree := must(f.gh.Git.CreateTree(c, "acme", "web", base.GetTree().GetSHA(), []*gh.TreeEntry{
		{Path: gh.String("docs/hello.txt"), Mode: gh.String("100644"), Type: gh.String("blob"), SHA: utf.SHA},
		{Path: gh.String("bin/data"), Mode: gh.String("100644"), Type: gh.String("blob"), SHA: b64.SHA},
		{Path: gh.String(".release/flags.yaml"), Mode: gh.String("100644"), Type: gh.String("blob"), Content: gh.String("canary: 10\n")},
		{Path: gh.String("README.md"), Mode: gh.String("100644"), Type: gh.String("blob")}, // sha: null removes it
	}))(t)
	full := must(f.gh.Git.GetTree(c, "acme", "web", tree.GetSHA(), true))(t)
	var paths []string
	for _, e := range full.Entries {
		paths = append(paths, e.GetPath())
	}
	if got := strings.Join(paths, ","); got != ".release,.release/flags.yaml,bin,bin/data,docs,docs/hello.txt" {
		t.Errorf("tree = %s", got)
	}
	msg := "feat: hello\n\nbody line\n\nReleasebot-Request: X1"
	commit := must(f.gh.Git.CreateCommit(c, "acme", "web", &gh.Commit{
		Message: gh.String(msg), Tree: &gh.Tree{SHA: tree.SHA}, Parents: []*gh.Commit{{SHA: base.SHA}},
	}, nil))(t)
	if commit.GetMessage() != msg || commit.GetAuthor().GetName() != "octocat" || len(commit.Parents) != 1 {
		t.Errorf("commit = %q by %s, parents %d", commit.GetMessage(), commit.GetAuthor().GetName(), len(commit.Parents))
	}
	updated := must(f.gh.Git.UpdateRef(c, "acme", "web", &gh.Reference{Ref: gh.String("refs/heads/main"), Object: &gh.GitObject{SHA: commit.SHA}}, false))(t)
	if updated.GetObject().GetSHA() != commit.GetSHA() {
		t.Errorf("updated ref = %s", updated.GetObject().GetSHA())
	}
	if log := f.git(t, "log", "--format=%H %s", "main"); !strings.HasPrefix(log, commit.GetSHA()+" feat: hello\n") {
		t.Errorf("git log main:\n%s", log)
	}
	if raw := f.git(t, "cat-file", "commit", commit.GetSHA()); !strings.HasSuffix(raw, "\n\n"+msg) {
		t.Errorf("the commit object's message is not verbatim:\n%s", raw)
	}
	if show := f.git(t, "show", "main:docs/hello.txt"); show != "héllo 🚀\n" {
		t.Errorf("git show = %q", show)
	}
}

func TestRefUpdates(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	tip := must(f.gh.Git.GetRef(c, "acme", "web", "refs/heads/main"))(t).GetObject().GetSHA()
	first, err := f.emu.CommitFiles("acme", "web", "main", map[string][]byte{"a.txt": []byte("a\n")}, "a", "octocat")
	if err != nil {
		t.Fatal(err)
	}
	// Back to the old tip is not a fast forward.
	_, _, err = f.gh.Git.UpdateRef(c, "acme", "web", &gh.Reference{Ref: gh.String("refs/heads/main"), Object: &gh.GitObject{SHA: gh.String(tip)}}, false)
	apiErr(t, err, 422, "Update is not a fast forward")
	if got, _ := f.emu.Ref("acme", "web", "refs/heads/main"); got != first {
		t.Errorf("main moved to %s on a refused update", got)
	}
	must(f.gh.Git.UpdateRef(c, "acme", "web", &gh.Reference{Ref: gh.String("refs/heads/main"), Object: &gh.GitObject{SHA: gh.String(tip)}}, true))(t)
	// Create, duplicate, list, missing.
	must(f.gh.Git.CreateRef(c, "acme", "web", &gh.Reference{Ref: gh.String("refs/heads/release/v1"), Object: &gh.GitObject{SHA: gh.String(first)}}))(t)
	_, _, err = f.gh.Git.CreateRef(c, "acme", "web", &gh.Reference{Ref: gh.String("refs/heads/release/v1"), Object: &gh.GitObject{SHA: gh.String(first)}})
	apiErr(t, err, 422, "Reference already exists")
	_, _, err = f.gh.Git.CreateRef(c, "acme", "web", &gh.Reference{Ref: gh.String("refs/heads/x"), Object: &gh.GitObject{SHA: gh.String(strings.Repeat("1", 40))}})
	apiErr(t, err, 422, "Object does not exist")
	_, _, err = f.gh.Git.UpdateRef(c, "acme", "web", &gh.Reference{Ref: gh.String("refs/heads/gone"), Object: &gh.GitObject{SHA: gh.String(first)}}, false)
	apiErr(t, err, 422, "Reference does not exist")
	_, _, err = f.gh.Git.GetRef(c, "acme", "web", "refs/heads/gone")
	apiErr(t, err, 404, "Not Found")
	refs := must(f.gh.Git.ListMatchingRefs(c, "acme", "web", &gh.ReferenceListOptions{Ref: "heads/release"}))(t)
	if len(refs) != 1 || refs[0].GetRef() != "refs/heads/release/v1" {
		t.Errorf("matching refs = %v", refs)
	}
	if _, err := f.gh.Git.DeleteRef(c, "acme", "web", "refs/heads/release/v1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.emu.Ref("acme", "web", "refs/heads/release/v1"); ok {
		t.Error("deleted ref still there")
	}
}

func TestContents(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	old, _ := f.emu.Ref("acme", "web", "refs/heads/main")
	if _, err := f.emu.CommitFiles("acme", "web", "main", map[string][]byte{".release/flags.yaml": []byte("canary: 50\n")}, "up", "octocat"); err != nil {
		t.Fatal(err)
	}
	file, dir, _, err := f.gh.Repositories.GetContents(c, "acme", "web", ".release/flags.yaml", &gh.RepositoryContentGetOptions{Ref: old})
	if err != nil || dir != nil {
		t.Fatal(err)
	}
	if got, _ := file.GetContent(); got != "canary: 0\n" || file.GetType() != "file" || file.GetEncoding() != "base64" {
		t.Errorf("content at the old commit = %q (%s)", got, file.GetType())
	}
	file, _, _, err = f.gh.Repositories.GetContents(c, "acme", "web", ".release/flags.yaml", nil)
	if got, _ := file.GetContent(); err != nil || got != "canary: 50\n" {
		t.Errorf("content on the default branch = %q, %v", got, err)
	}
	_, dir, _, err = f.gh.Repositories.GetContents(c, "acme", "web", ".release", nil)
	if err != nil || len(dir) != 1 || dir[0].GetPath() != ".release/flags.yaml" {
		t.Errorf("directory = %v, %v", dir, err)
	}
	_, _, _, err = f.gh.Repositories.GetContents(c, "acme", "web", "missing.txt", nil)
	apiErr(t, err, 404, "Not Found")
	// PUT with a stale sha is GitHub's 409.
	_, _, err = f.gh.Repositories.UpdateFile(c, "acme", "web", "README.md", &gh.RepositoryContentFileOptions{
		Message: gh.String("docs"), Content: []byte("new\n"), SHA: gh.String(strings.Repeat("0", 40)),
	})
	apiErr(t, err, 409, "README.md does not match "+strings.Repeat("0", 40))
	readme, _, _, _ := f.gh.Repositories.GetContents(c, "acme", "web", "README.md", nil)
	res := must(f.gh.Repositories.UpdateFile(c, "acme", "web", "README.md", &gh.RepositoryContentFileOptions{
		Message: gh.String("docs: readme"), Content: []byte("new\n"), SHA: readme.SHA,
	}))(t)
	if res.Commit.GetMessage() != "docs: readme" {
		t.Errorf("update file commit = %+v", res.Commit)
	}
}

func TestCommitListPagination(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	for i := 0; i < 4; i++ {
		path := "src/a.go"
		if i%2 == 1 {
			path = "docs/b.md"
		}
		if _, err := f.emu.CommitFiles("acme", "web", "main", map[string][]byte{path: []byte{byte('0' + i)}}, "change "+string(rune('0'+i)), "octocat"); err != nil {
			t.Fatal(err)
		}
	}
	list, resp, err := f.gh.Repositories.ListCommits(c, "acme", "web", &gh.CommitsListOptions{SHA: "main", ListOptions: gh.ListOptions{PerPage: 2}})
	if err != nil {
		t.Fatal(err)
	}
	// 5 commits, 2 per page.
	id := strings.TrimPrefix(resp.Header.Get("Link"), "<"+f.srv.URL+"/api/v3/repositories/")
	id, _, _ = strings.Cut(id, "/")
	base := f.srv.URL + "/api/v3/repositories/" + id + "/commits?per_page=2&sha=main&page="
	want := `<` + base + `2>; rel="next", <` + base + `3>; rel="last"`
	if got := resp.Header.Get("Link"); got != want {
		t.Errorf("Link =\n%s\nwant\n%s", got, want)
	}
	if len(list) != 2 || list[0].GetCommit().GetMessage() != "change 3" || resp.NextPage != 2 || resp.LastPage != 3 {
		t.Errorf("page 1 = %d commits, first %q, next %d last %d", len(list), list[0].GetCommit().GetMessage(), resp.NextPage, resp.LastPage)
	}
	_, resp, err = f.gh.Repositories.ListCommits(c, "acme", "web", &gh.CommitsListOptions{SHA: "main", ListOptions: gh.ListOptions{PerPage: 2, Page: 2}})
	if err != nil {
		t.Fatal(err)
	}
	// GitHub orders the commit list's links its own way: next, last, first, prev.
	want = `<` + base + `3>; rel="next", <` + base + `3>; rel="last", <` + base + `1>; rel="first", <` + base + `1>; rel="prev"`
	if got := resp.Header.Get("Link"); got != want {
		t.Errorf("Link page 2 =\n%s\nwant\n%s", got, want)
	}
	// The pages resolve under /repositories/{id} too.
	req, _ := f.gh.NewRequest("GET", "repositories/"+id+"/commits?per_page=2&sha=main&page=3", nil)
	var last []*gh.RepositoryCommit
	if _, err := f.gh.Do(c, req, &last); err != nil || len(last) != 1 {
		t.Errorf("last page via /repositories/%s = %d commits, %v", id, len(last), err)
	}
	docs := must(f.gh.Repositories.ListCommits(c, "acme", "web", &gh.CommitsListOptions{Path: "docs/b.md"}))(t)
	if len(docs) != 2 || docs[0].GetCommit().GetMessage() != "change 3" || docs[1].GetCommit().GetMessage() != "change 1" {
		t.Errorf("path-filtered list = %d commits", len(docs))
	}
	if docs[0].GetAuthor().GetLogin() != "octocat" || docs[0].GetCommit().GetTree().GetSHA() == "" {
		t.Errorf("list item author %q tree %q", docs[0].GetAuthor().GetLogin(), docs[0].GetCommit().GetTree().GetSHA())
	}
	_, _, err = f.gh.Repositories.ListCommits(c, "acme", "web", &gh.CommitsListOptions{SHA: "nope"})
	apiErr(t, err, 404, "No commit found for SHA: nope")
	one := must(f.gh.Repositories.GetCommit(c, "acme", "web", "main", nil))(t)
	if len(one.Files) != 1 || one.Files[0].GetFilename() != "docs/b.md" || one.GetStats().GetTotal() == 0 {
		t.Errorf("single commit files = %v", one.Files)
	}
}

func TestCompareAndTags(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	base, _ := f.emu.Ref("acme", "web", "refs/heads/main")
	if err := f.emu.SetRef("acme", "web", "refs/tags/v1.0.0", base); err != nil {
		t.Fatal(err)
	}
	if _, err := f.emu.CommitFiles("acme", "web", "main", map[string][]byte{"x.go": []byte("x\n")}, "feat: x", "octocat"); err != nil {
		t.Fatal(err)
	}
	head, _ := f.emu.CommitFiles("acme", "web", "main", map[string][]byte{"y.go": []byte("y\n")}, "fix: y", "hubot")
	if err := f.emu.SetRef("acme", "web", "refs/tags/v1.1.0", head); err != nil {
		t.Fatal(err)
	}
	cmp := must(f.gh.Repositories.CompareCommits(c, "acme", "web", "v1.0.0", "main", nil))(t)
	if cmp.GetStatus() != "ahead" || cmp.GetAheadBy() != 2 || cmp.GetBehindBy() != 0 || len(cmp.Commits) != 2 || len(cmp.Files) != 2 {
		t.Errorf("compare = %s ahead %d behind %d, %d commits, %d files", cmp.GetStatus(), cmp.GetAheadBy(), cmp.GetBehindBy(), len(cmp.Commits), len(cmp.Files))
	}
	if cmp.Commits[0].GetCommit().GetMessage() != "feat: x" || cmp.Commits[1].GetAuthor().GetLogin() != "hubot" {
		t.Errorf("compare commits are not oldest first with authors")
	}
	back := must(f.gh.Repositories.CompareCommits(c, "acme", "web", "main", "v1.0.0", nil))(t)
	if back.GetStatus() != "behind" || back.GetBehindBy() != 2 {
		t.Errorf("reverse compare = %s behind %d", back.GetStatus(), back.GetBehindBy())
	}
	tags := must(f.gh.Repositories.ListTags(c, "acme", "web", nil))(t)
	if len(tags) != 2 || tags[0].GetName() != "v1.1.0" || tags[0].GetCommit().GetSHA() != head {
		t.Errorf("tags = %v", tags)
	}
	tagRef := must(f.gh.Git.GetRef(c, "acme", "web", "refs/tags/v1.0.0"))(t)
	if tagRef.GetObject().GetSHA() != base {
		t.Errorf("tag ref = %v", tagRef)
	}
}

func TestPullRequestFlow(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	main, _ := f.emu.Ref("acme", "web", "refs/heads/main")
	must(f.gh.Git.CreateRef(c, "acme", "web", &gh.Reference{Ref: gh.String("refs/heads/release-please"), Object: &gh.GitObject{SHA: gh.String(main)}}))(t)
	_, _, err := f.gh.PullRequests.Create(c, "acme", "web", &gh.NewPullRequest{Title: gh.String("chore: release 1.2.0"), Head: gh.String("release-please"), Base: gh.String("main")})
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != 422 || len(er.Errors) != 1 || !strings.HasPrefix(er.Errors[0].Message, "No commits between") {
		t.Errorf("PR without commits: %v", err)
	}
	head, err := f.emu.CommitFiles("acme", "web", "release-please", map[string][]byte{"RELEASE_NOTES.md": []byte("# 1.2.0\n")}, "chore: release 1.2.0", "releasebot[bot]")
	if err != nil {
		t.Fatal(err)
	}
	pr := must(f.gh.PullRequests.Create(c, "acme", "web", &gh.NewPullRequest{Title: gh.String("chore: release 1.2.0"), Head: gh.String("acme:release-please"), Base: gh.String("main"), Body: gh.String("notes")}))(t)
	if pr.GetNumber() != 1 || pr.GetState() != "open" || pr.GetHead().GetSHA() != head || pr.GetHead().GetRef() != "release-please" {
		t.Errorf("created PR = #%d %s head %s", pr.GetNumber(), pr.GetState(), pr.GetHead().GetSHA())
	}
	// GitHub computes mergeability in the background: unknown when created.
	if pr.Mergeable != nil || pr.GetMergeableState() != "unknown" {
		t.Errorf("created PR mergeable = %v %q, want null and unknown", pr.Mergeable, pr.GetMergeableState())
	}
	if got := must(f.gh.PullRequests.Get(c, "acme", "web", 1))(t); !got.GetMergeable() || got.GetMergeableState() != "clean" {
		t.Errorf("PR mergeable = %v %q, want true and clean", got.Mergeable, got.GetMergeableState())
	}
	_, _, err = f.gh.PullRequests.Create(c, "acme", "web", &gh.NewPullRequest{Title: gh.String("again"), Head: gh.String("release-please"), Base: gh.String("main")})
	if !errors.As(err, &er) || er.Response.StatusCode != 422 || !strings.Contains(er.Errors[0].Message, "A pull request already exists for acme:release-please") {
		t.Errorf("duplicate PR: %v", err)
	}
	open := must(f.gh.PullRequests.List(c, "acme", "web", &gh.PullRequestListOptions{Head: "acme:release-please", State: "open"}))(t)
	if len(open) != 1 || open[0].GetNumber() != 1 {
		t.Errorf("list by head = %v", open)
	}
	if none := must(f.gh.PullRequests.List(c, "acme", "web", &gh.PullRequestListOptions{Head: "acme:other"}))(t); len(none) != 0 {
		t.Errorf("list by another head = %d", len(none))
	}
	edited := must(f.gh.PullRequests.Edit(c, "acme", "web", 1, &gh.PullRequest{Body: gh.String("notes v2")}))(t)
	if edited.GetBody() != "notes v2" {
		t.Errorf("edited body = %q", edited.GetBody())
	}
	// Comments, reactions and labels.
	cm := must(f.gh.Issues.CreateComment(c, "acme", "web", 1, &gh.IssueComment{Body: gh.String("/canary 10")}))(t)
	if !strings.HasSuffix(cm.GetHTMLURL(), "/acme/web/pull/1#issuecomment-"+itoa(cm.GetID())) || cm.GetUser().GetLogin() != "octocat" {
		t.Errorf("comment = %s by %s", cm.GetHTMLURL(), cm.GetUser().GetLogin())
	}
	re := must(f.gh.Reactions.CreateIssueCommentReaction(c, "acme", "web", cm.GetID(), "eyes"))(t)
	again, resp, err := f.gh.Reactions.CreateIssueCommentReaction(c, "acme", "web", cm.GetID(), "eyes")
	if err != nil || resp.StatusCode != 200 || again.GetID() != re.GetID() {
		t.Errorf("repeated reaction = %d %v", resp.StatusCode, err)
	}
	must(f.gh.Reactions.CreateIssueCommentReaction(c, "acme", "web", cm.GetID(), "rocket"))(t)
	_, _, err = f.gh.Reactions.CreateIssueCommentReaction(c, "acme", "web", cm.GetID(), "party")
	if !errors.As(err, &er) || er.Response.StatusCode != 422 {
		t.Errorf("bad reaction: %v", err)
	}
	if got := f.emu.Reactions(cm.GetID()); strings.Join(got, ",") != "eyes,rocket" {
		t.Errorf("reactions = %v", got)
	}
	must(f.gh.Issues.EditComment(c, "acme", "web", cm.GetID(), &gh.IssueComment{Body: gh.String("done ✅")}))(t)
	comments := must(f.gh.Issues.ListComments(c, "acme", "web", 1, nil))(t)
	if len(comments) != 1 || comments[0].GetBody() != "done ✅" || comments[0].GetReactions().GetTotalCount() != 2 {
		t.Errorf("comments = %v", comments)
	}
	labels := must(f.gh.Issues.AddLabelsToIssue(c, "acme", "web", 1, []string{"autorelease: pending"}))(t)
	if len(labels) != 1 || labels[0].GetName() != "autorelease: pending" {
		t.Errorf("labels = %v", labels)
	}
	// Merge with a stale head sha, then squash for real.
	_, _, err = f.gh.PullRequests.Merge(c, "acme", "web", 1, "", &gh.PullRequestOptions{SHA: main, MergeMethod: "squash"})
	apiErr(t, err, 409, "Head branch was modified. Review and try the merge again.")
	res := must(f.gh.PullRequests.Merge(c, "acme", "web", 1, "", &gh.PullRequestOptions{SHA: head, MergeMethod: "squash"}))(t)
	if !res.GetMerged() {
		t.Fatalf("merge = %+v", res)
	}
	if log := f.git(t, "log", "-1", "--format=%H %P%n%B", "main"); !strings.HasPrefix(log, res.GetSHA()+" "+main+"\nchore: release 1.2.0 (#1)\n") {
		t.Errorf("squash commit:\n%s", log)
	}
	merged := must(f.gh.PullRequests.Get(c, "acme", "web", 1))(t)
	if !merged.GetMerged() || merged.GetState() != "closed" || merged.GetMergeCommitSHA() != res.GetSHA() {
		t.Errorf("merged PR = %s merged %v %s", merged.GetState(), merged.GetMerged(), merged.GetMergeCommitSHA())
	}
	_, _, err = f.gh.PullRequests.Merge(c, "acme", "web", 1, "", nil)
	apiErr(t, err, 405, "Pull Request is not mergeable")
	for _, sha := range []string{res.GetSHA(), head} {
		prs := must(f.gh.PullRequests.ListPullRequestsWithCommit(c, "acme", "web", sha, nil))(t)
		if len(prs) != 1 || prs[0].GetNumber() != 1 {
			t.Errorf("PRs with commit %s = %d", sha[:7], len(prs))
		}
	}
}

func TestMergeCommit(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	main, _ := f.emu.Ref("acme", "web", "refs/heads/main")
	if err := f.emu.SetRef("acme", "web", "refs/heads/feature", main); err != nil {
		t.Fatal(err)
	}
	head, _ := f.emu.CommitFiles("acme", "web", "feature", map[string][]byte{"f.txt": []byte("f\n")}, "feat: f", "octocat")
	if _, err := f.emu.CommitFiles("acme", "web", "main", map[string][]byte{"m2.txt": []byte("m2\n")}, "fix: m2", "octocat"); err != nil {
		t.Fatal(err)
	}
	pr := must(f.gh.PullRequests.Create(c, "acme", "web", &gh.NewPullRequest{Title: gh.String("feat: f"), Head: gh.String("feature"), Base: gh.String("main")}))(t)
	res := must(f.gh.PullRequests.Merge(c, "acme", "web", pr.GetNumber(), "", nil))(t)
	parents := strings.Fields(f.git(t, "log", "-1", "--format=%P", res.GetSHA()))
	if len(parents) != 2 || parents[1] != head {
		t.Errorf("merge commit parents = %v, want main's tip and %s", parents, head)
	}
	if ls := f.git(t, "ls-tree", "--name-only", "main"); !strings.Contains(ls, "f.txt") || !strings.Contains(ls, "m2.txt") {
		t.Errorf("merged tree:\n%s", ls)
	}
}

func TestReleases(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	rel := must(f.gh.Repositories.CreateRelease(c, "acme", "web", &gh.RepositoryRelease{TagName: gh.String("v1.2.0"), Name: gh.String("v1.2.0"), Body: gh.String("notes")}))(t)
	if rel.GetHTMLURL() != f.srv.URL+"/acme/web/releases/tag/v1.2.0" || rel.GetAuthor().GetLogin() != "octocat" || rel.PublishedAt == nil {
		t.Errorf("release = %+v", rel)
	}
	if _, ok := f.emu.Ref("acme", "web", "refs/tags/v1.2.0"); !ok {
		t.Error("publishing the release did not create the tag")
	}
	_, _, err := f.gh.Repositories.CreateRelease(c, "acme", "web", &gh.RepositoryRelease{TagName: gh.String("v1.2.0")})
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != 422 || er.Errors[0].Code != "already_exists" {
		t.Errorf("duplicate release: %v", err)
	}
	byTag := must(f.gh.Repositories.GetReleaseByTag(c, "acme", "web", "v1.2.0"))(t)
	edited := must(f.gh.Repositories.EditRelease(c, "acme", "web", byTag.GetID(), &gh.RepositoryRelease{Body: gh.String("notes\n\n## Rollout log\n- canary 10%")}))(t)
	if !strings.Contains(edited.GetBody(), "Rollout log") {
		t.Errorf("edited body = %q", edited.GetBody())
	}
	list := must(f.gh.Repositories.ListReleases(c, "acme", "web", nil))(t)
	if len(list) != 1 || list[0].GetBody() != edited.GetBody() {
		t.Errorf("list = %v", list)
	}
	_, _, err = f.gh.Repositories.GetReleaseByTag(c, "acme", "web", "v9")
	apiErr(t, err, 404, "Not Found")
}

func TestPermissionChecksAndStatuses(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	if err := f.emu.SetPermission("acme", "web", "ana", "maintain"); err != nil {
		t.Fatal(err)
	}
	p := must(f.gh.Repositories.GetPermissionLevel(c, "acme", "web", "ana"))(t)
	if p.GetPermission() != "write" || p.GetUser().GetLogin() != "ana" {
		t.Errorf("permission = %s for %s", p.GetPermission(), p.GetUser().GetLogin())
	}
	var raw map[string]any
	req, _ := f.gh.NewRequest("GET", "repos/acme/web/collaborators/ana/permission", nil)
	if _, err := f.gh.Do(c, req, &raw); err != nil || raw["role_name"] != "maintain" {
		t.Errorf("role_name = %v, %v", raw["role_name"], err)
	}
	if p := must(f.gh.Repositories.GetPermissionLevel(c, "acme", "web", "stranger"))(t); p.GetPermission() != "read" {
		t.Errorf("stranger's permission on a public repository = %s", p.GetPermission())
	}
	main, _ := f.emu.Ref("acme", "web", "refs/heads/main")
	if err := f.emu.SetCheckRuns("acme", "web", "main", githubemu.CheckRun{Name: "test", Conclusion: "success"}, githubemu.CheckRun{Name: "lint", Status: "in_progress"}); err != nil {
		t.Fatal(err)
	}
	runs := must(f.gh.Checks.ListCheckRunsForRef(c, "acme", "web", main, nil))(t)
	if runs.GetTotal() != 2 || runs.CheckRuns[0].GetConclusion() != "success" || runs.CheckRuns[1].GetStatus() != "in_progress" {
		t.Errorf("check runs = %+v", runs)
	}
	cs := must(f.gh.Repositories.GetCombinedStatus(c, "acme", "web", "main", nil))(t)
	if cs.GetState() != "pending" || cs.GetTotalCount() != 0 {
		t.Errorf("combined status without statuses = %s", cs.GetState())
	}
	_ = f.emu.SetStatus("acme", "web", main, githubemu.Status{Context: "ci/build", State: "pending"})
	_ = f.emu.SetStatus("acme", "web", main, githubemu.Status{Context: "ci/build", State: "success"})
	_ = f.emu.SetStatus("acme", "web", main, githubemu.Status{Context: "ci/e2e", State: "success"})
	cs = must(f.gh.Repositories.GetCombinedStatus(c, "acme", "web", main, nil))(t)
	if cs.GetState() != "success" || cs.GetTotalCount() != 2 {
		t.Errorf("combined status = %s with %d", cs.GetState(), cs.GetTotalCount())
	}
	must(f.gh.Repositories.CreateStatus(c, "acme", "web", main, &gh.RepoStatus{State: gh.String("failure"), Context: gh.String("ci/e2e")}))(t)
	if cs = must(f.gh.Repositories.GetCombinedStatus(c, "acme", "web", main, nil))(t); cs.GetState() != "failure" {
		t.Errorf("combined status after a failure = %s", cs.GetState())
	}
}

func TestAuthHeadersAndPrefix(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	// Root and /api/v3 serve the same API.
	root := client(t, f.srv.URL+"/", token)
	if _, resp, err := root.Repositories.Get(c, "acme", "web"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("at the root: %v", err)
	}
	_, resp, err := f.gh.Repositories.Get(c, "acme", "web")
	if err != nil {
		t.Fatal(err)
	}
	h := resp.Header
	for _, k := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Used", "X-RateLimit-Reset", "X-RateLimit-Resource", "X-GitHub-Request-Id"} {
		if h.Get(k) == "" {
			t.Errorf("response has no %s", k)
		}
	}
	if resp.Rate.Limit != 5000 || resp.Rate.Remaining != 5000-2 {
		t.Errorf("rate = %+v, want 5000 with 2 used", resp.Rate)
	}
	_, _, err = client(t, f.srv.URL+"/api/v3/", "wrong").Repositories.Get(c, "acme", "web")
	apiErr(t, err, 401, "Bad credentials")
	r, _ := http.Get(f.srv.URL + "/api/v3/repos/acme/web")
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	var msg map[string]string
	if r.StatusCode != 401 || json.Unmarshal(body, &msg) != nil || msg["message"] != "Requires authentication" || r.Header.Get("X-RateLimit-Limit") != "60" {
		t.Errorf("anonymous = %d %s", r.StatusCode, body)
	}
	// "token" works as well as "Bearer".
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v3/repos/acme/web", nil)
	req.Header.Set("Authorization", "token "+token)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 200 {
		t.Errorf("token scheme: %v", err)
	} else {
		r.Body.Close()
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
