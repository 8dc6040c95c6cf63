package sentry

import (
	"testing"
	"unicode/utf8"
)

func TestDetail(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`{"detail":"Invalid token"}`:                                          "Invalid token",
		`{"detail":{"message":"Over quota","code":"x"}}`:                      "Over quota",
		`{"refs":["Invalid repository names: acme/web"]}`:                     "refs: Invalid repository names: acme/web",
		`{"version":["This field is required."],"projects":["Invalid slug"]}`: "projects: Invalid slug; version: This field is required.",
		"Route not found, did you forget a trailing slash?\n\ntry: /x/\n  ^":  "Route not found, did you forget a trailing slash? try: /x/ ^",
		`<html><body>502</body></html>`:                                       `<html><body>502</body></html>`,
	}
	for body, want := range tests {
		if got := detail([]byte(body)); got != want {
			t.Errorf("detail(%q) = %q, want %q", body, got, want)
		}
	}
}

// FuzzDetail: any error body Sentry (or a proxy) answers reads as one short
// line.
func FuzzDetail(f *testing.F) {
	f.Add([]byte(`{"detail":"Invalid token"}`))
	f.Add([]byte(`{"refs":["Invalid repository names: a,b"],"x":[]}`))
	f.Add([]byte(`{"detail":[1,{"message":2}]}`))
	f.Add([]byte("\xff\xfe<html>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		got := detail(body)
		if utf8.RuneCountInString(got) > 301 {
			t.Fatalf("detail is %d characters long", utf8.RuneCountInString(got))
		}
	})
}
