package config

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/releasebot/releasebot/internal/yamlstrict"
)

// NotesFile is the release notes file that `releasebot release` writes; a
// flag commit must not write over it.
const NotesFile = "RELEASE_NOTES.md"

// gitFiles are names git reads in any directory of the work tree; a render
// target written there would change how git treats the repository.
var gitFiles = []string{".gitattributes", ".gitignore", ".gitmodules"}

// checkRepoPath accepts a path in the one form git stores in a tree: relative,
// separated by /, without ., .. or empty components, not naming .git or a file
// git reads. Other spellings are refused rather than cleaned, because the same
// string is handed to git and to GitHub's API, which would read "./x" or "x/"
// differently (git's update-index silently ignores "./x").
func checkRepoPath(p string) error {
	if !utf8.ValidString(p) {
		return fmt.Errorf("%q is not valid UTF-8", p)
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return fmt.Errorf("%q contains a control character; a path is one line of printable characters", p)
		}
	}
	if strings.Contains(p, `\`) {
		return fmt.Errorf("%q contains \\; separate directories with /", p)
	}
	if strings.HasPrefix(p, "/") || len(p) >= 2 && p[1] == ':' {
		return fmt.Errorf("%q must be a path inside the repository, not absolute", p)
	}
	clean := path.Clean(p)
	if clean == ".." || strings.HasPrefix(clean, "../") || clean == "." {
		return fmt.Errorf("%q must be a file inside the repository", p)
	}
	if strings.HasSuffix(p, "/") {
		return fmt.Errorf("%q ends with /; name a file, such as %s/flags.yaml", p, clean)
	}
	if clean != p {
		return fmt.Errorf("%q is not in the form git stores; write it as %s", p, clean)
	}
	for _, c := range strings.Split(p, "/") {
		f := foldName(c)
		if f == ".git" || f == "git~1" {
			return fmt.Errorf("%q is inside .git", p)
		}
		for _, g := range gitFiles {
			if f == g {
				return fmt.Errorf("%q is git's %s file, which releasebot does not write", p, g)
			}
		}
	}
	return nil
}

// foldName is how case-insensitive file systems compare one path component:
// letter case ignored, trailing dots and spaces dropped (Windows), and the
// code points macOS ignores removed. Unicode normalisation (é as one code
// point or two) is not folded: that needs golang.org/x/text as a direct
// dependency, and git's own checks do not fold it either.
func foldName(c string) string {
	c = strings.Map(func(r rune) rune {
		switch {
		case r >= 0x200c && r <= 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x206a && r <= 0x206f, r == 0xfeff:
			return -1
		}
		return unicode.ToLower(r)
	}, c)
	return strings.TrimRight(c, ". ")
}

func foldPath(p string) string {
	parts := strings.Split(p, "/")
	for i, c := range parts {
		parts[i] = foldName(c)
	}
	return strings.Join(parts, "/")
}

// repoFile is one path of the set checked by checkPathSet.
type repoFile struct {
	key  string     // key path in the configuration, or "" for a fixed file
	what string     // how an error names it
	path string     // as configured
	node *yaml.Node // the key's node, for the line; nil when not in the file
}

// checkPathSet checks that no file releasebot writes in a flag commit (the
// flag file, the render targets) is, contains, or sits inside another file
// it reads or writes: the configuration, the runbook, the release notes, the
// flag file, another render target. Paths are compared as a case-insensitive
// file system would, since macOS and Windows clones check out "Deploy.env"
// and "deploy.env" as one file. The error names the later key and its line.
func (c *Config) checkPathSet(file string, doc *yaml.Node, configPaths []string) error {
	top := mappingValue(doc)
	var fixed []repoFile
	for _, p := range configPaths {
		fixed = append(fixed, repoFile{what: "the configuration file", path: p})
	}
	fixed = append(fixed, repoFile{what: "the release notes", path: NotesFile})
	runbook := repoFile{key: "runbook", what: "the runbook (runbook)", path: c.Runbook, node: keyNode(top, "runbook")}
	flagsFile := repoFile{key: "flags_file", what: "the flag file (flags_file)", path: c.FlagsFile, node: keyNode(top, "flags_file")}

	written := []repoFile{flagsFile}
	var renders *yaml.Node
	if kn := keyNode(top, "render"); kn != nil {
		renders = resolve(valueOf(top, kn))
	}
	for i, r := range c.Render {
		key := fmt.Sprintf("render[%d].path", i)
		var node *yaml.Node
		if renders != nil && renders.Kind == yaml.SequenceNode && i < len(renders.Content) {
			node = keyNode(resolve(renders.Content[i]), "path")
		}
		written = append(written, repoFile{key: key, what: key, path: r.Path, node: node})
	}
	// Each written file against what comes before it: the fixed files, the
	// runbook, then the written files listed earlier.
	seen := append(append([]repoFile(nil), fixed...), runbook)
	for _, w := range written {
		for _, o := range seen {
			msg := clash(w, o)
			if msg == "" {
				continue
			}
			at := w
			if at.node == nil && o.node != nil {
				// A default clashing with a configured value: point at
				// the value, and say it from its side.
				at, msg = o, clash(o, w)
			}
			e := &yamlstrict.Error{File: file, Path: at.key, Msg: msg}
			if at.node != nil {
				e.Line, e.Column = at.node.Line, at.node.Column
			}
			return e
		}
		seen = append(seen, w)
	}
	return nil
}

// clash says how writing w would damage o, or "".
func clash(w, o repoFile) string {
	fw, fo := foldPath(w.path), foldPath(o.path)
	fix := "give each file releasebot writes its own path"
	switch {
	case w.path == o.path:
		return fmt.Sprintf("%q is also %s; a flag commit would overwrite it, so %s", w.path, o.what, fix)
	case fw == fo:
		return fmt.Sprintf("%q is the same file as %s (%q) on a case-insensitive file system (macOS, Windows); %s", w.path, o.what, o.path, fix)
	case strings.HasPrefix(fw, fo+"/"):
		return fmt.Sprintf("%q would be a file inside %s (%q), which is a file; %s", w.path, o.what, o.path, fix)
	case strings.HasPrefix(fo, fw+"/"):
		return fmt.Sprintf("%q is a directory holding %s (%q), and a file cannot be both; %s", w.path, o.what, o.path, fix)
	}
	return ""
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && (n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode) {
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else if len(n.Content) > 0 {
			n = n.Content[0]
		} else {
			return nil
		}
	}
	return n
}

func mappingValue(doc *yaml.Node) *yaml.Node {
	n := resolve(doc)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	return n
}

// keyNode is the key node of key in mapping m, or nil.
func keyNode(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return nil
}

func valueOf(m, key *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i] == key {
			return m.Content[i+1]
		}
	}
	return nil
}
