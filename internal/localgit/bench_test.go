package localgit

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/gittest"
)

// BenchmarkCommandToCommit measures a parsed command to its commit on a local
// clone: request-id lookup, read, apply, render (dotenv and flagd), commit
// with compare-and-swap, and the work-tree update.
//
//	go test -run '^$' -bench CommandToCommit ./internal/localgit/
func BenchmarkCommandToCommit(b *testing.B) { benchCommandToCommit(b, flagsYAML) }

// BenchmarkCommandToCommit10kFlags is the same on a flag file of 10 000
// flags (560 KiB): each command parses, saves and renders all of them.
//
//	go test -run '^$' -bench CommandToCommit10kFlags -benchtime 10x ./internal/localgit/
func BenchmarkCommandToCommit10kFlags(b *testing.B) { benchCommandToCommit(b, manyFlags(10000)) }

// manyFlags is a flag file whose prod environment has n flags, every third
// in the canary.
func manyFlags(n int) string {
	var sb strings.Builder
	sb.WriteString("environments:\n  prod:\n    canary_percent: 0\n    flags:\n")
	for i := range n {
		canary := ""
		if i%3 == 0 {
			canary = ", canary: true"
		}
		fmt.Fprintf(&sb, "      FF_FLAG_%06d: {default: off%s}\n", i, canary)
	}
	return sb.String()
}

func benchCommandToCommit(b *testing.B, flagFile string) {
	r := gittest.New(b, map[string]string{flagsPath: flagFile})
	cfg, err := config.Parse("c.yml", []byte("render:\n  - {environment: prod, format: dotenv, path: deploy/prod.env}\n  - {environment: prod, format: flagd, path: deploy/prod.flagd.json}\n"))
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(context.Background(), r.Dir, "", cfg.FlagsFile, []string{"deploy/prod.env", "deploy/prod.flagd.json"})
	if err != nil {
		b.Fatal(err)
	}
	s.Env = r.Vars
	svc := &chatops.Service{Store: s, Config: cfg}
	up, down := chatops.Parse("/canary 10").Command, chatops.Parse("/canary 0").Command
	who := chatops.Actor{Name: "bench", Via: "cli"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := up
		if i%2 == 1 {
			cmd = down
		}
		reply := svc.RunCommand(context.Background(), cmd, chatops.Request{Actor: who})
		if reply.Outcome != chatops.Done {
			b.Fatalf("%v %s", reply.Outcome, reply.Text)
		}
	}
}
