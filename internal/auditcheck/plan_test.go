package auditcheck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/releasenotes"
)

// memRepo is a Repository held in memory, as one read over the API would
// be: PlanFor needs no git.
type memRepo struct {
	history    *releasenotes.History
	historyErr error
	files      map[string]string // "rev:path" → content
	head       string
	tags       []string
	tagsErr    error
}

func (m memRepo) History(context.Context, releasenotes.RangeOptions) (*releasenotes.History, error) {
	return m.history, m.historyErr
}

func (m memRepo) ReadFile(_ context.Context, rev, path string) ([]byte, error) {
	if s, ok := m.files[rev+":"+path]; ok {
		return []byte(s), nil
	}
	return nil, fs.ErrNotExist
}

func (m memRepo) Head(context.Context) (string, error)   { return m.head, nil }
func (m memRepo) Tags(context.Context) ([]string, error) { return m.tags, m.tagsErr }

const (
	flagsNow   = "environments:\n  stage:\n    canary_percent: 0\n    flags:\n      FF_OLD: {default: on}\n      FF_NEW: {default: on}\n  prod:\n    canary_percent: 0\n    flags:\n      FF_OLD: {default: on}\n      FF_NEW: {default: off}\n"
	flagsAtTag = "environments:\n  prod:\n    canary_percent: 0\n    flags:\n      FF_OLD: {default: on}\n"
)

func sinceTag(subjects ...string) *releasenotes.History {
	h := &releasenotes.History{Previous: releasenotes.Tag{Name: "v1.2.0", Version: semver.MustParse("1.2.0")}, To: "HEAD", Head: "c0ffee"}
	for i, s := range subjects {
		h.Changes = append(h.Changes, releasenotes.NewChange(fmt.Sprintf("%040d", i+1), releasenotes.Person{Name: "Ada"}, time.Unix(1700000000, 0).UTC(), s))
		h.Commits++
	}
	return h
}

// workTree is a directory holding the flag file (content "" for none).
func workTree(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if content != "" {
		if err := os.MkdirAll(filepath.Join(dir, ".release"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ".release", "flags.yaml"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func planOf(t *testing.T, repo memRepo, dir, env, version string, vars map[string]string) audit.Plan {
	t.Helper()
	src := Sources{Getenv: func(k string) string { return vars[k] }}
	return PlanFor(context.Background(), src, PlanInput{Config: config.Default(), Environment: env, Version: version, Dir: dir, Repo: repo})
}

func TestPlanForGathersTheInputs(t *testing.T) {
	t.Parallel()
	repo := memRepo{
		history: sinceTag("feat: onboarding", "fix: crash"),
		files:   map[string]string{"v1.2.0:.release/flags.yaml": flagsAtTag},
		head:    "c0ffee", tags: []string{"v1.1.0", "v1.2.0"},
	}
	p := planOf(t, repo, workTree(t, flagsNow), "stage", "", nil)
	if p.Commit != "c0ffee" || p.Version.Next != "1.3.0" || p.Version.LastTag != "v1.2.0" || strings.Join(p.Version.Tags, " ") != "v1.1.0 v1.2.0" {
		t.Errorf("commit %q, version %+v", p.Commit, p.Version)
	}
	if p.Notes.Changes != 2 || len(p.Notes.Subjects) != 0 || p.Notes.Missing != "" {
		t.Errorf("notes %+v", p.Notes)
	}
	newness := map[string]bool{}
	for _, f := range p.ProdFlags.Env.Flags {
		newness[f.Name] = f.New
	}
	if len(newness) != 2 || newness["FF_OLD"] || !newness["FF_NEW"] {
		t.Errorf("new flags %v, want FF_NEW only (FF_OLD is in the flag file at v1.2.0)", newness)
	}
	if p.StageFlags.Env == nil || p.StageFlags.Env.Name != "stage" {
		t.Errorf("stage flags %+v", p.StageFlags)
	}
	rep := p.Run(context.Background(), audit.Runner{Timeout: 5 * time.Second})
	got := map[string]audit.Status{}
	for _, c := range rep.Checks {
		got[c.Name] = c.Status
	}
	if got["flags-stage"] != audit.Pass || got["flags-prod"] != audit.Pass || got["version"] != audit.Pass || got["notes"] != audit.Pass || got["ci"] != audit.Skip {
		t.Errorf("statuses %v", got)
	}

	// GITHUB_SHA is the release commit when the Action gives it.
	if p := planOf(t, repo, workTree(t, flagsNow), "stage", "", map[string]string{"GITHUB_SHA": "beef"}); p.Commit != "beef" {
		t.Errorf("commit %q, want GITHUB_SHA's", p.Commit)
	}
	// With no flag file at the last tag, every flag is new.
	bare := repo
	bare.files = nil
	for _, f := range planOf(t, bare, workTree(t, flagsNow), "stage", "", nil).ProdFlags.Env.Flags {
		if !f.New {
			t.Errorf("%s is not new without a flag file at the tag", f.Name)
		}
	}
}

func TestPlanForSaysWhatItCouldNotGather(t *testing.T) {
	t.Parallel()
	dir := workTree(t, flagsNow)
	tests := []struct {
		name    string
		repo    memRepo
		dir     string
		env     string
		version string
		check   func(p audit.Plan) string // "" when right
	}{
		{"history unreadable", memRepo{historyErr: errors.New("boom")}, dir, "stage", "", func(p audit.Plan) string {
			want := "could not read the history of " + dir + ": boom"
			if p.Notes.Missing != want || p.Version.Missing != want || p.Version.Next != "" {
				return fmt.Sprintf("notes %+v version %+v", p.Notes, p.Version)
			}
			return ""
		}},
		{"history unreadable, version given", memRepo{historyErr: errors.New("boom")}, dir, "stage", "2.0.0", func(p audit.Plan) string {
			if p.Version.Missing != "" || p.Version.Next != "2.0.0" {
				return fmt.Sprintf("version %+v", p.Version)
			}
			return ""
		}},
		{"nothing to release", memRepo{history: sinceTag("chore: tidy")}, dir, "stage", "", func(p audit.Plan) string {
			if p.Version.Next != "" || !strings.HasPrefix(p.Version.Missing, "nothing to release since v1.2.0: ") || !strings.HasSuffix(p.Version.Missing, "; pass --version X.Y.Z to check one") {
				return fmt.Sprintf("version %+v", p.Version)
			}
			return ""
		}},
		{"tags unreadable", memRepo{history: sinceTag("feat: x"), tagsErr: errors.New("no tags for you")}, dir, "stage", "", func(p audit.Plan) string {
			if p.Version.Next != "" || p.Version.Missing != "could not list the tags of "+dir+": no tags for you" {
				return fmt.Sprintf("version %+v", p.Version)
			}
			return ""
		}},
		{"no flag file", memRepo{history: sinceTag("feat: x")}, workTree(t, ""), "stage", "", func(p audit.Plan) string {
			if p.StageFlags.Missing != "no flag file .release/flags.yaml" || p.ProdFlags.Missing != p.StageFlags.Missing || p.StageFlags.Env != nil {
				return fmt.Sprintf("stage %+v prod %+v", p.StageFlags, p.ProdFlags)
			}
			return ""
		}},
		{"flag file does not parse", memRepo{history: sinceTag("feat: x")}, workTree(t, "environments: [\n"), "stage", "", func(p audit.Plan) string {
			if p.StageFlags.Broken == "" || p.ProdFlags.Broken != p.StageFlags.Broken {
				return fmt.Sprintf("stage %+v prod %+v", p.StageFlags, p.ProdFlags)
			}
			return ""
		}},
		{"environment absent from the flag file", memRepo{history: sinceTag("feat: x")}, dir, "qa", "", func(p audit.Plan) string {
			if p.StageFlags.Env != nil || p.StageFlags.Missing != "no qa environment in .release/flags.yaml" {
				return fmt.Sprintf("stage %+v", p.StageFlags)
			}
			return ""
		}},
		{"auditing prod", memRepo{history: sinceTag("feat: x")}, dir, "prod", "", func(p audit.Plan) string {
			if p.StageFlags.Missing != "the audited environment prod is the production one; stage defaults do not apply" || p.ProdFlags.Env == nil {
				return fmt.Sprintf("stage %+v prod %+v", p.StageFlags, p.ProdFlags)
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if msg := tt.check(planOf(t, tt.repo, tt.dir, tt.env, tt.version, nil)); msg != "" {
				t.Error(msg)
			}
		})
	}
}

// The flag file is a directory: the flags checks fail with how to fix it.
func TestPlanForFlagFileIsADirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".release", "flags.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := planOf(t, memRepo{history: sinceTag("feat: x")}, dir, "stage", "", nil)
	want := "the flag file .release/flags.yaml is a directory; flags_file in .github/releasebot.yml must name a file"
	if p.StageFlags.Broken != want || p.ProdFlags.Broken != want {
		t.Errorf("stage %q prod %q, want %q", p.StageFlags.Broken, p.ProdFlags.Broken, want)
	}
}
