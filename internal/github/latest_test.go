package github_test

import (
	"context"
	"testing"

	gh "github.com/google/go-github/v62/github"
)

// TestLatestTag reads the current release from GitHub's "latest release":
// none yet is no tag, not an error; a draft or a prerelease is not the
// latest; the strict emulator pins the route.
func TestLatestTag(t *testing.T) {
	e := newEnv(t)
	e.emu.Expect("GET", "/repos/{owner}/{repo}/releases/latest")
	ctx := context.Background()
	if tag, err := e.store.LatestTag(ctx); tag != "" || err != nil {
		t.Errorf("no release: LatestTag() = %q, %v; want \"\", nil", tag, err)
	}
	for _, rel := range []*gh.RepositoryRelease{
		{TagName: gh.String("v1.3.0"), TargetCommitish: gh.String("main")},
		{TagName: gh.String("v1.4.0-rc.1"), TargetCommitish: gh.String("main"), Prerelease: gh.Bool(true)},
		{TagName: gh.String("v1.5.0"), TargetCommitish: gh.String("main"), Draft: gh.Bool(true)},
	} {
		if _, _, err := e.client.Repositories.CreateRelease(ctx, owner, repo, rel); err != nil {
			t.Fatal(err)
		}
	}
	if tag, err := e.store.LatestTag(ctx); tag != "v1.3.0" || err != nil {
		t.Errorf("LatestTag() = %q, %v; want v1.3.0 (drafts and prereleases are not the latest)", tag, err)
	}
	e.emu.Verify(t)
}
