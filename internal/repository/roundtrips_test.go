package repository_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/releasebot/releasebot/chatops"
	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/repository"
)

// wire records each request a client sends, when it started and ended,
// and adds latency to each so that requests sent together overlap and
// requests sent one after another do not.
type wire struct {
	next  http.RoundTripper
	delay time.Duration
	// before, when set, runs before a request is sent, with its label.
	before func(label string)
	// after, when set, runs after a request's answer came, with its label.
	after func(label string)

	mu    sync.Mutex
	calls []wireCall
}

type wireCall struct {
	label      string
	start, end time.Time
}

var shaRe = regexp.MustCompile(`^[0-9a-f]{40}$`)

// label names a request as "GET /contents/.release/flags.yaml@sha": the
// method, the path under the repository, and for a contents read whether
// it named a commit, a branch or nothing (the default branch).
func label(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/api/v3/repos/acme/web")
	p = regexp.MustCompile(`/git/refs/heads/.*`).ReplaceAllString(p, "/git/refs/heads/…")
	if strings.HasPrefix(p, "/contents/") {
		switch ref := r.URL.Query().Get("ref"); {
		case shaRe.MatchString(ref):
			p += "@sha"
		case ref != "":
			p += "@" + ref
		}
	}
	return r.Method + " " + cmpOr(p, "/")
}

func cmpOr(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	l := label(r)
	if w.before != nil {
		w.before(l)
	}
	start := time.Now()
	time.Sleep(w.delay)
	resp, err := w.next.RoundTrip(r)
	end := time.Now()
	if w.after != nil {
		w.after(l)
	}
	w.mu.Lock()
	w.calls = append(w.calls, wireCall{l, start, end})
	w.mu.Unlock()
	return resp, err
}

func (w *wire) reset() {
	w.mu.Lock()
	w.calls = nil
	w.mu.Unlock()
}

// rounds groups the calls by round trip: a call is in round n+1 when the
// latest round of the calls that ended before it started is n. The number
// of rounds is the critical path's length in round trips.
func (w *wire) rounds() [][]string {
	w.mu.Lock()
	calls := slices.Clone(w.calls)
	w.mu.Unlock()
	slices.SortFunc(calls, func(a, b wireCall) int { return a.start.Compare(b.start) })
	level := make([]int, len(calls))
	var out [][]string
	for i, c := range calls {
		for j := range calls[:i] {
			if !calls[j].end.After(c.start) {
				level[i] = max(level[i], level[j])
			}
		}
		level[i]++
		for len(out) < level[i] {
			out = append(out, nil)
		}
		out[level[i]-1] = append(out[level[i]-1], c.label)
	}
	for _, r := range out {
		slices.Sort(r)
	}
	return out
}

const (
	wireFlags  = "environments:\n  prod:\n    canary_percent: 50\n    flags:\n      FF_A: {default: off, canary: true}\n"
	wireConfig = "canary: {steps: [10, 50, 100]}\n"
)

type wireWorld struct {
	emu  *githubemu.Server
	wire *wire
	cc   *repository.ClientCreator
}

func newWireWorld(t *testing.T, files ...map[string][]byte) *wireWorld {
	t.Helper()
	emu := githubemu.NewTest(t, githubemu.Options{Dir: t.TempDir(), Tokens: map[string]string{"ghp_token": "ci"}})
	if len(files) == 0 {
		files = append(files, map[string][]byte{".release/flags.yaml": []byte(wireFlags), ".github/releasebot.yml": []byte(wireConfig)})
	}
	if err := emu.CreateRepo("acme", "web", githubemu.RepoOptions{Files: files[0]}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	w := &wire{next: http.DefaultTransport, delay: 15 * time.Millisecond}
	cc := repository.NewClientCreator(ghstore.ClientOptions{
		BaseURL: srv.URL + "/api/v3", Credentials: ghstore.Credentials{Token: "ghp_token"}, Transport: w,
	})
	return &wireWorld{emu: emu, wire: w, cc: cc}
}

// run opens the repository as a fresh process does and runs one command.
func (ww *wireWorld) run(t *testing.T, o repository.GitHubOptions, text, id string) chatops.Reply {
	t.Helper()
	opened, err := repository.OpenGitHub(context.Background(), ww.cc, "acme/web", o)
	if err != nil {
		t.Fatal(err)
	}
	return opened.Service().Run(context.Background(), chatops.Request{Text: text, ID: id, Actor: chatops.Actor{Name: "ana", Via: "github"}})
}

const (
	getRepo    = "GET /"
	getConfig  = "GET /contents/.github/releasebot.yml"
	listTip    = "GET /commits"
	getFlags   = "GET /contents/.release/flags.yaml"
	checkFlags = "GET /contents/.release/flags.yaml@sha"
	getFlagsAt = "GET /contents/.release/flags.yaml@main"
	makeTree   = "POST /git/trees"
	makeCommit = "POST /git/commits"
	moveRef    = "PATCH /git/refs/heads/…"
	releases   = "GET /git/matching-refs/tags/v"
)

// TestRoundTripsPerCommand counts, at the wire, the requests of one command
// in a fresh process (the configuration read included) and groups them by
// round trip: what /rollback waits for against github.com.
func TestRoundTripsPerCommand(t *testing.T) {
	otherFile := map[string][]byte{"ops/flags.yaml": []byte(wireFlags), ".github/releasebot.yml": []byte("flags_file: ops/flags.yaml\n" + wireConfig)}
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		opts  repository.GitHubOptions
		text  string
		want  [][]string
		calls int
	}{
		{"rollback", nil, repository.GitHubOptions{}, "/rollback", [][]string{
			{getRepo, getConfig, listTip, getFlags}, {checkFlags, makeTree}, {makeCommit}, {moveRef},
		}, 8},
		{"rollback, default branch from the event", nil, repository.GitHubOptions{DefaultBranch: "main"}, "/rollback", [][]string{
			{getConfig, listTip, getFlags}, {checkFlags, makeTree}, {makeCommit}, {moveRef},
		}, 7},
		{"toggle", nil, repository.GitHubOptions{DefaultBranch: "main"}, "/toggle FF_A on", [][]string{
			{getConfig, listTip, getFlags}, {checkFlags, makeTree}, {makeCommit}, {moveRef},
		}, 7},
		{"lowering the canary asks no gate", nil, repository.GitHubOptions{DefaultBranch: "main"}, "/canary 10", [][]string{
			{getConfig, listTip, getFlags}, {checkFlags, makeTree}, {makeCommit}, {moveRef},
		}, 7},
		{"a gated raise looks up the release", nil, repository.GitHubOptions{DefaultBranch: "main"}, "/canary 100", [][]string{
			{getConfig, listTip, getFlags}, {releases}, {checkFlags, makeTree}, {makeCommit}, {moveRef},
		}, 8},
		{"nothing to do writes nothing", nil, repository.GitHubOptions{DefaultBranch: "main"}, "/canary 50", [][]string{
			{getConfig, listTip, getFlags},
		}, 3},
		{"the configuration names another flag file", otherFile, repository.GitHubOptions{DefaultBranch: "main"}, "/rollback", [][]string{
			{getConfig, listTip, getFlags}, {listTip, "GET /contents/ops/flags.yaml@main"},
			{"GET /contents/ops/flags.yaml@sha", makeTree}, {makeCommit}, {moveRef},
		}, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var files []map[string][]byte
			if tc.files != nil {
				files = append(files, tc.files)
			}
			ww := newWireWorld(t, files...)
			r := ww.run(t, tc.opts, tc.text, "github-comment:1")
			if r.Outcome != chatops.Done && r.Outcome != chatops.NoChange {
				t.Fatalf("%v %q", r.Outcome, r.Text)
			}
			got := ww.wire.rounds()
			if !equalRounds(got, tc.want) {
				t.Errorf("round trips:\n got %q\nwant %q", got, tc.want)
			}
			if n := len(ww.wire.calls); n != tc.calls {
				t.Errorf("%d calls, want %d", n, tc.calls)
			}
			t.Logf("%s: %d calls in %d round trips", tc.text, len(ww.wire.calls), len(got))
		})
	}
}

func equalRounds(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool {
		y = slices.Clone(y)
		slices.Sort(y)
		return slices.Equal(x, y)
	})
}

// TestRoundTripsReplayAndLaterCommands: a redelivered command is found in
// the one commits list and writes nothing; a later command in the same
// process, opened afresh or on the same store, knows the flag file of the
// commit the process made and skips the check: 6 calls, the configuration
// included, in 4 round trips.
func TestRoundTripsReplayAndLaterCommands(t *testing.T) {
	ww := newWireWorld(t)
	o := repository.GitHubOptions{DefaultBranch: "main"}
	first := ww.run(t, o, "/rollback", "github-comment:9")
	if first.Outcome != chatops.Done {
		t.Fatalf("%v %q", first.Outcome, first.Text)
	}
	ww.wire.reset()
	again := ww.run(t, o, "/rollback", "github-comment:9")
	if !again.Replayed || again.Commit != first.Commit {
		t.Fatalf("redelivery: %+v", again)
	}
	if got, want := ww.wire.rounds(), [][]string{{getConfig, listTip, getFlags}}; !equalRounds(got, want) {
		t.Errorf("replay round trips:\n got %q\nwant %q", got, want)
	}

	// A command opened afresh by the same process (one ClientCreator, as a
	// server has) trusts the flag file of the commit the first one made.
	ww.wire.reset()
	if r := ww.run(t, o, "/toggle FF_A on", "github-comment:10"); r.Outcome != chatops.Done {
		t.Fatalf("%v %q", r.Outcome, r.Text)
	}
	if got, want := ww.wire.rounds(), [][]string{{getConfig, listTip, getFlags}, {makeTree}, {makeCommit}, {moveRef}}; !equalRounds(got, want) {
		t.Errorf("a fresh command after our own commit:\n got %q\nwant %q", got, want)
	}

	opened, err := repository.OpenGitHub(context.Background(), ww.cc, "acme/web", o)
	if err != nil {
		t.Fatal(err)
	}
	svc := opened.Service()
	actor := chatops.Actor{Name: "ana", Via: "slack"}
	if r := svc.Run(context.Background(), chatops.Request{Text: "/toggle FF_A off", ID: "s1", Actor: actor}); r.Outcome != chatops.Done {
		t.Fatalf("%v %q", r.Outcome, r.Text)
	}
	ww.wire.reset()
	if r := svc.Run(context.Background(), chatops.Request{Text: "/toggle FF_A default", ID: "s2", Actor: actor}); r.Outcome != chatops.Done {
		t.Fatalf("%v %q", r.Outcome, r.Text)
	}
	want := [][]string{{listTip, getFlagsAt}, {makeTree}, {makeCommit}, {moveRef}}
	if got := ww.wire.rounds(); !equalRounds(got, want) {
		t.Errorf("a later command's round trips:\n got %q\nwant %q", got, want)
	}
}

// TestRoundTripsLostRace: another writer moves the branch just before the
// ref update; the command reads again and commits on top.
func TestRoundTripsLostRace(t *testing.T) {
	ww := newWireWorld(t)
	var once sync.Once
	ww.wire.before = func(l string) {
		if l == moveRef {
			once.Do(func() { outside(t, ww.emu, "canary_percent: 50", "canary_percent: 40") })
		}
	}
	r := ww.run(t, repository.GitHubOptions{DefaultBranch: "main"}, "/toggle FF_A on", "github-comment:2")
	if r.Outcome != chatops.Done {
		t.Fatalf("%v %q", r.Outcome, r.Text)
	}
	want := [][]string{
		{getConfig, listTip, getFlags}, {checkFlags, makeTree}, {makeCommit}, {moveRef},
		{listTip, getFlagsAt}, {checkFlags, makeTree}, {makeCommit}, {moveRef},
	}
	if got := ww.wire.rounds(); !equalRounds(got, want) {
		t.Errorf("round trips:\n got %q\nwant %q", got, want)
	}
	assertBoth(t, ww.emu)
}

// TestFlagFileReadBeforeTheTipMoved is the race the check of the flag file
// guards against: the flag file is read at the branch, then another writer
// commits a change to it, then the commits list names that new commit as
// the tip. Committing the command's change on that tip would undo the other
// writer's; the store sees that the file at the tip is not the one it read,
// reads again, and both changes land.
func TestFlagFileReadBeforeTheTipMoved(t *testing.T) {
	ww := newWireWorld(t)
	moved := make(chan struct{})
	var once sync.Once
	ww.wire.after = func(l string) {
		if l == getFlags {
			once.Do(func() { outside(t, ww.emu, "canary_percent: 50", "canary_percent: 40"); close(moved) })
		}
	}
	ww.wire.before = func(l string) {
		if l == listTip {
			<-moved
		}
	}
	r := ww.run(t, repository.GitHubOptions{DefaultBranch: "main"}, "/toggle FF_A on", "github-comment:3")
	if r.Outcome != chatops.Done {
		t.Fatalf("%v %q", r.Outcome, r.Text)
	}
	assertBoth(t, ww.emu)
}

// outside commits the flag file with old replaced by new, as another writer.
func outside(t *testing.T, emu *githubemu.Server, old, new string) {
	t.Helper()
	if _, err := emu.CommitFiles("acme", "web", "main", map[string][]byte{
		".release/flags.yaml": []byte(strings.Replace(wireFlags, old, new, 1)),
	}, "chore: canary by hand", "octocat"); err != nil {
		t.Errorf("outside commit: %v", err)
	}
}

// assertBoth checks that the outside change and the command's are both in
// the flag file on main.
func assertBoth(t *testing.T, emu *githubemu.Server) {
	t.Helper()
	data, err := emu.FileAt("acme", "web", "main", ".release/flags.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "canary_percent: 40") || !strings.Contains(string(data), "override: on") {
		t.Errorf("a change was lost; the flag file on main:\n%s", data)
	}
}
