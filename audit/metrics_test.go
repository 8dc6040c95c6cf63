package audit

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/releasebot/releasebot/config"
)

// FuzzLabelMatch holds the configuration's check of a match regular
// expression to the audit's use of it: what loads from the configuration
// compiles when the check runs, and what would not compile does not load.
func FuzzLabelMatch(f *testing.F) {
	for _, re := range []string{"5..", `\+Inf`, "5(", "a|b", "(?i)get", "[", `\`, "x{2,1}", ".*", ""} {
		f.Add(re)
	}
	f.Fuzz(func(t *testing.T, re string) {
		if !utf8.ValidString(re) {
			return // YAML holds text; bytes that are not UTF-8 never reach the check
		}
		doc := "audit:\n  metrics:\n    - {name: x, match: {code: " + strconv.Quote(re) + "}, max: 0}\n"
		cfg, cfgErr := config.Parse("cfg.yml", []byte(doc))
		_, runErr := compileMatch(map[string]string{"code": re})
		if (cfgErr == nil) != (runErr == nil) {
			t.Fatalf("match %q: the configuration says %v, the audit %v", re, cfgErr, runErr)
		}
		if cfgErr == nil && cfg.Audit.Metrics[0].Match["code"] != re {
			t.Fatalf("match %q loaded as %q", re, cfg.Audit.Metrics[0].Match["code"])
		}
		// The evidence writes the match back as PromQL: the value reads back.
		expr := selectorExpr(config.MetricSelector{Name: "x", Match: map[string]string{"code": re}})
		quoted := strings.TrimSuffix(strings.TrimPrefix(expr, "sum(x{code=~"), "})")
		if back, err := strconv.Unquote(quoted); err != nil || back != re {
			t.Fatalf("selector %s does not read back as %q", expr, re)
		}
	})
}
