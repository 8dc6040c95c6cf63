package config

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/releasebot/releasebot/internal/yamlstrict"
)

// Template is a configuration value that may name environment variables as
// ${VAR}. It prints as written, never expanded, so logging a Config or an error
// never shows a secret; Expand is the only way to the value.
type Template string

// UnmarshalYAMLNode checks the ${VAR} references while decoding.
func (t *Template) UnmarshalYAMLNode(d *yamlstrict.Decoder, n *yaml.Node, path string) error {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return d.Errorf(n, path, "expected a string")
	}
	for _, m := range templateRe.FindAllStringSubmatch(n.Value, -1) {
		if !varNameRe.MatchString(m[1]) {
			return d.Errorf(n, path, "${%s} is not an environment variable name", m[1])
		}
	}
	*t = Template(n.Value)
	return nil
}

// Vars lists the variables the template refers to.
func (t Template) Vars() []string {
	var out []string
	for _, m := range templateRe.FindAllStringSubmatch(string(t), -1) {
		out = append(out, m[1])
	}
	return out
}

// Expand substitutes ${VAR} from getenv. An unset or empty variable is an
// error naming it (not its value), so a check fails clearly instead of
// sending "Bearer " to a server.
func (t Template) Expand(getenv func(string) string) (string, error) {
	var missing []string
	out := templateRe.ReplaceAllStringFunc(string(t), func(m string) string {
		name := m[2 : len(m)-1]
		v := getenv(name)
		if v == "" {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("environment variable %s is not set", strings.Join(missing, ", "))
	}
	return out, nil
}

// String returns the template as written, with ${VAR} unexpanded.
func (t Template) String() string { return string(t) }
