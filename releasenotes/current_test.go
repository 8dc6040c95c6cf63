package releasenotes

import "testing"

// TestCurrentRelease pins the one definition of the current release: the
// highest prefix + strict semantic version without a pre-release part,
// whatever the order the tags come in and whatever else is tagged.
func TestCurrentRelease(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		prefix string
		tags   []string
		want   string
	}{
		{"none", "v", nil, ""},
		{"only non-releases", "v", []string{"v-latest", "vlatest", "latest", "v1.2", "v1.2.0-rc.1", "v01.2.3", "v1.2.3.4", "V1.2.3", "v 1.2.3", ""}, ""},
		{"highest, not last listed", "v", []string{"v1.10.0", "v1.9.0", "v1.2.0"}, "v1.10.0"},
		{"numeric, not lexical", "v", []string{"v1.9.9", "v1.10.0"}, "v1.10.0"},
		{"pre-release of a higher version skipped", "v", []string{"v1.1.0", "v2.0.0-rc.1", "v2.0.0-beta"}, "v1.1.0"},
		{"build metadata is a release", "v", []string{"v1.1.0", "v1.2.0+build.7"}, "v1.2.0+build.7"},
		{"a lower backport listed later", "v", []string{"v1.1.0", "v1.0.7"}, "v1.1.0"},
		{"other prefix ignored", "app-v", []string{"v9.0.0", "app-v1.0.0", "app-v1.1.0-rc.1"}, "app-v1.0.0"},
		{"empty prefix", "", []string{"1.0.0", "v2.0.0", "1.1.0"}, "1.1.0"},
		{"surrounding space trimmed", "v", []string{" v1.0.0\r", "v0.9.0"}, "v1.0.0"},
		{"newline inside is no tag", "v", []string{"v1.0.0\nv9.0.0", "v0.1.0"}, "v0.1.0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := CurrentRelease(tc.tags, tc.prefix); got.Name != tc.want {
				t.Errorf("CurrentRelease(%q, %q) = %q, want %q", tc.tags, tc.prefix, got.Name, tc.want)
			}
		})
	}
}
