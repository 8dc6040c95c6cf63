package action

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Runtime is the Actions environment the Action runs in: where it reads its
// inputs and context, and where it writes workflow commands. Every field is
// injectable, so tests and the entrypoint build one without globals (after
// sethvargo/go-githubactions' WithGetenv and WithWriter). Written by hand
// rather than taken from that module: the contract is a few hundred lines,
// and what matters in it (delimiters, escaping, masking) is pinned by this
// package's tests against the runner's parsing either way, so a dependency
// would not earn its place (STYLE.md).
//
// A Runtime is safe for concurrent use: writes to Stdout and to the files
// are serialised.
type Runtime struct {
	// Getenv reads the environment; nil is os.Getenv.
	Getenv func(string) string
	// Stdout receives the workflow commands and log lines; nil is os.Stdout.
	Stdout io.Writer
	// Random is the source of output delimiters; nil is crypto/rand.Reader.
	Random io.Reader

	mu     sync.Mutex
	masked []string // values registered with AddMask, longest first
}

func (r *Runtime) getenv(key string) string {
	if r.Getenv == nil {
		return os.Getenv(key)
	}
	return r.Getenv(key)
}

func (r *Runtime) stdout() io.Writer {
	if r.Stdout == nil {
		return os.Stdout
	}
	return r.Stdout
}

// InputEnv is the environment variable the runner sets for an input: INPUT_
// and the name upper-cased with spaces replaced by "_". Hyphens are kept, as
// the runner keeps them: "github-token" is INPUT_GITHUB-TOKEN.
func InputEnv(name string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, " ", "_"))
}

// Input is the value of an input, trimmed of surrounding white space, ""
// when it is not set.
func (r *Runtime) Input(name string) string {
	return strings.TrimSpace(r.getenv(InputEnv(name)))
}

// RequiredInput is Input, failing with a failure.BadInput naming the input
// when it is empty.
func (r *Runtime) RequiredInput(name string) (string, error) {
	v := r.Input(name)
	if v == "" {
		return "", failure.New(failure.BadInput, "the input %q is required; set it under with: in the workflow step that uses releasebot", name)
	}
	return v, nil
}

// SecretInput is Input for a secret: the value is registered with AddMask,
// every line of it, before it is returned, so that the runner masks it in
// everything printed after.
func (r *Runtime) SecretInput(name string) string {
	v := r.Input(name)
	r.AddMask(v)
	return v
}

// boolWords are YAML 1.2's core-schema booleans, the only spellings
// @actions/core's getBooleanInput accepts.
var boolWords = map[string]bool{
	"true": true, "True": true, "TRUE": true,
	"false": false, "False": false, "FALSE": false,
}

// BoolInput reads a boolean input as @actions/core's getBooleanInput does:
// true, True, TRUE, false, False or FALSE. An unset or empty input is def
// (action.yml's defaults do not apply when the image is used as
// docker://…). Anything else fails with a failure.BadInput naming the input
// and the accepted values.
func (r *Runtime) BoolInput(name string, def bool) (bool, error) {
	v := r.Input(name)
	if v == "" {
		return def, nil
	}
	if b, ok := boolWords[v]; ok {
		return b, nil
	}
	return false, failure.New(failure.BadInput, "the input %q is %q, not a boolean; use one of true, True, TRUE, false, False, FALSE",
		name, textsafe.Cut(textsafe.OneLine(v), 40))
}

// outputName is what the runner accepts as an output name (an action.yml
// output id): a letter or "_", then letters, digits, "_" or "-". It also
// keeps "=", "<<" and line breaks, which the file syntax uses, out of names.
var outputName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// delimiterTries bounds how often SetOutput draws a new delimiter when the
// value holds the one drawn; with 128 random bits one retry is already
// beyond belief, so running out means the random source is broken.
const delimiterTries = 8

// SetOutput appends the output name=value to $GITHUB_OUTPUT with the
// multiline syntax
//
//	name<<ghadelimiter_<32 hex digits>
//	value
//	ghadelimiter_<32 hex digits>
//
// drawing the delimiter from Random anew for each output and again while the
// value contains it, so no value (a commit message, a PR title) can end the
// block early and write outputs of its own. The runner cuts the line break
// before the closing delimiter, so a value ending in "\r" loses that "\r".
//
// It fails with a failure.BadInput for a name the runner would refuse, or
// when GITHUB_OUTPUT is not set; with an unclassified error when the file
// cannot be written (it must exist: the runner creates it).
func (r *Runtime) SetOutput(name, value string) error {
	if !outputName.MatchString(name) {
		return failure.New(failure.BadInput, "the output name %q is not valid; an output name is a letter or _ followed by letters, digits, _ or -", textsafe.Cut(textsafe.OneLine(name), 40))
	}
	var delim string
	for i := 0; ; i++ {
		if i == delimiterTries {
			return fmt.Errorf("writing output %s: every delimiter drawn occurs in the value; the random source is broken", name)
		}
		d, err := r.delimiter()
		if err != nil {
			return fmt.Errorf("writing output %s: drawing a delimiter: %w", name, err)
		}
		if !strings.Contains(value, d) {
			delim = d
			break
		}
	}
	record := name + "<<" + delim + "\n" + value + "\n" + delim + "\n"
	return r.appendFile("GITHUB_OUTPUT", record)
}

func (r *Runtime) delimiter() (string, error) {
	src := r.Random
	if src == nil {
		src = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(src, b[:]); err != nil {
		return "", err
	}
	return "ghadelimiter_" + hex.EncodeToString(b[:]), nil
}

// appendFile appends text to the file named by the environment variable
// env, in one write. The file must exist.
func (r *Runtime) appendFile(env, text string) error {
	path := r.getenv(env)
	if path == "" {
		return failure.New(failure.BadInput, "%s is not set; the runner sets it in a GitHub Actions job — run releasebot's Action there, or set %s to an existing file", env, env)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("opening %s: %w", env, err)
	}
	if _, err := io.WriteString(f, text); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", env, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", env, err)
	}
	return nil
}

// Props are an annotation's properties; zero fields are left out.
type Props struct {
	Title     string
	File      string
	Line      int
	EndLine   int
	Col       int
	EndColumn int
}

func (p Props) render() string {
	var kv []string
	add := func(k, v string) {
		if v != "" {
			kv = append(kv, k+"="+escapeProperty(v))
		}
	}
	num := func(n int) string {
		if n <= 0 {
			return ""
		}
		return fmt.Sprint(n)
	}
	// The order of @actions/core's toCommandProperties.
	add("title", p.Title)
	add("file", p.File)
	add("line", num(p.Line))
	add("endLine", num(p.EndLine))
	add("col", num(p.Col))
	add("endColumn", num(p.EndColumn))
	return strings.Join(kv, ",")
}

// escapeData is @actions/core's escapeData: what follows "::" in a command.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty is @actions/core's escapeProperty: a property value, where
// ":" and "," would end the property or the properties.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// command writes one workflow command line: ::name props::data. Data and
// property values are redacted of every masked value first, then escaped,
// so outside text cannot end the line and start a command of its own.
func (r *Runtime) command(name, props, data string) {
	line := "::" + name
	if props != "" {
		line += " " + props
	}
	line += "::" + escapeData(data) + "\n"
	r.mu.Lock()
	defer r.mu.Unlock()
	io.WriteString(r.stdout(), line)
}

// Group starts a collapsible section of the log named name.
func (r *Runtime) Group(name string) { r.command("group", "", r.redact(name)) }

// EndGroup ends the section Group started.
func (r *Runtime) EndGroup() { r.command("endgroup", "", "") }

// Error writes an error annotation.
func (r *Runtime) Error(msg string, p Props) { r.annotate("error", msg, p) }

// Warning writes a warning annotation.
func (r *Runtime) Warning(msg string, p Props) { r.annotate("warning", msg, p) }

// Notice writes a notice annotation.
func (r *Runtime) Notice(msg string, p Props) { r.annotate("notice", msg, p) }

func (r *Runtime) annotate(kind, msg string, p Props) {
	p.Title, p.File = r.redact(p.Title), r.redact(p.File)
	r.command(kind, p.render(), r.redact(msg))
}

// AddMask asks the runner to mask value in everything printed after it.
// A multi-line value is registered line by line, as the toolkit advises:
// the runner masks each line it prints, and a secret split over lines would
// otherwise show. Blank lines are not registered. The helpers of this
// Runtime also replace a masked value by *** themselves before printing,
// so a secret passed to Error or Group is hidden even where the runner's
// masking is not at work (a local run, a log copied from Stdout).
//
// AddMask must be called before the value is used anywhere that may print
// it; SecretInput does so for secret inputs.
func (r *Runtime) AddMask(value string) {
	for _, line := range strings.Split(strings.ReplaceAll(value, "\r\n", "\n"), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		r.mu.Lock()
		r.masked = append(r.masked, line)
		sort.SliceStable(r.masked, func(i, j int) bool { return len(r.masked[i]) > len(r.masked[j]) })
		r.mu.Unlock()
		// The mask itself is sent escaped but not redacted: it is the
		// one line the runner must see to learn the value.
		r.command("add-mask", "", line)
	}
}

// redact replaces every masked value in s by ***.
func (r *Runtime) redact(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.masked {
		s = strings.ReplaceAll(s, m, "***")
	}
	return s
}

// Log prints msg as plain log lines, redacted of masked values and of
// terminal control characters. A line that the runner would read as a
// workflow command (it starts with "::" after leading white space) is
// prefixed with "› ", so text from outside (a commit message, a comment)
// printed through Log cannot issue commands.
func (r *Runtime) Log(msg string) {
	msg = textsafe.Terminal(r.redact(msg))
	var b strings.Builder
	for _, line := range strings.Split(msg, "\n") {
		// The runner trims Unicode white space (.NET's TrimStart) before
		// it looks for "::".
		if strings.HasPrefix(strings.TrimLeftFunc(line, unicode.IsSpace), "::") {
			b.WriteString("› ")
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	io.WriteString(r.stdout(), b.String())
}
