package chatops

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/config"
)

// Trailer keys of a flag commit (DESIGN §6).
const (
	TrailerRequestedBy = "Requested-by"
	TrailerRequest     = "Releasebot-Request"
)

// Service runs commands over a Store. Its fields are its dependencies; the
// zero values of Gate and Authorizer mean no gates and everyone may mutate.
type Service struct {
	Store      Store
	Config     *config.Config
	Gate       Gate
	Authorizer Authorizer
	Now        func() time.Time // default time.Now

	// MaxAttempts bounds re-applying after lost races (default 8).
	MaxAttempts int
	// HistoryLimit is how many recent flag commits /ab_status reads (default 100).
	HistoryLimit int
}

// Request is one command to run.
type Request struct {
	Text  string // "/canary 50", already joined for Slack
	Actor Actor
	// ID is stable across retries and channels (Slack trigger_id,
	// "github-comment:<id>"). Empty means a fresh random id.
	ID string
}

// Reply is what the user reads, and what happened.
type Reply struct {
	Outcome  Outcome
	Text     string
	Command  *Command
	Env      string
	Changes  []flags.Change
	Commit   string // the commit made, or found for a replayed request
	Replayed bool   // the request id was already committed
	Err      error  // the cause of a Failed outcome, for logs
}

// NewRequestID returns a random request id for commands that come without one.
func NewRequestID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Run parses and runs one command. It never panics on user input, and every
// outcome comes back as a Reply with one clear text.
func (s *Service) Run(ctx context.Context, req Request) Reply {
	pr := Parse(req.Text)
	if pr.Ignore {
		return Reply{Outcome: BadInput, Text: "no command found; commands start with / (try /help)"}
	}
	if pr.Error != "" {
		return Reply{Outcome: BadInput, Text: pr.Error}
	}
	return s.RunCommand(ctx, pr.Command, req)
}

// RunCommand runs a parsed command.
func (s *Service) RunCommand(ctx context.Context, cmd *Command, req Request) Reply {
	var r Reply
	var err error
	switch cmd.Name {
	case Help:
		r = Reply{Text: HelpText(cmd.Topic)}
	case ABStatus, ReleaseStatus:
		r, err = s.status(ctx, cmd)
	default:
		r, err = s.mutate(ctx, cmd, req)
	}
	if err != nil {
		r = replyFor(err)
	}
	r.Command = cmd
	return r
}

func replyFor(err error) Reply {
	var e *Error
	if errors.As(err, &e) {
		return Reply{Outcome: e.Outcome, Text: e.Msg, Err: e.Err}
	}
	return Reply{Outcome: Failed, Text: "internal error: " + err.Error(), Err: err}
}

// load reads and parses the flag file at the tip of the flag branch.
func (s *Service) load(ctx context.Context) (Snapshot, *flags.File, error) {
	snap, err := s.Store.Read(ctx)
	path := s.Config.FlagsFile
	switch {
	case errors.Is(err, ErrNoFlagFile):
		return snap, nil, &Error{Outcome: BadInput, Err: err,
			Msg: fmt.Sprintf("there is no flag file %s on the flag branch; create it (see the README's flag file section) and commit it", path)}
	case errors.Is(err, ErrDirty), errors.Is(err, ErrBlocked):
		return snap, nil, workTreeRefusal(err)
	case err != nil:
		return snap, nil, &Error{Outcome: Failed, Err: err, Msg: fmt.Sprintf("could not read the flag file: %v", err)}
	}
	f, err := flags.Parse(path, snap.Flags)
	if err != nil {
		return snap, nil, &Error{Outcome: BadInput, Err: err,
			Msg: fmt.Sprintf("the flag file does not parse, so releasebot will not overwrite it: %v; fix that line and commit, then run the command again", err)}
	}
	if err := CheckEnvironments(f, s.Config); err != nil {
		return snap, nil, &Error{Outcome: BadInput, Err: err,
			Msg: fmt.Sprintf("the flag file does not match the configuration, so releasebot will not change it: %v; fix it and commit, then run the command again", err)}
	}
	return snap, f, nil
}

func (s *Service) mutate(ctx context.Context, cmd *Command, req Request) (Reply, error) {
	if s.Authorizer != nil {
		if err := s.Authorizer.Authorize(ctx, req.Actor, *cmd); err != nil {
			var e *Error
			if errors.As(err, &e) {
				return Reply{}, err
			}
			return Reply{}, &Error{Outcome: Refused, Err: err, Msg: fmt.Sprintf("%s may not run %s: %v", req.Actor.Name, cmd.Name, err)}
		}
	}
	id := req.ID
	if id == "" {
		id = NewRequestID(req.Actor.Via + ":")
	}
	if strings.ContainsAny(id, "\r\n") {
		return Reply{}, errorf(BadInput, "the request id must be one line")
	}
	attempts := s.MaxAttempts
	if attempts <= 0 {
		attempts = 8
	}
	gated := false // the gate passed for this raise already
	for attempt := 0; attempt < attempts; attempt++ {
		r, retry, err := s.attempt(ctx, cmd, req, id, &gated)
		if err != nil || !retry {
			return r, err
		}
	}
	return Reply{}, errorf(Failed, "the flag branch kept moving under %d attempts; nothing was committed, run the command again", attempts)
}

// attempt is one read-apply-commit round. retry is true when the branch moved
// under it.
func (s *Service) attempt(ctx context.Context, cmd *Command, req Request, id string, gated *bool) (Reply, bool, error) {
	if l, ok := s.Store.(Locker); ok {
		unlock, err := l.Lock(ctx)
		if err != nil {
			return Reply{}, false, &Error{Outcome: Failed, Err: err, Msg: fmt.Sprintf("could not lock the repository: %v", err)}
		}
		defer unlock()
	}
	// The request-id lookup and the read are independent: on GitHub, doing
	// them together saves a round trip of the command's six.
	var (
		snap    Snapshot
		f       *flags.File
		loadErr error
		loaded  = make(chan struct{})
	)
	go func() {
		defer close(loaded)
		snap, f, loadErr = s.load(ctx)
	}()
	c, found, err := s.Store.FindRequest(ctx, id)
	<-loaded
	if err != nil {
		return Reply{}, false, &Error{Outcome: Failed, Err: err, Msg: fmt.Sprintf("could not look for request %s in the history: %v", id, err)}
	} else if found {
		return replayed(c), false, nil
	}
	if loadErr != nil {
		return Reply{}, false, loadErr
	}
	t, err := Resolve(f, cmd, s.Config.DefaultEnvironment)
	if err != nil {
		return Reply{}, false, err
	}
	next, changes, err := Apply(f, cmd, t)
	if err != nil {
		return Reply{}, false, err
	}
	if len(changes) == 0 {
		return Reply{Outcome: NoChange, Env: t.Env, Text: noChangeText(cmd, f, t)}, false, nil
	}
	from, to := f.Env(t.Env).CanaryPercent, next.Env(t.Env).CanaryPercent
	if cmd.Name == Canary && to > from && !*gated {
		pol := Policy{Steps: s.Config.Canary.Steps, Gate: s.Gate}
		if err := pol.CheckRaise(ctx, t.Env, from, to, cmd.Force); err != nil {
			return Reply{}, false, err
		}
		*gated = true
	}
	files, err := s.files(next)
	if err != nil {
		return Reply{}, false, err
	}
	msg := CommitMessage(cmd, t, changes, req.Actor, id, cmd.Force && to > from)
	sha, err := s.Store.Commit(ctx, snap.Rev, files, msg)
	if errors.Is(err, ErrConflict) {
		return Reply{}, true, nil
	}
	if errors.Is(err, ErrDirty) || errors.Is(err, ErrBlocked) {
		return Reply{}, false, workTreeRefusal(err)
	}
	if sha != "" && errors.Is(err, ErrWorkTreeBehind) {
		// The branch moved: the command is done, whatever the work tree shows.
		return Reply{Outcome: Done, Env: t.Env, Changes: changes, Commit: sha, Err: err,
			Text: doneText(changes, sha) + "\nwarning: " + err.Error()}, false, nil
	}
	if err != nil {
		return Reply{}, false, &Error{Outcome: Failed, Err: err, Msg: fmt.Sprintf("could not commit the flag change: %v; nothing changed, run the command again", err)}
	}
	return Reply{Outcome: Done, Env: t.Env, Changes: changes, Commit: sha, Text: doneText(changes, sha)}, false, nil
}

// workTreeRefusal is the reply to a store that refused to touch a work tree
// (ErrDirty, ErrBlocked): nothing changed, and the error says what to fix.
func workTreeRefusal(err error) *Error {
	if errors.Is(err, ErrDirty) {
		return &Error{Outcome: Refused, Err: err,
			Msg: fmt.Sprintf("%v; commit or discard them (git stash) and run the command again", err)}
	}
	return &Error{Outcome: Refused, Err: err, Msg: err.Error()}
}

// files renders the flag file and every render target.
func (s *Service) files(next *flags.File) (map[string][]byte, error) {
	data, err := next.Marshal()
	if err != nil {
		return nil, &Error{Outcome: Failed, Err: err, Msg: err.Error()}
	}
	files := map[string][]byte{s.Config.FlagsFile: data}
	for _, r := range s.Config.Render {
		out, err := flags.Render(next, r.Environment, r.Format, s.Config.FlagsFile)
		if err != nil {
			return nil, &Error{Outcome: BadInput, Err: err,
				Msg: fmt.Sprintf("render target %s in %s: %v", r.Path, s.Config.Source, err)}
		}
		files[r.Path] = out
	}
	return files, nil
}

// CommitMessage is the commit of one command: a conventional-commit subject,
// the changes in words, and the trailers.
func CommitMessage(cmd *Command, t Target, changes []flags.Change, who Actor, id string, forced bool) string {
	var b strings.Builder
	b.WriteString("chore(flags): ")
	b.WriteString(Subject(cmd, t, changes))
	b.WriteString("\n\n")
	for _, c := range changes {
		b.WriteString("- " + c.String() + "\n")
	}
	fmt.Fprintf(&b, "\nCommand: %s\n", cmd.Text)
	if forced {
		b.WriteString("Forced: steps and gates skipped with --force\n")
	}
	fmt.Fprintf(&b, "\n%s: %s via %s\n%s: %s\n", TrailerRequestedBy, oneLine(who.Name), who.Via, TrailerRequest, id)
	return b.String()
}

// Subject summarises the changes of one command.
func Subject(cmd *Command, t Target, changes []flags.Change) string {
	if len(changes) == 1 {
		return changes[0].String()
	}
	if cmd.Name == Rollback {
		return fmt.Sprintf("rollback (%s): %d changes", t.Env, len(changes))
	}
	return fmt.Sprintf("%s (%s): %d changes", cmd.Name, t.Env, len(changes))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "unknown"
	}
	return s
}

// Trailers returns the trailers of a commit message: "Key: value" lines of
// its last paragraph.
func Trailers(msg string) map[string]string {
	paras := strings.Split(strings.TrimSpace(strings.ReplaceAll(msg, "\r\n", "\n")), "\n\n")
	out := map[string]string{}
	if len(paras) < 2 {
		return out
	}
	for _, line := range strings.Split(paras[len(paras)-1], "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if ok && !strings.Contains(k, " ") {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

// HasRequest reports whether a commit message carries the request id.
func HasRequest(msg, id string) bool { return Trailers(msg)[TrailerRequest] == id }

// ChangesIn reads the changes listed in a flag commit's body.
func ChangesIn(msg string) []flags.Change {
	var out []flags.Change
	for _, line := range strings.Split(msg, "\n") {
		if !strings.HasPrefix(line, "- ") {
			continue
		}
		if c, ok := flags.ParseChangeLine(line); ok {
			out = append(out, c)
		}
	}
	return out
}

func replayed(c CommitInfo) Reply {
	changes := ChangesIn(c.Message)
	r := Reply{Outcome: Done, Replayed: true, Commit: c.SHA, Changes: changes}
	r.Text = "already done (this request was committed before): " + doneText(changes, c.SHA)
	if len(changes) > 0 {
		r.Env = changes[0].Env
	}
	return r
}

func doneText(changes []flags.Change, sha string) string {
	parts := make([]string, len(changes))
	for i, c := range changes {
		parts[i] = c.String()
	}
	return fmt.Sprintf("%s — committed %.7s", strings.Join(parts, "; "), sha)
}

func noChangeText(cmd *Command, f *flags.File, t Target) string {
	env := f.Env(t.Env)
	switch cmd.Name {
	case Canary:
		return fmt.Sprintf("nothing to do: the canary in %s is already %d%%", t.Env, env.CanaryPercent)
	case Toggle:
		return fmt.Sprintf("nothing to do: %s in %s already has override %s", t.Flag, t.Env, flags.OverrideWord(env.Flag(t.Flag).Override))
	case Rollback:
		if t.Flag != "" {
			return fmt.Sprintf("nothing to do: %s in %s is already overridden off", t.Flag, t.Env)
		}
		return fmt.Sprintf("nothing to do: %s is already rolled back (canary 0%%, every canary flag overridden off)", t.Env)
	}
	return "nothing to do"
}
