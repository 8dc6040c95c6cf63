package sentry

import (
	"context"
	"net/url"
	"time"
)

// NewRelease is the body of "create a release".
type NewRelease struct {
	Version      string     `json:"version"`
	Projects     []string   `json:"projects"` // project slugs
	Ref          string     `json:"ref,omitempty"`
	URL          string     `json:"url,omitempty"`
	DateReleased *time.Time `json:"dateReleased,omitempty"`
	Refs         []Ref      `json:"refs,omitempty"`
	Commits      []Commit   `json:"commits,omitempty"`
}

// Ref ties a release to a commit of a repository Sentry knows; Sentry fills
// in the commits between PreviousCommit and Commit itself.
type Ref struct {
	Repository     string `json:"repository"` // "owner/name"
	Commit         string `json:"commit"`
	PreviousCommit string `json:"previousCommit,omitempty"`
}

// Commit is one commit given to Sentry explicitly.
type Commit struct {
	ID          string     `json:"id"`
	Repository  string     `json:"repository,omitempty"`
	Message     string     `json:"message,omitempty"`
	AuthorName  string     `json:"author_name,omitempty"`
	AuthorEmail string     `json:"author_email,omitempty"`
	Timestamp   *time.Time `json:"timestamp,omitempty"`
}

// Release is Sentry's release object (the fields we use).
type Release struct {
	Version      string     `json:"version"`
	ShortVersion string     `json:"shortVersion"`
	Ref          string     `json:"ref"`
	URL          string     `json:"url"`
	DateCreated  time.Time  `json:"dateCreated"`
	DateReleased *time.Time `json:"dateReleased"`
	CommitCount  int        `json:"commitCount"`
	NewGroups    int        `json:"newGroups"`
	Projects     []Project  `json:"projects"`
}

// Project is a Sentry project as other objects embed it.
type Project struct {
	ID   ID     `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Commits is the body of "update a release" that sets its commits: either
// refs (Sentry resolves the range) or explicit commits.
type Commits struct {
	Refs    []Ref    `json:"refs,omitempty"`
	Commits []Commit `json:"commits,omitempty"`
}

// NewDeploy is the body of "create a deploy".
type NewDeploy struct {
	Environment  string     `json:"environment"`
	Name         string     `json:"name,omitempty"`
	URL          string     `json:"url,omitempty"`
	DateStarted  *time.Time `json:"dateStarted,omitempty"`
	DateFinished *time.Time `json:"dateFinished,omitempty"`
	Projects     []string   `json:"projects,omitempty"`
}

// Deploy is Sentry's deploy object.
type Deploy struct {
	ID           ID         `json:"id"`
	Environment  string     `json:"environment"`
	Name         string     `json:"name"`
	URL          string     `json:"url"`
	DateStarted  *time.Time `json:"dateStarted"`
	DateFinished time.Time  `json:"dateFinished"`
}

// CreateRelease creates a release in org (POST
// /api/0/organizations/{org}/releases/). A release that already exists is
// returned (Sentry answers 208, or 201 when the call adds projects to it), so
// the call is safe to repeat. Refs must name repositories connected to Sentry
// (an *APIError 400 "refs: Invalid repository names: …" otherwise). Errors
// are *APIError for an error status and *TransportError for no answer.
func (c *Client) CreateRelease(ctx context.Context, org string, r NewRelease) (*Release, error) {
	var out Release
	if _, err := c.request(ctx, "POST", orgPath(org, "releases"), nil, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SetCommits sets the commits of an existing release (PUT
// /api/0/organizations/{org}/releases/{version}/). An unknown release is an
// *APIError with status 404; refs naming a repository that is not connected
// to Sentry, an *APIError with status 400.
func (c *Client) SetCommits(ctx context.Context, org, version string, commits Commits) (*Release, error) {
	var out Release
	if _, err := c.request(ctx, "PUT", orgPath(org, "releases", version), nil, commits, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateDeploy records a deploy of release version to an environment (POST
// /api/0/organizations/{org}/releases/{version}/deploys/).
func (c *Client) CreateDeploy(ctx context.Context, org, version string, d NewDeploy) (*Deploy, error) {
	var out Deploy
	if _, err := c.request(ctx, "POST", orgPath(org, "releases", version, "deploys"), nil, d, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListDeploys lists the deploys of release version (GET
// /api/0/organizations/{org}/releases/{version}/deploys/). An unknown
// release is an *APIError with status 404.
func (c *Client) ListDeploys(ctx context.Context, org, version string) ([]Deploy, error) {
	var out []Deploy
	if _, err := c.request(ctx, "GET", orgPath(org, "releases", version, "deploys"), nil, nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetProject reads a project of org (GET /api/0/projects/{org}/{project}/);
// project is a slug or an id. A project that does not exist is an *APIError
// with status 404; a token without project:read gets 403.
func (c *Client) GetProject(ctx context.Context, org, project string) (*Project, error) {
	var out Project
	path := "/api/0/projects/" + url.PathEscape(org) + "/" + url.PathEscape(project) + "/"
	if _, err := c.request(ctx, "GET", path, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
