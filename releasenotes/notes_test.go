package releasenotes

import "testing"

func buildNotes(t testing.TB, h *History, o Options) *Notes {
	t.Helper()
	if o.Date.IsZero() {
		o.Date = baseDate
	}
	n, err := Build(h, o)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
