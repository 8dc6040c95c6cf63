package chatops

import (
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/yamlstrict"
)

// CheckEnvironments checks the flag file against the configuration: every
// render target must name an environment of the flag file, or each flag
// commit would fail half-way through rendering. (The configuration's
// environments are not a list of allowed names: a team may configure probes
// for prod alone.)
func CheckEnvironments(f *flags.File, cfg *config.Config) error {
	for i, r := range cfg.Render {
		if f.Env(r.Environment) == nil {
			return fmt.Errorf("%s: render[%d] renders environment %q%s, which %s does not have (it has %s)",
				cfg.Source, i, r.Environment, closestName(r.Environment, f.EnvNames()), cfg.FlagsFile, strings.Join(f.EnvNames(), ", "))
		}
	}
	return nil
}

func closestName(got string, known []string) string {
	best, d := yamlstrict.Closest(got, known)
	if best == "" || d > 2 {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}
