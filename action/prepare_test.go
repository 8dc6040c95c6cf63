package action

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/releasenotes"
)

type fakeRepo struct {
	GitHub
	prs    map[string]*ReleasePR
	writes []string
}

func (f *fakeRepo) WriteBranch(_ context.Context, b, parent string, files map[string][]byte, msg string) (string, error) {
	f.writes = append(f.writes, "branch "+b+" on "+parent[:7]+": "+msg)
	return "c1", nil
}

func (f *fakeRepo) FindReleasePR(_ context.Context, head, base string) (*ReleasePR, error) {
	if pr := f.prs[head]; pr != nil {
		c := *pr
		return &c, nil
	}
	return nil, nil
}

func (f *fakeRepo) CreatePR(_ context.Context, p NewReleasePR) (*ReleasePR, error) {
	pr := &ReleasePR{Number: 9, URL: "https://github.com/acme/shop/pull/9", Title: p.Title, Body: p.Body, HeadRef: p.Head}
	f.prs[p.Head] = pr
	f.writes = append(f.writes, "create PR "+p.Title)
	return pr, nil
}

func (f *fakeRepo) UpdatePR(_ context.Context, n int, title, body string) error {
	for _, pr := range f.prs {
		if pr.Number == n {
			pr.Title, pr.Body = title, body
		}
	}
	f.writes = append(f.writes, fmt.Sprintf("update PR #%d", n))
	return nil
}

func (f *fakeRepo) SetLabels(_ context.Context, n int, add, remove []string) error {
	for _, pr := range f.prs {
		if pr.Number == n {
			pr.Labels = append(pr.Labels, add...)
		}
	}
	f.writes = append(f.writes, fmt.Sprintf("labels #%d +%v", n, add))
	return nil
}

type checklistSlack struct {
	fakeSlack
	prevs []string
}

func (s *checklistSlack) PostChecklist(_ context.Context, ch string, prev *SlackMessage, _ *releasenotes.Notes, url string) (SlackMessage, error) {
	p := "none"
	if prev != nil {
		p = prev.TS
	}
	s.prevs = append(s.prevs, p)
	return SlackMessage{Channel: ch, TS: "100.1"}, nil
}

func prepareMode(t *testing.T, gh GitHub, sl Slack, release bool) *PrepareMode {
	return &PrepareMode{
		GitHub: gh, Slack: sl, SlackChannel: "C1", Branch: "main", HeadSHA: mergeSHA, Workspace: t.TempDir(), RepoURL: "https://github.com/acme/shop",
		Notes: func(context.Context) (*releasenotes.Notes, string, error) {
			return &releasenotes.Notes{Release: release, Version: "1.3.0", Tag: "v1.3.0", Previous: "v1.2.0"}, "# v1.3.0\n\nnotes\n", nil
		},
	}
}

func TestPrepareTwiceUpdatesTheSamePR(t *testing.T) {
	gh := &fakeRepo{prs: map[string]*ReleasePR{}}
	sl := &checklistSlack{}
	rt, _ := testRuntime(t)
	m := prepareMode(t, gh, sl, true)
	if res := (&Runner{RT: rt}).Run(context.Background(), m.Steps()); res.Err != nil {
		t.Fatal(res.Err)
	}
	want := "branch releasebot/release-main on abcdefa: chore(release): v1.3.0|create PR chore(release): v1.3.0|update PR #9|labels #9 +[releasebot: pending]"
	if got := strings.Join(gh.writes, "|"); got != want {
		t.Errorf("writes\n %s\nwant\n %s", got, want)
	}
	pr := gh.prs["releasebot/release-main"]
	if mk, ok := ParseMarker(pr.Body); !ok || mk.Slack == nil || mk.Slack.TS != "100.1" || mk.Version != "1.3.0" {
		t.Errorf("marker %+v %v", mk, ok)
	}
	if m.Outputs()["release-pr"] != "9" || m.Outputs()["mode"] != "prepare" {
		t.Errorf("outputs %v", m.Outputs())
	}

	gh.writes = nil
	m = prepareMode(t, gh, sl, true)
	(&Runner{RT: rt}).Run(context.Background(), m.Steps())
	if got := strings.Join(gh.writes, "|"); strings.Contains(got, "create") {
		t.Errorf("second prepare opened another PR: %s", got)
	}
	if strings.Join(sl.prevs, " ") != "none 100.1" {
		t.Errorf("Slack prev %v; want the ts kept in the marker", sl.prevs)
	}
}

func TestPrepareDryRunAndNoop(t *testing.T) {
	gh := &fakeRepo{prs: map[string]*ReleasePR{}}
	sl := &checklistSlack{}
	rt, _ := testRuntime(t)
	m := prepareMode(t, gh, sl, true)
	m.DryRun = true
	res := (&Runner{RT: rt}).Run(context.Background(), m.Steps())
	if res.Err != nil || len(gh.writes) != 0 || len(sl.prevs) != 0 || m.Outputs()["notes-path"] == "" {
		t.Fatalf("dry run: err %v writes %v slack %v outputs %v", res.Err, gh.writes, sl.prevs, m.Outputs())
	}
	m = prepareMode(t, gh, sl, false)
	(&Runner{RT: rt}).Run(context.Background(), m.Steps())
	if !m.Noop() || m.Outputs()["mode"] != "noop" || len(gh.writes) != 0 {
		t.Fatalf("noop: %v %v %v", m.Noop(), m.Outputs(), gh.writes)
	}
}
