package flags

import (
	"fmt"
	"slices"
	"strings"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Formats are the render formats, as named in the configuration.
var Formats = []string{"dotenv", "flagd", "json"}

// Render renders one environment in a format. source names the flag file in
// the generated header.
func Render(f *File, env, format, source string) ([]byte, error) {
	e := f.Env(env)
	if e == nil {
		// The list is cut: a file may have a thousand environments.
		return nil, fmt.Errorf("no environment %q in the flag file (it has %s)", textsafe.Cut(env, limits.Echo), textsafe.Cut(strings.Join(f.EnvNames(), ", "), limits.Echo))
	}
	switch format {
	case "dotenv":
		return renderDotenv(e, source), nil
	case "flagd":
		return renderFlagd(e)
	case "json":
		return renderJSON(e)
	}
	return nil, fmt.Errorf("unknown format %q; use one of %s", textsafe.Cut(format, limits.Echo), strings.Join(Formats, ", "))
}

// ValidFormat reports whether format is one Render knows.
func ValidFormat(format string) bool { return slices.Contains(Formats, format) }
