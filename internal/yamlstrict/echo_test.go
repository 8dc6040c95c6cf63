package yamlstrict

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/releasebot/releasebot/internal/limits"
)

// TestErrorsEchoOneLineCut feeds documents whose errors would quote file
// content: a long scalar, a block scalar of many lines holding a token, a long
// unknown key, an unknown anchor with a long name, a value full of control
// characters. The error is one line, quotes at most limits.Echo runes of any
// value, and never the lines after the offending one.
func TestErrorsEchoOneLineCut(t *testing.T) {
	t.Parallel()
	const secret = "ghp_SECRETSECRET"
	long := strings.Repeat("A", 10000)
	type doc struct {
		Name  string `yaml:"name"`
		Count int    `yaml:"count"`
	}
	tests := []struct {
		name, data string
		want       string
	}{
		{"document is a long scalar", long + "\n", `expected a mapping of keys to values, got "AAAA`},
		{"block scalar with a token further down", "|\n  root:x:0:0\n  " + secret + "\n  more\n", `got a block scalar`},
		{"multi-line quoted scalar", "count: \"root:x:0:0\\n" + secret + "\"\n", `got "root:x:0:0…"`},
		{"folded scalar as a number", "count: >\n  12\n  " + secret + "\n", `count: expected a whole number, got a block scalar`},
		{"literal scalar as a bool", "count: |\n  " + secret + "\n", `count: expected a whole number, got a block scalar`},
		{"long unknown key", strings.Repeat("A", 600) + ": 1\n", "unknown key"},
		{"key with a line break", "\"a\\nb\\r\\u2028c\": 1\n", "unknown key"},
		{"unknown anchor", "name: *" + long + "\n", "invalid YAML: unknown anchor"},
		{"control characters", "count: \"1\\u001b[2J\\rX\"\n", "count: expected a whole number"},
		{"bool with a long value", "name: [" + long + "]\n", "name: expected a string, got a list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var d doc
			_, err := Unmarshal("f.yaml", []byte(tc.data), &d)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %.300q, want %q", msg, tc.want)
			}
			if strings.ContainsAny(msg, "\n\r\x1b") {
				t.Errorf("error is not one line: %.300q", msg)
			}
			if strings.Contains(msg, secret) {
				t.Errorf("error carries the lines after the offending one: %.300q", msg)
			}
			if n := utf8.RuneCountInString(msg); n > 3*limits.Echo {
				t.Errorf("error is %d runes: %.300q", n, msg)
			}
			if strings.Contains(msg, strings.Repeat("A", limits.Echo+1)) {
				t.Errorf("error quotes more than %d runes of a value", limits.Echo)
			}
		})
	}
}
