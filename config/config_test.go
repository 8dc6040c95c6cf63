package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseDesignExample(t *testing.T) {
	data, err := os.ReadFile("testdata/design.yml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(".github/releasebot.yml", data)
	if err != nil {
		t.Fatal(err)
	}
	if c.Branch != "main" || c.DefaultEnvironment != "prod" || c.Source != ".github/releasebot.yml" {
		t.Errorf("scalars: %+v", c)
	}
	st := c.Environment("stage")
	if st.HealthURL != "https://stage.example.com/health" || st.ReleaseSuffix != "+stage" || st.Headers["Authorization"] != "Bearer ${STAGE_TOKEN}" {
		t.Errorf("stage: %+v", st)
	}
	if got := c.Canary.Gates.Metrics[1]; got.Over == nil || got.Over.Name != "http_requests_total" || got.Max != 0.01 || got.Match["code"] != "5.." {
		t.Errorf("ratio threshold: %+v", got)
	}
	if len(c.RendersFor("prod")) != 2 || c.Render[1].Format != "flagd" {
		t.Errorf("render: %+v", c.Render)
	}
	if !reflect.DeepEqual(c.Authorization.Slack.Usergroups, []string{"S0456"}) || c.Sentry.Project != "web" {
		t.Errorf("authorization/sentry: %+v %+v", c.Authorization, c.Sentry)
	}
	if c.StepAfter(10) != 50 || c.StepAfter(100) != 0 {
		t.Errorf("StepAfter")
	}
}

func TestDefaults(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.TagPrefix != "v" || c.FlagsFile != ".release/flags.yaml" || c.Runbook != "RUNBOOK.md" ||
		c.DefaultEnvironment != "prod" || !reflect.DeepEqual(c.Canary.Steps, []int{10, 50, 100}) ||
		!*c.Canary.Gates.Health || *c.Canary.Gates.MaxSentryIssues != 0 ||
		c.Authorization.GitHub.MinPermission != "write" || len(c.Notes.Categories) != 3 || c.Source != "built-in defaults" {
		t.Errorf("defaults: %+v", c)
	}
	// An explicitly named file must exist.
	if _, err := Load(dir, "missing.yml"); err == nil || !strings.Contains(err.Error(), "missing.yml") {
		t.Errorf("explicit missing file: %v", err)
	}
	// A file that sets one key keeps the other defaults; a list replaces.
	os.MkdirAll(filepath.Join(dir, ".github"), 0o755)
	os.WriteFile(filepath.Join(dir, DefaultPath), []byte("canary:\n  steps: [5, 25]\n"), 0o644)
	c, err = Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Canary.Steps, []int{5, 25}) || !*c.Canary.Gates.Health || c.TagPrefix != "v" {
		t.Errorf("partial file: %+v", c.Canary)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"unknown top-level key", "brnach: main\n", `cfg.yml:1:1: brnach: unknown key (did you mean "branch"?)`},
		{"unknown nested key", "canary:\n  gates:\n    helth: true\n", `cfg.yml:3:5: canary.gates.helth: unknown key (did you mean "health"?)`},
		{"wrong type", "canary:\n  steps: 50\n", `cfg.yml:2:10: canary.steps: expected a list, got "50"`},
		{"steps not rising", "canary:\n  steps: [50, 10]\n", `cfg.yml:2:3: canary.steps: steps must rise: 10 comes after 50`},
		{"step out of range", "canary:\n  steps: [10, 150]\n", `cfg.yml:2:3: canary.steps: step 2 is 150; steps are percentages from 1 to 100`},
		{"bad render format", "render:\n  - {environment: prod, format: yaml, path: x}\n", `cfg.yml:2:25: render[0].format: "yaml" is not a format; use one of dotenv, flagd, json`},
		{"render path escapes", "render:\n  - {environment: prod, format: json, path: ../x.json}\n", `render[0].path: "../x.json" must be a file inside the repository`},
		{"bad permission", "authorization:\n  github: {min_permission: owner}\n", `authorization.github.min_permission: "owner" is not a permission`},
		{"bad regexp", "canary:\n  gates:\n    metrics:\n      - {name: x, match: {code: \"5(\"}, max: 0}\n", `canary.gates.metrics[0].match: label code: "5(" is not a regular expression`},
		{"threshold without name", "audit:\n  metrics:\n    - {max: 1}\n", `audit.metrics[0].name: a metric threshold needs the metric's name`},
		{"bad template var", "environments:\n  stage:\n    headers: {Authorization: \"Bearer ${1X}\"}\n", `environments.stage.headers.Authorization: ${1X} is not an environment variable name`},
		{"bad env name", "default_environment: \"prod env\"\n", `default_environment: "prod env" is not an environment name`},
		{"flags file in .git", "flags_file: .git/flags.yaml\n", `flags_file: ".git/flags.yaml" is inside .git`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("cfg.yml", []byte(tt.in))
			if err == nil {
				t.Fatalf("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestTemplateNeverPrintsTheSecret(t *testing.T) {
	c, err := Parse("cfg.yml", []byte("environments:\n  stage:\n    headers: {Authorization: \"Bearer ${STAGE_TOKEN}\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	secret := "s3cr3t-value"
	getenv := func(k string) string {
		if k == "STAGE_TOKEN" {
			return secret
		}
		return ""
	}
	h := c.Environment("stage").Headers["Authorization"]
	v, err := h.Expand(getenv)
	if err != nil || v != "Bearer "+secret {
		t.Fatalf("Expand = %q, %v", v, err)
	}
	for _, s := range []string{fmt.Sprintf("%v", c), fmt.Sprintf("%+v", *c.Environment("stage")), h.String(), fmt.Sprint(h.Vars())} {
		if strings.Contains(s, secret) {
			t.Errorf("secret printed: %s", s)
		}
	}
	if _, err := h.Expand(func(string) string { return "" }); err == nil || err.Error() != "environment variable STAGE_TOKEN is not set" {
		t.Errorf("missing variable: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/design.yml"); err == nil {
		f.Add(string(data))
	}
	f.Add("canary: {steps: [1]}\n")
	f.Add("render: [{environment: a, format: json, path: b}]\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse("cfg.yml", []byte(in))
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
	})
}
