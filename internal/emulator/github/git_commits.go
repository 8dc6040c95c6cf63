package githubemu

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

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
