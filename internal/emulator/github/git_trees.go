package githubemu

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// treeEntry is one entry of a tree as ls-tree prints it.
type treeEntry struct {
	Mode, Type, SHA, Path string
	Size                  int // blobs only; -1 otherwise
}

// lsTree lists a tree (recursively, with the subtrees themselves, when
// recursive), or the entries named by paths.
func (r *bareRepo) lsTree(ctx context.Context, treeish string, recursive bool, paths ...string) ([]treeEntry, error) {
	args := []string{"ls-tree", "-z", "-l", "--full-tree"}
	if recursive {
		args = append(args, "-r", "-t")
	}
	args = append(args, treeish, "--")
	args = append(args, paths...)
	out, err := r.run(ctx, nil, nil, args...)
	if err != nil {
		return nil, err
	}
	var entries []treeEntry
	for _, rec := range strings.Split(string(out), "\x00") {
		if rec == "" {
			continue
		}
		meta, path, ok := strings.Cut(rec, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta)
		if len(f) != 4 {
			continue
		}
		size := -1
		if f[3] != "-" {
			size, _ = strconv.Atoi(f[3])
		}
		entries = append(entries, treeEntry{Mode: f[0], Type: f[1], SHA: f[2], Path: path, Size: size})
	}
	return entries, nil
}

// treeEdit is one change to a tree: a blob, subtree or submodule at Path, or
// the removal of Path (file or directory) when SHA is "".
type treeEdit struct {
	Path, Mode, Type, SHA string
}

// buildTree applies edits on top of base (a tree id, or "" for the empty
// tree) with a private index and returns the new tree's id.
func (r *bareRepo) buildTree(ctx context.Context, base string, edits []treeEdit) (string, error) {
	tmp, err := os.MkdirTemp("", "ghemu-index-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	env := []string{"GIT_INDEX_FILE=" + filepath.Join(tmp, "index")}
	if base != "" {
		if _, err := r.run(ctx, nil, env, "read-tree", base); err != nil {
			return "", err
		}
	} else if _, err := r.run(ctx, nil, env, "read-tree", "--empty"); err != nil {
		return "", err
	}
	listed := func(prefix string) ([]string, error) {
		out, err := r.run(ctx, nil, env, "ls-files", "-z", "--cached", "--", prefix)
		if err != nil {
			return nil, err
		}
		var paths []string
		for _, p := range strings.Split(string(out), "\x00") {
			if p != "" {
				paths = append(paths, p)
			}
		}
		return paths, nil
	}
	remove := func(path string) error {
		paths, err := listed(path)
		if err != nil {
			return err
		}
		if len(paths) == 0 {
			return nil
		}
		var in bytes.Buffer
		for _, p := range paths {
			fmt.Fprintf(&in, "0 %s\t%s\x00", zeroSHA, p)
		}
		_, err = r.run(ctx, in.Bytes(), env, "update-index", "-z", "--index-info")
		return err
	}
	for _, e := range edits {
		switch {
		case e.SHA == "":
			if err := remove(e.Path); err != nil {
				return "", err
			}
		case e.Type == "tree":
			if err := remove(e.Path); err != nil {
				return "", err
			}
			if _, err := r.run(ctx, nil, env, "read-tree", "--prefix="+e.Path+"/", e.SHA); err != nil {
				return "", err
			}
		default:
			// A file replacing a directory, or a directory path through a
			// file, must first clear what is in the way.
			if err := remove(e.Path); err != nil {
				return "", err
			}
			for dir := filepath.Dir(e.Path); dir != "." && dir != "/"; dir = filepath.Dir(dir) {
				if paths, err := listed(dir); err != nil {
					return "", err
				} else if len(paths) == 1 && paths[0] == dir {
					if err := remove(dir); err != nil {
						return "", err
					}
				}
			}
			in := fmt.Sprintf("%s %s\t%s\x00", e.Mode, e.SHA, e.Path)
			if _, err := r.run(ctx, []byte(in), env, "update-index", "--add", "-z", "--index-info"); err != nil {
				return "", err
			}
		}
	}
	b, err := r.run(ctx, nil, env, "write-tree")
	out := strings.TrimSpace(string(b))
	return out, err
}

// mergeTrees merges head into base (commits) and returns the merged tree,
// or ok=false on conflicts.
func (r *bareRepo) mergeTrees(ctx context.Context, base, head string) (tree string, ok bool, err error) {
	out, err := r.run(ctx, nil, nil, "merge-tree", "--write-tree", "--no-messages", base, head)
	if err != nil {
		if exitCode(err) == 1 {
			return "", false, nil
		}
		return "", false, err
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(first), true, nil
}
