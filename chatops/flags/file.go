// Package flags owns the flag file (.release/flags.yaml): loading it with
// line-numbered errors, saving it with comments and key order kept so that a
// change is a one-line diff, describing changes in words, evaluating flags for
// a user with flagd's cohort arithmetic, and rendering dotenv, flagd and JSON.
package flags

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/yamlstrict"
)

// File is the flag state of every environment, in file order. It keeps the
// parsed YAML so that Marshal changes only what changed.
type File struct {
	Environments []*Environment
	doc          *yaml.Node
}

// Environment is one environment's canary and flags.
type Environment struct {
	Name          string
	CanaryPercent int
	// Cohort is the bucketing seed; empty means the environment's name.
	Cohort string
	Flags  []*Flag
}

// Flag is one feature flag in one environment.
type Flag struct {
	Name     string
	Default  bool  // on or off when neither override nor canary applies
	Canary   bool  // on for users in the canary cohort
	Override *bool // when set, the value for everyone
}

var (
	flagNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	envNameRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
)

// MaxFlags bounds the flags of a file over all its environments, an alias
// counting once for every place it is used. Without aliases a file within
// limits.RepoFile holds fewer; the bound is for aliases of aliases, which
// would otherwise make a small file expand into millions of flags.
const MaxFlags = 100_000

// MaxEnvironments bounds the environments of a file. Teams have a handful;
// the bound keeps a file of 300 000 empty environments, within
// limits.RepoFile, from costing a command a minute.
const MaxEnvironments = 1000

// Parse reads a flag file. name is used in errors (the file's path). Unknown
// keys, wrong types, a percentage outside 0–100, a flag without a default and
// duplicate names are errors carrying the line. A file larger than
// limits.RepoFile is a *limits.TooLargeError, refused before it is decoded;
// more than MaxEnvironments environments or MaxFlags flags is an error at the
// mapping that runs over.
// The work is linear in the size of the file.
func Parse(name string, data []byte) (*File, error) {
	if int64(len(data)) > limits.RepoFile {
		return nil, &limits.TooLargeError{What: "the flag file " + name, Size: int64(len(data)), Limit: limits.RepoFile}
	}
	doc, err := yamlstrict.Parse(name, data)
	if err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, &yamlstrict.Error{File: name, Msg: "the flag file is empty; it needs an environments: mapping"}
	}
	d := &yamlstrict.Decoder{File: name}
	root := doc.Content[0]
	pairs, err := d.Pairs(root, "")
	if err != nil {
		return nil, err
	}
	f := &File{doc: doc}
	found, count := false, 0
	for _, p := range pairs {
		if p[0].Value != "environments" {
			return nil, d.Errorf(p[0], p[0].Value, "unknown key (the flag file has one top-level key: environments)")
		}
		found = true
		envs, err := d.Pairs(p[1], "environments")
		if err != nil {
			return nil, err
		}
		if len(envs) > MaxEnvironments {
			return nil, d.Errorf(p[1], "environments", "%d environments, over releasebot's limit of %d; keep the environments you deploy to", len(envs), MaxEnvironments)
		}
		for _, ep := range envs {
			env, err := parseEnvironment(d, ep[0], ep[1], &count)
			if err != nil {
				return nil, err
			}
			f.Environments = append(f.Environments, env)
		}
	}
	if !found || len(f.Environments) == 0 {
		return nil, d.Errorf(root, "environments", "no environments; add at least one, e.g. prod")
	}
	return f, nil
}

// parseEnvironment reads one environment; count is the number of flags read
// so far in the file.
func parseEnvironment(d *yamlstrict.Decoder, key, val *yaml.Node, count *int) (*Environment, error) {
	path := "environments." + key.Value
	if !envNameRe.MatchString(key.Value) {
		return nil, d.Errorf(key, path, "%s is not an environment name (letters, digits, - and _)", yamlstrict.QuoteNode(key))
	}
	env := &Environment{Name: key.Value}
	pairs, err := d.Pairs(val, path)
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		k, v := p[0], p[1]
		kp := path + "." + k.Value
		switch k.Value {
		case "canary_percent":
			if err := d.Decode(v, kp, &env.CanaryPercent); err != nil {
				return nil, err
			}
			if env.CanaryPercent < 0 || env.CanaryPercent > 100 {
				return nil, d.Errorf(v, kp, "must be 0 to 100, got %d", env.CanaryPercent)
			}
		case "cohort":
			if err := d.Decode(v, kp, &env.Cohort); err != nil {
				return nil, err
			}
		case "flags":
			flags, err := d.Pairs(v, kp)
			if err != nil {
				return nil, err
			}
			// Counted before the flags are read, so that an alias bomb is
			// refused after one pass over what the file holds.
			if *count += len(flags); *count > MaxFlags {
				return nil, d.Errorf(v, kp, "the file has more than %d flags over all its environments (an alias counts once for each use), over releasebot's limit; split it or use fewer aliases", MaxFlags)
			}
			for _, fp := range flags {
				fl, err := parseFlag(d, kp, fp[0], fp[1])
				if err != nil {
					return nil, err
				}
				env.Flags = append(env.Flags, fl)
			}
		default:
			return nil, d.Errorf(k, kp, "unknown key (an environment has canary_percent, cohort and flags)")
		}
	}
	return env, nil
}

func parseFlag(d *yamlstrict.Decoder, parent string, key, val *yaml.Node) (*Flag, error) {
	path := parent + "." + key.Value
	if !flagNameRe.MatchString(key.Value) {
		return nil, d.Errorf(key, path, "%s is not a flag name (letters, digits and _, not starting with a digit)", yamlstrict.QuoteNode(key))
	}
	fl := &Flag{Name: key.Value}
	pairs, err := d.Pairs(val, path)
	if err != nil {
		return nil, err
	}
	hasDefault := false
	for _, p := range pairs {
		k, v := p[0], p[1]
		kp := path + "." + k.Value
		switch k.Value {
		case "default":
			b, err := onOff(d, v, kp, false)
			if err != nil {
				return nil, err
			}
			fl.Default, hasDefault = *b, true
		case "canary":
			if err := d.Decode(v, kp, &fl.Canary); err != nil {
				return nil, err
			}
		case "override":
			b, err := onOff(d, v, kp, true)
			if err != nil {
				return nil, err
			}
			fl.Override = b
		default:
			return nil, d.Errorf(k, kp, "unknown key (a flag has default, canary and override)")
		}
	}
	if !hasDefault {
		return nil, d.Errorf(key, path, "missing default: write {default: off} or {default: on}")
	}
	return fl, nil
}

// onOff reads on/off (or true/false). With nullable, an empty value or
// "none" means no value.
func onOff(d *yamlstrict.Decoder, n *yaml.Node, path string, nullable bool) (*bool, error) {
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case "on", "true", "On", "ON", "True", "TRUE":
			t := true
			return &t, nil
		case "off", "false", "Off", "OFF", "False", "FALSE":
			f := false
			return &f, nil
		case "", "~", "null", "none":
			if nullable && (n.ShortTag() == "!!null" || n.Value == "none") {
				return nil, nil
			}
		}
	}
	return nil, d.Errorf(n, path, "expected on or off, got %s", yamlstrict.QuoteNode(n))
}

// Env returns the named environment, or nil. It scans the environments:
// code that looks up every environment builds a map instead.
func (f *File) Env(name string) *Environment {
	probed(len(f.Environments))
	for _, e := range f.Environments {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// EnvNames lists the environments in file order.
func (f *File) EnvNames() []string {
	out := make([]string, len(f.Environments))
	for i, e := range f.Environments {
		out[i] = e.Name
	}
	return out
}

// Flag returns the named flag, or nil. It scans the flags: code that looks
// up every flag builds a map instead (see Diff), or a command on a file of
// 40 000 flags takes seconds.
func (e *Environment) Flag(name string) *Flag {
	probed(len(e.Flags))
	for _, fl := range e.Flags {
		if fl.Name == name {
			return fl
		}
	}
	return nil
}

// FlagNames lists the environment's flags in file order.
func (e *Environment) FlagNames() []string {
	out := make([]string, len(e.Flags))
	for i, fl := range e.Flags {
		out[i] = fl.Name
	}
	return out
}

// CohortSeed is the bucketing seed: Cohort, or the environment's name.
func (e *Environment) CohortSeed() string {
	if e.Cohort != "" {
		return e.Cohort
	}
	return e.Name
}

// Clone returns a deep copy that shares nothing mutable with f, including the
// YAML it will be saved over.
func (f *File) Clone() *File {
	c := &File{doc: cloneNode(f.doc)}
	for _, e := range f.Environments {
		ce := *e
		ce.Flags = make([]*Flag, len(e.Flags))
		for i, fl := range e.Flags {
			cf := *fl
			if fl.Override != nil {
				v := *fl.Override
				cf.Override = &v
			}
			ce.Flags[i] = &cf
		}
		c.Environments = append(c.Environments, &ce)
	}
	return c
}

func cloneNode(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, ch := range n.Content {
		c.Content[i] = cloneNode(ch)
	}
	// Aliases point into the tree; they are rare in flag files and kept shared.
	return &c
}

// Marshal writes the file back. Comments, key order and flow style of the
// original are kept; only values that changed are rewritten, so a change is a
// one-line diff.
func (f *File) Marshal() ([]byte, error) {
	doc := f.doc
	if doc == nil {
		doc = &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	// An edit through an alias would change every user of the anchor, or be
	// lost; edit plain copies instead.
	expandAliases(doc)
	root := doc.Content[0]
	// The environments and each environment's flags are looked up through
	// an index built once: a scan per flag made saving quadratic. The other
	// mappings hold three keys at most (Parse sees to that).
	envs := indexKeys(mapValue(root, "environments", newMapping))
	for _, e := range f.Environments {
		en := envs.value(e.Name, newMapping)
		setScalar(en, "canary_percent", strconv.Itoa(e.CanaryPercent), "!!int", true)
		if e.Cohort != "" {
			setScalar(en, "cohort", e.Cohort, "!!str", true)
		} else {
			deleteKey(en, "cohort")
		}
		fn := indexKeys(mapValue(en, "flags", newMapping))
		for _, fl := range e.Flags {
			n := fn.value(fl.Name, newFlowMapping)
			setScalar(n, "default", word(fl.Default), "!!str", true)
			if fl.Canary {
				setScalar(n, "canary", "true", "!!bool", true)
			} else if v := lookupKey(n, "canary"); v != nil {
				setScalar(n, "canary", "false", "!!bool", true)
			}
			if fl.Override != nil {
				setScalar(n, "override", word(*fl.Override), "!!str", true)
			} else {
				deleteKey(n, "override")
			}
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("could not encode the flag file: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("could not encode the flag file: %w", err)
	}
	return buf.Bytes(), nil
}

// expandAliases replaces every alias with a copy of what it points at and
// drops the anchors, so each value can be edited on its own.
func expandAliases(n *yaml.Node) {
	n.Anchor = ""
	for i, c := range n.Content {
		if c.Kind == yaml.AliasNode && c.Alias != nil {
			n.Content[i] = cloneNode(c.Alias)
		}
		expandAliases(n.Content[i])
	}
}

func word(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func newMapping() *yaml.Node     { return &yaml.Node{Kind: yaml.MappingNode} }
func newFlowMapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle} }

// keyIndex finds the values of a mapping node by key without a scan.
type keyIndex struct {
	m  *yaml.Node
	at map[string]int // key → index of its value in m.Content
}

// indexKeys indexes m's keys. Like lookupKey, the first of duplicate keys
// wins.
func indexKeys(m *yaml.Node) *keyIndex {
	x := &keyIndex{m: m, at: make(map[string]int, len(m.Content)/2)}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if _, dup := x.at[m.Content[i].Value]; !dup {
			x.at[m.Content[i].Value] = i + 1
		}
	}
	return x
}

// value is mapValue through the index: key's value, made with mk when the
// key is missing or null. The index must be the only writer of m meanwhile.
func (x *keyIndex) value(key string, mk func() *yaml.Node) *yaml.Node {
	if i, ok := x.at[key]; ok {
		v := x.m.Content[i]
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			*v = *mk()
		}
		return v
	}
	v := mk()
	x.m.Content = append(x.m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
	x.at[key] = len(x.m.Content) - 1
	return v
}

func lookupKey(m *yaml.Node, key string) *yaml.Node {
	probed(len(m.Content) / 2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func mapValue(m *yaml.Node, key string, mk func() *yaml.Node) *yaml.Node {
	if v := lookupKey(m, key); v != nil {
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			*v = *mk()
		}
		return v
	}
	v := mk()
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
	return v
}

// setScalar sets key to value, keeping the node (and its comments and style)
// when the value is unchanged in meaning.
func setScalar(m *yaml.Node, key, value, tag string, create bool) {
	if v := lookupKey(m, key); v != nil {
		if v.Kind == yaml.ScalarNode && (v.Value == value || sameSwitch(v.Value, value)) {
			return
		}
		v.Kind, v.Value, v.Tag, v.Style, v.Content, v.Alias = yaml.ScalarNode, value, tag, 0, nil, nil
		return
	}
	if create {
		m.Content = append(m.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value})
	}
}

func deleteKey(m *yaml.Node, key string) {
	probed(len(m.Content) / 2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// probes, when set by a test, counts the entries the lookups above scan, so
// that a test can check a command's work grows linearly with the file
// without timing it. It is nil outside tests.
var probes *int

func probed(n int) {
	if probes != nil {
		*probes += n
	}
}

// sameSwitch reports whether two spellings mean the same switch position
// ("true" and "on"), so a hand-written "true" is not rewritten for nothing.
func sameSwitch(a, b string) bool {
	pos := func(s string) int {
		switch strings.ToLower(s) {
		case "on", "true":
			return 1
		case "off", "false":
			return 2
		}
		return 0
	}
	return pos(a) != 0 && pos(a) == pos(b)
}
