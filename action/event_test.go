package action

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/releasebot/releasebot/internal/failure"
)

func readTestEvent(t *testing.T, name, file string) Event {
	t.Helper()
	ev, err := ReadEvent(name, filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestReadEvent(t *testing.T) {
	t.Parallel()
	push := readTestEvent(t, "push", "push.json").Push
	if push == nil || push.Ref != "refs/heads/main" || push.After != strings.Repeat("2", 40) || push.Before != strings.Repeat("1", 40) ||
		push.HeadCommit == nil || push.HeadCommit.ID != strings.Repeat("2", 40) || !strings.HasPrefix(push.HeadCommit.Message, "Merge pull request #7") ||
		len(push.Commits) != 1 || push.Repository.FullName != "acme/app" || push.Repository.DefaultBranch != "main" ||
		push.Pusher.Name != "octocat" || push.Forced || push.Deleted {
		t.Errorf("push = %+v", push)
	}
	ic := readTestEvent(t, "issue_comment", "issue_comment.json").IssueComment
	if ic == nil || ic.Action != "created" || ic.Comment.ID != 1234567890 || ic.Comment.Body != "/canary 10\nplease" ||
		ic.Comment.User.Login != "octocat" || ic.Comment.User.Type != "User" || ic.Comment.CreatedAt != "2026-12-01T10:05:00Z" ||
		ic.Issue.Number != 7 || ic.Issue.PullRequest == nil || len(ic.Issue.Labels) != 1 || ic.Issue.Labels[0].Name != LabelPending {
		t.Errorf("issue_comment = %+v", ic)
	}
	pr := readTestEvent(t, "pull_request", "pull_request.json").PullRequest
	if pr == nil || pr.Action != "closed" || pr.Number != 7 || !pr.PullRequest.Merged || pr.PullRequest.MergeCommitSHA != strings.Repeat("2", 40) ||
		pr.PullRequest.Head.Ref != "releasebot/release-main" || pr.PullRequest.Base.Ref != "main" || len(pr.PullRequest.Labels) != 1 {
		t.Errorf("pull_request = %+v", pr)
	}
	other, err := ParseEvent("workflow_dispatch", []byte("not even json"))
	if err != nil || other.Name != "workflow_dispatch" || other.Push != nil || other.IssueComment != nil || other.PullRequest != nil {
		t.Errorf("an unhandled event = %+v, %v", other, err)
	}
}

func TestIssueWithoutPullRequestKey(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"action":"created","issue":{"number":3},"comment":{"id":1}}`,
		`{"action":"created","issue":{"number":3,"pull_request":null},"comment":{"id":1}}`,
	} {
		ev, err := ParseEvent("issue_comment", []byte(body))
		if err != nil || ev.IssueComment.Issue.PullRequest != nil {
			t.Errorf("%s: pull_request = %v, %v", body, ev.IssueComment.Issue.PullRequest, err)
		}
	}
}

func TestParseEventRefuses(t *testing.T) {
	t.Parallel()
	const secret = "ghp_0123456789abcdefSECRET"
	for _, tc := range []struct {
		name, event, data, says string
	}{
		{"comment id as string", "issue_comment", `{"comment":{"id":"123","body":"` + secret + `"}}`, "field comment.id is a JSON string, not a number"},
		{"user type as number", "issue_comment", `{"comment":{"id":1,"user":{"type":1}}}`, "field comment.user.type is a JSON number, not a string"},
		{"labels as object", "issue_comment", `{"issue":{"labels":{"name":"x"}}}`, "field issue.labels is a JSON object, not an array"},
		{"number as float", "issue_comment", `{"issue":{"number":7.5}}`, "field issue.number is a JSON number"},
		{"head commit message as bool", "push", `{"ref":"refs/heads/main","head_commit":{"message":true}}`, "field head_commit.message is a JSON boolean, not a string"},
		{"deleted as string", "push", `{"deleted":"true"}`, "field deleted is a JSON string, not a boolean"},
		{"merged as string", "pull_request", `{"pull_request":{"merged":"yes"}}`, "field pull_request.merged is a JSON string, not a boolean"},
		{"array at top", "push", `[1,2]`, "push event file is a JSON array, not an object"},
		{"string at top", "push", `"` + secret + `"`, "push event file is a JSON string, not an object"},
		{"truncated", "push", `{"ref":"refs/heads/main","after":"` + secret, "not valid JSON"},
		{"garbage", "issue_comment", "\x00\xff" + secret, "not valid JSON (at byte 1)"},
		{"empty", "push", "", "not valid JSON"},
		{"two objects", "push", `{} {}`, "not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseEvent(tc.event, []byte(tc.data))
			if failure.KindOf(err) != failure.BadInput {
				t.Fatalf("err = %v, want BadInput", err)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%q does not say %q", err, tc.says)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "\n") {
				t.Errorf("the error quotes the payload or spans lines: %q", err)
			}
		})
	}
}

func TestReadEventRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, EventFileLimit+1); err != nil {
		t.Fatal(err)
	}
	exact := filepath.Join(dir, "exact.json")
	pad := strings.Repeat(" ", int(EventFileLimit)-2)
	if err := os.WriteFile(exact, []byte("{"+pad+"}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEvent("push", exact); err != nil {
		t.Errorf("an event file of exactly the limit: %v", err)
	}
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, says string }{
		{"too large", big, "over releasebot's limit of 25 MiB"},
		{"a FIFO, without blocking", fifo, "cannot be read"},
		{"missing", filepath.Join(dir, "absent.json"), "GITHUB_EVENT_PATH="},
		{"a directory", dir, "cannot be read"},
	} {
		_, err := ReadEvent("push", tc.path)
		if failure.KindOf(err) != failure.BadInput || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: err = %v, want BadInput saying %q", tc.name, err, tc.says)
		}
	}
}

func FuzzParseEvent(f *testing.F) {
	for _, file := range []string{"push.json", "issue_comment.json", "pull_request.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.TrimSuffix(file, ".json"), data)
	}
	f.Add("push", []byte(`{"ref":1}`))
	f.Add("issue_comment", []byte(`{"comment":{"id":-1,"body":"/canary 10"},"issue":{"pull_request":{}}}`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		ev, err := ParseEvent(name, data)
		if err != nil {
			if failure.KindOf(err) != failure.BadInput {
				t.Fatalf("unclassified error: %v", err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if ev.Name != name {
			t.Fatalf("Name = %q", ev.Name)
		}
		// Whatever parses, mode selection decides without panicking.
		m, err := SelectMode(t.Context(), ev, "main", fakePulls{})
		if err == nil && m.Name == "" {
			t.Fatal("no mode and no error")
		}
		if strings.ContainsAny(m.Reason, "\n\r") {
			t.Fatalf("reason spans lines: %q", m.Reason)
		}
	})
}
