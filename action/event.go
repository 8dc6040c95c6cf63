package action

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
)

// EventFileLimit bounds the event file read from GITHUB_EVENT_PATH: 25 MiB,
// GitHub's cap on a webhook payload (larger deliveries are not sent), which
// the runner writes to the file as is.
const EventFileLimit int64 = 25 << 20

// The event types are releasebot's own, not go-github's: they hold only the
// fields the modes read, so package action stays free of the SDK (STYLE.md:
// the core imports none), and a wrong type in a field releasebot ignores
// cannot fail the run. Unknown fields are ignored.

// Event is a parsed event file. Exactly one of Push, IssueComment and
// PullRequest is set for those event names; none for any other.
type Event struct {
	Name         string
	Push         *PushEvent
	IssueComment *IssueCommentEvent
	PullRequest  *PullRequestEvent
}

// PushEvent is the push payload.
type PushEvent struct {
	Ref        string      `json:"ref"`
	Before     string      `json:"before"`
	After      string      `json:"after"`
	Created    bool        `json:"created"`
	Deleted    bool        `json:"deleted"`
	Forced     bool        `json:"forced"`
	HeadCommit *Commit     `json:"head_commit"` // null for a deletion
	Commits    []Commit    `json:"commits"`
	Repository Repository  `json:"repository"`
	Pusher     EventPerson `json:"pusher"`
}

// Commit is a commit in a push payload.
type Commit struct {
	ID      string `json:"id"`
	Message string `json:"message"`
}

// Repository is the repository of a payload.
type Repository struct {
	FullName      string `json:"full_name"`
	DefaultBranch string `json:"default_branch"`
}

// EventPerson is a push's pusher.
type EventPerson struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// User is a GitHub account; Type is "User", "Bot" or "Organization".
type User struct {
	Login string `json:"login"`
	Type  string `json:"type"`
}

// Label is an issue or pull request label.
type Label struct {
	Name string `json:"name"`
}

// IssueCommentEvent is the issue_comment payload.
type IssueCommentEvent struct {
	Action     string     `json:"action"` // created, edited, deleted
	Comment    Comment    `json:"comment"`
	Issue      Issue      `json:"issue"`
	Repository Repository `json:"repository"`
}

// Comment is an issue comment.
type Comment struct {
	ID        int64  `json:"id"`
	Body      string `json:"body"`
	User      User   `json:"user"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// Issue is the issue (or pull request) a comment is on. PullRequest is set
// only for a pull request: GitHub sends the key for those alone.
type Issue struct {
	Number      int              `json:"number"`
	State       string           `json:"state"`
	Labels      []Label          `json:"labels"`
	PullRequest *json.RawMessage `json:"pull_request"`
	User        User             `json:"user"`
}

// PullRequestEvent is the pull_request payload.
type PullRequestEvent struct {
	Action      string      `json:"action"`
	Number      int         `json:"number"`
	PullRequest PullRequest `json:"pull_request"`
}

// PullRequest is a pull request in a pull_request payload.
type PullRequest struct {
	Number         int     `json:"number"`
	State          string  `json:"state"`
	Merged         bool    `json:"merged"`
	MergeCommitSHA string  `json:"merge_commit_sha"`
	Head           Branch  `json:"head"`
	Base           Branch  `json:"base"`
	Labels         []Label `json:"labels"`
}

// Branch is a pull request's head or base.
type Branch struct {
	Ref string `json:"ref"`
	SHA string `json:"sha"`
}

// ReadEvent reads and parses the event file at path for the event name.
// It fails with a failure.BadInput naming GITHUB_EVENT_PATH when the file
// cannot be read, is over EventFileLimit, or does not parse (see
// ParseEvent).
func ReadEvent(name, path string) (Event, error) {
	// The runner's file, not the repository's: a link to it is followed, but
	// a FIFO or a directory is refused without blocking (repofile.ReadNamed).
	data, err := repofile.ReadNamed(path, "the event file GITHUB_EVENT_PATH", EventFileLimit)
	if err != nil {
		var tl *limits.TooLargeError
		if errors.As(err, &tl) {
			return Event{}, failure.Wrap(failure.BadInput, err, "%s", tl.Error())
		}
		return Event{}, failure.Wrap(failure.BadInput, err, "the event file GITHUB_EVENT_PATH=%s cannot be read; the runner writes it — run releasebot's Action in a GitHub Actions job", quoted(path))
	}
	return ParseEvent(name, data)
}

// ParseEvent parses an event payload. Fields releasebot does not read are
// ignored; one it reads that has the wrong JSON type fails with a
// failure.BadInput naming the field ("comment.id is a string, not a
// number"), and text that is not one JSON object with one naming the byte
// offset. The payload itself is never quoted. An event name releasebot does
// not handle gives an Event with only Name set, without reading data.
func ParseEvent(name string, data []byte) (Event, error) {
	ev := Event{Name: name}
	var target any
	switch name {
	case "push":
		ev.Push = &PushEvent{}
		target = ev.Push
	case "issue_comment":
		ev.IssueComment = &IssueCommentEvent{}
		target = ev.IssueComment
	case "pull_request", "pull_request_target":
		ev.PullRequest = &PullRequestEvent{}
		target = ev.PullRequest
	default:
		return ev, nil
	}
	if err := json.Unmarshal(data, target); err != nil {
		return Event{}, eventError(name, err)
	}
	return ev, nil
}

func eventError(name string, err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			return failure.Wrap(failure.BadInput, err, "the %s event file is a JSON %s, not an object; it is not a GitHub event payload", name, jsonKind(te.Value))
		}
		return failure.Wrap(failure.BadInput, err, "the %s event file's field %s is a JSON %s, not %s; it is not a GitHub event payload", name, field, jsonKind(te.Value), goKind(te.Type.Kind().String()))
	case errors.As(err, &se):
		return failure.Wrap(failure.BadInput, err, "the %s event file is not valid JSON (at byte %d); it is not a GitHub event payload", name, se.Offset)
	}
	return failure.Wrap(failure.BadInput, err, "the %s event file is not valid JSON; it is not a GitHub event payload", name)
}

// jsonKind names the JSON value encoding/json reports in an
// UnmarshalTypeError ("string", "number", "number 1.5", "bool", …).
func jsonKind(v string) string {
	switch {
	case strings.HasPrefix(v, "number"):
		return "number"
	case v == "bool":
		return "boolean"
	case v == "string", v == "array", v == "object", v == "null":
		return v
	}
	return "value"
}

func goKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	return "a number"
}
