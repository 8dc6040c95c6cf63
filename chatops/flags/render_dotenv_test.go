package flags

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDotenvCohortSurvivesAShell: a deploy sources the dotenv render, so a
// cohort seed that holds shell syntax — quotes, a command substitution, a
// variable, a separator, spaces — must come back byte for byte as
// CANARY_COHORT and run nothing; a plain seed stays unquoted.
func TestDotenvCohortSurvivesAShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal("this test needs sh: ", err)
	}
	dir := t.TempDir()
	canary := filepath.Join(dir, "ran")
	for _, seed := range []string{
		"1.3.1",
		"release 1.3.1",
		"it's",
		"''",
		`a'b"c`,
		"$(touch " + canary + ")",
		"`touch " + canary + "`",
		"x; touch " + canary,
		"${HOME}",
		"$HOME",
		"v1.$PATH",
		`back\slash`,
		"tab\there",
		"*",
		"ü-日本",
		"-n",
		"#not a comment",
	} {
		e := &Environment{Name: "prod", Cohort: seed, CanaryPercent: 10, Flags: []*Flag{{Name: "FF_A", Canary: true}}}
		out := renderDotenv(e, ".release/flags.yaml")
		line := ""
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, "CANARY_COHORT=") {
				line = l
			}
		}
		if seed == "1.3.1" && line != "CANARY_COHORT=1.3.1" {
			t.Errorf("plain seed quoted: %q", line)
		}
		file := filepath.Join(dir, "flags.env")
		if err := os.WriteFile(file, out, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(sh, "-c", `. "$1" && printf %s "$CANARY_COHORT"`, "sh", file)
		cmd.Env = []string{"HOME=/nonexistent", "PATH=" + os.Getenv("PATH")}
		got, err := cmd.Output()
		if err != nil {
			t.Errorf("seed %q: sourcing %q failed: %v", seed, line, err)
			continue
		}
		if string(got) != seed {
			t.Errorf("seed %q: the shell read CANARY_COHORT as %q from %q", seed, got, line)
		}
		if _, err := os.Stat(canary); err == nil {
			t.Fatalf("seed %q: sourcing %q ran a command", seed, line)
		}
	}
}
