package chatops

import (
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/internal/yamlstrict"
)

// Outcome classifies what became of a command; the CLI maps it to an exit
// code and the chat adapters to a reaction.
type Outcome int

// Outcomes.
const (
	Done     Outcome = iota // committed, or a read command answered
	NoChange                // the state already was what was asked
	Refused                 // policy, a gate or authorization said no
	BadInput                // the command, or the flag file, is wrong
	Failed                  // the store or a remote failed
)

func (o Outcome) String() string {
	return [...]string{"done", "no change", "refused", "bad input", "failed"}[o]
}

// Error is a user-facing failure: Msg is one sentence saying what was wrong
// and what to type instead.
type Error struct {
	Outcome Outcome
	Msg     string
	Err     error // the cause, for logs; never shown to the user
}

func (e *Error) Error() string { return plain(e.Msg) }
func (e *Error) Unwrap() error { return e.Err }

func errorf(o Outcome, format string, args ...any) *Error {
	return &Error{Outcome: o, Msg: fmt.Sprintf(format, args...)}
}

// Target is a command resolved against the flag file: the environment and
// flag it names, spelled as the file spells them.
type Target struct {
	Env  string
	Flag string
}

// Resolve finds the environment and flag a command names. An unknown name is
// a BadInput error naming the closest known one.
func Resolve(f *flags.File, cmd *Command, defaultEnv string) (Target, error) {
	envName, flagName := cmd.Env, cmd.Flag
	// "/rollback prod" names an environment, "/rollback FF_X" a flag.
	if cmd.Name == Rollback && envName == "" && flagName != "" && f.Env(flagName) != nil {
		if e := f.Env(defaultEnv); e == nil || findFlag(e, flagName) == "" {
			envName, flagName = flagName, ""
		}
	}
	if envName == "" {
		envName = defaultEnv
	}
	env := f.Env(envName)
	if env == nil {
		for _, e := range f.Environments {
			if strings.EqualFold(e.Name, envName) {
				env = e
			}
		}
	}
	if env == nil {
		return Target{}, errorf(BadInput, "unknown environment %s%s; the flag file has %s", echoQ(envName),
			didYouMean(envName, f.EnvNames()), strings.Join(f.EnvNames(), ", "))
	}
	t := Target{Env: env.Name}
	if flagName == "" {
		return t, nil
	}
	if t.Flag = findFlag(env, flagName); t.Flag == "" {
		if len(env.Flags) == 0 {
			return Target{}, errorf(BadInput, "unknown flag %s: %s has no flags", echo(flagName), env.Name)
		}
		return Target{}, errorf(BadInput, "unknown flag %s in %s%s", echo(flagName), env.Name, didYouMean(flagName, env.FlagNames()))
	}
	return t, nil
}

// findFlag matches a flag name exactly, else case-insensitively when that is
// unambiguous.
func findFlag(e *flags.Environment, name string) string {
	if e.Flag(name) != nil {
		return name
	}
	match := ""
	for _, fl := range e.Flags {
		if strings.EqualFold(fl.Name, name) {
			if match != "" {
				return ""
			}
			match = fl.Name
		}
	}
	return match
}

func didYouMean(got string, known []string) string {
	best, _ := yamlstrict.Closest(got, known)
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %s?", best)
}

// Apply computes the state after a mutating command. It is pure: f is not
// modified. It returns the new state and the changes in words; no changes
// means the command would change nothing.
func Apply(f *flags.File, cmd *Command, t Target) (*flags.File, []flags.Change, error) {
	next := f.Clone()
	env := next.Env(t.Env)
	off, on := false, true
	switch cmd.Name {
	case Canary:
		env.CanaryPercent = cmd.Percent
	case Rollback:
		if t.Flag != "" {
			env.Flag(t.Flag).Override = &off
			break
		}
		env.CanaryPercent = 0
		for _, fl := range env.Flags {
			if fl.Canary {
				v := off
				fl.Override = &v
			}
		}
	case Toggle:
		fl := env.Flag(t.Flag)
		switch cmd.Value {
		case ValueOn:
			fl.Override = &on
		case ValueOff:
			fl.Override = &off
		case ValueDefault:
			fl.Override = nil
		}
	default:
		return nil, nil, fmt.Errorf("%s does not change flags", cmd.Name)
	}
	return next, flags.Diff(f, next), nil
}
