package slackemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

type responseURL struct {
	issued time.Time
	uses   int
}

// ResponseURL issues a response_url served by this emulator at base (the
// URL it is served at) and returns it.
func (s *Server) ResponseURL(base string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	s.mu.Lock()
	s.responses[id] = &responseURL{issued: s.opts.Now()}
	s.mu.Unlock()
	return strings.TrimSuffix(base, "/") + "/commands/" + s.opts.TeamID + "/" + id
}

// ResponsePosts returns the posts made to response_url, oldest first.
func (s *Server) ResponsePosts(responseURL string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.Method == "response_url" && m.ResponseURL == responseURL {
			out = append(out, m)
		}
	}
	return out
}

// hookAnswer answers as hooks.slack.com does: a plain-text body, "ok" or the
// error itself, with the HTTP status saying which.
func hookAnswer(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text)
}

// flexBool is a JSON boolean that Slack also accepts as a string.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case bool:
		*b = flexBool(x)
	case string:
		*b = flexBool(x == "true")
	case nil:
		*b = false
	default:
		return fmt.Errorf("not a boolean: %s", data)
	}
	return nil
}

// responseBody is what an app posts to a response_url.
type responseBody struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal flexBool        `json:"replace_original"`
	DeleteOriginal  flexBool        `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

// parseResponseBody reads a post to a response_url: JSON, or a form with
// the JSON in "payload", as Slack's webhooks accept.
func parseResponseBody(contentType string, data []byte) (responseBody, bool) {
	var body responseBody
	if ct, _, _ := mime.ParseMediaType(contentType); ct == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(data))
		if err != nil {
			return body, false
		}
		data = []byte(form.Get("payload"))
	}
	if err := json.Unmarshal(data, &body); err != nil {
		return body, false
	}
	for _, raw := range []*json.RawMessage{&body.Blocks, &body.Attachments} {
		if string(*raw) == "null" {
			*raw = nil
		}
	}
	return body, true
}

// serveResponseURL records a post to a response_url. It answers as Slack's
// hooks do, in plain text: "ok", or 400 invalid_payload, 400
// missing_text_or_fallback_or_attachments, 400 invalid_blocks; and 404
// "Expired url" thirty minutes after the command, 404 used_url after five
// posts, 404 no_service for a URL it never issued.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	ru := s.responses[id]
	var status int
	var text string
	switch {
	case ru == nil:
		status, text = http.StatusNotFound, "no_service"
	case s.opts.Now().Sub(ru.issued) > 30*time.Minute:
		status, text = http.StatusNotFound, "Expired url"
	case ru.uses >= 5:
		status, text = http.StatusNotFound, "used_url"
	}
	s.mu.Unlock()
	if status != 0 {
		hookAnswer(w, status, text)
		return
	}
	data, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	body, ok := parseResponseBody(r.Header.Get("Content-Type"), data)
	if !ok {
		hookAnswer(w, http.StatusBadRequest, "invalid_payload")
		return
	}
	if body.Blocks != nil {
		if code, _ := blockErrors(string(body.Blocks)); code != "" {
			hookAnswer(w, http.StatusBadRequest, code)
			return
		}
	}
	if body.Text == "" && body.Blocks == nil && body.Attachments == nil && !body.DeleteOriginal {
		hookAnswer(w, http.StatusBadRequest, "missing_text_or_fallback_or_attachments")
		return
	}
	if body.ResponseType == "" {
		body.ResponseType = "ephemeral"
	}
	m := Message{Method: "response_url", ResponseURL: "http://" + r.Host + r.URL.Path, Text: body.Text, Blocks: body.Blocks,
		ResponseType: body.ResponseType, ReplaceOriginal: bool(body.ReplaceOriginal), DeleteOriginal: bool(body.DeleteOriginal), ThreadTS: body.ThreadTS}
	s.mu.Lock()
	if ru.uses >= 5 { // another post took the last use meanwhile
		s.mu.Unlock()
		hookAnswer(w, http.StatusNotFound, "used_url")
		return
	}
	ru.uses++
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	hookAnswer(w, http.StatusOK, "ok")
}
