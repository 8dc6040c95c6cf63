package localgit

import (
	"context"
	"testing"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/gittest"
	"github.com/releasebot/releasebot/internal/storetest"
)

// TestConformance runs the suite every Store passes (the GitHub store runs
// it too, on the emulator).
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (chatops.Store, func(map[string][]byte)) {
		return newConformanceStore(t, storetest.Window{})
	})
	storetest.RunRequestWindow(t, newConformanceStore)
}

func newConformanceStore(t *testing.T, w storetest.Window) (chatops.Store, func(map[string][]byte)) {
	{
		r := gittest.New(t, map[string]string{storetest.FlagsFile: storetest.InitialFlags})
		s, err := Open(context.Background(), r.Dir, "main", storetest.FlagsFile, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Env = r.Vars
		s.RequestWindow, s.RequestMaxAge, s.Now = w.Commits, w.MaxAge, w.Now
		outside := func(files map[string][]byte) {
			for p, c := range files {
				if c == nil {
					r.Git("rm", "-q", "--", p)
					continue
				}
				r.Write(p, string(c))
				r.Git("add", "--", p)
			}
			r.Git("commit", "-q", "--allow-empty", "-m", "a commit made outside releasebot")
		}
		return s, outside
	}
}
