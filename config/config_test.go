package config

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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
		{"empty threshold", "canary:\n  gates:\n    metrics:\n      -\n", `cfg.yml:4:8: canary.gates.metrics[0]: an empty list item; give it a value or remove it`},
		{"empty render target", "render: [~]\n", `cfg.yml:1:10: render[0]: an empty list item`},
		{"empty header", "environments:\n  stage:\n    headers: {Authorization: }\n", `cfg.yml:3:30: environments.stage.headers.Authorization: expected a string`},
		{"not UTF-8", "sentry: {org: \"acme\xff\"}\n", `cfg.yml:1:20: the file is not valid UTF-8 (invalid leading UTF-8 octet); save it as UTF-8`},
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
	// The real environment holds the secret too, so that a Parse, String or
	// Vars that expanded from os.Getenv would be caught.
	t.Setenv("STAGE_TOKEN", secret)
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
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%+v", *c), fmt.Sprintf("%+v", *c.Environment("stage")), h.String(), fmt.Sprint(h.Vars()), string(js)} {
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
	f.Add("render: [{environment: a, format: json, path: b}, {environment: a, format: json, path: B/c}]\n")
	f.Add("flags_file: x\nrender: [{environment: a, format: json, path: X}]\n")
	f.Add("environments: {stage: {headers: {Authorization: \"Bearer ${STAGE_TOKEN}\"}}}\n")
	f.Add("audit: {metrics: [{name: x, match: {code: \"5..\"}, over: {name: y}, max: 0.5}]}\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse("cfg.yml", []byte(in))
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "cfg.yml") || strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error is not one line naming the file: %q", msg)
			}
			return
		}
		if c == nil || c.Source != "cfg.yml" {
			t.Fatalf("config %+v without error", c)
		}
		// What loads is what the checks promise.
		for i, s := range c.Canary.Steps {
			if s < 1 || s > 100 || i > 0 && s <= c.Canary.Steps[i-1] {
				t.Fatalf("steps %v loaded", c.Canary.Steps)
			}
		}
		for _, p := range []string{c.FlagsFile, c.Runbook} {
			if checkRepoPath(p) != nil || p == "" {
				t.Fatalf("path %q loaded", p)
			}
		}
		for _, r := range c.Render {
			if !slices.Contains(Formats, r.Format) || checkRepoPath(r.Path) != nil || r.Environment == "" {
				t.Fatalf("render target %+v loaded", r)
			}
		}
		// No file a flag commit writes is, holds or sits inside another
		// file releasebot reads or writes, in any letter case.
		files := []string{DefaultPath, c.Runbook, NotesFile, c.FlagsFile}
		for _, r := range c.Render {
			files = append(files, r.Path)
		}
		for i := 3; i < len(files); i++ {
			for j := range i {
				a, b := strings.ToLower(files[i]), strings.ToLower(files[j])
				if a == b || strings.HasPrefix(a, b+"/") || strings.HasPrefix(b, a+"/") {
					t.Fatalf("%q and %q both loaded", files[i], files[j])
				}
			}
		}
		if !slices.Contains(Permissions, c.Authorization.GitHub.MinPermission) {
			t.Fatalf("permission %q loaded", c.Authorization.GitHub.MinPermission)
		}
		for _, m := range append(append([]MetricThreshold(nil), c.Audit.Metrics...), c.Canary.Gates.Metrics...) {
			if m.Name == "" || checkMatch(m.Match) != nil || m.Over != nil && (m.Over.Name == "" || checkMatch(m.Over.Match) != nil) {
				t.Fatalf("threshold %+v loaded", m)
			}
		}
		// Every ${VAR} a header names is a variable name, and a value with
		// every variable set expands without error.
		for name, e := range c.Environments {
			if !envNameRe.MatchString(name) {
				t.Fatalf("environment %q loaded", name)
			}
			if e == nil {
				continue
			}
			for _, h := range e.Headers {
				for _, v := range h.Vars() {
					if !varNameRe.MatchString(v) {
						t.Fatalf("template %q refers to %q", h, v)
					}
				}
				if _, err := h.Expand(func(string) string { return "x" }); err != nil {
					t.Fatalf("template %q does not expand: %v", h, err)
				}
			}
		}
		// Parsing is a function of the input.
		again, err := Parse("cfg.yml", []byte(in))
		if err != nil || !reflect.DeepEqual(c, again) {
			t.Fatalf("a second parse differs: %v", err)
		}
	})
}

func TestCheckDefaultEnvironment(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		file     string
		fileEnvs []string
		want     string // "" for no error
	}{
		{"known from the flag file", "default_environment: live\n", []string{"stage", "live"}, ""},
		{"known from the configuration", "environments: {live: {}}\ndefault_environment: live\n", nil, ""},
		{"unknown", "# comment\n\ndefault_environment: nope\n", []string{"stage", "prod"}, `.github/releasebot.yml:3: default_environment: "nope" is not one of the environments (prod, stage); name one of them`},
		{"misspelt", "default_environment: prdo\n", []string{"stage", "prod"}, `.github/releasebot.yml:1: default_environment: "prdo" is not one of the environments (prod, stage); did you mean prod?`},
		{"other case", "default_environment: PROD\n", []string{"prod"}, `default_environment: "PROD" is not one of the environments (prod); did you mean prod?`},
		{"union of both", "environments: {qa: {}}\ndefault_environment: prd\n", []string{"prod"}, `.github/releasebot.yml:2: default_environment: "prd" is not one of the environments (prod, qa); did you mean prod?`},
		{"quoted", "default_environment: \"nope\"\n", []string{"prod"}, `.github/releasebot.yml:1: default_environment: "nope" is not one of the environments (prod)`},
		{"no environments known", "default_environment: nope\n", nil, ""},
		// Left to its default, prod is not the configuration's to explain.
		{"implicit default", "tag_prefix: v\n", []string{"stage", "live"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(DefaultPath, []byte(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			err = c.CheckDefaultEnvironment(tt.fileEnvs)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	if err := Default().CheckDefaultEnvironment([]string{"stage"}); err != nil {
		t.Errorf("built-in defaults: %v", err)
	}
}
