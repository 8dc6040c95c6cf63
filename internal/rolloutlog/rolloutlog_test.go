package rolloutlog_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/releasebot/releasebot/action"
	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/rolloutlog"
)

var t0 = time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC)

func flagCommit(i int, cmd, change, who string) chatops.CommitInfo {
	return chatops.CommitInfo{
		SHA:     fmt.Sprintf("%040x", i),
		When:    t0.Add(time.Duration(i) * time.Minute),
		Message: fmt.Sprintf("chore(flags): %s\n\n- %s\n\nCommand: %s\n\nRequested-by: %s\nReleasebot-Request: r%d\n", change, change, cmd, who, i),
	}
}

func TestEntries(t *testing.T) {
	commits := []chatops.CommitInfo{ // newest first
		flagCommit(3, "/canary 50", "canary 10% → 50% (prod)", "U0ANN via slack"),
		{SHA: strings.Repeat("e", 40), When: t0.Add(150 * time.Second), Message: "fix: a hand edit of the flag file\n"},
		flagCommit(2, "/canary 10", "canary 0% → 10% (prod)", "ann via github"),
		flagCommit(-5, "/toggle FF_A on", "FF_A override on (stage)", "ann via github"), // before the release
	}
	got := rolloutlog.Entries(commits, t0)
	if len(got) != 2 {
		t.Fatalf("%d entries, want 2: %+v", len(got), got)
	}
	if got[0].Command != "/canary 10" || got[0].Who != "ann via github" || got[0].Change != "canary 0% → 10% (prod)" || got[0].Commit != commits[2].SHA {
		t.Errorf("first entry %+v", got[0])
	}
	if got[1].Command != "/canary 50" || got[1].Who != "U0ANN via slack" {
		t.Errorf("second entry %+v", got[1])
	}
}

func TestReplace(t *testing.T) {
	section := "## Rollout log\n\n" + rolloutlog.Begin + "\nNEW\n" + rolloutlog.End + "\n"
	for _, tc := range []struct{ name, body, want string }{
		{"replaces between the markers", "# v1\n\n## Rollout log\n\n" + rolloutlog.Begin + "\nOLD\n" + rolloutlog.End + "\n\nafter\n", "# v1\n\n## Rollout log\n\n" + rolloutlog.Begin + "\nNEW\n" + rolloutlog.End + "\n\nafter\n"},
		{"appends when absent", "# v1\n\nnotes\n", "# v1\n\nnotes\n\n## Rollout log\n\n" + rolloutlog.Begin + "\nNEW\n" + rolloutlog.End + "\n"},
		{"markers out of order", "# v1\n" + rolloutlog.End + "\n" + rolloutlog.Begin + "\n", "# v1\n" + rolloutlog.End + "\n" + rolloutlog.Begin + "\n\n## Rollout log\n\n" + rolloutlog.Begin + "\nNEW\n" + rolloutlog.End + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, differs := rolloutlog.Replace(tc.body, section)
			if got != tc.want || !differs {
				t.Errorf("got %q (%v), want %q", got, differs, tc.want)
			}
			if again, differs := rolloutlog.Replace(got, section); differs || again != got {
				t.Errorf("a second replace changed the body: %q", again)
			}
		})
	}
}

// repo is a Release and a flag branch shared by writers.
type repo struct {
	mu      sync.Mutex
	body    string
	commits []chatops.CommitInfo // newest first
	writes  int
	// afterRead, when set, runs once after a history read (a command
	// committing meanwhile).
	afterRead func()
}

func (r *repo) LatestRelease(context.Context) (*action.Release, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return &action.Release{ID: 1, Tag: "v1.3.0", Body: r.body, Published: t0}, nil
}

func (r *repo) UpdateReleaseBody(_ context.Context, _ int64, body string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.body = body
	r.writes++
	return nil
}

func (r *repo) History(_ context.Context, _ string, limit int) ([]chatops.CommitInfo, error) {
	r.mu.Lock()
	out := append([]chatops.CommitInfo(nil), r.commits[:min(limit, len(r.commits))]...)
	hook := r.afterRead
	r.afterRead = nil
	r.mu.Unlock()
	if hook != nil {
		hook()
	}
	return out, nil
}

func (r *repo) commit(c chatops.CommitInfo) {
	r.mu.Lock()
	r.commits = append([]chatops.CommitInfo{c}, r.commits...)
	r.mu.Unlock()
}

// TestUpdateConverges: a commit made while the log is written is in the
// log at the end, and a second update writes nothing.
func TestUpdateConverges(t *testing.T) {
	r := &repo{body: "# v1.3.0\n\n## Rollout log\n\n" + rolloutlog.Begin + "\n_No rollout changes yet._\n\n" + rolloutlog.End + "\n"}
	r.commit(flagCommit(1, "/canary 10", "canary 0% → 10% (prod)", "ann via github"))
	r.afterRead = func() { r.commit(flagCommit(2, "/canary 50", "canary 10% → 50% (prod)", "bob via slack")) }
	l := &rolloutlog.Log{Releases: r, History: r, FlagsFile: ".release/flags.yaml", RepoURL: "https://github.com/acme/web"}
	changed, err := l.Update(context.Background())
	if err != nil || !changed {
		t.Fatalf("update: %v %v", changed, err)
	}
	for _, want := range []string{"| `/canary 10` |", "| `/canary 50` |", "bob via slack"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the log lacks %q:\n%s", want, r.body)
		}
	}
	if strings.Contains(r.body, "_No rollout changes yet._") {
		t.Error("the placeholder stayed")
	}
	writes := r.writes
	if changed, err := l.Update(context.Background()); err != nil || changed || r.writes != writes {
		t.Errorf("a second update wrote: %v %v", changed, err)
	}
}

// TestTwoWritersConverge: writers racing over ten commits, each updating
// after its own, end with every commit in the log exactly once: a writer
// that wrote an older log sees the branch moved and renders again.
func TestTwoWritersConverge(t *testing.T) {
	r := &repo{body: "# v1.3.0\n"}
	l := &rolloutlog.Log{Releases: r, History: r, FlagsFile: ".release/flags.yaml"}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.commit(flagCommit(i+1, fmt.Sprintf("/canary %d", i+1), fmt.Sprintf("step %d", i+1), "ann via github"))
			if _, err := l.Update(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// No final update: the writers themselves converge.
	for i := range 10 {
		if n := strings.Count(r.body, fmt.Sprintf("| `/canary %d` |", i+1)); n != 1 {
			t.Errorf("/canary %d is in the log %d times", i+1, n)
		}
	}
}

// TestProdSection: the PROD section follows the default environment's
// canary through the flag commits — started, where it stands, finished at
// 100 %, and a rollback noted with who and when — and is rebuilt in place.
func TestProdSection(t *testing.T) {
	r := &repo{body: "# v1.3.0\n\n## PROD\n\n" + rolloutlog.ProdBegin + "\n_Not started yet: this section is filled in as the rollout goes._\n\n" + rolloutlog.ProdEnd + "\n\n### 6. Canary rollout\n\n- [ ] item\n\n## Rollout log\n\n" + rolloutlog.Begin + "\n" + rolloutlog.End + "\n"}
	l := &rolloutlog.Log{Releases: r, History: r, FlagsFile: ".release/flags.yaml", Env: "prod"}
	step := func(i int, cmd, change, who string) {
		r.commit(flagCommit(i, cmd, change, who))
		if _, err := l.Update(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	step(1, "/toggle FF_A on", "FF_A override: none → on (stage)", "ann via github")
	if !strings.Contains(r.body, "_Not started yet") {
		t.Errorf("a stage toggle started the PROD rollout:\n%s", r.body)
	}
	step(2, "/canary 10", "canary 0% → 10% (prod)", "ann via github")
	step(3, "/canary 50", "canary 10% → 50% (prod)", "U0BOB via slack")
	for _, want := range []string{"- Started: 2026-12-02 14:02 UTC", "- Canary: 50%"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the PROD section lacks %q:\n%s", want, r.body)
		}
	}
	step(4, "/rollback", "canary 50% → 0% (prod)", "carol via slack")
	for _, want := range []string{"- Canary: 0%", "Rolled back from 50% to 0% by carol via slack at 2026-12-02 14:04 UTC", "### 6. Canary rollout\n\n- [ ] item"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("after the rollback the body lacks %q:\n%s", want, r.body)
		}
	}
	step(5, "/canary 100 --force", "canary 0% → 100% (prod)", "ann via github")
	if !strings.Contains(r.body, "- Finished: 2026-12-02 14:05 UTC") || strings.Count(r.body, rolloutlog.ProdBegin) != 1 {
		t.Errorf("at 100%%:\n%s", r.body)
	}
}
