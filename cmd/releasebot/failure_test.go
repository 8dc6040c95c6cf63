package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/gittest"
)

// failWriter fails every write with err, as stdout on a full disk does.
type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

var requestLine = regexp.MustCompile(`^releasebot: releasebot failed unexpectedly \(request (cli:[0-9a-f]{16})\); the cause is in releasebot's log under that id\n$`)

// logRecord is one line of the JSON log.
type logRecord struct {
	Level     string `json:"level"`
	Msg       string `json:"msg"`
	RequestID string `json:"request_id"`
	Command   string `json:"command"`
	Kind      string `json:"kind"`
	Exit      int    `json:"exit"`
	Error     string `json:"error"`
	Cause     string `json:"cause"`
}

func readLog(t *testing.T, path string) []logRecord {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the log: %v", err)
	}
	var recs []logRecord
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r logRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		recs = append(recs, r)
	}
	return recs
}

// TestUnclassifiedFailureIsLogged: an error nobody classified (stdout
// failing under `flags render`) exits 3 with one line that names the
// request id and nothing of the cause; the log holds the cause under that
// id, with the tokens of the environment redacted.
func TestUnclassifiedFailureIsLogged(t *testing.T) {
	repo := gittest.New(t, map[string]string{".release/flags.yaml": runbookFlags})
	const token, slack, sentry = "ghp_SECRETtoken123", "xoxb-SECRET-slack", "ghp_SECRETtoken123-tail9" // one secret holds another
	cause := errors.New("write /dev/stdout: broken pipe; remote said Authorization: token " + token +
		" url=" + url.QueryEscape("https://x:"+slack+"@h/") + " json=" + strconv.Quote(sentry) + " and " + token + "_longer")
	logPath := filepath.Join(t.TempDir(), "logs", "releasebot.log")
	envs := map[string]string{"RELEASEBOT_LOG": logPath, "GITHUB_TOKEN": token, "SLACK_BOT_TOKEN": slack, "SENTRY_AUTH_TOKEN": sentry}
	var errb bytes.Buffer
	code := run(context.Background(), []string{"flags", "render", "--env", "prod", "--repo", repo.Dir}, &env{
		stdout: failWriter{cause}, stderr: &errb, getenv: func(k string) string { return envs[k] },
	})
	m := requestLine.FindStringSubmatch(errb.String())
	if code != exitRemote || m == nil {
		t.Fatalf("exit %d, stderr %q; want 3 and one sentence with the request id", code, errb.String())
	}
	recs := readLog(t, logPath)
	if len(recs) != 1 {
		t.Fatalf("%d log records, want 1", len(recs))
	}
	r := recs[0]
	if r.RequestID != m[1] || r.Command != "releasebot flags render" || r.Kind != "internal error" || r.Exit != 3 || r.Level != "ERROR" {
		t.Errorf("log record %+v, want request %s of releasebot flags render, internal, exit 3", r, m[1])
	}
	if !strings.Contains(r.Error, "write /dev/stdout: broken pipe") {
		t.Errorf("the log lacks the cause: %+v", r)
	}
	data, _ := os.ReadFile(logPath)
	if bytes.Contains(data, []byte("SECRET")) || bytes.Contains(data, []byte("tail9")) {
		t.Errorf("a secret reached the log: %s", data)
	}
	if !bytes.Contains(data, []byte("Authorization: token [redacted] ")) || !bytes.Contains(data, []byte("[redacted]_longer")) {
		t.Errorf("the log is not redacted in place: %s", data)
	}
	if fi, err := os.Stat(logPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the log's mode: %v %v, want 0600", fi.Mode(), err)
	}
}

// TestClassifiedFailureLogsItsCause: a classified failure prints its own
// sentence, and its hidden cause goes to the log; RELEASEBOT_LOG=stderr is
// the one way the cause reaches stderr, and then as JSON.
func TestClassifiedFailureLogsItsCause(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "releasebot.log")
	cause := errors.New("open .release: permission denied")
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string {
		return map[string]string{"RELEASEBOT_LOG": logPath}[k]
	}, requestID: "cli:fixed"}
	logFailure(e, nil, failure.Wrap(failure.BadInput, errors.Join(errors.New("reading"), failure.Wrap(failure.Remote, cause, "inner shown")), "the flag file is bad; fix it"), 2)
	r := readLog(t, logPath)[0]
	if r.RequestID != "cli:fixed" || r.Kind != "bad input" || r.Error != "the flag file is bad; fix it" || !strings.Contains(r.Cause, "inner shown") || !strings.Contains(r.Cause, "open .release: permission denied") {
		t.Errorf("log record %+v", r)
	}
	for _, v := range []string{"off", "stderr"} {
		errb.Reset()
		e.getenv = func(k string) string { return map[string]string{"RELEASEBOT_LOG": v, "HOME": t.TempDir()}[k] }
		logFailure(e, nil, failure.Wrap(failure.Remote, cause, "shown"), 3)
		if got := errb.String(); (v == "off") != (got == "") || v == "stderr" && !strings.Contains(got, `"cause":"open .release: permission denied"`) {
			t.Errorf("RELEASEBOT_LOG=%s: stderr %q", v, got)
		}
	}
}

// TestDefaultLogPlace: without RELEASEBOT_LOG the log is in the XDG state
// directory, else under ~/.local/state; a successful run writes none.
func TestDefaultLogPlace(t *testing.T) {
	home := t.TempDir()
	repo := gittest.New(t, map[string]string{".release/flags.yaml": runbookFlags})
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"HOME=" + home, "XDG_STATE_HOME=" + filepath.Join(home, "state")}, filepath.Join(home, "state", "releasebot", "releasebot.log")},
		{[]string{"HOME=" + home, "XDG_STATE_HOME="}, filepath.Join(home, ".local", "state", "releasebot", "releasebot.log")},
	} {
		r := *repo
		r.Env = append(append([]string(nil), repo.Env...), append(tc.env, "RELEASEBOT_LOG=")...)
		if res := runBin(t, &r, "flags", "show"); res.code != 0 {
			t.Fatalf("flags show: %d %q", res.code, res.stderr)
		}
		if _, err := os.Stat(tc.want); err == nil {
			t.Errorf("a successful run wrote %s", tc.want)
		}
		// stdout on a full disk: a failure nobody classified, from the binary.
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Skip("no /dev/full")
		}
		cmd := exec.Command(binary, "flags", "render", "--env", "prod")
		cmd.Dir, cmd.Env, cmd.Stdout = r.Dir, r.Env, full
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err = cmd.Run()
		full.Close()
		var ee *exec.ExitError
		m := requestLine.FindStringSubmatch(errb.String())
		if !errors.As(err, &ee) || ee.ExitCode() != 3 || m == nil {
			t.Fatalf("flags render > /dev/full: %v, stderr %q; want exit 3 and one sentence with the id", err, errb.String())
		}
		recs := readLog(t, tc.want)
		last := recs[len(recs)-1]
		if last.RequestID != m[1] || !strings.Contains(last.Error, "no space left on device") {
			t.Errorf("log record %+v, want request %s with the cause", last, m[1])
		}
	}
}

// TestReleaseInActionsNeedsTheAction: without --dry-run in GitHub Actions,
// release refuses as bad input and writes nothing, rather than quietly
// working on the clone; with --dry-run it works locally.
func TestReleaseInActionsNeedsTheAction(t *testing.T) {
	for _, v := range []string{"true"} {
		repo := releasedRepo(t, nil)
		r := *repo
		r.Env = append(append([]string(nil), repo.Env...), "GITHUB_ACTIONS="+v)
		before := gitState(t, repo.Dir)
		res := runBin(t, &r, "release")
		assertOneSentence(t, res, exitBadUse, "releasebot release in GitHub Actions only writes RELEASE_NOTES.md with --dry-run; the release PR and the Release are the Action's: use releasebot/releasebot@v1 in the workflow (or run releasebot action)")
		if after := gitState(t, repo.Dir); after != before {
			t.Errorf("the refused release changed the clone:\n%s\nwas\n%s", after, before)
		}
		if _, err := os.Stat(filepath.Join(repo.Dir, notesFile)); err == nil {
			t.Error("the refused release wrote " + notesFile)
		}
		if res := runBin(t, &r, "release", "--dry-run"); res.code != 0 {
			t.Errorf("release --dry-run in Actions: %d %q", res.code, res.stderr)
		}
	}
	// Outside Actions (or GITHUB_ACTIONS not "true") release works locally.
	for _, v := range []string{"", "false", "TRUE"} {
		repo := releasedRepo(t, nil)
		r := *repo
		r.Env = append(append([]string(nil), repo.Env...), "GITHUB_ACTIONS="+v)
		if res := runBin(t, &r, "release"); res.code != 0 {
			t.Errorf("GITHUB_ACTIONS=%q: %d %q", v, res.code, res.stderr)
		}
	}
}

// TestSubcommandsListedOnce: newRoot alone decides the subcommands, and two
// roots do not share them (no registration at init).
func TestSubcommandsListedOnce(t *testing.T) {
	names := func() []string {
		var out []string
		for _, c := range newRoot(&env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, getenv: func(string) string { return "" }}, &globals{}).Commands() {
			out = append(out, c.Name())
		}
		return out
	}
	want := "action audit cmd demo flags notes release serve version"
	for range 2 {
		if got := strings.Join(names(), " "); got != want {
			t.Errorf("subcommands %q, want %q", got, want)
		}
	}
}

// TestCmdUnclassifiedStoreFailure: git refusing the ref update in a way
// releasebot does not know (a reference-transaction hook) is a failure
// nobody classified: `cmd` exits 3 with one sentence naming the request id,
// commits nothing, and the log holds git's words under that id, the token
// redacted.
func TestCmdUnclassifiedStoreFailure(t *testing.T) {
	repo := gittest.New(t, map[string]string{".release/flags.yaml": runbookFlags})
	const token = "ghp_hookSECRET42"
	repo.Write(".git/hooks/reference-transaction", "#!/bin/sh\n[ \"$1\" = prepared ] && { echo \"fatal: policy hook: token "+token+" in /srv/hooks/x\" >&2; exit 1; }\nexit 0\n")
	if err := os.Chmod(filepath.Join(repo.Dir, ".git/hooks/reference-transaction"), 0o755); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "releasebot.log")
	r := *repo
	r.Env = append(append([]string(nil), repo.Env...), "RELEASEBOT_LOG="+logPath, "GITHUB_TOKEN="+token)
	before := gitState(t, repo.Dir)
	res := runBin(t, &r, "cmd", "/canary 10", "--request-id", "req-7", "--as", "ann")
	want := "releasebot: releasebot failed unexpectedly (request req-7); the cause is in releasebot's log under that id\n"
	if res.code != 3 || res.stderr != want || res.stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 3 and %q", res.code, res.stdout, res.stderr, want)
	}
	if after := gitState(t, repo.Dir); after != before {
		t.Errorf("the failed command changed the clone:\n%s\nwas\n%s", after, before)
	}
	recs := readLog(t, logPath)
	last := recs[len(recs)-1]
	if last.RequestID != "req-7" || last.Command != "releasebot cmd" || last.Kind != "internal error" || last.Exit != 3 ||
		!strings.Contains(last.Cause, "could not commit the flag change") || !strings.Contains(last.Cause, "fatal: policy hook: token [redacted] in /srv/hooks/x") {
		t.Errorf("log record %+v", last)
	}
	if data, _ := os.ReadFile(logPath); bytes.Contains(data, []byte(token)) {
		t.Errorf("the token reached the log: %s", data)
	}
}
