package auditcheck

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/config"

	"github.com/releasebot/releasebot/audit"
)

func sentryCheck(target SentryTarget, max int) SentryCheck {
	return SentryCheck{
		Issues: target.Issues, Unconfigured: target.Missing, Org: target.Org, Project: target.Project,
		Environment: "stage", Release: "v1.2.3+stage", Max: max, WebURL: target.URL,
	}
}

func TestSentryCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		issues int
		max    int
		want   audit.Status
		reason string
	}{
		{"none", 0, 0, audit.Pass, "no unresolved issues in release v1.2.3+stage (stage)"},
		{"within max", 3, 5, audit.Pass, "3 unresolved issues in release v1.2.3+stage (stage), at most 5 allowed"},
		{"one over", 1, 0, audit.Fail, "1 unresolved issue in release v1.2.3+stage (stage), more than 0 allowed: WEB-1 TypeError: cannot read property of undefined #1"},
		{"paginated", 250, 0, audit.Fail, "250 unresolved issues in release v1.2.3+stage (stage), more than 0 allowed: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, target := sentryServer(t, tt.issues)
			got := runCheck(t, sentryCheck(target, tt.max), 5*time.Second)
			if got.Name != "sentry" || got.Status != tt.want || !strings.HasPrefix(got.Reason, tt.reason) {
				t.Errorf("got %s %q\nwant %s %q", got.Status, got.Reason, tt.want, tt.reason)
			}
			if got.Evidence.Observed != fmt.Sprintf("%d unresolved", tt.issues) {
				t.Errorf("observed %q", got.Evidence.Observed)
			}
			if !strings.HasPrefix(got.Evidence.URL, target.URL+"/organizations/acme/issues/?environment=stage&query=release%3A%22v1.2.3%2Bstage%22+is%3Aunresolved") {
				t.Errorf("evidence URL %q", got.Evidence.URL)
			}
		})
	}
}

func TestSentryCheckErrors(t *testing.T) {
	t.Parallel()
	_, target := sentryServer(t, 0)

	// A bad token: Sentry's 401 and detail, without the token.
	cfg := config.Default()
	cfg.Sentry = config.Sentry{Org: "acme", Project: "web"}
	env := map[string]string{"SENTRY_AUTH_TOKEN": "revoked-token-77", "SENTRY_URL": target.URL}
	bad := SentryFromEnv(func(k string) string { return env[k] }, cfg, nil)
	rep := audit.Runner{Timeout: 5 * time.Second, Secrets: []string{bad.Token}}.Run(t.Context(), sentryCheck(bad, 0))
	got := rep.Checks[0]
	want := "could not read the Sentry project web: sentry answered 401 Unauthorized to GET /api/0/projects/acme/web/: Invalid token"
	if got.Status != audit.Fail || got.Reason != want {
		t.Errorf("bad token: %s %q\nwant %q", got.Status, got.Reason, want)
	}
	if out := rep.Markdown() + string(rep.JSON()); strings.Contains(out, "revoked-token-77") {
		t.Errorf("token in output: %s", out)
	}

	// Unknown organization: 404.
	c := sentryCheck(target, 0)
	c.Org = "nope"
	got = runCheck(t, c, 5*time.Second)
	if got.Status != audit.Fail || got.Reason != `Sentry has no project "web" in organization "nope"; check sentry.project and sentry.org (or SENTRY_PROJECT, SENTRY_ORG)` {
		t.Errorf("unknown org: %s %q", got.Status, got.Reason)
	}

	// A body that is not Sentry's JSON, and a Sentry that does not answer.
	odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/0/projects/") {
			fmt.Fprint(w, `{"id":"7","slug":"web","name":"web"}`)
			return
		}
		if strings.Contains(r.URL.RawQuery, "slow") || r.URL.Query().Get("environment") == "slow" {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
			return
		}
		fmt.Fprint(w, "<html>maintenance</html>")
	}))
	defer odd.Close()
	env = map[string]string{"SENTRY_AUTH_TOKEN": "tok", "SENTRY_URL": odd.URL}
	oddTarget := SentryFromEnv(func(k string) string { return env[k] }, cfg, nil)
	got = runCheck(t, sentryCheck(oddTarget, 0), 5*time.Second)
	if got.Status != audit.Fail || !strings.Contains(got.Reason, "with a body that is not the expected JSON") {
		t.Errorf("bad body: %s %q", got.Status, got.Reason)
	}
	slow := sentryCheck(oddTarget, 0)
	slow.Environment = "slow"
	got = runCheck(t, slow, 300*time.Millisecond)
	if got.Status != audit.Fail || got.Reason != odd.URL+" did not answer within 300ms" {
		t.Errorf("timeout: %s %q", got.Status, got.Reason)
	}

	// No answer at all is a transport error naming the host.
	env = map[string]string{"SENTRY_AUTH_TOKEN": "tok", "SENTRY_URL": closedURL(t, "")}
	gone := SentryFromEnv(func(k string) string { return env[k] }, cfg, nil)
	got = runCheck(t, sentryCheck(gone, 0), 5*time.Second)
	if got.Status != audit.Fail || !strings.HasPrefix(got.Reason, "could not reach "+env["SENTRY_URL"]) {
		t.Errorf("closed: %s %q", got.Status, got.Reason)
	}
}

// TestSentryCheckProject: a mistyped project must not pass as "no issues",
// and a token that may not read projects still lists issues, with a warn.
func TestSentryCheckProject(t *testing.T) {
	t.Parallel()
	emu, target := sentryServer(t, 0)
	typo := sentryCheck(target, 0)
	typo.Project = "wbe"
	if got := runCheck(t, typo, 5*time.Second); got.Status != audit.Fail || !strings.HasPrefix(got.Reason, `Sentry has no project "wbe" in organization "acme"`) {
		t.Errorf("mistyped project: %s %q", got.Status, got.Reason)
	}

	emu.AddToken("issues-only-token", "event:read")
	cfg := config.Default()
	cfg.Sentry = config.Sentry{Org: "acme", Project: "web"}
	env := map[string]string{"SENTRY_AUTH_TOKEN": "issues-only-token", "SENTRY_URL": target.URL}
	narrow := SentryFromEnv(func(k string) string { return env[k] }, cfg, nil)
	got := runCheck(t, sentryCheck(narrow, 0), 5*time.Second)
	if got.Status != audit.Warn || got.Reason != `no unresolved issues in release v1.2.3+stage (stage); could not confirm that project "web" exists (the token lacks project:read)` {
		t.Errorf("token without project:read: %s %q", got.Status, got.Reason)
	}
}

func TestSentryCheckUnconfigured(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	none := SentryFromEnv(func(string) string { return "" }, cfg, nil)
	got := runCheck(t, sentryCheck(none, 0), time.Second)
	if got.Status != audit.Skip || got.Reason != "no sentry.org and sentry.project in built-in defaults (or SENTRY_ORG and SENTRY_PROJECT)" {
		t.Errorf("no org: %s %q", got.Status, got.Reason)
	}

	env := map[string]string{"SENTRY_ORG": "acme", "SENTRY_PROJECT": "web"}
	noToken := SentryFromEnv(func(k string) string { return env[k] }, cfg, nil)
	got = runCheck(t, sentryCheck(noToken, 0), time.Second)
	if got.Status != audit.Skip || got.Reason != "SENTRY_AUTH_TOKEN is not set" {
		t.Errorf("no token: %s %q", got.Status, got.Reason)
	}

	_, target := sentryServer(t, 0)
	c := sentryCheck(target, 0)
	c.Release, c.ReleaseMissing = "", "no release version to look up in Sentry (--version X.Y.Z)"
	got = runCheck(t, c, time.Second)
	if got.Status != audit.Skip || got.Reason != c.ReleaseMissing {
		t.Errorf("no release: %s %q", got.Status, got.Reason)
	}
}
