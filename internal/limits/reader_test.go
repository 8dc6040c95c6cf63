package limits

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadAll(t *testing.T) {
	for _, tc := range []struct {
		name  string
		body  string
		limit int64
		big   bool
	}{
		{"empty", "", 4, false},
		{"under", "abc", 4, false},
		{"exactly the limit", "abcd", 4, false},
		{"one byte over", "abcde", 4, true},
		{"far over", strings.Repeat("x", 1<<16), 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadAll(strings.NewReader(tc.body), tc.limit, "the answer of x")
			var tl *TooLargeError
			if tc.big {
				if !errors.As(err, &tl) || b != nil || tl.Limit != tc.limit || tl.What != "the answer of x" {
					t.Fatalf("ReadAll = %q, %v; want a *TooLargeError and no body", b, err)
				}
				return
			}
			if err != nil || string(b) != tc.body {
				t.Fatalf("ReadAll = %q, %v; want %q", b, err, tc.body)
			}
		})
	}
}

// endless is a reader that never ends, counting what it gave.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.n += int64(len(p))
	return len(p), nil
}

func (e *endless) Close() error { return nil }

func TestBody(t *testing.T) {
	for _, tc := range []struct {
		name     string
		body     string
		declared int64
		limit    int64
		big      bool
	}{
		{"under", "abc", -1, 4, false},
		{"exactly", "abcd", 4, 4, false},
		{"over, unknown length", "abcdefgh", -1, 4, true},
		{"over, declared", "abcdefgh", 8, 4, true},
		{"declared over, body short", "ab", 1 << 40, 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := Body(io.NopCloser(strings.NewReader(tc.body)), tc.declared, tc.limit, "GitHub's answer")
			b, err := io.ReadAll(rc)
			var tl *TooLargeError
			if tc.big != errors.As(err, &tl) {
				t.Fatalf("read %q, %v; want too large = %v", b, err, tc.big)
			}
			if int64(len(b)) > tc.limit {
				t.Errorf("read %d bytes past the limit of %d", len(b), tc.limit)
			}
			if !tc.big && string(b) != tc.body {
				t.Errorf("read %q, want %q", b, tc.body)
			}
		})
	}
	t.Run("endless", func(t *testing.T) {
		src := &endless{}
		_, err := io.ReadAll(Body(src, -1, 1<<20, "x"))
		var tl *TooLargeError
		if !errors.As(err, &tl) {
			t.Fatalf("err = %v, want *TooLargeError", err)
		}
		if src.n > 1<<20+1 {
			t.Errorf("read %d bytes from the source, want at most limit+1", src.n)
		}
	})
}
