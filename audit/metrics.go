package audit

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/releasebot/releasebot/config"
)

// Sample is one sample of a metrics scrape: the series name as the
// exposition writes it (a counter's with _total, a histogram's as
// name_bucket, name_sum and name_count), its labels and its value.
type Sample struct {
	Name   string
	Labels map[string]string
	Value  float64
}

// Samples are the parsed samples of one scrape, in a fixed order, and the
// names of its histogram families, which are only named by their series.
// The adapter that scrapes builds them; the audit only evaluates.
type Samples struct {
	All        []Sample
	Histograms map[string]bool
}

// EvaluateMetrics holds the samples a scrape of target gave against the
// thresholds from key ("audit.metrics" or "canary.gates.metrics"): the sum
// of the samples of a metric whose labels match (anchored regular
// expressions) must be at most Max, or, with Over, that sum divided by the
// sum of the Over selection. The result is the worst verdict with the
// reasons of the thresholds that gave it; no thresholds passes with the
// sample count.
func EvaluateMetrics(target, key string, samples *Samples, thresholds []config.MetricThreshold) Result {
	ev := Evidence{URL: target}
	if len(thresholds) == 0 {
		if key == "" {
			key = "audit.metrics"
		}
		ev.Observed = fmt.Sprintf("%d samples", len(samples.All))
		return Result{Status: Pass, Reason: fmt.Sprintf("%s answered with %d samples; no thresholds in %s", ev.URL, len(samples.All), key), Evidence: ev}
	}
	var worst Status = Pass
	var verdicts []Verdict
	for _, t := range thresholds {
		v := samples.Evaluate(t)
		verdicts = append(verdicts, v)
		if rank(v.Status) > rank(worst) {
			worst = v.Status
		}
	}
	var reasons, observed, limits []string
	for _, v := range verdicts {
		if v.Status != worst {
			continue
		}
		reasons = append(reasons, v.Reason)
		observed = append(observed, v.Expr+" = "+v.Observed)
		limits = append(limits, v.Expr+" ≤ "+formatFloat(v.Max))
	}
	ev.Observed = strings.Join(observed, "; ")
	ev.Threshold = strings.Join(limits, "; ")
	reason := fmt.Sprintf("%s: %s", ev.URL, strings.Join(reasons, "; "))
	if worst == Pass && len(verdicts) > 1 {
		reason = fmt.Sprintf("%s: all %d thresholds met", ev.URL, len(verdicts))
	}
	return Result{Status: worst, Reason: reason, Evidence: ev}
}

func rank(s Status) int {
	switch s {
	case Warn:
		return 1
	case Fail:
		return 2
	}
	return 0
}

// Verdict is one threshold's evaluation.
type Verdict struct {
	Status   Status
	Expr     string // sum(x{a=~"b"}) or sum(x) / sum(y)
	Observed string
	Max      float64
	Reason   string
}

// Evaluate holds the samples against one threshold. A name no sample has
// warns (absent), as does a ratio whose denominator is 0; a value above
// the maximum, NaN included, fails; a match that is not a regular
// expression, or a histogram named without its series, fails with why.
func (s *Samples) Evaluate(t config.MetricThreshold) Verdict {
	num := config.MetricSelector{Name: t.Name, Match: t.Match}
	v := Verdict{Expr: selectorExpr(num), Max: t.Max}
	if t.Over != nil {
		v.Expr += " / " + selectorExpr(*t.Over)
	}
	n, found, err := s.Sum(num)
	if err != nil {
		v.Status, v.Observed, v.Reason = Fail, "error", err.Error()
		return v
	}
	if !found {
		v.Status, v.Observed = Warn, "absent"
		v.Reason = fmt.Sprintf("no samples named %s; cannot check %s ≤ %s", t.Name, v.Expr, formatFloat(t.Max))
		return v
	}
	value := n
	v.Observed = formatFloat(n)
	if t.Over != nil {
		d, dfound, err := s.Sum(*t.Over)
		if err != nil {
			v.Status, v.Observed, v.Reason = Fail, "error", err.Error()
			return v
		}
		if !dfound || d == 0 {
			v.Status = Warn
			v.Observed = fmt.Sprintf("%s / 0", formatFloat(n))
			v.Reason = fmt.Sprintf("%s is undefined: the denominator is 0", v.Expr)
			return v
		}
		value = n / d
		v.Observed = fmt.Sprintf("%s (%s / %s)", formatFloat(value), formatFloat(n), formatFloat(d))
	}
	if !(value <= t.Max) { // NaN fails too
		v.Status = Fail
		v.Reason = fmt.Sprintf("%s is %s, above the maximum %s", v.Expr, v.Observed, formatFloat(t.Max))
		return v
	}
	v.Status = Pass
	v.Reason = fmt.Sprintf("%s is %s, within the maximum %s", v.Expr, v.Observed, formatFloat(t.Max))
	return v
}

// Sum adds the samples selected; found is false when no sample has the name
// at all (whatever the labels). A counter is found by its name without
// _total too; a histogram by its name alone is an error.
func (s *Samples) Sum(sel config.MetricSelector) (total float64, found bool, err error) {
	matchers, err := compileMatch(sel.Match)
	if err != nil {
		return 0, false, err
	}
	name := sel.Name
	if !s.has(name) {
		switch {
		case s.Histograms[name]:
			return 0, false, fmt.Errorf("%s is a histogram; name %s_count, %s_sum or %s_bucket", name, name, name, name)
		case s.has(name + "_total"):
			name += "_total"
		default:
			return 0, false, nil
		}
	}
	for _, smp := range s.All {
		if smp.Name != name {
			continue
		}
		ok := true
		for _, m := range matchers {
			if !m.re.MatchString(smp.Labels[m.label]) {
				ok = false
				break
			}
		}
		if ok {
			total += smp.Value
		}
	}
	return total, true, nil
}

func (s *Samples) has(name string) bool {
	return slices.ContainsFunc(s.All, func(smp Sample) bool { return smp.Name == name })
}

type labelMatcher struct {
	label string
	re    *regexp.Regexp
}

func compileMatch(m map[string]string) ([]labelMatcher, error) {
	labels := make([]string, 0, len(m))
	for l := range m {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	var out []labelMatcher
	for _, l := range labels {
		re, err := regexp.Compile("^(?:" + m[l] + ")$")
		if err != nil {
			return nil, fmt.Errorf("label %s: %q is not a regular expression", l, m[l])
		}
		out = append(out, labelMatcher{label: l, re: re})
	}
	return out, nil
}

// SelectorExpr writes a selector as PromQL, as the evidence does:
// sum(name{label=~"re"}).
func SelectorExpr(sel config.MetricSelector) string { return selectorExpr(sel) }

// selectorExpr writes a selector as PromQL: sum(name{label=~"re"}).
func selectorExpr(sel config.MetricSelector) string {
	labels := make([]string, 0, len(sel.Match))
	for l := range sel.Match {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	var parts []string
	for _, l := range labels {
		parts = append(parts, l+"=~"+strconv.Quote(sel.Match[l]))
	}
	expr := sel.Name
	if len(parts) > 0 {
		expr += "{" + strings.Join(parts, ",") + "}"
	}
	return "sum(" + expr + ")"
}

func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case f == math.Trunc(f) && math.Abs(f) < 1e15:
		return strconv.FormatInt(int64(f), 10)
	}
	if s := strconv.FormatFloat(f, 'g', -1, 64); len(s) <= 8 {
		return s
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}
