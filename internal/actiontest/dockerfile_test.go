package actiontest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with its continuation lines
// joined. A line parser is enough here: the tests read this repository's own
// Dockerfile, and buildkit's parser would be a heavy dependency for that.
type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, USER, …
	args string
}

type stage struct {
	image, name string
	body        []instruction
}

func parseDockerfile(src string) ([]stage, error) {
	var stages []stage
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		start := i + 1
		text := strings.TrimSpace(lines[i])
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		for strings.HasSuffix(text, "\\") && i+1 < len(lines) {
			i++
			next := strings.TrimSpace(lines[i])
			if strings.HasPrefix(next, "#") {
				continue // a comment inside a continued instruction is dropped
			}
			text = strings.TrimSuffix(text, "\\") + " " + next
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			var st stage
			switch {
			case len(f) == 1:
				st.image = f[0]
			case len(f) == 3 && strings.EqualFold(f[1], "AS"):
				st.image, st.name = f[0], strings.ToLower(f[2])
			default:
				return nil, fmt.Errorf("line %d: FROM %q is not `FROM image [AS name]`", start, in.args)
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			if in.cmd == "ARG" {
				continue
			}
			return nil, fmt.Errorf("line %d: %s before the first FROM", start, in.cmd)
		}
		stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("no FROM")
	}
	return stages, nil
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.body {
		if in.cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// last returns the stage's effective instruction of a kind (the last one
// wins for ENTRYPOINT, USER, CMD).
func (s stage) last(cmd string) (instruction, bool) {
	all := s.all(cmd)
	if len(all) == 0 {
		return instruction{}, false
	}
	return all[len(all)-1], true
}

// execForm returns the argument vector of an exec-form (JSON array)
// ENTRYPOINT, or an error for the shell form.
func execForm(in instruction) ([]string, error) {
	var argv []string
	if err := json.Unmarshal([]byte(in.args), &argv); err != nil || len(argv) == 0 {
		return nil, fmt.Errorf("line %d: ENTRYPOINT %s is not exec form (a JSON array of strings)", in.line, in.args)
	}
	return argv, nil
}

var numericUser = regexp.MustCompile(`^([0-9]+)(:[0-9]+)?$`)

// checkDockerfile returns every way the Dockerfile departs from DESIGN §2.
func checkDockerfile(src string) []string {
	stages, err := parseDockerfile(src)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	// The Action's image: the last stage, as GitHub builds it.
	act := stages[len(stages)-1]
	if act.name == "server" {
		bad("the last stage is the server; the Action's image must be last")
	}
	for _, cmd := range []string{"USER", "WORKDIR"} {
		for _, in := range act.all(cmd) {
			bad("line %d: the Action's stage has %s; GitHub runs it as root in a directory it sets", in.line, cmd)
		}
	}
	if ep, ok := act.last("ENTRYPOINT"); !ok {
		bad("the Action's stage has no ENTRYPOINT")
	} else if argv, err := execForm(ep); err != nil {
		bad("%v", err)
	} else {
		if !strings.HasPrefix(argv[0], "/") {
			bad("line %d: the Action's ENTRYPOINT %q is not an absolute path", ep.line, argv[0])
		}
		if strings.Join(argv, " ") != "/releasebot action" {
			bad("line %d: the Action's ENTRYPOINT is %q, want [\"/releasebot\", \"action\"]", ep.line, argv)
		}
	}
	if _, ok := act.last("CMD"); ok {
		bad("the Action's stage has CMD; action.yml passes no args and the binary reads INPUT_*")
	}
	installs := strings.Join(runArgs(act), " ")
	for _, pkg := range []string{"git", "ca-certificates"} {
		if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(pkg) + `(\s|$)`).MatchString(installs) {
			bad("the Action's stage does not install %s", pkg)
		}
	}
	if !strings.Contains(installs, "--no-install-recommends") {
		bad("the Action's stage installs recommended packages too; add --no-install-recommends")
	}
	if !copiesBinary(act) {
		bad("the Action's stage does not copy /releasebot from the build stage")
	}

	// The server: non-root, by number, so Kubernetes' runAsNonRoot can check it.
	var server *stage
	for i := range stages {
		if stages[i].name == "server" {
			server = &stages[i]
		}
	}
	if server == nil {
		bad("no stage named server")
	} else {
		if u, ok := server.last("USER"); !ok {
			bad("the server stage has no USER; it must not run as root")
		} else if m := numericUser.FindStringSubmatch(u.args); m == nil {
			bad("line %d: the server's USER %q is not a numeric uid[:gid]", u.line, u.args)
		} else if m[1] == "0" || strings.TrimLeft(m[1], "0") == "" || m[2] == ":0" {
			bad("line %d: the server's USER %q is root", u.line, u.args)
		}
		if ep, ok := server.last("ENTRYPOINT"); !ok {
			bad("the server stage has no ENTRYPOINT")
		} else if argv, err := execForm(ep); err != nil {
			bad("%v", err)
		} else if len(argv) < 2 || argv[0] != "/releasebot" || argv[1] != "serve" {
			bad("line %d: the server's ENTRYPOINT is %q, want /releasebot serve", ep.line, argv)
		}
		if !copiesBinary(*server) {
			bad("the server stage does not copy /releasebot from the build stage")
		}
	}

	// The build: static, reproducible, stamped with main.version and main.commit.
	var build *stage
	for i := range stages {
		if stages[i].name == "build" {
			build = &stages[i]
		}
	}
	if build == nil {
		bad("no stage named build")
		return problems
	}
	cgoOff := false
	for _, in := range build.body {
		if (in.cmd == "ENV" || in.cmd == "RUN" || in.cmd == "ARG") && regexp.MustCompile(`(^|\s)CGO_ENABLED=0(\s|$)`).MatchString(in.args) {
			cgoOff = true
		}
		if (in.cmd == "ENV" || in.cmd == "RUN") && regexp.MustCompile(`CGO_ENABLED=[^0\s]`).MatchString(in.args) {
			bad("line %d: the build sets %s; the images have no libc for cgo", in.line, in.args)
		}
	}
	if !cgoOff {
		bad("the build stage does not set CGO_ENABLED=0")
	}
	var goBuild string
	for _, r := range runArgs(*build) {
		if strings.Contains(r, "go build") {
			goBuild = r
		}
	}
	if goBuild == "" {
		bad("the build stage runs no go build")
		return problems
	}
	for _, want := range []string{"-trimpath", "-s -w", "-X main.version=", "-X main.commit=", "./cmd/releasebot", "-o /out/releasebot"} {
		if !strings.Contains(goBuild, want) {
			bad("the go build does not pass %s", want)
		}
	}
	return problems
}

func runArgs(s stage) []string {
	var out []string
	for _, in := range s.all("RUN") {
		out = append(out, in.args)
	}
	return out
}

func copiesBinary(s stage) bool {
	for _, in := range s.all("COPY") {
		if strings.HasPrefix(in.args, "--from=build ") && strings.HasSuffix(in.args, " /releasebot") {
			return true
		}
	}
	return false
}

func TestDockerfileMatchesDesign(t *testing.T) {
	for _, p := range checkDockerfile(string(readRepoFile(t, "Dockerfile"))) {
		t.Error(p)
	}
}

// The ldflags must name variables that exist: -X on a missing name is
// silently ignored by the linker, and `releasebot version` would say "dev".
func TestDockerfileStampsVariablesThatExist(t *testing.T) {
	main := string(readRepoFile(t, "cmd/releasebot/main.go"))
	for _, name := range []string{"version", "commit"} {
		if !regexp.MustCompile(`(?m)^\s+` + name + `\s+= "`).MatchString(main) {
			t.Errorf("cmd/releasebot/main.go declares no package variable %q for -X main.%s", name, name)
		}
	}
}

// Every base image the Dockerfile names must have a stand-in in
// scripts/build-image.sh, or the build there tries to pull it and fails.
func TestBuildScriptStandsInForEveryBaseImage(t *testing.T) {
	stages, err := parseDockerfile(string(readRepoFile(t, "Dockerfile")))
	if err != nil {
		t.Fatal(err)
	}
	script := string(readRepoFile(t, "scripts/build-image.sh"))
	names := map[string]bool{}
	for _, s := range stages {
		names[s.name] = true
	}
	for _, s := range stages {
		if s.image == "scratch" || names[strings.ToLower(s.image)] {
			continue
		}
		if !strings.Contains(script, s.image) {
			t.Errorf("base image %s has no stand-in in scripts/build-image.sh", s.image)
		}
	}
}

// Each mutation plants one departure from the design in the real
// Dockerfile; the checker must name it. This is what keeps
// TestDockerfileMatchesDesign from passing on a checker that checks nothing.
func TestDockerfileCheckerCatches(t *testing.T) {
	real := string(readRepoFile(t, "Dockerfile"))
	actionFrom := "FROM debian:bookworm-slim AS action"
	for _, tc := range []struct {
		name     string
		old, new string
		want     string
	}{
		{"USER in the Action", actionFrom, actionFrom + "\nUSER 1000", "has USER"},
		{"lower-case user in the Action", actionFrom, actionFrom + "\nuser nobody", "has USER"},
		{"WORKDIR in the Action", actionFrom, actionFrom + "\nWORKDIR /github/workspace", "has WORKDIR"},
		{"shell-form ENTRYPOINT", `ENTRYPOINT ["/releasebot", "action"]`, `ENTRYPOINT /releasebot action`, "not exec form"},
		{"relative ENTRYPOINT", `ENTRYPOINT ["/releasebot", "action"]`, `ENTRYPOINT ["releasebot", "action"]`, "not an absolute path"},
		{"wrong subcommand", `ENTRYPOINT ["/releasebot", "action"]`, `ENTRYPOINT ["/releasebot", "serve"]`, "want [\"/releasebot\", \"action\"]"},
		{"later ENTRYPOINT wins", `ENTRYPOINT ["/releasebot", "action"]`, "ENTRYPOINT [\"/releasebot\", \"action\"]\nENTRYPOINT [\"sh\"]", "not an absolute path"},
		{"CMD in the Action", `ENTRYPOINT ["/releasebot", "action"]`, "ENTRYPOINT [\"/releasebot\", \"action\"]\nCMD [\"prepare\"]", "has CMD"},
		{"no git", "ca-certificates git", "ca-certificates", "does not install git"},
		{"no certificates", "ca-certificates git", "git", "does not install ca-certificates"},
		{"server last", actionFrom, "FROM debian:bookworm-slim AS server", "last stage is the server"},
		{"server as root by name", "USER 65532:65532", "USER root", "not a numeric uid"},
		{"server as uid 0", "USER 65532:65532", "USER 0", "is root"},
		{"server as uid 00", "USER 65532:65532", "USER 00:65532", "is root"},
		{"server in group 0", "USER 65532:65532", "USER 65532:0", "is root"},
		{"server without USER", "USER 65532:65532", "", "no USER"},
		{"no server stage", "AS server", "AS srv", "no stage named server"},
		{"cgo left on", "ENV CGO_ENABLED=0", "ENV GOOS=linux", "does not set CGO_ENABLED=0"},
		{"cgo turned back on", "ENV CGO_ENABLED=0", "ENV CGO_ENABLED=0\nENV CGO_ENABLED=1", "CGO_ENABLED=1"},
		{"no -trimpath", "-trimpath ", "", "does not pass -trimpath"},
		{"no commit stamp", "-X main.commit=${COMMIT}", "", "-X main.commit="},
		{"bad FROM", "FROM scratch AS server", "FROM scratch server", "is not `FROM image [AS name]`"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(real, tc.old) {
				t.Fatalf("the Dockerfile no longer contains %q; update this case", tc.old)
			}
			problems := checkDockerfile(strings.Replace(real, tc.old, tc.new, 1))
			for _, p := range problems {
				if strings.Contains(p, tc.want) {
					return
				}
			}
			t.Errorf("checker missed it: want a problem containing %q, got %q", tc.want, problems)
		})
	}
}
