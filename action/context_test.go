package action

import (
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/failure"
)

func actionsEnv() env {
	return env{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_EVENT_NAME":   "push",
		"GITHUB_EVENT_PATH":   "/github/workflow/event.json",
		"GITHUB_REPOSITORY":   "acme/app",
		"GITHUB_SHA":          "2222222222222222222222222222222222222222",
		"GITHUB_REF":          "refs/heads/main",
		"GITHUB_REF_NAME":     "main",
		"GITHUB_WORKSPACE":    "/github/workspace",
		"GITHUB_API_URL":      "https://api.github.com/",
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_ACTOR":        "octocat",
		"GITHUB_RUN_ID":       "42",
		"GITHUB_OUTPUT":       "/github/file_commands/set_output",
		"GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary",
	}
}

func TestContext(t *testing.T) {
	t.Parallel()
	rt, _ := newRT(actionsEnv())
	c, err := rt.Context()
	if err != nil {
		t.Fatal(err)
	}
	want := Context{
		EventName: "push", EventPath: "/github/workflow/event.json", Repository: "acme/app", Owner: "acme", Repo: "app",
		SHA: "2222222222222222222222222222222222222222", Ref: "refs/heads/main", RefName: "main",
		Workspace: "/github/workspace", APIURL: "https://api.github.com", ServerURL: "https://github.com",
		Actor: "octocat", RunID: "42", Output: "/github/file_commands/set_output", StepSummary: "/github/file_commands/step_summary",
	}
	if c != want {
		t.Errorf("Context = %+v\nwant %+v", c, want)
	}

	e := actionsEnv()
	delete(e, "GITHUB_REF_NAME")
	e["GITHUB_REF"] = "refs/tags/v1.3.0"
	rt, _ = newRT(e)
	if c, err := rt.Context(); err != nil || c.RefName != "v1.3.0" {
		t.Errorf("RefName derived = %q, %v", c.RefName, err)
	}
}

func TestContextRefuses(t *testing.T) {
	t.Parallel()
	type tc struct {
		name  string
		edit  func(env)
		names string // in the message
		never string // never in the message
	}
	cases := []tc{
		{"not in actions", func(e env) { e["GITHUB_ACTIONS"] = "" }, "GITHUB_ACTIONS", ""},
		{"actions false", func(e env) { e["GITHUB_ACTIONS"] = "false" }, "GITHUB_ACTIONS", ""},
		{"repository without owner", func(e env) { e["GITHUB_REPOSITORY"] = "app" }, "GITHUB_REPOSITORY", ""},
		{"repository with path", func(e env) { e["GITHUB_REPOSITORY"] = "acme/app/../x" }, "GITHUB_REPOSITORY", ""},
		{"repository with newline", func(e env) { e["GITHUB_REPOSITORY"] = "acme/app\n::error::x" }, "GITHUB_REPOSITORY", "\n"},
		{"short sha", func(e env) { e["GITHUB_SHA"] = "abc123" }, "GITHUB_SHA", ""},
		{"upper-case sha", func(e env) { e["GITHUB_SHA"] = strings.Repeat("A", 40) }, "GITHUB_SHA", ""},
		{"short ref", func(e env) { e["GITHUB_REF"] = "main" }, "GITHUB_REF", ""},
		{"api url with credentials", func(e env) { e["GITHUB_API_URL"] = "https://x:ghp_secret@api.github.com" }, "GITHUB_API_URL", "ghp_secret"},
		{"api url file scheme", func(e env) { e["GITHUB_API_URL"] = "file:///etc/passwd" }, "GITHUB_API_URL", "passwd"},
		{"api url no host", func(e env) { e["GITHUB_API_URL"] = "https://" }, "GITHUB_API_URL", ""},
		{"server url with query", func(e env) { e["GITHUB_SERVER_URL"] = "https://github.com/?token=ghp_secret" }, "GITHUB_SERVER_URL", "ghp_secret"},
	}
	for _, v := range []string{"GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_REF", "GITHUB_WORKSPACE", "GITHUB_API_URL", "GITHUB_SERVER_URL"} {
		cases = append(cases, tc{"missing " + v, func(e env) { delete(e, v) }, v + " is not set", ""},
			tc{"blank " + v, func(e env) { e[v] = "  " }, v + " is not set", ""})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := actionsEnv()
			c.edit(e)
			rt, _ := newRT(e)
			_, err := rt.Context()
			if failure.KindOf(err) != failure.BadInput {
				t.Fatalf("err = %v, want BadInput", err)
			}
			if !strings.Contains(err.Error(), c.names) {
				t.Errorf("%q does not name %s", err, c.names)
			}
			if c.never != "" && strings.Contains(err.Error(), c.never) {
				t.Errorf("%q shows %q", err, c.never)
			}
		})
	}
	// Optional ones may be missing.
	e := actionsEnv()
	for _, v := range []string{"GITHUB_ACTOR", "GITHUB_RUN_ID", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_REF_NAME"} {
		delete(e, v)
	}
	rt, _ := newRT(e)
	if _, err := rt.Context(); err != nil {
		t.Errorf("optional variables missing: %v", err)
	}
}
