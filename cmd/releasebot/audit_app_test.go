package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http/httptest"
	"strings"
	"testing"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	"github.com/releasebot/releasebot/internal/gittest"
)

// An App-only environment (the server's: GITHUB_APP_ID and its key, no
// GITHUB_TOKEN) runs the ci check of `releasebot audit`, as the App's
// installation on the repository, against the strict GitHub emulator.
func TestAuditCIWithAppCredentialsOnly(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	emu := githubemu.NewTest(t, githubemu.Options{
		Dir:  t.TempDir(),
		Apps: []githubemu.App{{ID: 31337, Slug: "releasebot", PublicKey: &key.PublicKey, InstallationID: 9}},
	})
	if err := emu.CreateRepo("acme", "web", githubemu.RepoOptions{Files: map[string][]byte{"README.md": []byte("# web\n")}}); err != nil {
		t.Fatal(err)
	}
	sha, _ := emu.Ref("acme", "web", "refs/heads/main")
	if err := emu.SetCheckRuns("acme", "web", sha, githubemu.CheckRun{Name: "build", Conclusion: "success"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)

	repo := gittest.New(t, map[string]string{".release/flags.yaml": runbookFlags})
	repo.CommitFiles("feat: onboarding", map[string]string{"a.txt": "a"})
	r := runAudit(t, repo.Dir, map[string]string{
		"GITHUB_APP_ID": "31337", "GITHUB_APP_PRIVATE_KEY": string(keyPEM),
		"GITHUB_REPOSITORY": "acme/web", "GITHUB_API_URL": srv.URL + "/api/v3", "GITHUB_SHA": sha,
	}, "--json")
	var rep struct {
		Checks []struct{ Name, Status, Reason string } `json:"checks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Checks) == 0 {
		t.Fatalf("exit %d: %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	ci := rep.Checks[0]
	want := "the one check passed on " + sha[:7] + " (1 check run, 0 statuses)"
	if ci.Name != "ci" || ci.Status != "pass" || ci.Reason != want {
		t.Errorf("ci = %s %q, want pass %q", ci.Status, ci.Reason, want)
	}
	if emu.Count("POST", "/app/installations/{id}/access_tokens") != 1 {
		t.Errorf("installation tokens issued: %d, want 1", emu.Count("POST", "/app/installations/{id}/access_tokens"))
	}
	if strings.Contains(r.stdout+r.stderr, "PRIVATE KEY") {
		t.Errorf("the key was printed")
	}
	emu.Verify(t)
}
