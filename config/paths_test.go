package config

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// renderAt is a configuration whose only render target is path, on line 2.
func renderAt(path string) string {
	return "render:\n  - {environment: prod, format: dotenv, path: " + quoteYAML(path) + "}\n"
}

func quoteYAML(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`, "\u200c", `\u200c`)
	return `"` + r.Replace(s) + `"`
}

// TestRenderPathsAreCheckedAsASet tries the ways a render target (or the
// flag file) could land on a file releasebot reads or writes: the same path,
// the same file on a case-insensitive file system, a parent or child
// directory, and spellings git would store differently.
func TestRenderPathsAreCheckedAsASet(t *testing.T) {
	tests := []struct{ name, in, want string }{
		// The flag file.
		{"flag file", renderAt(".release/flags.yaml"), `".release/flags.yaml" is also the flag file (flags_file); a flag commit would overwrite it`},
		{"flag file, other case", renderAt(".Release/Flags.YAML"), `".Release/Flags.YAML" is the same file as the flag file (flags_file) (".release/flags.yaml") on a case-insensitive file system`},
		{"flag file, trailing dot", renderAt(".release/flags.yaml."), `is the same file as the flag file`},
		{"flag file, trailing space", renderAt(".release/flags.yaml "), `is the same file as the flag file`},
		{"flag file, ignorable code point", renderAt(".release/fla\u200cgs.yaml"), `is the same file as the flag file`},
		{"flag file's directory", renderAt(".release"), `".release" is a directory holding the flag file (flags_file) (".release/flags.yaml"), and a file cannot be both`},
		{"flag file's directory, other case", renderAt(".RELEASE"), `".RELEASE" is a directory holding the flag file`},
		{"inside the flag file", renderAt(".release/flags.yaml/prod.env"), `would be a file inside the flag file (flags_file) (".release/flags.yaml"), which is a file`},
		{"moved flag file", "flags_file: deploy/flags.yaml\n" + "render:\n  - {environment: prod, format: dotenv, path: Deploy/Flags.yaml}\n", "\"Deploy/Flags.yaml\" is the same file as the flag file (flags_file) (\"deploy/flags.yaml\")"},
		// Spellings that are the flag file to the file system, but not to git.
		{"dot slash", renderAt("./.release/flags.yaml"), `"./.release/flags.yaml" is not in the form git stores; write it as .release/flags.yaml`},
		{"dot dot", renderAt("x/../.release/flags.yaml"), `is not in the form git stores; write it as .release/flags.yaml`},
		{"double slash", renderAt(".release//flags.yaml"), `is not in the form git stores`},
		{"inner dot", renderAt(".release/./flags.yaml"), `is not in the form git stores`},
		{"trailing slash", renderAt("deploy/"), `"deploy/" ends with /; name a file`},
		{"backslash", renderAt(`.release\flags.yaml`), `contains \; separate directories with /`},
		{"absolute", renderAt("/etc/releasebot.env"), `"/etc/releasebot.env" must be a path inside the repository, not absolute`},
		{"drive letter", renderAt("C:/deploy/prod.env"), `must be a path inside the repository, not absolute`},
		{"escapes", renderAt("../other/prod.env"), `"../other/prod.env" must be a file inside the repository`},
		{"newline", renderAt("deploy/prod.env\n100644 0000000000000000000000000000000000000000\tREADME.md"), `contains a control character`},
		{"tab", renderAt("deploy/prod\t.env"), `contains a control character`},
		// The configuration, the runbook, the release notes.
		{"configuration", renderAt(".github/releasebot.yml"), `".github/releasebot.yml" is also the configuration file`},
		{"configuration, other case", renderAt(".GitHub/ReleaseBot.yml"), `is the same file as the configuration file (".github/releasebot.yml")`},
		{"configuration's directory", renderAt(".github"), `".github" is a directory holding the configuration file`},
		{"runbook", renderAt("runbook.md"), `"runbook.md" is the same file as the runbook (runbook) ("RUNBOOK.md")`},
		{"release notes", renderAt("RELEASE_NOTES.md"), `is also the release notes`},
		// git's own names.
		{".git", renderAt(".git/config"), `".git/config" is inside .git`},
		{".git itself", renderAt(".git"), `is inside .git`},
		{".GIT", renderAt(".GIT/hooks/pre-commit"), `is inside .git`},
		{".git deeper", renderAt("sub/.Git/config"), `is inside .git`},
		{".git with a trailing dot", renderAt(".git./config"), `is inside .git`},
		{".git, NTFS short name", renderAt("GIT~1/config"), `is inside .git`},
		{".git, HFS ignorable", renderAt(".g\u200cit/config"), `is inside .git`},
		{".gitattributes", renderAt(".gitattributes"), `is git's .gitattributes file`},
		{".gitignore deeper, other case", renderAt("deploy/.GitIgnore"), `is git's .gitignore file`},
		{".gitmodules", renderAt(".gitmodules"), `is git's .gitmodules file`},
		// Render targets against each other.
		{"two targets, one path", "render:\n  - {environment: prod, format: dotenv, path: deploy/prod.env}\n  - {environment: stage, format: dotenv, path: deploy/prod.env}\n",
			`"deploy/prod.env" is also render[0].path`},
		{"two targets, one file on macOS", "render:\n  - {environment: prod, format: dotenv, path: deploy/prod.env}\n  - {environment: stage, format: json, path: Deploy/Prod.ENV}\n",
			`"Deploy/Prod.ENV" is the same file as render[0].path ("deploy/prod.env")`},
		{"a target is another's directory", "render:\n  - {environment: prod, format: dotenv, path: deploy/prod.env}\n  - {environment: stage, format: json, path: deploy}\n",
			`"deploy" is a directory holding render[0].path ("deploy/prod.env")`},
		{"a target inside another", "render:\n  - {environment: prod, format: json, path: deploy}\n  - {environment: stage, format: dotenv, path: deploy/stage.env}\n",
			`"deploy/stage.env" would be a file inside render[0].path ("deploy"), which is a file`},
		{"an alias repeats a target", "render:\n  - &t {environment: prod, format: json, path: deploy/prod.json}\n  - *t\n",
			`render[1].path: "deploy/prod.json" is also render[0].path`},
		{"block style", "render:\n  - environment: prod\n    format: json\n    path: .release\n", `".release" is a directory holding the flag file`},
		// The flag file itself.
		{"flag file is the configuration", "flags_file: .github/releasebot.yml\n", `".github/releasebot.yml" is also the configuration file`},
		{"flag file is the runbook", "flags_file: Runbook.md\n", `"Runbook.md" is the same file as the runbook (runbook) ("RUNBOOK.md")`},
		{"runbook is the flag file", "runbook: .release\n", `".release" is a directory holding the flag file (flags_file) (".release/flags.yaml")`},
		{"flag file in .git, case", "flags_file: .Git/flags.yaml\n", `flags_file: ".Git/flags.yaml" is inside .git`},
		{"flag file dot slash", "flags_file: ./.release/flags.yaml\n", `flags_file: "./.release/flags.yaml" is not in the form git stores`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("cfg.yml", []byte(tt.in))
			if err == nil {
				t.Fatalf("loaded: %+v", c.Render)
			}
			msg := err.Error()
			if at := where(tt.in, msg); !strings.HasPrefix(msg, at) {
				t.Errorf("got  %s\nwant it at %s", msg, at)
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("got  %s\nwant %s", msg, tt.want)
			}
			if !strings.HasPrefix(msg, "cfg.yml:") || strings.ContainsAny(msg, "\r\n") {
				t.Errorf("not one line naming the file and line: %q", msg)
			}
		})
	}
}

func TestRenderPathsThatDoNotClash(t *testing.T) {
	for _, in := range []string{
		"render:\n  - {environment: prod, format: dotenv, path: deploy/prod.env}\n  - {environment: prod, format: flagd, path: deploy/prod.flagd.json}\n",
		renderAt(".release/flags.yaml.env"),
		renderAt(".release/prod.env"),
		renderAt(".github/flags.env"),
		renderAt(".gitlab-ci.env"),
		renderAt("git/prod.env"),
		renderAt("release/flags.yaml"),
		renderAt("deploy/prod"),
		"flags_file: deploy/flags.yaml\n" + renderAt(".release/flags.yaml"),
		"render:\n  - {environment: prod, format: dotenv, path: deploy/prod}\n  - {environment: prod, format: json, path: deploy/prod.json}\n",
	} {
		if _, err := Parse("cfg.yml", []byte(in)); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}

// TestLoadReservesTheConfigurationItReads: with --config, the file named is
// as much off limits to a render target as the default one.
func TestLoadReservesTheConfigurationItReads(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "ci"), 0o755)
	for _, tt := range []struct{ file, path string }{
		{"ci/releasebot.yml", "ci/releasebot.yml"},
		{"ci/releasebot.yml", "CI/ReleaseBot.YML"},
		{"ci/releasebot.yml", "ci"},
		{filepath.Join(dir, "ci", "releasebot.yml"), "ci/releasebot.yml"},
		{"ci/releasebot.yml", ".github/releasebot.yml"},
	} {
		if err := os.WriteFile(filepath.Join(dir, "ci", "releasebot.yml"), []byte(renderAt(tt.path)), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(dir, tt.file)
		if err == nil || !strings.Contains(err.Error(), "render[0].path: ") || !strings.Contains(err.Error(), "the configuration file") {
			t.Errorf("--config %s, render %s: %v", tt.file, tt.path, err)
		}
	}
}

// where is the position an error about the key it names must have: the
// line and column of that key in the input.
func where(in, msg string) string {
	_, rest, _ := strings.Cut(msg, ": ")
	key, _, _ := strings.Cut(rest, ": ")
	name := key
	n := 0
	if i := strings.Index(key, "]."); i > 0 {
		n, _ = strconv.Atoi(key[strings.Index(key, "[")+1 : i])
		name = key[i+2:]
	}
	lines := strings.Split(in, "\n")
	seen := -1
	for i, l := range lines {
		if j := strings.Index(l, name+":"); j >= 0 {
			seen++
			// An alias (- *t) repeats the anchored target: its key is the anchor's.
			if seen == n || seen == n-1 && strings.Contains(lines[min(i+1, len(lines)-1)], "*") {
				return "cfg.yml:" + strconv.Itoa(i+1) + ":" + strconv.Itoa(j+1) + ": " + key + ": "
			}
		}
	}
	return "(key " + key + " not in the input)"
}
