package flags

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/golden"
)

// Known vectors of MurmurHash3 x86_32, seed 0 (from the reference
// implementation's test suite), pin the hash Bucket uses.
func TestBucketArithmetic(t *testing.T) {
	for _, tt := range []struct {
		key  string
		hash uint64
	}{{"", 0}, {"hello", 0x248bfa47}, {"Hello, world!", 0xc0363e43}, {"The quick brown fox jumps over the lazy dog", 0x2e4ff723}} {
		want := int((tt.hash * 100) >> 32)
		if got := Bucket("", tt.key); got != want {
			t.Errorf("Bucket(%q) = %d, want %d", tt.key, got, want)
		}
	}
}

// TestBucketNonASCII pins that the key is hashed as UTF-8 bytes, as flagd's
// Go evaluator does (murmur3.StringSum32 over the Go string).
func TestBucketNonASCII(t *testing.T) {
	// "ü" is 0xC3 0xBC in UTF-8; hashing its UTF-16 code unit 0x00FC would differ.
	if Bucket("", "ü") != Bucket("", string([]byte{0xC3, 0xBC})) {
		t.Fatal("not hashed as UTF-8")
	}
	// 24 was computed independently with a reference MurmurHash3 over the UTF-8 bytes.
	if got := Bucket("1.3.1", "ü-日本"); got != 24 {
		t.Errorf("Bucket(1.3.1, ü-日本) = %d, want 24", got)
	}
}

func TestCohortsOnlyGrow(t *testing.T) {
	e := &Environment{Name: "prod", Cohort: "1.3.1", Flags: []*Flag{{Name: "A", Canary: true}, {Name: "B", Canary: true}}}
	for i := range 20000 {
		user := "user-" + strconv.Itoa(i)
		wasIn := false
		for _, p := range []int{0, 1, 10, 25, 50, 99, 100} {
			e.CanaryPercent = p
			in := e.InCohort(user)
			if wasIn && !in {
				t.Fatalf("%s left the cohort going up to %d%%", user, p)
			}
			wasIn = in
			// Every canary flag agrees: a user sees the canary features together.
			evs := e.Eval(user)
			if evs[0].Value != evs[1].Value || evs[0].Value != in {
				t.Fatalf("%s at %d%%: flags disagree %+v", user, p, evs)
			}
		}
		if e.CanaryPercent = 0; e.InCohort(user) {
			t.Fatalf("%s in a 0%% cohort", user)
		}
		if e.CanaryPercent = 100; !e.InCohort(user) {
			t.Fatalf("%s out of a 100%% cohort", user)
		}
	}
}

func TestBucketsAreUniform(t *testing.T) {
	const n = 100000
	var counts [100]int
	for i := range n {
		counts[Bucket("1.3.1", strconv.Itoa(i))]++
	}
	// Within ±1 % of the population at every cut: the share in the first p
	// buckets is p % ± 1 %.
	cum := 0
	for p := range 100 {
		cum += counts[p]
		share := float64(cum) / n * 100
		if diff := share - float64(p+1); diff > 1 || diff < -1 {
			t.Errorf("share below %d%% is %.2f%%", p+1, share)
		}
	}
}

func TestValue(t *testing.T) {
	on, off := true, false
	e := &Environment{Name: "prod", CanaryPercent: 50}
	in, out := "", ""
	for i := 0; in == "" || out == ""; i++ {
		u := strconv.Itoa(i)
		if e.InCohort(u) {
			in = u
		} else {
			out = u
		}
	}
	tests := []struct {
		name      string
		flag      Flag
		inV, outV bool
		inR, outR string
	}{
		{"override wins", Flag{Default: off, Canary: true, Override: &on}, true, true, "override", "override"},
		{"override off", Flag{Default: on, Canary: true, Override: &off}, false, false, "override", "override"},
		{"canary", Flag{Default: off, Canary: true}, true, false, "canary cohort", "default"},
		{"not canary", Flag{Default: off}, false, false, "default", "default"},
		{"default on", Flag{Default: on}, true, true, "default", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl := tt.flag
			e.Flags = []*Flag{&fl}
			if got := e.Eval(in)[0]; got.Value != tt.inV || got.Reason != tt.inR {
				t.Errorf("in cohort: %+v", got)
			}
			if got := e.Eval(out)[0]; got.Value != tt.outV || got.Reason != tt.outR {
				t.Errorf("out of cohort: %+v", got)
			}
		})
	}
}

func TestRenderGolden(t *testing.T) {
	f := mustParse(t, "testdata/design.yaml")
	for _, env := range []string{"stage", "prod"} {
		for _, format := range Formats {
			out, err := Render(f, env, format, ".release/flags.yaml")
			if err != nil {
				t.Fatal(err)
			}
			ext := map[string]string{"dotenv": "env", "flagd": "flagd.json", "json": "json"}[format]
			golden.Assert(t, fmt.Sprintf("render.%s.%s", env, ext), out)
		}
	}
	if _, err := Render(f, "qa", "json", "x"); err == nil || !strings.Contains(err.Error(), "stage, prod") {
		t.Errorf("unknown environment: %v", err)
	}
	if _, err := Render(f, "prod", "toml", "x"); err == nil {
		t.Error("unknown format accepted")
	}
}

// TestFlagdAgreesWithEval loads the flagd render into flagd's own evaluator
// (npm @openfeature/flagd-core, installed by scripts/install-test-deps.sh)
// and compares its answer with Eval user by user, at several percentages.
func TestFlagdAgreesWithEval(t *testing.T) {
	dir := os.Getenv("FLAGD_CORE_DIR")
	if dir == "" {
		if abs, err := filepath.Abs("../../.cache/flagd-core"); err == nil {
			dir = abs
		}
	}
	_, nodeErr := exec.LookPath("node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules/@openfeature/flagd-core")); err != nil || nodeErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("flagd-core or node missing in CI (run scripts/install-test-deps.sh): %v %v", err, nodeErr)
		}
		t.Skip("flagd-core not installed; run scripts/install-test-deps.sh")
	}
	users := make([]string, 2000)
	for i := range users {
		users[i] = fmt.Sprintf("user-%d", i)
	}
	// ASCII ids only: flagd-core's JavaScript MurmurHash3 (imurmurhash) hashes
	// UTF-16 code units, flagd's Go daemon and Bucket hash UTF-8 bytes, so the
	// two JavaScript and Go evaluators of flagd itself differ for non-ASCII
	// ids. TestBucketNonASCII pins our side.
	users = append(users, "", "42", "a@example.com", "0b7f4a1c-5d2e-4e5b-9c1a-3f2d1e0c9b8a")
	on := true
	for _, pct := range []int{0, 1, 10, 50, 99, 100} {
		e := &Environment{Name: "prod", Cohort: "1.3.1", CanaryPercent: pct, Flags: []*Flag{
			{Name: "FF_CANARY", Canary: true},
			{Name: "FF_CANARY_ON", Canary: true, Default: true},
			{Name: "FF_OVERRIDDEN", Canary: true, Override: &on},
			{Name: "FF_PLAIN"},
		}}
		f := &File{Environments: []*Environment{e}}
		def, err := Render(f, "prod", "flagd", "x")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "flags.json")
		os.WriteFile(path, def, 0o644)
		cmd := exec.Command("node", "testdata/flagd_eval.js", path)
		cmd.Env = append(os.Environ(), "FLAGD_CORE_DIR="+dir)
		cmd.Stdin = strings.NewReader(strings.Join(users, "\n"))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("flagd-core at %d%%: %v %s", pct, err, errText(err))
		}
		var got map[string]map[string]bool
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			if u == "" {
				continue // flagd-core drops an empty targeting key
			}
			for _, ev := range e.Eval(u) {
				if got[u][ev.Flag] != ev.Value {
					t.Fatalf("at %d%% user %q flag %s: flagd says %v, Eval says %v", pct, u, ev.Flag, got[u][ev.Flag], ev.Value)
				}
			}
		}
	}
}

func errText(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
