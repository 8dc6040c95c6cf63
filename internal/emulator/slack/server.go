// Package slackemu is an emulator of the parts of Slack releasebot talks to,
// for tests and the demo: the Web API methods it calls through slack-go
// (chat.postMessage, chat.update, chat.postEphemeral, usergroups.users.list,
// users.info, auth.test) with Slack's {"ok":false,"error":…} answers, token
// and argument rules and Block Kit limits; response_url receivers that answer
// in plain text as Slack's hooks do, with Slack's limit of 5 posts in 30
// minutes; and a client that sends slash commands and block_actions payloads
// shaped and signed as Slack's. It records every message so tests can assert
// on Block Kit JSON.
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
	"unicode/utf8"

	"github.com/releasebot/releasebot/internal/emulator/strict"
)

// Options configure a Server.
type Options struct {
	// Tokens are the bot tokens the Web API accepts.
	Tokens []string
	// Team and bot identity, as auth.test reports them (defaults: T0ACME,
	// "acme", U0BOT, B0BOT, "releasebot").
	TeamID, TeamName, BotUserID, BotID, BotName string
	// Channels, when set, are the only channels messages may go to (others
	// are channel_not_found). Members lists who is in each channel (absent:
	// everyone, the bot too): the bot must be a member to post there
	// (not_in_channel), the recipient of an ephemeral message too
	// (user_not_in_channel). ArchivedChannels refuse messages (is_archived).
	Channels         []string
	Members          map[string][]string
	ArchivedChannels []string
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
	strict    *strict.Recorder // strict mode's record, set by NewTest
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
		s.record(r)
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

// jsonMethods are the methods that accept a JSON body; the others read only
// query and form arguments (Slack's "JSON-encoded bodies" list).
var jsonMethods = map[string]bool{"chat.postMessage": true, "chat.update": true, "chat.postEphemeral": true}

// params reads a call's arguments and token as Slack does. Arguments come
// from the query string and a form body, or a JSON body for the methods
// that accept one. The token comes from "Authorization: Bearer" or a form
// body: never from the query string (refused for apps created since
// February 2021) nor from a JSON body (JSON needs the header).
func params(r *http.Request, method string) (v url.Values, tok string, errCode string) {
	v = r.URL.Query()
	v.Del("token")
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		tok = strings.TrimSpace(strings.TrimPrefix(auth, "Bearer "))
	}
	if r.Body == nil {
		return v, tok, ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil {
		return nil, "", "invalid_form_data"
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		if !jsonMethods[method] || len(bytes.TrimSpace(body)) == 0 {
			return v, tok, ""
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, "", "invalid_json"
		}
		if m == nil {
			return nil, "", "json_not_object"
		}
		for k, raw := range m {
			if k == "token" {
				continue
			}
			var str string
			if json.Unmarshal(raw, &str) == nil {
				v.Set(k, str)
			} else {
				v.Set(k, string(raw)) // blocks, attachments, booleans: keep the JSON
			}
		}
	default:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "", "invalid_form_data"
		}
		if t := form.Get("token"); tok == "" {
			tok = t
		}
		form.Del("token")
		for k, vals := range form {
			v[k] = vals
		}
	}
	return v, tok, ""
}

// failArgs answers invalid_arguments for required arguments that are absent
// (Slack tells an absent argument, invalid_arguments, from an empty or
// unknown one, which gets the method's own error) and reports whether it
// did.
func failArgs(w http.ResponseWriter, v url.Values, required ...string) bool {
	var msgs []string
	for _, name := range required {
		if _, ok := v[name]; !ok {
			msgs = append(msgs, "[ERROR] missing required field: "+name)
		}
	}
	if len(msgs) == 0 {
		return false
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": "invalid_arguments", "response_metadata": map[string]any{"messages": msgs}})
	return true
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

// apiMethods are the Web API methods the emulator serves, by name.
func (s *Server) apiMethods() map[string]func(http.ResponseWriter, url.Values) {
	return map[string]func(http.ResponseWriter, url.Values){
		"auth.test":             s.authTest,
		"chat.postMessage":      s.postMessage,
		"chat.update":           s.update,
		"chat.postEphemeral":    s.postEphemeral,
		"usergroups.users.list": s.usergroupUsers,
		"users.info":            s.usersInfo,
	}
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
	h, ok := s.apiMethods()[method]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": "unknown_method"})
		return
	}
	v, tok, code := params(r, method)
	if code != "" {
		fail(w, code)
		return
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
	return ch != "" && (len(s.opts.Channels) == 0 || contains(s.opts.Channels, ch))
}

// inChannel reports whether user is a member of ch (everyone is, when the
// channel's members are not listed).
func (s *Server) inChannel(ch, user string) bool {
	members, ok := s.opts.Members[ch]
	return !ok || contains(members, user)
}

// channelError is the error of posting to ch as the bot, "" when it may.
func (s *Server) channelError(ch string) string {
	switch {
	case !s.knownChannel(ch):
		return "channel_not_found"
	case contains(s.opts.ArchivedChannels, ch):
		return "is_archived"
	case !s.inChannel(ch, s.opts.BotUserID):
		return "not_in_channel"
	}
	return ""
}

// Message limits, from Slack's method reference pages.
const (
	maxTextPost     = 40000 // chat.postMessage truncates longer text (warning message_truncated)
	maxTextUpdate   = 4000  // chat.update answers msg_too_long past it
	maxAttachments  = 100   // too_many_attachments past it
	warningTruncate = "message_truncated"
)

// messageBody validates text, blocks and attachments as the chat methods
// do. It writes the error answer itself and returns ok false on failure.
func messageBody(w http.ResponseWriter, v url.Values) (text string, blocks json.RawMessage, ok bool) {
	text = v.Get("text")
	if b := v.Get("blocks"); b != "" {
		if code, msgs := blockErrors(b); code != "" {
			answer := map[string]any{"ok": false, "error": code}
			if len(msgs) > 0 {
				answer["response_metadata"] = map[string]any{"messages": msgs}
			}
			writeJSON(w, http.StatusOK, answer)
			return "", nil, false
		}
		blocks = json.RawMessage(b)
	}
	if a := v.Get("attachments"); a != "" {
		var list []json.RawMessage
		if json.Unmarshal([]byte(a), &list) != nil {
			fail(w, "invalid_attachments")
			return "", nil, false
		}
		if len(list) > maxAttachments {
			fail(w, "too_many_attachments")
			return "", nil, false
		}
	}
	if text == "" && blocks == nil && v.Get("attachments") == "" {
		fail(w, "no_text")
		return "", nil, false
	}
	return text, blocks, true
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
	if failArgs(w, v, "channel") {
		return
	}
	ch := v.Get("channel")
	if code := s.channelError(ch); code != "" {
		fail(w, code)
		return
	}
	text, blocks, ok := messageBody(w, v)
	if !ok {
		return
	}
	answer := map[string]any{"ok": true, "channel": ch}
	if utf8.RuneCountInString(text) > maxTextPost {
		text = string([]rune(text)[:maxTextPost])
		answer["warning"] = warningTruncate
		answer["response_metadata"] = map[string]any{"warnings": []string{warningTruncate}}
	}
	m := Message{Method: "chat.postMessage", Channel: ch, TS: s.ts(), ThreadTS: v.Get("thread_ts"), Text: text, Blocks: blocks}
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.posted[ch+"/"+m.TS] = &m
	s.mu.Unlock()
	answer["ts"], answer["message"] = m.TS, s.messageJSON(m)
	writeJSON(w, http.StatusOK, answer)
}

func (s *Server) update(w http.ResponseWriter, v url.Values) {
	if failArgs(w, v, "channel", "ts") {
		return
	}
	ch, ts := v.Get("channel"), v.Get("ts")
	s.mu.Lock()
	prev := s.posted[ch+"/"+ts]
	s.mu.Unlock()
	switch {
	case !s.knownChannel(ch):
		fail(w, "channel_not_found")
		return
	case contains(s.opts.ArchivedChannels, ch):
		fail(w, "is_inactive")
		return
	case prev == nil:
		fail(w, "message_not_found")
		return
	}
	text, blocks, ok := messageBody(w, v)
	if !ok {
		return
	}
	if utf8.RuneCountInString(text) > maxTextUpdate {
		fail(w, "msg_too_long")
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
	if failArgs(w, v, "channel", "user") {
		return
	}
	ch, user := v.Get("channel"), v.Get("user")
	if code := s.channelError(ch); code != "" {
		fail(w, code)
		return
	}
	if user == "" || (len(s.opts.Users) > 0 && s.user(user) == nil) {
		fail(w, "user_not_found")
		return
	}
	if !s.inChannel(ch, user) {
		fail(w, "user_not_in_channel")
		return
	}
	text, blocks, ok := messageBody(w, v)
	if !ok {
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
	if failArgs(w, v, "user") {
		return
	}
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
	if failArgs(w, v, "usergroup") {
		return
	}
	members, ok := s.opts.UserGroups[v.Get("usergroup")]
	if !ok {
		fail(w, "no_such_subteam")
		return
	}
	users := append([]string{}, members...)
	sort.Strings(users)
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "users": users})
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
