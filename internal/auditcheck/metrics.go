package auditcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/config"
)

// MetricsCheck ("metrics") scrapes an environment's metrics_url and holds
// the samples against thresholds (audit.EvaluateMetrics). Names work as in
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

// Run scrapes and evaluates. A scrape that is not 2xx or does not parse
// fails with the status or the parser's complaint.
func (c MetricsCheck) Run(ctx context.Context) (audit.Result, error) {
	if c.URL == "" {
		return skipped(fmt.Sprintf("%s has no metrics_url in %s", c.Env, c.Source)), nil
	}
	ev := audit.Evidence{URL: c.Target()}
	a, err := c.get(ctx, "metrics_url", metricsAccept, MaxMetricsBytes)
	if err != nil {
		return audit.Result{Evidence: ev}, err
	}
	if !a.ok() {
		ev.Observed = a.Status
		return audit.Result{Status: audit.Fail, Reason: fmt.Sprintf("%s answered %s", ev.URL, a.Status), Evidence: ev}, nil
	}
	samples, err := ParseMetrics(a.Body, expfmt.ResponseFormat(a.Header))
	if err != nil {
		ev.Observed = a.Status
		return audit.Result{Status: audit.Fail, Reason: fmt.Sprintf("could not read %s as Prometheus metrics: %v", ev.URL, err), Evidence: ev}, nil
	}
	return audit.EvaluateMetrics(ev.URL, c.Key, samples, c.Thresholds), nil
}

// ParseMetrics parses a scrape into the audit's samples: the Prometheus
// text format (expfmt's TextParser, UTF-8 names allowed), or OpenMetrics
// when the format says so. Samples come sorted by family name.
func ParseMetrics(body []byte, format expfmt.Format) (*audit.Samples, error) {
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
	s := &audit.Samples{Histograms: map[string]bool{}}
	names := make([]string, 0, len(fams))
	for name, mf := range fams {
		names = append(names, name)
		if t := mf.GetType(); t == dto.MetricType_HISTOGRAM || t == dto.MetricType_GAUGE_HISTOGRAM {
			s.Histograms[name] = true
		}
	}
	slices.Sort(names)
	for _, name := range names {
		v, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{}, fams[name])
		if err != nil {
			return nil, err
		}
		for _, smp := range v {
			labels := make(map[string]string, len(smp.Metric))
			for l, val := range smp.Metric {
				labels[string(l)] = string(val) // __name__ too, as PromQL matches it
			}
			s.All = append(s.All, audit.Sample{Name: string(smp.Metric[model.MetricNameLabel]), Labels: labels, Value: float64(smp.Value)})
		}
	}
	return s, nil
}
