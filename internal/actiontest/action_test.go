package actiontest

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// root is the repository's top directory, found from this file's path so the
// test does not depend on the directory go test runs it in.
func root(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller failed")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func readRepoFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return b
}

// actionFile is action.yml's schema as GitHub documents it for a Docker
// container action; decoding with KnownFields makes any other key a failure.
type actionFile struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Author      string `yaml:"author"`
	Branding    struct {
		Icon  string `yaml:"icon"`
		Color string `yaml:"color"`
	} `yaml:"branding"`
	Inputs map[string]struct {
		Description        string  `yaml:"description"`
		Required           bool    `yaml:"required"`
		Default            *string `yaml:"default"`
		DeprecationMessage string  `yaml:"deprecationMessage"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
	} `yaml:"outputs"`
	Runs struct {
		Using      string            `yaml:"using"`
		Image      string            `yaml:"image"`
		Entrypoint string            `yaml:"entrypoint"`
		Args       []string          `yaml:"args"`
		Env        map[string]string `yaml:"env"`
	} `yaml:"runs"`
}

func decodeAction(t *testing.T, data []byte) (actionFile, error) {
	t.Helper()
	var a actionFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(&a)
	return a, err
}

// Copied from DESIGN §2 by hand: a change to action.yml's names or defaults
// is a change to the contract and must change this table too.
var designInputs = []struct {
	name string
	def  *string // nil: no default
}{
	{"github-token", ptr("${{ github.token }}")},
	{"config", ptr(".github/releasebot.yml")},
	{"slack-bot-token", nil},
	{"slack-channel", nil},
	{"sentry-auth-token", nil},
	{"sentry-org", nil},
	{"sentry-project", nil},
	{"dry-run", ptr("false")},
	{"fail-on-audit", ptr("false")},
	{"deploy-workflow", nil},
}

var designOutputs = []string{
	"version", "release-pr", "release-url", "notes-path", "audit-status", "mode", "flag-commit",
}

func ptr(s string) *string { return &s }

func TestActionMatchesDesign(t *testing.T) {
	a, err := decodeAction(t, readRepoFile(t, "action.yml"))
	if err != nil {
		t.Fatalf("action.yml does not decode strictly: %v", err)
	}
	if a.Runs.Using != "docker" || a.Runs.Image != "Dockerfile" {
		t.Errorf("runs = {using: %q, image: %q}, want {using: docker, image: Dockerfile}", a.Runs.Using, a.Runs.Image)
	}
	// The Dockerfile's ENTRYPOINT is the contract; action.yml must not
	// override it or pass arguments that the binary would have to know about.
	if a.Runs.Entrypoint != "" || len(a.Runs.Args) != 0 || len(a.Runs.Env) != 0 {
		t.Errorf("runs overrides the image: entrypoint %q, args %q, env %v", a.Runs.Entrypoint, a.Runs.Args, a.Runs.Env)
	}
	if a.Name == "" || strings.TrimSpace(a.Description) == "" {
		t.Error("action.yml needs a name and a description (the Marketplace lists them)")
	}
	if a.Branding.Icon == "" || a.Branding.Color == "" {
		t.Errorf("branding = %+v, want an icon and a color", a.Branding)
	}

	want := map[string]bool{}
	for _, in := range designInputs {
		want[in.name] = true
		got, ok := a.Inputs[in.name]
		if !ok {
			t.Errorf("input %q is missing", in.name)
			continue
		}
		if strings.TrimSpace(got.Description) == "" {
			t.Errorf("input %q has no description", in.name)
		}
		// Every input is optional: a required input without a default would
		// fail a workflow that relies on the design's defaults.
		if got.Required {
			t.Errorf("input %q is required; DESIGN §2 makes every input optional", in.name)
		}
		switch {
		case in.def == nil && got.Default != nil:
			t.Errorf("input %q has default %q, DESIGN §2 gives none", in.name, *got.Default)
		case in.def != nil && got.Default == nil:
			t.Errorf("input %q has no default, want %q", in.name, *in.def)
		case in.def != nil && *got.Default != *in.def:
			t.Errorf("input %q default = %q, want %q", in.name, *got.Default, *in.def)
		}
	}
	for name := range a.Inputs {
		if !want[name] {
			t.Errorf("input %q is not in DESIGN §2", name)
		}
	}

	var outs []string
	for name, o := range a.Outputs {
		outs = append(outs, name)
		if strings.TrimSpace(o.Description) == "" {
			t.Errorf("output %q has no description", name)
		}
	}
	sort.Strings(outs)
	wantOuts := append([]string(nil), designOutputs...)
	sort.Strings(wantOuts)
	if strings.Join(outs, ",") != strings.Join(wantOuts, ",") {
		t.Errorf("outputs = %v, want exactly %v", outs, wantOuts)
	}
}

// The strict decoding above is what catches a misspelt key; check that it
// does, so the test cannot pass on a file it silently half-read.
func TestActionDecodeIsStrict(t *testing.T) {
	for _, tc := range []struct{ name, yml string }{
		{"unknown top-level key", "name: x\nrunz: {using: docker}\n"},
		{"misspelt input field", "inputs:\n  config:\n    defualt: x\n"},
		{"unknown runs key", "runs:\n  using: docker\n  pre-entrypoint: /x\n"},
		{"wrong type", "inputs:\n  config:\n    required: maybe\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeAction(t, []byte(tc.yml)); err == nil {
				t.Errorf("decoding %q succeeded, want an error", tc.yml)
			}
		})
	}
}
