package strict_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/releasebot/releasebot/internal/emulator/strict"
)

// known is an emulator with one route, GET /a/{id}; an Expect with no
// method asks with an empty one.
func known(method, pattern string) bool {
	return (method == "" || method == "GET") && pattern == "/a/{id}"
}

// TestRecorder: unmatched requests fail the test when it ends, in order;
// expectations are checked by Verify, or at the end when Verify was not
// called; an empty method expects and counts any.
func TestRecorder(t *testing.T) {
	for _, tc := range []struct {
		name   string
		run    func(r *strict.Recorder, tb *strict.Recording)
		errors []string
	}{
		{"nothing", func(r *strict.Recorder, tb *strict.Recording) {}, nil},
		{"called as expected", func(r *strict.Recorder, tb *strict.Recording) {
			r.Expect("GET", "/a/{id}")
			r.Call("GET", "/a/{id}", "/a/1")
		}, nil},
		{"any method", func(r *strict.Recorder, tb *strict.Recording) {
			r.Expect("", "/a/{id}")
			r.Call("GET", "/a/{id}", "/a/1")
		}, nil},
		{"unmatched, in order", func(r *strict.Recorder, tb *strict.Recording) {
			r.Miss("GET", "/b")
			r.Miss("POST", "/a/1")
		}, []string{"emu: unmatched request: GET /b (no route of the emulator; hint)", "emu: unmatched request: POST /a/1 (no route of the emulator; hint)"}},
		{"never called, checked at the end", func(r *strict.Recorder, tb *strict.Recording) {
			r.Expect("GET", "/a/{id}")
		}, []string{"emu: expected route GET /a/{id} was never called"}},
		{"never called, Verify reports once", func(r *strict.Recorder, tb *strict.Recording) {
			r.Expect("GET", "/a/{id}")
			r.Verify(tb)
		}, []string{"emu: expected route GET /a/{id} was never called"}},
		{"an Expect after Verify is checked at the end", func(r *strict.Recorder, tb *strict.Recording) {
			r.Verify(tb)
			r.Expect("GET", "/a/{id}")
		}, []string{"emu: expected route GET /a/{id} was never called"}},
		{"no such route", func(r *strict.Recorder, tb *strict.Recording) {
			r.Expect("POST", "/a/{id}")
			r.Call("POST", "/a/{id}", "/a/1") // only a bug in an emulator would record this
		}, []string{"emu: expected route POST /a/{id} is no route of the emulator"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := &strict.Recording{}
			r := strict.New(tb, "emu", "hint", known)
			tc.run(r, tb)
			if got := tb.End(); strings.Join(got, "\n") != strings.Join(tc.errors, "\n") {
				t.Errorf("failures:\n%q\nwant\n%q", got, tc.errors)
			}
		})
	}
}

// TestRecorderConcurrent: calls from many goroutines are all counted (run
// with -race).
func TestRecorderConcurrent(t *testing.T) {
	tb := &strict.Recording{}
	r := strict.New(tb, "emu", "hint", known)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Call("GET", "/a/{id}", fmt.Sprintf("/a/%d", i))
			r.Miss("GET", "/b")
			_ = r.Calls()
		}()
	}
	wg.Wait()
	if n, any := r.Count("GET", "/a/{id}"), r.Count("", "/a/{id}"); n != 50 || any != 50 {
		t.Errorf("Count = %d, %d; want 50", n, any)
	}
	if n := len(tb.End()); n != 50 {
		t.Errorf("%d failures, want 50", n)
	}
}
