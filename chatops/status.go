package chatops

import (
	"context"
	"fmt"
	"github.com/releasebot/releasebot/internal/failure"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/releasebot/releasebot/chatops/flags"
)

// lastChange is the most recent flag commit that changed something.
type lastChange struct {
	who  string
	when time.Time
	sha  string
	what string
}

func (l *lastChange) String() string {
	if l == nil {
		return "last change: none recorded"
	}
	// who comes from a trailer, that is from an actor's name: echoed input.
	return fmt.Sprintf("last change: %s by %s, %s, %.7s", l.what, echo(l.who), l.when.UTC().Format("2006-01-02 15:04 MST"), l.sha)
}

func (s *Service) status(ctx context.Context, cmd *Command) (Reply, error) {
	// Reading may bring a work tree that a failed update left behind up to
	// date, which must not interleave with another command's commit.
	if l, ok := s.Store.(Locker); ok {
		unlock, err := l.Lock(ctx)
		if err != nil {
			return Reply{}, storeFailure(err, "could not lock the repository", "")
		}
		defer unlock()
	}
	_, f, err := s.load(ctx)
	if err != nil {
		return Reply{}, err
	}
	t, err := Resolve(f, cmd, s.Config.DefaultEnvironment)
	if err != nil {
		return Reply{}, err
	}
	limit := s.HistoryLimit
	if limit <= 0 {
		limit = 100
	}
	history, err := s.Store.History(ctx, s.Config.FlagsFile, limit)
	if err != nil {
		return Reply{}, storeFailure(err, "could not read the flag history", "")
	}
	if history == nil {
		history = []CommitInfo{} // read, and empty: the column still shows
	}
	if cmd.Name == ReleaseStatus {
		text := releaseStatus(f, history)
		if s.Release != nil {
			page, err := s.Release(ctx)
			text = releasePageText(page, err) + text
		}
		return Reply{Outcome: Done, Env: t.Env, Text: text}, nil
	}
	return Reply{Outcome: Done, Env: t.Env, Text: abStatus(f.Env(t.Env), cmd.User, history)}, nil
}

// envChange is the key of lastChanges for the environment as a whole.
const envChange = "\x00env"

// lastChanges finds, per flag of env, the newest commit whose body lists a
// change to that flag, and under envChange the newest commit that changed
// anything in env: a toggle after a canary commit is the environment's last
// change, as is a rollback.
func lastChanges(env string, history []CommitInfo) map[string]*lastChange {
	out := map[string]*lastChange{}
	for _, c := range history {
		who, _ := Trailers(c.Message).Get(TrailerRequestedBy)
		if who == "" {
			who = c.Author
		}
		var inEnv []flags.Change
		for _, ch := range ChangesIn(c.Message) {
			if ch.Env != env {
				continue
			}
			inEnv = append(inEnv, ch)
			if _, seen := out[ch.Flag]; !seen && ch.Flag != "" {
				out[ch.Flag] = &lastChange{who: who, when: c.When, sha: c.SHA, what: ch.String()}
			}
		}
		if _, seen := out[envChange]; !seen && len(inEnv) > 0 {
			what := inEnv[0].String()
			if len(inEnv) > 1 {
				what = fmt.Sprintf("%s and %d more", what, len(inEnv)-1)
			}
			out[envChange] = &lastChange{who: who, when: c.When, sha: c.SHA, what: what}
		}
	}
	return out
}

// ABStatusText is /ab_status's table (without the last-change column when
// history is nil): per flag its state outside the cohort,
// its canary marking, override and last change; with a user, their bucket and
// what each flag evaluates to for them.
func ABStatusText(e *flags.Environment, user string, history []CommitInfo) string {
	return plain(abStatus(e, user, history))
}

// abStatus is ABStatusText with the echoed input (the user id, the names of
// who changed what) marked for Reply.Render.
func abStatus(e *flags.Environment, user string, history []CommitInfo) string {
	var b strings.Builder
	last := lastChanges(e.Name, history)
	fmt.Fprintf(&b, "%s: canary %d%%, cohort %q", e.Name, e.CanaryPercent, e.CohortSeed())
	if history != nil {
		fmt.Fprintf(&b, "; %s", last[envChange])
	}
	b.WriteString("\n")
	if user != "" {
		bucket := flags.Bucket(e.CohortSeed(), user)
		in := "not in"
		if bucket < e.CanaryPercent {
			in = "in"
		}
		fmt.Fprintf(&b, "user %s: bucket %d, %s the %d%% cohort\n", echo(user), bucket, in, e.CanaryPercent)
	}
	if len(e.Flags) == 0 {
		b.WriteString("no flags\n")
		return b.String()
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, fl := range e.Flags {
		cols := []string{fl.Name, strings.ToUpper(stateWord(e, fl)), marking(e, fl), "override " + flags.OverrideWord(fl.Override)}
		if user != "" {
			cols = append(cols, fmt.Sprintf("user %s: %s", echo(user), strings.ToUpper(onOff(e.Value(fl, user)))))
		}
		if history != nil {
			cols = append(cols, last[fl.Name].String())
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	tw.Flush()
	return b.String()
}

// stateWord is what most users see: the override, else on for a canary at
// 100 %, else the default.
func stateWord(e *flags.Environment, fl *flags.Flag) string {
	switch {
	case fl.Override != nil:
		return onOff(*fl.Override)
	case fl.Canary && e.CanaryPercent >= 100:
		return "on"
	}
	return onOff(fl.Default)
}

func marking(e *flags.Environment, fl *flags.Flag) string {
	switch {
	case fl.Override != nil:
		return "overridden"
	case fl.Canary && !fl.Default:
		return fmt.Sprintf("canary %d%%", e.CanaryPercent)
	}
	return "default"
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func releaseStatus(f *flags.File, history []CommitInfo) string {
	var b strings.Builder
	for _, e := range f.Environments {
		overrides := 0
		for _, fl := range e.Flags {
			if fl.Override != nil {
				overrides++
			}
		}
		fmt.Fprintf(&b, "%s: canary %d%%, %d flags, %d overridden; %s\n", e.Name, e.CanaryPercent, len(e.Flags), overrides, lastChanges(e.Name, history)[envChange])
	}
	return b.String()
}

// releasePageText is the release's page as /release status shows it above
// the environments: the version, when it was published, its page, and its
// PROD section. The page's text comes from GitHub and is echoed inert.
func releasePageText(p *ReleasePage, err error) string {
	const stamp = "2006-01-02 15:04 UTC"
	switch {
	case err != nil:
		return "Release: could not read it (" + echo(failure.Message(err, "")) + ")\n"
	case p == nil:
		return "Release: none published yet\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Release %s", echo(p.Tag))
	if !p.Published.IsZero() {
		fmt.Fprintf(&b, ", published %s", p.Published.UTC().Format(stamp))
	}
	if p.URL != "" {
		fmt.Fprintf(&b, ": %s", echo(p.URL))
	}
	b.WriteString("\n")
	switch {
	case p.Started.IsZero():
		b.WriteString("PROD: not started\n")
	case !p.Finished.IsZero():
		fmt.Fprintf(&b, "PROD: started %s, finished %s at %d%%\n", p.Started.UTC().Format(stamp), p.Finished.UTC().Format(stamp), p.Canary)
	default:
		fmt.Fprintf(&b, "PROD: started %s, canary %d%%\n", p.Started.UTC().Format(stamp), p.Canary)
	}
	for _, n := range p.Notes {
		b.WriteString("- " + echo(n) + "\n")
	}
	return b.String()
}
