package auditcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/releasebot/releasebot/audit"
)

// HealthCheck ("health") GETs an environment's health_url with its headers
// and passes on a 2xx answer whose body says ok: {"status":"ok"} or a plain
// "ok". "pass", "up" and "healthy" (IETF health-check and Spring Boot
// spellings) count as ok, "warn" and "degraded" as a warning.
type HealthCheck struct {
	Env    string // environment name, for reasons
	Source string // where health_url would be configured, for the skip reason
	Endpoint
}

func (HealthCheck) String() string { return "health" }

// Run probes the health URL.
func (c HealthCheck) Run(ctx context.Context) (audit.Result, error) {
	if c.URL == "" {
		return skipped(fmt.Sprintf("%s has no health_url in %s", c.Env, c.Source)), nil
	}
	ev := audit.Evidence{URL: c.Target(), Threshold: `2xx with status "ok"`}
	a, err := c.get(ctx, "health_url", "application/json, text/plain;q=0.9, */*;q=0.5", MaxHealthBytes)
	if err != nil {
		return audit.Result{Evidence: ev}, err
	}
	ev.Observed = a.Status
	if !a.ok() {
		return audit.Result{Status: audit.Fail, Reason: fmt.Sprintf("%s answered %s", ev.URL, a.Status), Evidence: ev}, nil
	}
	red := audit.RedactorFor(ctx, c.Secrets()...)
	status, err := parseHealthBody(a.Body, red)
	if err != nil {
		return audit.Result{Status: audit.Fail, Reason: fmt.Sprintf("%s answered %s with %v", ev.URL, a.Status, err), Evidence: ev}, nil
	}
	// The status is the service's text, any length: redacted, then cut.
	status = red.Cut(status, audit.SnippetRunes)
	ev.Observed = fmt.Sprintf("%s, status %q", a.Status, status)
	switch strings.ToLower(status) {
	case "ok", "pass", "up", "healthy":
		return audit.Result{Status: audit.Pass, Reason: fmt.Sprintf("%s answered %s, status %q", ev.URL, a.Status, status), Evidence: ev}, nil
	case "warn", "degraded":
		return audit.Result{Status: audit.Warn, Reason: fmt.Sprintf("%s answered %s but reports status %q", ev.URL, a.Status, status), Evidence: ev}, nil
	}
	return audit.Result{Status: audit.Fail, Reason: fmt.Sprintf("%s answered %s but reports status %q", ev.URL, a.Status, status), Evidence: ev}, nil
}

// ParseHealthBody reads the status of a health answer: the "status" member
// of a JSON object, or a plain-text body of one word. It fails on an empty
// body, a JSON object without a string status, or any other text.
func ParseHealthBody(body []byte) (string, error) { return parseHealthBody(body, nil) }

// parseHealthBody is ParseHealthBody quoting the body in errors redacted by
// red (nil for none) before it is cut.
func parseHealthBody(body []byte, red *audit.Redactor) (string, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return "", errors.New(`an empty body; expected {"status":"ok"} or ok`)
	}
	if b[0] == '{' {
		var v struct {
			Status *string `json:"status"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return "", fmt.Errorf("a body that is not valid JSON: %q", red.Snippet(b))
		}
		if v.Status == nil || strings.TrimSpace(*v.Status) == "" {
			return "", fmt.Errorf(`JSON without a "status": %q`, red.Snippet(b))
		}
		return strings.TrimSpace(*v.Status), nil
	}
	word := string(b)
	if len(word) > 32 || strings.IndexFunc(word, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' && r != '_' }) >= 0 {
		return "", fmt.Errorf(`a body that is neither {"status":"ok"} nor ok: %q`, red.Snippet(b))
	}
	return word, nil
}
