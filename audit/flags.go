package audit

import (
	"cmp"
	"context"
	"fmt"
	"strings"
)

// FlagEnv is one environment of the flag file as the flag checks need it;
// the caller fills it from the flag model.
type FlagEnv struct {
	Name          string
	CanaryPercent int
	Flags         []FlagValue
}

// FlagValue is one flag in one environment.
type FlagValue struct {
	Name     string
	Default  bool
	Canary   bool
	Override *bool
	New      bool // not in the flag file of the last release
}

// effective is the flag's value for a user outside the canary cohort.
func (f FlagValue) effective() bool {
	if f.Override != nil {
		return *f.Override
	}
	return f.Default
}

// StageFlagsCheck ("flags-stage") passes when the stage environment runs at
// its defaults: canary 0 and every flag on, so what is tested is what prod
// will get at 100 %.
type StageFlagsCheck struct {
	Env *FlagEnv // nil skips with Missing
	// Missing says why there is no environment ("no stage environment in
	// .release/flags.yaml").
	Missing string
	// Broken, when set, fails the check with it: the flag file could not
	// be read.
	Broken string
}

func (StageFlagsCheck) String() string { return "flags-stage" }

// Run checks the stage flags.
func (c StageFlagsCheck) Run(context.Context) (Result, error) {
	if c.Broken != "" {
		return Result{Status: Fail, Reason: c.Broken}, nil
	}
	if c.Env == nil {
		return skipped(cmp.Or(c.Missing, "no stage environment in the flag file")), nil
	}
	ev := Evidence{Threshold: "canary 0%, every flag on"}
	var off []string
	for _, f := range c.Env.Flags {
		if !f.effective() {
			how := "default off"
			if f.Override != nil {
				how = "override off"
			}
			off = append(off, fmt.Sprintf("%s (%s)", f.Name, how))
		}
	}
	ev.Observed = fmt.Sprintf("canary %d%%, %d of %d flags on", c.Env.CanaryPercent, len(c.Env.Flags)-len(off), len(c.Env.Flags))
	var problems []string
	if c.Env.CanaryPercent != 0 {
		problems = append(problems, fmt.Sprintf("canary is %d%%, not 0", c.Env.CanaryPercent))
	}
	if len(off) > 0 {
		problems = append(problems, "off: "+strings.Join(off, ", "))
	}
	if len(problems) > 0 {
		return Result{Status: Fail, Reason: fmt.Sprintf("%s is not at its defaults: %s", c.Env.Name, strings.Join(problems, "; ")), Evidence: ev}, nil
	}
	return Result{Status: Pass, Reason: fmt.Sprintf("%s runs canary 0%% with all %d flags on", c.Env.Name, len(c.Env.Flags)), Evidence: ev}, nil
}

// ProdFlagsCheck ("flags-prod") passes when a rollout can start in prod:
// canary 0 and every flag new in this release off by default (and not
// overridden on), so nothing new reaches users before /canary.
type ProdFlagsCheck struct {
	Env     *FlagEnv // nil skips with Missing
	Missing string
	Broken  string // fails the check with it
}

func (ProdFlagsCheck) String() string { return "flags-prod" }

// Run checks the prod flags.
func (c ProdFlagsCheck) Run(context.Context) (Result, error) {
	if c.Broken != "" {
		return Result{Status: Fail, Reason: c.Broken}, nil
	}
	if c.Env == nil {
		return skipped(cmp.Or(c.Missing, "no prod environment in the flag file")), nil
	}
	ev := Evidence{Threshold: "canary 0%, new flags off"}
	var news, on []string
	for _, f := range c.Env.Flags {
		if !f.New {
			continue
		}
		news = append(news, f.Name)
		if f.effective() {
			how := "default on"
			if f.Override != nil {
				how = "override on"
			}
			on = append(on, fmt.Sprintf("%s (%s)", f.Name, how))
		}
	}
	ev.Observed = fmt.Sprintf("canary %d%%, %d of %d new flags on", c.Env.CanaryPercent, len(on), len(news))
	var problems []string
	if c.Env.CanaryPercent != 0 {
		problems = append(problems, fmt.Sprintf("canary is %d%%; a rollout starts at 0", c.Env.CanaryPercent))
	}
	if len(on) > 0 {
		problems = append(problems, "new flags on: "+strings.Join(on, ", "))
	}
	if len(problems) > 0 {
		return Result{Status: Fail, Reason: fmt.Sprintf("%s is not safe to start: %s", c.Env.Name, strings.Join(problems, "; ")), Evidence: ev}, nil
	}
	if len(news) == 0 {
		return Result{Status: Pass, Reason: fmt.Sprintf("%s runs canary 0%%; no new flags in this release", c.Env.Name), Evidence: ev}, nil
	}
	return Result{Status: Pass, Reason: fmt.Sprintf("%s runs canary 0%% with the new flags off: %s", c.Env.Name, strings.Join(news, ", ")), Evidence: ev}, nil
}
