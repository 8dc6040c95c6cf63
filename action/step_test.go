package action

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/golden"
)

// fakeStep returns err from Run and records that it ran.
type fakeStep struct {
	name string
	err  error
	ran  *[]string
}

func (s fakeStep) String() string { return s.name }
func (s fakeStep) Run(context.Context) error {
	*s.ran = append(*s.ran, s.name)
	return s.err
}

func TestRunner(t *testing.T) {
	t.Parallel()
	cause := errors.New("exec: git push: https://x-access-token:ghs_SECRET@github.com refused")
	for _, tc := range []struct {
		name     string
		errs     []error // one step per entry, named step1…
		ran      int
		exit     int
		skipped  int
		nonFatal int
	}{
		{"all done", []error{nil, nil, nil}, 3, 0, 0, 0},
		{"skip then on", []error{Skip("nothing releasable"), nil}, 2, 0, 1, 0},
		{"wrapped skip", []error{fmt.Errorf("notes: %w", Skip("no commits since v1.2.0")), nil}, 2, 0, 1, 0},
		{"non-fatal collected", []error{NonFatal(failure.New(failure.Remote, "Sentry answered 503; the release was not recorded there")), nil, NonFatal(cause)}, 3, 0, 0, 2},
		{"bad input stops", []error{nil, failure.New(failure.BadInput, "the configuration does not parse; fix line 4"), nil}, 2, 2, 0, 0},
		{"refused stops", []error{failure.New(failure.Refused, "gate health failed"), nil}, 1, 1, 0, 0},
		{"unclassified stops", []error{nil, cause, nil}, 2, 3, 0, 0},
		{"non-fatal then fatal", []error{NonFatal(cause), failure.Wrap(failure.Remote, cause, "GitHub answered 502; run the job again")}, 2, 3, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rt, out := newRT(env{})
			var ran []string
			var steps []Step
			for i, err := range tc.errs {
				steps = append(steps, fakeStep{name: fmt.Sprintf("step%d", i+1), err: err, ran: &ran})
			}
			res := (&Runner{RT: rt, RequestID: "run-42"}).Run(t.Context(), steps)
			if len(ran) != tc.ran {
				t.Errorf("ran %v, want %d steps", ran, tc.ran)
			}
			if res.ExitCode() != tc.exit {
				t.Errorf("exit = %d, want %d", res.ExitCode(), tc.exit)
			}
			if len(res.Skipped) != tc.skipped || len(res.NonFatal) != tc.nonFatal {
				t.Errorf("skipped %v, non-fatal %v", res.Skipped, res.NonFatal)
			}
			s := out.String()
			if strings.Contains(s, "ghs_SECRET") || strings.Contains(s, "exec:") {
				t.Errorf("an unclassified cause was printed:\n%s", s)
			}
			if strings.Count(s, "::group::") != tc.ran || strings.Count(s, "::endgroup::") != tc.ran {
				t.Errorf("groups not one per step run, each closed:\n%s", s)
			}
			if strings.Count(s, "skipped: ") != tc.skipped {
				t.Errorf("a skip was silent:\n%s", s)
			}
			if (tc.exit != 0) != strings.Contains(s, "::error ") {
				t.Errorf("fatal failure and ::error:: disagree:\n%s", s)
			}
			if tc.nonFatal > 0 && !strings.Contains(s, fmt.Sprintf("%d step(s) failed without stopping the run", tc.nonFatal)) {
				t.Errorf("non-fatal failures not reported together:\n%s", s)
			}
		})
	}
}

func TestRunnerGolden(t *testing.T) {
	t.Parallel()
	rt, out := newRT(env{})
	var ran []string
	steps := []Step{
		fakeStep{"reading the configuration", nil, &ran},
		fakeStep{"computing the next version", Skip("nothing releasable since v1.2.0\n::error::not a command"), &ran},
		fakeStep{"creating the Sentry release", NonFatal(failure.New(failure.Remote, "Sentry answered 503; the release is not recorded there, create it with sentry-cli")), &ran},
		fakeStep{"posting the Slack checklist", NonFatal(errors.New("slack: invalid_auth xoxb-1")), &ran},
		fakeStep{"tagging v1.3.0", failure.New(failure.Refused, "the tag v1.3.0 exists at another commit; delete it or merge a new release PR"), &ran},
		fakeStep{"never reached", nil, &ran},
	}
	res := (&Runner{RT: rt, RequestID: "github-comment:1"}).Run(t.Context(), steps)
	golden.AssertString(t, "runner.golden.txt", out.String())
	if res.Step != "tagging v1.3.0" || res.ExitCode() != failure.ExitRefused || len(ran) != 5 {
		t.Errorf("result %+v, ran %v", res, ran)
	}
}

func TestRunnerCancelled(t *testing.T) {
	t.Parallel()
	rt, out := newRT(env{})
	ctx, cancel := context.WithCancel(t.Context())
	var ran []string
	steps := []Step{cancelStep{cancel, &ran}, fakeStep{"after", nil, &ran}}
	res := (&Runner{RT: rt}).Run(ctx, steps)
	if len(ran) != 1 || !errors.Is(res.Err, context.Canceled) || res.ExitCode() == 0 || !strings.Contains(out.String(), "::error ") {
		t.Errorf("ran %v, result %+v\n%s", ran, res, out)
	}
}

type cancelStep struct {
	cancel func()
	ran    *[]string
}

func (s cancelStep) String() string { return "cancelling" }
func (s cancelStep) Run(context.Context) error {
	*s.ran = append(*s.ran, "cancelling")
	s.cancel()
	return nil
}

func TestNonFatalNil(t *testing.T) {
	if NonFatal(nil) != nil {
		t.Error("NonFatal(nil) is not nil")
	}
	if IsSkip(nil) || IsSkip(errors.New("x")) || !IsSkip(Skip("r")) {
		t.Error("IsSkip")
	}
}
