package githubemu

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// writeObject stores an object of kind (blob, tree, commit, tag) and returns
// its id. git checks the format of trees, commits and tags.
func (r *bareRepo) writeObject(ctx context.Context, kind string, content []byte) (string, error) {
	out, err := r.run(ctx, content, nil, "hash-object", "-w", "-t", kind, "--stdin")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// object is one object read back from the repository.
type object struct {
	sha  string
	kind string // blob, tree, commit, tag; "" when missing
	data []byte
}

// readObjects reads objects by id (or any revision git understands) in one
// git cat-file --batch. Missing objects come back with kind "".
func (r *bareRepo) readObjects(ctx context.Context, revs ...string) ([]object, error) {
	if len(revs) == 0 {
		return nil, nil
	}
	var in bytes.Buffer
	for _, rev := range revs {
		if strings.ContainsAny(rev, "\n\r") {
			rev = zeroSHA
		}
		in.WriteString(rev + "\n")
	}
	out, err := r.run(ctx, in.Bytes(), nil, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(bytes.NewReader(out))
	objs := make([]object, 0, len(revs))
	for range revs {
		header, err := br.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("git cat-file: short output: %w", err)
		}
		f := strings.Fields(header)
		if len(f) != 3 {
			objs = append(objs, object{}) // "<rev> missing" or "ambiguous"
			continue
		}
		size, err := strconv.Atoi(f[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file: bad header %q", header)
		}
		data := make([]byte, size+1)
		if _, err := io.ReadFull(br, data); err != nil {
			return nil, fmt.Errorf("git cat-file: short object: %w", err)
		}
		objs = append(objs, object{sha: f[0], kind: f[1], data: data[:size]})
	}
	return objs, nil
}

func (r *bareRepo) readObject(ctx context.Context, rev string) (object, error) {
	objs, err := r.readObjects(ctx, rev)
	if err != nil {
		return object{}, err
	}
	return objs[0], nil
}

// resolve turns a revision (sha, branch, tag, refs/…) into the id of the
// object of kind it peels to ("commit", "tree"; "object" for any object
// that exists; "" for no peeling, where a full sha need not exist).
func (r *bareRepo) resolve(ctx context.Context, rev, kind string) (string, bool) {
	if rev == "" || strings.HasPrefix(rev, "-") || strings.ContainsAny(rev, " \t\n\r:^~\\?*[") ||
		strings.Contains(rev, "..") || strings.Contains(rev, "@{") {
		return "", false
	}
	spec := rev
	if kind != "" {
		spec += "^{" + kind + "}"
	}
	out, err := r.runString(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", spec)
	if err != nil || out == "" {
		return "", false
	}
	return out, true
}
