// Package command is the table of chat commands: each command's name, the
// words that call it, its usage, argument counts, whether it changes the flag
// state, and its help text. chatops' parser and /help, releasenotes' runbook
// recogniser and rollout steps, and the README's command list are generated
// from it. It imports nothing of the project, so every package can use it.
package command

import (
	"strings"
)

// Name identifies a command.
type Name int

// The commands. The zero Name is no command.
const (
	Canary Name = iota + 1
	Rollback
	Toggle
	ABStatus
	ReleaseStatus
	Help
)

// Spec describes one command.
type Spec struct {
	Name    Name
	Word    string   // as typed, with the slash, lower case
	Aliases []string // other spellings accepted, with the slash, lower case
	Usage   string   // one line, the expected form
	Summary string   // what it does, plain text: /help and the README show it
	Example string   // a command that parses, for /help
	// MinArgs and MaxArgs bound the arguments the parser accepts, not
	// counting --force and a detached "%"; MaxArgs -1 is no bound.
	MinArgs, MaxArgs int
	Mutating         bool // it changes the flag state (and needs authorization)
}

// Table is the command table, in the order /help lists it.
var Table = []Spec{
	{Name: Canary, Word: "/canary", Usage: "/canary <0-100>[%] [env] [--force]", Example: "/canary 50",
		MinArgs: 1, MaxArgs: 2, Mutating: true,
		Summary: "set the canary percentage; raising it runs the gates, a raise past a configured step (or to a value that is not a step) needs --force; lowering is never gated"},
	{Name: Rollback, Word: "/rollback", Usage: "/rollback [FLAG] [env]", Example: "/rollback",
		MinArgs: 0, MaxArgs: 2, Mutating: true,
		Summary: "instant and never gated: canary to 0 and every canary flag overridden off, or just FLAG overridden off"},
	{Name: Toggle, Word: "/toggle", Usage: "/toggle <FLAG> on|off|default [env]", Example: "/toggle FF_NEW_ONBOARDING on",
		MinArgs: 2, MaxArgs: 3, Mutating: true,
		Summary: "set a flag's override, or clear it with default"},
	// "user <id>" may be given again (the last one counts), so /ab_status
	// has no bound on its arguments.
	{Name: ABStatus, Word: "/ab_status", Aliases: []string{"/ab-status", "/abstatus"}, Usage: "/ab_status [env] [user <id>]", Example: "/ab_status prod user 42",
		MinArgs: 0, MaxArgs: -1,
		Summary: "each flag's effective state, canary marking, override and last change (who, when, commit); with a user, their bucket and what each flag evaluates to for them"},
	{Name: ReleaseStatus, Word: "/release", Usage: "/release status", Example: "/release status",
		MinArgs: 0, MaxArgs: 1,
		Summary: "where the release stands: version, checklist, canary, last audit"},
	{Name: Help, Word: "/help", Usage: "/help [command]", Example: "/help canary",
		MinArgs: 0, MaxArgs: 1,
		Summary: "usage of every command"},
}

// Of returns the spec of a command name, or the zero Spec.
func Of(n Name) Spec {
	for _, s := range Table {
		if s.Name == n {
			return s
		}
	}
	return Spec{}
}

// Lookup finds the command a word calls: its word or an alias, with the
// slash, compared exactly (the parser lower-cases what was typed).
func Lookup(word string) (Spec, bool) {
	for _, s := range Table {
		if word == s.Word {
			return s, true
		}
		for _, a := range s.Aliases {
			if word == a {
				return s, true
			}
		}
	}
	return Spec{}, false
}

// Words returns every command's word, with the slash, in table order.
func Words() []string {
	out := make([]string, 0, len(Table))
	for _, s := range Table {
		out = append(out, s.Word)
	}
	return out
}

// AllWords returns every word and alias that calls a command, without the
// slash, in table order with each command's aliases after its word.
func AllWords() []string {
	var out []string
	for _, s := range Table {
		out = append(out, strings.TrimPrefix(s.Word, "/"))
		for _, a := range s.Aliases {
			out = append(out, strings.TrimPrefix(a, "/"))
		}
	}
	return out
}

// String is the command's word without the slash ("canary"), or "unknown".
func (n Name) String() string {
	if s := Of(n); s.Word != "" {
		return strings.TrimPrefix(s.Word, "/")
	}
	return "unknown"
}

// Mutating reports whether the command changes the flag state.
func (n Name) Mutating() bool { return Of(n).Mutating }

// Line writes the command with its arguments as a user would type it:
// Canary.Line("10") is "/canary 10". Empty arguments are left out.
func (n Name) Line(args ...string) string {
	parts := []string{Of(n).Word}
	for _, a := range args {
		if a != "" {
			parts = append(parts, a)
		}
	}
	return strings.Join(parts, " ")
}

// MarkdownTable is the README's command list: one row per command, its usage
// in code and its summary.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| command | effect |\n| --- | --- |\n")
	for _, s := range Table {
		usage := strings.ReplaceAll(s.Usage, "|", `\|`)
		b.WriteString("| `" + usage + "` | " + strings.ReplaceAll(s.Summary, "|", `\|`) + " |\n")
	}
	return b.String()
}
