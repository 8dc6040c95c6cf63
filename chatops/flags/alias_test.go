package flags

import (
	"strings"
	"testing"
)

func TestAliasesAreEditedAsCopies(t *testing.T) {
	in := "environments:\n  stage: &base\n    canary_percent: 0\n    flags:\n      FF_A: &flag {default: off, canary: true}\n  prod:\n    canary_percent: 0\n    flags:\n      FF_A: *flag\n  qa: *base\n"
	f, err := Parse("f", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	on := true
	g := f.Clone()
	g.Env("prod").CanaryPercent = 10
	g.Env("prod").Flag("FF_A").Override = &on
	g.Env("qa").CanaryPercent = 50
	out, err := g.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("f", out)
	if err != nil {
		t.Fatalf("saved file does not parse: %v\n%s", err, out)
	}
	if d := Diff(g, back); len(d) != 0 {
		t.Fatalf("saved file differs from the state: %v\n%s", d, out)
	}
	// The edit through an alias did not leak into the anchor's other users.
	if back.Env("stage").CanaryPercent != 0 || back.Env("stage").Flag("FF_A").Override != nil {
		t.Errorf("stage changed:\n%s", out)
	}
	if strings.Contains(string(out), "*") || strings.Contains(string(out), "&") {
		t.Errorf("aliases left in the saved file:\n%s", out)
	}
}
