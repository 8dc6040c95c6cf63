package github_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/storetest"
)

// hangingGate is a gate whose services never answer (Sentry or CI down):
// it blocks until the context ends. Rollback must not wait for it.
type hangingGate struct{}

func (hangingGate) Check(ctx context.Context, _ chatops.GateRequest) error {
	<-ctx.Done()
	return ctx.Err()
}

// BenchmarkRollbackOnGitHub measures /rollback of one flag, and clearing it
// again, through the GitHub store on the emulator (loopback HTTP, a real git
// repository behind it), with a gate that hangs: each op is one command, one
// commit.
//
//	go test -run '^$' -bench RollbackOnGitHub ./internal/github/
func BenchmarkRollbackOnGitHub(b *testing.B) {
	e := newEnv(b)
	e.commitOutside(b)(map[string][]byte{storetest.FlagsFile: []byte(serviceFlags)})
	svc := &chatops.Service{Store: e.store, Config: config.Default(), Gate: hangingGate{}}
	ctx := context.Background()
	cmds := []*chatops.Command{chatops.Parse("/rollback FF_A").Command, chatops.Parse("/toggle FF_A default").Command}
	who := chatops.Actor{Name: "oncall", Via: "slack"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := svc.RunCommand(ctx, cmds[i%2], chatops.Request{Actor: who})
		if r.Outcome != chatops.Done {
			b.Fatalf("%v %s", r.Outcome, r.Text)
		}
	}
}

// rtt adds a network round trip to every request, as github.com has.
type rtt struct {
	d    time.Duration
	next http.RoundTripper
}

func (r rtt) RoundTrip(req *http.Request) (*http.Response, error) {
	time.Sleep(r.d)
	return r.next.RoundTrip(req)
}

// BenchmarkRollbackOnGitHubAt100msRTT is BenchmarkRollbackOnGitHub with
// 100 ms added to every request: what a rollback costs against github.com.
// The commits list and the flag file are read together, and the check of
// the flag file runs beside the tree, so a command waits for four round
// trips: the reads, the tree, the commit and the ref update.
//
//	go test -run '^$' -bench RollbackOnGitHubAt100msRTT -benchtime 10x ./internal/github/
func BenchmarkRollbackOnGitHubAt100msRTT(b *testing.B) {
	e := newEnv(b)
	e.commitOutside(b)(map[string][]byte{storetest.FlagsFile: []byte(serviceFlags)})
	client, err := ghstore.NewClient(ghstore.ClientOptions{
		BaseURL: e.srv.URL + "/api/v3", Credentials: ghstore.Credentials{Token: token},
		Transport: rtt{d: 100 * time.Millisecond, next: http.DefaultTransport},
	})
	if err != nil {
		b.Fatal(err)
	}
	store, err := ghstore.NewStore(context.Background(), client.Client, owner+"/"+repo, "main", storetest.FlagsFile)
	if err != nil {
		b.Fatal(err)
	}
	svc := &chatops.Service{Store: store, Config: config.Default(), Gate: hangingGate{}}
	cmds := []*chatops.Command{chatops.Parse("/rollback FF_A").Command, chatops.Parse("/toggle FF_A default").Command}
	who := chatops.Actor{Name: "oncall", Via: "slack"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := svc.RunCommand(context.Background(), cmds[i%2], chatops.Request{Actor: who})
		if r.Outcome != chatops.Done {
			b.Fatalf("%v %s", r.Outcome, r.Text)
		}
	}
}
