package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	sentryemu "github.com/releasebot/releasebot/internal/emulator/sentry"
	"github.com/releasebot/releasebot/internal/golden"
)

// The repository the end-to-end tests release: a configuration naming the
// Slack channel and the Sentry project, the flag file, and a deploy
// workflow that can be dispatched.
var actionRepoFiles = map[string]string{
	".github/releasebot.yml": `slack: {channel: C0RELEASE}
sentry: {org: acme, project: web}
canary:
  steps: [10, 50, 100]
  gates: {health: false, max_sentry_issues: 0}
`,
	".release/flags.yaml": `environments:
  stage:
    canary_percent: 0
    flags:
      FF_ONE_CLICK: {default: on}
  prod:
    canary_percent: 0
    flags:
      FF_ONE_CLICK: {default: off, canary: true}
`,
	".github/workflows/deploy.yml": "name: deploy\non:\n  workflow_dispatch:\n  push:\n    branches: [main]\njobs: {}\n",
	"README.md":                    "# web\n",
}

// issue is the part of an issue or PR the tests read.
type issue struct {
	Number int    `json:"number"`
	Title  string `json:"title"`
	Body   string `json:"body"`
	State  string `json:"state"`
	Labels []struct {
		Name string `json:"name"`
	} `json:"labels"`
	Head struct {
		Ref string `json:"ref"`
	} `json:"head"`
	MergeCommitSHA string `json:"merge_commit_sha"`
}

func (i issue) labels() []string {
	var out []string
	for _, l := range i.Labels {
		out = append(out, l.Name)
	}
	return out
}

type comment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
	User struct {
		Login string `json:"login"`
	} `json:"user"`
}

func (w *actionWorld) openPRs(t *testing.T) []issue {
	var prs []issue
	w.api(t, annToken, "GET", "/repos/acme/web/pulls?state=open", nil, &prs)
	return prs
}

func (w *actionWorld) pr(t *testing.T, n int) issue {
	var pr issue
	w.api(t, annToken, "GET", fmt.Sprintf("/repos/acme/web/pulls/%d", n), nil, &pr)
	return pr
}

func (w *actionWorld) comments(t *testing.T, n int) []comment {
	var cs []comment
	w.api(t, annToken, "GET", fmt.Sprintf("/repos/acme/web/issues/%d/comments?per_page=100", n), nil, &cs)
	return cs
}

func (w *actionWorld) reactions(t *testing.T, commentID int64) []string {
	var rs []struct {
		Content string `json:"content"`
	}
	w.api(t, annToken, "GET", fmt.Sprintf("/repos/acme/web/issues/comments/%d/reactions", commentID), nil, &rs)
	var out []string
	for _, r := range rs {
		out = append(out, r.Content)
	}
	return out
}

// comment posts body on issue n as token's user and returns the
// issue_comment payload GitHub sent for it.
func (w *actionWorld) comment(t *testing.T, token string, n int, body string) (int64, []byte) {
	t.Helper()
	var c comment
	w.api(t, token, "POST", fmt.Sprintf("/repos/acme/web/issues/%d/comments", n), map[string]string{"body": body}, &c)
	w.waitHooks(t)
	return c.ID, w.hooks.last(t, "issue_comment", func(v map[string]any) bool {
		cm, _ := v["comment"].(map[string]any)
		id, _ := cm["id"].(float64)
		return int64(id) == c.ID
	})
}

// merge merges PR n as ann with method and returns the push payload of the
// merge.
func (w *actionWorld) merge(t *testing.T, n int, method string) (string, []byte) {
	t.Helper()
	var res struct {
		SHA string `json:"sha"`
	}
	w.api(t, annToken, "PUT", fmt.Sprintf("/repos/acme/web/pulls/%d/merge", n), map[string]string{"merge_method": method}, &res)
	w.waitHooks(t)
	return res.SHA, w.hooks.last(t, "push", func(v map[string]any) bool { return v["after"] == res.SHA })
}

// stable replaces what changes from run to run (commit ids, the servers'
// ports, Slack timestamps) so Block Kit JSON can be compared with a golden
// file.
func (w *actionWorld) stable(s string) string {
	s = strings.ReplaceAll(s, w.ghSrv.URL, "https://github.example")
	s = regexp.MustCompile(`\b[0-9a-f]{40}\b`).ReplaceAllString(s, "<sha>")
	s = regexp.MustCompile(`\b[0-9a-f]{7}\b`).ReplaceAllString(s, "<short>")
	s = regexp.MustCompile(`\d{10}\.\d{6}`).ReplaceAllString(s, "<ts>")
	return regexp.MustCompile(`\d{4}-\d{2}-\d{2}`).ReplaceAllString(s, "<date>")
}

func prettyJSON(t *testing.T, raw []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b) + "\n"
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(s, want) {
			t.Errorf("%s does not contain %q:\n%s", what, want, s)
		}
	}
}

func wantCode(t *testing.T, j job, code int) {
	t.Helper()
	if j.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", j.code, code, j.stdout, j.stderr)
	}
	for _, secret := range []string{actionsToken, slackToken, sentryToken} {
		if strings.Contains(j.stdout+j.stderr+j.summary, secret) && !strings.Contains(j.stdout, "::add-mask::"+secret) {
			t.Errorf("a secret is printed:\n%s%s", j.stdout, j.stderr)
		}
	}
}

var actionInputsAll = map[string]string{
	"slack-bot-token":   slackToken,
	"sentry-auth-token": sentryToken,
	"deploy-workflow":   "deploy.yml",
}

// TestActionEndToEnd runs the binary as GitHub runs the Action, through a
// release and its rollout: prepare, a second push that updates the same PR,
// a merge commit, publish, publish again, /canary 10 as a comment, that
// comment redelivered, /ab_status, and the comments releasebot must ignore
// or refuse; then a second release merged by squash.
func TestActionEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary against three emulators")
	}
	w := newActionWorld(t, actionRepoFiles)
	if err := w.gh.SetRef("acme", "web", "refs/tags/v1.2.0", w.git(t, "rev-parse", "main")); err != nil {
		t.Fatal(err)
	}

	// prepare
	push1 := w.push(t, "ann", "feat(checkout): pay in one click\n\nBehind FF_ONE_CLICK.", map[string]string{"checkout.go": "package checkout\n"})
	j := w.runAction(t, w.workspace(t, "main"), "push", push1, actionInputsAll)
	wantCode(t, j, 0)
	mustContain(t, "the log", j.stdout, "mode prepare", "fetching the history and tags", "::group::")
	if j.outputs["mode"] != "prepare" || j.outputs["version"] != "1.3.0" || j.outputs["release-pr"] == "" || j.outputs["notes-path"] == "" {
		t.Fatalf("outputs %v", j.outputs)
	}
	prs := w.openPRs(t)
	if len(prs) != 1 {
		t.Fatalf("%d open PRs, want 1", len(prs))
	}
	pr := w.pr(t, prs[0].Number)
	if fmt.Sprint(pr.Number) != j.outputs["release-pr"] || pr.Title != "chore(release): v1.3.0" || pr.Head.Ref != "releasebot/release-main" {
		t.Fatalf("release PR %+v, outputs %v", pr, j.outputs)
	}
	if got := pr.labels(); len(got) != 1 || got[0] != "releasebot: pending" {
		t.Errorf("labels %v", got)
	}
	mustContain(t, "the PR body", pr.Body, "pay in one click", `<!-- releasebot: {"version":"1.3.0"`, `"ts":"`)
	mustContain(t, "the step summary", j.summary, "releasebot: prepare v1.3.0", "pay in one click")
	// The bot branch is one commit on top of the pushed head, holding the notes.
	if got := w.git(t, "rev-parse", "releasebot/release-main^"); got != w.git(t, "rev-parse", "main") {
		t.Errorf("the bot branch's parent is %s, want main's head", got)
	}
	mustContain(t, "RELEASE_NOTES.md on the bot branch", w.git(t, "show", "releasebot/release-main:RELEASE_NOTES.md"), "1.3.0", "pay in one click")
	msgs := w.slack.Messages()
	if len(msgs) != 1 || msgs[0].Method != "chat.postMessage" || msgs[0].Channel != slackChannel {
		t.Fatalf("Slack messages %+v", msgs)
	}
	firstTS := msgs[0].TS

	// A second push updates the same PR, and the checklist in place.
	push2 := w.push(t, "ann", "fix(cart): round totals half up", map[string]string{"cart.go": "package cart\n"})
	j = w.runAction(t, w.workspace(t, "main"), "push", push2, actionInputsAll)
	wantCode(t, j, 0)
	if prs := w.openPRs(t); len(prs) != 1 || prs[0].Number != pr.Number {
		t.Fatalf("open PRs %+v after the second push, want #%d only", prs, pr.Number)
	}
	pr = w.pr(t, pr.Number)
	mustContain(t, "the updated PR body", pr.Body, "round totals half up", "pay in one click", firstTS)
	msgs = w.slack.Messages()
	if len(msgs) != 2 || msgs[1].Method != "chat.update" || msgs[1].TS != firstTS {
		t.Fatalf("Slack after the second push: %+v, want one chat.update of %s", msgs, firstTS)
	}
	golden.AssertString(t, "action-slack-checklist.golden.json", w.stable(prettyJSON(t, msgs[1].Blocks)))

	// The bot's own branch push is no release.
	j = w.runAction(t, w.workspace(t, "main"), "push", w.hooks.last(t, "push", func(v map[string]any) bool { return v["ref"] == "refs/heads/releasebot/release-main" }), actionInputsAll)
	wantCode(t, j, 0)
	if j.outputs["mode"] != "noop" {
		t.Errorf("a push to the bot branch: mode %q, want noop", j.outputs["mode"])
	}

	// Merge (a merge commit) → publish.
	mergeSHA, mergePush := w.merge(t, pr.Number, "merge")
	j = w.runAction(t, w.workspace(t, "main"), "push", mergePush, actionInputsAll)
	wantCode(t, j, 0)
	if j.outputs["mode"] != "publish" || j.outputs["version"] != "1.3.0" || !strings.Contains(j.outputs["release-url"], "/releases/tag/v1.3.0") {
		t.Fatalf("publish outputs %v\n%s", j.outputs, j.stdout)
	}
	if got := w.git(t, "rev-parse", "v1.3.0^{commit}"); got != mergeSHA {
		t.Errorf("v1.3.0 is at %s, want the merge %s", got, mergeSHA)
	}
	var rel struct {
		Name string `json:"name"`
		Body string `json:"body"`
	}
	w.api(t, annToken, "GET", "/repos/acme/web/releases/tags/v1.3.0", nil, &rel)
	mustContain(t, "the Release body", rel.Body, "pay in one click", "round totals half up", "## Rollout log")
	if strings.Contains(rel.Body, "<!-- releasebot: {") || strings.Count(rel.Body, "## Rollout log") != 1 || rel.Name != "v1.3.0" {
		t.Errorf("Release %q keeps the marker or is misnamed:\n%s", rel.Name, rel.Body)
	}
	if got := w.pr(t, pr.Number).labels(); len(got) != 1 || got[0] != "releasebot: tagged" {
		t.Errorf("labels after publish %v", got)
	}
	commits, ok := w.sentry.Release("acme", "v1.3.0")
	if !ok || len(commits) == 0 {
		t.Errorf("Sentry release v1.3.0: %v %v", ok, commits)
	}
	if d := w.sentry.Deploys("acme", "v1.3.0"); len(d) != 1 {
		t.Errorf("Sentry deploys %+v, want 1", d)
	}
	msgs = w.slack.Messages()
	if len(msgs) != 3 || msgs[2].ThreadTS != firstTS {
		t.Fatalf("Slack after publish: %+v, want a reply in the checklist's thread", msgs)
	}
	mustContain(t, "the publish message", string(msgs[2].Blocks), "/canary 10")
	golden.AssertString(t, "action-slack-published.golden.json", w.stable(prettyJSON(t, msgs[2].Blocks)))

	// publish again changes nothing and says so.
	tags, releases := w.git(t, "tag", "-l"), rel.Body
	j = w.runAction(t, w.workspace(t, "main"), "push", mergePush, actionInputsAll)
	wantCode(t, j, 0)
	mustContain(t, "the second publish's log", j.stdout, "already")
	if w.git(t, "tag", "-l") != tags || len(w.slack.Messages()) != 3 || len(w.sentry.Deploys("acme", "v1.3.0")) != 1 {
		t.Errorf("publish again changed something: tags %q, %d Slack messages", w.git(t, "tag", "-l"), len(w.slack.Messages()))
	}
	w.api(t, annToken, "GET", "/repos/acme/web/releases/tags/v1.3.0", nil, &rel)
	if rel.Body != releases {
		t.Error("publish again rewrote the Release")
	}

	// /canary 10 as a comment by a maintainer.
	flagsBefore := w.git(t, "rev-parse", "main")
	id, payload := w.comment(t, annToken, pr.Number, "/canary 10")
	calls := w.gh.Requests()
	j = w.runAction(t, w.workspace(t, "main"), "issue_comment", payload, actionInputsAll)
	wantCode(t, j, 0)
	t.Logf("/canary 10 as a comment: %d GitHub API calls", w.gh.Requests()-calls)
	mustContain(t, "the command's summary", j.summary, "/canary 10", "@ann", "✅ running the command")
	flagCommit := j.outputs["flag-commit"]
	if j.outputs["mode"] != "command" || flagCommit == "" || w.git(t, "rev-parse", "main") != flagCommit {
		t.Fatalf("command outputs %v, main at %s\n%s", j.outputs, w.git(t, "rev-parse", "main"), j.stdout)
	}
	if got := w.git(t, "rev-parse", flagCommit+"^"); got != flagsBefore {
		t.Errorf("the flag commit's parent %s, want %s", got, flagsBefore)
	}
	mustContain(t, "the flag commit", w.git(t, "log", "-1", "--format=%B", flagCommit), fmt.Sprintf("Releasebot-Request: github-comment:%d", id), "Requested-by:")
	mustContain(t, "the flag file", w.git(t, "show", flagCommit+":.release/flags.yaml"), "canary_percent: 10")
	if got := strings.Join(w.reactions(t, id), ","); got != "eyes,rocket" {
		t.Errorf("reactions %q, want eyes,rocket", got)
	}
	replies := w.comments(t, pr.Number)
	if len(replies) != 2 || !strings.Contains(replies[1].Body, fmt.Sprintf("releasebot-reply: github-comment:%d", id)) {
		t.Fatalf("comments %+v", replies)
	}
	if d := w.gh.Dispatches("acme/web"); len(d) != 1 || d[0].Workflow != "deploy.yml" || d[0].Ref != "main" {
		t.Errorf("dispatches %+v, want deploy.yml on main once", d)
	}
	// The Release's rollout log now tells the change, rebuilt from the
	// flag commits.
	w.api(t, annToken, "GET", "/repos/acme/web/releases/tags/v1.3.0", nil, &rel)
	mustContain(t, "the Release's rollout log", rel.Body, "`/canary 10`", flagCommit[:7], "ann via github")
	mustContain(t, "the Release's PROD section", rel.Body, "- Started: ", "- Canary: 10%")
	if strings.Contains(rel.Body, "_No rollout changes yet._") || strings.Count(rel.Body, "| `/canary 10` |") != 1 {
		t.Errorf("the rollout log is not one entry:\n%s", rel.Body)
	}

	// The same comment redelivered: no second commit, reply or dispatch.
	calls = w.gh.Requests()
	j = w.runAction(t, w.workspace(t, "main"), "issue_comment", payload, actionInputsAll)
	wantCode(t, j, 0)
	t.Logf("the same comment redelivered: %d GitHub API calls", w.gh.Requests()-calls)
	if got := strings.Join(w.reactions(t, id), ","); got != "eyes,rocket" {
		t.Errorf("reactions after a redelivery %q, want the first run's eyes,rocket", got)
	}
	if w.git(t, "rev-parse", "main") != flagCommit || len(w.comments(t, pr.Number)) != 2 || len(w.gh.Dispatches("acme/web")) != 1 || j.outputs["flag-commit"] != "" {
		t.Errorf("a redelivered comment changed something: outputs %v", j.outputs)
	}
	w.api(t, annToken, "GET", "/repos/acme/web/releases/tags/v1.3.0", nil, &rel)
	if strings.Count(rel.Body, "| `/canary 10` |") != 1 {
		t.Errorf("a redelivered comment doubled the rollout log:\n%s", rel.Body)
	}

	// /release status reads the Release: its version and PROD section.
	_, payload = w.comment(t, annToken, pr.Number, "/release status")
	j = w.runAction(t, w.workspace(t, "main"), "issue_comment", payload, actionInputsAll)
	wantCode(t, j, 0)
	replies = w.comments(t, pr.Number)
	mustContain(t, "the /release status reply", replies[len(replies)-1].Body, "Release v1.3.0, published ", "/releases/tag/v1.3.0", "PROD: started ", "canary 10%")

	// /ab_status answers without a commit.
	id, payload = w.comment(t, annToken, pr.Number, "/ab_status")
	j = w.runAction(t, w.workspace(t, "main"), "issue_comment", payload, actionInputsAll)
	wantCode(t, j, 0)
	replies = w.comments(t, pr.Number)
	mustContain(t, "the /ab_status reply", replies[len(replies)-1].Body, "FF_ONE_CLICK", "10")
	if w.git(t, "rev-parse", "main") != flagCommit || strings.Join(w.reactions(t, id), ",") != "eyes,rocket" {
		t.Errorf("/ab_status committed or reacted wrongly: %v", w.reactions(t, id))
	}

	// A read-only user is refused: confused, a reply, no commit, exit 1.
	id, payload = w.comment(t, rayToken, pr.Number, "/canary 50")
	j = w.runAction(t, w.workspace(t, "main"), "issue_comment", payload, actionInputsAll)
	wantCode(t, j, 1)
	replies = w.comments(t, pr.Number)
	mustContain(t, "the refusal", replies[len(replies)-1].Body, "ray")
	if w.git(t, "rev-parse", "main") != flagCommit || strings.Join(w.reactions(t, id), ",") != "eyes,confused" {
		t.Errorf("a read-only user's command: main moved or reactions %v", w.reactions(t, id))
	}

	// A bot's comment and a comment on another issue are ignored: no
	// reaction, no reply.
	nComments := len(w.comments(t, pr.Number))
	id, payload = w.comment(t, botToken, pr.Number, "/rollback")
	j = w.runAction(t, w.workspace(t, "main"), "issue_comment", payload, actionInputsAll)
	wantCode(t, j, 0)
	if j.outputs["mode"] != "noop" || len(w.reactions(t, id)) != 0 || len(w.comments(t, pr.Number)) != nComments+1 {
		t.Errorf("a bot's comment: mode %q, reactions %v", j.outputs["mode"], w.reactions(t, id))
	}
	var other issue
	w.api(t, annToken, "POST", "/repos/acme/web/issues", map[string]string{"title": "bug"}, &other)
	id, payload = w.comment(t, annToken, other.Number, "/rollback")
	j = w.runAction(t, w.workspace(t, "main"), "issue_comment", payload, actionInputsAll)
	wantCode(t, j, 0)
	if j.outputs["mode"] != "noop" || len(w.reactions(t, id)) != 0 || len(w.comments(t, other.Number)) != 1 || w.git(t, "rev-parse", "main") != flagCommit {
		t.Errorf("a comment on another issue: mode %q", j.outputs["mode"])
	}

	// A second release, merged by squash.
	push3 := w.push(t, "ann", "feat(ui): dark mode", map[string]string{"ui.go": "package ui\n"})
	j = w.runAction(t, w.workspace(t, "main"), "push", push3, actionInputsAll)
	wantCode(t, j, 0)
	if j.outputs["version"] != "1.4.0" || j.outputs["release-pr"] == fmt.Sprint(pr.Number) {
		t.Fatalf("second release outputs %v", j.outputs)
	}
	var pr2 int
	fmt.Sscan(j.outputs["release-pr"], &pr2)
	squashSHA, squashPush := w.merge(t, pr2, "squash")
	j = w.runAction(t, w.workspace(t, "main"), "push", squashPush, actionInputsAll)
	wantCode(t, j, 0)
	if j.outputs["mode"] != "publish" || j.outputs["version"] != "1.4.0" {
		t.Fatalf("squash publish outputs %v\n%s", j.outputs, j.stdout)
	}
	if got := w.git(t, "rev-parse", "v1.4.0^{commit}"); got != squashSHA {
		t.Errorf("v1.4.0 at %s, want the squash commit %s", got, squashSHA)
	}
}

// TestActionPrepareCallsGrowWithPages: prepare over 250 merged PRs asks
// GitHub for their numbers, labels and authors in pages of 100, so its calls
// are a few fixed ones plus ceil(250/100)+1 at most, not one per commit.
func TestActionPrepareCallsGrowWithPages(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary against the GitHub emulator")
	}
	w := newActionWorld(t, actionRepoFiles)
	base := w.git(t, "rev-parse", "main")
	if err := w.gh.SetRef("acme", "web", "refs/tags/v1.2.0", base); err != nil {
		t.Fatal(err)
	}
	tree := w.git(t, "rev-parse", "main^{tree}")
	const prs = 250
	head := base
	for i := 1; i <= prs; i++ {
		cmd := exec.Command("git", "--git-dir", w.bare, "commit-tree", tree, "-p", head, "-m", fmt.Sprintf("feat(part%d): piece %d (#%d)", i%7, i, i))
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=Dev", "GIT_AUTHOR_EMAIL=dev@example.com", "GIT_COMMITTER_NAME=GitHub", "GIT_COMMITTER_EMAIL=noreply@github.com")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		head = strings.TrimSpace(string(out))
		if _, err := w.gh.AddMergedPull("acme", "web", githubemu.MergedPull{
			Title: fmt.Sprintf("piece %d", i), Head: fmt.Sprintf("piece-%d", i), User: fmt.Sprintf("dev%d", i),
			Labels: []string{"enhancement"}, MergeCommit: head,
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.gh.SetRef("acme", "web", "refs/heads/main", head); err != nil {
		t.Fatal(err)
	}
	event := []byte(`{"ref":"refs/heads/main","before":"` + base + `","after":"` + head + `",
 "repository":{"full_name":"acme/web","default_branch":"main"},"head_commit":{"id":"` + head + `","message":"feat: piece 250 (#250)"}}`)
	before := w.gh.Requests()
	j := w.runAction(t, w.workspace(t, "main"), "push", event, nil)
	wantCode(t, j, 0)
	calls := w.gh.Requests() - before
	// Fixed: the commit's pulls; the audit's check runs and statuses; the
	// bot branch (parent commit, tree, commit, ref); the PR lookup,
	// opening and labelling. Then the merged-PR pages.
	const fixed = 12
	bound := int64(fixed + (prs+99)/100 + 1)
	t.Logf("prepare over %d merged PRs: %d GitHub API calls (bound %d)", prs, calls, bound)
	if calls > bound {
		t.Errorf("%d API calls, want at most %d: the calls grow with commits, not pages", calls, bound)
	}
	notes, err := os.ReadFile(j.outputs["notes-path"])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"piece 250 ([#250](", "piece 1 ([#1](", "dev250\n", "dev1\n"} {
		if !strings.Contains(string(notes), want) {
			t.Errorf("RELEASE_NOTES.md lacks %q", want)
		}
	}
}

// TestActionProtectedFlagBranch: a flag commit that branch protection
// refuses is answered with the branch and the two ways out, 😕, exit 1,
// and nothing moves.
func TestActionProtectedFlagBranch(t *testing.T) {
	w, n := preparedWorld(t, nil)
	w.gh.ProtectBranch("acme/web", "main")
	head := w.git(t, "rev-parse", "main")
	id, payload := w.comment(t, annToken, n, "/canary 10")
	j := w.runAction(t, w.workspace(t, "main"), "issue_comment", payload, nil)
	wantCode(t, j, 1)
	replies := w.comments(t, n)
	reply := replies[len(replies)-1].Body
	mustContain(t, "the reply", reply, "main", "protected", "flags_branch")
	if strings.Contains(reply, "run the command again") {
		t.Errorf("the reply to a refusal suggests a retry that cannot help:\n%s", reply)
	}
	if got := strings.Join(w.reactions(t, id), ","); got != "eyes,confused" {
		t.Errorf("reactions %q", got)
	}
	if w.git(t, "rev-parse", "main") != head || j.outputs["flag-commit"] != "" {
		t.Errorf("main moved, or a flag commit is reported: %v", j.outputs)
	}
}

// TestActionPublishSentryDown: Sentry failing does not stop the publish:
// the tag, the Release and the Slack message are made, the failure is a
// warning, and the job passes.
func TestActionPublishSentryDown(t *testing.T) {
	w, n := preparedWorld(t, actionInputsAll)
	_, mergePush := w.merge(t, n, "squash")
	// One 503 for the first request, as a proxy in front of Sentry gives
	// when it is down; the client does not retry it.
	w.sentry.Inject("/api/0/organizations/acme/releases/", sentryemu.Fault{Status: 503})
	j := w.runAction(t, w.workspace(t, "main"), "push", mergePush, actionInputsAll)
	wantCode(t, j, 0)
	mustContain(t, "the log", j.stdout, "::warning", "Sentry")
	if j.outputs["mode"] != "publish" || !strings.Contains(j.outputs["release-url"], "v1.3.0") {
		t.Errorf("outputs %v", j.outputs)
	}
	if _, ok := w.sentry.Release("acme", "v1.3.0"); ok {
		t.Error("Sentry has the release despite failing")
	}
	if msgs := w.slack.Messages(); len(msgs) != 2 || !strings.Contains(msgs[1].Text, "published") {
		t.Errorf("Slack %+v, want the published message after Sentry failed", msgs)
	}
	if strings.Contains(j.stdout, "<html") {
		t.Errorf("the warning quotes a proxy's HTML page:\n%s", j.stdout)
	}
	// Sentry is back: a re-run of the job records the release and its one
	// deploy, and posts nothing twice.
	for range 2 {
		j = w.runAction(t, w.workspace(t, "main"), "push", mergePush, actionInputsAll)
		wantCode(t, j, 0)
	}
	if commits, ok := w.sentry.Release("acme", "v1.3.0"); !ok || len(commits) == 0 {
		t.Errorf("after the re-run Sentry has %v %v", ok, commits)
	}
	if d := w.sentry.Deploys("acme", "v1.3.0"); len(d) != 1 {
		t.Errorf("%d deploys after two re-runs, want 1", len(d))
	}
	if n := len(w.slack.Messages()); n != 2 {
		t.Errorf("%d Slack messages after the re-runs, want 2", n)
	}
}

// TestActionCommandBrokenConfig: a configuration that does not parse stops
// the command before anything is written, and the commenter is told where
// it broke.
func TestActionCommandBrokenConfig(t *testing.T) {
	w, n := preparedWorld(t, nil)
	w.push(t, "ann", "chore: tune the canary", map[string]string{".github/releasebot.yml": "canary:\n  steps: [10, 500]\n"})
	head := w.git(t, "rev-parse", "main")
	id, payload := w.comment(t, annToken, n, "/canary 10")
	j := w.runAction(t, w.workspace(t, "main"), "issue_comment", payload, nil)
	wantCode(t, j, 2)
	replies := w.comments(t, n)
	mustContain(t, "the reply", replies[len(replies)-1].Body, ".github/releasebot.yml:2", "500")
	if got := strings.Join(w.reactions(t, id), ","); got != "confused" {
		t.Errorf("reactions %q, want confused", got)
	}
	if w.git(t, "rev-parse", "main") != head {
		t.Error("main moved")
	}
	// Redelivered: still one reply.
	j = w.runAction(t, w.workspace(t, "main"), "issue_comment", payload, nil)
	wantCode(t, j, 2)
	if got := len(w.comments(t, n)); got != len(replies) {
		t.Errorf("%d comments after a redelivery, want %d", got, len(replies))
	}
}

// preparedWorld is a world with v1.2.0 tagged, a feature pushed after it
// and the release PR prepared by the Action (with inputs); it returns the
// PR's number.
func preparedWorld(t *testing.T, inputs map[string]string) (*actionWorld, int) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the binary against the emulators")
	}
	w := newActionWorld(t, actionRepoFiles)
	if err := w.gh.SetRef("acme", "web", "refs/tags/v1.2.0", w.git(t, "rev-parse", "main")); err != nil {
		t.Fatal(err)
	}
	push := w.push(t, "ann", "feat: one click", map[string]string{"a.go": "package a\n"})
	j := w.runAction(t, w.workspace(t, "main"), "push", push, inputs)
	wantCode(t, j, 0)
	var n int
	if _, err := fmt.Sscan(j.outputs["release-pr"], &n); err != nil {
		t.Fatalf("release-pr output %q", j.outputs["release-pr"])
	}
	return w, n
}
