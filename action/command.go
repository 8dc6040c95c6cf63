package action

import (
	"context"
	"errors"
	"strings"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/failure"
)

// CommandService runs one chat command; *chatops.Service is one.
type CommandService interface {
	Run(ctx context.Context, req chatops.Request) chatops.Reply
}

// CommandMode is command (DESIGN §2): a comment on a release PR whose first
// line is a command. It reacts eyes, runs the command as the commenter via
// github with request id github-comment:<id>, replies once (a redelivered
// comment finds its earlier reply by its hidden marker and does not post
// again), reacts rocket on done or nothing to do and confused otherwise,
// and dispatches DeployWorkflow on FlagsBranch after a new flag commit.
type CommandMode struct {
	GitHub         GitHub
	Service        CommandService
	Mode           Mode   // CommentID, PRNumber, Commenter, Body, RequestID
	DeployWorkflow string // deploy-workflow; "" dispatches nothing
	FlagsBranch    string
	// RolloutLog, when set, re-renders the current Release's rollout log
	// after a flag commit (internal/rolloutlog).
	RolloutLog interface {
		Update(ctx context.Context) (bool, error)
	}

	reply   chatops.Reply
	ran     bool
	replied bool
	// eyesDone has the 👀 reaction's result: it goes alongside the
	// command, off its critical path, and is awaited before the reply
	// (which comes after the commit) so the reactions come in order.
	eyesDone chan error
	eyesErr  error
}

func (m *CommandMode) eyes(ctx context.Context) error {
	m.eyesDone = make(chan error, 1)
	go func() { m.eyesDone <- m.GitHub.React(ctx, m.Mode.CommentID, "eyes") }()
	return nil
}

// awaitEyes waits for the 👀 reaction, once, keeping its failure
// (non-fatal) for the react step to report.
func (m *CommandMode) awaitEyes() {
	if m.eyesDone != nil {
		m.eyesErr = <-m.eyesDone
		m.eyesDone = nil
	}
}

// ReplyMarker is the hidden line that ties a reply to its comment.
func ReplyMarker(requestID string) string { return "<!-- releasebot-reply: " + requestID + " -->" }

// Steps are command's steps, in order.
func (m *CommandMode) Steps() []Step {
	return []Step{
		step{"reacting eyes to the comment, alongside the command", m.eyes},
		step{"running the command", m.run},
		step{"replying on the release PR", m.replyStep},
		step{"reacting to the outcome", m.react},
		step{"starting the deploy workflow", m.dispatch},
		step{"updating the Release's rollout log", m.rolloutLog},
	}
}

// Reply is the command's reply once its steps ran.
func (m *CommandMode) Reply() chatops.Reply { return m.reply }

// ExitCode follows the reply's outcome: 0 done or no change, else
// failure.ExitCode of its kind.
func (m *CommandMode) ExitCode() int {
	if o := m.reply.Outcome; o == chatops.Done || o == chatops.NoChange {
		return 0
	}
	return failure.ExitCode(failure.New(m.reply.Kind, "%s", m.reply.Outcome))
}

// Outputs are command's outputs.
func (m *CommandMode) Outputs() map[string]string {
	out := map[string]string{"mode": string(ModeCommand)}
	if m.reply.Commit != "" && !m.reply.Replayed {
		out["flag-commit"] = m.reply.Commit
	}
	return out
}

func (m *CommandMode) run(ctx context.Context) error {
	first, _, _ := strings.Cut(strings.TrimLeft(m.Mode.Body, " \t\r\n"), "\n")
	m.reply = m.Service.Run(ctx, chatops.Request{
		Text:  strings.TrimSpace(first),
		Actor: chatops.Actor{Name: m.Mode.Commenter, ID: m.Mode.Commenter, Via: "github"},
		ID:    m.Mode.RequestID,
	})
	m.ran = true
	return nil
}

func (m *CommandMode) replyStep(ctx context.Context) error {
	// The reply comes after the commit: waiting for 👀 here costs the
	// command nothing and keeps 👀 first on the comment.
	m.awaitEyes()
	marker := ReplyMarker(m.Mode.RequestID)
	url, err := m.GitHub.FindComment(ctx, m.Mode.PRNumber, marker)
	if err != nil {
		return err
	}
	if url != "" {
		m.replied = true
		// The run that replied reacted too: its reactions stand alone.
		if m.eyesErr == nil {
			_ = m.GitHub.Unreact(ctx, m.Mode.CommentID, "eyes")
		}
		return Skip("the request was answered before at " + url + "; not replying twice")
	}
	body := Fit(m.reply.Render(chatops.Markdown)+"\n\n"+marker+"\n", PRBodyLimit, "")
	if _, err := m.GitHub.Comment(ctx, m.Mode.PRNumber, body); err != nil {
		return err
	}
	return nil
}

func (m *CommandMode) react(ctx context.Context) error {
	m.awaitEyes()
	err := m.reactOutcome(ctx)
	switch {
	case m.eyesErr == nil:
		return err
	case err == nil || IsSkip(err):
		return NonFatal(m.eyesErr)
	}
	return NonFatal(errors.Join(m.eyesErr, err))
}

func (m *CommandMode) reactOutcome(ctx context.Context) error {
	if m.replied {
		return Skip("reacted when the request was answered before")
	}
	r := "confused"
	if o := m.reply.Outcome; o == chatops.Done || o == chatops.NoChange {
		r = "rocket"
	}
	return NonFatal(m.GitHub.React(ctx, m.Mode.CommentID, r))
}

func (m *CommandMode) dispatch(ctx context.Context) error {
	switch {
	case m.DeployWorkflow == "":
		return Skip("no deploy workflow; set the input deploy-workflow to start one after a flag commit")
	case m.reply.Commit == "" || m.reply.Replayed:
		return Skip("no new flag commit")
	}
	if err := m.GitHub.DispatchWorkflow(ctx, m.DeployWorkflow, m.FlagsBranch); err != nil {
		return NonFatal(failure.Wrap(failure.KindOf(err), err, "the flag commit %s is made, but the deploy workflow %s could not be started: %s", m.reply.Commit, m.DeployWorkflow, failure.Message(err, m.Mode.RequestID)))
	}
	return nil
}

func (m *CommandMode) rolloutLog(ctx context.Context) error {
	switch {
	case m.RolloutLog == nil:
		return Skip("no rollout log to keep")
	case m.reply.Commit == "":
		return Skip("no flag commit")
	}
	// A replayed request renders too: the run that committed may have
	// stopped before this step. The log is rebuilt from the commits, so
	// rendering it again changes nothing when it is right.
	changed, err := m.RolloutLog.Update(ctx)
	if err != nil {
		return NonFatal(err)
	}
	if !changed {
		return Skip("the rollout log already shows " + m.reply.Commit)
	}
	return nil
}
