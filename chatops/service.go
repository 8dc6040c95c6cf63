package chatops

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
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
	// Backoff is the wait after the attempt-th lost race (default: random,
	// up to 10 ms << attempt, at most 320 ms).
	Backoff func(attempt int) time.Duration
	// Release, when set, reads the current release's page for /release
	// status (on GitHub: the latest Release and its PROD section).
	Release func(ctx context.Context) (*ReleasePage, error)
}

// ReleasePage is the current release as its page tells it.
type ReleasePage struct {
	Tag, URL  string
	Published time.Time
	// The PROD section: when the canary first left 0 % (zero: not
	// started), where it stands, when it reached 100 %, and its notes
	// (rollbacks: who and when).
	Started, Finished time.Time
	Canary            int
	Notes             []string
}

func (s *Service) backoff(ctx context.Context, attempt int) error {
	var d time.Duration
	if s.Backoff != nil {
		d = s.Backoff(attempt)
	} else {
		d = time.Duration(mrand.Int64N(int64(10*time.Millisecond) << min(attempt, 5)))
	}
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Request is one command to run.
type Request struct {
	Text  string // "/canary 50": one line, a Slack text or a comment's first line
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
	Err      error  // the cause of a failed outcome, for logs; never shown
	// Kind is the failure's kind when Outcome is a failure: Refused,
	// BadInput, Remote, or Internal for an error nobody classified (its
	// Text then names only the request id).
	Kind failure.Kind
	// RequestID is the request's id (the one given, or a fresh one): the
	// log files a failure's cause under it.
	RequestID string

	marked string // Text with the echoed input marked, for Render
}

// seal moves the echo marks out of Text, which is then plain text, into the
// copy Render reads.
func (r *Reply) seal() {
	if p := plain(r.Text); p != r.Text {
		r.marked, r.Text = r.Text, p
	}
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
		return Reply{Outcome: BadInput, Kind: failure.BadInput, Text: "no command found; commands start with / (try /help)"}
	}
	if pr.Error != "" {
		r := Reply{Outcome: BadInput, Kind: failure.BadInput, Text: pr.marked}
		if r.Text == "" {
			r.Text = pr.Error
		}
		r.seal()
		return r
	}
	return s.RunCommand(ctx, pr.Command, req)
}

// RunCommand runs a parsed command. A request without an ID gets a fresh
// one, which the reply carries.
func (s *Service) RunCommand(ctx context.Context, cmd *Command, req Request) Reply {
	if req.ID == "" {
		req.ID = NewRequestID(req.Actor.Via + ":")
	}
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
		r = replyFor(err, req.ID)
	}
	r.Command = cmd
	r.RequestID = req.ID
	r.seal()
	return r
}

// FailedReply is the reply to req when it could not even be run (the
// repository could not be opened): the same one sentence a failure inside
// Run gives, the cause kept in Err for the log.
func FailedReply(req Request, err error) Reply {
	id := req.ID
	if id == "" {
		id = NewRequestID("")
	}
	r := replyFor(err, id)
	r.seal()
	return r
}

// replyFor is the reply to a failed command. A core *Error keeps its marked
// text for rendering; an adapter's *failure.Error shows its sentence; for
// anything unclassified (or classified Internal) the user reads one
// sentence naming the request id, and the cause stays in Err, for the log:
// a PR comment is public, and a store's error may hold paths, URLs or git's
// stderr.
func replyFor(err error, requestID string) Reply {
	var e *Error
	if errors.As(err, &e) {
		return Reply{Outcome: e.Outcome, Kind: e.Outcome.Kind(), Text: e.Msg, Err: e.Err, RequestID: requestID}
	}
	k := failure.KindOf(err)
	return Reply{Outcome: OutcomeOf(k), Kind: k, Text: failure.Message(err, requestID), Err: err, RequestID: requestID}
}

// load reads and parses the flag file at the tip of the flag branch.
func (s *Service) load(ctx context.Context) (Snapshot, *flags.File, error) {
	snap, err := s.Store.Read(ctx)
	return s.parse(snap, err)
}

// parse checks what a store read (snap, and Read's error) and parses the
// flag file.
func (s *Service) parse(snap Snapshot, err error) (Snapshot, *flags.File, error) {
	path := s.Config.FlagsFile
	switch {
	case errors.Is(err, ErrNoFlagFile):
		return snap, nil, &Error{Outcome: BadInput, Err: err,
			Msg: fmt.Sprintf("there is no flag file %s on the flag branch; create it (see the README's flag file section) and commit it", path)}
	case errors.Is(err, ErrDirty), errors.Is(err, ErrBlocked):
		return snap, nil, workTreeRefusal(err)
	case errors.Is(err, ErrNotAFile):
		return snap, nil, notAFileRefusal(err)
	case err != nil:
		return snap, nil, storeFailure(err, "could not read the flag file", "")
	}
	f, err := flags.Parse(path, snap.Flags)
	var tooLarge *limits.TooLargeError
	if errors.As(err, &tooLarge) {
		return snap, nil, notAFileRefusal(err)
	}
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
			return Reply{}, &Error{Outcome: Refused, Err: err, Msg: fmt.Sprintf("%s may not run %s: %s", echo(actorName(req.Actor.Name)), cmd.Name, echo(err.Error()))}
		}
	}
	id := req.ID
	if id == "" {
		id = NewRequestID(req.Actor.Via + ":")
	}
	// The id becomes a trailer: a line break, control character or edge space
	// in it could end the trailer and forge another.
	if id != textsafe.OneLine(id) {
		return Reply{}, errorf(BadInput, "the request id %s must be one line without control characters; pass another id", echoQ(id))
	}
	if n := utf8.RuneCountInString(id); n > limits.Echo {
		return Reply{}, errorf(BadInput, "the request id %s is %d characters, over the limit of %d; pass a shorter id", echoQ(id), n, limits.Echo)
	}
	attempts := s.MaxAttempts
	if attempts <= 0 {
		attempts = 8
	}
	var gated gateMemo // the raise whose gate passed already
	for attempt := 0; attempt < attempts; attempt++ {
		r, retry, err := s.attempt(ctx, cmd, req, id, &gated)
		if err != nil || !retry {
			return r, err
		}
		// Another writer won the race (another replica): wait a random
		// while, growing with the attempts, so the losers do not all come
		// back together.
		if err := s.backoff(ctx, attempt); err != nil {
			return Reply{}, storeFailure(err, "gave up on the flag branch", "")
		}
	}
	return Reply{}, errorf(Failed, "the flag branch kept moving under %d attempts; nothing was committed, run the command again", attempts)
}

// gateMemo remembers the raise whose gate passed, so that an attempt that
// lost a race re-applies without asking the gate again when it is the same
// raise: the same environment, from and to, on an environment nobody else
// changed meanwhile. A rollback or toggle in between makes it another raise,
// gated anew (and the step rule applied anew).
type gateMemo struct {
	base     *flags.File
	env      string
	from, to int
}

func (g *gateMemo) covers(f *flags.File, env string, from, to int) bool {
	if g.base == nil || g.env != env || g.from != from || g.to != to {
		return false
	}
	for _, c := range flags.Diff(g.base, f) {
		if c.Env == env {
			return false
		}
	}
	return true
}

// lock takes the store's lock if it has one. It is held only around reading
// and around committing, never while a gate runs: a gate can take seconds (or
// hang until its timeout), and /rollback must never wait for one. The
// compare-and-swap of Commit is what keeps a raise gated on an old state from
// landing on a new one.
func (s *Service) lock(ctx context.Context) (func(), error) {
	l, ok := s.Store.(Locker)
	if !ok {
		return func() {}, nil
	}
	unlock, err := l.Lock(ctx)
	if err != nil {
		return nil, storeFailure(err, "could not lock the repository", "")
	}
	return unlock, nil
}

// tipRead is what one attempt reads: the flag branch's tip and flag file
// (or why it could not be used), and the commit of the request id if any.
type tipRead struct {
	snap    Snapshot
	file    *flags.File
	loadErr error // the flag file's problem; reported unless the request is found
	req     CommitInfo
	found   bool
}

// read looks for the request id and reads the flag file, under the store's
// lock: a local clone's work tree is mid-update between another command's
// commit and its checkout, and would look edited by hand.
func (s *Service) read(ctx context.Context, id string, held bool) (tipRead, error) {
	var rd tipRead
	if !held {
		unlock, err := s.lock(ctx)
		if err != nil {
			return rd, err
		}
		defer unlock()
	}
	if tr, ok := s.Store.(TipReader); ok {
		// One read gives both (GitHub: the commits list names the tip).
		tip, err := tr.ReadTip(ctx, id)
		rd.snap, rd.file, rd.loadErr = s.parse(tip.Snapshot, tip.ReadErr)
		if err != nil {
			return rd, storeFailure(err, fmt.Sprintf("could not look for request %s in the history", echo(id)), "")
		}
		rd.req, rd.found = tip.Request, tip.Found
		return rd, nil
	}
	// The request-id lookup and the read are independent: doing them
	// together saves a round trip.
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		rd.snap, rd.file, rd.loadErr = s.load(ctx)
	}()
	c, found, err := s.Store.FindRequest(ctx, id)
	<-loaded
	if err != nil {
		return rd, storeFailure(err, fmt.Sprintf("could not look for request %s in the history", echo(id)), "")
	}
	rd.req, rd.found = c, found
	return rd, nil
}

// commit makes the commit under the store's lock (a local clone updates its
// work tree inside Commit).
func (s *Service) commit(ctx context.Context, base string, files map[string][]byte, msg string, held bool) (string, error) {
	if !held {
		unlock, err := s.lock(ctx)
		if err != nil {
			return "", err
		}
		defer unlock()
	}
	return s.Store.Commit(ctx, base, files, msg)
}

// attempt is one read-apply-commit round. retry is true when the branch moved
// under it. The gate runs between the read and the commit, outside any lock.
// A command no gate can stop (everything but /canary) holds the store's
// lock from its read to its commit, so the commands of one process on one
// branch take turns instead of racing each other; a /canary takes it only
// around each, so a gate that hangs never holds up a /rollback.
func (s *Service) attempt(ctx context.Context, cmd *Command, req Request, id string, gated *gateMemo) (Reply, bool, error) {
	held := false
	if cmd.Name != Canary {
		unlock, err := s.lock(ctx)
		if err != nil {
			return Reply{}, false, err
		}
		defer unlock()
		held = true
	}
	rd, err := s.read(ctx, id, held)
	if err != nil {
		return Reply{}, false, err
	}
	if rd.found {
		return s.replayed(rd.req, cmd, rd.file, id)
	}
	if rd.loadErr != nil {
		return Reply{}, false, rd.loadErr
	}
	f := rd.file
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
	if cmd.Name == Canary && to > from && !gated.covers(f, t.Env, from, to) {
		pol := Policy{Steps: s.Config.Canary.Steps, Gate: s.Gate}
		if err := pol.CheckRaise(ctx, t.Env, from, to, cmd.Force); err != nil {
			return Reply{}, false, err
		}
		*gated = gateMemo{base: f, env: t.Env, from: from, to: to}
	}
	files, err := s.files(next)
	if err != nil {
		return Reply{}, false, err
	}
	msg := CommitMessage(cmd, t, changes, req.Actor, id, cmd.Force && to > from)
	sha, err := s.commit(ctx, rd.snap.Rev, files, msg, held)
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
		var e *Error
		if errors.As(err, &e) {
			return Reply{}, false, err
		}
		return Reply{}, false, storeFailure(err, "could not commit the flag change", "nothing changed, run the command again")
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

// replayed answers a request whose id is already on a commit. The same
// command (compared parsed and resolved, so case and spacing do not matter) is
// "already done" with that commit; another command under the id is refused,
// since answering it with the old result would say something was done that
// was not. A commit without a Command: line (made outside releasebot) counts
// as the same command.
func (s *Service) replayed(c CommitInfo, cmd *Command, f *flags.File, id string) (Reply, bool, error) {
	if old, ok := commandOf(c.Message); ok && !s.sameCommand(old, cmd, f) {
		return Reply{}, false, errorf(BadInput, "request id %s was used for another command (%s, committed %.7s); use a new id",
			echo(id), echo(old.Text), c.SHA)
	}
	changes := ChangesIn(c.Message)
	r := Reply{Outcome: Done, Replayed: true, Commit: c.SHA, Changes: changes}
	r.Text = "already done (this request was committed before): " + doneText(changes, c.SHA)
	if len(changes) > 0 {
		r.Env = changes[0].Env
	}
	return r, false, nil
}

// sameCommand reports whether two parsed commands ask for the same thing:
// names resolved against the flag file when it could be read, so "/rollback",
// "/ROLLBACK prod" and "/rollback  prod" are one command.
func (s *Service) sameCommand(a, b *Command, f *flags.File) bool {
	if a.Name != b.Name || a.Percent != b.Percent || a.Force != b.Force || a.Value != b.Value || a.User != b.User {
		return false
	}
	def := s.Config.DefaultEnvironment
	if f != nil {
		ta, errA := Resolve(f, a, def)
		tb, errB := Resolve(f, b, def)
		if errA == nil && errB == nil {
			return ta == tb
		}
	}
	return strings.EqualFold(cmp.Or(a.Env, def), cmp.Or(b.Env, def)) && strings.EqualFold(a.Flag, b.Flag)
}

// maxListedChanges bounds the changes a reply lists; a rollback of thousands
// of flags names the first few and counts the rest (the commit lists all).
const maxListedChanges = 10

func doneText(changes []flags.Change, sha string) string {
	n := min(len(changes), maxListedChanges)
	parts := make([]string, n, n+1)
	for i, c := range changes[:n] {
		parts[i] = c.String()
	}
	if more := len(changes) - n; more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more (listed in the commit)", more))
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

// notAFileRefusal is bad input: a flag file committed as a link or a
// directory, or over the size limit. The store's text names it; the reply
// adds that nothing will overwrite it.
func notAFileRefusal(err error) *Error {
	var tooLarge *limits.TooLargeError
	if errors.As(err, &tooLarge) {
		return &Error{Outcome: BadInput, Err: err,
			Msg: fmt.Sprintf("%v; releasebot will not change it: make it smaller (remove flags no environment uses) and commit, then run the command again", tooLarge)}
	}
	return &Error{Outcome: BadInput, Err: err, Msg: fmt.Sprintf("%v; releasebot will not overwrite it", err)}
}
