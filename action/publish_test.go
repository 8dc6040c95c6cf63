package action

import (
	"context"
	"errors"
	"fmt"
	"github.com/releasebot/releasebot/internal/failure"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/releasenotes"
)

// fakeGitHub is GitHub in memory; writes records every write, in order.
type fakeGitHub struct {
	GitHub   // unimplemented methods panic
	tags     map[string]string
	releases map[string]*Release
	writes   []string
}

func (f *fakeGitHub) CreateTag(_ context.Context, tag, commit string) (bool, error) {
	if f.tags[tag] == commit {
		return false, nil
	}
	f.tags[tag] = commit
	f.writes = append(f.writes, "tag "+tag+" "+commit)
	return true, nil
}

func (f *fakeGitHub) FindRelease(_ context.Context, tag string) (*Release, error) {
	return f.releases[tag], nil
}

func (f *fakeGitHub) CreateRelease(_ context.Context, r NewRelease) (*Release, error) {
	rel := &Release{Tag: r.Tag, Name: r.Name, Body: r.Body, URL: "https://github.com/acme/shop/releases/tag/" + r.Tag, Created: true}
	f.releases[r.Tag] = rel
	f.writes = append(f.writes, "release "+r.Tag)
	return rel, nil
}

func (f *fakeGitHub) SetLabels(_ context.Context, n int, add, remove []string) error {
	f.writes = append(f.writes, fmt.Sprintf("labels #%d +%v -%v", n, add, remove))
	return nil
}

type fakeSentry struct {
	err   error
	calls []SentryRelease
}

func (f *fakeSentry) PublishRelease(_ context.Context, r SentryRelease) error {
	f.calls = append(f.calls, r)
	return f.err
}

type fakeSlack struct {
	published []string
	err       error
}

func (f *fakeSlack) PostChecklist(context.Context, string, *SlackMessage, *releasenotes.Notes, string) (SlackMessage, error) {
	panic("not in publish")
}

func (f *fakeSlack) PostPublished(_ context.Context, ch string, th *SlackMessage, _ *releasenotes.Notes, url string) (SlackMessage, error) {
	if f.err != nil {
		return SlackMessage{}, f.err
	}
	f.published = append(f.published, ch+" "+th.TS+" "+url)
	return SlackMessage{Channel: ch, TS: "9.9"}, nil
}

const mergeSHA = "abcdefabcdefabcdefabcdefabcdefabcdefabcd"

func newPublish(gh *fakeGitHub, sl *fakeSlack, se *fakeSentry) *PublishMode {
	body := "# v1.2.0\n\nnotes\n\n" + Marker{Version: "1.2.0", Tag: "v1.2.0", Branch: "main", Slack: &SlackMessage{Channel: "C1", TS: "1.1"}}.Encode() + "\n"
	return &PublishMode{
		GitHub: gh, Slack: sl, Sentry: se,
		Notes: func(_ context.Context, v, to string) (*releasenotes.Notes, string, error) {
			return &releasenotes.Notes{Version: v, Tag: "v" + v, Previous: "v1.1.0"}, "# v" + v + "\n\nnotes\n", nil
		},
		PR:  &PR{Number: 7, Body: body, Labels: []string{LabelPending}},
		SHA: mergeSHA, Repo: "acme/shop", RepoURL: "https://github.com/acme/shop", Environment: "prod",
	}
}

func testRuntime(t *testing.T) (*Runtime, *strings.Builder) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	os.WriteFile(out, nil, 0o600)
	var log strings.Builder
	return &Runtime{Getenv: func(k string) string {
		if k == "GITHUB_OUTPUT" || k == "GITHUB_STEP_SUMMARY" {
			return out
		}
		return ""
	}, Stdout: &log}, &log
}

func TestPublishTwiceWritesNothingTheSecondTime(t *testing.T) {
	gh := &fakeGitHub{tags: map[string]string{}, releases: map[string]*Release{}}
	sl, se := &fakeSlack{}, &fakeSentry{}
	rt, _ := testRuntime(t)
	res := (&Runner{RT: rt}).Run(context.Background(), newPublish(gh, sl, se).Steps())
	if res.Err != nil || res.ExitCode() != 0 {
		t.Fatalf("first run: %v", res.Err)
	}
	want := "tag v1.2.0 " + mergeSHA + "|release v1.2.0|labels #7 +[releasebot: tagged] -[releasebot: pending]"
	if got := strings.Join(gh.writes, "|"); got != want {
		t.Errorf("writes\n %s\nwant\n %s", got, want)
	}
	if !strings.HasSuffix(gh.releases["v1.2.0"].Body, "## Rollout log\n") {
		t.Errorf("release body %q", gh.releases["v1.2.0"].Body)
	}
	if len(se.calls) != 1 || se.calls[0].Version != "v1.2.0" || len(sl.published) != 1 || sl.published[0] != "C1 1.1 https://github.com/acme/shop/releases/tag/v1.2.0" {
		t.Errorf("sentry %+v slack %v", se.calls, sl.published)
	}

	gh.writes = nil
	m := newPublish(gh, sl, se)
	m.PR.Labels = []string{LabelTagged}
	res = (&Runner{RT: rt}).Run(context.Background(), m.Steps())
	// Sentry is asked again (its side is idempotent, and a re-run is how
	// an outage of the first run is made good); GitHub and Slack are not.
	if res.Err != nil || len(gh.writes) != 0 || len(se.calls) != 2 || len(sl.published) != 1 {
		t.Fatalf("second run: err %v, writes %v, sentry %d, slack %d", res.Err, gh.writes, len(se.calls), len(sl.published))
	}
	if !strings.Contains(strings.Join(res.Skipped, "\n"), "already published at https://github.com/acme/shop/releases/tag/v1.2.0; nothing changed") {
		t.Errorf("skips %q", res.Skipped)
	}
}

func TestPublishSentryDownIsAWarning(t *testing.T) {
	gh := &fakeGitHub{tags: map[string]string{}, releases: map[string]*Release{}}
	rt, log := testRuntime(t)
	res := (&Runner{RT: rt}).Run(context.Background(), newPublish(gh, &fakeSlack{}, &fakeSentry{err: errors.New("502")}).Steps())
	if res.Err != nil || res.ExitCode() != 0 || len(res.NonFatal) != 1 {
		t.Fatalf("result %+v", res)
	}
	if !strings.Contains(log.String(), "::warning title=releasebot%3A recording the release in Sentry::") {
		t.Errorf("no warning annotation:\n%s", log)
	}
}

func TestPublishMissingMarkerIsBadInput(t *testing.T) {
	gh := &fakeGitHub{tags: map[string]string{}, releases: map[string]*Release{}}
	m := newPublish(gh, nil, nil)
	m.PR.Body = "a person rewrote the body"
	rt, _ := testRuntime(t)
	res := (&Runner{RT: rt}).Run(context.Background(), m.Steps())
	if res.ExitCode() != 2 || len(gh.writes) != 0 || !strings.Contains(res.Err.Error(), "#7") {
		t.Fatalf("exit %d, writes %v, err %v", res.ExitCode(), gh.writes, res.Err)
	}
}

// Slack down is a warning that says what to do, since a re-run skips the
// message once the Release exists.
func TestPublishSlackDownSaysWhatToDo(t *testing.T) {
	gh := &fakeGitHub{tags: map[string]string{}, releases: map[string]*Release{}}
	rt, log := testRuntime(t)
	sl := &fakeSlack{err: failure.New(failure.Remote, "could not announce the release: Slack answered HTTP 503")}
	res := (&Runner{RT: rt}).Run(context.Background(), newPublish(gh, sl, &fakeSentry{}).Steps())
	if res.Err != nil || len(res.NonFatal) != 1 {
		t.Fatalf("result %+v", res)
	}
	if !strings.Contains(log.String(), "a re-run will not post it, so tell the channel that v1.2.0 is published") {
		t.Errorf("the warning does not say what to do:\n%s", log)
	}
}
