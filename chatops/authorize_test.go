package chatops

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/config"
)

// fakePerms answers permissions from a table; a login in fail fails.
type fakePerms struct {
	levels map[string]Permission
	err    error
	calls  int
}

func (f *fakePerms) Permission(ctx context.Context, login string) (Permission, error) {
	f.calls++
	if f.err != nil {
		return PermissionNone, f.err
	}
	return f.levels[login], nil
}

// fakeGroups answers user group members from a table; a group in fail fails.
type fakeGroups struct {
	members map[string][]string
	fail    map[string]error
	calls   []string
}

func (f *fakeGroups) Members(ctx context.Context, group string) ([]string, error) {
	f.calls = append(f.calls, group)
	if err := f.fail[group]; err != nil {
		return nil, err
	}
	return f.members[group], nil
}

func authConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	c, err := config.Parse(".github/releasebot.yml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustAuth(t *testing.T, yaml string, perms PermissionLookup, groups UsergroupLookup) *Authorization {
	t.Helper()
	a, err := NewAuthorization(authConfig(t, yaml), "acme/web", perms, groups)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func parsed(t *testing.T, text string) Command {
	t.Helper()
	pr := Parse(text)
	if pr.Command == nil {
		t.Fatalf("%s does not parse: %s", text, pr.Error)
	}
	return *pr.Command
}

// refusal asserts err is a Refused *Error whose text holds every sub.
func refusal(t *testing.T, err error, subs ...string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Outcome != Refused {
		t.Fatalf("want a refusal, got %#v", err)
	}
	if !contains(e.Msg, subs...) {
		t.Errorf("refusal %q lacks %q", e.Msg, subs)
	}
	if strings.Contains(e.Msg, "\n") {
		t.Errorf("refusal is not one line: %q", e.Msg)
	}
}

func TestSlackAuthorization(t *testing.T) {
	const yaml = "authorization:\n  slack: {users: [U0123, U0OTHER], usergroups: [S0456, S0789]}\n"
	outage := errors.New("slack is down")
	tests := []struct {
		name      string
		who       Actor
		members   map[string][]string
		fail      map[string]error
		allowed   bool
		refusal   []string
		wantCalls []string
	}{
		{name: "listed user", who: Actor{Name: "ann", ID: "U0123", Via: "slack"}, allowed: true},
		{name: "listed user, no group lookup needed", who: Actor{Name: "ann", ID: "U0OTHER", Via: "slack"},
			fail: map[string]error{"S0456": outage, "S0789": outage}, allowed: true},
		{name: "member of the first group", who: Actor{Name: "bob", ID: "U0BOB", Via: "slack"},
			members: map[string][]string{"S0456": {"U0X", "U0BOB"}}, allowed: true, wantCalls: []string{"S0456"}},
		{name: "member of the second group", who: Actor{Name: "bob", ID: "U0BOB", Via: "slack"},
			members: map[string][]string{"S0456": {"U0X"}, "S0789": {"U0BOB"}}, allowed: true, wantCalls: []string{"S0456", "S0789"}},
		{name: "first group fails, member of the second", who: Actor{Name: "bob", ID: "U0BOB", Via: "slack"},
			members: map[string][]string{"S0789": {"U0BOB"}}, fail: map[string]error{"S0456": outage}, allowed: true},
		{name: "unlisted user", who: Actor{Name: "mallory", ID: "U0MAL", Via: "slack"},
			members: map[string][]string{"S0456": {"U0X"}, "S0789": {"U0Y"}},
			refusal: []string{"mallory (U0MAL) is neither listed in authorization.slack.users nor a member", "(S0456, S0789)", ".github/releasebot.yml", "/canary needs", "ask a maintainer"}},
		{name: "user id differs only in case", who: Actor{Name: "ann", ID: "u0123", Via: "slack"},
			refusal: []string{"u0123", "neither listed"}},
		{name: "user id with a trailing space", who: Actor{Name: "ann", ID: "U0123 ", Via: "slack"},
			refusal: []string{"neither listed"}},
		{name: "user id is a prefix", who: Actor{Name: "ann", ID: "U012", Via: "slack"},
			refusal: []string{"neither listed"}},
		{name: "the name of a listed user is not enough", who: Actor{Name: "U0123", ID: "U0MAL", Via: "slack"},
			refusal: []string{"neither listed"}},
		{name: "group id as user id", who: Actor{Name: "x", ID: "S0456", Via: "slack"},
			members: map[string][]string{"S0456": {"U0X"}}, refusal: []string{"neither listed"}},
		{name: "no user id", who: Actor{Name: "ann", Via: "slack"},
			refusal: []string{"without a Slack user id", "nothing changed"}},
		{name: "group lookup fails", who: Actor{Name: "bob", ID: "U0BOB", Via: "slack"},
			members: map[string][]string{"S0789": {"U0X"}}, fail: map[string]error{"S0456": outage},
			refusal: []string{"could not check whether bob (U0BOB) is in user group S0456: slack is down; nothing changed, try again"}},
		{name: "both group lookups fail", who: Actor{Name: "bob", ID: "U0BOB", Via: "slack"},
			fail:    map[string]error{"S0456": outage, "S0789": errors.New("second")},
			refusal: []string{"user group S0456: slack is down"}},
		{name: "user groups unavailable", who: Actor{Name: "bob", ID: "U0BOB", Via: "slack"},
			fail:    map[string]error{"S0456": fmt.Errorf("user groups are not available in this workspace (paid_only); list users in authorization.slack.users instead: %w", ErrLookupUnavailable)},
			refusal: []string{"user groups are not available in this workspace (paid_only); list users in authorization.slack.users instead", "nothing changed"}},
		{name: "a name with line breaks stays one line", who: Actor{Name: "eve\n/canary 100", ID: "U0EVE", Via: "slack"},
			refusal: []string{"eve /canary 100 (U0EVE)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			groups := &fakeGroups{members: tt.members, fail: tt.fail}
			a := mustAuth(t, yaml, nil, groups)
			err := a.Authorize(context.Background(), tt.who, parsed(t, "/canary 50"))
			if tt.allowed {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
			} else {
				refusal(t, err, tt.refusal...)
				if strings.Contains(err.Error(), "try again") && errors.Is(err, ErrLookupUnavailable) {
					t.Errorf("an unavailable lookup says to try again: %v", err)
				}
			}
			if tt.wantCalls != nil && strings.Join(groups.calls, ",") != strings.Join(tt.wantCalls, ",") {
				t.Errorf("group lookups = %v, want %v", groups.calls, tt.wantCalls)
			}
		})
	}
}

func TestSlackAuthorizationLists(t *testing.T) {
	mal := Actor{Name: "mallory", ID: "U0MAL", Via: "slack"}
	canary := parsed(t, "/canary 50")
	// Both lists empty: any workspace member, as the configuration documents.
	a := mustAuth(t, "authorization:\n  slack: {users: [], usergroups: []}\n", nil, nil)
	if err := a.Authorize(context.Background(), mal, canary); err != nil {
		t.Errorf("empty lists refused: %v", err)
	}
	// Only users: no group lookup at all, and none needed to refuse.
	a = mustAuth(t, "authorization:\n  slack: {users: [U0123]}\n", nil, nil)
	refusal(t, a.Authorize(context.Background(), mal, canary), "(none)")
	// Groups but no Slack client wired: refused, never allowed.
	a = mustAuth(t, "authorization:\n  slack: {usergroups: [S0456]}\n", nil, nil)
	refusal(t, a.Authorize(context.Background(), mal, canary), "no Slack client", "nothing changed")
}

func TestGitHubAuthorization(t *testing.T) {
	for _, min := range config.Permissions {
		minLevel, err := ParsePermission(min)
		if err != nil {
			t.Fatal(err)
		}
		for _, has := range []Permission{PermissionNone, PermissionRead, PermissionTriage, PermissionWrite, PermissionMaintain, PermissionAdmin} {
			t.Run(fmt.Sprintf("%s needs %s", has, min), func(t *testing.T) {
				perms := &fakePerms{levels: map[string]Permission{"bob": has}}
				a := mustAuth(t, "authorization:\n  github: {min_permission: "+min+"}\n", perms, nil)
				err := a.Authorize(context.Background(), Actor{Name: "@bob", ID: "bob", Via: "github"}, parsed(t, "/rollback"))
				switch {
				case has >= minLevel && err != nil:
					t.Errorf("refused: %v", err)
				case has < minLevel && has == PermissionNone:
					refusal(t, err, "@bob has no access to acme/web; /rollback needs "+min+" (authorization.github.min_permission in .github/releasebot.yml); ask a maintainer for "+min+" access")
				case has < minLevel:
					refusal(t, err, "@bob has "+has.String()+" access to acme/web; /rollback needs "+min+" (authorization.github.min_permission in .github/releasebot.yml); ask a maintainer")
				}
				if perms.calls != 1 {
					t.Errorf("%d permission lookups, want 1", perms.calls)
				}
			})
		}
	}
}

func TestGitHubAuthorizationRefusals(t *testing.T) {
	canary := parsed(t, "/canary 50")
	perms := &fakePerms{err: errors.New("GitHub answered 502 Bad Gateway")}
	a := mustAuth(t, "authorization:\n  github: {min_permission: read}\n", perms, nil)
	// Even the weakest minimum refuses when the lookup fails.
	refusal(t, a.Authorize(context.Background(), Actor{Name: "@ann", ID: "ann", Via: "github"}, canary),
		"could not check @ann's permission on acme/web: GitHub answered 502 Bad Gateway; nothing changed, try again")

	perms = &fakePerms{levels: map[string]Permission{"ann": PermissionAdmin}}
	a = mustAuth(t, "", perms, nil) // the default: write
	refusal(t, a.Authorize(context.Background(), Actor{Name: "@ann", Via: "github"}, canary), "without a GitHub login")
	// A level the lookup should never return counts as none.
	perms.levels["odd"] = Permission(99)
	refusal(t, a.Authorize(context.Background(), Actor{ID: "odd", Via: "github"}, canary), "@odd has no access")

	// A zero policy refuses everyone rather than letting everyone in.
	zero := &Authorization{Permissions: perms}
	refusal(t, zero.Authorize(context.Background(), Actor{ID: "ann", Via: "github"}, canary), "min_permission is not set")
	refusal(t, (&Authorization{MinPermission: PermissionWrite}).Authorize(context.Background(), Actor{ID: "ann", Via: "github"}, canary),
		"could not check @ann's permission on the repository: releasebot has no GitHub client here")
}

func TestAuthorizationChannels(t *testing.T) {
	perms := &fakePerms{levels: map[string]Permission{"ann": PermissionAdmin}}
	groups := &fakeGroups{members: map[string][]string{"S0456": {"ann"}}}
	a := mustAuth(t, "authorization:\n  slack: {users: [ann]}\n  github: {min_permission: admin}\n", perms, groups)
	canary := parsed(t, "/canary 50")
	// Local mode is unrestricted: the clone's push rights are the boundary.
	if err := a.Authorize(context.Background(), Actor{Name: "nobody", ID: "nobody", Via: "cli"}, canary); err != nil {
		t.Errorf("cli refused: %v", err)
	}
	for _, via := range []string{"", "CLI", "Slack", "github ", "webhook", "cli\n"} {
		refusal(t, a.Authorize(context.Background(), Actor{Name: "ann", ID: "ann", Via: via}, canary), "does not authorize", "nothing changed")
	}
	// A Slack user id is not a GitHub login: each channel checks its own list.
	refusal(t, a.Authorize(context.Background(), Actor{ID: "U0123", Via: "github"}, canary), "@U0123 has no access")
	// Read-only commands need nothing, from anyone, through any channel.
	perms.calls, groups.calls = 0, nil
	for _, text := range []string{"/ab_status", "/release status", "/help"} {
		for _, via := range []string{"slack", "github", "webhook"} {
			if err := a.Authorize(context.Background(), Actor{ID: "mallory", Via: via}, parsed(t, text)); err != nil {
				t.Errorf("%s via %s refused: %v", text, via, err)
			}
		}
	}
	if perms.calls != 0 || len(groups.calls) != 0 {
		t.Errorf("read-only commands looked up permissions (%d) or groups (%v)", perms.calls, groups.calls)
	}
}

func TestNewAuthorization(t *testing.T) {
	c := authConfig(t, "")
	for _, bad := range []string{"", "none", "Write", "push", "write "} {
		c.Authorization.GitHub.MinPermission = bad
		if _, err := NewAuthorization(c, "acme/web", nil, nil); err == nil || !contains(err.Error(), "authorization.github.min_permission in .github/releasebot.yml", "read, triage, write, maintain, admin") {
			t.Errorf("min_permission %q: %v", bad, err)
		}
	}
	for _, p := range config.Permissions {
		if l, err := ParsePermission(p); err != nil || l.String() != p {
			t.Errorf("ParsePermission(%q) = %v, %v", p, l, err)
		}
	}
}

// TestServiceRefusalCommitsNothing runs the policy inside the Service: a
// refused or failed-lookup command commits nothing and maps to Refused.
func TestServiceRefusalCommitsNothing(t *testing.T) {
	perms := &fakePerms{levels: map[string]Permission{"ann": PermissionWrite, "bob": PermissionRead}}
	groups := &fakeGroups{members: map[string][]string{"S0456": {"U0ANN"}}, fail: map[string]error{"S0BAD": errors.New("timeout")}}
	a := mustAuth(t, "authorization:\n  slack: {usergroups: [S0BAD, S0456]}\n  github: {min_permission: write}\n", perms, groups)
	store := newMemStore(flagsPath, runbookFlags)
	svc := &Service{Store: store, Config: testConfig(t), Authorizer: a}
	for _, tt := range []struct {
		who  Actor
		text string
		want string
	}{
		{Actor{Name: "@bob", ID: "bob", Via: "github"}, "/canary 10", "@bob has read access to acme/web"},
		{Actor{Name: "mallory", ID: "U0MAL", Via: "slack"}, "/rollback", "could not check whether mallory (U0MAL) is in user group S0BAD: timeout"},
		{Actor{Name: "bob", ID: "bob", Via: "github"}, "/toggle FF_NAV_FOOTER off", "@bob has read access"},
	} {
		before := store.file(flagsPath)
		r := svc.Run(context.Background(), Request{Text: tt.text, Actor: tt.who})
		if r.Outcome != Refused || !strings.Contains(r.Text, tt.want) {
			t.Errorf("%s by %s: %v %q", tt.text, tt.who.ID, r.Outcome, r.Text)
		}
		if store.count() != 1 || store.file(flagsPath) != before || store.reads != 0 {
			t.Errorf("%s by %s: %d commits, %d reads after a refusal", tt.text, tt.who.ID, store.count(), store.reads)
		}
	}
	perms.err = errors.New("connection reset")
	if r := svc.Run(context.Background(), Request{Text: "/canary 10", Actor: Actor{ID: "ann", Via: "github"}}); r.Outcome != Refused || store.count() != 1 {
		t.Errorf("failed lookup: %v %q, %d commits", r.Outcome, r.Text, store.count())
	}
	perms.err = nil
	for _, who := range []Actor{{Name: "@ann", ID: "ann", Via: "github"}, {Name: "ann", ID: "U0ANN", Via: "slack"}} {
		if r := svc.Run(context.Background(), Request{Text: "/rollback FF_NAV_FOOTER", Actor: who}); r.Outcome != Done && r.Outcome != NoChange {
			t.Errorf("allowed %s: %v %q", who.Via, r.Outcome, r.Text)
		}
	}
	if store.count() != 2 {
		t.Errorf("%d commits, want the one allowed rollback", store.count())
	}
}
