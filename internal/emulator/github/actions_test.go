package githubemu_test

import (
	"net/http"
	"reflect"
	"testing"

	gh "github.com/google/go-github/v62/github"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
)

func TestWorkflowDispatch(t *testing.T) {
	f := newFixture(t)
	if _, err := f.emu.CommitFiles("acme", "web", "main", map[string][]byte{
		".github/workflows/deploy.yml": []byte("on:\n  workflow_dispatch:\n  push:\n"),
		".github/workflows/ci.yml":     []byte("on: [push]\n"),
	}, "ci: workflows", "octocat"); err != nil {
		t.Fatal(err)
	}
	if err := f.emu.SetPermission("acme", "web", "reader", "read"); err != nil {
		t.Fatal(err)
	}
	f.emu.AddToken("ghp_reader", "reader")
	const path = "repos/acme/web/actions/workflows/"
	for _, tc := range []struct {
		name, workflow, body string
		status               int
		message              string
	}{
		{"dispatched", "deploy.yml", `{"ref":"main","inputs":{"reason":"flags"}}`, http.StatusNoContent, ""},
		{"by full ref name", "deploy.yml", `{"ref":"refs/heads/main"}`, http.StatusNoContent, ""},
		{"no such workflow", "nope.yml", `{"ref":"main"}`, http.StatusNotFound, "Not Found"},
		{"numeric id", "12345", `{"ref":"main"}`, http.StatusNotFound, "Not Found"},
		{"unknown ref", "deploy.yml", `{"ref":"nope"}`, http.StatusUnprocessableEntity, "No ref found for: nope"},
		{"no trigger", "ci.yml", `{"ref":"main"}`, http.StatusUnprocessableEntity, "Workflow does not have 'workflow_dispatch' trigger"},
		{"no ref", "deploy.yml", `{}`, http.StatusUnprocessableEntity, "Invalid request.\n\n\"ref\" wasn't supplied."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := f.raw(t, "POST", path+tc.workflow+"/dispatches", tc.body)
			if status != tc.status {
				t.Fatalf("status %d (%s), want %d", status, body, tc.status)
			}
			if tc.message != "" {
				if got := message(t, body); got != tc.message {
					t.Errorf("message %q, want %q", got, tc.message)
				}
			}
		})
	}
	want := []githubemu.Dispatch{
		{Workflow: "deploy.yml", Ref: "main", Inputs: map[string]string{"reason": "flags"}},
		{Workflow: "deploy.yml", Ref: "refs/heads/main", Inputs: map[string]string{}},
	}
	if got := f.emu.Dispatches("acme/web"); !reflect.DeepEqual(got, want) {
		t.Errorf("Dispatches = %+v, want %+v", got, want)
	}
	// A reader may not start workflows.
	_, err := client(t, f.srv.URL+"/api/v3/", "ghp_reader").Actions.CreateWorkflowDispatchEventByFileName(ctx(t), "acme", "web", "deploy.yml", ghDispatch("main"))
	apiErr(t, err, http.StatusForbidden, "Must have admin rights to Repository.")
	if n := len(f.emu.Dispatches("acme/web")); n != 2 {
		t.Errorf("%d dispatches after the refusal, want 2", n)
	}
}

func TestProtectedBranch(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	main := f.mainSHA(t)
	if _, err := f.emu.CommitFiles("acme", "web", "feature", map[string][]byte{"a.txt": []byte("a\n")}, "feat: a", "octocat"); err != nil {
		t.Fatal(err)
	}
	feature, _ := f.emu.Ref("acme", "web", "refs/heads/feature")
	f.emu.ProtectBranch("acme/web", "main")
	f.emu.ProtectBranch("acme/web", "guarded")

	b := must(f.gh.Repositories.GetBranch(c, "acme", "web", "main", 0))(t)
	if !b.GetProtected() {
		t.Error("GET branches/main: protected false")
	}
	if b := must(f.gh.Repositories.GetBranch(c, "acme", "web", "feature", 0))(t); b.GetProtected() {
		t.Error("GET branches/feature: protected true")
	}
	// GitHub's answers to a "require a pull request" rule: 422 from the
	// git refs API, 409 from the contents API; a pull request's merge is
	// what the rule asks for, so it goes through.
	refused := "Changes must be made through a pull request."
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		message                  string
	}{
		{"ref update", "PATCH", "repos/acme/web/git/refs/heads/main", `{"sha":"` + feature + `"}`, http.StatusUnprocessableEntity, refused},
		{"forced ref update", "PATCH", "repos/acme/web/git/refs/heads/main", `{"sha":"` + feature + `","force":true}`, http.StatusUnprocessableEntity, refused},
		{"ref creation", "POST", "repos/acme/web/git/refs", `{"ref":"refs/heads/guarded","sha":"` + feature + `"}`, http.StatusUnprocessableEntity, refused},
		{"contents", "PUT", "repos/acme/web/contents/b.txt", `{"message":"b","content":"Yg=="}`, http.StatusConflict, "Could not update file: " + refused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := f.raw(t, tc.method, tc.path, tc.body)
			if status != tc.status || message(t, body) != tc.message {
				t.Errorf("%s %s = %d %s, want %d %q", tc.method, tc.path, status, body, tc.status, tc.message)
			}
		})
	}
	if got := f.mainSHA(t); got != main {
		t.Errorf("main moved to %s by a refused write", got)
	}
	pr := must(f.gh.PullRequests.Create(c, "acme", "web", ghNewPull("feat: a", "feature", "main")))(t)
	if _, _, err := f.gh.PullRequests.Merge(c, "acme", "web", pr.GetNumber(), "", nil); err != nil {
		t.Fatalf("merging a pull request into a branch that requires one: %v", err)
	}
	if f.mainSHA(t) == main {
		t.Error("the pull request's merge did not move main")
	}
	if _, ok := f.emu.Ref("acme", "web", "refs/heads/guarded"); ok {
		t.Error("the protected branch guarded was created")
	}
	// Another branch is not protected.
	status, _, body := f.raw(t, "PUT", "repos/acme/web/contents/b.txt", `{"message":"b","content":"Yg==","branch":"feature"}`)
	if status != http.StatusCreated {
		t.Errorf("PUT contents on feature = %d %s", status, body)
	}
}

func ghDispatch(ref string) gh.CreateWorkflowDispatchEventRequest {
	return gh.CreateWorkflowDispatchEventRequest{Ref: ref}
}

func ghNewPull(title, head, base string) *gh.NewPullRequest {
	return &gh.NewPullRequest{Title: gh.String(title), Head: gh.String(head), Base: gh.String(base)}
}
