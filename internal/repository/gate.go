package repository

import (
	"context"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/auditcheck"
)

// releaseGate runs the canary gates for the repository's current release,
// which it looks up only when a raise asks for it: lowering, /rollback and
// read commands never pay for the lookup, nor fail with it.
type releaseGate struct {
	release func(context.Context) (string, error)
	cfg     *config.Config
	getenv  func(string) string
}

func (g *releaseGate) Check(ctx context.Context, req chatops.GateRequest) error {
	tag, err := g.release(ctx)
	if err != nil {
		return err
	}
	return auditcheck.NewGate(g.cfg, tag, g.getenv).Check(ctx, req)
}
