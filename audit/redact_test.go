package audit

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// hardSecrets are secrets with the characters each encoding changes.
var hardSecrets = []struct{ name, value string }{
	{"quote and backslash", `pa"ss\wo'rd_2f9c`},
	{"html", `<tok>&amp;_8d1e4b`},
	{"spaces", "with space  s3cr3t_x"},
	{"unicode", "ünïcødé-тайна-🔑-77"},
	{"percent", "100%pure%20key+/="},
	{"long", "lng_" + strings.Repeat("0123456789abcdef", 6)},
}

// encodings are the spellings a secret can take in a body or an error.
var encodings = []struct {
	name string
	enc  func(string) string
}{
	{"raw", func(s string) string { return s }},
	{"json", func(s string) string { b, _ := json.Marshal(s); return goQuoted(string(b)) }},
	{"json ascii", jsonASCII},
	{"json no html", func(s string) string { return jsonString(s, false) }},
	{"go %q", func(s string) string { return goQuoted(fmt.Sprintf("%q", s)) }},
	{"go %+q", func(s string) string { return goQuoted(fmt.Sprintf("%+q", s)) }},
	{"query", url.QueryEscape},
	{"path", url.PathEscape},
	{"query lower hex", func(s string) string { return lowerHex(url.QueryEscape(s)) }},
	{"base64", func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }},
	{"base64url", func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }},
	{"base64 raw", func(s string) string { return base64.RawStdEncoding.EncodeToString([]byte(s)) }},
	{"json in %q", func(s string) string {
		b, _ := json.Marshal(s)
		return goQuoted(fmt.Sprintf("%q", goQuoted(string(b))))
	}},
}

// leaks returns the first piece of secret (8 runes, or all of a shorter one)
// in any spelling that text holds.
func leaks(text, secret string) (string, bool) {
	for _, f := range secretForms(secret) {
		r := []rune(f)
		n := min(8, len(r))
		for i := 0; i+n <= len(r); i++ {
			if piece := string(r[i : i+n]); strings.Contains(text, piece) {
				return piece, true
			}
		}
	}
	return "", false
}

func TestRedactorForms(t *testing.T) {
	t.Parallel()
	for _, sec := range hardSecrets {
		for _, e := range encodings {
			t.Run(sec.name+"/"+e.name, func(t *testing.T) {
				t.Parallel()
				red := newRedactor([]string{sec.value})
				text := "before " + e.enc(sec.value) + " after"
				got := red.redact(text)
				if piece, ok := leaks(got, sec.value); ok {
					t.Errorf("redact(%q) = %q, still holds %q", text, got, piece)
				}
				if !strings.Contains(got, redacted) || !strings.HasPrefix(got, "before ") || !strings.HasSuffix(got, " after") {
					t.Errorf("redact(%q) = %q, want the secret alone replaced", text, got)
				}
			})
		}
	}
}

// A secret that is a prefix of another: the longer goes whole.
func TestRedactorNestedSecrets(t *testing.T) {
	t.Parallel()
	short, long := "abcdefgh12", "abcdefgh12345678"
	for _, order := range [][]string{{short, long}, {long, short}} {
		red := newRedactor(order)
		got := red.redact("a=" + long + " b=" + short + " c=" + url.QueryEscape(long))
		if want := "a=[redacted] b=[redacted] c=[redacted]"; got != want {
			t.Errorf("secrets %q: got %q, want %q", order, got, want)
		}
	}
}

// A cut never leaves a secret's prefix: the text is redacted whole first.
func TestRedactorCutsAfterRedacting(t *testing.T) {
	t.Parallel()
	for _, sec := range hardSecrets {
		red := newRedactor([]string{sec.value})
		for at := 60; at <= 80; at += 5 {
			text := strings.Repeat("x", at) + sec.value + strings.Repeat("y", 100)
			got := red.cut(text, snippetRunes)
			if piece, ok := leaks(got, sec.value); ok {
				t.Errorf("%s at %d: cut = %q holds %q", sec.name, at, got, piece)
			}
		}
	}
}
