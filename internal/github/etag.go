package github

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Conditional requests: GitHub answers a GET with an ETag, and a repeat of
// it carrying If-None-Match with 304 Not Modified when nothing changed —
// which does not count against the rate limit. etagTransport remembers the
// latest answers with an ETag (per URL and credentials), sends their ETag
// again, and turns a 304 into the remembered 200, so the configuration and
// flag-file reads a server makes for every command cost no quota while the
// files stay the same. Written by hand: the HTTP caching modules cache by
// freshness (Cache-Control), which GitHub's max-age=60 makes stale-prone,
// while this only revalidates.

const (
	etagEntries = 512     // answers remembered per client
	etagMaxBody = 1 << 20 // larger answers are not remembered
)

// revalidatedHeader marks a 200 made from a 304, for the meter.
const revalidatedHeader = "X-Releasebot-Revalidated"

type etagEntry struct {
	key    string
	etag   string
	body   []byte
	header http.Header
}

type etagTransport struct {
	next http.RoundTripper

	mu    sync.Mutex
	order *list.List               // most recent first
	byKey map[string]*list.Element // of *etagEntry
}

func newETagTransport(next http.RoundTripper) *etagTransport {
	return &etagTransport{next: next, order: list.New(), byKey: map[string]*list.Element{}}
}

// cacheKey is the URL with a hash of the credentials: what one token may
// read, another may not.
func cacheKey(req *http.Request) string {
	sum := sha256.Sum256([]byte(req.Header.Get("Authorization")))
	return req.URL.String() + " " + req.Header.Get("Accept") + " " + hex.EncodeToString(sum[:8])
}

func (t *etagTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || req.Header.Get("If-None-Match") != "" {
		return t.next.RoundTrip(req)
	}
	key := cacheKey(req)
	cached := t.get(key)
	if cached != nil {
		req = req.Clone(req.Context())
		req.Header.Set("If-None-Match", cached.etag)
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && cached != nil:
		resp.Body.Close()
		h := cached.header.Clone()
		for k, v := range resp.Header { // the fresh rate-limit and request-id headers
			h[k] = v
		}
		h.Set("Content-Length", strconv.Itoa(len(cached.body)))
		h.Set(revalidatedHeader, "1")
		return &http.Response{
			Status: "200 OK", StatusCode: http.StatusOK, Proto: resp.Proto, ProtoMajor: resp.ProtoMajor, ProtoMinor: resp.ProtoMinor,
			Header: h, Body: io.NopCloser(bytes.NewReader(cached.body)), ContentLength: int64(len(cached.body)),
			Request: resp.Request,
		}, nil
	case resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != "":
		body, err := io.ReadAll(io.LimitReader(resp.Body, etagMaxBody+1))
		if err != nil {
			resp.Body.Close()
			return nil, err
		}
		if len(body) > etagMaxBody {
			// Too large to remember: passed on whole, as read so far
			// and the rest.
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
			return resp, nil
		}
		resp.Body.Close()
		t.put(&etagEntry{key: key, etag: resp.Header.Get("ETag"), body: body, header: resp.Header.Clone()})
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	return resp, nil
}

func (t *etagTransport) get(key string) *etagEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.byKey[key]; ok {
		t.order.MoveToFront(el)
		return el.Value.(*etagEntry)
	}
	return nil
}

func (t *etagTransport) put(e *etagEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.byKey[e.key]; ok {
		el.Value = e
		t.order.MoveToFront(el)
		return
	}
	t.byKey[e.key] = t.order.PushFront(e)
	for t.order.Len() > etagEntries {
		last := t.order.Back()
		t.order.Remove(last)
		delete(t.byKey, last.Value.(*etagEntry).key)
	}
}
