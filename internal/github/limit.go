package github

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/releasebot/releasebot/internal/limits"
)

// limitTransport bounds every response body to limit bytes: go-github
// decodes bodies itself, so the bound sits on the body it reads, and a body
// past it fails the call with a *limits.TooLargeError instead of being held
// in memory or decoded cut.
type limitTransport struct {
	next  http.RoundTripper
	limit int64 // 0 means limits.ResponseBody
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if resp != nil && resp.Body != nil && resp.Body != http.NoBody {
		limit := t.limit
		if limit <= 0 {
			limit = limits.ResponseBody
		}
		// The path names the call; the query is left out of errors.
		what := fmt.Sprintf("GitHub's answer to %s %s", req.Method, req.URL.EscapedPath())
		resp.Body = limits.Body(resp.Body, resp.ContentLength, limit, what)
	}
	return resp, err
}

// redirectGuard fails a redirect to another scheme, host or port than the
// request's, before http.Client follows it: the credential transports set
// the token on every request they send, so following would hand it to that
// host. It sits outside them and the retries, so the refusal is not retried
// and its error names only the path and the other host (http.Client's own
// redirect errors quote the whole Location, query and all).
type redirectGuard struct{ next http.RoundTripper }

func (t *redirectGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode < 300 || resp.StatusCode > 399 || resp.Header.Get("Location") == "" {
		return resp, err
	}
	to, perr := req.URL.Parse(resp.Header.Get("Location"))
	if perr == nil && strings.EqualFold(to.Scheme, req.URL.Scheme) && strings.EqualFold(to.Host, req.URL.Host) {
		return resp, nil
	}
	drain(resp)
	host := "an address that does not parse"
	if perr == nil {
		host = to.Host
	}
	return nil, fmt.Errorf("GitHub redirected %s %s to another host (%s); releasebot does not send its credentials there",
		req.Method, req.URL.EscapedPath(), host)
}
