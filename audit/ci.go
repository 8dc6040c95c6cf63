package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/go-github/v62/github"
)

// CICheck ("ci") reads the check runs and the combined commit status of the
// release commit. Any failed run or status fails; any still running warns
// with what is left; no CI at all warns.
type CICheck struct {
	// GitHub reads the API; nil skips the check with Unconfigured as reason.
	GitHub       *github.Client
	Unconfigured string
	Owner, Repo  string
	Ref          string // the release commit
	// WebURL is GitHub's web address for the evidence link; empty means
	// https://github.com.
	WebURL string
	// RunID is the GitHub Actions run the audit itself runs in
	// (GITHUB_RUN_ID): its unfinished jobs, this one included, are not
	// waited for.
	RunID string
}

func (CICheck) String() string { return "ci" }

// maxCIPages bounds pagination of check runs and statuses (100 per page).
const maxCIPages = 10

// Conclusions of a completed check run that fail the check.
var failingConclusions = []string{"failure", "timed_out", "cancelled", "action_required", "startup_failure"}

// Run reads GitHub.
func (c CICheck) Run(ctx context.Context) (Result, error) {
	switch {
	case c.GitHub == nil:
		return skipped(cmp.Or(c.Unconfigured, "GITHUB_TOKEN is not set")), nil
	case c.Owner == "" || c.Repo == "":
		return skipped("no repository to read (GITHUB_REPOSITORY=owner/name)"), nil
	case c.Ref == "":
		return skipped("no release commit to check"), nil
	}
	short := c.Ref
	if len(short) > 7 {
		short = short[:7]
	}
	ev := Evidence{
		URL:       strings.TrimSuffix(cmp.Or(c.WebURL, "https://github.com"), "/") + "/" + c.Owner + "/" + c.Repo + "/commit/" + c.Ref,
		Threshold: "every check run and status successful",
	}

	var runs []*github.CheckRun
	opts := &github.ListCheckRunsOptions{Filter: github.String("latest"), ListOptions: github.ListOptions{PerPage: 100}}
	for range maxCIPages {
		res, resp, err := c.GitHub.Checks.ListCheckRunsForRef(ctx, c.Owner, c.Repo, c.Ref, opts)
		if err != nil {
			return Result{Evidence: ev}, c.apiError(ctx, "check runs", err)
		}
		runs = append(runs, res.CheckRuns...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	var statuses []*github.RepoStatus
	sopts := &github.ListOptions{PerPage: 100}
	for range maxCIPages {
		res, resp, err := c.GitHub.Repositories.GetCombinedStatus(ctx, c.Owner, c.Repo, c.Ref, sopts)
		if err != nil {
			return Result{Evidence: ev}, c.apiError(ctx, "commit status", err)
		}
		statuses = append(statuses, res.Statuses...)
		if resp.NextPage == 0 {
			break
		}
		sopts.Page = resp.NextPage
	}

	var failed, running []string
	passed, own := 0, 0
	for _, r := range runs {
		name := r.GetName()
		switch {
		case r.GetStatus() != "completed" && c.ownRun(r):
			own++
		case r.GetStatus() != "completed":
			running = append(running, fmt.Sprintf("%s (%s)", name, r.GetStatus()))
		case slices.Contains(failingConclusions, r.GetConclusion()):
			failed = append(failed, fmt.Sprintf("%s (%s)", name, r.GetConclusion()))
		case r.GetConclusion() == "stale":
			running = append(running, name+" (stale)")
		default: // success, neutral, skipped
			passed++
		}
	}
	// The combined status of a commit with no statuses is "pending" with
	// nothing in it: only the statuses themselves count.
	for _, s := range statuses {
		switch s.GetState() {
		case "success":
			passed++
		case "pending":
			running = append(running, s.GetContext()+" (pending)")
		default: // failure, error
			failed = append(failed, fmt.Sprintf("%s (%s)", s.GetContext(), s.GetState()))
		}
	}
	total := len(runs) + len(statuses) - own
	ev.Observed = fmt.Sprintf("%d passed, %d failed, %d running of %d", passed, len(failed), len(running), total)
	note := ""
	if own > 0 {
		note = fmt.Sprintf("; %s of this workflow run not waited for", plural(own, "unfinished job"))
		ev.Observed += note
	}
	switch {
	case len(failed) > 0:
		return Result{Status: Fail, Reason: fmt.Sprintf("%d of %d checks failed on %s: %s", len(failed), total, short, strings.Join(failed, ", ")), Evidence: ev}, nil
	case len(running) > 0:
		return Result{Status: Warn, Reason: fmt.Sprintf("%d of %d checks still running on %s: %s", len(running), total, short, strings.Join(running, ", ")), Evidence: ev}, nil
	case total == 0:
		return Result{Status: Warn, Reason: fmt.Sprintf("no check runs or commit statuses on %s%s", short, note), Evidence: ev}, nil
	}
	reason := fmt.Sprintf("all %d checks passed on %s (%s, %s)", total, short, plural(len(runs)-own, "check run"), plural(len(statuses), "status"))
	if total == 1 {
		reason = fmt.Sprintf("the one check passed on %s (%s)", short, plural(len(runs)-own, "check run")+", "+plural(len(statuses), "status"))
	}
	return Result{Status: Pass, Reason: reason + note, Evidence: ev}, nil
}

// ownRun reports whether a check run is a job of the Actions run the audit
// runs in: its URLs are …/actions/runs/{RunID}/job/….
func (c CICheck) ownRun(r *github.CheckRun) bool {
	if c.RunID == "" {
		return false
	}
	mark := "/actions/runs/" + c.RunID + "/"
	return strings.Contains(r.GetHTMLURL(), mark) || strings.Contains(r.GetDetailsURL(), mark)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Target is the GitHub API being asked, for a timeout's reason.
func (c CICheck) Target() string {
	if c.GitHub == nil {
		return ""
	}
	return strings.TrimSuffix(displayURL(c.GitHub.BaseURL.String()), "/")
}

func (c CICheck) apiError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		msg := fmt.Sprintf("GitHub answered %s when reading the %s of %s/%s@%s", statusText(er.Response.StatusCode), what, c.Owner, c.Repo, c.Ref)
		if er.Message != "" {
			msg += ": " + er.Message
		}
		return errors.New(msg)
	}
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return fmt.Errorf("GitHub's rate limit is exhausted until %s", rl.Rate.Reset.Format("15:04 MST"))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &TransportError{URL: c.Target(), Err: ue.Err}
	}
	return fmt.Errorf("could not read the %s of %s/%s@%s: %w", what, c.Owner, c.Repo, c.Ref, err)
}

// GitHubTarget is where the ci check looks: a client, or why there is none.
type GitHubTarget struct {
	Client      *github.Client // nil when Missing is set
	Missing     string
	Owner, Repo string
	WebURL      string
	RunID       string // GITHUB_RUN_ID: the audit's own workflow run
	Token       string // to redact
}

// GitHubFromEnv builds the ci check's GitHub side from the Actions
// environment: GITHUB_TOKEN (required), GITHUB_REPOSITORY (owner/name),
// GITHUB_API_URL (default https://api.github.com), GITHUB_SERVER_URL and
// GITHUB_RUN_ID.
func GitHubFromEnv(getenv func(string) string, hc *http.Client) (t GitHubTarget) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	repo := getenv("GITHUB_REPOSITORY")
	t.Owner, t.Repo, _ = strings.Cut(repo, "/")
	token := getenv("GITHUB_TOKEN")
	api := cmp.Or(getenv("GITHUB_API_URL"), "https://api.github.com")
	t.WebURL = getenv("GITHUB_SERVER_URL")
	if t.WebURL == "" {
		t.WebURL = webURLFromAPI(api)
	}
	switch {
	case token == "":
		t.Missing = "GITHUB_TOKEN is not set"
		return t
	case t.Owner == "" || t.Repo == "" || strings.Contains(t.Repo, "/"):
		t.Missing = "GITHUB_REPOSITORY is not set to owner/name"
		return t
	}
	client, err := NewGitHubClient(api, token, hc)
	if err != nil {
		t.Missing = "GITHUB_API_URL: " + err.Error()
		return t
	}
	t.Client, t.Token, t.RunID = client, token, getenv("GITHUB_RUN_ID")
	return t
}

// NewGitHubClient returns a go-github client for the API at apiURL (kept
// as given: no /api/v3 is added) authenticating with token.
func NewGitHubClient(apiURL, token string, hc *http.Client) (*github.Client, error) {
	u, err := url.Parse(apiURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", apiURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c := github.NewClient(hc)
	if token != "" {
		c = c.WithAuthToken(token)
	}
	c.BaseURL = u
	return c, nil
}

// webURLFromAPI maps https://api.github.com to https://github.com and
// https://ghe.example.com/api/v3 to https://ghe.example.com.
func webURLFromAPI(api string) string {
	u, err := url.Parse(api)
	if err != nil || u.Host == "" {
		return "https://github.com"
	}
	if u.Host == "api.github.com" {
		return "https://github.com"
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api/v3")
	u.User, u.RawQuery = nil, ""
	return strings.TrimSuffix(u.String(), "/")
}
