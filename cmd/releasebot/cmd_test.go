package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunbookRollout runs the runbook's sections 6 and 7 through
// `releasebot cmd` and checks each commit: one per mutating command, the
// expected file content, and the trailers.
func TestRunbookRollout(t *testing.T) {
	repo := runbookRepo(t)
	steps := []struct {
		cmd     string
		commits int
		files   []string // substrings of the flag file after the command
		dotenv  []string
	}{
		{"/ab_status", 0, nil, nil},
		{"/canary 10", 1, []string{"canary_percent: 10"}, []string{"CANARY_PERCENT=10\n", "FF_NEW_ONBOARDING=off\n", "FF_NEW_ONBOARDING_CANARY=true\n"}},
		{"/canary 50", 1, []string{"canary_percent: 50"}, []string{"CANARY_PERCENT=50\n"}},
		{"/canary 100", 1, []string{"canary_percent: 100"}, []string{"CANARY_PERCENT=100\n"}},
		{"/toggle FF_NEW_ONBOARDING on", 1, []string{"FF_NEW_ONBOARDING: {default: off, canary: true, override: on}"}, []string{"FF_NEW_ONBOARDING=on\n", "FF_NEW_ONBOARDING_CANARY=false\n"}},
		{"/toggle FF_NAV_FOOTER on", 1, []string{"FF_NAV_FOOTER: {default: off, canary: true, override: on}"}, []string{"FF_NAV_FOOTER=on\n"}},
		{"/rollback", 1, []string{"canary_percent: 0\n    cohort", "FF_NEW_ONBOARDING: {default: off, canary: true, override: off}", "FF_NAV_FOOTER: {default: off, canary: true, override: off}"}, []string{"CANARY_PERCENT=0\n", "FF_NEW_ONBOARDING=off\n", "FF_NAV_FOOTER=off\n"}},
		{"/toggle FF_NEW_ONBOARDING default", 1, []string{"FF_NEW_ONBOARDING: {default: off, canary: true}\n", "FF_NAV_FOOTER: {default: off, canary: true, override: off}"}, []string{"FF_NEW_ONBOARDING_CANARY=true\n"}},
	}
	for i, st := range steps {
		before := repo.Count("main")
		res := runBin(t, repo, "cmd", st.cmd, "--as", "ann", "--request-id", fmt.Sprintf("rb-%d", i))
		if res.code != 0 {
			t.Fatalf("%s: exit %d: %s", st.cmd, res.code, res.stderr)
		}
		if got := repo.Count("main") - before; got != st.commits {
			t.Fatalf("%s: %d commits, want %d", st.cmd, got, st.commits)
		}
		if st.commits == 0 {
			continue
		}
		msg := repo.Git("log", "-1", "--format=%B")
		if !strings.HasPrefix(msg, "chore(flags): ") ||
			repo.Git("log", "-1", "--format=%(trailers:key=Requested-by,valueonly)") != "ann via cli" ||
			repo.Git("log", "-1", "--format=%(trailers:key=Releasebot-Request,valueonly)") != fmt.Sprintf("rb-%d", i) {
			t.Errorf("%s: commit message\n%s", st.cmd, msg)
		}
		if got := repo.Git("show", "--name-only", "--format=", "HEAD"); !strings.Contains(got, ".release/flags.yaml") || !strings.Contains(got, "deploy/prod.env") {
			t.Errorf("%s: commit holds %q", st.cmd, got)
		}
		ff := repo.Show("HEAD", ".release/flags.yaml")
		env := repo.Show("HEAD", "deploy/prod.env") + "\n"
		for _, want := range st.files {
			if !strings.Contains(ff, want) {
				t.Errorf("%s: flag file lacks %q:\n%s", st.cmd, want, ff)
			}
		}
		for _, want := range st.dotenv {
			if !strings.Contains(env, want) {
				t.Errorf("%s: dotenv lacks %q:\n%s", st.cmd, want, env)
			}
		}
		// The header comment survives, and the work tree matches the commit.
		if !strings.HasPrefix(ff, "# Flags of release 1.3.1 (runbook §6)\n") {
			t.Errorf("%s: header lost", st.cmd)
		}
		if st := repo.Git("status", "--porcelain"); st != "" {
			t.Errorf("work tree differs from the commit:\n%s", st)
		}
		if i == 1 {
			// Runbook §6 step 2: after /canary 10, /ab_status shows the
			// flags OFF but marked as canary 10%.
			res := runBin(t, repo, "cmd", "/ab_status")
			if !strings.Contains(res.stdout, "FF_NEW_ONBOARDING  OFF  canary 10%") || !strings.Contains(res.stdout, "FF_NAV_FOOTER      OFF  canary 10%") {
				t.Errorf("/ab_status after /canary 10:\n%s", res.stdout)
			}
		}
	}
	if n := repo.Count("main"); n != 8 {
		t.Errorf("%d commits in all, want 1 + 7", n)
	}
}

func TestSameRequestIDCommitsOnce(t *testing.T) {
	repo := runbookRepo(t)
	a := runBin(t, repo, "cmd", "/canary 10", "--request-id", "T0001.42")
	b := runBin(t, repo, "cmd", "/canary 10", "--request-id", "T0001.42")
	if a.code != 0 || b.code != 0 {
		t.Fatalf("exits %d %d: %s %s", a.code, b.code, a.stderr, b.stderr)
	}
	if repo.Count("main") != 2 {
		t.Errorf("%d commits, want 2", repo.Count("main"))
	}
	if !strings.HasPrefix(b.stdout, "already done") || !strings.Contains(b.stdout, "canary 0% → 10% (prod)") {
		t.Errorf("second run: %q", b.stdout)
	}
}

func TestBrokenFlagFileIsNeverOverwritten(t *testing.T) {
	repo := runbookRepo(t)
	broken := strings.Replace(runbookFlags, "      FF_NAV_FOOTER: {default: off, canary: true}", "      FF_NAV_FOOTER: {default: off, canary: true\n", 1)
	head := repo.CommitFiles("a human edit", map[string]string{".release/flags.yaml": broken})
	for _, c := range []string{"/rollback", "/rollback FF_NAV_FOOTER", "/canary 10", "/toggle FF_NAV_FOOTER off", "/ab_status"} {
		res := runBin(t, repo, "cmd", c)
		if res.code != 2 || !strings.Contains(res.stderr, ".release/flags.yaml:13: invalid YAML: did not find expected ',' or '}' (a { opened on this line is not closed)") || !strings.Contains(res.stderr, "will not overwrite") || !strings.Contains(res.stderr, "fix that line") {
			t.Errorf("%s: exit %d, %q", c, res.code, res.stderr)
		}
		if strings.Count(strings.TrimSpace(res.stderr), "\n") != 0 {
			t.Errorf("%s: more than one line: %q", c, res.stderr)
		}
	}
	if repo.Git("rev-parse", "HEAD") != head || repo.Read(".release/flags.yaml") != broken {
		t.Error("the broken file was overwritten")
	}
}

func TestUncommittedEditsAreRefused(t *testing.T) {
	repo := runbookRepo(t)
	head := repo.Git("rev-parse", "HEAD")
	edited := runbookFlags + "# work in progress\n"
	repo.Write(".release/flags.yaml", edited)
	res := runBin(t, repo, "cmd", "/rollback")
	if res.code != 1 || !strings.Contains(res.stderr, "uncommitted changes to .release/flags.yaml") || !strings.Contains(res.stderr, "git stash") {
		t.Errorf("exit %d: %q", res.code, res.stderr)
	}
	if repo.Git("rev-parse", "HEAD") != head || repo.Read(".release/flags.yaml") != edited {
		t.Error("something changed")
	}
}

func TestExitCodes(t *testing.T) {
	repo := runbookRepo(t)
	tests := []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"cmd", "/canary 150"}, 2, "releasebot: canary percentage must be 0 to 100, got 150; usage: /canary <0-100>[%] [env] [--force]\n"},
		{[]string{"cmd", "/toggle FF_NEW_ONBORDING on"}, 2, "releasebot: unknown flag FF_NEW_ONBORDING in prod; did you mean FF_NEW_ONBOARDING?\n"},
		{[]string{"cmd", "/canary 50"}, 1, "releasebot: canary 0% → 50% skips 10%; run /canary 10 prod first, or /canary 50 prod --force\n"},
		{[]string{"cmd", "/canary 0"}, 0, ""},
		{[]string{"cmd"}, 2, "accepts 1 arg(s), received 0"},
		{[]string{"cmd", "/canary 10", "--bogus"}, 2, "unknown flag: --bogus; see 'releasebot cmd --help'"},
		{[]string{"cmd", "/canary 10", "--config", "nope.yml"}, 2, "could not read the configuration nope.yml"},
	}
	for _, tt := range tests {
		res := runBin(t, repo, tt.args...)
		if res.code != tt.code || !strings.Contains(res.stderr, tt.stderr) {
			t.Errorf("%v: exit %d %q, want %d %q", tt.args, res.code, res.stderr, tt.code, tt.stderr)
		}
		if strings.Contains(res.stderr, "goroutine") || strings.Contains(res.stderr, "panic") {
			t.Errorf("%v: stack trace", tt.args)
		}
	}
	if repo.Count("main") != 1 {
		t.Error("a refused command committed")
	}
}

// TestConcurrentProcesses runs 8 conflicting `releasebot cmd` processes at
// once on one clone: no update lost or doubled (see checkNoLostUpdate), and
// the work tree equals the last commit.
func TestConcurrentProcesses(t *testing.T) {
	repo := runbookRepo(t)
	start := repo.Git("rev-parse", "HEAD")
	results := runConcurrently(t, repo, func(i int, c string) []string {
		return []string{"cmd", c, "--as", fmt.Sprintf("proc-%d", i), "--request-id", fmt.Sprintf("conc-%d", i)}
	})
	checkNoLostUpdate(t, results, start, repo.Git)
	if st := repo.Git("status", "--porcelain"); st != "" {
		t.Errorf("work tree differs from the last commit:\n%s", st)
	}
}

func TestDemo(t *testing.T) {
	repo := runbookRepo(t) // for the environment only: the demo makes its own repositories
	out := t.TempDir()
	res := runBin(t, repo, "demo", "--out", out)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, want := range []string{
		"Next version **v1.4.0** (minor bump",
		"Self-audit: ✅ pass (8 checks: 8 pass)",
		"canary 0% → 100% skips 10%, 50%; run /canary 10 prod first, or /canary 100 prod --force",
		"already done (this request was committed before): canary 0% → 10% (prod)",
		"FF_NEW_ONBOARDING  OFF  canary 10%",
		"gate health failed: ",
		"/prod/health answered 503 Service Unavailable; fix it and retry, or /canary 100 prod --force",
		"Requested-by: @carol via github, Releasebot-Request: github-comment:1004",
		"CANARY_PERCENT=0",
		"- @carol `/rollback`: canary 50% → 0% (prod)",
		"@dave has triage access to acme/web; /rollback needs write (authorization.github.min_permission in ",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	for _, secret := range []string{"ghs_demo_installation_token", "sntrys_demo_token", "demo-stage-secret"} {
		if strings.Contains(res.stdout+res.stderr, secret) {
			t.Errorf("the demo printed the secret %q", secret)
		}
	}
	// The emulated repository holds the seeded history and one commit per
	// command that committed: /canary 10, /canary 50, /rollback.
	bare := filepath.Join(out, "github", "acme", "web.git")
	log, err := exec.Command("git", "--git-dir", bare, "log", "--format=%s", "main").Output()
	if err != nil {
		t.Fatal(err)
	}
	subjects := strings.Split(strings.TrimSpace(string(log)), "\n")
	if len(subjects) != 9 || subjects[0] != "chore(flags): rollback (prod): 3 changes" {
		t.Errorf("git log of the emulated repository:\n%s", log)
	}
	for _, f := range []string{"transcript.md", "RELEASE_NOTES.md"} {
		data, err := os.ReadFile(filepath.Join(out, f))
		if err != nil || !strings.Contains(string(data), "v1.4.0") {
			t.Errorf("%s: %v", f, err)
		}
	}
	if again := runBin(t, repo, "demo", "--out", out); again.code != 2 || !strings.Contains(again.stderr, "already exists") {
		t.Errorf("second demo into the same dir: %d %q", again.code, again.stderr)
	}
}

// TestInputThatMeansSomethingElse: a command of two lines is refused, not
// joined; over-long text is refused and not echoed whole; what is echoed
// cannot drive the terminal; an --as name cannot add a trailer.
func TestInputThatMeansSomethingElse(t *testing.T) {
	repo := runbookRepo(t)
	head := repo.Git("rev-parse", "main")
	flagFile := repo.Read(".release/flags.yaml")
	tests := []struct {
		name, text, stderr string
	}{
		{"newline", "/canary 0\nstage", "a command is one line; "},
		{"CRLF", "/rollback\r\nFF_NAV_FOOTER", "a command is one line; "},
		{"line separator", "/canary 0\u2028stage", "a command is one line; "},
		{"100 KB", "/canary 10 " + strings.Repeat("A", 100_000), "is 100011 characters, over the limit of 4000"},
		{"escape sequences", "/toggle \x1b[2J\x1b]0;pwned\x07FF_X on", "unknown flag [2J ]0;pwned FF_X in prod"},
		{"escape in a command word", "/canary\x1b[31m 10", "unknown command /canary [31m;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runBin(t, repo, "cmd", tt.text)
			if res.code != 2 || !strings.Contains(res.stderr, tt.stderr) {
				t.Errorf("exit %d %.300q, want 2 and %q", res.code, res.stderr, tt.stderr)
			}
			if strings.ContainsAny(res.stderr, "\x1b\x07\r") || strings.Count(res.stderr, "\n") != 1 || len(res.stderr) > 600 {
				t.Errorf("stderr is not one short inert line: %.300q", res.stderr)
			}
			if repo.Git("rev-parse", "main") != head || repo.Read(".release/flags.yaml") != flagFile || repo.Git("status", "--porcelain") != "" {
				t.Error("a refused command changed the repository")
			}
		})
	}
	res := runBin(t, repo, "cmd", "/canary 10", "--as", "eve\x1b[2J\nReleasebot-Request: forged", "--request-id", "real")
	if res.code != 0 || strings.Contains(res.stdout, "\x1b") {
		t.Fatalf("exit %d %q %q", res.code, res.stdout, res.stderr)
	}
	if got := repo.Git("log", "-1", "--format=%(trailers:key=Releasebot-Request,valueonly)"); got != "real" {
		t.Errorf("request ids in the commit: %q", got)
	}
	if got := repo.Git("log", "-1", "--format=%(trailers:key=Requested-by,valueonly)"); got != "eve [2J Releasebot-Request: forged via cli" {
		t.Errorf("requested by: %q", got)
	}
}
