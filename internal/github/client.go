// Package github is releasebot's adapter to GitHub's REST API: the client
// (a token or the App's credentials, any API host, retries that honour rate
// limits, request counting) and the Store that commits the flag file through
// the Git Data API with compare-and-swap ref updates.
package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v62/github"
)

// DefaultAPIURL is GitHub.com's API, what GITHUB_API_URL holds there.
const DefaultAPIURL = "https://api.github.com"

// Credentials authenticate the client: a token (GITHUB_TOKEN, a personal
// token), or a GitHub App's id, installation and private key (PEM, or a
// file holding it). Their String never shows a secret.
type Credentials struct {
	Token string

	AppID          int64
	InstallationID int64
	PrivateKey     []byte // PEM
	PrivateKeyFile string
}

// String names the kind of credentials without revealing them.
func (c Credentials) String() string {
	switch {
	case c.Token != "":
		return "token (redacted)"
	case c.AppID != 0:
		return fmt.Sprintf("GitHub App %d installation %d (key redacted)", c.AppID, c.InstallationID)
	}
	return "no credentials"
}

// GoString is String, so %#v does not print the secret either.
func (c Credentials) GoString() string { return c.String() }

// ClientOptions configure NewClient.
type ClientOptions struct {
	// BaseURL is the API root as GITHUB_API_URL gives it:
	// "https://api.github.com" (the default), or a GitHub Enterprise or
	// emulator root such as "http://127.0.0.1:8080/api/v3".
	BaseURL     string
	Credentials Credentials
	// Transport is the HTTP transport underneath (default
	// http.DefaultTransport).
	Transport http.RoundTripper
	// UserAgent defaults to "releasebot".
	UserAgent string
	// RetryAttempts bounds tries after server errors (default 4);
	// RetryBaseDelay is the first backoff (default 250ms), doubled each time.
	RetryAttempts  int
	RetryBaseDelay time.Duration
	// MaxRateLimitWait is the longest wait for a rate limit's reset when the
	// context has no deadline (default 2 minutes).
	MaxRateLimitWait time.Duration
	// Timeout bounds each HTTP request (default 30 s).
	Timeout time.Duration
}

// Client is a go-github client whose transport retries transient failures
// and rate limits and counts the requests it sends.
type Client struct {
	*gh.Client
	meter *Meter
}

// Meter reports the requests sent and the rate limit GitHub last reported.
func (c *Client) Meter() *Meter { return c.meter }

// NewClient builds a go-github client for opts.BaseURL with a token or the
// App's installation credentials (through ghinstallation, with its BaseURL
// set so that installation tokens come from the same host). It fails when
// the base URL does not parse or the credentials are missing or unreadable;
// no request is made.
func NewClient(opts ClientOptions) (*Client, error) {
	base, err := apiBase(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	tr := opts.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	tr = &limitTransport{next: tr}
	meter := &Meter{}
	var rt http.RoundTripper = &retryTransport{
		next:      &countingTransport{next: newETagTransport(tr), meter: meter},
		attempts:  opts.RetryAttempts,
		baseDelay: opts.RetryBaseDelay,
		maxWait:   opts.MaxRateLimitWait,
	}
	cred := opts.Credentials
	switch {
	case cred.Token != "":
		rt = &tokenTransport{next: rt, token: cred.Token}
	case cred.AppID != 0:
		if cred.InstallationID == 0 {
			return nil, errors.New("the GitHub App's installation id is missing")
		}
		var itr *ghinstallation.Transport
		switch {
		case len(cred.PrivateKey) > 0:
			itr, err = ghinstallation.New(rt, cred.AppID, cred.InstallationID, cred.PrivateKey)
		case cred.PrivateKeyFile != "":
			itr, err = ghinstallation.NewKeyFromFile(rt, cred.AppID, cred.InstallationID, cred.PrivateKeyFile)
		default:
			return nil, errors.New("the GitHub App's private key is missing")
		}
		if err != nil {
			return nil, fmt.Errorf("could not load the GitHub App's private key: %w", err)
		}
		itr.BaseURL = strings.TrimSuffix(base.String(), "/")
		rt = itr
	default:
		return nil, errors.New("no GitHub credentials: set GITHUB_TOKEN, or the App's id, installation id and private key")
	}
	rt = &redirectGuard{next: rt}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	c := gh.NewClient(&http.Client{Transport: rt, Timeout: timeout})
	c.BaseURL = base
	if base.Host != "api.github.com" {
		up := *base
		up.Path = strings.TrimSuffix(strings.TrimSuffix(up.Path, "/"), "/api/v3") + "/api/uploads/"
		c.UploadURL = &up
	}
	c.UserAgent = opts.UserAgent
	if c.UserAgent == "" {
		c.UserAgent = "releasebot"
	}
	return &Client{Client: c, meter: meter}, nil
}

// FindInstallation returns the id of the App's installation on repo
// ("owner/name"), asking GitHub as the App itself (its JWT) with
// GET /repos/{owner}/{repo}/installation, for when only the App id and key
// are configured. opts.Credentials.InstallationID is ignored.
func FindInstallation(ctx context.Context, opts ClientOptions, repo string) (int64, error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" {
		return 0, fmt.Errorf("the repository %q is not in the form owner/name", repo)
	}
	base, err := apiBase(opts.BaseURL)
	if err != nil {
		return 0, err
	}
	cred := opts.Credentials
	key := cred.PrivateKey
	if len(key) == 0 && cred.PrivateKeyFile != "" {
		if key, err = os.ReadFile(cred.PrivateKeyFile); err != nil {
			return 0, fmt.Errorf("could not read the GitHub App's private key: %w", err)
		}
	}
	if cred.AppID == 0 || len(key) == 0 {
		return 0, errors.New("the GitHub App's id or private key is missing")
	}
	tr := opts.Transport
	if tr == nil {
		tr = http.DefaultTransport
	}
	tr = &limitTransport{next: tr}
	atr, err := ghinstallation.NewAppsTransport(&retryTransport{next: tr, attempts: opts.RetryAttempts, baseDelay: opts.RetryBaseDelay, maxWait: opts.MaxRateLimitWait}, cred.AppID, key)
	if err != nil {
		return 0, fmt.Errorf("could not load the GitHub App's private key: %w", err)
	}
	atr.BaseURL = strings.TrimSuffix(base.String(), "/")
	c := gh.NewClient(&http.Client{Transport: &redirectGuard{next: atr}, Timeout: 30 * time.Second})
	c.BaseURL = base
	inst, _, err := c.Apps.FindRepositoryInstallation(ctx, owner, name)
	if err != nil {
		if status(err) == http.StatusNotFound {
			return 0, fmt.Errorf("the GitHub App %d is not installed on %s", cred.AppID, repo)
		}
		return 0, failed(err, "could not find the GitHub App's installation on %s", repo)
	}
	return inst.GetID(), nil
}

// apiBase parses a GITHUB_API_URL-style root into go-github's base URL
// (with a trailing slash), keeping its path as given.
func apiBase(raw string) (*url.URL, error) {
	if raw == "" {
		raw = DefaultAPIURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("the GitHub API URL %q is not an http(s) URL such as %s", raw, DefaultAPIURL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("the GitHub API URL must not carry credentials; use a token")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	u.RawQuery, u.Fragment = "", ""
	return u, nil
}

// tokenTransport sends the token as GitHub documents it.
type tokenTransport struct {
	next  http.RoundTripper
	token string
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	if r.Header.Get("X-GitHub-Api-Version") == "" {
		r.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	}
	return t.next.RoundTrip(r)
}
