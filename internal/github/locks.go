package github

import (
	"context"
	"sync"
)

// BranchLocks serialises the commands of one process on one flag branch:
// the stores a server opens for its commands share one, so commands that
// arrive together on one replica take turns at reading and committing
// instead of racing each other through the compare-and-swap (which still
// decides between replicas). The zero value is ready.
type BranchLocks struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

func (b *BranchLocks) lock(ctx context.Context, key string) (func(), error) {
	b.mu.Lock()
	if b.m == nil {
		b.m = map[string]chan struct{}{}
	}
	ch, ok := b.m[key]
	if !ok {
		ch = make(chan struct{}, 1)
		b.m[key] = ch
	}
	b.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Lock takes the process's lock of the store's flag branch when the store
// shares BranchLocks (Locks), for chatops.Service, which holds it only
// around reading and around committing, never while a gate runs. A store
// without Locks locks nothing.
func (s *Store) Lock(ctx context.Context) (func(), error) {
	if s.Locks == nil {
		return func() {}, nil
	}
	return s.Locks.lock(ctx, s.repo()+"@"+s.Branch)
}
