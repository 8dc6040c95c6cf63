package trailer

import (
	"math/rand"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// tricky are messages where a hand-written trailer parser goes wrong.
var tricky = map[string]string{
	"plain":                      "chore: x\n\nbody\n\nRequested-by: ann via slack\nReleasebot-Request: id-1\n",
	"crlf":                       "chore: x\r\n\r\nbody\r\n\r\nRequested-by: ann\r\nReleasebot-Request: id-1\r\n",
	"trailing spaces":            "chore: x\n\nReleasebot-Request: id-1   \nRequested-by:   ann  \n",
	"key case":                   "chore: x\n\nreleasebot-request: id-1\nREQUESTED-BY: ann\n",
	"no space after colon":       "chore: x\n\nReleasebot-Request:id-1\n",
	"space before colon":         "chore: x\n\nReleasebot-Request : id-1\nKey\t: tab\n",
	"space inside key":           "chore: x\n\nReleasebot Request: id-1\n",
	"continuation":               "chore: x\n\nRequested-by: ann\n  via slack\n\tand more\nReleasebot-Request: id-1\n",
	"continuation first":         "chore: x\n\n  leading: x\nReleasebot-Request: id-1\n",
	"not last paragraph":         "chore: x\n\nReleasebot-Request: forged\nRequested-by: eve\n\njust prose at the end\n",
	"mixed final paragraph":      "chore: x\n\nsome prose here\nReleasebot-Request: id-1\n",
	"mixed with signed-off":      "chore: x\n\nprose one\nprose two\nprose three\nSigned-off-by: A <a@b>\n",
	"mixed signed-off too thin":  "chore: x\n\np1\np2\np3\np4\nSigned-off-by: A <a@b>\n",
	"cherry picked":              "chore: x\n\nprose\n(cherry picked from commit abc)\nKey: v\n",
	"subject only":               "Releasebot-Request: id-1\n",
	"subject then trailers":      "chore: x\n\nReleasebot-Request: id-1",
	"no final newline":           "chore: x\n\nKey: v\nReleasebot-Request: id-1",
	"trailing blank lines":       "chore: x\n\nReleasebot-Request: id-1\n\n\n",
	"trailing whitespace lines":  "chore: x\n\nReleasebot-Request: id-1\n  \n\t\n",
	"trailing comments":          "chore: x\n\nReleasebot-Request: id-1\n# a comment\n#another\n",
	"comment inside":             "chore: x\n\nReleasebot-Request: id-1\n# comment\nKey: v\n",
	"divider":                    "chore: x\n\nbody\n---\nReleasebot-Request: id-1\n",
	"divider before trailers":    "chore: x\n\nReleasebot-Request: id-1\n--- \ndiff\n",
	"scissors":                   "chore: x\n\nKey: v\n# ------------------------ >8 ------------------------\nReleasebot-Request: forged\n",
	"conflicts":                  "chore: x\n\nKey: v\n\nConflicts:\n\tpath/a\n",
	"empty value":                "chore: x\n\nReleasebot-Request:\nKey: v\n",
	"colon in value":             "chore: x\n\nLink: https://example.com/a:b\n",
	"url line":                   "chore: x\n\nhttps://example.com/x\n",
	"non-ascii key":              "chore: x\n\nRéviseur: ann\nKey: v\n",
	"unicode line separator":     "chore: x\n\nRequested-by: eve\u2028Releasebot-Request: forged\n",
	"vertical tab":               "chore: x\n\nRequested-by: eve\vReleasebot-Request: forged\n",
	"cr only":                    "chore: x\r\rReleasebot-Request: id-1\r",
	"blank line with cr":         "chore: x\n\r\nReleasebot-Request: id-1\n",
	"leading blank":              "\n\nReleasebot-Request: id-1\n",
	"empty":                      "",
	"only newlines":              "\n\n\n",
	"dash key":                   "chore: x\n\n-: v\n",
	"numeric key":                "chore: x\n\n123: v\n",
	"three paragraphs trailers":  "chore: x\n\nA: 1\n\nB: 2\n",
	"quarter exactly":            "chore: x\n\np1\np2\np3\nSigned-off-by: A\n",
	"continuation after prose":   "chore: x\n\nprose\n  indented: x\nKey: v\n",
	"releasebot commit":          "chore(flags): canary 0% → 10% (prod)\n\n- canary 0% → 10% (prod)\n\nCommand: /canary 10\n\nRequested-by: ann via slack\nReleasebot-Request: github-comment:1\n",
	"releasebot commit, forced":  "chore(flags): x\n\n- a\n\nCommand: /canary 100 --force\nForced: steps and gates skipped with --force\n\nRequested-by: ann via cli\nReleasebot-Request: r\n",
	"body paragraph looks alike": "chore: x\n\nReleasebot-Request: forged\n\nSigned-off-by: A\nprose\nprose\nprose\nprose\n",
}

// gitTrailers runs git interpret-trailers --parse --no-divider (the rules
// %(trailers) applies to commits) on msg, with no configuration.
func gitTrailers(t testing.TB, msg string) List {
	t.Helper()
	cmd := exec.Command("git", "interpret-trailers", "--parse", "--no-divider")
	cmd.Stdin = strings.NewReader(msg)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	cmd.Dir = home
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git interpret-trailers: %v", err)
	}
	var l List
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		if line == "" {
			continue
		}
		k, v, _ := strings.Cut(line, ": ")
		l = append(l, Trailer{Key: k, Value: v})
	}
	return l
}

func needGit(t testing.TB) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
}

func TestParseAgreesWithGit(t *testing.T) {
	needGit(t)
	for name, msg := range tricky {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, want := Parse(msg), gitTrailers(t, msg)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse(%q)\n got %q\nwant %q (git)", msg, got, want)
			}
		})
	}
}

// TestParseAgreesWithGitOnRandomMessages builds messages from lines that sit
// on git's edges and compares with git on each.
func TestParseAgreesWithGitOnRandomMessages(t *testing.T) {
	needGit(t)
	pieces := []string{
		"Key: v", "key:v", "Key : v", "K e: v", " cont", "\tcont", "prose words", "", " ", "\r",
		"Signed-off-by: A", "(cherry picked from commit 1)", "# c", "Conflicts:", "\tpath", "---",
		"Releasebot-Request: id", "Requested-by: ann", "x:", ":x", "-:", "é: v", "Key: a: b",
	}
	n := 150
	if testing.Short() {
		n = 30
	}
	r := rand.New(rand.NewSource(9))
	for i := 0; i < n; i++ {
		var b strings.Builder
		b.WriteString("subject")
		for j := r.Intn(12); j >= 0; j-- {
			b.WriteString([]string{"\n", "\r\n"}[r.Intn(4)/3])
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		if r.Intn(2) == 0 {
			b.WriteString("\n")
		}
		msg := b.String()
		if got, want := Parse(msg), gitTrailers(t, msg); !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q)\n got %q\nwant %q (git)", msg, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, msg := range tricky {
		f.Add(msg)
	}
	_, err := exec.LookPath("git")
	f.Fuzz(func(t *testing.T, msg string) {
		got := Parse(msg)
		if err != nil || strings.ContainsRune(msg, 0) {
			return // git reads a NUL as the end of the message
		}
		if want := gitTrailers(t, msg); !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q)\n got %q\nwant %q (git)", msg, got, want)
		}
	})
}

func TestGetAndHas(t *testing.T) {
	l := Parse("s\n\nRequested-by: ann\nreleasebot-request: one\nRELEASEBOT-REQUEST: two\n")
	if v, ok := l.Get("Releasebot-Request"); !ok || v != "two" {
		t.Errorf("Get = %q, %t; want the last, two", v, ok)
	}
	for _, tc := range []struct {
		key, value string
		want       bool
	}{
		{"Releasebot-Request", "one", true}, {"releasebot-REQUEST", "two", true},
		{"Releasebot-Request", "On", false}, {"Releasebot-Request", " one", false},
		{"Releasebot-Request", "", false}, {"Requested-by", "ann", true}, {"Request", "one", false},
	} {
		if got := l.Has(tc.key, tc.value); got != tc.want {
			t.Errorf("Has(%q, %q) = %t, want %t", tc.key, tc.value, got, tc.want)
		}
	}
	if _, ok := l.Get("Missing"); ok {
		t.Error("Get found a missing key")
	}
}
