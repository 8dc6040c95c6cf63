package chatops

import (
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/internal/yamlstrict"
)

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
