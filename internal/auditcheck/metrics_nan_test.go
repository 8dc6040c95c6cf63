package auditcheck

import (
	"github.com/releasebot/releasebot/audit"
	"testing"

	"github.com/prometheus/common/expfmt"

	"github.com/releasebot/releasebot/config"
)

// TestMetricsNaNNeverPasses: a NaN sample, in the numerator or the
// denominator of a ratio, alone or summed with ordinary samples, and a ratio
// that comes out NaN (∞/∞) fail the threshold; they never pass. +Inf fails
// too. A NaN the match leaves out does not count, and a ratio over an empty
// denominator is a warning, never a pass.
func TestMetricsNaNNeverPasses(t *testing.T) {
	t.Parallel()
	errs := map[string]string{"code": "5.."}
	all := &config.MetricSelector{Name: "req_total"}
	for _, c := range []struct {
		name, scrape string
		th           config.MetricThreshold
		want         audit.Status
	}{
		{"NaN sample", "req_total{code=\"500\"} NaN\n", config.MetricThreshold{Name: "req_total", Match: errs, Max: 0}, audit.Fail},
		{"NaN sample with a huge maximum", "req_total{code=\"500\"} NaN\n", config.MetricThreshold{Name: "req_total", Match: errs, Max: 1e308}, audit.Fail},
		{"NaN among zeros", "req_total{code=\"500\"} 0\nreq_total{code=\"502\"} NaN\nreq_total{code=\"503\"} 0\n", config.MetricThreshold{Name: "req_total", Match: errs, Max: 5}, audit.Fail},
		{"NaN the match leaves out", "req_total{code=\"500\"} 1\nreq_total{code=\"200\"} NaN\n", config.MetricThreshold{Name: "req_total", Match: errs, Max: 5}, audit.Pass},
		{"NaN gauge", "# TYPE inflight gauge\ninflight NaN\n", config.MetricThreshold{Name: "inflight", Max: 100}, audit.Fail},
		{"NaN counter by its name without _total", "# TYPE req counter\nreq_total{code=\"500\"} NaN\n", config.MetricThreshold{Name: "req", Match: errs, Max: 1}, audit.Fail},
		{"+Inf sample", "req_total{code=\"500\"} +Inf\n", config.MetricThreshold{Name: "req_total", Match: errs, Max: 1e308}, audit.Fail},
		{"+Inf and -Inf summed", "req_total{code=\"500\"} +Inf\nreq_total{code=\"501\"} -Inf\n", config.MetricThreshold{Name: "req_total", Match: errs, Max: 1}, audit.Fail},
		{"ratio with a NaN numerator", "req_total{code=\"500\"} NaN\nreq_total{code=\"200\"} 100\n", config.MetricThreshold{Name: "req_total", Match: errs, Over: all, Max: 0.5}, audit.Fail},
		{"ratio with a NaN denominator", "req_total{code=\"500\"} 1\nreq_total{code=\"200\"} NaN\n", config.MetricThreshold{Name: "req_total", Match: errs, Over: all, Max: 0.5}, audit.Fail},
		{"ratio with a NaN in another denominator", "req_total{code=\"500\"} 1\nother_total 100\nother_total{x=\"y\"} NaN\n", config.MetricThreshold{Name: "req_total", Match: errs, Over: &config.MetricSelector{Name: "other_total"}, Max: 0.5}, audit.Fail},
		{"ratio ∞/∞", "req_total{code=\"500\"} +Inf\nreq_total{code=\"200\"} 1\n", config.MetricThreshold{Name: "req_total", Match: errs, Over: all, Max: 0.5}, audit.Fail},
		{"ratio NaN over zero", "req_total{code=\"500\"} NaN\nzero_total 0\n", config.MetricThreshold{Name: "req_total", Match: errs, Over: &config.MetricSelector{Name: "zero_total"}, Max: 0.5}, audit.Warn},
		{"ratio over an absent denominator", "req_total{code=\"500\"} 1\n", config.MetricThreshold{Name: "req_total", Match: errs, Over: &config.MetricSelector{Name: "none_total"}, Max: 0.5}, audit.Warn},
		{"ordinary ratio within", "req_total{code=\"500\"} 1\nreq_total{code=\"200\"} 99\n", config.MetricThreshold{Name: "req_total", Match: errs, Over: all, Max: 0.5}, audit.Pass},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseMetrics([]byte(c.scrape), expfmt.NewFormat(expfmt.TypeTextPlain))
			if err != nil {
				t.Fatal(err)
			}
			v := s.Evaluate(c.th)
			if v.Status != c.want {
				t.Errorf("%s = %s: %s, want %s", v.Expr, v.Observed, v.Status, c.want)
			}
		})
	}
}
