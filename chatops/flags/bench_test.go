package flags

import (
	"fmt"
	"strings"
	"testing"
)

// genFlagFile writes a flag file with a small stage environment and a prod
// environment of n flags, as a large team's file looks: every third flag in
// the canary, every seventh overridden, a comment now and then.
func genFlagFile(n int) []byte {
	var b strings.Builder
	b.Grow(n * 56)
	b.WriteString("# Flag state per environment. Managed with /canary, /toggle and /rollback.\nenvironments:\n")
	b.WriteString("  stage:\n    canary_percent: 0\n    flags:\n      FF_STAGE_ONLY: {default: on}\n")
	b.WriteString("  prod:\n    canary_percent: 10\n    cohort: \"1.3.1\"\n    flags:\n")
	for i := range n {
		if i%100 == 0 {
			fmt.Fprintf(&b, "      # block %d\n", i/100)
		}
		fmt.Fprintf(&b, "      FF_FLAG_%06d: {default: %s", i, word(i%5 == 0))
		if i%3 == 0 {
			b.WriteString(", canary: true")
		}
		if i%7 == 0 {
			b.WriteString(", override: on")
		}
		b.WriteString("}\n")
	}
	return []byte(b.String())
}

// command runs what one /rollback does to the flag file: parse, set canary
// to 0 and an override of off on every canary flag, describe the change,
// save, and render the environment in every format.
func command(tb testing.TB, data []byte) (changes int, size int) {
	f, err := Parse(".release/flags.yaml", data)
	if err != nil {
		tb.Fatal(err)
	}
	next := f.Clone()
	env := next.Env("prod")
	env.CanaryPercent = 0
	for _, fl := range env.Flags {
		if fl.Canary {
			off := false
			fl.Override = &off
		}
	}
	cs := Diff(f, next)
	out, err := next.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	size = len(out)
	for _, format := range Formats {
		r, err := Render(next, "prod", format, ".release/flags.yaml")
		if err != nil {
			tb.Fatal(err)
		}
		size += len(r)
	}
	return len(cs), size
}

// BenchmarkCommand measures one command's work on the flag file (parse,
// rollback, diff, marshal, three renders) at three sizes; time per op should
// grow with the number of flags, not its square.
//
//	go test -run '^$' -bench Command -benchmem ./chatops/flags/
func BenchmarkCommand(b *testing.B) {
	for _, n := range []int{1000, 10000, 40000} {
		data := genFlagFile(n)
		b.Run(fmt.Sprintf("flags=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				command(b, data)
			}
		})
	}
}
