package flags

import (
	"fmt"
	"slices"
	"strings"
)

// Formats are the render formats, as named in the configuration.
var Formats = []string{"dotenv", "flagd", "json"}

// Render renders one environment in a format. source names the flag file in
// the generated header.
func Render(f *File, env, format, source string) ([]byte, error) {
	e := f.Env(env)
	if e == nil {
		return nil, fmt.Errorf("no environment %q in the flag file (it has %s)", env, strings.Join(f.EnvNames(), ", "))
	}
	switch format {
	case "dotenv":
		return renderDotenv(e, source), nil
	case "flagd":
		return renderFlagd(e)
	case "json":
		return renderJSON(e)
	}
	return nil, fmt.Errorf("unknown format %q; use one of %s", format, strings.Join(Formats, ", "))
}

// ValidFormat reports whether format is one Render knows.
func ValidFormat(format string) bool { return slices.Contains(Formats, format) }
