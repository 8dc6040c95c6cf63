package githubemu_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	"github.com/releasebot/releasebot/internal/emulator/strict"
)

// newStrict is an emulator in strict mode whose failures go to the returned
// recorder, with one repository acme/web.
func newStrict(t *testing.T) (*githubemu.Server, *strict.Recording, string) {
	t.Helper()
	rec := &strict.Recording{}
	emu := githubemu.NewTest(rec, githubemu.Options{Dir: t.TempDir(), Tokens: map[string]string{token: "octocat"}})
	if err := emu.CreateRepo("acme", "web", githubemu.RepoOptions{Files: map[string][]byte{"README.md": []byte("# web\n")}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return emu, rec, srv.URL
}

// call sends one request with the test token (or none) and returns the status.
func call(t *testing.T, method, url string, auth bool) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.Header.Set("Authorization", "token "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestStrictFailsOnAWrongPath: a client calling a path the emulator has no
// route for still gets GitHub's 404, and the test fails naming the request.
func TestStrictFailsOnAWrongPath(t *testing.T) {
	for _, tc := range []struct {
		name, method, path string
		auth               bool
		status             int
	}{
		{"singular release", "GET", "/api/v3/repos/acme/web/release/latest", true, 404},
		{"at the root, not under /api/v3", "GET", "/repos/acme/web/release/latest", true, 404},
		{"case of a literal segment", "GET", "/api/v3/repos/acme/web/Releases/latest", true, 404},
		{"wrong method", "POST", "/api/v3/repos/acme/web/releases/latest", true, 404},
		{"repository segment missing", "GET", "/api/v3/repos/acme/releases/latest", true, 404},
		{"ref route without a ref", "GET", "/api/v3/repos/acme/web/git/ref", true, 404},
		{"unknown subresource", "GET", "/api/v3/repos/acme/web/nonsense", true, 404},
		{"commit subresource that does not exist", "GET", "/api/v3/repos/acme/web/commits/main/checks", true, 422},
		{"unauthenticated, refused before routing", "GET", "/api/v3/repos/acme/web/release/latest", false, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu, rec, base := newStrict(t)
			if got := call(t, tc.method, base+tc.path, tc.auth); got != tc.status {
				t.Errorf("status = %d, want GitHub's %d", got, tc.status)
			}
			want := []string{tc.method + " " + tc.path}
			if tc.name == "commit subresource that does not exist" {
				// commits/{ref...} takes "main/checks" as a ref: GitHub answers
				// 422 "No commit found", a route's answer, not a wrong path.
				want = nil
			}
			if got := emu.Unmatched(); !reflect.DeepEqual(got, want) {
				t.Errorf("Unmatched() = %q, want %q", got, want)
			}
			errs := rec.End()
			if want == nil {
				if len(errs) != 0 {
					t.Errorf("the test failed: %q", errs)
				}
				return
			}
			if len(errs) != 1 || !strings.Contains(errs[0], "unmatched request: "+want[0]) {
				t.Errorf("failures = %q, want one naming %q", errs, want[0])
			}
		})
	}
}

// TestStrictAllowsARoutesOwn404: a route that matches and answers 404
// because the resource does not exist is GitHub's behaviour, not a wrong path.
func TestStrictAllowsARoutesOwn404(t *testing.T) {
	emu, rec, base := newStrict(t)
	for _, p := range []string{
		"/api/v3/repos/acme/web/releases/latest", // no release yet
		"/api/v3/repos/acme/nope",                // no such repository
		"/api/v3/repos/acme/web/git/ref/heads/nope",
		"/api/v3/repos/acme/web/contents/missing.md",
	} {
		if got := call(t, "GET", base+p, true); got != 404 {
			t.Errorf("GET %s = %d, want 404", p, got)
		}
	}
	if u := emu.Unmatched(); len(u) != 0 {
		t.Errorf("Unmatched() = %q, want none", u)
	}
	if errs := rec.End(); len(errs) != 0 {
		t.Errorf("the test failed: %q", errs)
	}
}

// TestExpectAndVerify: a declared route that is never called fails the
// test, at Verify or when the test ends; so does a pattern that names no
// route. Calls and Count report the routes used, in order.
func TestExpectAndVerify(t *testing.T) {
	const latest, repoRoute = "/repos/{owner}/{repo}/releases/latest", "/repos/{owner}/{repo}"
	t.Run("declared and called", func(t *testing.T) {
		emu, rec, base := newStrict(t)
		emu.Expect("GET", latest)
		call(t, "GET", base+"/api/v3/repos/acme/web", true)
		call(t, "GET", base+"/repos/acme/web/releases/latest", true)
		call(t, "GET", base+"/api/v3/repos/acme/web/releases/latest", true)
		emu.Verify(rec)
		if errs := rec.End(); len(errs) != 0 {
			t.Errorf("the test failed: %q", errs)
		}
		want := []githubemu.Call{
			{Method: "GET", Pattern: repoRoute, Path: "/api/v3/repos/acme/web"},
			{Method: "GET", Pattern: latest, Path: "/repos/acme/web/releases/latest"},
			{Method: "GET", Pattern: latest, Path: "/api/v3/repos/acme/web/releases/latest"},
		}
		if got := emu.Calls(); !reflect.DeepEqual(got, want) {
			t.Errorf("Calls() = %+v, want %+v", got, want)
		}
		if n := emu.Count("GET", latest); n != 2 {
			t.Errorf("Count(latest) = %d, want 2", n)
		}
	})
	for _, tc := range []struct {
		name, method, pattern, want string
		verify                      bool
	}{
		{"declared, never called, Verify", "GET", latest, "expected route GET " + latest + " was never called", true},
		{"declared, never called, test ends", "GET", latest, "expected route GET " + latest + " was never called", false},
		{"another method of a called path", "DELETE", repoRoute + "/releases/{id}", "was never called", true},
		{"a pattern that is no route", "GET", "/repos/{owner}/{repo}/release/latest", "is no route of the emulator", true},
		{"a path, not a pattern", "GET", "/repos/acme/web/releases/latest", "is no route of the emulator", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu, rec, base := newStrict(t)
			emu.Expect(tc.method, tc.pattern)
			call(t, "GET", base+"/api/v3/repos/acme/web", true)
			if tc.verify {
				emu.Verify(rec)
			}
			errs := rec.End()
			if len(errs) != 1 || !strings.Contains(errs[0], tc.want) {
				t.Errorf("failures = %q, want one containing %q", errs, tc.want)
			}
		})
	}
}

// TestNewIsNotStrict: the demo's emulator (New) keeps no record, so asking
// for one is a mistake the test author hears about at once.
func TestNewIsNotStrict(t *testing.T) {
	emu, err := githubemu.New(githubemu.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "NewTest") {
			t.Errorf("Expect on New's emulator: recover() = %v, want a panic naming NewTest", r)
		}
	}()
	emu.Expect("GET", "/rate_limit")
}

// TestCommitRoutesTakeSlashedRefs: a ref with slashes reaches the commit's
// subresource routes, each by its own pattern, and the commit itself.
func TestCommitRoutesTakeSlashedRefs(t *testing.T) {
	emu, rec, base := newStrict(t)
	if _, err := emu.CommitFiles("acme", "web", "feature/x", map[string][]byte{"f": []byte("f")}, "feat: f", "octocat"); err != nil {
		t.Fatal(err)
	}
	const commits = "/repos/{owner}/{repo}/commits/{ref...}"
	for _, tc := range []struct{ path, pattern string }{
		{"/commits/feature/x", commits},
		{"/commits/feature/x/status", commits + "/status"},
		{"/commits/feature/x/statuses", commits + "/statuses"},
		{"/commits/feature/x/check-runs", commits + "/check-runs"},
		{"/commits/feature/x/check-suites", commits + "/check-suites"},
		{"/commits/feature/x/pulls", commits + "/pulls"},
	} {
		emu.Expect("GET", tc.pattern)
		if got := call(t, "GET", base+"/api/v3/repos/acme/web"+tc.path, true); got != 200 {
			t.Errorf("GET %s = %d, want 200", tc.path, got)
		}
		calls := emu.Calls()
		if last := calls[len(calls)-1]; last.Pattern != tc.pattern {
			t.Errorf("GET %s matched %s, want %s", tc.path, last.Pattern, tc.pattern)
		}
	}
	emu.Verify(rec)
	if errs := rec.End(); len(errs) != 0 {
		t.Errorf("the test failed: %q", errs)
	}
}
