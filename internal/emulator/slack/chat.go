package slackemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"unicode/utf8"
)

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
