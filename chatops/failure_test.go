package chatops

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/failure"
)

// failingStore is a memStore whose calls fail with err from the named
// method on.
type failingStore struct {
	*memStore
	method string
	err    error
}

func (s *failingStore) Read(ctx context.Context) (Snapshot, error) {
	if s.method == "Read" {
		return Snapshot{}, s.err
	}
	return s.memStore.Read(ctx)
}

func (s *failingStore) FindRequest(ctx context.Context, id string) (CommitInfo, bool, error) {
	if s.method == "FindRequest" {
		return CommitInfo{}, false, s.err
	}
	return s.memStore.FindRequest(ctx, id)
}

func (s *failingStore) Commit(ctx context.Context, base string, files map[string][]byte, msg string) (string, error) {
	if s.method == "Commit" {
		return "", s.err
	}
	return s.memStore.Commit(ctx, base, files, msg)
}

func (s *failingStore) History(ctx context.Context, path string, limit int) ([]CommitInfo, error) {
	if s.method == "History" {
		return nil, s.err
	}
	return s.memStore.History(ctx, path, limit)
}

// TestUnclassifiedStoreError: a store error nobody classified reaches the
// user as one sentence with the request id, never its text (a PR comment is
// public); the cause is in Reply.Err for the log. An adapter's classified
// sentence is shown with what failed.
func TestUnclassifiedStoreError(t *testing.T) {
	secret := errors.New("exit status 128: fatal: unable to access 'https://x-access-token:ghs_SECRET@github.com/acme/web/': 500\n/home/ci/.git")
	for _, method := range []string{"Read", "FindRequest", "Commit", "History"} {
		for _, text := range []string{"/canary 10", "/ab_status", "/rollback"} {
			if method == "History" && text != "/ab_status" || method == "FindRequest" && text == "/ab_status" || method == "Commit" && text == "/ab_status" {
				continue
			}
			t.Run(method+" "+text, func(t *testing.T) {
				store := &failingStore{memStore: newMemStore(flagsPath, runbookFlags), method: method, err: secret}
				svc := &Service{Store: store, Config: testConfig(t)}
				r := svc.Run(context.Background(), Request{Text: text, Actor: ann, ID: "slack:T1"})
				want := "releasebot failed unexpectedly (request slack:T1); the cause is in releasebot's log under that id"
				if r.Outcome != Failed || r.Text != want {
					t.Errorf("reply %v %q, want failed %q", r.Outcome, r.Text, want)
				}
				if !errors.Is(r.Err, secret) {
					t.Errorf("Reply.Err = %v, want the cause", r.Err)
				}
				for _, out := range []string{r.Text, r.Render(Slack), r.Render(Markdown), r.Render(Terminal)} {
					if strings.Contains(out, "SECRET") || strings.Contains(out, "fatal") || strings.Contains(out, "/home/ci") {
						t.Errorf("the cause reached the user: %q", out)
					}
				}
				if failure.KindOf(r.Err) != failure.Internal || r.Kind != failure.Internal {
					t.Errorf("kind %v (reply %v), want internal", failure.KindOf(r.Err), r.Kind)
				}
			})
		}
	}
	t.Run("no request id given", func(t *testing.T) {
		store := &failingStore{memStore: newMemStore(flagsPath, runbookFlags), method: "Read", err: secret}
		r := (&Service{Store: store, Config: testConfig(t)}).Run(context.Background(), Request{Text: "/canary 10", Actor: ann})
		if r.RequestID == "" || !strings.HasPrefix(r.RequestID, "slack:") || !strings.Contains(r.Text, "(request "+r.RequestID+")") {
			t.Errorf("reply %q with id %q, want the fresh id in the text", r.Text, r.RequestID)
		}
	})
	t.Run("classified by the adapter", func(t *testing.T) {
		remote := failure.Wrap(failure.Remote, secret, "could not create the commit on acme/web: GitHub answered 502 Bad Gateway")
		store := &failingStore{memStore: newMemStore(flagsPath, runbookFlags), method: "Commit", err: remote}
		r := (&Service{Store: store, Config: testConfig(t)}).Run(context.Background(), Request{Text: "/canary 10", Actor: ann, ID: "x"})
		want := "could not commit the flag change: could not create the commit on acme/web: GitHub answered 502 Bad Gateway; nothing changed, run the command again"
		if r.Outcome != Failed || r.Kind != failure.Remote || r.Text != want || !errors.Is(r.Err, secret) {
			t.Errorf("reply %v %q (cause %v), want failed %q", r.Outcome, r.Text, r.Err, want)
		}
	})
	t.Run("classified internal is not shown", func(t *testing.T) {
		store := &failingStore{memStore: newMemStore(flagsPath, runbookFlags), method: "Read", err: failure.Wrap(failure.Internal, secret, "ghs_SECRET is bad")}
		r := (&Service{Store: store, Config: testConfig(t)}).Run(context.Background(), Request{Text: "/ab_status", Actor: ann, ID: "y"})
		if strings.Contains(r.Text, "SECRET") || !strings.Contains(r.Text, "(request y)") {
			t.Errorf("reply %q", r.Text)
		}
	})
}

// TestErrorIsAFailure: the core's *Error is classified by the failure
// package like an adapter's, its kind following its outcome.
func TestErrorIsAFailure(t *testing.T) {
	for _, tc := range []struct {
		o    Outcome
		kind failure.Kind
		exit int
	}{
		{Refused, failure.Refused, 1},
		{BadInput, failure.BadInput, 2},
		{Failed, failure.Remote, 3},
	} {
		err := errorf(tc.o, "no %s here", echo("x\u2028y"))
		wrapped := errors.Join(errors.New("context"), err)
		for _, e := range []error{err, wrapped} {
			if got := failure.KindOf(e); got != tc.kind {
				t.Errorf("%v: KindOf = %v, want %v", tc.o, got, tc.kind)
			}
			if got := failure.ExitCode(e); got != tc.exit {
				t.Errorf("%v: ExitCode = %d, want %d", tc.o, got, tc.exit)
			}
			if got := failure.Message(e, "r"); got != plain(err.Msg) || strings.ContainsRune(got, echoOpen) {
				t.Errorf("%v: Message = %q, want the plain sentence", tc.o, got)
			}
		}
		if OutcomeOf(tc.kind) != tc.o {
			t.Errorf("OutcomeOf(%v) = %v, want %v", tc.kind, OutcomeOf(tc.kind), tc.o)
		}
	}
	if OutcomeOf(failure.Internal) != Failed {
		t.Error("an internal failure is not Failed")
	}
}
