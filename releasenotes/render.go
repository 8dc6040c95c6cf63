package releasenotes

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/releasebot/releasebot/internal/textsafe"
)

// TemplatePath is where a repository overrides the RELEASE_NOTES.md
// template.
const TemplatePath = ".github/releasebot/RELEASE_NOTES.md.tmpl"

//go:embed templates/RELEASE_NOTES.md.tmpl
var defaultTemplate string

// Template renders notes as Markdown with text/template. The default
// template is made of blocks — "notes" (title, breaking changes, categories,
// contributors, compare link), "flags", "stage", "rollout", "rollback",
// "audit", "prod" and "log" — and a user's template is parsed over it: a
// {{define "block"}} replaces that block only, and text outside any define
// replaces the whole document.
type Template struct {
	t *template.Template
	// Source names the template in errors: "built-in" or the file's path.
	Source string
}

// DefaultTemplate returns the built-in template.
func DefaultTemplate() *Template {
	t, err := newTemplate().Parse(defaultTemplate)
	if err != nil {
		panic(fmt.Sprintf("the built-in template does not parse: %v", err)) // caught by the tests
	}
	return &Template{t: t, Source: "built-in"}
}

// DefaultTemplateText returns the built-in template's text, to copy and edit.
func DefaultTemplateText() string { return defaultTemplate }

// ParseTemplate parses a user's template over the default one. source names
// the file in errors.
func ParseTemplate(source, text string) (*Template, error) {
	t, err := DefaultTemplate().t.Clone()
	if err != nil {
		return nil, err
	}
	if _, err := t.Parse(text); err != nil {
		return nil, fmt.Errorf("the notes template %s does not parse: %w", source, err)
	}
	return &Template{t: t, Source: source}, nil
}

// Render writes the whole RELEASE_NOTES.md.
func (t *Template) Render(w io.Writer, n *Notes) error {
	return t.execute(w, "RELEASE_NOTES.md", n)
}

// RenderNotes writes only the "notes" block: the changes, without checklists.
func (t *Template) RenderNotes(w io.Writer, n *Notes) error {
	return t.execute(w, "notes", n)
}

// RenderLog writes only the "log" block: the rollout log section, from
// n.RolloutLog, between its markers.
func (t *Template) RenderLog(w io.Writer, n *Notes) error {
	return t.execute(w, "log", n)
}

// RenderProd writes only the "prod" block: the PROD section, from n.Prod,
// between its markers.
func (t *Template) RenderProd(w io.Writer, n *Notes) error {
	return t.execute(w, "prod", n)
}

func (t *Template) execute(w io.Writer, name string, n *Notes) error {
	var b bytes.Buffer
	if err := t.t.ExecuteTemplate(&b, name, n); err != nil {
		return fmt.Errorf("the notes template %s failed: %w", t.Source, err)
	}
	out := strings.TrimRight(b.String(), "\n") + "\n"
	_, err := io.WriteString(w, out)
	return err
}

// Markdown renders the whole document with the built-in template.
func Markdown(n *Notes) string {
	var b strings.Builder
	if err := DefaultTemplate().Render(&b, n); err != nil {
		panic(err) // the built-in template renders any Notes; the tests hold it to that
	}
	return b.String()
}

func newTemplate() *template.Template {
	return template.New("RELEASE_NOTES.md").Option("missingkey=error").Funcs(template.FuncMap{
		"link":       link,
		"md":         func(s string) string { return md(textsafe.Cut(s, MaxEcho)) },
		"paragraphs": func(s string) string { return paragraphs(textsafe.Cut(s, MaxNote)) },
		"codecell":   codeCell,
		"code":       code,
		"cell":       TableCell,
		"indent":     indent,
		"checklist":  checklist,
		"list":       list,
		"inc":        func(i int) int { return i + 1 },
		"commit":     commitLink,
		"datetime":   datetime,
		"status":     statusLabel,
		"join":       strings.Join,
		"percents":   percents,
	})
}

// link is [text](url), or text alone when the URL is unknown or not an
// http(s) address. text must be Markdown already (see md); the characters
// that would end the URL or the link are percent-encoded.
func link(text, url string) string {
	if url == "" || !(strings.HasPrefix(url, "https://") || strings.HasPrefix(url, "http://")) {
		return text
	}
	return "[" + text + "](" + urlEscaper.Replace(url) + ")"
}

var urlEscaper = strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E", "\n", "%0A", "\r", "%0D", "\t", "%09")

// code wraps text in a code span, with enough backticks for what it holds,
// on one line, cut to MaxEcho runes.
func code(s string) string { return textsafe.Code(textsafe.Cut(s, MaxEcho)) }

// codeCell is code for a table cell: GitHub splits a row at every
// unescaped pipe, even inside a code span, and drops the backslash of an
// escaped one there.
func codeCell(s string) string { return strings.ReplaceAll(code(s), "|", `\|`) }

// MaxEcho bounds, in runes, each piece of text the notes quote from a
// commit or a pull request (a subject, a scope, an author's name): longer
// ones are cut and end in "…". A subject is a line; 300 runes hold any
// honest one. A breaking change note may run to MaxNote.
const (
	MaxEcho = 300
	MaxNote = 4000
)

// md makes text from outside inert inline GitHub Markdown, one line:
// textsafe.Markdown (HTML and markup shown as typed, mentions that notify
// nobody), except that an underscore between two letters or digits stays
// bare, as GitHub never reads it as emphasis: metric, flag and file names
// such as http_requests_total or FF_NEW_ONBOARDING stay readable in the
// file itself.
func md(s string) string {
	s = textsafe.Markdown(s)
	if !strings.Contains(s, `\_`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		// An escape is a pair; "\\_" is an escaped backslash, then "_".
		if s[i+1] == '_' && wordRune(utf8.DecodeLastRuneInString(s[:i])) && wordRune(utf8.DecodeRuneInString(s[i+2:])) {
			b.WriteByte('_')
		} else {
			b.WriteString(s[i : i+2])
		}
		i++
	}
	return b.String()
}

func wordRune(r rune, _ int) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// paragraphs renders a multi-line text from outside (a BREAKING CHANGE
// note) as inert Markdown, line by line through md, keeping its line and
// paragraph breaks; a line that would start a list, a quote, a heading
// underline or a thematic break has that first mark escaped.
func paragraphs(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		l = md(l)
		if l == "" {
			lines[i] = l
			continue
		}
		if strings.IndexByte("-+=>", l[0]) >= 0 {
			l = "\\" + l
		} else if _, w := leadingNumber(l); w > 0 && len(l) > w && (l[w] == '.' || l[w] == ')') {
			l = l[:w] + "\\" + l[w:]
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

// TableCell makes text safe in a Markdown table cell: md's escaping, which
// keeps it on one line, escapes the pipe and shows raw HTML, emphasis and
// strikethrough (PromQL's =~, a glob's *) as typed; cut to MaxNote runes.
func TableCell(s string) string { return md(textsafe.Cut(s, MaxNote)) }

// indent prefixes every line but the first with n spaces.
func indent(n int, s string) string {
	return strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", n))
}

// checklist renders runbook items as tasks, one a line: each item's marker
// as written, an empty box (ticked when the source ticked it), and its text
// byte for byte. Nested items are indented four spaces a level.
func checklist(items []RunbookItem) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte('\n')
		}
		box := "[ ] "
		if it.Done {
			box = "[x] "
		}
		b.WriteString(strings.Repeat("    ", it.Depth) + it.Marker + " " + box + it.Text)
	}
	return b.String()
}

// list renders runbook items as a plain list, as written.
func list(items []RunbookItem) string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("    ", it.Depth) + it.Marker + " " + it.Text)
	}
	return b.String()
}

// commitLink links a commit's short hash to its page when the repository
// URL is known.
func commitLink(repoURL, hash string) string {
	if hash == "" {
		return ""
	}
	if repoURL == "" {
		return short(hash)
	}
	return link(short(hash), repoURL+"/commit/"+hash)
}

// datetime formats a time in UTC to the minute.
func datetime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func statusLabel(s AuditStatus) string {
	switch s {
	case AuditPass:
		return "✅ pass"
	case AuditWarn:
		return "⚠️ warn"
	case AuditFail:
		return "❌ fail"
	case AuditSkip:
		return "⏭️ skip"
	}
	return string(s)
}

// percents writes canary steps as "10% → 50% → 100%".
func percents(steps []int) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = fmt.Sprintf("%d%%", s)
	}
	return strings.Join(parts, " → ")
}
