package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// offlineWorkspace is a clone as actions/checkout leaves it (depth 1, no
// tags) of a repository with v1.2.0 and a feat and a fix after it, and the
// push event of its head.
func offlineWorkspace(t *testing.T) (src, ws string, event []byte) {
	t.Helper()
	root := t.TempDir()
	src = filepath.Join(root, "src")
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=dev", "-c", "user.email=dev@example.com"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	git(src, "init", "-q", "-b", "main")
	for _, c := range []struct{ file, msg string }{{"README.md", "chore: start"}, {"a.txt", "feat: add a"}, {"b.txt", "fix: b is right"}} {
		if err := os.WriteFile(filepath.Join(src, c.file), []byte(c.msg+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		git(src, "add", "-A")
		git(src, "commit", "-qm", c.msg)
		if c.file == "README.md" {
			git(src, "tag", "v1.2.0")
		}
	}
	ws = filepath.Join(root, "workspace")
	if out, err := exec.Command("git", "clone", "-q", "--depth", "1", "--no-tags", "file://"+src, ws).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v %s", err, out)
	}
	sha := git(ws, "rev-parse", "HEAD")
	event = []byte(`{"ref":"refs/heads/main","after":"` + sha + `","before":"0000000000000000000000000000000000000000",
 "repository":{"full_name":"acme/demo","default_branch":"main"},
 "head_commit":{"id":"` + sha + `","message":"fix: b is right"},"sender":{"login":"dev","type":"User"}}`)
	return src, ws, event
}

// actionEnv is the job's environment for the offline runs: GitHub's API on
// a closed port, so any call fails.
func actionEnv(t *testing.T, ws string, event []byte, inputs ...string) (env []string, output, summary string) {
	t.Helper()
	tmp := t.TempDir()
	eventPath := filepath.Join(tmp, "event.json")
	output, summary = filepath.Join(tmp, "output"), filepath.Join(tmp, "summary")
	for p, data := range map[string][]byte{eventPath: event, output: nil, summary: nil} {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var ev struct {
		After string `json:"after"`
	}
	_ = json.Unmarshal(event, &ev)
	env = []string{
		"GITHUB_SHA=" + cmp.Or(ev.After, strings.Repeat("0", 40)),
		"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(tmp, "home"), "XDG_STATE_HOME=" + filepath.Join(tmp, "state"),
		"GIT_CONFIG_NOSYSTEM=1",
		"CI=true", "GITHUB_ACTIONS=true", "GITHUB_EVENT_NAME=push", "GITHUB_EVENT_PATH=" + eventPath,
		"GITHUB_REPOSITORY=acme/demo", "GITHUB_REF=refs/heads/main", "GITHUB_WORKSPACE=" + ws,
		"GITHUB_API_URL=http://127.0.0.1:9/api", "GITHUB_SERVER_URL=http://127.0.0.1:9",
		"GITHUB_OUTPUT=" + output, "GITHUB_STEP_SUMMARY=" + summary, "GITHUB_RUN_ID=1",
		"INPUT_GITHUB-TOKEN=", "INPUT_CONFIG=.github/releasebot.yml", "INPUT_FAIL-ON-AUDIT=false",
	}
	return append(env, inputs...), output, summary
}

func runBinary(t *testing.T, dir string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir, cmd.Env = dir, env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// TestActionDryRunOffline is what the image's smoke test checks, on the
// binary: the entrypoint in a dry run with no token prepares v1.3.0 from a
// shallow checkout without tags, fetching them itself, and writes the notes,
// the outputs and the summary without one API call.
func TestActionDryRunOffline(t *testing.T) {
	src, ws, event := offlineWorkspace(t)
	before, _ := exec.Command("git", "-C", src, "for-each-ref").Output()
	env, output, summary := actionEnv(t, ws, event, "INPUT_DRY-RUN=true")
	code, stdout, stderr := runBinary(t, ws, env, "action")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"mode prepare", "the checkout is shallow", "::group::computing the next version, the notes and the self-audit", "skipped: dry-run"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the log lacks %q:\n%s", want, stdout)
		}
	}
	notes, err := os.ReadFile(filepath.Join(ws, "RELEASE_NOTES.md"))
	if err != nil || !strings.Contains(string(notes), "1.3.0") || !strings.Contains(string(notes), "add a") {
		t.Fatalf("RELEASE_NOTES.md: %v\n%s", err, notes)
	}
	out, _ := os.ReadFile(output)
	outputs := parseOutputs(t, string(out))
	if outputs["mode"] != "prepare" || outputs["version"] != "1.3.0" || outputs["notes-path"] == "" || outputs["release-pr"] != "" {
		t.Errorf("outputs %v", outputs)
	}
	sum, _ := os.ReadFile(summary)
	if !strings.Contains(string(sum), "releasebot: prepare v1.3.0 (dry run") || !strings.Contains(string(sum), "add a") {
		t.Errorf("summary:\n%s", sum)
	}
	if after, _ := exec.Command("git", "-C", src, "for-each-ref").Output(); !bytes.Equal(before, after) {
		t.Errorf("the origin changed:\n%s\n%s", before, after)
	}
}

// TestActionBadInput: each mistake in the job's set-up exits 2 with one
// line that says what to change, and writes no output.
func TestActionBadInput(t *testing.T) {
	_, ws, event := offlineWorkspace(t)
	for _, tc := range []struct {
		name   string
		inputs []string
		event  []byte
		want   string
	}{
		{"dry-run not a boolean", []string{"INPUT_DRY-RUN=yes"}, event, `the input "dry-run" is "yes", not a boolean`},
		{"no token and no dry run", []string{"INPUT_DRY-RUN=false"}, event, "no GitHub token: set the input github-token"},
		{"deploy-workflow a path", []string{"INPUT_DRY-RUN=true", "INPUT_DEPLOY-WORKFLOW=../../evil.yml"}, event, "give the workflow's file name under .github/workflows"},
		{"event not JSON", []string{"INPUT_DRY-RUN=true"}, []byte("{"), "event"},
		{"deploy-workflow with a query", []string{"INPUT_DRY-RUN=true", "INPUT_DEPLOY-WORKFLOW=deploy.yml?ref=evil"}, event, "give the workflow's file name"},
		{"deploy-workflow not YAML", []string{"INPUT_DRY-RUN=true", "INPUT_DEPLOY-WORKFLOW=deploy"}, event, "give the workflow's file name"},
		{"config outside the repository", []string{"INPUT_DRY-RUN=true", "INPUT_CONFIG=../../../etc/passwd"}, event, "give a path inside the repository"},
		{"config absolute", []string{"INPUT_DRY-RUN=true", "INPUT_CONFIG=/etc/passwd"}, event, "give a path inside the repository"},
		{"config with a line break", []string{"INPUT_DRY-RUN=true", "INPUT_CONFIG=.github/a\nb.yml"}, event, "give a path inside the repository"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, output, _ := actionEnv(t, ws, tc.event, tc.inputs...)
			code, stdout, stderr := runBinary(t, ws, env, "action")
			if code != 2 || !strings.Contains(stdout+stderr, tc.want) {
				t.Fatalf("exit %d, want 2 with %q\n%s\n%s", code, tc.want, stdout, stderr)
			}
			if !strings.Contains(stdout, "::error") {
				t.Errorf("no ::error:: annotation:\n%s", stdout)
			}
			if out, _ := os.ReadFile(output); len(out) != 0 {
				t.Errorf("outputs written: %s", out)
			}
			if _, err := os.Stat(filepath.Join(ws, "RELEASE_NOTES.md")); err == nil {
				t.Error("RELEASE_NOTES.md written")
			}
		})
	}
}

// TestActionNotesThroughALink: a RELEASE_NOTES.md in the checkout that is a
// link out of the workspace is replaced by the notes, and what it pointed
// at is left alone.
func TestActionNotesThroughALink(t *testing.T) {
	_, ws, event := offlineWorkspace(t)
	outside := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(outside, []byte("do not touch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(ws, "RELEASE_NOTES.md")); err != nil {
		t.Fatal(err)
	}
	env, _, _ := actionEnv(t, ws, event, "INPUT_DRY-RUN=true")
	if code, stdout, stderr := runBinary(t, ws, env, "action"); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got, _ := os.ReadFile(outside); string(got) != "do not touch\n" {
		t.Errorf("the link's target was written: %q", got)
	}
	if fi, err := os.Lstat(filepath.Join(ws, "RELEASE_NOTES.md")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("RELEASE_NOTES.md is not a regular file: %v %v", fi, err)
	}
}
