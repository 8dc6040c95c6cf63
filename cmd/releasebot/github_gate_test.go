package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sentryemu "github.com/releasebot/releasebot/internal/emulator/sentry"
)

// releaseTags is the route the gate reads the current release from: the
// release tags, of which the highest on the flag branch is the current
// release (ghstore.Store.CurrentRelease, as the notes count it).
const releaseTags = "/repos/{owner}/{repo}/git/matching-refs/{ref...}"

// publishRelease publishes a release of tag on the emulator's main branch,
// through the API as a release workflow would.
func (f *ghFixture) publishRelease(t *testing.T, tag string) {
	t.Helper()
	body := `{"tag_name":"` + tag + `","target_commitish":"main","name":"` + tag + `"}`
	req, err := http.NewRequest("POST", f.srv.URL+"/api/v3/repos/acme/web/releases", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "token ghs_test_token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("publishing %s: %s", tag, resp.Status)
	}
}

// TestGitHubCanaryGate runs the gate path through the API: `cmd --github`
// raising the canary reads the release tags, then asks the health gate.
// A failing gate refuses and commits nothing on GitHub; a passing one
// commits; lowering and rollback never read the release nor ask the gate.
func TestGitHubCanaryGate(t *testing.T) {
	h := newHealthServer(t)
	cfg := renderConfig + "environments:\n  prod:\n    health_url: " + h.URL + "/health\n    headers: {Authorization: \"Bearer ${PROD_TOKEN}\"}\n"
	f := newGitHubFixture(t, map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": cfg})
	f.env.Env = append(f.env.Env, "PROD_TOKEN=prod-secret")
	f.publishRelease(t, "v1.4.0")
	f.emu.Expect("GET", releaseTags)

	// Failing health: refused with the check's reason; main and every other
	// ref unchanged.
	h.status.Store(http.StatusServiceUnavailable)
	refs := f.git(t, "for-each-ref", "--format=%(refname) %(objectname)")
	r := runBin(t, f.env, "cmd", "--github", "acme/web", "/canary 10", "--as", "ann", "--request-id", "gate-1")
	if r.code != 1 || !strings.Contains(r.stderr, "gate health failed: ") || !strings.Contains(r.stderr, "503") || !strings.Contains(r.stderr, "/canary 10 prod --force") {
		t.Errorf("failing gate: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if got := f.git(t, "for-each-ref", "--format=%(refname) %(objectname)"); got != refs {
		t.Errorf("a refused raise changed refs:\n%s\nwas\n%s", got, refs)
	}
	if strings.Contains(r.stderr, "prod-secret") || strings.Contains(r.stderr, "ghs_test_token") {
		t.Error("a secret reached the output")
	}
	if n := f.emu.Count("GET", releaseTags); n != 1 || h.hits.Load() != 1 {
		t.Errorf("failing gate: %d release-tag reads, %d health requests; want 1 and 1", n, h.hits.Load())
	}

	// Passing health: each raise commits, after one more read of the release.
	h.status.Store(http.StatusOK)
	for i, c := range []string{"/canary 10", "/canary 50"} {
		before := f.git(t, "rev-parse", "main")
		r = runBin(t, f.env, "cmd", "--github", "acme/web", c, "--as", "ann", "--request-id", "gate-pass-"+string(rune('a'+i)))
		if r.code != 0 || !strings.Contains(r.stdout, "committed ") {
			t.Fatalf("%s, gate passing: exit %d %q %q", c, r.code, r.stdout, r.stderr)
		}
		if got := f.git(t, "rev-parse", "main^"); got != before {
			t.Errorf("%s: main^ = %s, want the commit before (%s): one commit per raise", c, got, before)
		}
		if got := f.git(t, "show", "main:.release/flags.yaml"); !strings.Contains(got, "canary_percent: "+strings.TrimPrefix(c, "/canary ")+"\n") {
			t.Errorf("flag file after %s:\n%s", c, got)
		}
		if n := f.emu.Count("GET", releaseTags); n != 2+i || h.hits.Load() != int32(2+i) {
			t.Errorf("%s, gate passing: %d release-tag reads, %d health requests; want %d and %d", c, n, h.hits.Load(), 2+i, 2+i)
		}
	}

	// Lowering and rollback are never gated: no release read, no health
	// request, even with the gate failing.
	h.status.Store(http.StatusServiceUnavailable)
	for i, c := range []string{"/canary 10", "/rollback"} { // from 50 %
		if r := runBin(t, f.env, "cmd", "--github", "acme/web", c, "--request-id", "gate-low-"+string(rune('a'+i))); r.code != 0 {
			t.Errorf("%s with the gate failing: exit %d %q", c, r.code, r.stderr)
		}
	}
	if n := f.emu.Count("GET", releaseTags); n != 3 || h.hits.Load() != 3 {
		t.Errorf("lowering or rollback read the release or asked the gate: %d reads, %d health requests", n, h.hits.Load())
	}
	f.emu.Verify(t)
}

// TestGitHubGateUsesTheCurrentRelease: the Sentry gate looks up the current
// release, the highest release tag on the flag branch. v1.4.0 has unresolved
// issues in prod, so a raise is refused while it is the current release;
// once v1.4.1 (clean) is published, the same raise commits. A client reading
// the wrong endpoint would find no release, skip the Sentry gate and commit
// at once.
func TestGitHubGateUsesTheCurrentRelease(t *testing.T) {
	h := newHealthServer(t)
	sentry := sentryemu.NewTest(t, "acme", "web", 7, "sntryu_gate_token")
	sentry.AddIssues("acme", "web", "v1.4.0", "prod", 2)
	ssrv := httptest.NewServer(sentry)
	t.Cleanup(ssrv.Close)
	cfg := renderConfig + "sentry: {org: acme, project: web}\n" +
		"environments:\n  prod:\n    health_url: " + h.URL + "/health\n    headers: {Authorization: \"Bearer ${PROD_TOKEN}\"}\n    sentry_environment: prod\n"
	f := newGitHubFixture(t, map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": cfg})
	f.env.Env = append(f.env.Env, "PROD_TOKEN=prod-secret", "SENTRY_URL="+ssrv.URL, "SENTRY_AUTH_TOKEN=sntryu_gate_token")
	f.emu.Expect("GET", releaseTags)
	sentry.Expect("GET", "/api/0/organizations/{org}/issues/{$}")

	f.publishRelease(t, "v1.4.0")
	head := f.git(t, "rev-parse", "main")
	r := runBin(t, f.env, "cmd", "--github", "acme/web", "/canary 10", "--request-id", "latest-1")
	if r.code != 1 || !strings.Contains(r.stderr, "gate sentry failed") || !strings.Contains(r.stderr, "v1.4.0") {
		t.Errorf("v1.4.0 with 2 issues: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if got := f.git(t, "rev-parse", "main"); got != head {
		t.Error("a refused raise committed")
	}
	if strings.Contains(r.stderr, "sntryu_gate_token") {
		t.Error("the Sentry token reached the output")
	}

	f.publishRelease(t, "v1.4.1")
	r = runBin(t, f.env, "cmd", "--github", "acme/web", "/canary 10", "--request-id", "latest-2")
	if r.code != 0 || !strings.Contains(r.stdout, "committed ") {
		t.Errorf("v1.4.1 clean: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if n := f.emu.Count("GET", releaseTags); n != 2 {
		t.Errorf("%d release-tag reads, want 2", n)
	}
}
