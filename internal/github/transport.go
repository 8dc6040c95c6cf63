package github

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Counter counts the requests sent to GitHub on behalf of one command.
type Counter struct{ n atomic.Int64 }

// Load is the number of requests counted so far.
func (c *Counter) Load() int64 { return c.n.Load() }

type counterKey struct{}

// WithCounter returns a context whose GitHub requests (retries and token
// refreshes included) are counted in the returned Counter.
func WithCounter(ctx context.Context) (context.Context, *Counter) {
	c := &Counter{}
	return context.WithValue(ctx, counterKey{}, c), c
}

// Meter counts every request a Client sends and remembers the rate limit
// the latest response reported, for tests and metrics.
type Meter struct {
	calls     atomic.Int64
	notMod    atomic.Int64
	mu        sync.Mutex
	remaining int
	limit     int
	reset     time.Time
}

// Calls is the number of requests sent, retries included.
func (m *Meter) Calls() int64 { return m.calls.Load() }

// Revalidated is how many of those GitHub answered 304 Not Modified (free
// of the rate limit) and were served from the remembered answer.
func (m *Meter) Revalidated() int64 { return m.notMod.Load() }

// RateLimit is the core rate limit as the latest response reported it;
// limit is 0 before the first response.
func (m *Meter) RateLimit() (remaining, limit int, reset time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.remaining, m.limit, m.reset
}

// countingTransport counts requests on the wire and reads the rate-limit
// headers of every response.
type countingTransport struct {
	next  http.RoundTripper
	meter *Meter
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.meter.calls.Add(1)
	if c, ok := req.Context().Value(counterKey{}).(*Counter); ok {
		c.n.Add(1)
	}
	resp, err := t.next.RoundTrip(req)
	if resp != nil && resp.Header.Get(revalidatedHeader) != "" {
		t.meter.notMod.Add(1)
	}
	if resp != nil {
		if lim, err := strconv.Atoi(resp.Header.Get("X-RateLimit-Limit")); err == nil {
			rem, _ := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining"))
			reset, _ := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
			t.meter.mu.Lock()
			t.meter.limit, t.meter.remaining, t.meter.reset = lim, rem, time.Unix(reset, 0)
			t.meter.mu.Unlock()
		}
	}
	return resp, err
}

// resetMargin is waited beyond a rate limit's reset, which GitHub gives in
// whole seconds.
const resetMargin = 250 * time.Millisecond

// RateLimitError is a rate limit whose reset comes after the command's
// deadline (or further away than the client waits), so the request failed at
// once instead of waiting.
type RateLimitError struct {
	Reset     time.Time
	Secondary bool
	Deadline  bool // the reset is after the context's deadline
}

func (e *RateLimitError) Error() string {
	kind := "GitHub rate limit"
	if e.Secondary {
		kind = "GitHub secondary rate limit"
	}
	if e.Deadline {
		return fmt.Sprintf("%s: resets at %s, after this command's deadline", kind, e.Reset.Local().Format("15:04:05"))
	}
	return fmt.Sprintf("%s: resets at %s, too far away to wait", kind, e.Reset.Local().Format("15:04:05"))
}

// retryTransport retries what GitHub asks to be retried: rate limits (any
// method: the request was not served) until the reset or Retry-After, and
// server errors and network failures with exponential backoff for requests
// that are safe to repeat. It never waits past the request context's
// deadline: when the wait would end after it, it fails at once with a
// *RateLimitError, or returns the last failure.
//
// It also gates requests itself once a successful response reports the quota
// spent (X-RateLimit-Remaining: 0): later requests wait for the reset under
// the same rules. go-github would otherwise refuse them before they reach
// this transport, without waiting, so such responses reach go-github without
// their X-RateLimit-Reset header.
type retryTransport struct {
	next      http.RoundTripper
	attempts  int           // total tries for server errors (default 4)
	baseDelay time.Duration // first backoff (default 250ms), doubled each time
	maxWait   time.Duration // longest rate-limit wait without a deadline (default 2m)
	now       func() time.Time

	mu      sync.Mutex
	spentTo time.Time // the quota is spent until then
}

// wait sleeps d, or fails with rate (marked as past the deadline) when the
// wait would outlast ctx's deadline or maxWait.
func (t *retryTransport) wait(ctx context.Context, d time.Duration, rate *RateLimitError, now func() time.Time) error {
	if dl, ok := ctx.Deadline(); ok && now().Add(d).After(dl) && rate != nil {
		rate.Deadline = true
		return rate
	}
	if rate != nil && d > t.maxWaitOrDefault() {
		return rate
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	attempts := t.attempts
	if attempts <= 0 {
		attempts = 4
	}
	base := t.baseDelay
	if base <= 0 {
		base = 250 * time.Millisecond
	}
	now := t.now
	if now == nil {
		now = time.Now
	}
	t.mu.Lock()
	spentTo := t.spentTo
	t.mu.Unlock()
	if d := spentTo.Sub(now()); d > 0 {
		if err := t.wait(ctx, d, &RateLimitError{Reset: spentTo.Add(-resetMargin)}, now); err != nil {
			return nil, err
		}
	}
	failures := 0
	for try := 0; ; try++ {
		r := req
		if try > 0 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		resp, err := t.next.RoundTrip(r)
		if err == nil && resp.StatusCode < 400 && resp.Header.Get("X-RateLimit-Remaining") == "0" {
			if reset, perr := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); perr == nil {
				t.mu.Lock()
				t.spentTo = time.Unix(reset, 0).Add(resetMargin)
				t.mu.Unlock()
				resp.Header.Del("X-RateLimit-Reset")
			}
		}
		wait, rate, retry := t.classify(r, resp, err, failures, base, now)
		if !retry || req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
			return resp, err
		}
		if rate == nil {
			failures++
			if failures >= attempts {
				return resp, err
			}
			if dl, ok := ctx.Deadline(); ok && now().Add(wait).After(dl) {
				return resp, err // no time for another try: the failure as it is
			}
		} else {
			// Requests running alongside wait for the same reset.
			t.mu.Lock()
			if until := now().Add(wait); until.After(t.spentTo) {
				t.spentTo = until
			}
			t.mu.Unlock()
		}
		drain(resp)
		if err := t.wait(ctx, wait, rate, now); err != nil {
			return nil, err
		}
	}
}

func (t *retryTransport) maxWaitOrDefault() time.Duration {
	if t.maxWait > 0 {
		return t.maxWait
	}
	return 2 * time.Minute
}

func drain(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
}

// classify says whether and how long to wait before trying again. rate is
// set for rate limits, which do not count as failures.
func (t *retryTransport) classify(req *http.Request, resp *http.Response, err error, failures int, base time.Duration, now func() time.Time) (wait time.Duration, rate *RateLimitError, retry bool) {
	backoff := func() time.Duration {
		d := base << failures
		if d > 8*time.Second {
			d = 8 * time.Second
		}
		return d/2 + time.Duration(rand.Int64N(int64(d/2)+1)) // jitter in [d/2, d]
	}
	if err != nil {
		if req.Context().Err() != nil || !replayable(req) {
			return 0, nil, false
		}
		return backoff(), nil, true
	}
	switch resp.StatusCode {
	case http.StatusForbidden, http.StatusTooManyRequests:
		h := resp.Header
		if ra := h.Get("Retry-After"); ra != "" {
			secs, _ := strconv.Atoi(ra)
			d := time.Duration(secs) * time.Second
			return d, &RateLimitError{Reset: now().Add(d), Secondary: true}, true
		}
		if h.Get("X-RateLimit-Remaining") == "0" {
			if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil && reset > 0 {
				at := time.Unix(reset, 0)
				d := max(at.Sub(now()), 0) + resetMargin
				return d, &RateLimitError{Reset: at}, true
			}
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			return backoff(), nil, true
		}
		if secondaryLimited(resp) {
			// GitHub asks for at least a minute when it gives no time.
			return time.Minute, &RateLimitError{Reset: now().Add(time.Minute), Secondary: true}, true
		}
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if !replayable(req) {
			return 0, nil, false
		}
		if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			return time.Duration(ra) * time.Second, nil, true
		}
		return backoff(), nil, true
	}
	return 0, nil, false
}

// secondaryLimited peeks at a 403 body for the secondary rate limit message,
// leaving the body readable.
func secondaryLimited(resp *http.Response) bool {
	if resp.Body == nil {
		return false
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	return strings.Contains(string(b), "secondary rate limit")
}

// replayable tells whether repeating the request after an ambiguous failure
// (a 5xx or a broken connection) is safe: reads, idempotent writes, and the
// Git Data API's content-addressed creations. Creating comments, issues,
// pull requests or releases twice is not, so those are not retried.
func replayable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodPatch:
		return true
	case http.MethodPost:
		return replayablePost.MatchString(req.URL.Path)
	}
	return false
}

// replayablePost are the POSTs safe to repeat, matched on the whole end of
// the path so that a repository named "git/commits" or "git/trees" is not
// taken for the Git Data API: creating a blob, tree or commit (content
// addressed; a second copy is unreachable), a reaction (GitHub answers the
// existing one) and an installation token.
var replayablePost = regexp.MustCompile(`/repos/[^/]+/[^/]+/git/(blobs|trees|commits)$|/(issues|pulls)/comments/[0-9]+/reactions$|/issues/[0-9]+/reactions$|/comments/[0-9]+/reactions$|/app/installations/[0-9]+/access_tokens$`)
