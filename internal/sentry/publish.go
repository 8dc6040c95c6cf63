package sentry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/action"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// MaxCommits bounds the commits given to Sentry for one release: the
// newest are kept. Sentry documents no maximum for the commits list; this
// is releasebot's own bound, keeping one request's body to a few hundred
// kilobytes (sentry-cli sends 20 by default on a first release).
const MaxCommits = 1000

// Publisher records releases and deploys of one Sentry project; it is
// action.Sentry.
type Publisher struct {
	Client  *Client
	Org     string
	Project string // slug
}

var _ action.Sentry = (*Publisher)(nil)

// PublishRelease creates the release (Sentry's get-or-create: repeating it
// keeps one release), sets its commits explicitly (replacing those of an
// earlier call; at most MaxCommits, the newest) and records a deploy to
// r.Environment unless the release has one there: the whole call is safe to
// repeat, so a re-run of a publish that Sentry failed completes it. Errors are *failure.Error: BadInput for a version
// or environment Sentry would refuse, Remote for Sentry failing or
// refusing, with its detail and never the token.
func (p *Publisher) PublishRelease(ctx context.Context, r action.SentryRelease) error {
	if err := validVersion(r.Version); err != nil {
		return err
	}
	if strings.TrimSpace(r.Environment) == "" {
		return failure.New(failure.BadInput, "the Sentry deploy of %s has no environment; set sentry_environment (or a name) on the default environment", r.Version)
	}
	if _, err := p.Client.CreateRelease(ctx, p.Org, NewRelease{
		Version: r.Version, Projects: []string{p.Project}, Ref: r.Commit, URL: r.URL,
	}); err != nil {
		return p.classify(err, "create the release "+r.Version)
	}
	if commits := sentryCommits(r); len(commits) > 0 {
		if _, err := p.Client.SetCommits(ctx, p.Org, r.Version, Commits{Commits: commits}); err != nil {
			return p.classify(err, "set the commits of the release "+r.Version)
		}
	}
	// A deploy to the environment is recorded once: a re-run of the
	// publish (after Sentry failed half way) adds none.
	deploys, err := p.Client.ListDeploys(ctx, p.Org, r.Version)
	if err != nil {
		return p.classify(err, "list the deploys of "+r.Version)
	}
	for _, d := range deploys {
		if d.Environment == r.Environment {
			return nil
		}
	}
	if _, err := p.Client.CreateDeploy(ctx, p.Org, r.Version, NewDeploy{
		Environment: r.Environment, Name: r.Version, URL: r.URL,
	}); err != nil {
		return p.classify(err, "record the deploy of "+r.Version+" to "+r.Environment)
	}
	return nil
}

func sentryCommits(r action.SentryRelease) []Commit {
	changes := r.Commits
	if len(changes) > MaxCommits {
		changes = changes[:MaxCommits] // newest first
	}
	out := make([]Commit, 0, len(changes))
	for _, c := range changes {
		sc := Commit{
			ID: c.Hash, Repository: r.Repo,
			Message:     textsafe.Cut(c.Subject, 1000),
			AuthorName:  textsafe.Cut(c.Author.Name, 128),
			AuthorEmail: c.Author.Email,
		}
		if !c.Date.IsZero() {
			d := c.Date
			sc.Timestamp = &d
		}
		out = append(out, sc)
	}
	return out
}

// validVersion applies Sentry's rule for release names: not empty, ".",
// ".." or "latest", no slash, backslash or white space, at most 200
// characters.
func validVersion(v string) error {
	bad := v == "" || v == "." || v == ".." || v == "latest" || len(v) > 200 ||
		strings.ContainsAny(v, "/\\ \t\n\r\f\v")
	if bad {
		return failure.New(failure.BadInput, "%q is no release name Sentry accepts (no slashes or spaces, at most 200 characters)", textsafe.Cut(textsafe.OneLine(v), 80))
	}
	return nil
}

// classify turns a client error into a Remote *failure.Error whose
// sentence says what failed, Sentry's detail and what to check.
func (p *Publisher) classify(err error, what string) error {
	var api *APIError
	var tr *TransportError
	switch {
	case errors.As(err, &api):
		hint := "re-run the job when Sentry is up: the rest of the publish is done, and a re-run completes Sentry's part"
		switch api.StatusCode {
		case 401:
			hint = "check the sentry-auth-token input"
		case 403:
			hint = "give the Sentry token the project:releases scope (or use an organization token)"
		case 404:
			hint = fmt.Sprintf("check the sentry-org input (%s)", p.Org)
		case 400:
			hint = fmt.Sprintf("check the sentry-project input (%s)", p.Project)
		}
		detail := ""
		if d := strings.TrimSpace(api.Detail); d != "" && !strings.HasPrefix(d, "<") {
			detail = ": " + textsafe.Cut(textsafe.OneLine(api.Detail), 300)
		}
		return failure.Wrap(failure.Remote, err, "Sentry answered %s when releasebot tried to %s in %s/%s%s; %s", api.Status, what, p.Org, p.Project, detail, hint)
	case errors.As(err, &tr):
		return failure.Wrap(failure.Remote, err, "could not reach Sentry at %s to %s (%s); re-run the job when Sentry is up: the rest of the publish is done, and a re-run completes Sentry's part", p.Client.BaseURL(), what, textsafe.Cut(textsafe.OneLine(tr.Err.Error()), 200))
	}
	return failure.Wrap(failure.Remote, err, "Sentry failed when releasebot tried to %s: %s", what, textsafe.Cut(textsafe.OneLine(err.Error()), 300))
}
