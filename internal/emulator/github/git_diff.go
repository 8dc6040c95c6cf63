package githubemu

import (
	"context"
	"sort"
	"strconv"
	"strings"
)

// fileChange is one file of a diff as GitHub's compare and commit APIs list it.
type fileChange struct {
	Filename, PreviousFilename string
	Status                     string // added, removed, modified, renamed
	Additions, Deletions       int
	SHA                        string // the blob after the change ("" when removed)
}

// diff lists the files changed from tree-ish a to tree-ish b ("" a means the
// empty tree: a root commit).
func (r *bareRepo) diff(ctx context.Context, a, b string) ([]fileChange, error) {
	args := []string{"diff-tree", "-r", "-z", "--no-commit-id", "-M"}
	if a == "" {
		args = append(args, "--root", b)
	} else {
		args = append(args, a, b)
	}
	raw, err := r.run(ctx, nil, nil, append(args[:len(args):len(args)], "--raw")...)
	if err != nil {
		return nil, err
	}
	num, err := r.run(ctx, nil, nil, append(args[:len(args):len(args)], "--numstat")...)
	if err != nil {
		return nil, err
	}
	var changes []fileChange
	byName := map[string]*fileChange{}
	f := strings.Split(string(raw), "\x00")
	for i := 0; i < len(f); i++ {
		if !strings.HasPrefix(f[i], ":") {
			continue
		}
		meta := strings.Fields(f[i])
		if len(meta) < 5 || i+1 >= len(f) {
			break
		}
		c := fileChange{SHA: meta[3]}
		status := meta[4]
		switch status[0] {
		case 'A':
			c.Status = "added"
		case 'D':
			c.Status, c.SHA = "removed", ""
		case 'R':
			c.Status = "renamed"
		default:
			c.Status = "modified"
		}
		if status[0] == 'R' || status[0] == 'C' {
			c.PreviousFilename, c.Filename = f[i+1], f[i+2]
			i += 2
		} else {
			c.Filename = f[i+1]
			i++
		}
		changes = append(changes, c)
	}
	for i := range changes {
		byName[changes[i].Filename] = &changes[i]
	}
	// numstat -z: "add\tdel\tpath\0" or for renames "add\tdel\t\0old\0new\0".
	nf := strings.Split(string(num), "\x00")
	for i := 0; i < len(nf); i++ {
		parts := strings.SplitN(nf[i], "\t", 3)
		if len(parts) != 3 {
			continue
		}
		name := parts[2]
		if name == "" && i+2 < len(nf) {
			name = nf[i+2]
			i += 2
		}
		if c := byName[name]; c != nil {
			c.Additions, _ = strconv.Atoi(parts[0])
			c.Deletions, _ = strconv.Atoi(parts[1])
		}
	}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].Filename < changes[j].Filename })
	return changes, nil
}
