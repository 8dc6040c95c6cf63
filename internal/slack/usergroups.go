// Package slack is releasebot's adapter to Slack's Web API through
// slack-go: the user-group lookup behind authorization.slack.usergroups,
// and the release's messages (the Block Kit checklist, updated in place,
// and the published message) posted by the Action.
package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// DefaultAPIURL is Slack's Web API root.
const DefaultAPIURL = "https://slack.com/api"

// Options configure NewUsergroups and NewPoster.
type Options struct {
	Token string // the bot token (xoxb-…), which needs the usergroups:read scope
	// APIURL is the Web API root (default DefaultAPIURL), such as an
	// emulator's "http://127.0.0.1:8080/api".
	APIURL string
	// Transport is the HTTP transport underneath (default
	// http.DefaultTransport).
	Transport http.RoundTripper
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// TTL is how long a group's members are reused (default 60 s;
	// negative: never). Now is the clock (default time.Now).
	TTL time.Duration
	Now func() time.Time
}

// Usergroups lists the members of Slack user groups with
// usergroups.users.list. It implements chatops.UsergroupLookup. Members are
// reused for TTL per group, since Slack allows about 20 calls a minute;
// failures are never cached.
type Usergroups struct {
	client *slack.Client
	ttl    time.Duration
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cachedMembers
}

type cachedMembers struct {
	users   []string
	expires time.Time
}

// NewUsergroups returns the lookup. It fails when the token is missing or
// the API URL is not an http(s) URL; no request is made.
func NewUsergroups(opts Options) (*Usergroups, error) {
	if opts.Token == "" {
		return nil, errors.New("no Slack bot token to look up user groups with")
	}
	c, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	ttl := opts.TTL
	if ttl == 0 {
		ttl = 60 * time.Second
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Usergroups{client: c, ttl: ttl, now: now}, nil
}

// newClient is slack-go's client for opts: the API URL checked, the
// transport's answers bounded, each request timed out.
func newClient(opts Options) (*slack.Client, error) {
	base := strings.TrimSuffix(opts.APIURL, "/")
	if base == "" {
		base = DefaultAPIURL
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("the Slack API URL %q is not an http(s) URL such as %s", textsafe.Cut(opts.APIURL, limits.Echo), DefaultAPIURL)
	}
	tr := opts.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	hc := &http.Client{Transport: limitTransport{tr}, Timeout: timeout}
	return slack.New(opts.Token, slack.OptionAPIURL(base+"/"), slack.OptionHTTPClient(hc)), nil
}

// Members returns the ids of the users in groupID. Its errors say what Slack
// answered; those retrying cannot fix (no such group, user groups not
// available in the workspace, a missing scope, a refused token) wrap
// chatops.ErrLookupUnavailable and say what to change.
func (g *Usergroups) Members(ctx context.Context, groupID string) ([]string, error) {
	if g.ttl > 0 {
		g.mu.Lock()
		c, ok := g.cache[groupID]
		g.mu.Unlock()
		if ok && g.now().Before(c.expires) {
			return slices.Clone(c.users), nil
		}
	}
	users, err := g.client.GetUserGroupMembersContext(ctx, groupID)
	if err != nil {
		return nil, explain(groupID, err)
	}
	if g.ttl > 0 {
		g.mu.Lock()
		if g.cache == nil {
			g.cache = map[string]cachedMembers{}
		}
		g.cache[groupID] = cachedMembers{users: slices.Clone(users), expires: g.now().Add(g.ttl)}
		g.mu.Unlock()
	}
	return users, nil
}

// lookupError is a failed lookup: one line for the user, the cause for
// errors.As, and whether trying again can help.
type lookupError struct {
	msg       string
	err       error
	permanent bool
}

func (e *lookupError) Error() string { return e.msg }

func (e *lookupError) Unwrap() []error {
	if e.permanent {
		return []error{e.err, chatops.ErrLookupUnavailable}
	}
	return []error{e.err}
}

// unavailable are Slack's answers for a workspace or app that cannot list
// user groups at all.
var unavailable = []string{"paid_only", "paid_teams_only", "plan_upgrade_required", "not_allowed_token_type", "team_access_not_granted", "feature_not_enabled"}

// refusedToken are Slack's answers for a bot token it does not accept.
var refusedToken = []string{"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}

func explain(groupID string, err error) error {
	var se slack.SlackErrorResponse
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	var ue *url.Error
	var tl *limits.TooLargeError
	group := textsafe.OneLine(textsafe.Cut(groupID, limits.Echo))
	e := &lookupError{err: err}
	switch {
	case errors.As(err, &se):
		code := textsafe.OneLine(textsafe.Cut(se.Err, 80))
		e.permanent = true
		switch {
		case code == "no_such_subteam":
			e.msg = fmt.Sprintf("Slack has no user group %s in this workspace (no_such_subteam); fix authorization.slack.usergroups", group)
		case code == "missing_scope":
			e.msg = "the Slack app lacks the usergroups:read scope (missing_scope); add it and reinstall the app, or list users in authorization.slack.users instead"
		case slices.Contains(unavailable, code):
			e.msg = fmt.Sprintf("user groups are not available in this workspace (%s); list users in authorization.slack.users instead", code)
		case slices.Contains(refusedToken, code):
			e.msg = fmt.Sprintf("Slack refused the bot token (%s); check the token releasebot runs with", code)
		default:
			e.permanent = false
			e.msg = fmt.Sprintf("Slack answered %s", code)
		}
	case errors.As(err, &rl):
		e.msg = fmt.Sprintf("Slack's rate limit: it asks to wait %s", rl.RetryAfter)
	case errors.As(err, &sc):
		e.msg = fmt.Sprintf("Slack answered HTTP %d", sc.Code)
	case errors.As(err, &tl):
		e.msg = tl.Error()
	case errors.Is(err, context.DeadlineExceeded):
		e.msg = "Slack did not answer in time"
	case errors.As(err, &ue):
		e.msg = "could not reach Slack: " + textsafe.OneLine(textsafe.Cut(ue.Err.Error(), limits.Echo))
	default:
		e.msg = "could not read Slack's answer: " + textsafe.OneLine(textsafe.Cut(err.Error(), limits.Echo))
	}
	return e
}

// limitTransport bounds response bodies to limits.ResponseBody: slack-go
// decodes whatever it is given.
type limitTransport struct{ next http.RoundTripper }

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		resp.Body = &limitedBody{rc: resp.Body, left: limits.ResponseBody}
	}
	return resp, err
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Peek one byte: a body of exactly the limit is fine.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, &limits.TooLargeError{What: "Slack's answer", Size: -1, Limit: limits.ResponseBody}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
