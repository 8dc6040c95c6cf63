package audit

import (
	"context"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
)

func on() *bool  { b := true; return &b }
func off() *bool { b := false; return &b }

// checkCase is a check that needs no service, and its verdict.
type checkCase struct {
	name   string
	check  Check
	want   Status
	reason string
}

func runCases(t *testing.T, tests []checkCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.check.Run(context.Background())
			if err != nil || got.Status != tt.want || got.Reason != tt.reason {
				t.Errorf("got %s %q (%v)\nwant %s %q", got.Status, got.Reason, err, tt.want, tt.reason)
			}
		})
	}
}
func TestFlagChecks(t *testing.T) {
	t.Parallel()
	tests := []checkCase{
		{
			"stage at defaults",
			StageFlagsCheck{Env: &FlagEnv{Name: "stage", Flags: []FlagValue{{Name: "FF_A", Default: true}, {Name: "FF_B", Override: on()}}}},
			Pass, "stage runs canary 0% with all 2 flags on",
		},
		{
			"stage off and canary",
			StageFlagsCheck{Env: &FlagEnv{Name: "stage", CanaryPercent: 10, Flags: []FlagValue{{Name: "FF_A", Default: true, Override: off()}, {Name: "FF_B"}}}},
			Fail, "stage is not at its defaults: canary is 10%, not 0; off: FF_A (override off), FF_B (default off)",
		},
		{"stage missing", StageFlagsCheck{Missing: "no stage environment in .release/flags.yaml"}, Skip, "no stage environment in .release/flags.yaml"},
		{
			"prod safe",
			ProdFlagsCheck{Env: &FlagEnv{Name: "prod", Flags: []FlagValue{{Name: "FF_OLD", Default: true}, {Name: "FF_NEW", Canary: true, New: true}}}},
			Pass, "prod runs canary 0% with the new flags off: FF_NEW",
		},
		{
			"prod no new flags",
			ProdFlagsCheck{Env: &FlagEnv{Name: "prod", Flags: []FlagValue{{Name: "FF_OLD", Default: true}}}},
			Pass, "prod runs canary 0%; no new flags in this release",
		},
		{
			"prod unsafe",
			ProdFlagsCheck{Env: &FlagEnv{Name: "prod", CanaryPercent: 10, Flags: []FlagValue{
				{Name: "FF_NEW", Default: true, New: true}, {Name: "FF_FORCED", Override: on(), New: true}, {Name: "FF_OLD", Default: true},
			}}},
			Fail, "prod is not safe to start: canary is 10%; a rollout starts at 0; new flags on: FF_NEW (default on), FF_FORCED (override on)",
		},
		{"prod missing", ProdFlagsCheck{}, Skip, "no prod environment in the flag file"},
	}
	runCases(t, tests)
}

func TestVersionCheck(t *testing.T) {
	t.Parallel()
	tags := []string{"v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0"}
	tests := []checkCase{
		{"newer and free", VersionCheck{Next: "1.2.1", LastTag: "v1.2.0", Tags: tags[:3], TagPrefix: "v"}, Pass, "v1.2.1 is newer than v1.2.0 and the tag is free"},
		{"with prefix", VersionCheck{Next: "v2.0.0", LastTag: "v1.3.0", Tags: tags, TagPrefix: "v"}, Pass, "v2.0.0 is newer than v1.3.0 and the tag is free"},
		{"not newer", VersionCheck{Next: "1.1.5", LastTag: "v1.2.0", Tags: tags[:3], TagPrefix: "v"}, Fail, "v1.1.5 is not newer than the last tag v1.2.0"},
		{"same", VersionCheck{Next: "1.2.0", LastTag: "v1.2.0", Tags: nil, TagPrefix: "v"}, Fail, "v1.2.0 is not newer than the last tag v1.2.0"},
		{"taken", VersionCheck{Next: "1.3.0", LastTag: "v1.2.0", Tags: tags, TagPrefix: "v"}, Fail, "tag v1.3.0 already exists"},
		{"first release", VersionCheck{Next: "0.1.0", TagPrefix: "v"}, Pass, "v0.1.0 is the first release; the tag is free"},
		{"not semver", VersionCheck{Next: "1.2", LastTag: "v1.1.0", TagPrefix: "v"}, Fail, `"1.2" is not a semantic version X.Y.Z`},
		{"odd last tag", VersionCheck{Next: "1.2.0", LastTag: "vnext", TagPrefix: "v"}, Warn, "the last tag vnext is not a semantic version; cannot compare v1.2.0 with it"},
		{"missing", VersionCheck{Missing: "no next version: pass --version X.Y.Z"}, Skip, "no next version: pass --version X.Y.Z"},
		{"no prefix", VersionCheck{Next: "1.0.1", LastTag: "1.0.0", Tags: []string{"1.0.0"}}, Pass, "1.0.1 is newer than 1.0.0 and the tag is free"},
	}
	runCases(t, tests)
}

func TestNotesCheck(t *testing.T) {
	t.Parallel()
	tests := []checkCase{
		{"complete", NotesCheck{Changes: 12}, Pass, "all 12 changes are categorised"},
		{"uncategorised", NotesCheck{Changes: 12, Subjects: []string{"update deps", "tweak |pipes|"}}, Warn, `2 changes are in no category: "update deps", "tweak |pipes|"`},
		{"one", NotesCheck{Changes: 1, Subjects: []string{"Update README"}}, Warn, `1 change is in no category: "Update README"`},
		{"many", NotesCheck{Changes: 9, Subjects: []string{"a", "b", "c", "d", "e", "f"}}, Warn, `6 changes are in no category: "a", "b", "c", "d", "e", …`},
		{"one change", NotesCheck{Changes: 1}, Pass, "the one change is categorised"},
		{"no changes", NotesCheck{}, Pass, "every change is categorised"},
		{"not computed", NotesCheck{Missing: "the release notes were not computed"}, Skip, "the release notes were not computed"},
	}
	runCases(t, tests)
}

// FuzzVersionCheck holds the version check to its promise for any version
// and tags: it passes only for a semantic version above the last tag whose
// tag is free, and names the tag it checked.
func FuzzVersionCheck(f *testing.F) {
	for _, s := range [][3]string{
		{"1.2.1", "v1.2.0", "v"}, {"v2.0.0", "v1.3.0", "v"}, {"1.2", "v1.1.0", "v"}, {"1.0.0", "", "v"},
		{"release-1.5.0", "release-1.4.0", "release-"}, {"1.2.3-rc.1", "v1.2.2", "v"}, {"1.0.0", "vnext", "v"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, next, last, prefix string) {
		c := VersionCheck{Next: next, LastTag: last, TagPrefix: prefix, Tags: []string{last}}
		res, err := c.Run(context.Background())
		if err != nil || res.Reason == "" {
			t.Fatalf("%+v: %+v, %v", c, res, err)
		}
		if next == "" {
			if res.Status != Skip {
				t.Fatalf("no version: %s", res.Status)
			}
			return
		}
		raw := strings.TrimPrefix(strings.TrimPrefix(next, prefix), "v")
		if res.Evidence.Observed != prefix+raw {
			t.Fatalf("observed %q, want the tag %q", res.Evidence.Observed, prefix+raw)
		}
		if res.Status != Pass {
			return
		}
		v, err := semver.StrictNewVersion(raw)
		if err != nil || prefix+raw == last {
			t.Fatalf("%+v passed: %q", c, res.Reason)
		}
		if last != "" {
			if l, err := semver.NewVersion(strings.TrimPrefix(last, prefix)); err != nil || !v.GreaterThan(l) {
				t.Fatalf("%+v passed: %q", c, res.Reason)
			}
		}
	})
}
