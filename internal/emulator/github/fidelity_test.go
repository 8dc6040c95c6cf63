package githubemu_test

// Tests that the emulator is no kinder than GitHub: each case is a refusal
// or a shape GitHub's REST API has and an earlier emulator did not.

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jwt "github.com/golang-jwt/jwt/v4"
	gh "github.com/google/go-github/v62/github"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
)

// raw sends a request with the fixture's token and returns the status and
// the decoded JSON body.
func (f *fixture) raw(t *testing.T, method, path, body string, hdr ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+"/api/v3/"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func message(t *testing.T, body []byte) string {
	t.Helper()
	var m struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return m.Message
}

func (f *fixture) mainSHA(t *testing.T) string {
	t.Helper()
	sha, ok := f.emu.Ref("acme", "web", "refs/heads/main")
	if !ok {
		t.Fatal("no main")
	}
	return sha
}

const missingSHA = "1111111111111111111111111111111111111111"

func TestRefRefusals(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	main := f.mainSHA(t)
	tree := strings.TrimSpace(f.git(t, "rev-parse", "main^{tree}"))
	ref := func(name, sha string) *gh.Reference {
		return &gh.Reference{Ref: gh.String(name), Object: &gh.GitObject{SHA: gh.String(sha)}}
	}
	badSHA := "The sha parameter must be exactly 40 characters and contain only [0-9a-f]."
	for _, tc := range []struct {
		name   string
		call   func() error
		status int
		msg    string
	}{
		{"update to an abbreviated sha", func() error {
			_, _, err := f.gh.Git.UpdateRef(c, "acme", "web", ref("refs/heads/main", main[:7]), false)
			return err
		}, 422, badSHA},
		{"update of a missing ref is refused before the object is looked at", func() error {
			_, _, err := f.gh.Git.UpdateRef(c, "acme", "web", ref("refs/heads/gone", missingSHA), false)
			return err
		}, 422, "Reference does not exist"},
		{"update to a missing object", func() error {
			_, _, err := f.gh.Git.UpdateRef(c, "acme", "web", ref("refs/heads/main", missingSHA), true)
			return err
		}, 422, "Object does not exist"},
		{"a branch only points at a commit", func() error {
			_, _, err := f.gh.Git.UpdateRef(c, "acme", "web", ref("refs/heads/main", tree), true)
			return err
		}, 422, "Object is not a commit"},
		{"create at an abbreviated sha", func() error {
			_, _, err := f.gh.Git.CreateRef(c, "acme", "web", ref("refs/heads/x", main[:12]))
			return err
		}, 422, badSHA},
		{"create with two components", func() error {
			_, _, err := f.gh.Git.CreateRef(c, "acme", "web", ref("refs/x", main))
			return err
		}, 422, "Reference name must contain at least three slash-separated components."},
		{"create under refs/pull", func() error {
			_, _, err := f.gh.Git.CreateRef(c, "acme", "web", ref("refs/pull/1/head", main))
			return err
		}, 422, "refs/pull/* is read-only."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apiErr(t, tc.call(), tc.status, tc.msg)
		})
	}
	// go-github prefixes refs/ itself; GitHub's own checks of the name:
	for name, want := range map[string]string{
		"main":    "main is not a valid ref name.",
		"heads/x": "Reference name must start with 'refs/'.",
	} {
		status, _, body := f.raw(t, "POST", "repos/acme/web/git/refs", `{"ref":"`+name+`","sha":"`+main+`"}`)
		if status != 422 || message(t, body) != want {
			t.Errorf("create %q = %d %s, want 422 %q", name, status, body, want)
		}
	}
	if got := f.mainSHA(t); got != main {
		t.Errorf("main moved to %s", got)
	}
	// GET /git/refs/{name} matches names by prefix, as strings.
	var refs []*gh.Reference
	req, _ := f.gh.NewRequest("GET", "repos/acme/web/git/refs/heads/ma", nil)
	if _, err := f.gh.Do(c, req, &refs); err != nil || len(refs) != 1 || refs[0].GetRef() != "refs/heads/main" {
		t.Errorf("GET git/refs/heads/ma = %v, %v; want [refs/heads/main]", refs, err)
	}
}

// TestRefUpdateLosesARace: a ref that moves inside GitHub between the read
// and the write of an update is 422 "Reference cannot be updated", not
// retried on the new tip.
func TestRefUpdateLosesARace(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	main := f.mainSHA(t)
	ours, _, err := f.gh.Git.CreateCommit(c, "acme", "web", &gh.Commit{
		Message: gh.String("ours"), Tree: &gh.Tree{SHA: gh.String(strings.TrimSpace(f.git(t, "rev-parse", "main^{tree}")))},
		Parents: []*gh.Commit{{SHA: gh.String(main)}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var theirs string
	f.emu.Inject("PATCH", "/repos/acme/web/git/refs/heads/main", githubemu.RefRace(func() {
		theirs, err = f.emu.CommitFiles("acme", "web", "main", map[string][]byte{"theirs": []byte("1\n")}, "theirs", "hubot")
	}))
	_, _, uerr := f.gh.Git.UpdateRef(c, "acme", "web", &gh.Reference{Ref: gh.String("refs/heads/main"), Object: &gh.GitObject{SHA: ours.SHA}}, false)
	apiErr(t, uerr, 422, "Reference cannot be updated")
	if err != nil || f.mainSHA(t) != theirs {
		t.Errorf("main = %s, want the racing commit %s (%v)", f.mainSHA(t), theirs, err)
	}
}

func TestGitObjectRefusals(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	main := f.mainSHA(t)
	tree := strings.TrimSpace(f.git(t, "rev-parse", "main^{tree}"))
	blob := strings.TrimSpace(f.git(t, "rev-parse", "main:README.md"))
	commit := func(tree string, parents ...string) error {
		cm := &gh.Commit{Message: gh.String("m"), Tree: &gh.Tree{SHA: gh.String(tree)}}
		for _, p := range parents {
			cm.Parents = append(cm.Parents, &gh.Commit{SHA: gh.String(p)})
		}
		_, _, err := f.gh.Git.CreateCommit(c, "acme", "web", cm, nil)
		return err
	}
	entry := func(path, mode, sha, content string) *gh.TreeEntry {
		e := &gh.TreeEntry{Path: gh.String(path), Mode: gh.String(mode), Type: gh.String("blob")}
		if sha != "" {
			e.SHA = gh.String(sha)
		}
		if content != "" {
			e.Content = gh.String(content)
		}
		return e
	}
	treeErr := func(base string, entries ...*gh.TreeEntry) error {
		_, _, err := f.gh.Git.CreateTree(c, "acme", "web", base, entries)
		return err
	}
	for _, tc := range []struct {
		name   string
		err    error
		status int
		msg    string
	}{
		{"commit: a tree that is not a sha", commit("nonsense"), 422, "The tree parameter must be exactly 40 characters and contain only [0-9a-f]."},
		{"commit: a missing tree", commit(missingSHA), 422, "Tree SHA does not exist"},
		{"commit: a blob as tree", commit(blob), 422, "Tree SHA is not a tree object"},
		{"commit: a parent that is not a sha", commit(tree, main[:7]), 422, "Each SHA in the 'parents' parameter must be exactly 40 characters and contain only [0-9a-f]."},
		{"commit: a missing parent", commit(tree, missingSHA), 422, "Parent SHA does not exist or is not a commit object"},
		{"commit: a tree as parent", commit(tree, tree), 422, "Parent SHA does not exist or is not a commit object"},
		{"tree: no entries", treeErr(tree), 422, "Invalid tree info"},
		{"tree: both sha and content", treeErr(tree, entry("a", "100644", blob, "x")), 422, "Must supply either tree.sha or tree.content. Request will be rejected if both are present."},
		{"tree: a sha of another type", treeErr(tree, entry("a", "100644", tree, "")), 422, "tree.sha " + tree + " is not a valid blob"},
		{"tree: a bad mode", treeErr(tree, entry("a", "100600", blob, "")), 422, "Must supply a valid tree.mode"},
		{"tree: a base that is no tree", treeErr(missingSHA, entry("a", "100644", blob, "")), 422, "base_tree is not a valid tree oid"},
		{"tree: nothing left", treeErr(tree,
			&gh.TreeEntry{Path: gh.String("README.md"), Mode: gh.String("100644"), Type: gh.String("blob")},
			&gh.TreeEntry{Path: gh.String(".release"), Mode: gh.String("040000"), Type: gh.String("tree")}), 404, "Not Found"},
	} {
		t.Run(tc.name, func(t *testing.T) { apiErr(t, tc.err, tc.status, tc.msg) })
	}
	// An entry with neither sha nor content is refused as well.
	status, _, body := f.raw(t, "POST", "repos/acme/web/git/trees", `{"base_tree":"`+tree+`","tree":[{"path":"a","mode":"100644","type":"blob"}]}`)
	if status != 422 || message(t, body) != "Must supply either tree.sha or tree.content. Request will be rejected if both are present." {
		t.Errorf("entry without sha or content = %d %s", status, body)
	}
	// base_tree may name a commit: its tree is the base.
	if got, _, err := f.gh.Git.CreateTree(c, "acme", "web", main, []*gh.TreeEntry{entry("new.txt", "100644", "", "n\n")}); err != nil || len(got.Entries) != 3 {
		t.Errorf("tree on a commit's tree = %v, %v", got, err)
	}
	// Any value of recursive recurses, even 0.
	status, _, body = f.raw(t, "GET", "repos/acme/web/git/trees/main?recursive=0", "")
	if status != 200 || !bytes.Contains(body, []byte(`".release/flags.yaml"`)) {
		t.Errorf("GET trees/main?recursive=0 = %d %s", status, body)
	}
	status, _, body = f.raw(t, "GET", "repos/acme/web/git/trees/"+missingSHA, "")
	if status != 404 {
		t.Errorf("GET trees/<missing> = %d %s", status, body)
	}
	status, _, body = f.raw(t, "GET", "repos/acme/web/git/trees/"+blob, "")
	if status != 422 || message(t, body) != "Invalid object requested. SHA must identify a commit or a tree." {
		t.Errorf("GET trees/<blob> = %d %s", status, body)
	}
}

func TestBlobs(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	_, _, err := f.gh.Git.CreateBlob(c, "acme", "web", &gh.Blob{Encoding: gh.String("utf-8")})
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != 422 || er.Message != "Validation Failed" || len(er.Errors) != 1 ||
		er.Errors[0].Resource != "Blob" || er.Errors[0].Field != "content" || er.Errors[0].Code != "missing_field" {
		t.Errorf("blob without content: %v", err)
	}
	// GitHub decodes Base64 as Ruby's decode64 does: leniently.
	b := must(f.gh.Git.CreateBlob(c, "acme", "web", &gh.Blob{Content: gh.String("AP8B!!\n"), Encoding: gh.String("base64")}))(t)
	if got := f.git(t, "cat-file", "blob", b.GetSHA()); got != "\x00\xff\x01" {
		t.Errorf("lenient Base64 blob = %q", got)
	}
	_, _, err = f.gh.Git.GetBlob(c, "acme", "web", b.GetSHA()[:7])
	apiErr(t, err, 422, "The sha parameter must be exactly 40 characters and contain only [0-9a-f].")
	_, _, err = f.gh.Git.GetBlob(c, "acme", "web", missingSHA)
	apiErr(t, err, 404, "Not Found")
}

func TestContentsRefusalsAndLargeFiles(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16+1) // 1 MB and 16 bytes
	if _, err := f.emu.CommitFiles("acme", "web", "main", map[string][]byte{"big.bin": big}, "big", "octocat"); err != nil {
		t.Fatal(err)
	}
	file, _, _, err := f.gh.Repositories.GetContents(c, "acme", "web", "big.bin", nil)
	if err != nil || file.GetEncoding() != "none" || file.Content == nil || *file.Content != "" || file.GetSize() != len(big) {
		t.Errorf("a file over 1 MB = %v (encoding %q), want no content, encoding none", err, file.GetEncoding())
	}
	status, _, body := f.raw(t, "GET", "repos/acme/web/contents/big.bin", "", "Accept", "application/vnd.github.raw+json")
	if status != 200 || !bytes.Equal(body, big) {
		t.Errorf("raw media type = %d, %d bytes", status, len(body))
	}
	put := func(path, branch string) error {
		_, _, err := f.gh.Repositories.CreateFile(c, "acme", "web", path, &gh.RepositoryContentFileOptions{
			Message: gh.String("m"), Content: []byte("x\n"), Branch: gh.String(branch),
		})
		return err
	}
	apiErr(t, put("README.md/x", "main"), 409, "Sorry, a file exists where you’re trying to create a subdirectory. Choose a new path and try again.")
	apiErr(t, put(".release", "main"), 422, ".release is not a file")
	apiErr(t, put("x.txt", "nope"), 404, "Branch nope not found")
	if err := f.emu.CreateRepo("acme", "empty", githubemu.RepoOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = f.gh.Repositories.GetContents(c, "acme", "empty", "README.md", nil)
	apiErr(t, err, 404, "This repository is empty.")
	// The Git Data API needs a first commit: GitHub refuses it on an empty repository.
	_, _, err = f.gh.Git.CreateBlob(c, "acme", "empty", &gh.Blob{Content: gh.String("x")})
	apiErr(t, err, 409, "Git Repository is empty.")
	// The first file of an empty repository makes its branch, whatever its name.
	if _, _, err := f.gh.Repositories.CreateFile(c, "acme", "empty", "a.txt", &gh.RepositoryContentFileOptions{
		Message: gh.String("first"), Content: []byte("a\n"), Branch: gh.String("trunk"),
	}); err != nil {
		t.Errorf("first file on a new branch of an empty repository: %v", err)
	}
}

// TestCommitListLinks: GitHub's commit list offers a next page whenever a
// page is full, even the last one, whose next page is empty.
func TestCommitListLinks(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	for i := 0; i < 3; i++ { // 4 commits
		if _, err := f.emu.CommitFiles("acme", "web", "main", map[string][]byte{"n": {byte('0' + i)}}, "n", "octocat"); err != nil {
			t.Fatal(err)
		}
	}
	opts := &gh.CommitsListOptions{ListOptions: gh.ListOptions{PerPage: 2, Page: 2}}
	list, resp, err := f.gh.Repositories.ListCommits(c, "acme", "web", opts)
	if err != nil || len(list) != 2 || resp.NextPage != 3 || resp.LastPage != 2 || resp.PrevPage != 1 || resp.FirstPage != 1 {
		t.Fatalf("full last page: %d commits, next %d last %d prev %d first %d, %v", len(list), resp.NextPage, resp.LastPage, resp.PrevPage, resp.FirstPage, err)
	}
	opts.Page = 3
	list, resp, err = f.gh.Repositories.ListCommits(c, "acme", "web", opts)
	if err != nil || len(list) != 0 || resp.NextPage != 0 || resp.PrevPage != 2 {
		t.Errorf("page after the last: %d commits, next %d prev %d, %v", len(list), resp.NextPage, resp.PrevPage, err)
	}
}

func TestPullRequestShapes(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	for _, b := range []string{"feature", "draft"} {
		if _, err := f.emu.CommitFiles("acme", "web", b, map[string][]byte{b + ".txt": []byte(b)}, "feat: "+b, "octocat"); err != nil {
			t.Fatal(err)
		}
	}
	// A branch with a history of its own cannot be proposed.
	root := must(f.gh.Git.CreateCommit(c, "acme", "web", &gh.Commit{
		Message: gh.String("o"), Tree: &gh.Tree{SHA: gh.String(strings.TrimSpace(f.git(t, "rev-parse", "main^{tree}")))},
	}, nil))(t)
	must(f.gh.Git.CreateRef(c, "acme", "web", &gh.Reference{Ref: gh.String("refs/heads/orphan"), Object: &gh.GitObject{SHA: root.SHA}}))(t)
	_, _, err := f.gh.PullRequests.Create(c, "acme", "web", &gh.NewPullRequest{Title: gh.String("o"), Head: gh.String("orphan"), Base: gh.String("main")})
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response.StatusCode != 422 || len(er.Errors) != 1 || er.Errors[0].Message != "The orphan branch has no history in common with main" {
		t.Errorf("pull request from an unrelated branch: %v", err)
	}
	pr := must(f.gh.PullRequests.Create(c, "acme", "web", &gh.NewPullRequest{Title: gh.String("feat"), Head: gh.String("feature"), Base: gh.String("main")}))(t)
	draft := must(f.gh.PullRequests.Create(c, "acme", "web", &gh.NewPullRequest{Title: gh.String("wip"), Head: gh.String("draft"), Base: gh.String("main"), Draft: gh.Bool(true)}))(t)
	_, _, err = f.gh.PullRequests.Merge(c, "acme", "web", draft.GetNumber(), "", nil)
	apiErr(t, err, 405, "Pull Request is still a draft")
	_, _, err = f.gh.PullRequests.Merge(c, "acme", "web", pr.GetNumber(), "", &gh.PullRequestOptions{SHA: "abc1234"})
	apiErr(t, err, 422, "The sha parameter must be exactly 40 characters and contain only [0-9a-f].")
	merged := must(f.gh.PullRequests.Merge(c, "acme", "web", pr.GetNumber(), "", nil))(t)
	// Lists carry the simple shape: no merged, no mergeable, no counts.
	for _, path := range []string{"repos/acme/web/pulls?state=all", "repos/acme/web/commits/" + merged.GetSHA() + "/pulls"} {
		status, _, body := f.raw(t, "GET", path, "")
		var items []map[string]any
		if status != 200 || json.Unmarshal(body, &items) != nil || len(items) == 0 {
			t.Fatalf("GET %s = %d %s", path, status, body)
		}
		for _, it := range items {
			for _, k := range []string{"merged", "mergeable", "mergeable_state", "merged_by", "commits", "comments", "maintainer_can_modify"} {
				if _, ok := it[k]; ok {
					t.Errorf("GET %s: #%v has %q", path, it["number"], k)
				}
			}
			if it["number"] == float64(pr.GetNumber()) && (it["merged_at"] == nil || it["merge_commit_sha"] != merged.GetSHA()) {
				t.Errorf("GET %s: the merged pull request lacks merged_at or merge_commit_sha: %v", path, it)
			}
		}
	}
	// A head without its owner filters nothing.
	if all := must(f.gh.PullRequests.List(c, "acme", "web", &gh.PullRequestListOptions{Head: "feature", State: "all"}))(t); len(all) != 2 {
		t.Errorf("head without owner: %d pull requests, want both", len(all))
	}
	if got := must(f.gh.PullRequests.Get(c, "acme", "web", pr.GetNumber()))(t); !got.GetMerged() {
		t.Error("GET /pulls/{n} does not say merged")
	}
}

func TestStatusesChecksAndRateLimitEndpoint(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	main := f.mainSHA(t)
	for _, ctxName := range []string{"a", "b", "c"} {
		if err := f.emu.SetStatus("acme", "web", main, githubemu.Status{Context: ctxName, State: "success"}); err != nil {
			t.Fatal(err)
		}
	}
	cs, resp, err := f.gh.Repositories.GetCombinedStatus(c, "acme", "web", main, &gh.ListOptions{PerPage: 2})
	if err != nil || len(cs.Statuses) != 2 || cs.GetTotalCount() != 3 || resp.NextPage != 2 || cs.GetState() != "success" {
		t.Errorf("combined status page 1: %d statuses of %d, next %d, %v", len(cs.Statuses), cs.GetTotalCount(), resp.NextPage, err)
	}
	if err := f.emu.SetCheckRuns("acme", "web", main,
		githubemu.CheckRun{Name: "test", Conclusion: "failure"}, githubemu.CheckRun{Name: "test", Conclusion: "success"}); err != nil {
		t.Fatal(err)
	}
	runs := must(f.gh.Checks.ListCheckRunsForRef(c, "acme", "web", main, nil))(t)
	if runs.GetTotal() != 1 || runs.CheckRuns[0].GetConclusion() != "success" {
		t.Errorf("check runs (filter=latest) = %d, want the newest run of test", runs.GetTotal())
	}
	if all := must(f.gh.Checks.ListCheckRunsForRef(c, "acme", "web", main, &gh.ListCheckRunsOptions{Filter: gh.String("all")}))(t); all.GetTotal() != 2 {
		t.Errorf("check runs (filter=all) = %d, want 2", all.GetTotal())
	}
	// GET /rate_limit does not spend the quota.
	first := must(f.gh.RateLimit.Get(c))(t)
	second := must(f.gh.RateLimit.Get(c))(t)
	if first.GetCore().Remaining != second.GetCore().Remaining {
		t.Errorf("GET /rate_limit spent the quota: %d then %d", first.GetCore().Remaining, second.GetCore().Remaining)
	}
}

// signJWT signs App claims as a client would.
func signJWT(t *testing.T, f *appFixture, iss any, iat, exp time.Time) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": iss, "iat": iat.Unix(), "exp": exp.Unix()}).SignedString(f.key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// appFixture is a fixture with a GitHub App (id 4242, installation 77)
// whose webhooks go to a receiver that accepts them.
type appFixture struct {
	*fixture
	key *rsa.PrivateKey
}

func newAppFixture(t *testing.T) *appFixture {
	t.Helper()
	key, _ := rsaKey(t)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(hook.Close)
	f := newFixture(t, func(o *githubemu.Options) {
		o.Apps = []githubemu.App{{ID: 4242, Slug: "releasebot", PublicKey: &key.PublicKey, InstallationID: 77}}
		o.Webhook = githubemu.Webhook{URL: hook.URL, Secret: "s"}
	})
	return &appFixture{fixture: f, key: key}
}

// TestAppJWTChecks holds the JWT to GitHub's rules, by GitHub's clock.
func TestAppJWTChecks(t *testing.T) {
	f := newAppFixture(t)
	now := time.Now()
	for _, tc := range []struct {
		name     string
		iss      any
		iat, exp time.Time
		status   int
		msg      string
	}{
		{"backdated a minute, ten minutes ahead", "4242", now.Add(-time.Minute), now.Add(10*time.Minute - 5*time.Second), 201, ""},
		{"the App id as a number", 4242, now.Add(-30 * time.Second), now.Add(2 * time.Minute), 201, ""},
		{"expiring more than ten minutes ahead", "4242", now.Add(-time.Minute), now.Add(11 * time.Minute), 401, "'Expiration time' claim ('exp') is too far in the future"},
		{"issued in the future", "4242", now.Add(time.Minute), now.Add(5 * time.Minute), 401, "'Issued at' claim ('iat') is in the future"},
		{"expired", "4242", now.Add(-5 * time.Minute), now.Add(-time.Minute), 401, "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires."},
		{"an unknown App", "999", now.Add(-time.Minute), now.Add(5 * time.Minute), 404, "Integration not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", f.srv.URL+"/api/v3/app/installations/77/access_tokens", nil)
			req.Header.Set("Authorization", "Bearer "+signJWT(t, f, tc.iss, tc.iat, tc.exp))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || tc.msg != "" && message(t, body) != tc.msg {
				t.Errorf("= %d %s, want %d %q", resp.StatusCode, body, tc.status, tc.msg)
			}
		})
	}
}

// TestAppWebhooksAndPermissions: an App's deliveries name it as their
// target; a deleted branch is a push with deleted set; the App's
// installation may read statuses but not write them.
func TestAppWebhooksAndPermissions(t *testing.T) {
	f := newAppFixture(t)
	c := ctx(t)
	main := f.mainSHA(t)
	must(f.gh.Git.CreateRef(c, "acme", "web", &gh.Reference{Ref: gh.String("refs/heads/tmp"), Object: &gh.GitObject{SHA: gh.String(main)}}))(t)
	if _, err := f.gh.Git.DeleteRef(c, "acme", "web", "heads/tmp"); err != nil {
		t.Fatal(err)
	}
	head, err := f.emu.CommitFiles("acme", "web", "feature", map[string][]byte{"f": []byte("f")}, "feat: f", "octocat")
	if err != nil {
		t.Fatal(err)
	}
	must(f.gh.PullRequests.Create(c, "acme", "web", &gh.NewPullRequest{Title: gh.String("f"), Head: gh.String("feature"), Base: gh.String("main")}))(t)
	if err := f.emu.WaitWebhooks(c); err != nil {
		t.Fatal(err)
	}
	var deleted, opened bool
	for _, d := range f.emu.Deliveries() {
		if d.Header.Get("X-GitHub-Hook-Installation-Target-Type") != "integration" || d.Header.Get("X-GitHub-Hook-Installation-Target-ID") != "4242" ||
			d.Header.Get("Accept") != "*/*" || !strings.HasPrefix(d.Header.Get("User-Agent"), "GitHub-Hookshot/") {
			t.Errorf("%s delivery headers = %v", d.Event, d.Header)
		}
		ev, err := gh.ParseWebHook(d.Event, d.Payload)
		if err != nil {
			t.Fatal(err)
		}
		switch ev := ev.(type) {
		case *gh.PushEvent:
			if ev.GetRef() == "refs/heads/tmp" && ev.GetDeleted() {
				deleted = ev.GetAfter() == strings.Repeat("0", 40) && ev.GetBefore() == main
			}
		case *gh.PullRequestEvent:
			if ev.GetAction() == "opened" {
				opened = ev.GetPullRequest().Mergeable == nil && ev.GetPullRequest().GetHead().GetSHA() == head
			}
		}
	}
	if !deleted || !opened {
		t.Errorf("deleted branch push %v, opened pull request with mergeable pending %v", deleted, opened)
	}
	// The installation's token may not write statuses (statuses: read).
	tok := must(f.appClient(t).Apps.CreateInstallationToken(c, 77, nil))(t)
	app := client(t, f.srv.URL+"/api/v3/", tok.GetToken())
	_, _, err = app.Repositories.CreateStatus(c, "acme", "web", main, &gh.RepoStatus{State: gh.String("success"), Context: gh.String("ci")})
	apiErr(t, err, 403, "Resource not accessible by integration")
	if _, _, err := app.Repositories.GetCombinedStatus(c, "acme", "web", main, nil); err != nil {
		t.Errorf("reading statuses as the App: %v", err)
	}
}

// appClient is a client authenticated as the App itself (a JWT).
func (f *appFixture) appClient(t *testing.T) *gh.Client {
	now := time.Now()
	return client(t, f.srv.URL+"/api/v3/", signJWT(t, f, "4242", now.Add(-30*time.Second), now.Add(5*time.Minute)))
}
