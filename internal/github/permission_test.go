package github_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	ghstore "github.com/releasebot/releasebot/internal/github"
)

func newPermissions(t *testing.T, e *env, repo string) *ghstore.Permissions {
	t.Helper()
	p, err := ghstore.NewPermissions(e.client.Client, repo)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPermissionLevels reads every built-in role through the emulator: the
// permission field says write for maintain and read for triage, so only
// role_name tells them apart.
func TestPermissionLevels(t *testing.T) {
	e := newEnv(t)
	if err := e.emu.CreateRepo(owner, "secret", githubemu.RepoOptions{Private: true, Files: map[string][]byte{"README.md": []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	for login, role := range map[string]string{"ada": "admin", "max": "maintain", "wes": "write", "tri": "triage", "rea": "read"} {
		for _, repo := range []string{repo, "secret"} {
			if err := e.emu.SetPermission(owner, repo, login, role); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The token's user needs access to see the private repository at all.
	if err := e.emu.SetPermission(owner, "secret", "releasebot-ci", "read"); err != nil {
		t.Fatal(err)
	}
	pub, priv := newPermissions(t, e, owner+"/"+repo), newPermissions(t, e, owner+"/secret")
	for _, tt := range []struct {
		p     *ghstore.Permissions
		login string
		want  chatops.Permission
	}{
		{pub, "ada", chatops.PermissionAdmin},
		{pub, "max", chatops.PermissionMaintain},
		{pub, "wes", chatops.PermissionWrite},
		{pub, "tri", chatops.PermissionTriage},
		{pub, "rea", chatops.PermissionRead},
		{pub, "MAX", chatops.PermissionMaintain}, // logins are case-insensitive on GitHub
		{pub, owner, chatops.PermissionAdmin},
		{pub, "stranger", chatops.PermissionRead}, // anyone may read a public repository
		{priv, "max", chatops.PermissionMaintain},
		{priv, "tri", chatops.PermissionTriage},
		{priv, "stranger", chatops.PermissionNone},
		// Not logins: answered as no access without a request, so a path
		// like "../" cannot ask about another repository.
		{pub, "../../../repos/acme/web/collaborators/acme", chatops.PermissionNone},
		{pub, "acme/permission?x=", chatops.PermissionNone},
		{pub, "acme%2F..", chatops.PermissionNone},
		{pub, "", chatops.PermissionNone},
		{pub, "-lead", chatops.PermissionNone},
		{pub, "a\nb", chatops.PermissionNone},
		{pub, strings.Repeat("a", 40), chatops.PermissionNone},
	} {
		got, err := tt.p.Permission(testCtx(t), tt.login)
		if err != nil || got != tt.want {
			t.Errorf("%s on %s: %v, %v; want %v", tt.login, tt.p.Repo, got, err, tt.want)
		}
	}
}

func TestPermissionFailures(t *testing.T) {
	for _, tt := range []struct {
		name   string
		faults []githubemu.Fault
		want   string // "" means no access without an error
		// stuck: the client holds back requests until the rate limit's
		// reset, so the next lookup fails too
		stuck bool
	}{
		{"not found", []githubemu.Fault{githubemu.ServerError(404)}, "", false},
		{"server errors past the retries", githubemu.Times(4, githubemu.ServerError(502)), "502 Bad Gateway", false},
		{"forbidden", []githubemu.Fault{githubemu.ServerError(403)}, "403 Forbidden", false},
		{"rate limit past the deadline", []githubemu.Fault{githubemu.PrimaryRateLimit(time.Now().Add(time.Hour))}, "GitHub rate limit: resets at ", true},
		{"secondary rate limit past the deadline", []githubemu.Fault{githubemu.SecondaryRateLimit(time.Hour)}, "GitHub secondary rate limit", true},
		// net/http itself retries a GET once on a dropped connection.
		{"connection dropped every time", githubemu.Times(8, githubemu.Disconnect()), "could not reach GitHub", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_ = e.emu.SetPermission(owner, repo, "wes", "write")
			p := newPermissions(t, e, owner+"/"+repo)
			e.emu.Inject("GET", "/repos/acme/web/collaborators/*/permission", tt.faults...)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := p.Permission(ctx, "wes")
			switch {
			case tt.want == "" && (err != nil || got != chatops.PermissionNone):
				t.Errorf("got %v, %v; want no access", got, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), token)):
				t.Errorf("got %v, %v; want an error with %q", got, err, tt.want)
			}
			e.emu.ClearFaults()
			if tt.stuck {
				if got, err := p.Permission(ctx, "wes"); err == nil {
					t.Errorf("after the rate limit: %v, no error", got)
				}
				return
			}
			// A failure is not remembered: the next lookup asks again.
			if got, err := p.Permission(ctx, "wes"); err != nil || got != chatops.PermissionWrite {
				t.Errorf("after the failure: %v, %v", got, err)
			}
		})
	}
}

func TestPermissionCache(t *testing.T) {
	e := newEnv(t)
	_ = e.emu.SetPermission(owner, repo, "wes", "write")
	now := time.Unix(1_700_000_000, 0)
	p := newPermissions(t, e, owner+"/"+repo)
	p.Now = func() time.Time { return now }
	ask := func(login string, want chatops.Permission) {
		t.Helper()
		if got, err := p.Permission(testCtx(t), login); err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", login, got, err, want)
		}
	}
	before := e.client.Meter().Calls()
	ask("wes", chatops.PermissionWrite)
	_ = e.emu.SetPermission(owner, repo, "wes", "read")
	ask("Wes", chatops.PermissionWrite) // within the TTL: the cached answer
	if n := e.client.Meter().Calls() - before; n != 1 {
		t.Errorf("%d requests for two lookups within the TTL, want 1", n)
	}
	now = now.Add(61 * time.Second)
	ask("wes", chatops.PermissionRead) // a demotion shows after the TTL
	p.TTL = -1
	_ = e.emu.SetPermission(owner, repo, "wes", "admin")
	ask("wes", chatops.PermissionAdmin)
}

// TestRefusedCommentCommitsNothing runs the policy with this adapter inside
// the Service against the emulator: a read user, and a failed lookup, are
// refused and the flag branch does not move.
func TestRefusedCommentCommitsNothing(t *testing.T) {
	e := newEnv(t)
	_ = e.emu.SetPermission(owner, repo, "rea", "read")
	_ = e.emu.SetPermission(owner, repo, "tri", "triage")
	_ = e.emu.SetPermission(owner, repo, "max", "maintain")
	cfg, err := config.Parse(".github/releasebot.yml", []byte("authorization:\n  github: {min_permission: maintain}\n"))
	if err != nil {
		t.Fatal(err)
	}
	auth, err := chatops.NewAuthorization(cfg, owner+"/"+repo, newPermissions(t, e, owner+"/"+repo), nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := &chatops.Service{Store: e.store, Config: cfg, Authorizer: auth}
	tip := func() string {
		ref, ok := e.emu.Ref(owner, repo, "refs/heads/main")
		if !ok {
			t.Fatal("no main branch")
		}
		return ref
	}
	start := tip()
	for _, tt := range []struct {
		login, want string
		faults      []githubemu.Fault
	}{
		{"rea", "@rea has read access to acme/web; /rollback needs maintain", nil},
		{"tri", "@tri has triage access to acme/web", nil},
		{"nobody-here", "@nobody-here has read access", nil},
		{"max", "could not check @max's permission on acme/web: 502 Bad Gateway; nothing changed, try again", githubemu.Times(4, githubemu.ServerError(502))},
	} {
		e.emu.Inject("GET", "/repos/acme/web/collaborators/*/permission", tt.faults...)
		r := svc.Run(testCtx(t), chatops.Request{Text: "/rollback", Actor: chatops.Actor{Name: "@" + tt.login, ID: tt.login, Via: "github"}, ID: "github-comment:" + tt.login})
		if r.Outcome != chatops.Refused || !strings.Contains(r.Text, tt.want) {
			t.Errorf("%s: %v %q", tt.login, r.Outcome, r.Text)
		}
		if tip() != start {
			t.Fatalf("%s: the flag branch moved after a refusal", tt.login)
		}
	}
	r := svc.Run(testCtx(t), chatops.Request{Text: "/canary 10", Actor: chatops.Actor{Name: "@max", ID: "max", Via: "github"}, ID: "github-comment:ok"})
	if r.Outcome != chatops.Done || tip() == start {
		t.Errorf("maintain: %v %q", r.Outcome, r.Text)
	}
	var ce *chatops.Error
	if err := auth.Authorize(testCtx(t), chatops.Actor{ID: "rea", Via: "github"}, chatops.Command{Name: chatops.Canary}); !errors.As(err, &ce) {
		t.Errorf("refusal is %T, want *chatops.Error", err)
	}
}

// TestPermissionConcurrent: one lookup serves concurrent comments (run with
// -race).
func TestPermissionConcurrent(t *testing.T) {
	e := newEnv(t)
	_ = e.emu.SetPermission(owner, repo, "wes", "write")
	p := newPermissions(t, e, owner+"/"+repo)
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			got, err := p.Permission(testCtx(t), "wes")
			if err == nil && got != chatops.PermissionWrite {
				err = errors.New("got " + got.String())
			}
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
