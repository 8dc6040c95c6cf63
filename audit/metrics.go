package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/releasebot/releasebot/config"
)

// MetricsCheck ("metrics") scrapes an environment's metrics_url and holds
// the samples against thresholds: the sum of the samples of a metric whose
// labels match (anchored regular expressions) must be at most Max, or, with
// Over, that sum divided by the sum of the Over selection. Names work as in
// the exposition: counters and gauges by name (a counter also without its
// _total), histograms as name_bucket (with le), name_sum and name_count,
// summaries as name (with quantile), name_sum and name_count.
type MetricsCheck struct {
	Env    string // environment name, for reasons
	Source string // the configuration file, for the skip reason
	// Key is where the thresholds come from ("audit.metrics" or
	// "canary.gates.metrics"), for reasons.
	Key        string
	Thresholds []config.MetricThreshold
	Endpoint
}

func (MetricsCheck) String() string { return "metrics" }

const metricsAccept = "text/plain;version=0.0.4;q=1.0, application/openmetrics-text;version=1.0.0;q=0.5, */*;q=0.1"

// Run scrapes and evaluates.
func (c MetricsCheck) Run(ctx context.Context) (Result, error) {
	if c.URL == "" {
		return skipped(fmt.Sprintf("%s has no metrics_url in %s", c.Env, c.Source)), nil
	}
	ev := Evidence{URL: c.Target()}
	a, err := c.get(ctx, "metrics_url", metricsAccept, MaxMetricsBytes)
	if err != nil {
		return Result{Evidence: ev}, err
	}
	if !a.ok() {
		ev.Observed = a.Status
		return Result{Status: Fail, Reason: fmt.Sprintf("%s answered %s", ev.URL, a.Status), Evidence: ev}, nil
	}
	samples, err := ParseMetrics(a.Body, expfmt.ResponseFormat(a.Header))
	if err != nil {
		ev.Observed = a.Status
		return Result{Status: Fail, Reason: fmt.Sprintf("could not read %s as Prometheus metrics: %v", ev.URL, err), Evidence: ev}, nil
	}
	if len(c.Thresholds) == 0 {
		key := c.Key
		if key == "" {
			key = "audit.metrics"
		}
		ev.Observed = fmt.Sprintf("%d samples", len(samples.all))
		return Result{Status: Pass, Reason: fmt.Sprintf("%s answered with %d samples; no thresholds in %s", ev.URL, len(samples.all), key), Evidence: ev}, nil
	}
	var worst Status = Pass
	var verdicts []verdict
	for _, t := range c.Thresholds {
		v := samples.evaluate(t)
		verdicts = append(verdicts, v)
		if rank(v.status) > rank(worst) {
			worst = v.status
		}
	}
	var reasons, observed, thresholds []string
	for _, v := range verdicts {
		if v.status != worst {
			continue
		}
		reasons = append(reasons, v.reason)
		observed = append(observed, v.expr+" = "+v.observed)
		thresholds = append(thresholds, v.expr+" ≤ "+formatFloat(v.max))
	}
	ev.Observed = strings.Join(observed, "; ")
	ev.Threshold = strings.Join(thresholds, "; ")
	reason := strings.Join(reasons, "; ")
	if worst == Pass {
		reason = fmt.Sprintf("%s: %s", ev.URL, reason)
		if len(verdicts) > 1 {
			reason = fmt.Sprintf("%s: all %d thresholds met", ev.URL, len(verdicts))
		}
	} else {
		reason = fmt.Sprintf("%s: %s", ev.URL, reason)
	}
	return Result{Status: worst, Reason: reason, Evidence: ev}, nil
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

// Samples are the parsed samples of one scrape.
type Samples struct {
	all   model.Vector
	types map[string]dto.MetricType // family name → type
}

// ParseMetrics parses a scrape: the Prometheus text format (expfmt's
// TextParser, UTF-8 names allowed), or OpenMetrics when the format says so.
func ParseMetrics(body []byte, format expfmt.Format) (*Samples, error) {
	fams := map[string]*dto.MetricFamily{}
	if format.FormatType() == expfmt.TypeOpenMetrics {
		dec := expfmt.NewDecoder(bytes.NewReader(body), format)
		for {
			var mf dto.MetricFamily
			err := dec.Decode(&mf)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			fams[mf.GetName()] = &mf
		}
	} else {
		p := expfmt.NewTextParser(model.UTF8Validation)
		var err error
		if fams, err = p.TextToMetricFamilies(bytes.NewReader(body)); err != nil {
			return nil, err
		}
	}
	s := &Samples{types: map[string]dto.MetricType{}}
	names := make([]string, 0, len(fams))
	for name, mf := range fams {
		names = append(names, name)
		s.types[name] = mf.GetType()
	}
	slices.Sort(names)
	for _, name := range names {
		v, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{}, fams[name])
		if err != nil {
			return nil, err
		}
		s.all = append(s.all, v...)
	}
	return s, nil
}

// verdict is one threshold's evaluation.
type verdict struct {
	status   Status
	expr     string // sum(x{a=~"b"}) or sum(x) / sum(y)
	observed string
	max      float64
	reason   string
}

func (s *Samples) evaluate(t config.MetricThreshold) verdict {
	num := config.MetricSelector{Name: t.Name, Match: t.Match}
	v := verdict{expr: selectorExpr(num), max: t.Max}
	if t.Over != nil {
		v.expr += " / " + selectorExpr(*t.Over)
	}
	n, found, err := s.sum(num)
	if err != nil {
		v.status, v.observed, v.reason = Fail, "error", err.Error()
		return v
	}
	if !found {
		v.status, v.observed = Warn, "absent"
		v.reason = fmt.Sprintf("no samples named %s; cannot check %s ≤ %s", t.Name, v.expr, formatFloat(t.Max))
		return v
	}
	value := n
	v.observed = formatFloat(n)
	if t.Over != nil {
		d, dfound, err := s.sum(*t.Over)
		if err != nil {
			v.status, v.observed, v.reason = Fail, "error", err.Error()
			return v
		}
		if !dfound || d == 0 {
			v.status = Warn
			v.observed = fmt.Sprintf("%s / 0", formatFloat(n))
			v.reason = fmt.Sprintf("%s is undefined: the denominator is 0", v.expr)
			return v
		}
		value = n / d
		v.observed = fmt.Sprintf("%s (%s / %s)", formatFloat(value), formatFloat(n), formatFloat(d))
	}
	if !(value <= t.Max) { // NaN fails too
		v.status = Fail
		v.reason = fmt.Sprintf("%s is %s, above the maximum %s", v.expr, v.observed, formatFloat(t.Max))
		return v
	}
	v.status = Pass
	v.reason = fmt.Sprintf("%s is %s, within the maximum %s", v.expr, v.observed, formatFloat(t.Max))
	return v
}

// sum adds the samples selected; found is false when no sample has the name
// at all (whatever the labels).
func (s *Samples) sum(sel config.MetricSelector) (total float64, found bool, err error) {
	matchers, err := compileMatch(sel.Match)
	if err != nil {
		return 0, false, err
	}
	name := sel.Name
	if !s.has(name) {
		switch {
		case s.types[name] == dto.MetricType_HISTOGRAM || s.types[name] == dto.MetricType_GAUGE_HISTOGRAM:
			return 0, false, fmt.Errorf("%s is a histogram; name %s_count, %s_sum or %s_bucket", name, name, name, name)
		case s.has(name + "_total"):
			name += "_total"
		default:
			return 0, false, nil
		}
	}
	for _, smp := range s.all {
		if string(smp.Metric[model.MetricNameLabel]) != name {
			continue
		}
		ok := true
		for _, m := range matchers {
			if !m.re.MatchString(string(smp.Metric[model.LabelName(m.label)])) {
				ok = false
				break
			}
		}
		if ok {
			total += float64(smp.Value)
		}
	}
	return total, true, nil
}

func (s *Samples) has(name string) bool {
	return slices.ContainsFunc(s.all, func(smp *model.Sample) bool {
		return string(smp.Metric[model.MetricNameLabel]) == name
	})
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
