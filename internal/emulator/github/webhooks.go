package githubemu

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v62/github"
)

// Delivery is one webhook delivery and how the receiver answered.
type Delivery struct {
	ID      string // X-GitHub-Delivery
	Event   string // X-GitHub-Event
	Payload []byte
	Header  http.Header // what was sent
	Status  int         // the receiver's status code, 0 when it could not be reached
	Body    string      // the receiver's answer
	Err     error
}

// Sign returns the X-Hub-Signature-256 value of body: "sha256=" and the hex
// HMAC-SHA256 of the body with secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func signSHA1(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

func deliveryID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// hookTarget is what a webhook belongs to, as the
// X-GitHub-Hook-Installation-Target-Type and -ID headers name it: a GitHub
// App ("integration" and the App's id) or a repository's own webhook
// ("repository" and its id).
type hookTarget struct {
	kind string
	id   int64
}

// Deliver POSTs payload (a go-github event struct, or raw JSON bytes) to url
// as GitHub delivers a GitHub App's event (the App's id taken as 1): JSON
// body, X-GitHub-Event, X-GitHub-Delivery, X-GitHub-Hook-ID, the
// installation target headers, and X-Hub-Signature-256 (and the legacy
// X-Hub-Signature) when secret is set. An error means the receiver could
// not be reached; its status is in the Delivery either way.
func Deliver(ctx context.Context, client *http.Client, url, secret, event string, payload any) (Delivery, error) {
	return deliver(ctx, client, url, secret, event, payload, hookTarget{kind: "integration", id: 1})
}

func deliver(ctx context.Context, client *http.Client, url, secret, event string, payload any, target hookTarget) (Delivery, error) {
	body, ok := payload.([]byte)
	if !ok {
		var err error
		if body, err = json.Marshal(payload); err != nil {
			return Delivery{}, fmt.Errorf("could not encode the %s payload: %w", event, err)
		}
	}
	d := Delivery{ID: deliveryID(), Event: event, Payload: body}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		d.Err = err
		return d, err
	}
	h := req.Header
	h.Set("Accept", "*/*")
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "GitHub-Hookshot/7a1b2c3")
	h.Set("X-GitHub-Event", event)
	h.Set("X-GitHub-Delivery", d.ID)
	h.Set("X-GitHub-Hook-ID", "424242")
	h.Set("X-GitHub-Hook-Installation-Target-Type", target.kind)
	h.Set("X-GitHub-Hook-Installation-Target-ID", strconv.FormatInt(target.id, 10))
	if secret != "" {
		h.Set("X-Hub-Signature", signSHA1(secret, body))
		h.Set("X-Hub-Signature-256", Sign(secret, body))
	}
	d.Header = h.Clone()
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		d.Err = err
		return d, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	d.Status, d.Body = resp.StatusCode, string(b)
	return d, nil
}

// hookQueue delivers the emulator's events in order, one at a time, off the
// request path, as GitHub does.
type hookQueue struct {
	s          *Server
	mu         sync.Mutex
	pending    []pendingHook
	running    bool
	deliveries []Delivery
	idle       chan struct{} // closed when nothing is pending
}

type pendingHook struct {
	event  string
	body   []byte
	target hookTarget
}

func newHookQueue(s *Server) *hookQueue {
	idle := make(chan struct{})
	close(idle)
	return &hookQueue{s: s, idle: idle}
}

// enqueue queues an event of rs: the emulator's App's when it has one, else
// the repository's own webhook's.
func (q *hookQueue) enqueue(rs *repoState, event string, payload any) {
	if q.s.opts.Webhook.URL == "" {
		return
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	target := hookTarget{kind: "repository", id: rs.id}
	if len(q.s.opts.Apps) > 0 {
		target = hookTarget{kind: "integration", id: q.s.opts.Apps[0].ID}
	}
	q.pending = append(q.pending, pendingHook{event: event, body: body, target: target})
	if !q.running {
		q.running = true
		q.idle = make(chan struct{})
		go q.run()
	}
}

func (q *hookQueue) run() {
	wh := q.s.opts.Webhook
	for {
		q.mu.Lock()
		if len(q.pending) == 0 {
			q.running = false
			close(q.idle)
			q.mu.Unlock()
			return
		}
		next := q.pending[0]
		q.pending = q.pending[1:]
		q.mu.Unlock()
		d, _ := deliver(context.Background(), wh.Client, wh.URL, wh.Secret, next.event, next.body, next.target)
		q.mu.Lock()
		q.deliveries = append(q.deliveries, d)
		q.mu.Unlock()
	}
}

// Deliveries returns the webhook deliveries made so far, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return append([]Delivery(nil), s.hooks.deliveries...)
}

// WaitWebhooks waits until every event so far has been delivered.
func (s *Server) WaitWebhooks(ctx context.Context) error {
	s.hooks.mu.Lock()
	idle := s.hooks.idle
	s.hooks.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) installationRef() *gh.Installation {
	if len(s.opts.Apps) == 0 {
		return nil
	}
	a := s.opts.Apps[0]
	return &gh.Installation{ID: ptr(a.InstallationID), NodeID: nodeID("Installation", a.InstallationID)}
}

func (s *Server) sendIssueComment(rs *repoState, is *issueState, c *commentState, action, sender, oldBody string) {
	if s.opts.Webhook.URL == "" {
		return
	}
	ri := s.eventInfo(sender)
	ev := &gh.IssueCommentEvent{
		Action: ptr(action), Issue: s.issueJSON(ri, rs, is), Comment: s.commentJSON(ri, c),
		Repo: s.repoJSON(rs, ri), Sender: s.userJSON(sender, ri.apiBase, ri.webBase), Installation: s.installationRef(),
	}
	if action == "edited" {
		ev.Changes = &gh.EditChange{Body: &gh.EditBody{From: ptr(oldBody)}}
	}
	s.hooks.enqueue(rs, "issue_comment", ev)
}

func (s *Server) sendPullRequest(rs *repoState, is *issueState, action, sender string) {
	if s.opts.Webhook.URL == "" {
		return
	}
	ri := s.eventInfo(sender)
	pr := s.pullPendingJSON(context.Background(), ri, rs, is)
	ev := &gh.PullRequestEvent{
		Action: ptr(action), Number: ptr(is.number), PullRequest: pr,
		Repo: s.repoJSON(rs, ri), Sender: s.userJSON(sender, ri.apiBase, ri.webBase), Installation: s.installationRef(),
	}
	s.hooks.enqueue(rs, "pull_request", ev)
}

func (s *Server) sendPush(rs *repoState, ref, before, after string, forced bool, pusher string) {
	if s.opts.Webhook.URL == "" {
		return
	}
	ctx := context.Background()
	ri := s.eventInfo(pusher)
	if before == "" {
		before = zeroSHA
	}
	deleted := after == ""
	if deleted {
		after = zeroSHA
	}
	var ids []string
	if !deleted && strings.HasPrefix(ref, "refs/heads/") {
		extra := []string{"--reverse"}
		if before != zeroSHA {
			extra = append(extra, "^"+before)
		}
		ids, _ = rs.git.revList(ctx, after, "", time.Time{}, time.Time{}, 0, 20, extra...)
	}
	commits, _ := rs.git.commits(ctx, ids...)
	var hc []*gh.HeadCommit
	for _, c := range commits {
		hc = append(hc, s.headCommit(ctx, ri, rs, c))
	}
	repo := s.repoJSON(rs, ri)
	ev := &gh.PushEvent{
		Ref: ptr(ref), Before: ptr(before), After: ptr(after), Created: ptr(before == zeroSHA), Deleted: ptr(deleted),
		Forced: ptr(forced), Compare: ptr(ri.webBase + "/" + rs.fullName() + "/compare/" + before[:12] + "..." + after[:12]),
		Commits: hc, Pusher: &gh.CommitAuthor{Name: ptr(pusher), Email: ptr(s.noreplyEmail(pusher))},
		Sender: s.userJSON(pusher, ri.apiBase, ri.webBase), Installation: s.installationRef(),
		Repo: &gh.PushEventRepository{
			ID: repo.ID, NodeID: repo.NodeID, Name: repo.Name, FullName: repo.FullName, Owner: repo.Owner,
			Private: repo.Private, DefaultBranch: repo.DefaultBranch, MasterBranch: repo.DefaultBranch,
			HTMLURL: repo.HTMLURL, URL: repo.HTMLURL, CloneURL: repo.CloneURL,
		},
	}
	if n := len(hc); n > 0 {
		ev.HeadCommit = hc[n-1]
	} else if !deleted {
		if c, err := rs.git.commit(ctx, after); err == nil {
			ev.HeadCommit = s.headCommit(ctx, ri, rs, c)
		}
	}
	s.hooks.enqueue(rs, "push", ev)
}

func (s *Server) headCommit(ctx context.Context, ri *requestInfo, rs *repoState, c commitObject) *gh.HeadCommit {
	parent := ""
	if len(c.Parents) > 0 {
		parent = c.Parents[0]
	}
	changes, _ := rs.git.diff(ctx, parent, c.SHA)
	h := &gh.HeadCommit{
		ID: ptr(c.SHA), TreeID: ptr(c.Tree), Distinct: ptr(true), Message: ptr(c.Message), Timestamp: ts(c.Committer.When),
		URL:       ptr(ri.webBase + "/" + rs.fullName() + "/commit/" + c.SHA),
		Author:    &gh.CommitAuthor{Name: ptr(c.Author.Name), Email: ptr(c.Author.Email)},
		Committer: &gh.CommitAuthor{Name: ptr(c.Committer.Name), Email: ptr(c.Committer.Email)},
		Added:     []string{}, Removed: []string{}, Modified: []string{},
	}
	if l := loginForEmail(c.Author.Email); l != "" {
		h.Author.Login = ptr(l)
	}
	for _, f := range changes {
		switch f.Status {
		case "added":
			h.Added = append(h.Added, f.Filename)
		case "removed":
			h.Removed = append(h.Removed, f.Filename)
		default:
			h.Modified = append(h.Modified, f.Filename)
		}
	}
	return h
}
