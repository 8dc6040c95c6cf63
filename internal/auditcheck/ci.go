package auditcheck

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-github/v62/github"

	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"

	"github.com/releasebot/releasebot/audit"
)

// CICheck ("ci") reads the check runs and the combined commit status of the
// release commit. Any failed run or status fails; any still running warns
// with what is left; no CI at all warns.
type CICheck struct {
	// GitHub reads the API (internal/github's client). When it is nil,
	// Connect builds it as the check runs (a GitHub App's installation is
	// looked up within the check's timeout); with neither the check skips
	// with Unconfigured as reason, or fails with Broken.
	GitHub       *github.Client
	Connect      func(ctx context.Context) (*github.Client, error)
	API          string // the API root Connect asks, for a timeout's reason
	Unconfigured string
	Broken       string
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
func (c CICheck) Run(ctx context.Context) (audit.Result, error) {
	switch {
	case c.GitHub == nil && c.Broken != "":
		return audit.Result{Status: audit.Fail, Reason: c.Broken}, nil
	case c.GitHub == nil && c.Connect == nil:
		return skipped(cmp.Or(c.Unconfigured, "neither GITHUB_TOKEN nor GITHUB_APP_ID is set")), nil
	case c.Owner == "" || c.Repo == "":
		return skipped("no repository to read (GITHUB_REPOSITORY=owner/name)"), nil
	case c.Ref == "":
		return skipped("no release commit to check"), nil
	}
	if c.GitHub == nil {
		client, err := c.Connect(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return audit.Result{}, ctx.Err()
			}
			return audit.Result{Status: audit.Fail, Reason: err.Error()}, nil
		}
		c.GitHub = client
	}
	short := c.Ref
	if len(short) > 7 {
		short = short[:7]
	}
	ev := audit.Evidence{
		URL:       strings.TrimSuffix(cmp.Or(c.WebURL, "https://github.com"), "/") + "/" + c.Owner + "/" + c.Repo + "/commit/" + c.Ref,
		Threshold: "every check run and status successful",
	}

	var runs []*github.CheckRun
	opts := &github.ListCheckRunsOptions{Filter: github.String("latest"), ListOptions: github.ListOptions{PerPage: 100}}
	for range maxCIPages {
		res, resp, err := c.GitHub.Checks.ListCheckRunsForRef(ctx, c.Owner, c.Repo, c.Ref, opts)
		if err != nil {
			return audit.Result{Evidence: ev}, c.apiError(ctx, "check runs", err)
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
			return audit.Result{Evidence: ev}, c.apiError(ctx, "commit status", err)
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
		return audit.Result{Status: audit.Fail, Reason: fmt.Sprintf("%d of %d checks failed on %s: %s", len(failed), total, short, strings.Join(failed, ", ")), Evidence: ev}, nil
	case len(running) > 0:
		return audit.Result{Status: audit.Warn, Reason: fmt.Sprintf("%d of %d checks still running on %s: %s", len(running), total, short, strings.Join(running, ", ")), Evidence: ev}, nil
	case total == 0:
		return audit.Result{Status: audit.Warn, Reason: fmt.Sprintf("no check runs or commit statuses on %s%s", short, note), Evidence: ev}, nil
	}
	reason := fmt.Sprintf("all %d checks passed on %s (%s, %s)", total, short, plural(len(runs)-own, "check run"), plural(len(statuses), "status"))
	if total == 1 {
		reason = fmt.Sprintf("the one check passed on %s (%s)", short, plural(len(runs)-own, "check run")+", "+plural(len(statuses), "status"))
	}
	return audit.Result{Status: audit.Pass, Reason: reason + note, Evidence: ev}, nil
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
		return strings.TrimSuffix(displayURL(c.API), "/")
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
		return &audit.TransportError{URL: c.Target(), Err: ue.Err}
	}
	return fmt.Errorf("could not read the %s of %s/%s@%s: %w", what, c.Owner, c.Repo, c.Ref, err)
}

// GitHubTarget is where the ci check looks: a client, or Connect to build
// one as the check runs, or why there is none (Missing: a skip) or why it
// cannot be built (Broken: a fail).
type GitHubTarget struct {
	Client      *github.Client
	Connect     func(ctx context.Context) (*github.Client, error)
	API         string // the API root (GITHUB_API_URL)
	Missing     string
	Broken      string
	Owner, Repo string
	WebURL      string
	RunID       string // GITHUB_RUN_ID: the audit's own workflow run
	Token       string // to redact
}

// GitHubFromEnv builds the ci check's GitHub side from the environment
// with internal/github's client (retries, rate limits, App credentials):
// GITHUB_TOKEN, or a GitHub App's GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY
// or GITHUB_APP_PRIVATE_KEY_FILE (its installation on the repository is
// looked up, unless GITHUB_APP_INSTALLATION_ID gives it);
// GITHUB_REPOSITORY (owner/name), GITHUB_API_URL (default
// https://api.github.com), GITHUB_SERVER_URL and GITHUB_RUN_ID. tr is the
// HTTP transport underneath (nil: http.DefaultTransport).
//
// No credentials, or no repository, leave Missing set (the check skips);
// App credentials that are not usable (an id that is not a number, no key)
// leave Broken set (the check fails). An App's installation is looked up
// by Connect when the check runs, so that the lookup is bounded by the
// check's timeout and its failure is the check's (it asks nothing here).
func GitHubFromEnv(getenv func(string) string, tr http.RoundTripper) (t GitHubTarget) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	repo := getenv("GITHUB_REPOSITORY")
	t.Owner, t.Repo, _ = strings.Cut(repo, "/")
	api := cmp.Or(getenv("GITHUB_API_URL"), ghstore.DefaultAPIURL)
	t.WebURL = getenv("GITHUB_SERVER_URL")
	if t.WebURL == "" {
		t.WebURL = webURLFromAPI(api)
	}
	creds, missing, broken := credentialsFromEnv(getenv)
	switch {
	case missing != "":
		t.Missing = missing
		return t
	case t.Owner == "" || t.Repo == "" || strings.Contains(t.Repo, "/"):
		t.Missing = "GITHUB_REPOSITORY is not set to owner/name"
		return t
	case broken != "":
		t.Broken = broken
		return t
	}
	if u, err := url.Parse(api); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		t.Missing = fmt.Sprintf("GITHUB_API_URL: %q is not an http(s) URL", api)
		return t
	}
	t.API, t.Token, t.RunID = api, creds.Token, getenv("GITHUB_RUN_ID")
	opts := ghstore.ClientOptions{BaseURL: api, Credentials: creds, Transport: tr, UserAgent: "releasebot-audit"}
	if creds.AppID != 0 && creds.InstallationID == 0 {
		t.Connect = func(ctx context.Context) (*github.Client, error) {
			id, err := ghstore.FindInstallation(ctx, opts, repo)
			if err != nil {
				return nil, err
			}
			o := opts
			o.Credentials.InstallationID = id
			client, err := ghstore.NewClient(o)
			if err != nil {
				return nil, fmt.Errorf("could not build the GitHub client: %w", err)
			}
			return client.Client, nil
		}
		return t
	}
	client, err := ghstore.NewClient(opts)
	if err != nil {
		t.Broken = "could not build the GitHub client: " + err.Error()
		return t
	}
	t.Client = client.Client
	return t
}

// credentialsFromEnv reads GITHUB_TOKEN, else the App's GITHUB_APP_ID,
// GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE and
// GITHUB_APP_INSTALLATION_ID. missing says none is set, broken what is
// wrong with the App's.
func credentialsFromEnv(getenv func(string) string) (c ghstore.Credentials, missing, broken string) {
	if tok := getenv("GITHUB_TOKEN"); tok != "" {
		return ghstore.Credentials{Token: tok}, "", ""
	}
	id := getenv("GITHUB_APP_ID")
	if id == "" {
		return c, "neither GITHUB_TOKEN nor GITHUB_APP_ID is set", ""
	}
	appID, err := strconv.ParseInt(id, 10, 64)
	if err != nil || appID <= 0 {
		return c, "", fmt.Sprintf("GITHUB_APP_ID must be the App's numeric id, got %q", textsafe.Cut(textsafe.OneLine(id), limits.Echo))
	}
	c = ghstore.Credentials{AppID: appID, PrivateKey: []byte(getenv("GITHUB_APP_PRIVATE_KEY")), PrivateKeyFile: getenv("GITHUB_APP_PRIVATE_KEY_FILE")}
	if len(c.PrivateKey) == 0 && c.PrivateKeyFile == "" {
		return c, "", "GITHUB_APP_ID is set but neither GITHUB_APP_PRIVATE_KEY nor GITHUB_APP_PRIVATE_KEY_FILE is"
	}
	if inst := getenv("GITHUB_APP_INSTALLATION_ID"); inst != "" {
		if c.InstallationID, err = strconv.ParseInt(inst, 10, 64); err != nil || c.InstallationID <= 0 {
			return c, "", fmt.Sprintf("GITHUB_APP_INSTALLATION_ID must be a numeric id, got %q", textsafe.Cut(textsafe.OneLine(inst), limits.Echo))
		}
	}
	return c, "", ""
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
