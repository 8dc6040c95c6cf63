package flags

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/limits"
)

func TestParseRefusesAFileOverTheLimit(t *testing.T) {
	valid := string(genFlagFile(10))
	pad := func(size int64) string { // a valid file grown to size with a comment
		return valid + "#" + strings.Repeat("x", int(size)-len(valid)-2) + "\n"
	}
	tests := []struct {
		name string
		data string
		want string // "" means it parses
	}{
		{"at the limit", pad(limits.RepoFile), ""},
		{"one byte over", pad(limits.RepoFile + 1), "the flag file .release/flags.yaml is 4.0 MiB, over releasebot's limit of 4 MiB"},
		{"50 MiB of flags", strings.Repeat(valid, int(50<<20)/len(valid)+1)[:50<<20], "the flag file .release/flags.yaml is 50 MiB, over releasebot's limit of 4 MiB"},
		{"50 MiB that is not YAML", strings.Repeat("{[", 25<<20), "is 50 MiB, over releasebot's limit of 4 MiB"},
		{"50 MiB of newlines", strings.Repeat("\n", 50<<20), "is 50 MiB, over releasebot's limit of 4 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(".release/flags.yaml", []byte(tt.data))
			if tt.want == "" {
				if err != nil || f.Env("prod") == nil || len(f.Env("prod").Flags) != 10 {
					t.Fatalf("a file of %d bytes: %v", len(tt.data), err)
				}
				return
			}
			var tl *limits.TooLargeError
			if !errors.As(err, &tl) || tl.Size != int64(len(tt.data)) || tl.Limit != limits.RepoFile {
				t.Fatalf("want a *limits.TooLargeError of %d bytes, got %T %v", len(tt.data), err, err)
			}
			if err.Error() != tt.want && !strings.HasSuffix(err.Error(), tt.want) {
				t.Errorf("got  %v\nwant %s", err, tt.want)
			}
			if f != nil {
				t.Error("a refused file returned a state")
			}
		})
	}
}

// aliasFile has an environment of n flags and copies more environments
// that use its flags through an alias, written as use.
func aliasFile(n, copies int, use string) []byte {
	var b strings.Builder
	b.WriteString("environments:\n  base: &env\n    canary_percent: 0\n    flags: &flags\n")
	for i := range n {
		fmt.Fprintf(&b, "      FF_%d: &f%d {default: off, canary: true}\n", i, i)
	}
	for i := range copies {
		fmt.Fprintf(&b, "  e%d: %s\n", i, use)
	}
	return []byte(b.String())
}

func TestParseBoundsAliasExpansion(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string // "" means it parses
	}{
		{"flags aliased up to the limit", aliasFile(1000, 99, "{flags: *flags}"), ""},
		{"flags aliased past the limit", aliasFile(1000, 100, "{flags: *flags}"), ".release/flags.yaml:1104:16: environments.e99.flags: the file has more than 100000 flags"},
		{"environments aliased past the limit", aliasFile(1000, 100, "*env"), ".release/flags.yaml:4:12: environments.e99.flags: the file has more than 100000 flags"},
		{"a small file aliased over and over", aliasFile(101, 999, "*env"), "environments.e989.flags: the file has more than 100000 flags over all its environments (an alias counts once for each use), over releasebot's limit; split it or use fewer aliases"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(".release/flags.yaml", tt.data)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				total := 0
				for _, e := range f.Environments {
					total += len(e.Flags)
				}
				if total != MaxFlags {
					t.Errorf("%d flags, want %d", total, MaxFlags)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestParseBoundsEnvironments(t *testing.T) {
	file := func(n int) []byte {
		var b strings.Builder
		b.WriteString("environments:\n")
		for i := range n {
			if i < 10 {
				fmt.Fprintf(&b, "  e%d: {flags: {FF_A: {default: on}}}\n", i)
			} else {
				fmt.Fprintf(&b, "  e%d: {}\n", i) // 300 000 of these fit in limits.RepoFile
			}
		}
		return []byte(b.String())
	}
	if f, err := Parse("f.yaml", file(MaxEnvironments)); err != nil || len(f.Environments) != MaxEnvironments {
		t.Fatalf("%d environments: %v", MaxEnvironments, err)
	}
	for _, n := range []int{MaxEnvironments + 1, 300_000} {
		_, err := Parse("f.yaml", file(n))
		want := fmt.Sprintf("f.yaml:2:3: environments: %d environments, over releasebot's limit of 1000; keep the environments you deploy to", n)
		if err == nil || err.Error() != want {
			t.Errorf("got  %v\nwant %s", err, want)
		}
	}
}

func TestRenderErrorsAreCut(t *testing.T) {
	var b strings.Builder
	b.WriteString("environments:\n")
	for i := range MaxEnvironments {
		fmt.Fprintf(&b, "  environment_with_a_long_name_%d: {}\n", i)
	}
	f, err := Parse("f.yaml", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ env, format string }{
		{strings.Repeat("q", 10_000), "dotenv"},
		{"environment_with_a_long_name_0", strings.Repeat("x", 10_000)},
	} {
		_, err := Render(f, tt.env, tt.format, "f.yaml")
		if err == nil || len(err.Error()) > 3*limits.Echo+100 {
			t.Errorf("error of %d bytes: %.300v", len(fmt.Sprint(err)), err)
		}
	}
}
