package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/releasebot/releasebot/internal/gittest"
)

// healthServer answers /health with status until told otherwise, and counts
// the requests it gets.
type healthServer struct {
	*httptest.Server
	status atomic.Int32
	hits   atomic.Int32
}

func newHealthServer(t *testing.T) *healthServer {
	h := &healthServer{}
	h.status.Store(http.StatusOK)
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer prod-secret" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		code := int(h.status.Load())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		if code == http.StatusOK {
			w.Write([]byte(`{"status":"ok"}`))
		} else {
			w.Write([]byte(`{"status":"down","reason":"db pool exhausted"}`))
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func gatedRepo(t *testing.T, h *healthServer) *gittest.Repo {
	cfg := renderConfig + "environments:\n  prod:\n    health_url: " + h.URL + "/health\n    headers: {Authorization: \"Bearer ${PROD_TOKEN}\"}\n"
	repo := gittest.New(t, map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": cfg})
	repo.Env = append(repo.Env, "PROD_TOKEN=prod-secret")
	return repo
}

func TestCanaryGates(t *testing.T) {
	h := newHealthServer(t)
	repo := gatedRepo(t, h)

	// Healthy: the raise runs the gate and commits.
	if r := runBin(t, repo, "cmd", "/canary 10"); r.code != 0 || h.hits.Load() != 1 {
		t.Fatalf("healthy raise: exit %d %q, %d health requests", r.code, r.stderr, h.hits.Load())
	}
	// Failing health: /canary 50 is refused with the check's reason; nothing committed.
	h.status.Store(http.StatusServiceUnavailable)
	head := repo.Git("rev-parse", "HEAD")
	r := runBin(t, repo, "cmd", "/canary 50")
	if r.code != 1 || !strings.Contains(r.stderr, "gate health failed: ") || !strings.Contains(r.stderr, "503") || !strings.Contains(r.stderr, "/canary 50 prod --force") {
		t.Errorf("failing gate: exit %d %q", r.code, r.stderr)
	}
	if repo.Git("rev-parse", "HEAD") != head {
		t.Error("a refused raise committed")
	}
	if strings.Contains(r.stderr, "prod-secret") {
		t.Error("the header secret reached the output")
	}
	// --force commits without asking the gate.
	hits := h.hits.Load()
	if r := runBin(t, repo, "cmd", "/canary 50 --force"); r.code != 0 || h.hits.Load() != hits {
		t.Errorf("forced raise: exit %d %q, gate asked %d times", r.code, r.stderr, h.hits.Load()-hits)
	}
	if !strings.Contains(repo.Git("log", "-1", "--format=%B"), "Forced: steps and gates skipped with --force") {
		t.Error("the forced raise is not marked in the commit")
	}
	// Rollback and lowering commit while every gate fails, without asking it.
	h.Close()
	for _, c := range []string{"/canary 10", "/rollback"} {
		before := repo.Count("main")
		if r := runBin(t, repo, "cmd", c); r.code != 0 || repo.Count("main") != before+1 {
			t.Errorf("%s while the gate is down: exit %d %q", c, r.code, r.stderr)
		}
	}
	if h.hits.Load() != hits {
		t.Error("lowering or rollback asked the gate")
	}
}

func TestGateDownRefusesWithTheReason(t *testing.T) {
	h := newHealthServer(t)
	repo := gatedRepo(t, h)
	h.Close() // the health endpoint does not answer at all
	r := runBin(t, repo, "cmd", "/canary 10")
	if r.code != 1 || !strings.Contains(r.stderr, "gate health failed") || !strings.Contains(r.stderr, "--force") {
		t.Errorf("exit %d %q", r.code, r.stderr)
	}
	if repo.Count("main") != 1 {
		t.Error("committed")
	}
}
