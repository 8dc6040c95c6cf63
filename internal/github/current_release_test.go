package github_test

import (
	"context"
	"testing"

	gh "github.com/google/go-github/v62/github"
)

// TestCurrentRelease judges the current release on GitHub as the notes and
// the local gate do: the highest release tag that is an ancestor of the flag
// branch, whatever the tags' dates, a pre-release, a non-semver tag or a
// higher tag on a side branch.
func TestCurrentRelease(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.emu.Expect("GET", "/repos/{owner}/{repo}/git/matching-refs/{ref...}")
	e.emu.Expect("GET", "/repos/{owner}/{repo}/compare/{basehead...}")
	tag := func(name, sha string) {
		t.Helper()
		if _, _, err := e.client.Git.CreateRef(ctx, owner, repo, &gh.Reference{Ref: gh.String("refs/tags/" + name), Object: &gh.GitObject{SHA: gh.String(sha)}}); err != nil {
			t.Fatalf("tag %s: %v", name, err)
		}
	}
	head := func(branch string) string {
		t.Helper()
		ref, _, err := e.client.Git.GetRef(ctx, owner, repo, "refs/heads/"+branch)
		if err != nil {
			t.Fatal(err)
		}
		return ref.GetObject().GetSHA()
	}
	if got, err := e.store.CurrentRelease(ctx, "v"); err != nil || got.Name != "" {
		t.Fatalf("no tags: %q, %v; want no release", got.Name, err)
	}
	first := head("main")
	tag("v1.2.0", first)
	tag("v1.10.0-rc.1", first) // a pre-release is not a release
	tag("v-latest", first)     // not a version
	tag("1.9.0", first)        // not the prefix
	e.commitOutside(t)(map[string][]byte{"a.txt": []byte("a")})
	tag("v1.3.0", head("main"))
	// A higher tag on a side branch is not the release of main.
	if _, _, err := e.client.Git.CreateRef(ctx, owner, repo, &gh.Reference{Ref: gh.String("refs/heads/side"), Object: &gh.GitObject{SHA: gh.String(first)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.emu.CommitFiles(owner, repo, "side", map[string][]byte{"b.txt": []byte("b")}, "fix: backport", "octocat"); err != nil {
		t.Fatal(err)
	}
	tag("v2.0.0", head("side"))
	e.commitOutside(t)(map[string][]byte{"c.txt": []byte("c")})

	got, err := e.store.CurrentRelease(ctx, "v")
	if err != nil || got.Name != "v1.3.0" {
		t.Errorf("CurrentRelease = %q, %v; want v1.3.0 (v2.0.0 is on a side branch, v1.10.0-rc.1 a pre-release)", got.Name, err)
	}
	e.emu.Verify(t)
}
