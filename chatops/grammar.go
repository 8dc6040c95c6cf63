// Package chatops is the core of the rollout commands: the grammar shared by
// Slack and PR comments, the policy (steps, gates, authorization) and the pure
// application of a command to the flag state, run over a Store with the commit
// protocol of DESIGN §6. It imports no SDK and no net/http.
package chatops

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/releasebot/releasebot/chatops/command"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
	"github.com/releasebot/releasebot/internal/yamlstrict"
)

// Name identifies a command; the names and the table are package command's.
type Name = command.Name

// The commands. The zero Name is no command.
const (
	Canary        = command.Canary
	Rollback      = command.Rollback
	Toggle        = command.Toggle
	ABStatus      = command.ABStatus
	ReleaseStatus = command.ReleaseStatus
	Help          = command.Help
)

// Spec describes one command (package command's table).
type Spec = command.Spec

// Specs is the command table, in the order /help lists it.
var Specs = command.Table

// SpecOf returns the spec of a command name.
func SpecOf(n Name) Spec { return command.Of(n) }

// Value is what /toggle sets.
type Value int

// Toggle values.
const (
	ValueNone Value = iota
	ValueOn
	ValueOff
	ValueDefault
)

func (v Value) String() string {
	switch v {
	case ValueOn:
		return "on"
	case ValueOff:
		return "off"
	case ValueDefault:
		return "default"
	}
	return ""
}

// Command is one parsed command. Flag and Env are as typed; they are resolved
// against the flag file when the command is applied.
type Command struct {
	Name    Name
	Percent int    // /canary
	Force   bool   // /canary --force
	Flag    string // /toggle, /rollback FLAG
	Value   Value  // /toggle
	Env     string // "" means the configured default environment
	User    string // /ab_status user <id>
	Topic   string // /help <topic>
	Text    string // the command as typed, trimmed
}

// ParseResult is what the parser makes of a text. Exactly one of Command and
// Error is set, unless Ignore: the text holds no command at all.
type ParseResult struct {
	Command *Command
	// Error is one line of plain text: what was wrong and the expected
	// form. It quotes input; a reply shows it through Service.Run's
	// Reply.Render, which makes that input inert for the medium.
	Error  string
	Ignore bool

	marked string // Error with the echoed input marked, for Reply.Render
}

// badInput is a ParseResult with an error whose echoed parts are marked.
func badInput(msg string) ParseResult { return ParseResult{Error: plain(msg), marked: msg} }

// lineBreaks are the characters that start a new line somewhere: in a
// terminal, in Slack, in a commit message, in Unicode's view of text.
const lineBreaks = "\n\r\v\f\u0085\u2028\u2029"

// Parse reads one command, as Slack sends it joined ("/canary 50") or as one
// line of a PR comment. It tolerates case, extra spaces, a detached "%" and
// --force anywhere.
//
// A command is one line: text with a line break inside is refused rather than
// joined ("/canary 0\nstage" must not act on stage), and so is text over
// limits.CommandText characters. Input quoted in an error is one line and cut
// to limits.Echo characters.
func Parse(text string) ParseResult {
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n > limits.CommandText {
		return badInput(fmt.Sprintf("the command is %d characters, over the limit of %d; send one short command such as /canary 50 (it begins %s)",
			n, limits.CommandText, echoQ(textsafe.Cut(text, 40))))
	}
	if i := strings.IndexAny(text, lineBreaks); i >= 0 {
		return badInput(fmt.Sprintf("a command is one line; %s is followed by a line break, so nothing was run: send each command on its own, as one line",
			echoQ(text[:i])))
	}
	fields := strings.Fields(text)
	if len(fields) == 0 || !strings.HasPrefix(fields[0], "/") {
		return ParseResult{Ignore: true}
	}
	word := strings.ToLower(fields[0])
	spec, ok := lookup(word)
	if !ok {
		words := command.Words()
		best, dist := yamlstrict.Closest(word, words)
		if dist <= 2 {
			return badInput(fmt.Sprintf("unknown command %s; did you mean %s? usage: %s", echo(fields[0]), best, SpecOf(nameOf(best)).Usage))
		}
		return badInput(fmt.Sprintf("unknown command %s; commands are %s (try /help)", echo(fields[0]), strings.Join(words, ", ")))
	}
	cmd := &Command{Name: spec.Name, Text: strings.Join(fields, " ")}
	args := fields[1:]
	var err error
	switch spec.Name {
	case Canary:
		err = parseCanary(cmd, args, spec)
	case Rollback:
		err = parseRollback(cmd, args, spec)
	case Toggle:
		err = parseToggle(cmd, args, spec)
	case ABStatus:
		err = parseABStatus(cmd, args)
	case ReleaseStatus:
		if len(args) == 0 || (len(args) == 1 && strings.EqualFold(args[0], "status")) {
			break
		}
		if len(args) == 1 && strings.EqualFold(args[0], "help") {
			cmd.Name, cmd.Topic = Help, "release"
			break
		}
		err = fmt.Errorf("unknown /release subcommand %s", echoQ(strings.Join(args, " ")))
	case Help:
		if len(args) > spec.MaxArgs {
			err = fmt.Errorf("/help takes at most one command name")
		} else if len(args) == 1 {
			topic := "/" + strings.TrimPrefix(strings.ToLower(args[0]), "/")
			s, ok := lookup(topic)
			if !ok {
				err = fmt.Errorf("no command %s", echo(topic))
			} else {
				cmd.Topic = strings.TrimPrefix(s.Word, "/")
			}
		}
	}
	if err != nil {
		return badInput(fmt.Sprintf("%v; usage: %s", err, spec.Usage))
	}
	return ParseResult{Command: cmd}
}

// ParseComment finds the command in a PR comment: its first line that is not
// blank. One command is one line, so the lines after it are the comment's
// prose and never a second command (or a continuation of the first). A comment
// whose first line is not a command is ignored, and so is one such as
// "/metrics looks fine" whose first word is not close to a command; a fence
// or a quote on the first line is not a command either.
func ParseComment(body string) ParseResult {
	var first string
	isBreak := func(r rune) bool { return strings.ContainsRune(lineBreaks, r) }
	for _, line := range strings.FieldsFunc(body, isBreak) {
		if first = strings.TrimSpace(line); first != "" {
			break
		}
	}
	if !strings.HasPrefix(first, "/") {
		return ParseResult{Ignore: true}
	}
	word := strings.ToLower(strings.Fields(first)[0])
	if _, ok := lookup(word); ok {
		return Parse(first)
	}
	for _, s := range Specs {
		if yamlstrict.Levenshtein(word, s.Word) <= 2 {
			return Parse(first)
		}
	}
	return ParseResult{Ignore: true}
}

func lookup(word string) (Spec, bool) { return command.Lookup(word) }

func nameOf(word string) Name {
	s, _ := lookup(word)
	return s.Name
}

// takeForce removes --force (or -f) wherever it stands.
func takeForce(args []string) ([]string, bool) {
	out := args[:0:0]
	force := false
	for _, a := range args {
		switch strings.ToLower(a) {
		case "--force", "-f", "—force": // a phone's autocorrect turns -- into an em dash
			force = true
		default:
			out = append(out, a)
		}
	}
	return out, force
}

// The parsers take the argument counts from the command table.

func parseCanary(cmd *Command, args []string, spec Spec) error {
	args, cmd.Force = takeForce(args)
	if len(args) < spec.MinArgs {
		return fmt.Errorf("missing the percentage")
	}
	num := strings.TrimSuffix(args[0], "%")
	args = args[1:]
	if len(args) > 0 && args[0] == "%" {
		args = args[1:]
	}
	p, err := strconv.Atoi(num)
	if err != nil {
		return fmt.Errorf("%s is not a percentage", echoQ(num))
	}
	if p < 0 || p > 100 {
		return fmt.Errorf("canary percentage must be 0 to 100, got %d", p)
	}
	cmd.Percent = p
	if extra := spec.MaxArgs - 1; len(args) > extra {
		return fmt.Errorf("unexpected %s", echoQ(strings.Join(args[extra:], " ")))
	}
	if len(args) == 1 {
		cmd.Env = args[0]
	}
	return nil
}

func parseRollback(cmd *Command, args []string, spec Spec) error {
	args, force := takeForce(args)
	_ = force // rollback is never gated; --force is accepted and changes nothing
	if len(args) > spec.MaxArgs {
		return fmt.Errorf("unexpected %s", echoQ(strings.Join(args[spec.MaxArgs:], " ")))
	}
	switch len(args) {
	case 0:
	case 1:
		// A flag or an environment: resolved against the flag file.
		cmd.Flag = args[0]
	case 2:
		cmd.Flag, cmd.Env = args[0], args[1]
	}
	return checkPlaceholder(cmd.Flag)
}

func parseToggle(cmd *Command, args []string, spec Spec) error {
	args, _ = takeForce(args)
	if len(args) < spec.MinArgs {
		if len(args) == 1 {
			if err := checkPlaceholder(args[0]); err != nil {
				return err
			}
		}
		return fmt.Errorf("missing the flag or its value")
	}
	if len(args) > spec.MaxArgs {
		return fmt.Errorf("unexpected %s", echoQ(strings.Join(args[spec.MaxArgs:], " ")))
	}
	cmd.Flag = args[0]
	if err := checkPlaceholder(cmd.Flag); err != nil {
		return err
	}
	switch strings.ToLower(args[1]) {
	case "on", "true", "enable", "enabled":
		cmd.Value = ValueOn
	case "off", "false", "disable", "disabled":
		cmd.Value = ValueOff
	case "default", "clear", "reset":
		cmd.Value = ValueDefault
	default:
		return fmt.Errorf("%s is not on, off or default", echoQ(args[1]))
	}
	if len(args) == 3 {
		cmd.Env = args[2]
	}
	return nil
}

func parseABStatus(cmd *Command, args []string) error {
	for len(args) > 0 {
		if strings.EqualFold(args[0], "user") {
			if len(args) < 2 {
				return fmt.Errorf("user needs an id")
			}
			cmd.User, args = args[1], args[2:]
			continue
		}
		if cmd.Env != "" {
			return fmt.Errorf("unexpected %s", echoQ(args[0]))
		}
		cmd.Env, args = args[0], args[1:]
	}
	return nil
}

// checkPlaceholder catches a runbook example copied as is.
func checkPlaceholder(flag string) error {
	if strings.HasPrefix(flag, "<") && strings.HasSuffix(flag, ">") {
		return fmt.Errorf("%s is a placeholder: name the flag, e.g. FF_NEW_ONBOARDING", echo(flag))
	}
	return nil
}

// HelpText is /help's reply, generated from the command table.
func HelpText(topic string) string {
	var b strings.Builder
	for _, s := range Specs {
		if topic != "" && strings.TrimPrefix(s.Word, "/") != topic {
			continue
		}
		fmt.Fprintf(&b, "%s\n    %s (e.g. %s)\n", s.Usage, s.Summary, s.Example)
	}
	b.WriteString("env defaults to the configured default environment; mutating commands need authorization.\n")
	return b.String()
}
