// Package slackemu is an emulator of the parts of Slack releasebot talks to,
// for tests and the demo: the Web API methods it calls through slack-go
// (chat.postMessage, chat.update, chat.postEphemeral, usergroups.users.list,
// users.info, auth.test) with Slack's {"ok":false,"error":…} answers, token
// and argument rules and Block Kit limits; response_url receivers that answer
// in plain text as Slack's hooks do, with Slack's limit of 5 posts in 30
// minutes; and a client that sends slash commands and block_actions payloads
// shaped and signed as Slack's. It records every message so tests can assert
// on Block Kit JSON.
//
// Tests build it with NewTest, whose strict mode fails the test on a method
// or path the emulator does not serve; the demo builds it with New.
package slackemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

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

// Messages returns every message accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
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
