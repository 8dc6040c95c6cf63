package releasenotes

import (
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
)

// TestNextVersionEdges pins the corners of the version rules: before 1.0.0
// (0.0.x included) a breaking change bumps the minor version and says so, a
// fix the patch; a Release-As equal to the last release is ignored with a
// warning; and every type but feat, fix, perf and revert releases nothing
// unless it is breaking.
func TestNextVersionEdges(t *testing.T) {
	t.Parallel()
	ch := func(typ string, breaking bool) Change {
		return Change{Hash: "0123456789abcdef", Type: typ, Breaking: breaking}
	}
	tests := []struct {
		name    string
		prev    string
		changes []Change
		want    string
		bump    Bump
		reason  string // in the reason or a warning
	}{
		{"breaking on 0.0.x", "0.0.7", []Change{ch("fix", true)}, "0.1.0", BumpMinor, "before 1.0.0 a breaking change bumps the minor version"},
		{"breaking on 0.x", "0.9.3", []Change{ch("feat", true), ch("fix", false)}, "0.10.0", BumpMinor, "before 1.0.0 a breaking change bumps the minor version"},
		{"breaking chore on 0.x", "0.2.0", []Change{ch("chore", true)}, "0.3.0", BumpMinor, "a breaking change in 0123456"},
		{"fix on 0.x", "0.4.1", []Change{ch("fix", false)}, "0.4.2", BumpPatch, "a fix in 0123456"},
		{"fix on 0.0.x", "0.0.1", []Change{ch("perf", false)}, "0.0.2", BumpPatch, "a perf in 0123456"},
		{"breaking on 1.x is major", "1.9.9", []Change{ch("fix", true)}, "2.0.0", BumpMajor, "a breaking change in 0123456"},
		{"release-as equal to the last release", "1.2.3", []Change{{Hash: "abcdef0123", ReleaseAs: "1.2.3"}, ch("fix", false)}, "1.2.4", BumpPatch, "Release-As: 1.2.3 in abcdef0 is not above the last release 1.2.3; ignored"},
		{"release-as below 1.0 on 0.x", "0.4.1", []Change{{Hash: "abcdef0123", ReleaseAs: "1.0.0"}, ch("fix", true)}, "1.0.0", BumpMajor, "Release-As: 1.0.0 in abcdef0"},
	}
	for _, typ := range []string{"refactor", "style", "test", "build", "ci", "chore", "docs", ""} {
		tests = append(tests, struct {
			name    string
			prev    string
			changes []Change
			want    string
			bump    Bump
			reason  string
		}{"only " + typ, "1.2.3", []Change{ch(typ, false)}, "", BumpNone, "no feat, fix, perf, revert or breaking change"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := NextVersion(semver.MustParse(tt.prev), tt.changes)
			got := ""
			if d.Next != nil {
				got = d.Next.String()
			}
			if got != tt.want || d.Bump != tt.bump {
				t.Errorf("NextVersion = %q (%s), want %q (%s); reason %q", got, d.Bump, tt.want, tt.bump, d.Reason)
			}
			if all := d.Reason + "\n" + strings.Join(d.Warnings, "\n"); !strings.Contains(all, tt.reason) {
				t.Errorf("reason and warnings %q lack %q", all, tt.reason)
			}
		})
	}
}
