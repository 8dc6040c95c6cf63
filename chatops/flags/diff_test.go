package flags

import (
	"strings"
	"testing"
)

// TestDiffAddsAndRemoves pins Diff's order — environments in b's order,
// flags in file order, removals after each environment's flags, removed
// environments last — which the commit body and replies show as is.
func TestDiffAddsAndRemoves(t *testing.T) {
	a := mustParse(t, "testdata/design.yaml")
	b := a.Clone()
	prod := b.Env("prod")
	prod.Flags = append([]*Flag{{Name: "FF_FIRST", Default: true}}, prod.Flags[1:]...) // FF_NEW_ONBOARDING removed
	prod.Flags = append(prod.Flags, &Flag{Name: "FF_LAST"})
	b.Environments = []*Environment{prod, {Name: "qa", Flags: []*Flag{{Name: "FF_QA"}}}} // stage removed, qa added
	got := make([]string, 0)
	for _, c := range Diff(a, b) {
		got = append(got, c.String())
	}
	want := []string{
		"FF_FIRST added (prod)",
		"FF_LAST added (prod)",
		"FF_NEW_ONBOARDING removed (prod)",
		"environment: none → added (qa)",
		"environment: present → removed (stage)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d := Diff(a, a.Clone()); len(d) != 0 {
		t.Errorf("a file differs from its clone: %v", d)
	}
}

// TestMarshalAddsWhatTheFileLacks saves flags and an environment the parsed
// file does not have: they are appended, and the file parses back to the
// state.
func TestMarshalAddsWhatTheFileLacks(t *testing.T) {
	f := mustParse(t, "testdata/design.yaml")
	g := f.Clone()
	on := true
	g.Env("prod").Flags = append(g.Env("prod").Flags, &Flag{Name: "FF_NEW", Canary: true, Override: &on})
	g.Environments = append(g.Environments, &Environment{Name: "qa", CanaryPercent: 5, Cohort: "q", Flags: []*Flag{{Name: "FF_QA", Default: true}}})
	out, err := g.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("f.yaml", out)
	if err != nil {
		t.Fatalf("saved file does not parse: %v\n%s", err, out)
	}
	if d := Diff(g, back); len(d) != 0 {
		t.Errorf("saved file differs from the state: %v\n%s", d, out)
	}
	if !strings.Contains(string(out), "      FF_NAV_FOOTER: {default: off, canary: true, override: off}\n      FF_NEW: {default: off, canary: true, override: on}\n") {
		t.Errorf("FF_NEW not appended after the last flag of prod:\n%s", out)
	}
}
