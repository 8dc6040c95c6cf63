// Package slackemu is an emulator of the parts of Slack releasebot talks to,
// for tests and the demo: the Web API methods it calls through slack-go
// (chat.postMessage, chat.update, chat.postEphemeral, usergroups.users.list,
// users.info, auth.test) with Slack's {"ok":false,"error":…} answers,
// response_url receivers with Slack's limit of 5 posts in 30 minutes, and a
// client that sends slash commands and block_actions interactions signed as
// Slack signs them. It records every message so tests can assert on Block Kit
// JSON.
package slackemu

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Server.
type Options struct {
	// Tokens are the bot tokens the Web API accepts.
	Tokens []string
	// Team and bot identity, as auth.test reports them (defaults: T0ACME,
	// "acme", U0BOT, B0BOT, "releasebot").
	TeamID, TeamName, BotUserID, BotID, BotName string
	// Channels, when set, are the only channels messages may go to (others
	// are channel_not_found); Members lists who is in each, for ephemeral
	// messages (absent: everyone).
	Channels []string
	Members  map[string][]string
	// Users is the directory users.info reads.
	Users []User
	// UserGroups maps a user group id (S…) to its members' ids.
	UserGroups map[string][]string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// User is a workspace member.
type User struct {
	ID, Name, RealName, Email string
	IsBot, IsAdmin, Deleted   bool
}

// Message is one message the Web API accepted, or one post to a
// response_url.
type Message struct {
	Method          string // chat.postMessage, chat.update, chat.postEphemeral, or "response_url"
	Channel         string
	User            string // the recipient of an ephemeral message
	TS              string // the message's timestamp (chat.update: the updated one)
	ThreadTS        string
	Text            string
	Blocks          json.RawMessage // the Block Kit JSON as sent; nil when none
	ResponseURL     string          // for posts to a response_url
	ResponseType    string          // in_channel or ephemeral
	ReplaceOriginal bool
	DeleteOriginal  bool
}

// Fault is one injected misbehaviour for one call of a Web API method.
type Fault struct {
	RetryAfter time.Duration // answer 429 with Retry-After (whole seconds, rounded up)
	Status     int           // answer this HTTP status (e.g. 500, 503) with an HTML body
	Error      string        // answer 200 {"ok":false,"error":Error}
	Delay      time.Duration // wait this long first
}

// RateLimited answers 429 with Retry-After.
func RateLimited(retryAfter time.Duration) Fault { return Fault{RetryAfter: retryAfter} }

// Server is the emulator. Its methods are safe for concurrent use.
type Server struct {
	opts Options

	mu        sync.Mutex
	messages  []Message
	posted    map[string]*Message // channel/ts → latest version
	faults    map[string][]Fault
	responses map[string]*responseURL
	seq       int64
}

type responseURL struct {
	issued time.Time
	uses   int
}

// New returns an emulator.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&opts.TeamID, "T0ACME")
	def(&opts.TeamName, "acme")
	def(&opts.BotUserID, "U0BOT")
	def(&opts.BotID, "B0BOT")
	def(&opts.BotName, "releasebot")
	return &Server{opts: opts, posted: map[string]*Message{}, faults: map[string][]Fault{}, responses: map[string]*responseURL{}}
}

// Inject queues faults for the next calls of a Web API method
// ("chat.postMessage"); "" matches every method.
func (s *Server) Inject(method string, faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[method] = append(s.faults[method], faults...)
}

// Messages returns every message accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
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

// Handler serves the Web API under /api/ and response URLs under /commands/.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Slack-Req-Id", reqID())
		switch {
		case strings.HasPrefix(r.URL.Path, "/api/"):
			s.serveAPI(w, r, strings.TrimPrefix(r.URL.Path, "/api/"))
		case strings.HasPrefix(r.URL.Path, "/commands/"):
			s.serveResponseURL(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

func reqID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// fail answers as Slack does for an API error: HTTP 200, ok false.
func fail(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code})
}

// params reads a call's arguments from the query, a form body or a JSON
// body, as Slack accepts them.
func params(r *http.Request) (url.Values, error) {
	v := r.URL.Query()
	if r.Body == nil {
		return v, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil {
		return nil, err
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		var m map[string]json.RawMessage
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, err
			}
		}
		for k, raw := range m {
			var str string
			if json.Unmarshal(raw, &str) == nil {
				v.Set(k, str)
			} else {
				v.Set(k, string(raw)) // blocks, attachments: keep the JSON
			}
		}
	default:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, vals := range form {
			v[k] = vals
		}
	}
	return v, nil
}

func (s *Server) nextFault(method string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, key := range []string{method, ""} {
		if q := s.faults[key]; len(q) > 0 {
			s.faults[key] = q[1:]
			return q[0], true
		}
	}
	return Fault{}, false
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, method string) {
	if f, ok := s.nextFault(method); ok {
		if f.Delay > 0 {
			select {
			case <-time.After(f.Delay):
			case <-r.Context().Done():
				return
			}
		}
		switch {
		case f.RetryAfter > 0:
			w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
			return
		case f.Status != 0:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(f.Status)
			_, _ = fmt.Fprintf(w, "<html><body>%d %s</body></html>", f.Status, http.StatusText(f.Status))
			return
		case f.Error != "":
			fail(w, f.Error)
			return
		}
	}
	handlers := map[string]func(http.ResponseWriter, url.Values){
		"auth.test":             s.authTest,
		"chat.postMessage":      s.postMessage,
		"chat.update":           s.update,
		"chat.postEphemeral":    s.postEphemeral,
		"usergroups.users.list": s.usergroupUsers,
		"users.info":            s.usersInfo,
	}
	h, ok := handlers[method]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": "unknown_method"})
		return
	}
	v, err := params(r)
	if err != nil {
		fail(w, "invalid_form_data")
		return
	}
	tok := v.Get("token")
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		tok = strings.TrimPrefix(auth, "Bearer ")
	}
	switch {
	case tok == "":
		fail(w, "not_authed")
		return
	case !contains(s.opts.Tokens, tok):
		fail(w, "invalid_auth")
		return
	}
	h(w, v)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) authTest(w http.ResponseWriter, _ url.Values) {
	o := s.opts
	writeJSON(w, http.StatusOK, map[string]any{
		"ok": true, "url": "https://" + o.TeamName + ".slack.com/", "team": o.TeamName, "user": o.BotName,
		"team_id": o.TeamID, "user_id": o.BotUserID, "bot_id": o.BotID, "is_enterprise_install": false,
	})
}

// ts returns a new message timestamp: unique and increasing, as Slack's.
func (s *Server) ts() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%d.%06d", s.opts.Now().Unix(), s.seq%1000000)
}

func (s *Server) knownChannel(ch string) bool {
	return len(s.opts.Channels) == 0 || contains(s.opts.Channels, ch)
}

// messageBody validates text and blocks as chat.postMessage does.
func messageBody(v url.Values) (text string, blocks json.RawMessage, errCode string) {
	text = v.Get("text")
	if b := v.Get("blocks"); b != "" {
		var list []map[string]any
		if err := json.Unmarshal([]byte(b), &list); err != nil {
			return "", nil, "invalid_blocks_format"
		}
		for _, blk := range list {
			if _, ok := blk["type"].(string); !ok {
				return "", nil, "invalid_blocks"
			}
		}
		blocks = json.RawMessage(b)
	}
	if text == "" && blocks == nil && v.Get("attachments") == "" {
		return "", nil, "no_text"
	}
	return text, blocks, ""
}

func (s *Server) messageJSON(m Message) map[string]any {
	out := map[string]any{"type": "message", "text": m.Text, "user": s.opts.BotUserID, "bot_id": s.opts.BotID, "ts": m.TS, "team": s.opts.TeamID}
	if m.Blocks != nil {
		out["blocks"] = m.Blocks
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	return out
}

func (s *Server) postMessage(w http.ResponseWriter, v url.Values) {
	ch := v.Get("channel")
	if ch == "" || !s.knownChannel(ch) {
		fail(w, "channel_not_found")
		return
	}
	text, blocks, code := messageBody(v)
	if code != "" {
		fail(w, code)
		return
	}
	m := Message{Method: "chat.postMessage", Channel: ch, TS: s.ts(), ThreadTS: v.Get("thread_ts"), Text: text, Blocks: blocks}
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.posted[ch+"/"+m.TS] = &m
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": ch, "ts": m.TS, "message": s.messageJSON(m)})
}

func (s *Server) update(w http.ResponseWriter, v url.Values) {
	ch, ts := v.Get("channel"), v.Get("ts")
	s.mu.Lock()
	prev := s.posted[ch+"/"+ts]
	s.mu.Unlock()
	switch {
	case ch == "" || !s.knownChannel(ch):
		fail(w, "channel_not_found")
		return
	case prev == nil:
		fail(w, "message_not_found")
		return
	}
	text, blocks, code := messageBody(v)
	if code != "" {
		fail(w, code)
		return
	}
	m := Message{Method: "chat.update", Channel: ch, TS: ts, ThreadTS: prev.ThreadTS, Text: text, Blocks: blocks}
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.posted[ch+"/"+ts] = &m
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "channel": ch, "ts": ts, "text": text, "message": s.messageJSON(m)})
}

func (s *Server) postEphemeral(w http.ResponseWriter, v url.Values) {
	ch, user := v.Get("channel"), v.Get("user")
	if ch == "" || !s.knownChannel(ch) {
		fail(w, "channel_not_found")
		return
	}
	if user == "" || (len(s.opts.Users) > 0 && s.user(user) == nil) {
		fail(w, "user_not_found")
		return
	}
	if members, ok := s.opts.Members[ch]; ok && !contains(members, user) {
		fail(w, "user_not_in_channel")
		return
	}
	text, blocks, code := messageBody(v)
	if code != "" {
		fail(w, code)
		return
	}
	m := Message{Method: "chat.postEphemeral", Channel: ch, User: user, TS: s.ts(), ThreadTS: v.Get("thread_ts"), Text: text, Blocks: blocks}
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "message_ts": m.TS})
}

func (s *Server) user(id string) *User {
	for i := range s.opts.Users {
		if s.opts.Users[i].ID == id {
			return &s.opts.Users[i]
		}
	}
	return nil
}

func (s *Server) usersInfo(w http.ResponseWriter, v url.Values) {
	u := s.user(v.Get("user"))
	if u == nil {
		fail(w, "user_not_found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "user": map[string]any{
		"id": u.ID, "team_id": s.opts.TeamID, "name": u.Name, "deleted": u.Deleted, "real_name": u.RealName,
		"tz": "Europe/Lisbon", "tz_label": "Western European Time", "tz_offset": 0,
		"is_bot": u.IsBot, "is_admin": u.IsAdmin, "is_owner": false, "is_app_user": false,
		"profile": map[string]any{"real_name": u.RealName, "display_name": u.Name, "email": u.Email, "team": s.opts.TeamID},
	}})
}

func (s *Server) usergroupUsers(w http.ResponseWriter, v url.Values) {
	members, ok := s.opts.UserGroups[v.Get("usergroup")]
	if !ok {
		fail(w, "no_such_subteam")
		return
	}
	users := append([]string{}, members...)
	sort.Strings(users)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "users": users})
}

// serveResponseURL records a post to a response_url. Slack accepts five
// posts within thirty minutes of the command; after that the URL answers
// 404 used_url or expired_url.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	ru := s.responses[id]
	var code string
	switch {
	case ru == nil:
		code = "invalid_url"
	case s.opts.Now().Sub(ru.issued) > 30*time.Minute:
		code = "expired_url"
	case ru.uses >= 5:
		code = "used_url"
	default:
		ru.uses++
	}
	s.mu.Unlock()
	if code != "" {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": code})
		return
	}
	var body struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ResponseType    string          `json:"response_type"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
		ThreadTS        string          `json:"thread_ts"`
	}
	data, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err := json.Unmarshal(data, &body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_payload"})
		return
	}
	if string(body.Blocks) == "null" {
		body.Blocks = nil
	}
	if body.ResponseType == "" {
		body.ResponseType = "ephemeral"
	}
	m := Message{Method: "response_url", ResponseURL: "http://" + r.Host + r.URL.Path, Text: body.Text, Blocks: body.Blocks,
		ResponseType: body.ResponseType, ReplaceOriginal: body.ReplaceOriginal, DeleteOriginal: body.DeleteOriginal, ThreadTS: body.ThreadTS}
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}
