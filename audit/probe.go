package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/releasebot/releasebot/config"
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

// Secrets are the expanded header values and the variables in them.
func (e Endpoint) Secrets() []string {
	var out []string
	for _, t := range e.Headers {
		for _, v := range t.Vars() {
			out = append(out, e.getenv(v))
		}
		if s, err := t.Expand(e.getenv); err == nil && len(t.Vars()) > 0 {
			out = append(out, s)
			// "Bearer xyz": the part after the scheme is the secret too.
			if _, cred, ok := strings.Cut(s, " "); ok {
				out = append(out, cred)
			}
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

// get sends GET to the endpoint and reads up to limit bytes of the body.
// Errors: a plain error for bad configuration (URL, missing variable), a
// *TransportError for no answer, the context's error when it ended.
func (e Endpoint) get(ctx context.Context, accept string, limit int64) (answer, error) {
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
	client := e.Client
	if client == nil {
		client = &http.Client{}
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return answer{}, ctx.Err()
		}
		return answer{}, &TransportError{URL: e.Target(), Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if ctx.Err() != nil {
			return answer{}, ctx.Err()
		}
		return answer{}, &TransportError{URL: e.Target(), Err: fmt.Errorf("reading the answer: %w", err)}
	}
	if int64(len(body)) > limit {
		return answer{}, fmt.Errorf("%s answered with more than %d bytes", e.Target(), limit)
	}
	return answer{Code: resp.StatusCode, Status: statusText(resp.StatusCode), Header: resp.Header, Body: body}, nil
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

// snippet is the start of a body, on one line, for a reason.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}
