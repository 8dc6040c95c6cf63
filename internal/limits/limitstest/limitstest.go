// Package limitstest serves, for tests, an HTTP answer that never ends (or
// declares a size past a limit), so that a client's body limit can be seen
// to stop reading at once.
package limitstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// maxWritten bounds what one answer writes, so that a client that never
// stops reading fails the test instead of running forever.
const maxWritten = 1 << 30

// Endless starts a loopback server whose every answer is a JSON object
// opened with prefix (`{"name":"`) and then an endless string, declaring
// Content-Length declared when it is above zero. The returned function
// waits for the answer in flight to end and fails t when the server was
// still writing 5 s after the call returned; it returns the bytes written.
func Endless(t *testing.T, prefix string, declared int64) (url string, written func() int64) {
	t.Helper()
	done := make(chan int64, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int64
		defer func() { done <- n }()
		w.Header().Set("Content-Type", "application/json")
		if declared > 0 {
			w.Header().Set("Content-Length", fmt.Sprint(declared))
		}
		m, _ := fmt.Fprint(w, prefix)
		n += int64(m)
		chunk := []byte(strings.Repeat("x", 32<<10))
		for n < maxWritten && r.Context().Err() == nil {
			m, err := w.Write(chunk)
			n += int64(m)
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() int64 {
		t.Helper()
		select {
		case n := <-done:
			return n
		case <-time.After(5 * time.Second):
			t.Errorf("the server was still writing 5s after the call failed")
			return -1
		}
	}
}
