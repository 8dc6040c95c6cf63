package action

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/golden"
)

// env is a fake environment.
type env map[string]string

func (e env) get(k string) string { return e[k] }

func newRT(e env) (*Runtime, *bytes.Buffer) {
	var out bytes.Buffer
	return &Runtime{Getenv: e.get, Stdout: &out}, &out
}

func TestInputEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, want string }{
		{"github-token", "INPUT_GITHUB-TOKEN"},
		{"slack-bot-token", "INPUT_SLACK-BOT-TOKEN"},
		{"dry run", "INPUT_DRY_RUN"},
		{"Config", "INPUT_CONFIG"},
		{"fail-on-audit", "INPUT_FAIL-ON-AUDIT"},
		{"a b-c", "INPUT_A_B-C"},
	} {
		if got := InputEnv(tc.name); got != tc.want {
			t.Errorf("InputEnv(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestInput(t *testing.T) {
	t.Parallel()
	rt, _ := newRT(env{
		"INPUT_GITHUB-TOKEN": "  ghs_real\n",
		"INPUT_GITHUB_TOKEN": "ghs_decoy", // what a runner never sets for github-token
		"INPUT_CONFIG":       ".github/releasebot.yml",
	})
	if got := rt.Input("github-token"); got != "ghs_real" {
		t.Errorf("Input(github-token) = %q, want the trimmed INPUT_GITHUB-TOKEN", got)
	}
	if got := rt.Input("config"); got != ".github/releasebot.yml" {
		t.Errorf("Input(config) = %q", got)
	}
	if got := rt.Input("slack-channel"); got != "" {
		t.Errorf("unset input = %q", got)
	}
	_, err := rt.RequiredInput("slack-channel")
	if failure.KindOf(err) != failure.BadInput || !strings.Contains(err.Error(), `"slack-channel"`) {
		t.Errorf("RequiredInput of an unset input = %v, want a BadInput naming it", err)
	}
}

func TestBoolInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value   string
		set     bool
		def     bool
		want    bool
		wantErr bool
	}{
		{value: "true", set: true, want: true},
		{value: "True", set: true, want: true},
		{value: "TRUE", set: true, want: true},
		{value: "false", set: true, def: true, want: false},
		{value: "False", set: true, def: true, want: false},
		{value: "FALSE", set: true, def: true, want: false},
		{value: " true\n", set: true, want: true}, // trimmed, as getInput trims
		{value: "", set: true, def: true, want: true},
		{set: false, def: true, want: true},
		{set: false, def: false, want: false},
		{value: "tRUE", set: true, wantErr: true},
		{value: "yes", set: true, wantErr: true},
		{value: "on", set: true, wantErr: true},
		{value: "1", set: true, wantErr: true},
		{value: "0", set: true, wantErr: true},
		{value: "y", set: true, wantErr: true},
		{value: "true\nfalse", set: true, wantErr: true},
		{value: "'true'", set: true, wantErr: true},
	} {
		t.Run(fmt.Sprintf("%q", tc.value), func(t *testing.T) {
			e := env{}
			if tc.set {
				e["INPUT_DRY-RUN"] = tc.value
			}
			rt, _ := newRT(e)
			got, err := rt.BoolInput("dry-run", tc.def)
			if tc.wantErr {
				if failure.KindOf(err) != failure.BadInput {
					t.Fatalf("err = %v, want BadInput", err)
				}
				msg := err.Error()
				for _, want := range []string{`"dry-run"`, "true, True, TRUE, false, False, FALSE"} {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q does not contain %q", msg, want)
					}
				}
				if strings.Contains(msg, "\n") {
					t.Errorf("error spans lines: %q", msg)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("BoolInput = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// parseRunnerFile parses a $GITHUB_OUTPUT file as the runner does
// (actions/runner, FileCommandManager: SetOutputFileCommand): line by line,
// a line split at "\n" with a "\r" before it dropped; NAME=VALUE when "="
// comes before any "<<"; NAME<<DELIM then lines up to one equal to DELIM,
// the value being the text between without the last line break. Written
// here, apart from SetOutput, to check it the way GitHub reads it.
func parseRunnerFile(t *testing.T, text string) [][2]string {
	t.Helper()
	idx := 0
	readLine := func() (line, newline string, ok bool) {
		if idx >= len(text) {
			return "", "", false
		}
		i := strings.IndexByte(text[idx:], '\n')
		if i < 0 {
			line, idx = text[idx:], len(text)
			return line, "", true
		}
		line = text[idx : idx+i]
		newline = "\n"
		if strings.HasSuffix(line, "\r") {
			line, newline = line[:len(line)-1], "\r\n"
		}
		idx += i + 1
		return line, newline, true
	}
	var out [][2]string
	for {
		line, _, ok := readLine()
		if !ok {
			return out
		}
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			out = append(out, [2]string{line[:eq], line[eq+1:]})
		case hd >= 0:
			key, delim := line[:hd], line[hd+2:]
			if key == "" || delim == "" {
				t.Fatalf("runner: invalid format %q", line)
			}
			start, end := idx, idx
			for {
				l, nl, ok := readLine()
				if !ok {
					t.Fatalf("runner: matching delimiter not found %q", delim)
				}
				if l == delim {
					break
				}
				if nl == "" {
					t.Fatalf("runner: EOF marker missing new line")
				}
				end = idx - len(nl)
			}
			v := ""
			if end > start {
				v = text[start:end]
			}
			out = append(out, [2]string{key, v})
		default:
			t.Fatalf("runner: invalid format %q", line)
		}
	}
}

func outputFile(t *testing.T) (string, env) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "output")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, env{"GITHUB_OUTPUT": path}
}

// scripted is a Random that returns its chunks in turn, then repeats the last.
type scripted struct{ chunks [][]byte }

func (s *scripted) Read(p []byte) (int, error) {
	c := s.chunks[0]
	if len(s.chunks) > 1 {
		s.chunks = s.chunks[1:]
	}
	return copy(p, c), nil
}

func TestSetOutputHostileValues(t *testing.T) {
	t.Parallel()
	firstDelim := "ghadelimiter_" + strings.Repeat("ab", 16)
	for _, tc := range []struct {
		name  string
		value string
	}{
		{"plain", "1.3.0"},
		{"empty", ""},
		{"newline then assignment", "x\nversion=9.9.9"},
		{"heredoc inside", "x\nversion<<EOF\n9.9.9\nEOF"},
		{"delimiter-looking lines", "fix\nghadelimiter_00000000000000000000000000000000\nversion=9.9.9\nghadelimiter_\n"},
		{"the drawn delimiter itself", "body\n" + firstDelim + "\nversion=9.9.9\n" + firstDelim},
		{"the drawn delimiter with CR", "body\n" + firstDelim + "\r\nversion=9.9.9"},
		{"CRLF", "a\r\nversion=9.9.9\r\nb"},
		{"lone CR", "a\rversion=9.9.9"},
		{"trailing newline", "notes\n"},
		{"blank lines", "\n\n\n"},
		{"unicode", "chore(release): v1.3.0 — ✓ \u2028 next"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path, e := outputFile(t)
			rt, _ := newRT(e)
			rt.Random = &scripted{chunks: [][]byte{bytes.Repeat([]byte{0xab}, 16), bytes.Repeat([]byte{0xcd}, 16)}}
			if err := rt.SetOutput("notes", tc.value); err != nil {
				t.Fatal(err)
			}
			if err := rt.SetOutput("mode", "prepare"); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			got := parseRunnerFile(t, string(data))
			want := [][2]string{{"notes", tc.value}, {"mode", "prepare"}}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("the runner reads %q\nwant %q\nfile %q", got, want, data)
			}
		})
	}
}

func TestSetOutputFreshDelimiter(t *testing.T) {
	t.Parallel()
	path, e := outputFile(t)
	rt, _ := newRT(e) // crypto/rand
	for i := 0; i < 3; i++ {
		if err := rt.SetOutput("version", "1.3.0"); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(path)
	seen := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if _, d, ok := strings.Cut(line, "<<"); ok {
			if !strings.HasPrefix(d, "ghadelimiter_") || len(d) != len("ghadelimiter_")+32 {
				t.Errorf("delimiter %q is not ghadelimiter_ and 32 hex digits", d)
			}
			if seen[d] {
				t.Errorf("delimiter %q used twice: a value that guessed it could end the block", d)
			}
			seen[d] = true
		}
	}
	if len(seen) != 3 {
		t.Errorf("%d delimiters in %q", len(seen), data)
	}
}

func TestSetOutputRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, output, value string
		env                 bool
		random              *scripted
		kind                failure.Kind
		says                string
	}{
		{name: "empty name", output: "", env: true, kind: failure.BadInput, says: "output name"},
		{name: "equals", output: "a=b", env: true, kind: failure.BadInput, says: "output name"},
		{name: "heredoc", output: "a<<EOF", env: true, kind: failure.BadInput, says: "output name"},
		{name: "newline", output: "a\nversion", env: true, kind: failure.BadInput, says: "output name"},
		{name: "space", output: "re lease", env: true, kind: failure.BadInput, says: "output name"},
		{name: "digit first", output: "1st", env: true, kind: failure.BadInput, says: "output name"},
		{name: "no GITHUB_OUTPUT", output: "version", env: false, kind: failure.BadInput, says: "GITHUB_OUTPUT is not set"},
		{name: "broken random", output: "version", value: "ghadelimiter_" + strings.Repeat("00", 16), env: true,
			random: &scripted{chunks: [][]byte{make([]byte, 16)}}, kind: failure.Internal, says: "random source is broken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path, e := outputFile(t)
			if !tc.env {
				e = env{}
			}
			rt, _ := newRT(e)
			if tc.random != nil {
				rt.Random = tc.random
			}
			err := rt.SetOutput(tc.output, tc.value)
			if err == nil || failure.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want %v saying %q", err, tc.kind, tc.says)
			}
			if data, _ := os.ReadFile(path); len(data) != 0 {
				t.Errorf("the output file was written: %q", data)
			}
		})
	}
}

func TestSetOutputMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "absent")
	rt, _ := newRT(env{"GITHUB_OUTPUT": path})
	if err := rt.SetOutput("version", "1"); err == nil {
		t.Fatal("SetOutput created a file the runner did not")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the file exists: %v", err)
	}
}

func TestEscaping(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, data, prop string }{
		{"plain", "plain", "plain"},
		{"100%", "100%25", "100%25"},
		{"a\nb", "a%0Ab", "a%0Ab"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"k:v,w", "k:v,w", "k%3Av%2Cw"},
		{"%0A", "%250A", "%250A"},
		{"::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"},
	} {
		if got := escapeData(tc.in); got != tc.data {
			t.Errorf("escapeData(%q) = %q, want %q", tc.in, got, tc.data)
		}
		if got := escapeProperty(tc.in); got != tc.prop {
			t.Errorf("escapeProperty(%q) = %q, want %q", tc.in, got, tc.prop)
		}
	}
}

// TestWorkflowCommands pins the lines the helpers print for hostile input:
// one line per command, every line a command of ours.
func TestWorkflowCommands(t *testing.T) {
	t.Parallel()
	rt, out := newRT(env{})
	rt.Group("prepare: notes for v1.3.0\n::error::injected")
	rt.Error("the flag file does not parse\n::add-mask::x", Props{Title: "flags: line 3, col 2", File: ".release/flags.yaml", Line: 3, Col: 2})
	rt.Warning("100% of users\r\n::warning::fake", Props{Title: "a,b=c"})
	rt.Notice("released v1.3.0", Props{})
	rt.Error("end before start", Props{File: "x.go", Line: 5, EndLine: 7, Col: 1, EndColumn: 9})
	rt.EndGroup()
	rt.AddMask("line-one-secret\r\nline-two-secret\n\n  \nline-3")
	golden.AssertString(t, "commands.golden.txt", out.String())

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 9 {
		t.Errorf("%d lines printed, want 9 (6 commands, 3 masks):\n%s", len(lines), out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "::") || strings.Contains(l, "\r") {
			t.Errorf("line %q is not one of the commands", l)
		}
	}
	if !strings.Contains(out.String(), "::warning title=a%2Cb=c::") || !strings.Contains(out.String(), "title=flags%3A line 3%2C col 2,file=.release/flags.yaml,line=3,col=2::") {
		t.Errorf("properties not escaped:\n%s", out)
	}
}

func TestMaskedValuesNeverPrinted(t *testing.T) {
	t.Parallel()
	secret := "xoxb-1234-abcd\nsecond-line-of-key"
	rt, out := newRT(env{"INPUT_SLACK-BOT-TOKEN": secret})
	got := rt.SecretInput("slack-bot-token")
	if got != secret {
		t.Fatalf("SecretInput = %q", got)
	}
	// The masks come first, before anything could print the value.
	if !strings.HasPrefix(out.String(), "::add-mask::xoxb-1234-abcd\n::add-mask::second-line-of-key\n") {
		t.Fatalf("masks not first:\n%s", out)
	}
	out.Reset()
	rt.Error("slack refused "+got, Props{Title: got})
	rt.Warning("token xoxb-1234-abcd", Props{File: "second-line-of-key"})
	rt.Group("posting with xoxb-1234-abcd")
	rt.Log("token=" + got)
	for _, part := range strings.Split(secret, "\n") {
		if strings.Contains(out.String(), part) {
			t.Errorf("%q printed:\n%s", part, out)
		}
	}
	if !strings.Contains(out.String(), "***") {
		t.Errorf("no redaction mark:\n%s", out)
	}
}

func TestLogCannotIssueCommands(t *testing.T) {
	t.Parallel()
	rt, out := newRT(env{})
	rt.Log("feat: x\n::add-mask::\n  ::set-output name=version::9\n\u00a0\u3000::error::x\n\x1b[31m::stop-commands::tok\nordinary :: line")
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " \t\u00a0\u3000"), "::") {
			t.Errorf("line %q reads as a workflow command", l)
		}
		if strings.Contains(l, "\x1b") {
			t.Errorf("escape sequence kept: %q", l)
		}
	}
	if !strings.Contains(out.String(), "ordinary :: line\n") {
		t.Errorf("an ordinary line was changed:\n%s", out)
	}
}

// TestRuntimeConcurrent: steps that run in parallel share one Runtime; its
// lines and output records do not interleave (run with -race).
func TestRuntimeConcurrent(t *testing.T) {
	t.Parallel()
	path, e := outputFile(t)
	rt, out := newRT(e)
	done := make(chan struct{})
	for i := 0; i < 8; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			rt.AddMask(fmt.Sprintf("secret-%d", i))
			rt.Warning(fmt.Sprintf("w %d secret-%d", i, i), Props{})
			if err := rt.SetOutput(fmt.Sprintf("o%d", i), fmt.Sprintf("v\n%d", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	for i := 0; i < 8; i++ {
		<-done
	}
	data, _ := os.ReadFile(path)
	if got := parseRunnerFile(t, string(data)); len(got) != 8 {
		t.Errorf("%d outputs read back", len(got))
	}
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if !strings.HasPrefix(l, "::add-mask::secret-") && !strings.HasPrefix(l, "::warning::w ") {
			t.Errorf("interleaved line %q", l)
		}
		if strings.HasPrefix(l, "::warning::") && strings.Contains(l, "secret-") {
			t.Errorf("unmasked: %q", l)
		}
	}
}

// TestDesignOutputNames: every output of DESIGN §2 is a name SetOutput takes.
func TestDesignOutputNames(t *testing.T) {
	t.Parallel()
	path, e := outputFile(t)
	rt, _ := newRT(e)
	names := []string{"version", "release-pr", "release-url", "notes-path", "audit-status", "mode", "flag-commit"}
	for _, n := range names {
		if err := rt.SetOutput(n, n+"-value"); err != nil {
			t.Errorf("SetOutput(%q): %v", n, err)
		}
	}
	data, _ := os.ReadFile(path)
	got := parseRunnerFile(t, string(data))
	if len(got) != len(names) {
		t.Fatalf("read back %q", got)
	}
	for i, n := range names {
		if got[i] != [2]string{n, n + "-value"} {
			t.Errorf("output %d = %q", i, got[i])
		}
	}
}
