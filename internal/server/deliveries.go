package server

import (
	"container/list"
	"sync"
	"time"
)

// The memory of webhook deliveries: GitHub redelivers with the same
// X-GitHub-Delivery, usually within minutes (a manual redelivery, a
// timeout on its side). Past it, or in another replica, the request id
// github-comment:<id> and the reply marker still make a redelivered command
// yield its first result.
const (
	deliveryMemory = 10000
	deliveryTTL    = time.Hour
)

// deliveries remembers the most recent delivery ids for a while: a bounded
// LRU whose entries also expire. It is safe for concurrent use.
type deliveries struct {
	max int
	ttl time.Duration

	mu    sync.Mutex
	order *list.List               // of delivery, newest at the front
	byID  map[string]*list.Element // into order
}

type delivery struct {
	id   string
	seen time.Time
}

func newDeliveries(max int, ttl time.Duration) *deliveries {
	return &deliveries{max: max, ttl: ttl, order: list.New(), byID: map[string]*list.Element{}}
}

// first records id at now and reports whether it is new: not seen within
// the TTL.
func (d *deliveries) first(id string, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.byID[id]; ok {
		if now.Sub(e.Value.(*delivery).seen) < d.ttl {
			return false
		}
		d.order.Remove(e)
		delete(d.byID, id)
	}
	d.byID[id] = d.order.PushFront(&delivery{id: id, seen: now})
	for d.order.Len() > d.max {
		old := d.order.Back()
		d.order.Remove(old)
		delete(d.byID, old.Value.(*delivery).id)
	}
	return true
}

// forget drops id, so that its next delivery is handled (the first one was
// not).
func (d *deliveries) forget(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.byID[id]; ok {
		d.order.Remove(e)
		delete(d.byID, id)
	}
}
