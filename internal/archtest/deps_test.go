package archtest

import (
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// goGitHubMajor matches a package of go-github and captures its module path.
var goGitHubMajor = regexp.MustCompile(`^(github\.com/google/go-github/v[0-9]+)(/|$)`)

// TestOneGoGitHub pins that the build holds one go-github: ghinstallation is
// kept at v2.11.0, the last release built on go-github v62, because a later
// one pulls in a second major version (v88, about 1.2 MiB) beside ours.
func TestOneGoGitHub(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../../...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	majors := map[string]bool{}
	for _, dep := range strings.Fields(string(out)) {
		if m := goGitHubMajor.FindStringSubmatch(dep); m != nil {
			majors[m[1]] = true
		}
	}
	var got []string
	for m := range majors {
		got = append(got, m)
	}
	sort.Strings(got)
	if len(got) != 1 || got[0] != "github.com/google/go-github/v62" {
		t.Errorf("the build depends on go-github %v; want only github.com/google/go-github/v62 (see the README's Dependencies)", got)
	}
}
