package githubemu

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// zeroSHA is git's null object id: as update-ref's old value it means "the
// ref must not exist yet".
const zeroSHA = "0000000000000000000000000000000000000000"

// bareRepo is one bare repository on disk driven through git's plumbing, so
// that every object the emulator serves is a real git object.
type bareRepo struct {
	dir string
}

// errRefMoved is update-ref's compare-and-swap failing: the ref was not at
// the old value.
var errRefMoved = errors.New("ref moved")

type gitError struct {
	args   []string
	stderr string
	err    error
}

func (e *gitError) Error() string {
	return fmt.Sprintf("git %s: %v: %s", strings.Join(e.args, " "), e.err, strings.TrimSpace(e.stderr))
}

func (e *gitError) Unwrap() error { return e.err }

// exitCode is the exit status of a failed git, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func initBare(ctx context.Context, dir, branch string) (*bareRepo, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	r := &bareRepo{dir: dir}
	if _, err := r.run(ctx, nil, nil, "init", "--bare", "--quiet", "--initial-branch="+branch, dir); err != nil {
		return nil, err
	}
	return r, nil
}

// run runs git against the repository, isolated from the user's and the
// system's configuration.
func (r *bareRepo) run(ctx context.Context, stdin []byte, env []string, args ...string) ([]byte, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	full := args
	if len(args) == 0 || args[0] != "init" {
		full = append([]string{"--git-dir", r.dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"LC_ALL=C",
	)
	cmd.Env = append(cmd.Env, env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), &gitError{args: args, stderr: stderr.String(), err: err}
	}
	return stdout.Bytes(), nil
}

func (r *bareRepo) runString(ctx context.Context, args ...string) (string, error) {
	out, err := r.run(ctx, nil, nil, args...)
	return strings.TrimSpace(string(out)), err
}

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

// refEntry is one ref: its name, the object it points at, that object's
// kind, and for annotated tags the commit it peels to.
type refEntry struct {
	name, sha, kind, peeled string
}

func (r *bareRepo) refs(ctx context.Context, patterns ...string) ([]refEntry, error) {
	args := append([]string{"for-each-ref", "--format=%(refname) %(objectname) %(objecttype) %(*objectname)"}, patterns...)
	out, err := r.runString(ctx, args...)
	if err != nil {
		return nil, err
	}
	var refs []refEntry
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		e := refEntry{name: f[0], sha: f[1], kind: f[2]}
		if len(f) > 3 {
			e.peeled = f[3]
		}
		refs = append(refs, e)
	}
	return refs, nil
}

// ref returns the object a full ref name points at.
func (r *bareRepo) ref(ctx context.Context, name string) (string, bool) {
	refs, err := r.refs(ctx, name)
	if err != nil {
		return "", false
	}
	for _, e := range refs {
		if e.name == name {
			return e.sha, true
		}
	}
	return "", false
}

// updateRef moves name from old to new with git's compare-and-swap. old ""
// means the ref must not exist; new "" deletes it. A ref not at old is
// errRefMoved.
func (r *bareRepo) updateRef(ctx context.Context, name, newSHA, old string) error {
	if old == "" {
		old = zeroSHA
	}
	args := []string{"update-ref", "--no-deref", name, newSHA, old}
	if newSHA == "" {
		args = []string{"update-ref", "--no-deref", "-d", name, old}
	}
	if _, err := r.run(ctx, nil, nil, args...); err != nil {
		var ge *gitError
		if errors.As(err, &ge) && (strings.Contains(ge.stderr, "but expected") || strings.Contains(ge.stderr, "already exists") ||
			strings.Contains(ge.stderr, "unable to resolve reference") || strings.Contains(ge.stderr, "cannot lock ref")) {
			return errRefMoved
		}
		return err
	}
	return nil
}

// isAncestor tells whether a is an ancestor of (or equal to) b.
func (r *bareRepo) isAncestor(ctx context.Context, a, b string) (bool, error) {
	_, err := r.run(ctx, nil, nil, "merge-base", "--is-ancestor", a, b)
	if err == nil {
		return true, nil
	}
	if exitCode(err) == 1 {
		return false, nil
	}
	return false, err
}

func (r *bareRepo) mergeBase(ctx context.Context, a, b string) (string, bool) {
	out, err := r.runString(ctx, "merge-base", a, b)
	return out, err == nil && out != ""
}

// signature is a commit's author or committer.
type signature struct {
	Name, Email string
	When        time.Time
}

func (s signature) String() string {
	_, off := s.When.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%s <%s> %d %c%02d%02d", sanitizeIdent(s.Name), sanitizeIdent(s.Email), s.When.Unix(), sign, off/3600, off%3600/60)
}

func sanitizeIdent(s string) string {
	return strings.NewReplacer("<", "", ">", "", "\n", " ", "\r", " ").Replace(s)
}

// commitObject is a parsed commit.
type commitObject struct {
	SHA       string
	Tree      string
	Parents   []string
	Author    signature
	Committer signature
	GPGSig    string
	Message   string
}

// writeCommit stores a commit with the message exactly as given.
func (r *bareRepo) writeCommit(ctx context.Context, c commitObject) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "tree %s\n", c.Tree)
	for _, p := range c.Parents {
		fmt.Fprintf(&b, "parent %s\n", p)
	}
	fmt.Fprintf(&b, "author %s\ncommitter %s\n", c.Author, c.Committer)
	if c.GPGSig != "" {
		b.WriteString("gpgsig " + strings.ReplaceAll(strings.TrimRight(c.GPGSig, "\n"), "\n", "\n ") + "\n")
	}
	b.WriteString("\n")
	b.WriteString(c.Message)
	return r.writeObject(ctx, "commit", []byte(b.String()))
}

func parseSignature(s string) signature {
	// "Name <email> 1700000000 +0100"
	lt, gt := strings.Index(s, "<"), strings.LastIndex(s, ">")
	if lt < 0 || gt < lt {
		return signature{Name: s}
	}
	sig := signature{Name: strings.TrimSpace(s[:lt]), Email: s[lt+1 : gt]}
	f := strings.Fields(s[gt+1:])
	if len(f) == 2 {
		sec, _ := strconv.ParseInt(f[0], 10, 64)
		tz := f[1]
		loc := time.UTC
		if len(tz) == 5 {
			h, _ := strconv.Atoi(tz[1:3])
			m, _ := strconv.Atoi(tz[3:5])
			off := h*3600 + m*60
			if tz[0] == '-' {
				off = -off
			}
			if off != 0 {
				loc = time.FixedZone("", off)
			}
		}
		sig.When = time.Unix(sec, 0).In(loc)
	}
	return sig
}

func parseCommit(sha string, data []byte) commitObject {
	c := commitObject{SHA: sha}
	text := string(data)
	head, msg, _ := strings.Cut(text, "\n\n")
	c.Message = msg
	lines := strings.Split(head, "\n")
	for i := 0; i < len(lines); i++ {
		key, val, _ := strings.Cut(lines[i], " ")
		switch key {
		case "tree":
			c.Tree = val
		case "parent":
			c.Parents = append(c.Parents, val)
		case "author":
			c.Author = parseSignature(val)
		case "committer":
			c.Committer = parseSignature(val)
		case "gpgsig":
			sig := val
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], " ") {
				i++
				sig += "\n" + lines[i][1:]
			}
			c.GPGSig = sig
		}
	}
	return c
}

// commits reads and parses commits by id; a missing or non-commit id is an
// error.
func (r *bareRepo) commits(ctx context.Context, shas ...string) ([]commitObject, error) {
	objs, err := r.readObjects(ctx, shas...)
	if err != nil {
		return nil, err
	}
	out := make([]commitObject, len(objs))
	for i, o := range objs {
		if o.kind != "commit" {
			return nil, fmt.Errorf("%s is not a commit", shas[i])
		}
		out[i] = parseCommit(o.sha, o.data)
	}
	return out, nil
}

func (r *bareRepo) commit(ctx context.Context, sha string) (commitObject, error) {
	cs, err := r.commits(ctx, sha)
	if err != nil {
		return commitObject{}, err
	}
	return cs[0], nil
}

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

// revList lists commit ids reachable from rev, newest first, skipping skip
// and returning at most max (all when max < 0), limited to commits touching
// path when path is not "", and to committer dates in [since, until].
func (r *bareRepo) revList(ctx context.Context, rev, path string, since, until time.Time, skip, max int, extra ...string) ([]string, error) {
	args := []string{"rev-list"}
	if max >= 0 {
		args = append(args, "--max-count="+strconv.Itoa(max))
	}
	if skip > 0 {
		args = append(args, "--skip="+strconv.Itoa(skip))
	}
	if !since.IsZero() {
		args = append(args, "--since="+strconv.FormatInt(since.Unix(), 10))
	}
	if !until.IsZero() {
		args = append(args, "--until="+strconv.FormatInt(until.Unix(), 10))
	}
	args = append(args, extra...)
	args = append(args, rev, "--")
	if path != "" {
		args = append(args, path)
	}
	out, err := r.runString(ctx, args...)
	if err != nil {
		return nil, err
	}
	if out == "" {
		return nil, nil
	}
	return strings.Split(out, "\n"), nil
}

// countCommits counts what revList would list without skip and max.
func (r *bareRepo) countCommits(ctx context.Context, rev, path string, since, until time.Time) (int, error) {
	args := []string{"rev-list", "--count"}
	if !since.IsZero() {
		args = append(args, "--since="+strconv.FormatInt(since.Unix(), 10))
	}
	if !until.IsZero() {
		args = append(args, "--until="+strconv.FormatInt(until.Unix(), 10))
	}
	args = append(args, rev, "--")
	if path != "" {
		args = append(args, path)
	}
	out, err := r.runString(ctx, args...)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(out)
}

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
