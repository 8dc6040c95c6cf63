package config

import (
	"strings"
	"testing"
)

// TestBoundaries pins each numeric key's edges: canary steps are 1 to 100
// and strictly rising, max_sentry_issues is 0 or more, and a metric's max is
// a finite number (NaN would make every comparison false).
func TestBoundaries(t *testing.T) {
	for _, c := range []struct {
		in, err string // err "" means accepted
	}{
		{"canary: {steps: [1]}\n", ""},
		{"canary: {steps: [100]}\n", ""},
		{"canary: {steps: [1, 2, 100]}\n", ""},
		{"canary: {steps: [0]}\n", "step 1 is 0; steps are percentages from 1 to 100"},
		{"canary: {steps: [-5]}\n", "step 1 is -5; steps are percentages from 1 to 100"},
		{"canary: {steps: [101]}\n", "step 1 is 101; steps are percentages from 1 to 100"},
		{"canary: {steps: [10, 101]}\n", "step 2 is 101"},
		{"canary: {steps: [10, 10]}\n", "steps must rise: 10 comes after 10"},
		{"canary: {steps: [50, 10]}\n", "steps must rise: 10 comes after 50"},
		{"canary: {gates: {max_sentry_issues: 0}}\n", ""},
		{"canary: {gates: {max_sentry_issues: 2}}\n", ""},
		{"canary: {gates: {max_sentry_issues: -1}}\n", "max_sentry_issues: must be 0 or more"},
		{"audit: {metrics: [{name: x, max: 0}]}\n", ""},
		{"audit: {metrics: [{name: x, max: 0.5}]}\n", ""},
		{"audit: {metrics: [{name: x, max: .nan}]}\n", "max"},
		{"audit: {metrics: [{name: x, max: .inf}]}\n", "max"},
		{"audit: {metrics: [{name: x, max: -.inf}]}\n", "max"},
	} {
		_, err := Parse("cfg.yml", []byte(c.in))
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%q: %v, want it accepted", c.in, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err) || !strings.HasPrefix(err.Error(), "cfg.yml:1:")):
			t.Errorf("%q: %v, want an error at cfg.yml:1 holding %q", c.in, err, c.err)
		}
	}
}
