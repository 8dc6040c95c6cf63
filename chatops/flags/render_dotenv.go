package flags

import (
	"fmt"
	"strings"
)

// renderDotenv writes KEY=value lines a deploy can source. FF_X is the value
// for users outside the cohort (the override, else the default);
// FF_X_CANARY=true says the flag is on for users whose bucket is below
// CANARY_PERCENT, bucketed with CANARY_COHORT as flags.Bucket does.
func renderDotenv(e *Environment, source string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Rendered by releasebot from %s (environment %s). Do not edit: run /canary, /toggle or /rollback.\n", source, e.Name)
	fmt.Fprintf(&b, "CANARY_PERCENT=%d\n", e.CanaryPercent)
	fmt.Fprintf(&b, "CANARY_COHORT=%s\n", dotenvQuote(e.CohortSeed()))
	for _, fl := range e.Flags {
		base := fl.Default
		if fl.Override != nil {
			base = *fl.Override
		}
		fmt.Fprintf(&b, "%s=%s\n", fl.Name, word(base))
		fmt.Fprintf(&b, "%s_CANARY=%t\n", fl.Name, fl.Canary && fl.Override == nil && !fl.Default)
	}
	return []byte(b.String())
}

// dotenvQuote quotes a value when it holds anything but safe characters.
func dotenvQuote(s string) string {
	for _, r := range s {
		if !(r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
