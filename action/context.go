package action

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Context is the job's GITHUB_* context.
type Context struct {
	EventName   string // GITHUB_EVENT_NAME: push, issue_comment, …
	EventPath   string // GITHUB_EVENT_PATH: the webhook payload as a file
	Repository  string // GITHUB_REPOSITORY: owner/name
	Owner, Repo string // Repository split
	SHA         string // GITHUB_SHA
	Ref         string // GITHUB_REF: refs/heads/main, refs/tags/v1.2.3, …
	RefName     string // GITHUB_REF_NAME, or Ref without refs/heads/ or refs/tags/
	Workspace   string // GITHUB_WORKSPACE: the checkout
	APIURL      string // GITHUB_API_URL, without a trailing slash
	ServerURL   string // GITHUB_SERVER_URL, without a trailing slash
	Actor       string // GITHUB_ACTOR, may be empty
	RunID       string // GITHUB_RUN_ID, may be empty
	Output      string // GITHUB_OUTPUT, may be empty (SetOutput then fails)
	StepSummary string // GITHUB_STEP_SUMMARY, may be empty (AppendSummary then fails)
}

var (
	repoName = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	sha      = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)
)

// Context reads the job's context. Every variable the runner always sets and
// releasebot needs is required: GITHUB_ACTIONS (which must be "true"),
// GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_SHA,
// GITHUB_REF, GITHUB_WORKSPACE, GITHUB_API_URL and GITHUB_SERVER_URL. The
// API URL has no default: on GitHub Enterprise Server, falling back to
// api.github.com would send the token to another host.
//
// A missing or malformed variable is a failure.BadInput naming it.
func (r *Runtime) Context() (Context, error) {
	if v := r.getenv("GITHUB_ACTIONS"); v != "true" {
		return Context{}, failure.New(failure.BadInput, "GITHUB_ACTIONS is %s, not \"true\"; releasebot's Action runs in a GitHub Actions job (to try it elsewhere, set GITHUB_ACTIONS=true and the other GITHUB_* variables)", quoted(v))
	}
	c := Context{
		Actor:       r.getenv("GITHUB_ACTOR"),
		RunID:       r.getenv("GITHUB_RUN_ID"),
		Output:      r.getenv("GITHUB_OUTPUT"),
		StepSummary: r.getenv("GITHUB_STEP_SUMMARY"),
	}
	for _, v := range []struct {
		name string
		to   *string
	}{
		{"GITHUB_EVENT_NAME", &c.EventName},
		{"GITHUB_EVENT_PATH", &c.EventPath},
		{"GITHUB_REPOSITORY", &c.Repository},
		{"GITHUB_SHA", &c.SHA},
		{"GITHUB_REF", &c.Ref},
		{"GITHUB_WORKSPACE", &c.Workspace},
		{"GITHUB_API_URL", &c.APIURL},
		{"GITHUB_SERVER_URL", &c.ServerURL},
	} {
		*v.to = strings.TrimSpace(r.getenv(v.name))
		if *v.to == "" {
			return Context{}, failure.New(failure.BadInput, "%s is not set; the runner sets it in a GitHub Actions job (set it yourself to run releasebot's Action elsewhere)", v.name)
		}
	}
	if !repoName.MatchString(c.Repository) {
		return Context{}, failure.New(failure.BadInput, "GITHUB_REPOSITORY is %s, not owner/name", quoted(c.Repository))
	}
	c.Owner, c.Repo, _ = strings.Cut(c.Repository, "/")
	if !sha.MatchString(c.SHA) {
		return Context{}, failure.New(failure.BadInput, "GITHUB_SHA is %s, not a commit id of 40 or 64 lower-case hex digits", quoted(c.SHA))
	}
	if !strings.HasPrefix(c.Ref, "refs/") {
		return Context{}, failure.New(failure.BadInput, "GITHUB_REF is %s, not a full ref name (refs/heads/…, refs/tags/…)", quoted(c.Ref))
	}
	for _, u := range []struct {
		name string
		to   *string
	}{{"GITHUB_API_URL", &c.APIURL}, {"GITHUB_SERVER_URL", &c.ServerURL}} {
		p, err := url.Parse(*u.to)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.User != nil || p.RawQuery != "" || p.Fragment != "" {
			// The value is not echoed: it may hold credentials.
			return Context{}, failure.New(failure.BadInput, "%s is not an http(s) URL without credentials, query or fragment; fix or unset what overrides the runner's value", u.name)
		}
		*u.to = strings.TrimRight(*u.to, "/")
	}
	c.RefName = r.getenv("GITHUB_REF_NAME")
	if c.RefName == "" {
		c.RefName = strings.TrimPrefix(strings.TrimPrefix(c.Ref, "refs/heads/"), "refs/tags/")
	}
	return c, nil
}

// quoted quotes an environment value for an error: one line, cut, and
// "empty" for "".
func quoted(v string) string {
	if v == "" {
		return "empty"
	}
	return `"` + textsafe.Cut(textsafe.OneLine(v), 80) + `"`
}
