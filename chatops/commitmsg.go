package chatops

import (
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/chatops/trailer"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Trailer keys of a flag commit (DESIGN §6).
const (
	TrailerRequestedBy = "Requested-by"
	TrailerRequest     = "Releasebot-Request"
)

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
	fmt.Fprintf(&b, "\n%s %s\n", commandLine, textsafe.Cut(textsafe.OneLine(cmd.Text), limits.CommandText))
	if forced {
		b.WriteString("Forced: steps and gates skipped with --force\n")
	}
	fmt.Fprintf(&b, "\n%s: %s via %s\n%s: %s\n", TrailerRequestedBy, actorName(who.Name), textsafe.OneLine(who.Via), TrailerRequest, id)
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

// commandLine starts the body line of a flag commit that records the command
// as typed; a replayed request id is compared with it.
const commandLine = "Command:"

// actorName is who.Name as a commit trailer and a reply may hold it: one line,
// so a name cannot add a trailer of its own, and cut to limits.Echo.
func actorName(s string) string {
	s = textsafe.Cut(textsafe.OneLine(s), limits.Echo)
	if s == "" {
		return "unknown"
	}
	return s
}

// Trailers returns the trailers of a commit message by git's rules (package
// trailer): the ones git interpret-trailers and a local clone's %(trailers)
// see, keys compared without case.
func Trailers(msg string) trailer.List { return trailer.Parse(msg) }

// HasRequest reports whether a commit message carries the request id in a
// Releasebot-Request trailer (the key in any case, the value exactly).
func HasRequest(msg, id string) bool { return Trailers(msg).Has(TrailerRequest, id) }

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

// CommandIn is the command a flag commit's body records as typed ("" when
// it records none).
func CommandIn(msg string) string {
	for _, line := range strings.Split(msg, "\n") {
		if rest, ok := strings.CutPrefix(line, commandLine); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// commandOf parses the command recorded in a flag commit's body.
func commandOf(msg string) (*Command, bool) {
	text := CommandIn(msg)
	if text == "" {
		return nil, false
	}
	pr := Parse(text)
	return pr.Command, pr.Command != nil
}
