package releasenotes

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
)

// Repo reads a local clone with the git CLI. The zero value reads the current
// directory.
type Repo struct {
	// Dir is the clone's working tree (or any directory inside it).
	Dir string
	// Env is added to the process environment of every git run; tests use it
	// to make git hermetic (HOME, GIT_CONFIG_NOSYSTEM, …).
	Env []string
	// Progress, when set, is called while the history is read with the
	// number of commits read so far, every few hundred commits and at the end.
	Progress func(commits int)
}

// Tag is a release tag: a tag named prefix + semantic version.
type Tag struct {
	Name    string          `json:"name"`
	Version *semver.Version `json:"version"`
}

// IsZero reports whether there is no tag.
func (t Tag) IsZero() bool { return t.Name == "" }

// Person is a commit author or co-author. Login is the GitHub login when the
// caller knows it (from the GitHub API); git alone knows name and e-mail.
type Person struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	Login string `json:"login,omitempty"`
}

// PullRequest is what GitHub knows of the pull request that brought a change.
// From git alone only Number is known (from "(#12)" subjects and merge
// commits); later callers fill the rest from the API.
type PullRequest struct {
	Number int      `json:"number"`
	Title  string   `json:"title,omitempty"`
	Labels []string `json:"labels,omitempty"`
	// Author is the GitHub login of the pull request's author.
	Author string `json:"author,omitempty"`
	// URL is the pull request's page; empty means derive it from the
	// repository URL.
	URL string `json:"url,omitempty"`
}

// Change is one commit of a release, parsed, with the pull request that
// brought it when known. The raw message is not kept.
type Change struct {
	Hash string `json:"hash"`
	// Merge is set for a merge commit; only merges with a conventional
	// subject are changes, the others lend their PR number to the commits
	// they merged.
	Merge        bool         `json:"merge,omitempty"`
	Author       Person       `json:"author"`
	CoAuthors    []Person     `json:"co_authors,omitempty"`
	Date         time.Time    `json:"date"`
	Subject      string       `json:"subject"`
	Type         string       `json:"type,omitempty"`
	Scope        string       `json:"scope,omitempty"`
	Description  string       `json:"description"`
	Breaking     bool         `json:"breaking,omitempty"`
	BreakingNote string       `json:"breaking_note,omitempty"`
	ReleaseAs    string       `json:"release_as,omitempty"`
	Revert       *Revert      `json:"revert,omitempty"`
	Flags        []string     `json:"flags,omitempty"`
	PR           *PullRequest `json:"pr,omitempty"`
}

// Conventional reports whether the subject follows Conventional Commits.
func (c *Change) Conventional() bool { return c.Type != "" }

// NewChange makes a change from a commit's facts and its message.
func NewChange(hash string, author Person, date time.Time, message string) Change {
	m := ParseCommit(message)
	c := Change{
		Hash: hash, Author: author, Date: date,
		Subject: m.Subject, Type: m.Type, Scope: m.Scope, Description: m.Description,
		Breaking: m.Breaking, BreakingNote: m.BreakingNote, ReleaseAs: m.ReleaseAs,
		Revert: m.Revert, Flags: FlagNames(message),
	}
	if m.PR > 0 {
		c.PR = &PullRequest{Number: m.PR}
	}
	for _, f := range m.Footers {
		if strings.EqualFold(f.Token, "Co-authored-by") {
			c.CoAuthors = append(c.CoAuthors, parsePerson(f.Value))
		}
	}
	return c
}

// parsePerson reads "Name <email>".
func parsePerson(s string) Person {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 && strings.HasSuffix(s, ">") {
		return Person{Name: strings.TrimSpace(s[:i]), Email: s[i+1 : len(s)-1]}
	}
	return Person{Name: s}
}

// History is the range of a release: the commits after the last release tag
// up to a revision.
type History struct {
	// Previous is the last release tag the range starts from; zero when the
	// range starts at the root (no release yet).
	Previous Tag `json:"previous"`
	// From is the range's exclusive start as given or found; empty at the root.
	From string `json:"from,omitempty"`
	// To is the range's end as given ("HEAD" by default); Head its hash.
	To   string `json:"to"`
	Head string `json:"head"`
	// Target is the release tag To names, when it names one: the notes are
	// then that release's, and the range starts at the release before it.
	Target Tag `json:"target,omitzero"`
	// Commits counts every commit in the range, merges included.
	Commits int `json:"commits"`
	// Changes are newest first, in git log order.
	Changes []Change `json:"changes"`
	// Merged maps each merge commit of the range to the commits it brought
	// in (reachable from its other parents, off the first-parent line of
	// the head), so that a revert of the merge ("git revert -m 1", GitHub's
	// Revert button on a merged pull request) undoes all of them.
	Merged map[string][]string `json:"merged,omitempty"`
}

// RangeOptions says which history to read.
type RangeOptions struct {
	// From is the exclusive start: a tag or any revision. Empty means the
	// last release tag reachable from To, or the root when there is none.
	From string
	// To is the inclusive end; empty means HEAD.
	To string
	// TagPrefix prefixes version tags ("v").
	TagPrefix string
}

// ErrShallow is returned when the clone is shallow, so that the range may be
// cut short; the error message says how to fetch the history.
var ErrShallow = errors.New("the clone is shallow, so the history since the last release may be incomplete; fetch it with 'git fetch --unshallow --tags' (or set fetch-depth: 0 on actions/checkout)")

// History reads the range. It streams git log and keeps only the parsed
// changes. Errors name the revision at fault; a shallow clone is ErrShallow.
func (r *Repo) History(ctx context.Context, o RangeOptions) (*History, error) {
	if shallow, err := r.output(ctx, "rev-parse", "--is-shallow-repository"); err != nil {
		return nil, err
	} else if strings.TrimSpace(shallow) == "true" {
		return nil, ErrShallow
	}
	h := &History{To: o.To, From: o.From}
	if h.To == "" {
		h.To = "HEAD"
	}
	head, err := r.resolve(ctx, h.To)
	if err != nil {
		return nil, err
	}
	h.Head = head
	if v, ok := versionOf(h.To, o.TagPrefix); ok {
		h.Target = Tag{Name: h.To, Version: v}
	}
	var from string
	if h.From == "" {
		if h.Previous, err = r.lastTag(ctx, o.TagPrefix, head, !h.Target.IsZero()); err != nil {
			return nil, err
		}
		h.From = h.Previous.Name
		if h.From != "" {
			from = "refs/tags/" + h.From
		}
	} else {
		if from, err = r.resolve(ctx, h.From); err != nil {
			return nil, err
		}
		if v, ok := versionOf(h.From, o.TagPrefix); ok {
			h.Previous = Tag{Name: h.From, Version: v}
		} else if h.Previous, err = r.LastTag(ctx, o.TagPrefix, from); err != nil {
			return nil, err
		}
	}
	rng := head
	if from != "" {
		rng = from + ".." + head
	}
	var parents map[string][]string
	err = r.log(ctx, rng, func(hash string, ps []string, author Person, date time.Time, msg []byte) {
		h.Commits++
		if parents == nil {
			parents = make(map[string][]string)
		}
		parents[hash] = ps
		c := NewChange(hash, author, date, string(msg))
		c.Merge = len(ps) > 1
		h.Changes = append(h.Changes, c)
	})
	if err != nil {
		return nil, err
	}
	attributeMerges(h, parents)
	kept := h.Changes[:0]
	for _, c := range h.Changes {
		if !c.Merge || c.Conventional() {
			kept = append(kept, c)
		}
	}
	h.Changes = kept
	return h, nil
}

// attributeMerges records what each merge commit brought in — the commits
// reachable from the merge's other parents without crossing the
// first-parent line from the head — in h.Merged, and gives those commits
// the merge's pull request number. Older merges go first, so a PR merged
// into another PR keeps its own number.
func attributeMerges(h *History, parents map[string][]string) {
	index := make(map[string]int, len(h.Changes))
	for i, c := range h.Changes {
		index[c.Hash] = i
	}
	mainline := map[string]bool{}
	for at := h.Head; ; {
		ps, ok := parents[at]
		if !ok || mainline[at] {
			break
		}
		mainline[at] = true
		if len(ps) == 0 {
			break
		}
		at = ps[0]
	}
	for i := len(h.Changes) - 1; i >= 0; i-- {
		m := h.Changes[i]
		if !m.Merge {
			continue
		}
		seen := map[string]bool{}
		var brought []string
		queue := append([]string(nil), parents[m.Hash][1:]...)
		for len(queue) > 0 {
			at := queue[0]
			queue = queue[1:]
			j, ok := index[at]
			if !ok || seen[at] || mainline[at] {
				continue
			}
			seen[at] = true
			brought = append(brought, at)
			if c := &h.Changes[j]; c.PR == nil && m.PR != nil {
				pr := *m.PR
				c.PR = &pr
			}
			queue = append(queue, parents[at]...)
		}
		if h.Merged == nil {
			h.Merged = map[string][]string{}
		}
		h.Merged[m.Hash] = brought
	}
}

// AttachPullRequests sets the pull request of every change whose hash is in
// prs, replacing what the subject said: GitHub's answer is the better one.
// Callers that know logins set Change.Author.Login themselves.
func AttachPullRequests(changes []Change, prs map[string]PullRequest) {
	for i := range changes {
		if pr, ok := prs[changes[i].Hash]; ok {
			changes[i].PR = &pr
		}
	}
}

// LastTag returns the highest release tag (prefix + semantic version, no
// pre-release) reachable from rev, or a zero Tag when there is none.
func (r *Repo) LastTag(ctx context.Context, prefix, rev string) (Tag, error) {
	return r.lastTag(ctx, prefix, rev, false)
}

// lastTag is LastTag, leaving out the tags on rev itself when before is set.
func (r *Repo) lastTag(ctx context.Context, prefix, rev string, before bool) (Tag, error) {
	args := []string{"tag", "--merged", rev, "--list", prefix + "*"}
	if before {
		args = append(args, "--no-contains", rev)
	}
	out, err := r.output(ctx, args...)
	if err != nil {
		return Tag{}, err
	}
	var best Tag
	for _, name := range strings.Split(out, "\n") {
		v, ok := versionOf(name, prefix)
		if !ok || v.Prerelease() != "" {
			continue
		}
		if best.Version == nil || v.GreaterThan(best.Version) {
			best = Tag{Name: name, Version: v}
		}
	}
	return best, nil
}

// versionOf reads a tag name as prefix + strict semantic version.
func versionOf(name, prefix string) (*semver.Version, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(name), prefix)
	if !ok || rest == "" {
		return nil, false
	}
	v, err := semver.StrictNewVersion(rest)
	return v, err == nil
}

// RemoteURL returns the URL of the origin remote, or "" when there is none.
func (r *Repo) RemoteURL(ctx context.Context) string {
	out, err := r.output(ctx, "remote", "get-url", "origin")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// resolve returns the commit hash of a revision, or an error naming it.
func (r *Repo) resolve(ctx context.Context, rev string) (string, error) {
	if strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("%q is not a revision", rev)
	}
	out, err := r.output(ctx, "rev-parse", "--verify", "--quiet", rev+"^{commit}")
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && !errors.Is(err, ErrNotRepository) {
			return "", &RevisionError{Rev: rev, Dir: r.dirName()}
		}
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// ErrUnknownRevision is wrapped by errors about a revision git does not know.
var ErrUnknownRevision = errors.New("unknown revision")

// RevisionError is a revision git does not know; it is ErrUnknownRevision.
type RevisionError struct {
	Rev string
	Dir string
}

func (e *RevisionError) Error() string {
	return fmt.Sprintf("%q is not a commit or tag in %s", e.Rev, e.Dir)
}

// Is makes errors.Is(err, ErrUnknownRevision) hold.
func (e *RevisionError) Is(target error) bool { return target == ErrUnknownRevision }

// ReadFile returns a file's content at a revision; a file the revision does
// not have is fs.ErrNotExist. What is at path must be a regular file of at
// most limits.RepoFile: a symbolic link (which git stores as a blob holding the
// target's name) is a *repofile.Error, a larger file a *limits.TooLargeError,
// the size being asked of git before the content is read.
func (r *Repo) ReadFile(ctx context.Context, rev, path string) ([]byte, error) {
	if strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("%q is not a revision", rev)
	}
	out, err := r.output(ctx, repofile.LsTreeArgs(rev, path)...)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("%s at %s: %w", path, rev, fs.ErrNotExist)
		}
		return nil, err
	}
	entry, ok := repofile.ParseTreeEntry(out, path)
	if !ok {
		return nil, fmt.Errorf("%s at %s: %w", path, rev, fs.ErrNotExist)
	}
	if err := entry.Check("", path+" at "+shortRev(rev), limits.RepoFile); err != nil {
		return nil, err
	}
	var stdout, stderr bytes.Buffer
	cmd := r.command(ctx, "cat-file", "blob", entry.Hash)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, gitError([]string{"cat-file"}, err, stderr.Bytes())
	}
	if int64(stdout.Len()) > limits.RepoFile {
		return nil, &limits.TooLargeError{What: path + " at " + shortRev(rev), Size: int64(stdout.Len()), Limit: limits.RepoFile}
	}
	return stdout.Bytes(), nil
}

// shortRev is a revision for messages: a commit hash cut to 7, a name as is.
func shortRev(rev string) string {
	if len(rev) == 40 && strings.Trim(rev, "0123456789abcdef") == "" {
		return rev[:7]
	}
	return rev
}

func (r *Repo) dirName() string {
	if r.Dir == "" {
		return "the current directory"
	}
	return r.Dir
}

func (r *Repo) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = r.Dir
	if len(r.Env) > 0 {
		cmd.Env = append(os.Environ(), r.Env...)
	}
	return cmd
}

// output runs git and returns its standard output; an error carries git's
// first line of complaint.
func (r *Repo) output(ctx context.Context, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := r.command(ctx, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", gitError(args, err, stderr.Bytes())
	}
	return stdout.String(), nil
}

// gitMissingError is git not found on PATH. It wraps exec.ErrNotFound so a
// caller can tell it apart; its text says what to do instead of Go's.
type gitMissingError struct{ err error }

func (e *gitMissingError) Error() string {
	return "git was not found on PATH; install git (e.g. apt-get install git) and run again"
}

func (e *gitMissingError) Unwrap() error { return e.err }

// ErrNotRepository is wrapped when the directory is not a git clone.
var ErrNotRepository = errors.New("not a git repository")

func gitError(args []string, err error, stderr []byte) error {
	var ee *exec.ExitError
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe) && pe.Op == "chdir": // the directory is missing
		return fmt.Errorf("%s: %v: %w", pe.Path, pe.Err, ErrNotRepository)
	case errors.Is(err, exec.ErrNotFound):
		return &gitMissingError{err: err}
	case !errors.As(err, &ee):
		return fmt.Errorf("could not run git: %w", err)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(stderr)), "\n")
	if strings.Contains(line, "not a git repository") {
		return fmt.Errorf("%s: %w", line, ErrNotRepository)
	}
	if line == "" {
		return fmt.Errorf("git %s: %w", args[0], err)
	}
	return fmt.Errorf("git %s: %s: %w", args[0], line, err)
}

// logFormat puts the fields of a commit apart with the ASCII unit separator;
// -z ends each commit with NUL. The message comes last, so a stray
// separator inside it does no harm.
const logFormat = "%H\x1f%P\x1f%aN\x1f%aE\x1f%at\x1f%B"

// maxCommitMessage bounds one commit record; git itself has no limit, but a
// message of many megabytes is an accident, not a release note.
const maxCommitMessage = 16 << 20

// log streams the commits of a range to fn, newest first.
func (r *Repo) log(ctx context.Context, rng string, fn func(hash string, parents []string, author Person, date time.Time, msg []byte)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	args := []string{"-c", "log.showSignature=false", "log", "--no-color", "-z", "--format=" + logFormat, rng, "--"}
	cmd := r.command(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return gitError(args[2:], err, nil)
	}
	perr := scanLog(out, func(rec []byte) error {
		f := bytes.SplitN(rec, []byte{0x1f}, 6)
		if len(f) != 6 {
			return fmt.Errorf("git log printed an unexpected record %.40q", rec)
		}
		secs, _ := strconv.ParseInt(string(f[4]), 10, 64)
		var ps []string
		if len(f[1]) > 0 {
			ps = strings.Fields(string(f[1]))
		}
		fn(string(f[0]), ps, Person{Name: string(f[2]), Email: string(f[3])}, time.Unix(secs, 0).UTC(), f[5])
		return nil
	}, r.Progress)
	if perr != nil {
		cancel()
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
		return perr
	}
	if err := cmd.Wait(); err != nil {
		return gitError(args[2:], err, stderr.Bytes())
	}
	return nil
}

// scanLog splits git log -z output into records.
func scanLog(rd io.Reader, fn func([]byte) error, progress func(int)) error {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 256<<10), maxCommitMessage)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.IndexByte(data, 0); i >= 0 {
			return i + 1, data[:i], nil
		}
		if atEOF && len(data) > 0 {
			return len(data), data, nil
		}
		return 0, nil, nil
	})
	n := 0
	for sc.Scan() {
		rec := bytes.TrimLeft(sc.Bytes(), "\n")
		if len(rec) == 0 {
			continue
		}
		if err := fn(rec); err != nil {
			return err
		}
		n++
		if progress != nil && n%500 == 0 {
			progress(n)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading git log: %w", err)
	}
	if progress != nil {
		progress(n)
	}
	return nil
}
