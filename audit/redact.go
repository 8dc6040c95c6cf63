package audit

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/releasebot/releasebot/internal/textsafe"
)

// Redactor replaces secrets with [redacted] in every form a secret takes in
// a result: as is, JSON-escaped (HTML-safe or not, ASCII-only), Go-quoted
// (%q, %+q), URL-escaped (query and path, either hex case), base64 (standard
// and URL alphabets, padded or not), and a %q or JSON form of any of these
// (a JSON body quoted in an error). Forms go longest first, so a secret
// containing another is removed whole. Text is always redacted whole before
// it is cut, so a cut never leaves a secret's prefix.
type Redactor struct {
	secrets []string
	forms   []string
}

const redacted = "[redacted]"

func newRedactor(secrets []string) *Redactor {
	r := &Redactor{}
	r.add(secrets...)
	return r
}

func (r *Redactor) add(secrets ...string) {
	for _, s := range secrets {
		if s = strings.TrimSpace(s); s == "" || slices.Contains(r.secrets, s) {
			continue
		}
		r.secrets = append(r.secrets, s)
		for _, f := range secretForms(s) {
			if f != "" && !slices.Contains(r.forms, f) {
				r.forms = append(r.forms, f)
			}
		}
	}
	slices.SortFunc(r.forms, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
}

// with is a copy of r (nil for none) with more secrets, leaving r alone:
// r is shared by checks running in parallel.
func (r *Redactor) with(secrets ...string) *Redactor {
	c := &Redactor{}
	if r != nil {
		c.secrets = slices.Clone(r.secrets)
		c.forms = slices.Clone(r.forms)
	}
	c.add(secrets...)
	return c
}

func (r *Redactor) redact(s string) string {
	if r == nil {
		return s
	}
	for _, f := range r.forms {
		s = strings.ReplaceAll(s, f, redacted)
	}
	return s
}

// cut is s redacted, on one line and cut to max runes, in that order.
func (r *Redactor) cut(s string, max int) string {
	s = r.redact(s)
	s = strings.Join(strings.Fields(textsafe.OneLine(s)), " ")
	// Folding whitespace can join a secret that had a line break in it.
	return textsafe.Cut(r.redact(s), max)
}

// snippet is the start of a body, redacted, on one line, for a reason.
func (r *Redactor) snippet(b []byte) string { return r.cut(string(b), snippetRunes) }

// snippetRunes is how much of a body a reason quotes.
const snippetRunes = 80

func (r *Redactor) result(res Result) Result {
	res.Reason = r.redact(res.Reason)
	res.Evidence.URL = r.redact(res.Evidence.URL)
	res.Evidence.Observed = r.redact(res.Evidence.Observed)
	res.Evidence.Threshold = r.redact(res.Evidence.Threshold)
	return res
}

// secretForms are the spellings of s that output or an error can carry.
func secretForms(s string) []string {
	first := []string{
		s,
		jsonString(s, true), jsonString(s, false), jsonASCII(s),
		goQuoted(strconv.Quote(s)), goQuoted(strconv.QuoteToASCII(s)),
		url.QueryEscape(s), url.PathEscape(s),
		lowerHex(url.QueryEscape(s)), lowerHex(url.PathEscape(s)),
		base64.StdEncoding.EncodeToString([]byte(s)), base64.URLEncoding.EncodeToString([]byte(s)),
		base64.RawStdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s)),
	}
	out := slices.Clone(first)
	for _, f := range first {
		out = append(out, goQuoted(strconv.Quote(f)), jsonString(f, true), jsonString(f, false))
	}
	return out
}

// jsonString is s as encoding/json writes it inside quotes.
func jsonString(s string, escapeHTML bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s) // a string always encodes
	return goQuoted(strings.TrimSuffix(buf.String(), "\n"))
}

// jsonASCII is s as ASCII-only JSON encoders (Python's json.dumps) write it:
// every non-ASCII rune as \uXXXX, astral ones as a surrogate pair.
func jsonASCII(s string) string {
	var b strings.Builder
	for _, c := range jsonString(s, false) {
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

// goQuoted drops the quotes around a quoted string.
func goQuoted(q string) string { return strings.TrimSuffix(strings.TrimPrefix(q, `"`), `"`) }

var pctHex = regexp.MustCompile(`%[0-9A-F]{2}`)

// lowerHex writes percent escapes in lower case, as some servers do.
func lowerHex(s string) string { return pctHex.ReplaceAllStringFunc(s, strings.ToLower) }

type redactorKey struct{}

// withRedactor gives the checks run under ctx the Runner's redactor, so that
// a check redacts every secret of the audit before it cuts text.
func withRedactor(ctx context.Context, r *Redactor) context.Context {
	return context.WithValue(ctx, redactorKey{}, r)
}

// redactorFor is the redactor of ctx (none outside a Runner) with secrets
// added.
func redactorFor(ctx context.Context, secrets ...string) *Redactor {
	r, _ := ctx.Value(redactorKey{}).(*Redactor)
	return r.with(secrets...)
}

// RedactorFor is the redactor of the Runner running ctx (none outside a
// Runner) with secrets added: a check that quotes what a service answered
// redacts every secret of the audit with it before it cuts the text.
func RedactorFor(ctx context.Context, secrets ...string) *Redactor {
	return redactorFor(ctx, secrets...)
}

// NewRedactor is a redactor of secrets for text outside an audit (the CLI's
// failure log): the same spellings, longest first.
func NewRedactor(secrets ...string) *Redactor { return newRedactor(secrets) }

// Redact replaces every spelling of every secret in s with [redacted].
func (r *Redactor) Redact(s string) string { return r.redact(s) }

// Cut is s redacted, on one line and cut to max runes, in that order.
func (r *Redactor) Cut(s string, max int) string { return r.cut(s, max) }

// Snippet is the start of a body (SnippetRunes), redacted, on one line, for
// a reason.
func (r *Redactor) Snippet(b []byte) string { return r.snippet(b) }

// SnippetRunes is how much of a body a reason quotes.
const SnippetRunes = snippetRunes

// SecretForms are the spellings of a secret that output or an error can
// carry, the ones a Redactor removes; tests of checks look for each.
func SecretForms(s string) []string { return secretForms(s) }
