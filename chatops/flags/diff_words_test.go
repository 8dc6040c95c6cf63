package flags

import (
	"strings"
	"testing"
)

// TestDiffNamesEveryField: each field a flag file holds, changed alone, is
// one change in words, and each reads back with ParseChangeLine.
func TestDiffNamesEveryField(t *testing.T) {
	on, off := true, false
	for _, c := range []struct {
		name string
		edit func(f *File)
		want string
	}{
		{"canary percent", func(f *File) { f.Env("prod").CanaryPercent = 50 }, "canary 10% → 50% (prod)"},
		{"cohort", func(f *File) { f.Env("prod").Cohort = "1.4.0" }, "cohort: 1.3.1 → 1.4.0 (prod)"},
		{"cohort cleared to the environment's name", func(f *File) { f.Env("prod").Cohort = "" }, "cohort: 1.3.1 → prod (prod)"},
		{"default", func(f *File) { f.Env("stage").Flag("FF_NAV_FOOTER").Default = false }, "FF_NAV_FOOTER default: on → off (stage)"},
		{"canary marking set", func(f *File) { f.Env("stage").Flag("FF_NAV_FOOTER").Canary = true }, "FF_NAV_FOOTER canary: false → true (stage)"},
		{"canary marking cleared", func(f *File) { f.Env("prod").Flag("FF_NEW_ONBOARDING").Canary = false }, "FF_NEW_ONBOARDING canary: true → false (prod)"},
		{"override set", func(f *File) { f.Env("prod").Flag("FF_NEW_ONBOARDING").Override = &on }, "FF_NEW_ONBOARDING override: none → on (prod)"},
		{"override flipped", func(f *File) { f.Env("prod").Flag("FF_NAV_FOOTER").Override = &on }, "FF_NAV_FOOTER override: off → on (prod)"},
		{"override cleared", func(f *File) { f.Env("prod").Flag("FF_NAV_FOOTER").Override = nil }, "FF_NAV_FOOTER override: off → none (prod)"},
		{"same override again", func(f *File) { f.Env("prod").Flag("FF_NAV_FOOTER").Override = &off }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := mustParse(t, "testdata/design.yaml")
			b := a.Clone()
			c.edit(b)
			var got []string
			for _, ch := range Diff(a, b) {
				got = append(got, ch.String())
				back, ok := ParseChangeLine("- " + ch.String())
				if !ok || back != ch {
					t.Errorf("ParseChangeLine(%q) = %+v, %v; want %+v", ch.String(), back, ok, ch)
				}
			}
			if strings.Join(got, "\n") != c.want {
				t.Errorf("Diff = %q, want %q", got, c.want)
			}
			if len(Diff(a, a.Clone())) != 0 {
				t.Error("a file differs from its clone")
			}
		})
	}
}
