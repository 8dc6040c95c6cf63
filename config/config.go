// Package config loads .github/releasebot.yml: every key optional, defaults as
// in DESIGN §4, unknown keys and wrong types reported with their path and line.
// Values written as ${VAR} are kept as templates and expanded only at use, so a
// secret never sits in a Config that might be printed.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
	"github.com/releasebot/releasebot/internal/yamlstrict"
)

// FlagBranch is the branch flag commits go to: flags_branch, else the
// release branch, else def (the repository's default branch).
func (c *Config) FlagBranch(def string) string {
	if c.FlagsBranch != "" {
		return c.FlagsBranch
	}
	if c.Branch != "" {
		return c.Branch
	}
	return def
}

// DefaultPath is where the configuration lives in a repository.
const DefaultPath = ".github/releasebot.yml"

// Config is the whole configuration. The zero value is not useful; use
// Default, Load or Parse.
type Config struct {
	// Branch is the release branch. Empty means the repository's default
	// branch.
	Branch string `yaml:"branch"`
	// FlagsBranch is where flag commits go. Empty means the release
	// branch; FlagBranch resolves it.
	FlagsBranch        string                  `yaml:"flags_branch"`
	TagPrefix          string                  `yaml:"tag_prefix"`
	FlagsFile          string                  `yaml:"flags_file"`
	Runbook            string                  `yaml:"runbook"`
	DefaultEnvironment string                  `yaml:"default_environment"`
	Environments       map[string]*Environment `yaml:"environments"`
	Canary             Canary                  `yaml:"canary"`
	Audit              Audit                   `yaml:"audit"`
	Render             []Render                `yaml:"render"`
	Slack              Slack                   `yaml:"slack"`
	Authorization      Authorization           `yaml:"authorization"`
	Sentry             Sentry                  `yaml:"sentry"`
	Notes              Notes                   `yaml:"notes"`

	// Source names where the configuration came from ("built-in defaults",
	// a path, or owner/repo@ref:path), for error messages.
	Source string `yaml:"-"`

	// defaultEnvLine is the line of default_environment in Source, 0 when
	// the file does not set it; CheckDefaultEnvironment points there.
	defaultEnvLine int
}

// Environment is where a deployment runs: its probes and Sentry names.
type Environment struct {
	HealthURL         string              `yaml:"health_url"`
	MetricsURL        string              `yaml:"metrics_url"`
	Headers           map[string]Template `yaml:"headers"`
	SentryEnvironment string              `yaml:"sentry_environment"`
	ReleaseSuffix     string              `yaml:"release_suffix"`
}

// Canary holds the rollout steps and the gates a raise must pass.
type Canary struct {
	Steps []int `yaml:"steps"`
	Gates Gates `yaml:"gates"`
}

// Gates are the checks run before the canary is raised.
type Gates struct {
	Health          *bool             `yaml:"health"`
	MaxSentryIssues *int              `yaml:"max_sentry_issues"`
	Metrics         []MetricThreshold `yaml:"metrics"`
}

// MetricSelector picks samples of one metric family; match values are
// anchored regular expressions over label values.
type MetricSelector struct {
	Name  string            `yaml:"name"`
	Match map[string]string `yaml:"match"`
}

// MetricThreshold fails when the sum of the selected samples (or their ratio
// over Over) is above Max.
type MetricThreshold struct {
	Name  string            `yaml:"name"`
	Match map[string]string `yaml:"match"`
	Over  *MetricSelector   `yaml:"over"`
	Max   float64           `yaml:"max"`
}

// Audit configures the self-audit.
type Audit struct {
	Metrics []MetricThreshold `yaml:"metrics"`
}

// Render is one file written beside the flag file in every flag commit.
type Render struct {
	Environment string `yaml:"environment"`
	Format      string `yaml:"format"`
	Path        string `yaml:"path"`
}

// Slack configures where messages go.
type Slack struct {
	Channel string `yaml:"channel"`
}

// Authorization says who may run mutating commands.
type Authorization struct {
	Slack  SlackAuthorization  `yaml:"slack"`
	GitHub GitHubAuthorization `yaml:"github"`
}

// SlackAuthorization lists Slack user and user-group ids allowed to mutate.
// Both empty means any member of the workspace who can see the command.
type SlackAuthorization struct {
	Users      []string `yaml:"users"`
	Usergroups []string `yaml:"usergroups"`
}

// GitHubAuthorization is the least repository permission a commenter needs.
type GitHubAuthorization struct {
	MinPermission string `yaml:"min_permission"`
}

// Sentry names the Sentry organization and project of the product.
type Sentry struct {
	Org     string `yaml:"org"`
	Project string `yaml:"project"`
}

// Notes configures the release notes.
type Notes struct {
	Categories   []Category `yaml:"categories"`
	ExcludeTypes []string   `yaml:"exclude_types"`
}

// Category is one section of the release notes.
type Category struct {
	Title  string   `yaml:"title"`
	Types  []string `yaml:"types"`
	Labels []string `yaml:"labels"`
}

// Formats are the render formats.
var Formats = []string{"dotenv", "flagd", "json"}

// Permissions are GitHub's repository permission levels, weakest first.
var Permissions = []string{"read", "triage", "write", "maintain", "admin"}

// Default returns the built-in configuration: DESIGN §4's defaults. Site
// specific values (environments, render targets, Slack, Sentry, audit
// metrics) are empty: a check whose service is not configured is skipped.
func Default() *Config {
	health := true
	maxIssues := 0
	return &Config{
		TagPrefix:          "v",
		FlagsFile:          ".release/flags.yaml",
		Runbook:            "RUNBOOK.md",
		DefaultEnvironment: "prod",
		Canary: Canary{
			Steps: []int{10, 50, 100},
			Gates: Gates{Health: &health, MaxSentryIssues: &maxIssues},
		},
		Authorization: Authorization{GitHub: GitHubAuthorization{MinPermission: "write"}},
		Notes: Notes{
			Categories: []Category{
				{Title: "Features", Types: []string{"feat"}, Labels: []string{"feature", "enhancement"}},
				{Title: "Bug fixes", Types: []string{"fix"}, Labels: []string{"bug"}},
				{Title: "Performance", Types: []string{"perf"}},
			},
			ExcludeTypes: []string{"chore", "ci", "docs", "style", "test", "build"},
		},
		Source: "built-in defaults",
	}
}

// Load reads the configuration of the repository in dir. An empty file means
// DefaultPath inside dir; a missing default file yields Default(). A file named
// explicitly must exist.
//
// DefaultPath is a file of the repository, read under repofile's rule: a
// symbolic link (or a linked directory on its path), a FIFO or a file over
// limits.RepoFile is refused with an error naming it, and nothing of it is
// read. A file named explicitly is the operator's choice, so a link to it is
// followed, but it too must be a regular file within the limit.
func Load(dir, file string) (*Config, error) {
	explicit := file != ""
	if !explicit {
		file = DefaultPath
	}
	path := file
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, file)
	}
	var data []byte
	var err error
	if explicit {
		data, err = repofile.ReadNamed(path, "the configuration", limits.RepoFile)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("could not read the configuration %s: it does not exist; check the path given to --config", file)
		}
	} else {
		data, err = repofile.Read(dir, file, "the configuration", limits.RepoFile)
		if errors.Is(err, fs.ErrNotExist) {
			return Default(), nil
		}
	}
	if err != nil {
		return nil, err
	}
	paths := []string{DefaultPath}
	if rel, ok := inside(dir, path); ok && rel != DefaultPath {
		paths = append(paths, rel)
	}
	return parse(file, data, paths)
}

// inside returns path relative to dir, with /, when it lies inside dir.
func inside(dir, path string) (string, bool) {
	absDir, err1 := filepath.Abs(dir)
	absPath, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return "", false
	}
	rel, err := filepath.Rel(absDir, absPath)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// Parse decodes a configuration file's content over the defaults. source names
// the file in errors. Besides the per-key rules, the files a flag commit
// writes (flags_file, every render path) must not be, contain or sit inside
// each other, the configuration at DefaultPath, the runbook or the release
// notes; a clash is a *yamlstrict.Error at the later key's line.
func Parse(source string, data []byte) (*Config, error) {
	return parse(source, data, []string{DefaultPath})
}

// parse is Parse with the repository paths the configuration is read from,
// which no flag commit may write.
func parse(source string, data []byte, configPaths []string) (*Config, error) {
	c := Default()
	// Lists given in the file replace the defaults rather than merging.
	doc, err := yamlstrict.Unmarshal(source, data, c)
	if err != nil {
		return nil, err
	}
	if err := c.checkPathSet(source, doc, configPaths); err != nil {
		return nil, err
	}
	c.Source = source
	c.defaultEnvLine = keyLine(doc, "default_environment")
	return c, nil
}

// keyLine is the line of a top-level key in a parsed document, or 0.
func keyLine(doc *yaml.Node, key string) int {
	if doc == nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return 0
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return 0
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}

// CheckDefaultEnvironment checks a default_environment set in the file
// against the environments known: the configuration's and fileEnvs, those
// of the flag file. It returns a *yamlstrict.Error at the key's line that
// lists them and suggests the closest, or nil when the name is known, when
// nothing defines any environment, or when the file leaves the key to its
// default (a flag file without prod is then the flag file's to explain).
func (c *Config) CheckDefaultEnvironment(fileEnvs []string) error {
	if c.defaultEnvLine == 0 {
		return nil
	}
	names := slices.Clone(fileEnvs)
	for n := range c.Environments {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 || slices.Contains(names, c.DefaultEnvironment) {
		return nil
	}
	slices.Sort(names)
	fix := "name one of them"
	if best, d := yamlstrict.Closest(c.DefaultEnvironment, names); best != "" && d <= 2 {
		fix = "did you mean " + best + "?"
	}
	return &yamlstrict.Error{
		File: c.Source, Line: c.defaultEnvLine, Path: "default_environment",
		Msg: fmt.Sprintf("%q is not one of the environments (%s); %s", c.DefaultEnvironment, strings.Join(names, ", "), fix),
	}
}

var (
	envNameRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	templateRe = regexp.MustCompile(`\$\{([^}]*)\}`)
	varNameRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// CheckYAML validates cross-field rules once the file is decoded.
func (c *Config) CheckYAML() error {
	if c.TagPrefix != "" && strings.ContainsAny(c.TagPrefix, " ~^:?*[\\") {
		return &yamlstrict.FieldError{Key: "tag_prefix", Msg: fmt.Sprintf("%q cannot be part of a git tag name", c.TagPrefix)}
	}
	for _, k := range []struct{ key, val string }{{"flags_file", c.FlagsFile}, {"runbook", c.Runbook}} {
		if k.val == "" {
			return &yamlstrict.FieldError{Key: k.key, Msg: "must not be empty"}
		}
		if err := checkRepoPath(k.val); err != nil {
			return &yamlstrict.FieldError{Key: k.key, Msg: err.Error()}
		}
	}
	if !envNameRe.MatchString(c.DefaultEnvironment) {
		return &yamlstrict.FieldError{Key: "default_environment", Msg: fmt.Sprintf("%q is not an environment name (letters, digits, - and _)", c.DefaultEnvironment)}
	}
	for name := range c.Environments {
		if !envNameRe.MatchString(name) {
			return &yamlstrict.FieldError{Key: "environments", Msg: fmt.Sprintf("%q is not an environment name (letters, digits, - and _)", name)}
		}
	}
	return nil
}

// CheckYAML validates the canary steps.
func (c *Canary) CheckYAML() error {
	prev := 0
	for i, s := range c.Steps {
		if s < 1 || s > 100 {
			return &yamlstrict.FieldError{Key: "steps", Msg: fmt.Sprintf("step %d is %d; steps are percentages from 1 to 100", i+1, s)}
		}
		if s <= prev {
			return &yamlstrict.FieldError{Key: "steps", Msg: fmt.Sprintf("steps must rise: %d comes after %d", s, prev)}
		}
		prev = s
	}
	return nil
}

// CheckYAML validates a gate configuration.
func (g *Gates) CheckYAML() error {
	if g.MaxSentryIssues != nil && *g.MaxSentryIssues < 0 {
		return &yamlstrict.FieldError{Key: "max_sentry_issues", Msg: "must be 0 or more"}
	}
	return nil
}

// CheckYAML validates a metric threshold.
func (m *MetricThreshold) CheckYAML() error {
	if m.Name == "" {
		return &yamlstrict.FieldError{Key: "name", Msg: "a metric threshold needs the metric's name"}
	}
	if err := checkMatch(m.Match); err != nil {
		return &yamlstrict.FieldError{Key: "match", Msg: err.Error()}
	}
	if m.Over != nil {
		if m.Over.Name == "" {
			return &yamlstrict.FieldError{Key: "over", Msg: "the denominator needs a metric name"}
		}
		if err := checkMatch(m.Over.Match); err != nil {
			return &yamlstrict.FieldError{Key: "over", Msg: err.Error()}
		}
	}
	return nil
}

func checkMatch(m map[string]string) error {
	for label, re := range m {
		if _, err := regexp.Compile("^(?:" + re + ")$"); err != nil {
			return fmt.Errorf("label %s: %q is not a regular expression: %v", label, re, err)
		}
	}
	return nil
}

// CheckYAML validates a render target.
func (r *Render) CheckYAML() error {
	if r.Environment == "" {
		return &yamlstrict.FieldError{Key: "environment", Msg: "a render target needs the environment it renders"}
	}
	if !slices.Contains(Formats, r.Format) {
		return &yamlstrict.FieldError{Key: "format", Msg: fmt.Sprintf("%q is not a format; use one of %s", r.Format, strings.Join(Formats, ", "))}
	}
	if r.Path == "" {
		return &yamlstrict.FieldError{Key: "path", Msg: "a render target needs a path"}
	}
	if err := checkRepoPath(r.Path); err != nil {
		return &yamlstrict.FieldError{Key: "path", Msg: err.Error()}
	}
	return nil
}

// CheckYAML validates the GitHub permission.
func (g *GitHubAuthorization) CheckYAML() error {
	if !slices.Contains(Permissions, g.MinPermission) {
		return &yamlstrict.FieldError{Key: "min_permission", Msg: fmt.Sprintf("%q is not a permission; use one of %s", g.MinPermission, strings.Join(Permissions, ", "))}
	}
	return nil
}

// CheckYAML validates a notes category.
func (c *Category) CheckYAML() error {
	if c.Title == "" {
		return &yamlstrict.FieldError{Key: "title", Msg: "a category needs a title"}
	}
	if len(c.Types) == 0 && len(c.Labels) == 0 {
		return &yamlstrict.FieldError{Key: "types", Msg: "a category needs commit types, labels, or both"}
	}
	return nil
}

// Environment returns the named environment's settings, or an empty one.
func (c *Config) Environment(name string) *Environment {
	if e := c.Environments[name]; e != nil {
		return e
	}
	return &Environment{}
}

// RendersFor returns the render targets of one environment.
func (c *Config) RendersFor(env string) []Render {
	var out []Render
	for _, r := range c.Render {
		if r.Environment == env {
			out = append(out, r)
		}
	}
	return out
}

// StepAfter returns the first configured canary step above percent, or 0 when
// there is none.
func (c *Config) StepAfter(percent int) int {
	for _, s := range c.Canary.Steps {
		if s > percent {
			return s
		}
	}
	return 0
}
