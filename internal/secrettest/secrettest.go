// Package secrettest holds, for tests, secrets that each encoding changes
// and the spellings (JSON, Go quoting, URL escaping, base64) in which a
// secret can leak into a body, an error or a report. Tests of every
// redactor use the same table.
package secrettest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// HardSecrets are secrets with the characters each encoding changes.
var HardSecrets = []struct{ Name, Value string }{
	{"quote and backslash", `pa"ss\wo'rd_2f9c`},
	{"html", `<tok>&amp;_8d1e4b`},
	{"spaces", "with space  s3cr3t_x"},
	{"unicode", "ünïcødé-тайна-🔑-77"},
	{"percent", "100%pure%20key+/="},
	{"long", "lng_" + strings.Repeat("0123456789abcdef", 6)},
}

// Encodings are the spellings a secret can take in a body or an error,
// written here apart from the redactor's own list, so that a test of the
// redactor does not check it against itself.
var Encodings = []struct {
	Name string
	Enc  func(string) string
}{
	{"raw", func(s string) string { return s }},
	{"json", func(s string) string { b, _ := json.Marshal(s); return unquote(string(b)) }},
	{"json ascii", jsonASCII},
	{"json no html", func(s string) string { return jsonNoHTML(s) }},
	{"go %q", func(s string) string { return unquote(fmt.Sprintf("%q", s)) }},
	{"go %+q", func(s string) string { return unquote(fmt.Sprintf("%+q", s)) }},
	{"query", url.QueryEscape},
	{"path", url.PathEscape},
	{"query lower hex", func(s string) string {
		return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(s), strings.ToLower)
	}},
	{"base64", func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }},
	{"base64url", func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }},
	{"base64 raw", func(s string) string { return base64.RawStdEncoding.EncodeToString([]byte(s)) }},
	{"json in %q", func(s string) string {
		b, _ := json.Marshal(s)
		return unquote(fmt.Sprintf("%q", unquote(string(b))))
	}},
}

func unquote(q string) string { return strings.TrimSuffix(strings.TrimPrefix(q, `"`), `"`) }

// jsonNoHTML is s as a JSON encoder that leaves <, > and & alone writes it.
func jsonNoHTML(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return unquote(strings.TrimSuffix(buf.String(), "\n"))
}

// jsonASCII is s as ASCII-only JSON encoders (Python's json.dumps) write
// it: every non-ASCII rune as \uXXXX, astral ones as a surrogate pair.
func jsonASCII(s string) string {
	var b strings.Builder
	for _, c := range jsonNoHTML(s) {
		switch {
		case c < utf8.RuneSelf:
			b.WriteRune(c)
		case c > 0xFFFF:
			c -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(c>>10), 0xDC00+(c&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, c)
		}
	}
	return b.String()
}
