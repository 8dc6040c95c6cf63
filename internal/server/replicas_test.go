package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
)

// TestReplicasUnderConflictingCommands: three servers against one GitHub
// take 50 commands commented at once, each turning on its own flag of the
// one flag file, so every commit races every other: no update is lost (the
// file ends with exactly the committed flags on), each comment is
// committed at most once and answered exactly once (its commit, or why
// not), and the Release's rollout log lists every commit exactly once.
func TestReplicasUnderConflictingCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("50 commands through three servers")
	}
	w := newWorld(t, Options{})
	w.api(t, annToken, "POST", "/repos/acme/web/releases", map[string]string{
		"tag_name": "v1.2.0", "name": "v1.2.0",
		"body": "# v1.2.0\n\n## Rollout log\n\n<!-- releasebot:rollout-log -->\n_No rollout changes yet._\n\n<!-- /releasebot:rollout-log -->\n",
	}, nil)
	// GitHub delivers to a server that is gone: the deliveries are
	// recorded, and the test hands them to the replicas itself.
	if err := w.a.stop(); err != nil {
		t.Fatal(err)
	}
	const n = 50
	var flagFile strings.Builder
	flagFile.WriteString("environments:\n  prod:\n    canary_percent: 0\n    flags:\n")
	for i := range n {
		fmt.Fprintf(&flagFile, "      FF_%02d: {default: off}\n", i)
	}
	if _, err := w.emu.CommitFiles("acme", "web", "main", map[string][]byte{".release/flags.yaml": []byte(flagFile.String())}, "chore: fifty flags", "ann"); err != nil {
		t.Fatal(err)
	}
	base := w.git(t, "rev-parse", "main")
	ids := make([]int64, n)
	for i := range n {
		var c struct {
			ID int64 `json:"id"`
		}
		w.api(t, annToken, "POST", fmt.Sprintf("/repos/acme/web/issues/%d/comments", w.pr), map[string]string{"body": fmt.Sprintf("/toggle FF_%02d on", i)}, &c)
		ids[i] = c.ID
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.emu.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	byID := map[int64]githubemu.Delivery{}
	for _, d := range w.emu.Deliveries() {
		for _, id := range ids {
			if d.Event == "issue_comment" && bytes.Contains(d.Payload, fmt.Appendf(nil, `"id":%d,`, id)) {
				byID[id] = d
			}
		}
	}
	if len(byID) != n {
		t.Fatalf("%d deliveries recorded, want %d", len(byID), n)
	}
	replicas := []*served{w.serve(t, nil, Options{}), w.serve(t, nil, Options{}), w.serve(t, nil, Options{})}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, body := redeliver(t, replicas[i%3].url, byID[id]); status != http.StatusAccepted {
				t.Errorf("comment %d: %d %s", id, status, body)
			}
		}()
	}
	wg.Wait()
	for _, r := range replicas {
		w.settle(t, r)
	}

	// Each comment: at most one commit, exactly one reply, 👀 and 🚀 or 😕.
	log := w.git(t, "log", "--format=%H%n%B%n--end--", base+"..main")
	committed := 0
	for _, id := range ids {
		k := strings.Count(log, fmt.Sprintf("Releasebot-Request: github-comment:%d\n", id))
		if k > 1 {
			t.Errorf("comment %d committed %d times", id, k)
		}
		committed += k
		if got := strings.Join(w.emu.Reactions(id), ","); got != "eyes,rocket" && got != "eyes,confused" {
			t.Errorf("comment %d reactions %q", id, got)
		}
	}
	replies := w.replies()
	for _, id := range ids {
		marker := fmt.Sprintf("releasebot-reply: github-comment:%d ", id)
		k := 0
		for _, r := range replies {
			if strings.Contains(r, marker) {
				k++
			}
		}
		if k != 1 {
			t.Errorf("comment %d has %d replies", id, k)
		}
	}
	// No lost update: the history is one line of commits, one per
	// committed comment, and exactly the committed flags are on.
	if got := strings.TrimSpace(w.git(t, "rev-list", "--count", base+"..main")); got != fmt.Sprint(committed) {
		t.Errorf("%s commits since the start, %d committed comments", got, committed)
	}
	if committed < n/2 {
		t.Errorf("only %d of %d commands committed", committed, n)
	}
	// What each reply told its commenter is what the branch holds: a
	// reply that says committed has its commit on main and its flag on;
	// any other has neither.
	flags := w.git(t, "show", "main:.release/flags.yaml")
	for i, id := range ids {
		on := regexp.MustCompile(fmt.Sprintf(`FF_%02d: \{[^}]*override: on`, i)).MatchString(flags)
		inLog := strings.Contains(log, fmt.Sprintf("Releasebot-Request: github-comment:%d\n", id))
		told := false
		for _, r := range replies {
			if strings.Contains(r, fmt.Sprintf("releasebot-reply: github-comment:%d ", id)) {
				told = strings.Contains(r, "— committed ")
			}
		}
		if on != told || inLog != told {
			t.Errorf("FF_%02d: the reply says committed %v, the flag is on %v, the commit is on main %v (a lost or phantom update)", i, told, on, inLog)
		}
	}
	// The rollout log lists every commit once.
	var rel struct {
		Body string `json:"body"`
	}
	w.api(t, annToken, "GET", "/repos/acme/web/releases/tags/v1.2.0", nil, &rel)
	for _, sha := range strings.Fields(w.git(t, "log", "--format=%H", base+"..main")) {
		if k := strings.Count(rel.Body, "/commit/"+sha+")"); k != 1 {
			t.Errorf("commit %.7s is in the rollout log %d times", sha, k)
		}
	}
	if rows := strings.Count(rel.Body, "| `/toggle FF_"); rows != committed {
		t.Errorf("the rollout log has %d rows, want %d:\n%s", rows, committed, rel.Body)
	}
	var others []string
	for _, r := range replies {
		if first, _, _ := strings.Cut(r, "\n"); !strings.Contains(first, "— committed") {
			others = append(others, first)
		}
	}
	t.Logf("%d comments through 3 servers: %d committed, %d answered without a commit %q", n, committed, n-committed, others)
}
