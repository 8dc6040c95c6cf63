package auditcheck

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/sentry"

	"github.com/releasebot/releasebot/audit"
)

// IssueLister lists Sentry issues; *sentry.Client is one.
type IssueLister interface {
	ListIssues(ctx context.Context, org string, q sentry.IssueQuery) ([]sentry.Issue, error)
}

// ProjectGetter is implemented by listers that can also confirm a project
// exists (*sentry.Client does). The check uses it so that a mistyped project
// cannot pass as "no issues".
type ProjectGetter interface {
	GetProject(ctx context.Context, org, project string) (*sentry.Project, error)
}

// SentryCheck ("sentry") counts the unresolved issues of a release in
// Sentry and fails when there are more than Max.
type SentryCheck struct {
	// Issues reads Sentry; nil skips the check with Unconfigured as reason.
	Issues       IssueLister
	Unconfigured string
	Org, Project string
	// Environment is the Sentry environment; empty does not filter (the
	// release name already names the stage).
	Environment string
	// Release is the Sentry release name: the tag and the environment's
	// release_suffix ("v1.2.3+stage"). Empty skips with ReleaseMissing.
	Release        string
	ReleaseMissing string
	Max            int
	// WebURL is Sentry's address for the evidence link; empty means
	// sentry.DefaultURL.
	WebURL string
}

func (SentryCheck) String() string { return "sentry" }

// maxListed bounds the issues read: enough to count past any sensible Max.
const maxListed = 500

// Run lists the release's unresolved issues.
func (c SentryCheck) Run(ctx context.Context) (audit.Result, error) {
	switch {
	case c.Issues == nil:
		return skipped(cmp.Or(c.Unconfigured, "Sentry is not configured (SENTRY_AUTH_TOKEN)")), nil
	case c.Org == "" || c.Project == "":
		return skipped("no sentry.org and sentry.project in the configuration (or SENTRY_ORG and SENTRY_PROJECT)"), nil
	case c.Release == "":
		return skipped(cmp.Or(c.ReleaseMissing, "no release version to look up in Sentry")), nil
	}
	query := sentry.ReleaseQuery(c.Release)
	ev := audit.Evidence{URL: c.webLink(query), Threshold: fmt.Sprintf("≤ %d unresolved", c.Max)}
	// An unknown project may list as no issues at all: make sure it exists.
	note := ""
	if pg, ok := c.Issues.(ProjectGetter); ok {
		_, err := pg.GetProject(ctx, c.Org, c.Project)
		var ae *sentry.APIError
		switch {
		case err == nil:
		case errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound:
			return audit.Result{Status: audit.Fail, Evidence: ev,
				Reason: fmt.Sprintf("Sentry has no project %q in organization %q; check sentry.project and sentry.org (or SENTRY_PROJECT, SENTRY_ORG)", c.Project, c.Org)}, nil
		case errors.As(err, &ae) && ae.StatusCode == http.StatusForbidden:
			note = fmt.Sprintf("; could not confirm that project %q exists (the token lacks project:read)", c.Project)
		default:
			if ctx.Err() != nil {
				return audit.Result{Evidence: ev}, ctx.Err()
			}
			var te *sentry.TransportError
			if errors.As(err, &te) {
				return audit.Result{Evidence: ev}, &audit.TransportError{URL: c.apiHost(), Err: te.Err}
			}
			return audit.Result{Evidence: ev}, fmt.Errorf("could not read the Sentry project %s: %w", c.Project, err)
		}
	}
	issues, err := c.Issues.ListIssues(ctx, c.Org, sentry.IssueQuery{
		Project: c.Project, Environment: c.Environment, Query: query, Limit: max(c.Max+1, maxListed),
	})
	if err != nil {
		if ctx.Err() != nil {
			return audit.Result{Evidence: ev}, ctx.Err()
		}
		var te *sentry.TransportError
		if errors.As(err, &te) {
			return audit.Result{Evidence: ev}, &audit.TransportError{URL: c.apiHost(), Err: te.Err}
		}
		return audit.Result{Evidence: ev}, fmt.Errorf("could not list the issues of %s: %w", c.Release, err)
	}
	n := len(issues)
	count := fmt.Sprint(n)
	if n >= maxListed {
		count = fmt.Sprintf("%d or more", n)
	}
	ev.Observed = count + " unresolved"
	where := c.Release
	if c.Environment != "" {
		where += " (" + c.Environment + ")"
	}
	if n <= c.Max {
		reason := fmt.Sprintf("no unresolved issues in release %s", where)
		if n > 0 {
			reason = fmt.Sprintf("%s unresolved issues in release %s, at most %d allowed", count, where, c.Max)
		}
		if note != "" {
			return audit.Result{Status: audit.Warn, Reason: reason + note, Evidence: ev}, nil
		}
		return audit.Result{Status: audit.Pass, Reason: reason, Evidence: ev}, nil
	}
	var names []string
	for _, is := range issues[:min(3, n)] {
		names = append(names, strings.TrimSpace(is.ShortID+" "+is.Title))
	}
	if n > 3 {
		names = append(names, "…")
	}
	noun := "issues"
	if n == 1 {
		noun = "issue"
	}
	return audit.Result{
		Status:   audit.Fail,
		Reason:   fmt.Sprintf("%s unresolved %s in release %s, more than %d allowed: %s", count, noun, where, c.Max, strings.Join(names, ", ")),
		Evidence: ev,
	}, nil
}

// webLink is the issue search in Sentry's UI.
func (c SentryCheck) webLink(query string) string {
	base := strings.TrimSuffix(cmp.Or(c.WebURL, sentry.DefaultURL), "/")
	v := url.Values{"query": {query}}
	if c.Environment != "" {
		v.Set("environment", c.Environment)
	}
	return base + "/organizations/" + url.PathEscape(c.Org) + "/issues/?" + v.Encode()
}

// Target is the Sentry being asked, for a timeout's reason.
func (c SentryCheck) Target() string { return c.apiHost() }

func (c SentryCheck) apiHost() string {
	return displayURL(cmp.Or(c.WebURL, sentry.DefaultURL))
}

// SentryFromEnv builds the Sentry side of the checks from the environment:
// SENTRY_AUTH_TOKEN (required), SENTRY_URL (default https://sentry.io),
// SENTRY_ORG and SENTRY_PROJECT (override the configuration's sentry). When
// Sentry cannot be used, lister is nil and missing says why. The token is
// returned as a secret for the Runner to redact.
func SentryFromEnv(getenv func(string) string, cfg *config.Config, hc *http.Client) (s SentryTarget) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	s.Org, s.Project = cfg.Sentry.Org, cfg.Sentry.Project
	if v := getenv("SENTRY_ORG"); v != "" {
		s.Org = v
	}
	if v := getenv("SENTRY_PROJECT"); v != "" {
		s.Project = v
	}
	s.URL = cmp.Or(getenv("SENTRY_URL"), sentry.DefaultURL)
	token := getenv("SENTRY_AUTH_TOKEN")
	switch {
	case s.Org == "" || s.Project == "":
		s.Missing = fmt.Sprintf("no sentry.org and sentry.project in %s (or SENTRY_ORG and SENTRY_PROJECT)", cfg.Source)
		return s
	case token == "":
		s.Missing = "SENTRY_AUTH_TOKEN is not set"
		return s
	}
	client, err := sentry.New(s.URL, token)
	if err != nil {
		s.Missing = "SENTRY_URL: " + err.Error()
		return s
	}
	client.HTTPClient = hc
	s.Issues, s.Token = client, token
	return s
}

// SentryTarget is where the sentry check and gate look: a client, or why
// there is none.
type SentryTarget struct {
	Issues       IssueLister // nil when Missing is set
	Missing      string
	Org, Project string
	URL          string
	Token        string // to redact
}
