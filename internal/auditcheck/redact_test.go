package auditcheck

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/config"
)

// hardSecrets are secrets with the characters each encoding changes (as in
// audit's own tests of the redactor).
var hardSecrets = []struct{ name, value string }{
	{"quote and backslash", `pa"ss\wo'rd_2f9c`},
	{"html", `<tok>&amp;_8d1e4b`},
	{"spaces", "with space  s3cr3t_x"},
	{"unicode", "ünïcødé-тайна-🔑-77"},
	{"percent", "100%pure%20key+/="},
	{"long", "lng_" + strings.Repeat("0123456789abcdef", 6)},
}

// encodings are the spellings a secret can take in a body or an error,
// written here apart from the redactor's own list.
var encodings = []struct {
	name string
	enc  func(string) string
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

// leaks returns the first piece of secret (8 runes, or all of a shorter one)
// in any spelling the redactor knows that text holds.
func leaks(text, secret string) (string, bool) {
	for _, f := range audit.SecretForms(secret) {
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

// End to end: a health answer that quotes the secret, in each spelling,
// where the 80-rune snippet cuts it, or as the status; Markdown, JSON, the
// headline and the reason hold no piece of it.
func TestHealthRedactsEverySpelling(t *testing.T) {
	t.Parallel()
	for _, sec := range hardSecrets {
		for _, e := range encodings {
			for _, shape := range []struct{ name, body string }{
				{"whole", `{"echo":"` + e.enc(sec.value) + `"`},
				{"cut", `{"echo":"` + strings.Repeat("x", 62) + e.enc(sec.value) + `"`},
				{"status", `{"status":"` + e.enc(sec.value) + `"}`},
				{"plain", e.enc(sec.value)},
			} {
				t.Run(sec.name+"/"+e.name+"/"+shape.name, func(t *testing.T) {
					t.Parallel()
					srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						fmt.Fprint(w, shape.body)
					}))
					defer srv.Close()
					c := HealthCheck{Env: "stage", Source: "x", Endpoint: Endpoint{
						URL:     srv.URL + "/health",
						Headers: map[string]config.Template{"X-Api-Key": "${KEY}"},
						Getenv:  func(string) string { return sec.value },
					}}
					rep := audit.Runner{Timeout: 5 * time.Second}.Run(context.Background(), c)
					got := rep.Checks[0]
					if got.Status == audit.Pass {
						t.Fatalf("passed on %q", shape.body)
					}
					for what, text := range map[string]string{
						"markdown": rep.Markdown(), "json": string(rep.JSON()), "headline": rep.Headline(),
						"reason": got.Reason, "observed": got.Evidence.Observed,
					} {
						if piece, ok := leaks(text, sec.value); ok {
							t.Errorf("%s holds %q: %s", what, piece, text)
						}
					}
				})
			}
		}
	}
}

// A Basic credential is redacted decoded, and so is its password.
func TestBasicAuthSecrets(t *testing.T) {
	t.Parallel()
	const pw = "b4sic-p@ss_91"
	e := Endpoint{Headers: map[string]config.Template{"Authorization": "Basic ${CRED}"}, Getenv: func(string) string {
		return base64.StdEncoding.EncodeToString([]byte("deploy:" + pw))
	}}
	red := audit.RedactorFor(context.Background(), e.Secrets()...)
	got := red.Cut("user deploy:"+pw+" or "+pw+" or "+url.QueryEscape(pw), 1000)
	if strings.Contains(got, "p@ss") || strings.Contains(got, "p%40ss") {
		t.Errorf("got %q", got)
	}
}
