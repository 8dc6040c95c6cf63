package limits

import "testing"

func TestBytes(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1 KiB"}, {1536, "1.5 KiB"},
		{4 << 20, "4 MiB"}, {50 << 20, "50 MiB"}, {3 << 30, "3 GiB"},
	} {
		if got := Bytes(tc.n); got != tc.want {
			t.Errorf("Bytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestTooLargeError(t *testing.T) {
	e := &TooLargeError{What: "the flag file f.yaml", Size: 50 << 20, Limit: RepoFile}
	if got, want := e.Error(), "the flag file f.yaml is 50 MiB, over releasebot's limit of 4 MiB"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e.Size = -1
	if got, want := e.Error(), "the flag file f.yaml is larger than releasebot's limit of 4 MiB"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
