package chatops

import (
	"fmt"

	"github.com/releasebot/releasebot/chatops/flags"
)

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
