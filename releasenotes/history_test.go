package releasenotes_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/githistory"
	"github.com/releasebot/releasebot/internal/golden"
	. "github.com/releasebot/releasebot/releasenotes"
)

// scenario builds a history and says how to read it.
type scenario struct {
	name  string
	build func(r *gitRepo) (RangeOptions, Options)
}

var scenarios = []scenario{
	{"breaking-footer", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("chore: initial commit")
		r.tag("v1.2.0")
		r.commit("feat(auth): keep sessions in redis\n\nSessions used to live in memory, so a deploy signed everyone out.\n\nThey now live in redis, with the same expiry.\n\nBREAKING CHANGE: sessions created before this release are dropped;\nusers sign in again once.\nRefs: #42\n")
		r.commitAs("Bob Builder", "bob@example.com", "fix(api): reject empty bodies")
		r.commit("docs: explain the session store")
		return RangeOptions{}, Options{}
	}},
	{"bang-before-1.0", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("feat: first cut")
		r.tag("v0.3.0")
		r.commit("feat(config)!: new configuration format")
		r.commit("fix: typo")
		return RangeOptions{}, Options{}
	}},
	{"excluded-type-breaking", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("feat: first cut")
		r.tag("v1.4.2")
		r.commit("chore(deps)!: drop Node 16")
		r.commit("ci: cache modules")
		return RangeOptions{}, Options{}
	}},
	{"release-as", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("feat: first cut")
		r.tag("v1.0.0")
		r.commit("fix: round totals")
		r.commit("chore: the big one\n\nRelease-As: 3.0.0")
		r.commit("chore: too low\n\nRelease-As: 0.9.0")
		r.commit("chore: not a version\n\nRelease-As: banana")
		return RangeOptions{}, Options{}
	}},
	{"revert", func(r *gitRepo) (RangeOptions, Options) {
		released := r.commit("feat(search): fuzzy search")
		r.tag("v1.1.0")
		quiz := r.commit("feat(quiz): add the quiz")
		r.commit("fix(cart): keep the cart across sessions")
		r.git("revert", "--no-edit", quiz)
		r.n++
		r.git("revert", "--no-edit", released)
		r.n++
		return RangeOptions{}, Options{}
	}},
	{"revert-of-revert", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("chore: start")
		r.tag("v2.0.0")
		quiz := r.commit("feat(quiz): add the quiz")
		r.git("revert", "--no-edit", quiz)
		r.n++
		r.git("revert", "--no-edit", "HEAD")
		r.n++
		return RangeOptions{}, Options{}
	}},
	{"merge-commits", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("chore: start")
		r.tag("v1.0.0")
		r.git("checkout", "-q", "-b", "nav-footer")
		r.commitAs("Carol Coder", "carol@example.com", "feat(nav): footer links")
		r.commitAs("Carol Coder", "carol@example.com", "fix(nav): footer on small screens")
		r.git("checkout", "-q", "main")
		r.commit("fix: typo in the header")
		r.n++
		r.git("merge", "--no-ff", "-q", "-m", "Merge pull request #7 from acme/nav-footer\n\nfeat(nav): footer links", "nav-footer")
		r.git("checkout", "-q", "-b", "local")
		r.commit("perf: cache the menu")
		r.git("checkout", "-q", "main")
		r.n++
		r.git("merge", "--no-ff", "-q", "-m", "Merge branch 'local'", "local")
		return RangeOptions{}, Options{}
	}},
	{"rebased", func(r *gitRepo) (RangeOptions, Options) {
		// Branch commits authored before the release, rebased after it: the
		// range, not the dates, decides what is new.
		r.commit("chore: start")
		r.git("checkout", "-q", "-b", "quiz")
		r.commitAs("Carol Coder", "carol@example.com", "feat(quiz): timer")
		r.commitAs("Carol Coder", "carol@example.com", "fix(quiz): timer resets on reload")
		r.git("checkout", "-q", "main")
		r.commit("fix: released fix")
		r.tag("v1.0.0")
		r.n += 10
		r.git("checkout", "-q", "quiz")
		r.git("rebase", "-q", "main")
		r.git("checkout", "-q", "main")
		r.git("merge", "-q", "--ff-only", "quiz")
		return RangeOptions{}, Options{}
	}},
	{"squash-merge", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("chore: start")
		r.tag("v1.3.0")
		r.commit("feat(onboarding): new onboarding behind FF_NEW_ONBOARDING (#12)\n\n* first try\n\n* review fixes\n\n---------\n\nCo-authored-by: Bob Builder <bob@example.com>\n")
		r.commit("fix(nav): footer flicker with FF_NAV_FOOTER on (#13)")
		return RangeOptions{}, Options{}
	}},
	{"non-conventional", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("chore: start")
		r.tag("v1.0.0")
		r.commit("Update README")
		r.commit("WIP: half a feature")
		r.commit("fix:no space after the colon")
		return RangeOptions{}, Options{}
	}},
	{"scoped-fix", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("feat: first cut")
		r.tag("v1.0.0")
		r.commitAs("Dana Ops", "dana@example.com", "fix(payments): round totals to cents")
		return RangeOptions{}, Options{}
	}},
	{"empty-range", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("feat: first cut")
		r.tag("v1.0.0")
		return RangeOptions{}, Options{}
	}},
	{"nothing-releasable", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("feat: first cut")
		r.tag("v1.0.0")
		r.commit("chore(deps): bump x")
		r.commit("docs: spelling")
		return RangeOptions{}, Options{}
	}},
	{"first-release", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("chore: start")
		r.commit("feat: the first feature")
		return RangeOptions{}, Options{}
	}},
	{"explicit-range", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("chore: start")
		r.tag("v1.0.0")
		r.commit("feat: in 1.1.0")
		r.tag("v1.1.0")
		r.commit("fix: after 1.1.0")
		return RangeOptions{From: "v1.0.0", To: "v1.1.0"}, Options{}
	}},
	{"to-a-release-tag", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("chore: start")
		r.tag("v1.0.0")
		r.commit("fix: in 1.0.1, which a Release-As could not have known")
		r.tag("v1.0.1")
		r.commit("feat: after 1.0.1")
		return RangeOptions{To: "v1.0.1"}, Options{}
	}},
	{"forced-version", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("chore: start")
		r.tag("v1.0.0")
		r.commit("docs: only docs")
		return RangeOptions{}, Options{Version: "v1.0.1"}
	}},
	{"tag-prefix", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("chore: start")
		r.tag("release-1.4.0")
		r.commit("feat: after 1.4.0")
		r.tag("v9.0.0") // not a release tag under this prefix
		r.tag("release-1.5.0-rc.1")
		r.commit("fix: after the rc")
		cfg := config.Default()
		cfg.TagPrefix = "release-"
		return RangeOptions{TagPrefix: "release-"}, Options{Config: cfg}
	}},
	{"hostile", func(r *gitRepo) (RangeOptions, Options) {
		// Everything a commit can carry into the notes, written to do harm:
		// HTML, a comment that would hide the rest, mentions, Slack
		// broadcasts, markup, links, a heading and table pipes, and a
		// subject far too long.
		r.commit("chore: start")
		r.tag("v1.0.0")
		r.commitAs("@here *Mallory*", "m@example.com", "feat(<img src=x onerror=alert(1)>): <!-- hide the rest")
		r.commit("fix(@octocat): ping @acme/security and <!channel> <@U123> @here")
		r.commit("feat: *bold* _it_ ~~gone~~ [x](javascript:alert(1)) ![i](https://evil.example/p.png) | a | b |")
		r.commit("perf: <details><summary>open me</summary> &amp; &#60;b&#62;")
		r.commit("fix!: # not a heading\n\nBREAKING CHANGE: a note with <script>alert(1)</script>\n- a list\n---\n# a heading\n> a quote\n1. one\n@channel see [here](https://evil.example)")
		r.commit("fix: " + strings.Repeat("very long ", 200) + "end")
		r.commit("Merge `code` and <b>html</b> FF_HOSTILE_FLAG")
		return RangeOptions{}, Options{}
	}},
	{"github-metadata", func(r *gitRepo) (RangeOptions, Options) {
		r.commit("chore: start")
		r.tag("v1.0.0")
		r.commit("chore: make checkout faster")    // labelled bug → Bug fixes
		r.commit("feat(nav): footer links (#21)")  // labelled enhancement
		r.commit("Tidy the onboarding copy (#22)") // no label, not conventional
		r.commit("docs: document the flags (#23)") // excluded
		return RangeOptions{}, Options{}
	}},
}

// metadata is what a GitHub caller would attach in the github-metadata
// scenario, keyed by subject.
var metadata = map[string]PullRequest{
	"chore: make checkout faster":    {Number: 20, Title: "Faster checkout", Labels: []string{"Bug"}, Author: "dana-ops"},
	"feat(nav): footer links (#21)":  {Number: 21, Title: "Footer links", Labels: []string{"enhancement"}, Author: "carol", URL: "https://ghe.example.com/acme/shop/pull/21"},
	"Tidy the onboarding copy (#22)": {Number: 22, Author: "bob"},
	"docs: document the flags (#23)": {Number: 23, Labels: []string{"docs"}, Author: "alice"},
}

func TestNotesGolden(t *testing.T) {
	t.Parallel()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			r := newGitRepo(t)
			ro, o := sc.build(r)
			h := r.history(ro)
			if sc.name == "github-metadata" {
				prs := map[string]PullRequest{}
				for _, c := range h.Changes {
					if pr, ok := metadata[c.Subject]; ok {
						prs[c.Hash] = pr
					}
				}
				AttachPullRequests(h.Changes, prs)
			}
			o.RepoURL = TestRepoURL
			n := BuildNotes(t, h, o)
			var b strings.Builder
			fmt.Fprintf(&b, "range: %s..%s, %d commits, %d changes\n", OrRoot(h.From), h.To, h.Commits, len(h.Changes))
			fmt.Fprintf(&b, "release: %v %s (%s): %s\n", n.Release, n.Tag, n.Decision.Bump, n.Decision.Reason)
			fmt.Fprintf(&b, "hidden: %d, reverted: %d, uncategorised: %d, flags: %s\n", n.Hidden, n.Reverted, len(n.Uncategorised()), strings.Join(n.Flags.Names(), " "))
			for _, w := range n.Warnings {
				fmt.Fprintf(&b, "warning: %s\n", w)
			}
			b.WriteString("-----\n")
			if err := DefaultTemplate().RenderNotes(&b, n); err != nil {
				t.Fatal(err)
			}
			golden.AssertString(t, "notes-"+sc.name+".golden", b.String())
		})
	}
}

func TestHistoryErrors(t *testing.T) {
	t.Parallel()
	r := newGitRepo(t)
	r.commit("feat: one")
	ctx := context.Background()

	_, err := r.repo().History(ctx, RangeOptions{From: "v9.9.9", TagPrefix: "v"})
	if !errors.Is(err, ErrUnknownRevision) || !strings.Contains(err.Error(), `"v9.9.9" is not a commit or tag`) {
		t.Errorf("unknown --from: %v", err)
	}
	_, err = r.repo().History(ctx, RangeOptions{To: "--output=x"})
	if err == nil || !strings.Contains(err.Error(), "is not a revision") {
		t.Errorf("an option as a revision: %v", err)
	}

	notRepo := &githistory.Repo{Dir: t.TempDir(), Env: r.env}
	if _, err := notRepo.History(ctx, RangeOptions{}); !errors.Is(err, ErrNotRepository) {
		t.Errorf("not a repository: %v", err)
	}
	missing := &githistory.Repo{Dir: filepath.Join(t.TempDir(), "gone"), Env: r.env}
	if _, err := missing.History(ctx, RangeOptions{}); !errors.Is(err, ErrNotRepository) || !strings.Contains(err.Error(), "gone") {
		t.Errorf("a missing directory: %v", err)
	}

	r.commit("fix: two")
	shallowDir := filepath.Join(t.TempDir(), "shallow")
	cmd := exec.Command("git", "clone", "-q", "--depth", "1", "file://"+r.dir, shallowDir)
	cmd.Env = append(os.Environ(), r.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	if _, err := (&githistory.Repo{Dir: shallowDir, Env: r.env}).History(ctx, RangeOptions{}); !errors.Is(err, ErrShallow) {
		t.Errorf("shallow clone: %v", err)
	}
}

func TestRemoteURL(t *testing.T) {
	t.Parallel()
	r := newGitRepo(t)
	r.commit("feat: one")
	if got := r.repo().RemoteURL(context.Background()); got != "" {
		t.Errorf("no origin: %q", got)
	}
	r.git("remote", "add", "origin", "git@github.com:acme/shop.git")
	if got := RepoURLFromRemote(r.repo().RemoteURL(context.Background())); got != TestRepoURL {
		t.Errorf("RepoURLFromRemote(origin) = %q", got)
	}
}

func TestRepoURLFromRemote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"git@github.com:acme/shop.git":                       TestRepoURL,
		"git@github.com:acme/shop":                           TestRepoURL,
		"https://github.com/acme/shop.git":                   TestRepoURL,
		"https://github.com/acme/shop/":                      TestRepoURL,
		"https://x-access-token:secret@github.com/acme/shop": TestRepoURL,
		"ssh://git@github.com:22/acme/shop.git":              TestRepoURL,
		"git://github.com/acme/shop.git":                     TestRepoURL,
		"https://github.example.com/acme/shop.git":           "https://github.example.com/acme/shop",
		"https://gitlab.com/acme/shop.git":                   "",
		"https://github.com/acme":                            "",
		"https://github.com/acme/shop/extra":                 "",
		"/srv/git/shop.git":                                  "",
		"file:///srv/git/shop.git":                           "",
		"github.com:#/x":                                     "",
		"https://github.com/acme/shop%20x":                   "",
		"https://github.com/../shop":                         "",
		"":                                                   "",
	} {
		if got := RepoURLFromRemote(in); got != want {
			t.Errorf("RepoURLFromRemote(%q) = %q, want %q", in, got, want)
		}
	}
}
