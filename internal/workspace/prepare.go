package workspace

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/gitcli"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Log lines Prepare writes, one for each fetch it makes.
const (
	LogShallow = "the checkout is shallow (actions/checkout's default fetch-depth: 1): fetching the history and tags releasebot needs from origin"
	LogNoTags  = "the checkout has no tags (actions/checkout fetches none by default): fetching the tags releasebot needs from origin"
)

// FetchDepthHint is the line to add to the workflow when releasebot cannot
// fetch the history itself.
const FetchDepthHint = "add `fetch-depth: 0` to the actions/checkout step"

// Checkout is the Action's workspace as releasebot's git calls see it.
type Checkout struct {
	// Dir is the work tree (GITHUB_WORKSPACE).
	Dir string
	// Env is the part of git's environment every run of releasebot in Dir
	// gets: the caller's variables (a hermetic test's HOME and config),
	// then the safe.directory ones. Give it to gitcli.Runner.Env and
	// githistory.Repo.Env.
	Env []string
}

// Open returns the checkout at dir, with env (may be nil) and the variables
// that mark dir safe for git (SafeEnv).
func Open(dir string, env []string) *Checkout {
	dirs := safeDirs(dir)
	return &Checkout{Dir: dirs[0], Env: append(append([]string(nil), env...), SafeEnv(dir, env)...)}
}

// Runner runs git in the checkout with its environment.
func (c *Checkout) Runner() gitcli.Runner { return gitcli.Runner{Dir: c.Dir, Env: c.Env} }

// Prepare makes sure the checkout has the history and the tags releasebot
// reads. A shallow checkout is deepened with one "git fetch --unshallow
// --tags" from origin; a complete one without tags gets "git fetch --tags";
// a complete one with tags is left alone. Each fetch is announced on log
// (nil for none) before it starts. Errors are *failure.Error: BadInput for
// a workspace that is no clone and for a fetch that failed (the sentence
// carries git's reason, without credentials, and FetchDepthHint); Internal
// for git missing or refusing the workspace despite SafeEnv.
func (c *Checkout) Prepare(ctx context.Context, log func(string)) error {
	if log == nil {
		log = func(string) {}
	}
	run := c.Runner()
	shallow, err := run.Output(ctx, "rev-parse", "--is-shallow-repository")
	if err != nil {
		return c.classify(err)
	}
	if shallow == "true" {
		log(LogShallow)
		if err := c.fetch(ctx, "could not fetch the history of the shallow checkout", "--unshallow", "--tags"); err != nil {
			return err
		}
		if again, err := run.Output(ctx, "rev-parse", "--is-shallow-repository"); err != nil {
			return c.classify(err)
		} else if again == "true" {
			return failure.New(failure.BadInput, "the checkout is still shallow after fetching its history from origin; %s", FetchDepthHint)
		}
		return nil
	}
	tags, err := run.Output(ctx, "for-each-ref", "--count=1", "--format=%(refname)", "refs/tags/")
	if err != nil {
		return c.classify(err)
	}
	if tags != "" {
		return nil
	}
	log(LogNoTags)
	return c.fetch(ctx, "could not fetch the tags of the checkout", "--tags")
}

// fetch runs git fetch from origin with args. Tracing is off so that git
// prints no request headers; what it prints is cut to one line with the
// repository's credentials taken out.
func (c *Checkout) fetch(ctx context.Context, what string, args ...string) error {
	run := c.Runner()
	run.Env = append(append([]string(nil), run.Env...), "GIT_TRACE=0", "GIT_TRACE_CURL=0", "GIT_TRACE_PACKET=0", "GIT_CURL_VERBOSE=0")
	argv := append([]string{"fetch", "--quiet", "--no-recurse-submodules"}, args...)
	argv = append(argv, "origin")
	_, err := run.Run(ctx, nil, argv...)
	if err == nil {
		return nil
	}
	var ge *gitcli.Error
	if !errors.As(err, &ge) {
		return c.classify(err)
	}
	reason := Redact(reasonLine(ge), c.secrets(ctx))
	// The cause keeps the redacted reason only: git's full stderr may quote
	// a URL with a token, and the cause is logged.
	return failure.Wrap(failure.BadInput, errors.New("git fetch: "+reason), "%s (%s); %s", what, reason, FetchDepthHint)
}

// reasonLine is git's first "fatal:" or "error:" line (the first line when
// it has none), without that word, on one line and short.
func reasonLine(ge *gitcli.Error) string {
	lines := strings.Split(strings.TrimSpace(ge.Stderr), "\n")
	pick := ""
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "fatal: ") || strings.HasPrefix(l, "error: ") {
			pick = l
			break
		}
		if pick == "" {
			pick = l
		}
	}
	pick = strings.TrimPrefix(strings.TrimPrefix(pick, "fatal: "), "error: ")
	if pick == "" {
		pick = "git fetch failed: " + ge.Err.Error()
	}
	return textsafe.Cut(textsafe.OneLine(pick), 300)
}

// secrets are the credentials the checkout's config holds, to be taken out
// of whatever git printed: the values of http.<url>.extraheader (where
// actions/checkout keeps its token), whole and the credential after its
// last space. A password in a URL is Redact's to take out.
func (c *Checkout) secrets(ctx context.Context) []string {
	run := c.Runner()
	var out []string
	if v, err := run.Output(ctx, "config", "--get-regexp", `^http\..*\.extraheader$`); err == nil {
		for _, line := range strings.Split(v, "\n") {
			_, val, ok := strings.Cut(line, " ")
			if !ok {
				continue
			}
			out = append(out, val)
			// "AUTHORIZATION: basic <base64>": the credential alone too.
			if i := strings.LastIndexByte(val, ' '); i >= 0 {
				out = append(out, val[i+1:])
			}
		}
	}
	return out
}

// classify turns a failure of git outside the fetch into a *failure.Error.
func (c *Checkout) classify(err error) error {
	var me *gitcli.MissingError
	switch {
	case errors.As(err, &me):
		return failure.Wrap(failure.Internal, err, "%s", gitcli.MissingText)
	case gitcli.IsNotRepository(err):
		return failure.Wrap(failure.BadInput, err, "the workspace %s is no git clone; add an actions/checkout step before releasebot's", c.Dir)
	case gitcli.IsDubiousOwnership(err):
		return failure.Wrap(failure.Internal, err, "git refuses the workspace %s for its owner although releasebot marked it safe for its own git calls; this is a bug of releasebot's", c.Dir)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return failure.Wrap(failure.Internal, err, "%s", fmt.Sprintf("git could not read the workspace %s", c.Dir))
}
