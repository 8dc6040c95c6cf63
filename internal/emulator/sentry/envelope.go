package sentryemu

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Item is one item of an envelope sent to POST /api/{project_id}/envelope/,
// as recorded. Events of type "event" have their main fields decoded.
type Item struct {
	ProjectID string
	Key       string          // the DSN public key that sent it
	Type      string          // "event", "transaction", "client_report", …
	Header    json.RawMessage // the envelope's header
	Payload   json.RawMessage
	// Envelope is the whole request body (decompressed), so a test can
	// assert that a secret appears nowhere in what was sent.
	Envelope []byte

	EventID     string
	Level       string
	Message     string
	Release     string
	Environment string
	Exceptions  []Exception
	Tags        map[string]string
}

// Exception is one exception of an event, innermost last as Sentry stores
// them.
type Exception struct {
	Type  string
	Value string
}

// Events returns the error events received (items of type "event").
func (e *Emulator) Events() []Item {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Item
	for _, ev := range e.events {
		if ev.Type == "event" {
			out = append(out, ev)
		}
	}
	return out
}

// Items returns every envelope item received.
func (e *Emulator) Items() []Item {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.events)
}

// Received reports whether any envelope received so far contains s, so a
// test can assert that a secret was never reported.
func (e *Emulator) Received(s string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, it := range e.events {
		if bytes.Contains(it.Envelope, []byte(s)) {
			return true
		}
	}
	return false
}

// envelope answers Relay's ingestion endpoint. Auth is the DSN public key in
// X-Sentry-Auth ("Sentry sentry_key=…, …") or the sentry_key query
// parameter, not both; the key must be one of the project's.
func (e *Emulator) envelope(w http.ResponseWriter, r *http.Request) {
	key, status, detail := authKey(r)
	if status != 0 {
		writeJSON(w, status, map[string]string{"detail": detail})
		return
	}
	pid := r.PathValue("project")
	if _, err := strconv.ParseUint(pid, 10, 64); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "bad project path parameter"})
		return
	}
	e.mu.Lock()
	p := e.projects[pid]
	e.mu.Unlock()
	if p == nil || !slices.Contains(p.keys, key) {
		// Relay finds no enabled project for this key and project id.
		writeJSON(w, http.StatusForbidden, map[string]string{"detail": "event submission rejected with_reason: ProjectId"})
		return
	}
	var body io.Reader = http.MaxBytesReader(w, r.Body, 20<<20)
	// sentry-go sends plain bodies; other SDKs compress. An encoding the
	// emulator does not know is read as it is.
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "gzip", "deflate":
		var zr io.ReadCloser
		var err error
		if enc == "gzip" {
			zr, err = gzip.NewReader(body)
		} else {
			zr, err = zlib.NewReader(body)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "invalid request body"})
			return
		}
		defer zr.Close()
		body = zr
	}
	data, err := io.ReadAll(body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "invalid request body"})
		return
	}
	if len(data) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "empty request body"})
		return
	}
	header, items, err := ParseEnvelope(data)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "invalid event envelope", "causes": []string{err.Error()}})
		return
	}
	var hdr struct {
		EventID string `json:"event_id"`
	}
	_ = json.Unmarshal(header, &hdr)
	e.mu.Lock()
	for _, it := range items {
		it.ProjectID, it.Key, it.Envelope = pid, key, data
		if it.EventID == "" {
			it.EventID = hdr.EventID
		}
		e.events = append(e.events, it)
	}
	e.mu.Unlock()
	// Relay answers the envelope's event id, and no id when it has none.
	resp := map[string]string{}
	if hdr.EventID != "" {
		resp["id"] = hdr.EventID
	}
	writeJSON(w, http.StatusOK, resp)
}

// authKey reads the DSN public key as Relay does: from X-Sentry-Auth or the
// sentry_key query parameter (both is an error), 32 ASCII characters. It
// returns the status and detail of Relay's answer when the key is unusable.
func authKey(r *http.Request) (key string, status int, detail string) {
	query := r.URL.Query().Get("sentry_key")
	header := strings.TrimSpace(r.Header.Get("X-Sentry-Auth"))
	switch {
	case query != "" && header != "":
		return "", http.StatusUnauthorized, "multiple authorization payloads detected"
	case query != "":
		key = query
	case header != "":
		scheme, rest, _ := strings.Cut(header, " ")
		if !strings.EqualFold(scheme, "Sentry") {
			return "", http.StatusUnauthorized, "bad x-sentry-auth header"
		}
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			if strings.TrimSpace(k) == "sentry_key" {
				key = strings.TrimSpace(v)
			}
		}
		if key == "" {
			return "", http.StatusUnauthorized, "bad x-sentry-auth header"
		}
	default:
		return "", http.StatusUnauthorized, "missing authorization information"
	}
	if len(key) != 32 || !isASCII(key) {
		return "", http.StatusBadRequest, "bad sentry DSN public key"
	}
	return key, 0, ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// ParseEnvelope splits a Sentry envelope into its header and items: a JSON
// header line, then for each item a JSON item header ({"type", "length"})
// and a payload of length bytes, or up to the next newline when length is
// absent.
func ParseEnvelope(data []byte) (json.RawMessage, []Item, error) {
	rd := bufio.NewReader(bytes.NewReader(data))
	line, err := readLine(rd)
	if err != nil {
		return nil, nil, errors.New("no envelope header")
	}
	if !json.Valid(line) {
		return nil, nil, errors.New("the envelope header is not JSON")
	}
	header := json.RawMessage(line)
	var items []Item
	for {
		line, err := readLine(rd)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return header, items, nil
		}
		if len(bytes.TrimSpace(line)) == 0 {
			if err != nil {
				return header, items, nil
			}
			continue
		}
		var ih struct {
			Type   string          `json:"type"`
			Length json.RawMessage `json:"length"`
		}
		if json.Unmarshal(line, &ih) != nil || ih.Type == "" {
			return nil, nil, fmt.Errorf("item %d has no valid header", len(items)+1)
		}
		var payload []byte
		if len(ih.Length) > 0 && string(ih.Length) != "null" {
			n, perr := strconv.Atoi(string(ih.Length))
			if perr != nil || n < 0 || n > len(data) {
				return nil, nil, fmt.Errorf("item %d has a bad length", len(items)+1)
			}
			payload = make([]byte, n)
			if _, err := io.ReadFull(rd, payload); err != nil {
				return nil, nil, fmt.Errorf("item %d is shorter than its length", len(items)+1)
			}
			if b, err := rd.Peek(1); err == nil && b[0] == '\n' {
				_, _ = rd.ReadByte()
			}
		} else {
			payload, err = readLine(rd)
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, nil, err
			}
		}
		it := Item{Type: ih.Type, Header: header, Payload: json.RawMessage(payload)}
		if ih.Type == "event" {
			decodeEvent(&it)
		}
		items = append(items, it)
	}
}

func readLine(rd *bufio.Reader) ([]byte, error) {
	line, err := rd.ReadBytes('\n')
	return bytes.TrimSuffix(line, []byte("\n")), err
}

func decodeEvent(it *Item) {
	var ev struct {
		EventID     string            `json:"event_id"`
		Level       string            `json:"level"`
		Message     json.RawMessage   `json:"message"`
		Release     string            `json:"release"`
		Environment string            `json:"environment"`
		Tags        map[string]string `json:"tags"`
		LogEntry    struct {
			Message   string `json:"message"`
			Formatted string `json:"formatted"`
		} `json:"logentry"`
		Exception json.RawMessage `json:"exception"`
	}
	if json.Unmarshal(it.Payload, &ev) != nil {
		return
	}
	it.EventID, it.Level, it.Release, it.Environment, it.Tags = ev.EventID, ev.Level, ev.Release, ev.Environment, ev.Tags
	var msg string
	if json.Unmarshal(ev.Message, &msg) == nil {
		it.Message = msg
	}
	if it.Message == "" {
		it.Message = ev.LogEntry.Formatted
	}
	if it.Message == "" {
		it.Message = ev.LogEntry.Message
	}
	// "exception" is {"values": [...]} or, from older SDKs, a bare list.
	type exc struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	}
	var wrapped struct {
		Values []exc `json:"values"`
	}
	var list []exc
	if json.Unmarshal(ev.Exception, &wrapped) == nil && wrapped.Values != nil {
		list = wrapped.Values
	} else {
		_ = json.Unmarshal(ev.Exception, &list)
	}
	for _, x := range list {
		it.Exceptions = append(it.Exceptions, Exception(x))
	}
}
