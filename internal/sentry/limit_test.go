package sentry_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/limits/limitstest"
	"github.com/releasebot/releasebot/internal/sentry"
)

// An answer past limits.ResponseBody is an error, not JSON decoded cut, and
// the client stops reading at once.
func TestResponseBodyLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		declared int64
		want     string
	}{
		{"streams forever", 0, "sentry's answer to GET /api/0/projects/acme/web/ is larger than releasebot's limit of 32 MiB"},
		{"declares 40 MiB", 40 << 20, "sentry's answer to GET /api/0/projects/acme/web/ is 40 MiB, over releasebot's limit of 32 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srvURL, written := limitstest.Endless(t, `{"slug":"`, tc.declared)
			c, err := sentry.New(srvURL, token)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = c.GetProject(ctx, "acme", "web")
			var tl *limits.TooLargeError
			if !errors.As(err, &tl) || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			t.Logf("server wrote %d bytes", written())
		})
	}
}

// An error body that echoes the token shows no piece of it, even where the
// detail is cut.
func TestErrorDetailHidesToken(t *testing.T) {
	t.Parallel()
	for _, pad := range []int{0, 260, 265, 270} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "proxy error %s sent %s %s", strings.Repeat(".", pad), r.Header.Get("Authorization"), strings.Repeat("-", 400))
		}))
		c, err := sentry.New(srv.URL, token)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetProject(context.Background(), "acme", "web")
		srv.Close()
		var ae *sentry.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("pad %d: err = %v, want an *APIError", pad, err)
		}
		for i := 0; i+8 <= len(token); i++ {
			if strings.Contains(err.Error(), token[i:i+8]) {
				t.Fatalf("pad %d: the error holds %q: %v", pad, token[i:i+8], err)
			}
		}
	}
}

// A redirect to another host (another port on loopback) is refused at once
// and the other host never sees the token.
func TestRedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		fmt.Fprint(w, `{"slug":"web"}`)
	}))
	defer other.Close()
	for _, code := range []int{301, 302, 307, 308} {
		var hits int
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits++
			http.Redirect(w, r, other.URL+r.URL.Path+"?t="+token, code)
		}))
		c, err := sentry.New(srv.URL, token)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetProject(context.Background(), "acme", "web")
		srv.Close()
		var te *sentry.TransportError
		switch {
		case err == nil || !strings.Contains(err.Error(), "releasebot does not send its token there"):
			t.Errorf("%d: err = %v, want a refused redirect", code, err)
		case strings.Contains(err.Error(), token):
			t.Errorf("%d: the error holds the token: %v", code, err)
		case errors.As(err, &te) || hits != 1:
			t.Errorf("%d: a refused redirect was treated as no answer (%d requests): %v", code, hits, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 0 {
		t.Errorf("the other host got %d requests (Authorization %q), want none", len(seen), seen)
	}
}
