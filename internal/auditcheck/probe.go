package auditcheck

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/limits"

	"github.com/releasebot/releasebot/audit"
)

// Endpoint is an HTTP service a check probes: a URL and the headers the
// configuration gives it. Header values are templates expanded at each
// request; the expanded values are secrets, never put in results or errors.
type Endpoint struct {
	URL     string
	Headers map[string]config.Template
	// Getenv expands ${VAR} in Headers; nil means no variable is set.
	Getenv func(string) string
	// Client sends the request; nil means a client without a timeout of its
	// own (the Runner's context bounds it).
	Client *http.Client
}

// Target is the URL without credentials, for evidence.
func (e Endpoint) Target() string { return displayURL(e.URL) }

// Secrets are the expanded header values, the variables in them, the
// credential after an authorization scheme ("Bearer xyz": xyz), a Basic
// credential decoded ("user:password") and its password, and the password
// in the URL.
func (e Endpoint) Secrets() []string {
	var out []string
	for _, t := range e.Headers {
		for _, v := range t.Vars() {
			out = append(out, e.getenv(v))
		}
		if s, err := t.Expand(e.getenv); err == nil && len(t.Vars()) > 0 {
			out = append(out, s)
			// The credential follows the scheme after any run of white
			// space (a tab as well as spaces): "Bearer\t<token>".
			v := strings.TrimSpace(s)
			i := strings.IndexFunc(v, unicode.IsSpace)
			if i < 0 {
				continue
			}
			scheme, cred := v[:i], strings.TrimSpace(v[i:])
			out = append(out, cred)
			if !strings.EqualFold(scheme, "Basic") {
				continue
			}
			if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
				out = append(out, string(dec))
				if _, pw, ok := strings.Cut(string(dec), ":"); ok {
					out = append(out, pw)
				}
			}
		}
	}
	if u, err := url.Parse(e.URL); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			out = append(out, pw, u.User.String())
		}
	}
	return out
}

func (e Endpoint) getenv(name string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(name)
}

// answer is a service's HTTP answer, body read.
type answer struct {
	Code   int
	Status string // "503 Service Unavailable"
	Header http.Header
	Body   []byte
}

func (a answer) ok() bool { return a.Code >= 200 && a.Code <= 299 }

// Body limits of the probes. A health answer is a few bytes; a metrics
// scrape can be large, so it gets releasebot's limit for any response body.
const (
	MaxHealthBytes  int64 = 1 << 20
	MaxMetricsBytes       = limits.ResponseBody
)

// maxRedirects bounds the redirects a probe follows.
const maxRedirects = 5

// get sends GET to the endpoint and reads its body, up to limit bytes. key
// is the setting that holds the URL ("health_url"), for errors.
//
// Redirects: at most maxRedirects, never from https to http, and, when the
// endpoint has configured headers or URL credentials, never to another
// origin (scheme, host or port): following would send the headers to that
// host or pass the check on its answer instead.
//
// Errors: a plain error for bad configuration (URL, missing variable) or a
// refused redirect, a *limits.TooLargeError for a body over limit (read no
// further), a *TransportError for no answer, the context's error when it
// ended.
func (e Endpoint) get(ctx context.Context, key, accept string, limit int64) (answer, error) {
	u, err := url.Parse(e.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return answer{}, fmt.Errorf("%q is not an http(s) URL", e.Target())
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return answer{}, fmt.Errorf("could not build a request to %s: %w", e.Target(), err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	req.Header.Set("User-Agent", "releasebot-audit")
	names := make([]string, 0, len(e.Headers))
	for name := range e.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		v, err := e.Headers[name].Expand(e.getenv)
		if err != nil {
			// The error names the variable, never a value.
			return answer{}, fmt.Errorf("header %s for %s: %w", name, e.Target(), err)
		}
		req.Header.Set(name, v)
	}
	client := http.Client{}
	if e.Client != nil {
		client = *e.Client // a copy: the redirect policy is this endpoint's
	}
	red := audit.RedactorFor(ctx, e.Secrets()...)
	client.CheckRedirect = e.checkRedirect(key, red)
	resp, err := client.Do(req)
	if err != nil {
		var re *redirectError
		switch {
		case errors.As(err, &re):
			return answer{}, re
		case ctx.Err() != nil:
			return answer{}, ctx.Err()
		}
		return answer{}, &audit.TransportError{URL: e.Target(), Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	what := "the answer of " + e.Target()
	if resp.ContentLength > limit {
		return answer{}, &limits.TooLargeError{What: what, Size: resp.ContentLength, Limit: limit}
	}
	body, err := limits.ReadAll(resp.Body, limit, what)
	if err != nil {
		var tl *limits.TooLargeError
		switch {
		case errors.As(err, &tl):
			return answer{}, err
		case ctx.Err() != nil:
			return answer{}, ctx.Err()
		}
		return answer{}, &audit.TransportError{URL: e.Target(), Err: fmt.Errorf("reading the answer: %w", err)}
	}
	status := statusText(resp.StatusCode)
	if resp.Request != nil && origin(resp.Request.URL) != origin(u) {
		// A redirect to another host, followed as nothing configured goes
		// with it: the reason says whose answer it is.
		status += " from " + redirectTarget(resp.Request.URL, red)
	}
	return answer{Code: resp.StatusCode, Status: status, Header: resp.Header, Body: body}, nil
}

// redirectError is a redirect the probe refused to follow.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// checkRedirect is get's redirect policy (see get). Its errors name the
// redirect's target without credentials or query, redacted and cut.
func (e Endpoint) checkRedirect(key string, red *audit.Redactor) func(*http.Request, []*http.Request) error {
	first, _ := url.Parse(e.URL)
	credentialed := len(e.Headers) > 0 || first.User != nil
	return func(req *http.Request, via []*http.Request) error {
		prev := via[len(via)-1].URL
		target := redirectTarget(req.URL, red)
		switch {
		case len(via) > maxRedirects:
			return &redirectError{fmt.Sprintf("%s redirected more than %d times (last to %s); point %s at the final address",
				e.Target(), maxRedirects, target, key)}
		case (first.Scheme == "https" || prev.Scheme == "https") && req.URL.Scheme != "https":
			return &redirectError{fmt.Sprintf("%s redirected to %s, from https to http; releasebot does not follow a redirect that drops TLS; point %s at the final https address",
				e.Target(), target, key)}
		case credentialed && origin(req.URL) != origin(first):
			return &redirectError{fmt.Sprintf("%s redirected to %s; releasebot does not follow redirects to another host with configured headers; point %s at the final address",
				e.Target(), target, key)}
		}
		return nil
	}
}

// redirectTarget is where a redirect goes, for a reason: without
// credentials, query or fragment, redacted and cut.
func redirectTarget(u *url.URL, red *audit.Redactor) string {
	to := *u
	to.User, to.RawQuery, to.ForceQuery, to.Fragment, to.RawFragment = nil, "", false, "", ""
	return red.Cut(to.String(), limits.Echo)
}

// origin is a URL's scheme, host and port, the port spelled out, for
// telling hosts apart as browsers do.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Scheme) + "://" + net.JoinHostPort(strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), port)
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// unwrapURLError drops url.Error's "Get \"https://…\":" prefix: the URL is
// shown once, without credentials, by the caller.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// displayURL is rawURL without user information, for evidence and reasons.
func displayURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	u.User = nil
	return u.String()
}
