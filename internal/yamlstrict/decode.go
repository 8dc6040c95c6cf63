// Package yamlstrict decodes YAML into Go values strictly: unknown keys, wrong
// types and duplicate keys are errors naming the file, line, column and the key
// path that leads to the bad value.
//
// It is written by hand over go.yaml.in/yaml/v3's node API because the library
// reports the line of a bad value but not the key path leading to it, and its
// KnownFields mode stops at the first unknown key without saying where it sits.
package yamlstrict

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Error is a decoding error at one place in a YAML file.
type Error struct {
	File   string // as given by the caller, e.g. ".github/releasebot.yml"
	Line   int    // 1-based; 0 when unknown
	Column int
	Path   string // key path, e.g. "canary.steps[1]"; empty for the document
	Msg    string
}

// Error is one line: the key path and the message are folded to one line and
// cut, so that no error carries more of the file than the offending value,
// itself cut to limits.Echo (see Quote).
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(textsafe.Cut(textsafe.OneLine(e.Path), limits.Echo))
		b.WriteString(": ")
	}
	// Room for one quoted value and the advice around it.
	b.WriteString(textsafe.Cut(textsafe.OneLine(e.Msg), 2*limits.Echo))
	return b.String()
}

// QuoteNode is a scalar node quoted for an error message, as Quote does; a
// block scalar (| or >) is not quoted at all, since its value is the lines
// after the offending one.
func QuoteNode(n *yaml.Node) string {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return "a block scalar"
	}
	return Quote(n.Value)
}

// Quote is a value of the file quoted for an error message: its first line
// only, cut to limits.Echo runes, so an error never carries a whole scalar —
// a block scalar can hold a file's worth of lines.
func Quote(s string) string {
	line, _, more := strings.Cut(s, "\n")
	line = strings.TrimSuffix(line, "\r")
	if more {
		return strconv.Quote(textsafe.Cut(line, limits.Echo-1) + "…")
	}
	return strconv.Quote(textsafe.Cut(line, limits.Echo))
}

// Unmarshaler is implemented by types that decode themselves from a node.
// Errors returned as *Error are passed through; any other error is placed at n.
type Unmarshaler interface {
	UnmarshalYAMLNode(d *Decoder, n *yaml.Node, path string) error
}

// Checker is implemented by structs that validate themselves once decoded.
// A returned *FieldError is placed at that key's line; any other error at the
// struct's.
type Checker interface {
	CheckYAML() error
}

// FieldError names the key of a struct that failed a Checker.
type FieldError struct {
	Key string
	Msg string
}

func (e *FieldError) Error() string { return e.Key + ": " + e.Msg }

// Decoder carries the file name into nested decodes.
type Decoder struct {
	File string
}

// Parse parses data into a document node. An empty document yields a nil node
// and no error.
func Parse(file string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(file, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Error{File: file, Line: extra.Line, Column: extra.Column, Msg: "more than one YAML document; keep one"}
	}
	return &doc, nil
}

// Unmarshal parses data and decodes it into out, a pointer. It returns the
// document node so callers can edit and re-encode it with comments kept.
func Unmarshal(file string, data []byte, out any) (*yaml.Node, error) {
	doc, err := Parse(file, data)
	if err != nil || doc == nil {
		return doc, err
	}
	d := &Decoder{File: file}
	return doc, d.Decode(doc, "", out)
}

// syntaxError turns a yaml.v3 parse error ("yaml: line 3: mapping values are
// not allowed in this context") into an *Error with the line split out.
func syntaxError(file string, data []byte, err error) error {
	// yaml.v3 quotes some of the input (an unknown anchor's name): one line, cut.
	msg := textsafe.Cut(textsafe.OneLine(strings.TrimPrefix(err.Error(), "yaml: ")), limits.Echo)
	line := 0
	if strings.HasPrefix(msg, "line ") {
		rest := msg[len("line "):]
		if i := strings.Index(rest, ":"); i > 0 {
			if n, convErr := strconv.Atoi(rest[:i]); convErr == nil {
				line = n
				msg = strings.TrimSpace(rest[i+1:])
			}
		}
	}
	// yaml.v3 places parser errors (as opposed to scanner errors) at the
	// 0-based line where the unfinished construct starts; make it 1-based.
	for _, p := range parserErrors {
		if line > 0 && strings.HasPrefix(msg, p.prefix) {
			line++
			msg += p.hint
			break
		}
	}
	// yaml.v3's encoding errors carry no position: find the bad byte.
	if line == 0 && strings.Contains(msg, "UTF-8") {
		if l, col, ok := invalidUTF8(data); ok {
			return &Error{File: file, Line: l, Column: col, Msg: "the file is not valid UTF-8 (" + msg + "); save it as UTF-8"}
		}
	}
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

// invalidUTF8 is the 1-based line and column (in characters) of the first
// byte of data that is not UTF-8.
func invalidUTF8(data []byte) (line, col int, ok bool) {
	line, col = 1, 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		switch {
		case r == utf8.RuneError && size <= 1:
			return line, col, true
		case r == '\n':
			line, col = line+1, 1
		default:
			col++
		}
		data = data[size:]
	}
	return 0, 0, false
}

// parserErrors are libyaml's parser messages, as yaml.v3 words them.
var parserErrors = []struct{ prefix, hint string }{
	{"did not find expected ',' or '}'", " (a { opened on this line is not closed)"},
	{"did not find expected ',' or ']'", " (a [ opened on this line is not closed)"},
	{"did not find expected key", " (check the indentation around this line)"},
	{"did not find expected node content", ""},
	{"did not find expected '-' indicator", " (check the indentation around this line)"},
	{"did not find expected <document start>", ""},
}

// Errorf makes an *Error placed at n.
func (d *Decoder) Errorf(n *yaml.Node, path, format string, args ...any) error {
	e := &Error{File: d.File, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// Decode decodes n into out, which must be a non-nil pointer.
func (d *Decoder) Decode(n *yaml.Node, path string, out any) error {
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		panic("yamlstrict: Decode needs a non-nil pointer")
	}
	return d.decode(n, path, v.Elem())
}

var unmarshalerType = reflect.TypeFor[Unmarshaler]()

func (d *Decoder) decode(n *yaml.Node, path string, v reflect.Value) error {
	for n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode {
		if n.Kind == yaml.DocumentNode {
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		} else {
			n = n.Alias
		}
	}
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalerType) {
		err := v.Addr().Interface().(Unmarshaler).UnmarshalYAMLNode(d, n, path)
		return d.place(err, n, path)
	}
	if isNull(n) {
		return nil // leave the zero value (or default) in place
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return d.decode(n, path, v.Elem())
	case reflect.Struct:
		return d.decodeStruct(n, path, v)
	case reflect.Map:
		return d.decodeMap(n, path, v)
	case reflect.Slice:
		return d.decodeSlice(n, path, v)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return d.Errorf(n, path, "expected a string, got %s", describe(n))
		}
		v.SetString(n.Value)
		return nil
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			return d.Errorf(n, path, "expected true or false, got %s", describe(n))
		}
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err != nil {
			return d.Errorf(n, path, "expected true or false, got %s", QuoteNode(n))
		}
		v.SetBool(b)
		return nil
	case reflect.Int, reflect.Int64, reflect.Int32:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			return d.Errorf(n, path, "expected a whole number, got %s", describe(n))
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil || v.OverflowInt(i) {
			return d.Errorf(n, path, "expected a whole number, got %s", QuoteNode(n))
		}
		v.SetInt(i)
		return nil
	case reflect.Float64:
		if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
			return d.Errorf(n, path, "expected a number, got %s", describe(n))
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return d.Errorf(n, path, "expected a finite number, got %s", QuoteNode(n))
		}
		v.SetFloat(f)
		return nil
	}
	panic(fmt.Sprintf("yamlstrict: unsupported type %s", v.Type()))
}

func (d *Decoder) place(err error, n *yaml.Node, path string) error {
	if err == nil {
		return nil
	}
	var ye *Error
	if errors.As(err, &ye) {
		return err
	}
	return d.Errorf(n, path, "%s", err.Error())
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return QuoteNode(n)
}

// Join extends a key path: Join("canary", "steps") is "canary.steps".
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Pairs returns the key and value nodes of a mapping, rejecting duplicate and
// non-scalar keys. Callers that need key order use it directly.
func (d *Decoder) Pairs(n *yaml.Node, path string) ([][2]*yaml.Node, error) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		if isNull(n) {
			return nil, nil
		}
		return nil, d.Errorf(n, path, "expected a mapping of keys to values, got %s", describe(n))
	}
	seen := make(map[string]bool, len(n.Content)/2)
	pairs := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, d.Errorf(k, path, "keys must be plain strings")
		}
		if k.Value == "<<" {
			return nil, d.Errorf(k, path, "merge keys (<<) are not supported; write the keys out")
		}
		if seen[k.Value] {
			return nil, d.Errorf(k, Join(path, k.Value), "duplicate key")
		}
		seen[k.Value] = true
		pairs = append(pairs, [2]*yaml.Node{k, val})
	}
	return pairs, nil
}

type field struct {
	index int
	name  string
}

func fields(t reflect.Type) []field {
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := strings.Split(sf.Tag.Get("yaml"), ",")[0]
		if tag == "-" || !sf.IsExported() {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(sf.Name)
		}
		fs = append(fs, field{i, tag})
	}
	return fs
}

func (d *Decoder) decodeStruct(n *yaml.Node, path string, v reflect.Value) error {
	pairs, err := d.Pairs(n, path)
	if err != nil {
		return err
	}
	fs := fields(v.Type())
	keyNodes := map[string]*yaml.Node{}
	for _, p := range pairs {
		k, val := p[0], p[1]
		idx := -1
		for _, f := range fs {
			if f.name == k.Value {
				idx = f.index
			}
		}
		if idx < 0 {
			names := make([]string, len(fs))
			for i, f := range fs {
				names[i] = f.name
			}
			return d.Errorf(k, Join(path, k.Value), "unknown key%s (known keys here: %s)", suggest(k.Value, names), strings.Join(names, ", "))
		}
		keyNodes[k.Value] = k
		if err := d.decode(val, Join(path, k.Value), v.Field(idx)); err != nil {
			return err
		}
	}
	if c, ok := v.Addr().Interface().(Checker); ok {
		if err := c.CheckYAML(); err != nil {
			var fe *FieldError
			if errors.As(err, &fe) {
				at := n
				if kn := keyNodes[fe.Key]; kn != nil {
					at = kn
				}
				return d.Errorf(at, Join(path, fe.Key), "%s", fe.Msg)
			}
			return d.place(err, n, path)
		}
	}
	return nil
}

func (d *Decoder) decodeMap(n *yaml.Node, path string, v reflect.Value) error {
	if v.Type().Key().Kind() != reflect.String {
		panic("yamlstrict: map keys must be strings")
	}
	pairs, err := d.Pairs(n, path)
	if err != nil {
		return err
	}
	if v.IsNil() {
		v.Set(reflect.MakeMapWithSize(v.Type(), len(pairs)))
	}
	for _, p := range pairs {
		elem := reflect.New(v.Type().Elem()).Elem()
		if err := d.decode(p[1], Join(path, p[0].Value), elem); err != nil {
			return err
		}
		v.SetMapIndex(reflect.ValueOf(p[0].Value).Convert(v.Type().Key()), elem)
	}
	return nil
}

func (d *Decoder) decodeSlice(n *yaml.Node, path string, v reflect.Value) error {
	if n.Kind != yaml.SequenceNode {
		return d.Errorf(n, path, "expected a list, got %s", describe(n))
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		at := fmt.Sprintf("%s[%d]", path, i)
		// A null item would be a zero value that no Checker sees.
		if isNull(item) || item.Kind == yaml.AliasNode && item.Alias != nil && isNull(item.Alias) {
			return d.Errorf(item, at, "an empty list item; give it a value or remove it")
		}
		if err := d.decode(item, at, s.Index(i)); err != nil {
			return err
		}
	}
	v.Set(s)
	return nil
}

// suggest returns ` (did you mean "x"?)` when a known name is close to got.
func suggest(got string, known []string) string {
	best, dist := Closest(got, known)
	if best == "" || dist > max(2, len(got)/3) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// Closest returns the candidate with the smallest edit distance to s, ignoring
// case, and that distance. Ties go to the first in sorted order.
func Closest(s string, candidates []string) (string, int) {
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	best, bestDist := "", math.MaxInt
	for _, c := range sorted {
		if dd := Levenshtein(strings.ToLower(s), strings.ToLower(c)); dd < bestDist {
			best, bestDist = c, dd
		}
	}
	return best, bestDist
}

// Levenshtein is the edit distance between a and b, by rune. Hand-written: it
// is twenty lines, and no library worth a dependency offers just this.
func Levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
