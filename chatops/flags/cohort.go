package flags

import "github.com/twmb/murmur3"

// Bucket places a user in one of 100 buckets, 0–99, for an environment's
// cohort seed. It is flagd's fractional arithmetic with weights summing to
// 100 and the bucketing key cohort+user: the 32-bit x86 MurmurHash3 (seed 0)
// of the key, scaled as (hash × 100) >> 32. The bucket does not depend on the
// flag, so a user in the 10 % cohort is in at 50 % and sees every canary
// feature together.
func Bucket(cohort, user string) int {
	h := murmur3.StringSum32(cohort + user)
	return int((uint64(h) * 100) >> 32)
}

// InCohort reports whether the user is in the environment's canary cohort.
func (e *Environment) InCohort(user string) bool {
	return Bucket(e.CohortSeed(), user) < e.CanaryPercent
}

// Value is the effective value of a flag for a user: the override if set;
// else on when the flag is a canary flag and the user is in the cohort; else
// the default.
func (e *Environment) Value(fl *Flag, user string) bool {
	if fl.Override != nil {
		return *fl.Override
	}
	if fl.Canary && e.InCohort(user) {
		return true
	}
	return fl.Default
}

// Eval evaluates every flag for a user, in file order.
func (e *Environment) Eval(user string) []Evaluation {
	in := e.InCohort(user)
	out := make([]Evaluation, len(e.Flags))
	for i, fl := range e.Flags {
		out[i] = Evaluation{Flag: fl.Name, Value: e.Value(fl, user), Reason: reason(fl, in)}
	}
	return out
}

// Evaluation is one flag's value for one user, and why.
type Evaluation struct {
	Flag   string
	Value  bool
	Reason string // "override", "canary cohort" or "default"
}

func reason(fl *Flag, inCohort bool) string {
	switch {
	case fl.Override != nil:
		return "override"
	case fl.Canary && inCohort:
		return "canary cohort"
	}
	return "default"
}
