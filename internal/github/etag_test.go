package github_test

import (
	"context"
	"testing"
)

// TestConditionalReads: reading the same file again sends its ETag, GitHub
// answers 304, which costs no quota, and the client returns the same bytes;
// once the file changes, the new bytes come back.
func TestConditionalReads(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first, err := e.store.ReadFile(ctx, "main", "README.md")
	if err != nil {
		t.Fatal(err)
	}
	remaining, _, _ := e.client.Meter().RateLimit()
	calls := e.client.Meter().Calls()
	for range 3 {
		again, err := e.store.ReadFile(ctx, "main", "README.md")
		if err != nil || string(again) != string(first) {
			t.Fatalf("again: %q, %v; want %q", again, err, first)
		}
	}
	if got := e.client.Meter().Revalidated(); got != 3 {
		t.Errorf("%d revalidated reads, want 3", got)
	}
	if got, _, _ := e.client.Meter().RateLimit(); got != remaining {
		t.Errorf("rate limit remaining %d after three 304s, want %d: a 304 costs no quota", got, remaining)
	}
	if got := e.client.Meter().Calls() - calls; got != 3 {
		t.Errorf("%d calls, want 3 (a conditional read is still a request)", got)
	}
	e.commitOutside(t)(map[string][]byte{"README.md": []byte("# web, changed\n")})
	changed, err := e.store.ReadFile(ctx, "main", "README.md")
	if err != nil || string(changed) != "# web, changed\n" {
		t.Fatalf("after a change: %q, %v", changed, err)
	}
	if got := e.client.Meter().Revalidated(); got != 3 {
		t.Errorf("a changed file counted as revalidated (%d)", got)
	}
}
