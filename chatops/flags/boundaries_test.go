package flags

import (
	"strconv"
	"strings"
	"testing"
)

// TestCanaryPercentBoundaries: 0 and 100 are percentages, -1 and 101 are
// not, and the refusal names the file, line and key.
func TestCanaryPercentBoundaries(t *testing.T) {
	for _, c := range []struct {
		value string
		ok    bool
	}{{"0", true}, {"1", true}, {"99", true}, {"100", true}, {"-1", false}, {"101", false}, {"1000", false}} {
		in := "environments:\n  prod:\n    canary_percent: " + c.value + "\n    flags: {FF_A: {default: off, canary: true}}\n"
		f, err := Parse("f.yaml", []byte(in))
		switch {
		case c.ok && (err != nil || strconv.Itoa(f.Env("prod").CanaryPercent) != c.value):
			t.Errorf("%s: %v, want it read", c.value, err)
		case !c.ok && (err == nil || !strings.HasPrefix(err.Error(), "f.yaml:3:") || !strings.Contains(err.Error(), "canary_percent") || !strings.Contains(err.Error(), "must be 0 to 100, got "+c.value)):
			t.Errorf("%s: %v, want a refusal at f.yaml:3 naming canary_percent", c.value, err)
		}
	}
}
