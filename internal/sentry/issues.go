package sentry

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// IssueQuery selects issues of an organization.
type IssueQuery struct {
	// Project is a project slug or numeric id; empty means every project the
	// token can see.
	Project string
	// Environment limits the issues to events from one environment.
	Environment string
	// Query is Sentry's search, e.g. `release:"v1.2.3" is:unresolved`.
	Query string
	// Limit stops after that many issues; 0 means all of them, up to
	// MaxIssuePages pages.
	Limit int
}

// MaxIssuePages bounds how many pages ListIssues reads.
const MaxIssuePages = 50

// PageSize is the number of issues asked for per page (Sentry's maximum).
const PageSize = 100

// Issue is Sentry's issue (group) object, the fields we use.
type Issue struct {
	ID        ID        `json:"id"`
	ShortID   string    `json:"shortId"`
	Title     string    `json:"title"`
	Culprit   string    `json:"culprit"`
	Permalink string    `json:"permalink"`
	Level     string    `json:"level"`
	Status    string    `json:"status"`
	Count     Count     `json:"count"`
	UserCount Count     `json:"userCount"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
	Project   Project   `json:"project"`
}

// ReleaseQuery is the search for the unresolved issues of a release.
func ReleaseQuery(release string) string {
	return `release:"` + strings.ReplaceAll(release, `"`, `\"`) + `" is:unresolved`
}

// ListIssues lists the issues matching q (GET
// /api/0/organizations/{org}/issues/), following the Link header's next
// cursor while Sentry says it has results. Errors are *APIError (401 for a
// bad token, 404 for an unknown organization) or *TransportError.
func (c *Client) ListIssues(ctx context.Context, org string, q IssueQuery) ([]Issue, error) {
	v := url.Values{}
	if q.Project != "" {
		// Sentry's "project" takes ids only; slugs go in "projectSlug".
		if _, err := strconv.ParseUint(q.Project, 10, 64); err == nil {
			v.Set("project", q.Project)
		} else {
			v.Set("projectSlug", q.Project)
		}
	}
	if q.Environment != "" {
		v.Set("environment", q.Environment)
	}
	if q.Query != "" {
		v.Set("query", q.Query)
	}
	v.Set("limit", strconv.Itoa(PageSize))
	path := orgPath(org, "issues")
	var all []Issue
	for page := 0; ; page++ {
		var batch []Issue
		h, err := c.request(ctx, "GET", path, v, nil, &batch)
		if err != nil {
			return all, err
		}
		all = append(all, batch...)
		if q.Limit > 0 && len(all) >= q.Limit {
			return all[:q.Limit], nil
		}
		next, ok := NextLink(h.Get("Link"))
		if !ok || next.Cursor == "" || len(batch) == 0 {
			return all, nil
		}
		if page+1 >= MaxIssuePages {
			return all, fmt.Errorf("sentry has more than %d pages of issues for %s; narrow the query", MaxIssuePages, org)
		}
		// The cursor is re-sent to our own base URL rather than following
		// the link's address, so the token never goes to another host.
		v.Set("cursor", next.Cursor)
	}
}
