package repofile

import (
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// LsTreeArgs are the arguments of the git command that lists rel at rev for
// ParseTreeEntry: `git ls-tree -l -z --full-tree REV -- REL`. --full-tree
// makes rel relative to the top of the repository whatever the directory git
// runs in, as `cat-file REV:REL` is.
func LsTreeArgs(rev, rel string) []string {
	return []string{"ls-tree", "-l", "-z", "--full-tree", rev, "--", path.Clean(filepath.ToSlash(rel))}
}

// TreeEntry is one entry of a git tree.
type TreeEntry struct {
	Mode string // "100644", "120000", "040000", …
	Hash string
	Size int64 // -1 for a tree or a submodule
}

// ParseTreeEntry finds rel in the output of `git ls-tree` run with LsTreeArgs.
// ok is false when the tree has no entry of that exact path.
func ParseTreeEntry(out, rel string) (e TreeEntry, ok bool) {
	want := path.Clean(filepath.ToSlash(rel))
	for _, rec := range strings.Split(out, "\x00") {
		meta, name, found := strings.Cut(rec, "\t")
		if !found || name != want {
			continue
		}
		f := strings.Fields(meta)
		if len(f) != 4 {
			continue
		}
		e = TreeEntry{Mode: f[0], Hash: f[2], Size: -1}
		if n, err := strconv.ParseInt(f[3], 10, 64); err == nil {
			e.Size = n
		}
		return e, true
	}
	return TreeEntry{}, false
}

// Check applies CheckBlob's rule to the entry.
func (e TreeEntry) Check(what, rel string, limit int64) error {
	return CheckBlob(what, rel, e.Mode, e.Size, limit)
}
