package slack_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
	slackemu "github.com/releasebot/releasebot/internal/emulator/slack"
	rslack "github.com/releasebot/releasebot/internal/slack"
)

const botToken = "xoxb-test-token"

func newEmu(t *testing.T) (*slackemu.Server, *httptest.Server) {
	t.Helper()
	emu := slackemu.NewTest(t, slackemu.Options{
		Tokens:     []string{botToken},
		UserGroups: map[string][]string{"S0456": {"U0456", "U0123"}, "S0EMPTY": {}},
	})
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return emu, srv
}

func newLookup(t *testing.T, srv *httptest.Server, opts rslack.Options) *rslack.Usergroups {
	t.Helper()
	opts.APIURL = srv.URL + "/api"
	if opts.Token == "" {
		opts.Token = botToken
	}
	g, err := rslack.NewUsergroups(opts)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func testCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestMembers(t *testing.T) {
	_, srv := newEmu(t)
	g := newLookup(t, srv, rslack.Options{TTL: -1})
	if m, err := g.Members(testCtx(t), "S0456"); err != nil || strings.Join(m, ",") != "U0123,U0456" {
		t.Errorf("S0456 = %v, %v", m, err)
	}
	if m, err := g.Members(testCtx(t), "S0EMPTY"); err != nil || len(m) != 0 {
		t.Errorf("S0EMPTY = %v, %v", m, err)
	}
}

func TestMembersFailures(t *testing.T) {
	for _, tt := range []struct {
		name      string
		group     string
		token     string
		fault     *slackemu.Fault
		want      string
		permanent bool
	}{
		{name: "unknown group", group: "S0NOPE", want: "Slack has no user group S0NOPE in this workspace (no_such_subteam); fix authorization.slack.usergroups", permanent: true},
		{name: "group id with markup", group: "S0<!here>\nx", want: "Slack has no user group S0<!here> x in this workspace", permanent: true},
		{name: "bad token", group: "S0456", token: "xoxb-wrong-secret", want: "Slack refused the bot token (invalid_auth)", permanent: true},
		{name: "free workspace", group: "S0456", fault: &slackemu.Fault{Error: "paid_only"}, want: "user groups are not available in this workspace (paid_only); list users in authorization.slack.users instead", permanent: true},
		{name: "user token kind", group: "S0456", fault: &slackemu.Fault{Error: "not_allowed_token_type"}, want: "user groups are not available in this workspace (not_allowed_token_type)", permanent: true},
		{name: "missing scope", group: "S0456", fault: &slackemu.Fault{Error: "missing_scope"}, want: "the Slack app lacks the usergroups:read scope (missing_scope); add it and reinstall the app", permanent: true},
		{name: "unknown error", group: "S0456", fault: &slackemu.Fault{Error: "fatal_error"}, want: "Slack answered fatal_error"},
		{name: "rate limit", group: "S0456", fault: &slackemu.Fault{RetryAfter: 30 * time.Second}, want: "Slack's rate limit: it asks to wait 30s"},
		{name: "server error", group: "S0456", fault: &slackemu.Fault{Status: 503}, want: "Slack answered HTTP 503"},
		{name: "too slow", group: "S0456", fault: &slackemu.Fault{Delay: time.Second}, want: "Slack did not answer in time"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			emu, srv := newEmu(t)
			g := newLookup(t, srv, rslack.Options{Token: tt.token, Timeout: 500 * time.Millisecond})
			if tt.fault != nil {
				emu.Inject("usergroups.users.list", *tt.fault)
			}
			m, err := g.Members(testCtx(t), tt.group)
			if err == nil || err.Error() != tt.want && !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want %q", m, err, tt.want)
			}
			if errors.Is(err, chatops.ErrLookupUnavailable) != tt.permanent {
				t.Errorf("%v: unavailable = %v, want %v", err, !tt.permanent, tt.permanent)
			}
			if strings.Contains(err.Error(), "xoxb-") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error shows the token or breaks the line: %q", err)
			}
			if tt.fault != nil && !tt.permanent {
				// A failure is not remembered: the next lookup asks again.
				if m, err := g.Members(testCtx(t), tt.group); err != nil || len(m) != 2 {
					t.Errorf("after the failure: %v, %v", m, err)
				}
			}
		})
	}
}

func TestMembersCache(t *testing.T) {
	emu, srv := newEmu(t)
	now := time.Unix(1_700_000_000, 0)
	g := newLookup(t, srv, rslack.Options{Now: func() time.Time { return now }})
	if _, err := g.Members(testCtx(t), "S0456"); err != nil {
		t.Fatal(err)
	}
	// Within the TTL the answer is reused: the queued failure is not reached.
	emu.Inject("usergroups.users.list", slackemu.Fault{Error: "no_such_subteam"})
	m, err := g.Members(testCtx(t), "S0456")
	if err != nil || len(m) != 2 {
		t.Fatalf("cached: %v, %v", m, err)
	}
	m[0] = "U0MALLORY" // a caller's edit must not change the cache
	if m, _ := g.Members(testCtx(t), "S0456"); m[0] != "U0123" {
		t.Errorf("the cache was edited through a result: %v", m)
	}
	now = now.Add(61 * time.Second)
	if _, err := g.Members(testCtx(t), "S0456"); err == nil {
		t.Error("after the TTL the lookup did not ask Slack again")
	}
}

func TestNewUsergroups(t *testing.T) {
	for _, bad := range []rslack.Options{
		{},
		{Token: botToken, APIURL: "slack.com/api"},
		{Token: botToken, APIURL: "ftp://slack.com/api"},
		{Token: botToken, APIURL: "https://user:pw@slack.com/api"},
	} {
		if _, err := rslack.NewUsergroups(bad); err == nil {
			t.Errorf("%+v accepted", bad.APIURL)
		} else if strings.Contains(err.Error(), botToken) {
			t.Errorf("the error shows the token: %v", err)
		}
	}
}

// TestAuthorizationWithUsergroups runs the policy over this adapter and the
// emulator: a member is allowed, others and failed lookups refused.
func TestAuthorizationWithUsergroups(t *testing.T) {
	emu, srv := newEmu(t)
	cfg, err := config.Parse(".github/releasebot.yml", []byte("authorization:\n  slack: {users: [U0999], usergroups: [S0456]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	auth, err := chatops.NewAuthorization(cfg, "acme/web", nil, newLookup(t, srv, rslack.Options{TTL: -1}))
	if err != nil {
		t.Fatal(err)
	}
	canary := chatops.Command{Name: chatops.Canary, Percent: 50}
	check := func(id string, want string) {
		t.Helper()
		err := auth.Authorize(testCtx(t), chatops.Actor{Name: "someone", ID: id, Via: "slack"}, canary)
		var ce *chatops.Error
		switch {
		case want == "" && err != nil:
			t.Errorf("%s refused: %v", id, err)
		case want != "" && (!errors.As(err, &ce) || ce.Outcome != chatops.Refused || !strings.Contains(ce.Msg, want)):
			t.Errorf("%s: %v, want a refusal with %q", id, err, want)
		}
	}
	check("U0123", "")
	check("U0999", "")
	check("U0MAL", "someone (U0MAL) is neither listed in authorization.slack.users nor a member")
	emu.Inject("usergroups.users.list", slackemu.Fault{Error: "paid_only"})
	check("U0123", "could not check whether someone (U0123) is in user group S0456: user groups are not available in this workspace (paid_only); list users in authorization.slack.users instead; nothing changed")
	emu.Inject("usergroups.users.list", slackemu.Fault{Status: 500})
	check("U0123", "Slack answered HTTP 500; nothing changed, try again")
	check("U0999", "") // listed users need no lookup
}

// TestMembersConcurrent: one lookup serves concurrent commands (run with
// -race).
func TestMembersConcurrent(t *testing.T) {
	_, srv := newEmu(t)
	g := newLookup(t, srv, rslack.Options{})
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			m, err := g.Members(testCtx(t), "S0456")
			if err == nil && len(m) != 2 {
				err = errors.New("wrong members: " + strings.Join(m, ","))
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
