package actiontest

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// workflow is the part of a workflow file these tests read. actionlint checks
// the syntax in .ci/run; these tests check what DESIGN §2 asks of the example.
type workflow struct {
	On struct {
		Push *struct {
			Branches []string `yaml:"branches"`
		} `yaml:"push"`
		IssueComment *struct {
			Types []string `yaml:"types"`
		} `yaml:"issue_comment"`
	} `yaml:"on"`
	Triggers    map[string]any    `yaml:"-"` // every key under on:, a null one included
	Permissions map[string]string `yaml:"permissions"`
	Concurrency struct {
		Group            string `yaml:"group"`
		CancelInProgress bool   `yaml:"cancel-in-progress"`
	} `yaml:"concurrency"`
	Jobs map[string]struct {
		Steps []struct {
			ID   string            `yaml:"id"`
			Uses string            `yaml:"uses"`
			With map[string]string `yaml:"with"`
			Run  string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func readWorkflow(t *testing.T, name string) workflow {
	t.Helper()
	var w workflow
	if err := yaml.NewDecoder(bytes.NewReader(readRepoFile(t, name))).Decode(&w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var raw struct {
		On map[string]any `yaml:"on"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, name), &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	w.Triggers = raw.On
	return w
}

// DESIGN §2: contents, pull-requests and issues write; checks and statuses
// read; actions write only with deploy-workflow, which the example leaves off.
var leastPrivilege = map[string]string{
	"contents":      "write",
	"pull-requests": "write",
	"issues":        "write",
	"checks":        "read",
	"statuses":      "read",
}

func TestReleaseWorkflowIsTheDesignsExample(t *testing.T) {
	w := readWorkflow(t, ".github/workflows/release.yml")
	if w.On.Push == nil || !reflect.DeepEqual(w.On.Push.Branches, []string{"main"}) {
		t.Errorf("on.push = %+v, want branches [main]", w.On.Push)
	}
	if w.On.IssueComment == nil || !reflect.DeepEqual(w.On.IssueComment.Types, []string{"created"}) {
		t.Errorf("on.issue_comment = %+v, want types [created] (edited comments are not commands)", w.On.IssueComment)
	}
	for trigger := range w.Triggers {
		if trigger != "push" && trigger != "issue_comment" {
			t.Errorf("release.yml also runs on %s; the example runs on push and issue_comment only", trigger)
		}
	}
	if !reflect.DeepEqual(w.Permissions, leastPrivilege) {
		t.Errorf("permissions = %v, want exactly %v", w.Permissions, leastPrivilege)
	}
	if w.Concurrency.Group == "" || w.Concurrency.CancelInProgress {
		t.Errorf("concurrency = %+v, want a group and no cancelling (a cancelled run would drop a command)", w.Concurrency)
	}

	inputs := map[string]bool{}
	a, err := decodeAction(t, readRepoFile(t, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for name := range a.Inputs {
		inputs[name] = true
	}
	var checkout, action int
	for _, job := range w.Jobs {
		for _, s := range job.Steps {
			switch {
			case strings.HasPrefix(s.Uses, "actions/checkout@"):
				checkout++
				if s.Uses != "actions/checkout@v4" {
					t.Errorf("checkout is %s, want actions/checkout@v4", s.Uses)
				}
				// The Action must work on checkout's defaults; the example
				// must not hide a dependence on fetch-depth: 0.
				if len(s.With) != 0 {
					t.Errorf("checkout has with: %v; the example keeps the defaults", s.With)
				}
			case s.Uses == "./" || strings.HasPrefix(s.Uses, "releasebot/releasebot") || strings.HasPrefix(s.Uses, "docker://ghcr.io/releasebot/"):
				action++
				for k, v := range s.With {
					if !inputs[k] {
						t.Errorf("the action step passes %q, which action.yml does not declare", k)
					}
					// A token in the file would be a leaked secret.
					if strings.Contains(k, "token") && !strings.HasPrefix(v, "${{ secrets.") {
						t.Errorf("input %s = %q, want it from ${{ secrets.… }}", k, v)
					}
				}
			}
		}
	}
	if checkout != 1 || action != 1 {
		t.Errorf("found %d checkout and %d releasebot steps, want one each", checkout, action)
	}
}

func TestCIWorkflowRunsTheCIScript(t *testing.T) {
	w := readWorkflow(t, ".github/workflows/ci.yml")
	_, push := w.Triggers["push"]
	_, pr := w.Triggers["pull_request"]
	if !push || !pr {
		t.Errorf("ci.yml must run on push and pull_request")
	}
	if !reflect.DeepEqual(w.Permissions, map[string]string{"contents": "read"}) {
		t.Errorf("ci.yml permissions = %v, want contents: read only", w.Permissions)
	}
	var runs bool
	for _, job := range w.Jobs {
		for _, s := range job.Steps {
			if strings.Contains(s.Run, "bash .ci/run") {
				runs = true
			}
		}
	}
	if !runs {
		t.Error("ci.yml does not run bash .ci/run")
	}
}
