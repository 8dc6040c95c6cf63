package prepare_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/githistory"
	"github.com/releasebot/releasebot/internal/prepare"
	"github.com/releasebot/releasebot/releasenotes"
)

// The local clone is a Source.
var _ prepare.Source = (*githistory.Repo)(nil)

// memSource is a repository held in memory: the pipeline over it runs no
// git, as it will over the GitHub API.
type memSource struct {
	history    *releasenotes.History
	historyErr error
	committed  map[string]map[string]string // rev → path → content
	workTree   map[string]string
	tags       map[string]string // tag → commit
	reads      []string          // what was read, in order: "rev:path" or "worktree:path"
}

func (m *memSource) History(context.Context, releasenotes.RangeOptions) (*releasenotes.History, error) {
	if m.historyErr != nil {
		return nil, m.historyErr
	}
	h := *m.history
	return &h, nil
}

func (m *memSource) Resolve(_ context.Context, rev string) (string, error) {
	if sha, ok := m.tags[strings.TrimPrefix(rev, "refs/tags/")]; ok {
		return sha, nil
	}
	return "", &releasenotes.RevisionError{Rev: rev, Dir: "memory"}
}

func (m *memSource) LastTag(context.Context, string, string) (releasenotes.Tag, error) {
	return m.history.Previous, nil
}

func (m *memSource) ReadFile(_ context.Context, rev, path string) ([]byte, error) {
	m.reads = append(m.reads, rev+":"+path)
	if s, ok := m.committed[rev][path]; ok {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("%s at %s: %w", path, rev, fs.ErrNotExist)
}

func (m *memSource) ReadWorkTree(path, what string) ([]byte, error) {
	m.reads = append(m.reads, "worktree:"+path)
	if s, ok := m.workTree[path]; ok {
		return []byte(s), nil
	}
	return nil, fmt.Errorf("%s %s: %w", what, path, fs.ErrNotExist)
}

func (m *memSource) RemoteURL(context.Context) string { return "git@github.com:acme/shop.git" }

const (
	head = "1111111111111111111111111111111111111111"
	tip0 = "0000000000000000000000000000000000000000"
)

const flagsAtHead = `environments:
  prod:
    canary_percent: 10
    flags:
      FF_NEW: {default: off, canary: true}
      FF_OLD: {default: on}
`

const flagsAtTag = `environments:
  prod:
    flags:
      FF_OLD: {default: on}
`

func newSource() *memSource {
	h := &releasenotes.History{
		Previous: releasenotes.Tag{Name: "v1.0.0", Version: semver.MustParse("1.0.0")},
		From:     "v1.0.0", To: "HEAD", Head: head, Commits: 1,
		Changes: []releasenotes.Change{releasenotes.NewChange(head, releasenotes.Person{Name: "Ann"}, time.Unix(0, 0), "feat: search (#12)")},
	}
	return &memSource{
		history:   h,
		committed: map[string]map[string]string{head: {".release/flags.yaml": flagsAtHead}, "v1.0.0": {".release/flags.yaml": flagsAtTag}},
		workTree:  map[string]string{"RUNBOOK.md": "# Go-live\n\n## STAGE\n\n- [ ] smoke test the release\n"},
		tags:      map[string]string{"v1.0.0": tip0},
	}
}

func TestPrepareOverASource(t *testing.T) {
	t.Parallel()
	src := newSource()
	env := map[string]string{"SOURCE_DATE_EPOCH": "1700000000"}
	p, err := prepare.Prepare(context.Background(), src, prepare.Input{Config: config.Default(), Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	n := p.Notes
	if !n.Release || n.Tag != "v1.1.0" || n.Previous != "v1.0.0" || n.Date != "2023-11-14" {
		t.Errorf("notes: release %v %s after %s on %s", n.Release, n.Tag, n.Previous, n.Date)
	}
	if n.RepoURL != "https://github.com/acme/shop" {
		t.Errorf("repository URL from the remote: %q", n.RepoURL)
	}
	if n.Runbook.Source != "RUNBOOK.md" || n.Runbook.Items(releasenotes.PhaseStage) != 1 {
		t.Errorf("runbook %q with %d STAGE items; want the work tree's", n.Runbook.Source, n.Runbook.Items(releasenotes.PhaseStage))
	}
	if got := strings.Join(n.Flags.Names(), " "); !strings.Contains(got, "FF_NEW") {
		t.Errorf("touched flags %q; want FF_NEW, which the range added", got)
	}
	// The flag file is read committed, at the head and at the range's start;
	// the runbook and the template from the work tree.
	want := "worktree:RUNBOOK.md " + head + ":.release/flags.yaml v1.0.0:.release/flags.yaml worktree:" + releasenotes.TemplatePath
	if got := strings.Join(src.reads, " "); got != want {
		t.Errorf("reads\n %s\nwant\n %s", got, want)
	}
	if p.Config == nil || p.History == nil || p.Template == nil {
		t.Error("Prepared lacks its parts")
	}
}

func TestPrepareErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		change  func(m *memSource, in *prepare.Input)
		want    string
		history bool
	}{
		{"history unreadable", func(m *memSource, _ *prepare.Input) { m.historyErr = releasenotes.ErrShallow }, "", true},
		{"forced version already tagged", func(m *memSource, in *prepare.Input) { in.Version = "1.0.0"; m.history.Previous = releasenotes.Tag{} },
			"version 1.0.0 is already released as tag v1.0.0; pass a newer --version or omit it", false},
		{"forced version older", func(m *memSource, in *prepare.Input) { in.Version = "0.9.0" },
			"version 0.9.0 is not newer than the last release v1.0.0; pass a newer --version or omit it", false},
		{"flag file broken at the head", func(m *memSource, _ *prepare.Input) { m.committed[head][".release/flags.yaml"] = "environments: [\n" },
			"fix the flag file and commit it", false},
		{"template broken in the work tree", func(m *memSource, _ *prepare.Input) { m.workTree[releasenotes.TemplatePath] = "{{.Tag" },
			"fix it or delete it to use the built-in template", false},
		{"runbook in the work tree unreadable", func(m *memSource, _ *prepare.Input) { m.workTree["RUNBOOK.md"] = "no items\n" },
			"RUNBOOK.md has no list items", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := newSource()
			in := prepare.Input{Config: config.Default()}
			tc.change(src, &in)
			_, err := prepare.Prepare(context.Background(), src, in)
			var he *prepare.HistoryError
			if tc.history {
				if !errors.As(err, &he) || !errors.Is(err, releasenotes.ErrShallow) {
					t.Errorf("got %v, want a *HistoryError wrapping the source's", err)
				}
				return
			}
			if failure.KindOf(err) != failure.BadInput || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v (%s), want bad input %q", err, failure.KindOf(err), tc.want)
			}
		})
	}
}

func TestReleaseDateAndRepoURL(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return time.Date(2026, 1, 2, 23, 0, 0, 0, time.FixedZone("x", -5*3600)) }
	for _, tc := range []struct {
		epoch string
		want  string
	}{
		{"", "2026-01-03T04:00:00Z"},
		{"1700000000", "2023-11-14T22:13:20Z"},
		{"not a number", "2026-01-03T04:00:00Z"},
	} {
		got := prepare.ReleaseDate(func(k string) string { return map[string]string{"SOURCE_DATE_EPOCH": tc.epoch}[k] }, now)
		if got.Format(time.RFC3339) != tc.want {
			t.Errorf("SOURCE_DATE_EPOCH=%q: %s, want %s", tc.epoch, got.Format(time.RFC3339), tc.want)
		}
	}
	env := map[string]string{"GITHUB_REPOSITORY": "acme/web"}
	if got := prepare.RepoWebURL(func(k string) string { return env[k] }, "git@github.com:other/x.git"); got != "https://github.com/acme/web" {
		t.Errorf("Actions repository: %q", got)
	}
	env["GITHUB_SERVER_URL"] = "https://ghe.example.com"
	if got := prepare.RepoWebURL(func(k string) string { return env[k] }, ""); got != "https://ghe.example.com/acme/web" {
		t.Errorf("Enterprise server: %q", got)
	}
}
