package audit

import (
	"github.com/releasebot/releasebot/internal/secrettest"
	"net/url"
	"strings"
	"testing"
)

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
	for _, sec := range secrettest.HardSecrets {
		for _, e := range secrettest.Encodings {
			t.Run(sec.Name+"/"+e.Name, func(t *testing.T) {
				t.Parallel()
				red := newRedactor([]string{sec.Value})
				text := "before " + e.Enc(sec.Value) + " after"
				got := red.redact(text)
				if piece, ok := leaks(got, sec.Value); ok {
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
	for _, sec := range secrettest.HardSecrets {
		red := newRedactor([]string{sec.Value})
		for at := 60; at <= 80; at += 5 {
			text := strings.Repeat("x", at) + sec.Value + strings.Repeat("y", 100)
			got := red.cut(text, snippetRunes)
			if piece, ok := leaks(got, sec.Value); ok {
				t.Errorf("%s at %d: cut = %q holds %q", sec.Name, at, got, piece)
			}
		}
	}
}
