package flags

import (
	"testing"
)

// TestCommandWorkIsLinear guards against quadratic work without timing
// anything: a command on ten times the flags may scan at most fifteen times
// the names and allocate at most fifteen times as often. A scan per flag (as
// Diff and Marshal once did) makes the scans grow a hundredfold.
func TestCommandWorkIsLinear(t *testing.T) {
	type work struct{ scans, allocs float64 }
	measure := func(n int) work {
		data := genFlagFile(n)
		var w work
		count := 0
		probes = &count
		defer func() { probes = nil }()
		command(t, data)
		w.scans = float64(count)
		probes = nil
		w.allocs = testing.AllocsPerRun(1, func() { command(t, data) })
		return w
	}
	small, large := measure(1000), measure(10000)
	if small.scans == 0 {
		t.Fatal("no scans counted: the probes are not wired")
	}
	if r := large.scans / small.scans; r > 15 {
		t.Errorf("10 000 flags scan %.0f names, 1 000 flags %.0f: %.0f× for 10× the flags", large.scans, small.scans, r)
	}
	if r := large.allocs / small.allocs; r > 15 {
		t.Errorf("10 000 flags allocate %.0f times, 1 000 flags %.0f: %.0f× for 10× the flags", large.allocs, small.allocs, r)
	}
}
