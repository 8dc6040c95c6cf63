package audit

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// DefaultTimeout bounds one check, retry included.
const DefaultTimeout = 10 * time.Second

// Runner runs checks in parallel, each under its own timeout. The zero value
// is ready to use.
type Runner struct {
	// Timeout bounds each check; 0 means DefaultTimeout.
	Timeout time.Duration
	// Timeouts overrides Timeout for checks by name.
	Timeouts map[string]time.Duration
	// Secrets are values removed from every result, besides those the
	// checks declare (their expanded header values).
	Secrets []string
}

// Report is the outcome of an audit: the overall status and each check's
// result in the checks' declared order.
type Report struct {
	Status Status   `json:"status"`
	Checks []Result `json:"checks"`
}

// Overall is fail if any check failed, else warn if any warned, else pass if
// any passed; a skip does not lower it. When nothing ran — no checks, or
// every check skipped — it is skip: an audit that checked nothing has not
// passed.
func Overall(results []Result) Status {
	s := Skip
	for _, r := range results {
		switch r.Status {
		case Fail:
			return Fail
		case Warn:
			s = Warn
		case Pass:
			if s == Skip {
				s = Pass
			}
		}
	}
	return s
}

// Run runs the checks concurrently and returns their results in the order
// given, whatever order they finish in. It returns when every check has a
// result: at the latest, the longest timeout after it starts.
func (r Runner) Run(ctx context.Context, checks ...Check) Report {
	results := make([]Result, len(checks))
	red := newRedactor(r.Secrets)
	for _, c := range checks {
		if s, ok := c.(secretHolder); ok {
			red.add(s.Secrets()...)
		}
	}
	// Checks redact with it too, before they cut a body into a reason.
	ctx = withRedactor(ctx, red)
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() {
			res := r.runOne(ctx, c)
			res.Name = c.String()
			results[i] = red.result(res)
		})
	}
	wg.Wait()
	return Report{Status: Overall(results), Checks: results}
}

// withSecrets is r with more secrets to redact, leaving r's list alone.
func (r Runner) withSecrets(secrets ...string) Runner {
	r.Secrets = append(slices.Clip(r.Secrets), secrets...)
	return r
}

func (r Runner) timeout(name string) time.Duration {
	if d, ok := r.Timeouts[name]; ok && d > 0 {
		return d
	}
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultTimeout
}

func (r Runner) runOne(parent context.Context, c Check) Result {
	limit := r.timeout(c.String())
	ctx, cancel := context.WithTimeout(parent, limit)
	defer cancel()
	res, err := attempt(ctx, c)
	if err != nil && isTransport(err) && ctx.Err() == nil {
		res, err = attempt(ctx, c)
	}
	switch {
	case parent.Err() != nil:
		return Result{Status: Fail, Reason: "the audit was cancelled before this check finished", Evidence: res.Evidence}
	case ctx.Err() != nil && (err != nil || res.Status == ""):
		if t, ok := c.(targeter); ok && t.Target() != "" {
			if res.Evidence.URL == "" {
				res.Evidence.URL = t.Target()
			}
			return Result{Status: Fail, Reason: fmt.Sprintf("%s did not answer within %s", t.Target(), limit), Evidence: res.Evidence}
		}
		return Result{Status: Fail, Reason: fmt.Sprintf("the check did not finish within %s", limit), Evidence: res.Evidence}
	case err != nil:
		res.Status, res.Reason = Fail, err.Error()
	case res.Status == "":
		res.Status, res.Reason = Fail, "the check gave no verdict"
	}
	return res
}

// attempt runs the check once, returning early when ctx ends even if the
// check ignores ctx.
func attempt(ctx context.Context, c Check) (Result, error) {
	type outcome struct {
		res Result
		err error
	}
	ch := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o = outcome{err: fmt.Errorf("the check crashed: %v", p)}
			}
			ch <- o
		}()
		o.res, o.err = c.Run(ctx)
	}()
	select {
	case o := <-ch:
		return o.res, o.err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}
