package github_test

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

	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/limits/limitstest"
)

const limitToken = "ghp_limit_secret_4f2a9c"

// A body past limits.ResponseBody fails the call with *limits.TooLargeError,
// promptly, without being held whole; the server sees the client go away.
func TestResponseBodyLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		declared int64
		want     string
	}{
		{"streams forever", 0, "GitHub's answer to GET /api/v3/repos/o/r is larger than releasebot's limit of 32 MiB"},
		{"declares 64 MiB", 64 << 20, "GitHub's answer to GET /api/v3/repos/o/r is 64 MiB, over releasebot's limit of 32 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srvURL, written := limitstest.Endless(t, `{"name":"`, tc.declared)
			c, err := ghstore.NewClient(ghstore.ClientOptions{BaseURL: srvURL + "/api/v3", Credentials: ghstore.Credentials{Token: limitToken}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			_, _, err = c.Repositories.Get(ctx, "o", "r")
			var tl *limits.TooLargeError
			if !errors.As(err, &tl) || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), limitToken) {
				t.Errorf("the error holds the token: %v", err)
			}
			took := time.Since(start)
			t.Logf("server wrote %d bytes; the call took %s", written(), took)
		})
	}
}

// A redirect to another host (another port on loopback) is refused: the
// token transport would send the token there.
func TestRedirectToAnotherHostKeepsTheToken(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		fmt.Fprint(w, `{"name":"r"}`)
	}))
	defer other.Close()
	for _, code := range []int{301, 302, 307, 308} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path+"?access_token="+limitToken, code)
		}))
		c, err := ghstore.NewClient(ghstore.ClientOptions{BaseURL: srv.URL + "/api/v3", Credentials: ghstore.Credentials{Token: limitToken}, RetryAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Repositories.Get(context.Background(), "o", "r")
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), "releasebot does not send its credentials there") {
			t.Errorf("%d: err = %v, want a refused redirect", code, err)
		} else if strings.Contains(err.Error(), limitToken) {
			t.Errorf("%d: the error holds the token: %v", code, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 0 {
		t.Errorf("the other host got %d requests (Authorization %q), want none", len(seen), seen)
	}
}
