package releasenotes_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/releasebot/releasebot/internal/githistory"
	. "github.com/releasebot/releasebot/releasenotes"
)

// benchRepo is a synthetic history of benchCommits conventional commits
// with v1.0.0 half-way, made once with git fast-import (as
// scripts/gen-history.sh does) and shared by the benchmarks.
var benchRepo struct {
	once sync.Once
	dir  string
	env  []string
	err  error
}

const benchCommits = 10000

func syntheticHistory(b *testing.B) *githistory.Repo {
	b.Helper()
	benchRepo.once.Do(func() {
		dir, err := os.MkdirTemp("", "releasenotes-bench-")
		if err != nil {
			benchRepo.err = err
			return
		}
		benchRepo.dir, benchRepo.env = dir, hermeticGitEnv(dir)
		run := func(stdin io.Reader, args ...string) error {
			cmd := exec.Command("git", args...)
			cmd.Dir, cmd.Stdin = dir, stdin
			cmd.Env = append(os.Environ(), benchRepo.env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return nil
		}
		if benchRepo.err = run(nil, "init", "-q", "-b", "main"); benchRepo.err != nil {
			return
		}
		benchRepo.err = run(bytes.NewReader(fastImportStream(benchCommits, benchCommits/2)), "fast-import", "--quiet")
	})
	if benchRepo.err != nil {
		b.Fatal(benchRepo.err)
	}
	return &githistory.Repo{Dir: benchRepo.dir, Env: benchRepo.env}
}

// fastImportStream writes n commits of main with a tag on commit tagAt.
func fastImportStream(n, tagAt int) []byte {
	types := []string{"feat", "fix", "fix", "perf", "chore", "docs", "refactor", "test", "ci", "feat", "fix", "build", "style"}
	scopes := []string{"api", "auth", "cart", "checkout", "nav", "onboarding", "payments", "search", "quiz", "ui"}
	var b bytes.Buffer
	data := func(s string) { fmt.Fprintf(&b, "data %d\n%s\n", len(s), s) }
	for i := 1; i <= n; i++ {
		subj := types[(i*7)%13]
		if i%4 != 0 {
			subj += "(" + scopes[(i*3)%10] + ")"
		}
		subj += fmt.Sprintf(": change number %d", i)
		if i%9 == 0 {
			subj += " behind FF_NEW_ONBOARDING"
		}
		if i%3 == 0 {
			subj += fmt.Sprintf(" (#%d)", i)
		}
		msg := subj + "\n"
		if i%5 == 0 {
			msg += "\nWhy the change was needed,\nover two lines.\n\nA second paragraph.\n"
		}
		if i%10 == 0 {
			msg += fmt.Sprintf("\nRefs: #%d\nReviewed-by: Reviewer %d <r%d@example.com>\n", i-1, i%7, i%7)
		}
		if i%2500 == 1234 {
			msg += "\nBREAKING CHANGE: the old endpoint is gone.\n"
		}
		a, ts := (i*13)%20, 1700000000+i*60
		fmt.Fprintf(&b, "commit refs/heads/main\nmark :%d\n", i)
		fmt.Fprintf(&b, "author Dev %d <dev%d@example.com> %d +0000\ncommitter Dev %d <dev%d@example.com> %d +0000\n", a, a, ts, a, a, ts)
		data(msg)
		fmt.Fprintf(&b, "M 644 inline src/file%d.txt\n", i%200)
		data(fmt.Sprintf("line %d", i))
		b.WriteString("\n")
		if i == tagAt {
			fmt.Fprintf(&b, "reset refs/tags/v1.0.0\nfrom :%d\n\n", i)
		}
	}
	return b.Bytes()
}

// BenchmarkNotesHistory reads the unreleased range (5 000 commits).
func BenchmarkNotesHistory(b *testing.B) {
	repo := syntheticHistory(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		h, err := repo.History(ctx, RangeOptions{TagPrefix: "v"})
		if err != nil {
			b.Fatal(err)
		}
		if h.Commits != benchCommits/2 {
			b.Fatalf("%d commits", h.Commits)
		}
	}
}

// BenchmarkNotesBuildRender builds and renders the whole document for the
// same range, history already read.
func BenchmarkNotesBuildRender(b *testing.B) {
	h, err := syntheticHistory(b).History(context.Background(), RangeOptions{TagPrefix: "v"})
	if err != nil {
		b.Fatal(err)
	}
	rb := BuiltinRunbook()
	tmpl := DefaultTemplate()
	b.ReportAllocs()
	for b.Loop() {
		n, err := Build(h, Options{RepoURL: TestRepoURL, Runbook: rb, Date: BaseDate})
		if err != nil {
			b.Fatal(err)
		}
		if err := tmpl.Render(io.Discard, n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseCommit parses one commit with a body and footers.
func BenchmarkParseCommit(b *testing.B) {
	msg := "feat(api): change number 10 (#10)\n\nWhy the change was needed,\nover two lines.\n\nA second paragraph.\n\nRefs: #9\nReviewed-by: Reviewer 3 <r3@example.com>\n"
	b.ReportAllocs()
	for b.Loop() {
		ParseCommit(msg)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchRepo.dir != "" {
		os.RemoveAll(benchRepo.dir)
	}
	os.Exit(code)
}
