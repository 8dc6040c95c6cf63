// Package sentry is a small client of Sentry's REST API: releases, their
// commits and deploys, and the issues of a release. It is hand-written
// because Sentry ships no Go API client (sentry-go reports errors, it does not
// read them) and we need four endpoints.
package sentry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/releasebot/releasebot/internal/limits"
)

// DefaultURL is Sentry's SaaS address; self-hosted Sentry has its own.
const DefaultURL = "https://sentry.io"

// Defaults for the bounds on retrying a request answered 429.
const (
	DefaultMaxRetries = 3
	DefaultMaxWait    = 30 * time.Second
)

// Client calls Sentry's REST API with a bearer token. Build it with New;
// the token is never part of an error, a log line or the client's printed
// form.
type Client struct {
	base  *url.URL
	token string

	// HTTPClient sends the requests; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// MaxRetries bounds the retries of a request answered 429 Too Many
	// Requests; 0 means DefaultMaxRetries, a negative value none.
	MaxRetries int
	// MaxWait is the longest single wait for Retry-After; a longer one is not
	// waited for and the 429 is returned. 0 means DefaultMaxWait.
	MaxWait time.Duration
	// Sleep waits between retries; nil means a timer that honours ctx.
	Sleep func(ctx context.Context, d time.Duration) error
}

// New returns a client of the Sentry at baseURL (empty means DefaultURL)
// authenticating with token. It fails when baseURL is not an absolute http(s)
// URL.
func New(baseURL, token string) (*Client, error) {
	if baseURL == "" {
		baseURL = DefaultURL
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sentry URL %q is not an absolute http(s) URL", baseURL)
	}
	u.User = nil
	u.RawQuery, u.Fragment = "", ""
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return &Client{base: u, token: token}, nil
}

// BaseURL returns the Sentry address the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// String names the client without its token.
func (c *Client) String() string { return "sentry client for " + c.base.String() }

// GoString keeps %#v from printing the token.
func (c *Client) GoString() string { return c.String() }

// APIError is an answer of Sentry with an error status. Detail is Sentry's
// {"detail": "..."} message, or a short form of the body when it has none.
type APIError struct {
	Method     string
	Path       string
	StatusCode int
	Status     string // "401 Unauthorized"
	Detail     string
	RetryAfter time.Duration // for 429, when Sentry said
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("sentry answered %s to %s %s", e.Status, e.Method, e.Path)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// TransportError is a request that got no answer from Sentry at all.
type TransportError struct {
	Method, Path string
	Err          error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("could not reach sentry for %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// ID is a Sentry object id. Sentry writes ids as strings in some objects and
// as numbers in others; ID accepts both.
type ID string

// UnmarshalJSON accepts a JSON string or number.
func (id *ID) UnmarshalJSON(b []byte) error {
	s, err := stringOrNumber(b)
	*id = ID(s)
	return err
}

// Count is a number Sentry may write as a string ("count": "12").
type Count int64

// UnmarshalJSON accepts a JSON string or number.
func (n *Count) UnmarshalJSON(b []byte) error {
	s, err := stringOrNumber(b)
	if err != nil || s == "" {
		return err
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("count %q is not an integer", s)
	}
	*n = Count(v)
	return nil
}

func stringOrNumber(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return "", nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return "", err
	}
	return n.String(), nil
}

// request sends one API call, retrying on 429, and decodes a 2xx JSON
// answer into out (when not nil). It returns the answer's header.
func (c *Client) request(ctx context.Context, method, path string, query url.Values, in, out any) (http.Header, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("could not encode the request to %s: %w", path, err)
		}
	}
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = query.Encode()
	return c.send(ctx, method, u.String(), path, body, out)
}

// send is request with an absolute URL (for pagination links).
func (c *Client) send(ctx context.Context, method, rawURL, path string, body []byte, out any) (http.Header, error) {
	maxRetries := c.MaxRetries
	if maxRetries == 0 {
		maxRetries = DefaultMaxRetries
	}
	for attempt := 0; ; attempt++ {
		h, err := c.once(ctx, method, rawURL, path, body, out)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || attempt >= maxRetries {
			return h, err
		}
		wait := apiErr.RetryAfter
		if wait <= 0 {
			wait = time.Duration(1<<attempt) * time.Second
		}
		maxWait := c.MaxWait
		if maxWait == 0 {
			maxWait = DefaultMaxWait
		}
		if wait > maxWait {
			return h, err
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return h, err
		}
	}
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

func (c *Client) once(ctx context.Context, method, rawURL, path string, body []byte, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, fmt.Errorf("could not build the request %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := *c.httpClient() // a copy: the redirect rule is this client's
	hc.CheckRedirect = sameHost
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, ctx.Err())
		}
		var re *redirectError
		if errors.As(err, &re) {
			return nil, re // an answer, refused: not worth a retry
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is in Path already
		}
		return nil, &TransportError{Method: method, Path: path, Err: err}
	}
	defer resp.Body.Close()
	what := fmt.Sprintf("sentry's answer to %s %s", method, path)
	if resp.ContentLength > limits.ResponseBody {
		return resp.Header, &limits.TooLargeError{What: what, Size: resp.ContentLength, Limit: limits.ResponseBody}
	}
	data, err := limits.ReadAll(resp.Body, limits.ResponseBody, what)
	if err != nil {
		var tl *limits.TooLargeError
		if errors.As(err, &tl) {
			return resp.Header, err
		}
		if ctx.Err() != nil {
			return resp.Header, fmt.Errorf("%s %s: %w", method, path, ctx.Err())
		}
		return resp.Header, &TransportError{Method: method, Path: path, Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Header, &APIError{
			Method:     method,
			Path:       path,
			StatusCode: resp.StatusCode,
			Status:     statusText(resp),
			Detail:     detail(c.redact(data)),
			RetryAfter: retryAfter(resp.Header, time.Now()),
		}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.Header, fmt.Errorf("sentry answered %s %s with a body that is not the expected JSON: %w", method, path, err)
		}
	}
	return resp.Header, nil
}

// redact removes the token from a body before detail quotes and cuts it:
// a proxy or a misconfigured server may echo the request's headers.
func (c *Client) redact(body []byte) []byte {
	if c.token == "" {
		return body
	}
	escaped, _ := json.Marshal(c.token)
	for _, form := range [][]byte{[]byte(c.token), bytes.Trim(escaped, `"`)} {
		body = bytes.ReplaceAll(body, form, []byte("[redacted]"))
	}
	return body
}

// sameHost refuses a redirect to another scheme, host or port: the token is
// for Sentry alone (http.Client keeps Authorization across ports).
func sameHost(req *http.Request, via []*http.Request) error {
	from := via[0].URL
	if !strings.EqualFold(req.URL.Scheme, from.Scheme) || !strings.EqualFold(req.URL.Host, from.Host) {
		return &redirectError{fmt.Sprintf("sentry redirected %s %s to another host (%s); releasebot does not send its token there; set SENTRY_URL to the final address",
			via[0].Method, from.EscapedPath(), req.URL.Host)}
	}
	if len(via) >= 10 {
		return errors.New("sentry redirected more than 10 times")
	}
	return nil
}

// redirectError is a redirect the client refused to follow.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

func statusText(resp *http.Response) string {
	if t := http.StatusText(resp.StatusCode); t != "" {
		return fmt.Sprintf("%d %s", resp.StatusCode, t)
	}
	return strconv.Itoa(resp.StatusCode)
}

// detail extracts Sentry's error message: {"detail": "..."}, field errors
// ({"refs": ["Invalid repository names: acme/web"]} becomes "refs: Invalid
// repository names: acme/web"), or the start of the body.
func detail(body []byte) string {
	var d struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &d) == nil && len(d.Detail) > 0 {
		var s string
		if json.Unmarshal(d.Detail, &s) == nil {
			return s
		}
		var o struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(d.Detail, &o) == nil && o.Message != "" {
			return o.Message
		}
		return compact(d.Detail)
	}
	var fields map[string][]string
	if json.Unmarshal(body, &fields) == nil && len(fields) > 0 {
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		sort.Strings(names)
		parts := make([]string, 0, len(names))
		for _, name := range names {
			parts = append(parts, name+": "+strings.Join(fields[name], " "))
		}
		return compact([]byte(strings.Join(parts, "; ")))
	}
	return compact(body)
}

func compact(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) == nil {
		b = buf.Bytes()
	}
	s := strings.Join(strings.Fields(string(b)), " ")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

// retryAfter reads Retry-After (seconds or an HTTP date), then Sentry's
// X-Sentry-Rate-Limit-Reset (a Unix time).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return time.Duration(s * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if v := strings.TrimSpace(h.Get("X-Sentry-Rate-Limit-Reset")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil {
			return max(time.Unix(0, int64(s*1e9)).Sub(now), 0)
		}
	}
	return 0
}

func orgPath(org string, parts ...string) string {
	p := "/api/0/organizations/" + url.PathEscape(org) + "/"
	for _, s := range parts {
		p += url.PathEscape(s) + "/"
	}
	return p
}
