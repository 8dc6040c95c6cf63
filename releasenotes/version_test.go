package releasenotes

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/Masterminds/semver/v3"
)

func TestNextVersion(t *testing.T) {
	t.Parallel()
	ch := func(typ string, breaking bool) Change {
		return Change{Hash: "0123456789abcdef", Type: typ, Breaking: breaking}
	}
	tests := []struct {
		name    string
		prev    string // "" for no release yet
		changes []Change
		want    string // "" for no release
		bump    Bump
	}{
		{"feat", "1.2.3", []Change{ch("feat", false), ch("fix", false)}, "1.3.0", BumpMinor},
		{"fix", "1.2.3", []Change{ch("fix", false)}, "1.2.4", BumpPatch},
		{"perf", "1.2.3", []Change{ch("perf", false)}, "1.2.4", BumpPatch},
		{"revert", "1.2.3", []Change{ch("revert", false)}, "1.2.4", BumpPatch},
		{"breaking", "1.2.3", []Change{ch("fix", true)}, "2.0.0", BumpMajor},
		{"breaking chore", "1.2.3", []Change{ch("chore", true)}, "2.0.0", BumpMajor},
		{"breaking before 1.0", "0.4.1", []Change{ch("feat", true)}, "0.5.0", BumpMinor},
		{"feat before 1.0", "0.4.1", []Change{ch("feat", false)}, "0.5.0", BumpMinor},
		{"chores only", "1.2.3", []Change{ch("chore", false), ch("docs", false), ch("", false)}, "", BumpNone},
		{"nothing", "1.2.3", nil, "", BumpNone},
		{"first release", "", []Change{ch("fix", false)}, "0.1.0", BumpPatch},
		{"first release, breaking", "", []Change{ch("feat", true)}, "0.1.0", BumpMajor},
		{"release-as wins", "1.2.3", []Change{ch("fix", false), {Hash: "abc", Type: "chore", ReleaseAs: "v2.5.0"}}, "2.5.0", BumpMajor},
		{"newest release-as wins", "1.2.3", []Change{{Hash: "new", ReleaseAs: "1.4.0"}, {Hash: "old", ReleaseAs: "3.0.0"}}, "1.4.0", BumpMinor},
		{"release-as on a first release", "", []Change{{Hash: "a", ReleaseAs: "1.0.0"}}, "1.0.0", BumpMajor},
		{"release-as below is ignored", "1.2.3", []Change{{Hash: "a", ReleaseAs: "1.0.0"}}, "", BumpNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var prev *semver.Version
			if tt.prev != "" {
				prev = semver.MustParse(tt.prev)
			}
			d := NextVersion(prev, tt.changes)
			got := ""
			if d.Next != nil {
				got = d.Next.String()
			}
			if got != tt.want || d.Bump != tt.bump {
				t.Errorf("NextVersion = %q (%s), want %q (%s); reason %q", got, d.Bump, tt.want, tt.bump, d.Reason)
			}
			if d.Reason == "" {
				t.Error("no reason given")
			}
		})
	}
}

func TestCancelReverts(t *testing.T) {
	t.Parallel()
	// Newest first, as git log gives them.
	changes := []Change{
		{Hash: "e5", Subject: "revert: feat: d", Type: "revert", Revert: &Revert{Subject: "feat: d"}},               // by subject
		{Hash: "d4", Subject: "feat: d", Type: "feat"},                                                              // reverted by e5
		{Hash: "c3", Subject: `Revert "x"`, Type: "revert", Revert: &Revert{Hashes: []string{"0ld"}, Subject: "x"}}, // reverts a release
		{Hash: "b2", Subject: `Revert "feat: a"`, Type: "revert", Revert: &Revert{Hashes: []string{"a1"}}},
		{Hash: "a1", Subject: "feat: a", Type: "feat"},
	}
	kept, n, _ := cancelReverts(changes, nil)
	if n != 4 || len(kept) != 1 || kept[0].Hash != "c3" {
		t.Errorf("kept %v, dropped %d", kept, n)
	}
}

// TestReleaseAsWarningEcho: a Release-As value is quoted on one line and cut.
func TestReleaseAsWarningEcho(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"1.0\x1b[2J\u2028evil", strings.Repeat("9", 5000)} {
		d := NextVersion(semver.MustParse("1.2.3"), []Change{{Hash: "0123456789", ReleaseAs: v}})
		if len(d.Warnings) != 1 || strings.ContainsAny(d.Warnings[0], "\x1b\u2028") || utf8.RuneCountInString(d.Warnings[0]) > 300 {
			t.Errorf("Release-As %.20q: warnings %q", v, d.Warnings)
		}
	}
}

// TestCancelRevertsAmbiguous: a short hash or a subject that could name
// several commits cancels nothing, and the short hash is warned about.
func TestCancelRevertsAmbiguous(t *testing.T) {
	t.Parallel()
	const a1, a2 = "abcdef0111111111111111111111111111111111", "abcdef0222222222222222222222222222222222"
	for _, tt := range []struct {
		name    string
		revert  Revert
		kept    int
		warning string
	}{
		{"prefix of two commits", Revert{Hashes: []string{"abcdef0"}}, 3, "the revert 0000000 names abcdef0, which could be any of abcdef011111, abcdef022222; nothing was cancelled"},
		{"longer prefix of one", Revert{Hashes: []string{"abcdef01"}}, 1, ""},
		{"full hash", Revert{Hashes: []string{a2}}, 1, ""},
		{"too short a prefix", Revert{Hashes: []string{"abcdef"}}, 3, ""},
		{"subject of two commits", Revert{Subject: "feat: a"}, 3, `the revert 0000000 names no hash, and several commits of the range have the subject "feat: a" it quotes; nothing was cancelled`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rv := tt.revert
			changes := []Change{
				{Hash: strings.Repeat("0", 40), Type: "revert", Subject: "revert: x", Revert: &rv},
				{Hash: a2, Type: "feat", Subject: "feat: a"},
				{Hash: a1, Type: "feat", Subject: "feat: a"},
			}
			kept, dropped, warnings := cancelReverts(changes, nil)
			if len(kept) != tt.kept || dropped != 3-tt.kept {
				t.Errorf("kept %d, dropped %d; want %d", len(kept), dropped, tt.kept)
			}
			if got := strings.Join(warnings, "\n"); tt.warning == "" && got != "" || !strings.Contains(got, tt.warning) {
				t.Errorf("warnings %q, want %q", got, tt.warning)
			}
		})
	}
}
