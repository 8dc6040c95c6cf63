package flags

import (
	"os"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/golden"
)

func mustParse(t testing.TB, path string) *File {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParse(t *testing.T) {
	f := mustParse(t, "testdata/design.yaml")
	if got := strings.Join(f.EnvNames(), ","); got != "stage,prod" {
		t.Errorf("environments in file order: %s", got)
	}
	prod := f.Env("prod")
	if prod.CanaryPercent != 10 || prod.Cohort != "1.3.1" || prod.CohortSeed() != "1.3.1" || f.Env("stage").CohortSeed() != "stage" {
		t.Errorf("prod: %+v", prod)
	}
	nav := prod.Flag("FF_NAV_FOOTER")
	if nav.Default || !nav.Canary || nav.Override == nil || *nav.Override {
		t.Errorf("FF_NAV_FOOTER: %+v", nav)
	}
	if on := f.Env("stage").Flag("FF_NEW_ONBOARDING"); !on.Default || on.Canary || on.Override != nil {
		t.Errorf("stage FF_NEW_ONBOARDING: %+v", on)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"percent above 100", "environments:\n  prod:\n    canary_percent: 150\n", "f.yaml:3:21: environments.prod.canary_percent: must be 0 to 100, got 150"},
		{"negative percent", "environments:\n  prod: {canary_percent: -1}\n", "environments.prod.canary_percent: must be 0 to 100, got -1"},
		{"percent with %", "environments:\n  prod: {canary_percent: 10%}\n", `environments.prod.canary_percent: expected a whole number, got "10%"`},
		{"unknown env key", "environments:\n  prod: {canary: 10}\n", "f.yaml:2:10: environments.prod.canary: unknown key (an environment has canary_percent, cohort and flags)"},
		{"unknown flag key", "environments:\n  prod:\n    flags:\n      FF_A: {default: off, overide: on}\n", "f.yaml:4:28: environments.prod.flags.FF_A.overide: unknown key (a flag has default, canary and override)"},
		{"bad value", "environments:\n  prod:\n    flags:\n      FF_A: {default: maybe}\n", `f.yaml:4:23: environments.prod.flags.FF_A.default: expected on or off, got "maybe"`},
		{"missing default", "environments:\n  prod:\n    flags:\n      FF_A: {canary: true}\n", "f.yaml:4:7: environments.prod.flags.FF_A: missing default: write {default: off} or {default: on}"},
		{"duplicate flag", "environments:\n  prod:\n    flags:\n      FF_A: {default: off}\n      FF_A: {default: on}\n", "f.yaml:5:7: environments.prod.flags.FF_A: duplicate key"},
		{"bad flag name", "environments:\n  prod:\n    flags:\n      FF-A: {default: off}\n", `environments.prod.flags.FF-A: "FF-A" is not a flag name`},
		{"unknown top key", "envs: {}\n", "f.yaml:1:1: envs: unknown key (the flag file has one top-level key: environments)"},
		{"no environments", "environments: {}\n", "environments: no environments; add at least one, e.g. prod"},
		{"empty file", "", "f.yaml: the flag file is empty; it needs an environments: mapping"},
		{"merge conflict markers", "environments:\n<<<<<<< HEAD\n  prod: {canary_percent: 10}\n=======\n  prod: {canary_percent: 50}\n>>>>>>> x\n", "f.yaml:2: invalid YAML: could not find expected ':'"},
		{"canary not bool", "environments:\n  prod:\n    flags:\n      FF_A: {default: off, canary: yes}\n", `environments.prod.flags.FF_A.canary: expected true or false, got "yes"`},
		{"list instead of mapping", "environments:\n  - prod\n", "f.yaml:2:3: environments: expected a mapping of keys to values, got a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestMarshalKeepsTheFile(t *testing.T) {
	data, err := os.ReadFile("testdata/design.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := mustParse(t, "testdata/design.yaml")
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Saving without a change keeps every line but for comment spacing.
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if norm(string(out)) != norm(string(data)) {
		t.Errorf("unchanged save differs:\n%s", out)
	}
	// Each change is a one-line diff; the header comment stays.
	g := f.Clone()
	g.Env("prod").CanaryPercent = 50
	on := true
	g.Env("prod").Flag("FF_NEW_ONBOARDING").Override = &on
	g.Env("prod").Flag("FF_NAV_FOOTER").Override = nil
	changed, err := g.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "design.changed.yaml", changed)
	if diff := lineDiff(string(out), string(changed)); diff != 3 {
		t.Errorf("%d lines differ, want 3 (one per change)", diff)
	}
	// Clone shares nothing: f is as it was.
	again, _ := f.Marshal()
	if string(again) != string(out) {
		t.Error("changing the clone changed the original")
	}
	// And the saved file parses back to the same state.
	back, err := Parse("x", changed)
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(g, back); len(d) != 0 {
		t.Errorf("round trip changed %v", d)
	}
}

func lineDiff(a, b string) int {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(la) != len(lb) {
		return -1
	}
	n := 0
	for i := range la {
		if la[i] != lb[i] {
			n++
		}
	}
	return n
}

func TestMarshalSpellings(t *testing.T) {
	// A hand-written "true" is the same as on: saving does not rewrite it.
	in := "environments:\n  prod:\n    canary_percent: 0\n    flags:\n      FF_A: {default: false, canary: true}\n"
	f, err := Parse("f", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := f.Marshal()
	if string(out) != in {
		t.Errorf("rewrote the spelling:\n%s", out)
	}
}

func TestDiffAndChangeLines(t *testing.T) {
	a := mustParse(t, "testdata/design.yaml")
	b := a.Clone()
	b.Env("prod").CanaryPercent = 0
	off := false
	b.Env("prod").Flag("FF_NEW_ONBOARDING").Override = &off
	b.Env("stage").Flag("FF_NAV_FOOTER").Default = false
	b.Env("prod").Cohort = "1.4.0"
	want := []string{
		"FF_NAV_FOOTER default: on → off (stage)",
		"canary 10% → 0% (prod)",
		"cohort: 1.3.1 → 1.4.0 (prod)",
		"FF_NEW_ONBOARDING override: none → off (prod)",
	}
	got := Diff(a, b)
	if len(got) != len(want) {
		t.Fatalf("Diff = %v", got)
	}
	for i, c := range got {
		if c.String() != want[i] {
			t.Errorf("change %d = %q, want %q", i, c, want[i])
		}
		back, ok := ParseChangeLine("- " + c.String())
		if !ok || back != c {
			t.Errorf("ParseChangeLine(%q) = %+v, %v; want %+v", c, back, ok, c)
		}
	}
	for _, bad := range []string{"", "- hello", "- canary 10% (prod)", "Requested-by: x"} {
		if _, ok := ParseChangeLine(bad); ok {
			t.Errorf("ParseChangeLine(%q) accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/design.yaml"} {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	f.Add("environments:\n  prod:\n    canary_percent: 10\n    flags:\n      FF_A: {default: off, canary: true, override: on}\n")
	f.Add("environments: {prod: {flags: {FF_A: {default: on}}}}")
	f.Add("environments:\n  stage: &b {canary_percent: 0, flags: {FF_A: &f {default: off, canary: true}}}\n  prod: *b\n  qa: {flags: {FF_A: *f}}\n")
	f.Fuzz(func(t *testing.T, in string) {
		file, err := Parse("f.yaml", []byte(in))
		if err != nil {
			return
		}
		// Whatever parses must save, parse back to the same state, and render.
		out, err := file.Marshal()
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse("f.yaml", out)
		if err != nil {
			t.Fatalf("saved file does not parse: %v\n%s", err, out)
		}
		if d := Diff(file, back); len(d) != 0 {
			t.Fatalf("round trip changed %v", d)
		}
		// A changed state saves and parses back to itself, every environment
		// on its own (anchors and aliases included).
		changed := file.Clone()
		for i, e := range changed.Environments {
			e.CanaryPercent = (e.CanaryPercent + 37 + i) % 101
			for j, fl := range e.Flags {
				switch (i + j) % 3 {
				case 0:
					fl.Override = nil
				case 1:
					v := j%2 == 0
					fl.Override = &v
				}
			}
		}
		out, err = changed.Marshal()
		if err != nil {
			t.Fatalf("Marshal changed: %v", err)
		}
		back, err = Parse("f.yaml", out)
		if err != nil {
			t.Fatalf("saved change does not parse: %v\n%s", err, out)
		}
		if d := Diff(changed, back); len(d) != 0 {
			t.Fatalf("saved change differs from the state %v:\n%s", d, out)
		}
		for _, e := range file.Environments {
			for _, format := range Formats {
				if _, err := Render(file, e.Name, format, "f.yaml"); err != nil {
					t.Fatalf("Render %s: %v", format, err)
				}
			}
		}
	})
}
