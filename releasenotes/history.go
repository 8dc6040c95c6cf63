package releasenotes

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
)

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

	// parents are the parents of each commit added, for Finish.
	parents map[string][]string
}

// Commit is one commit as a history source reads it.
type Commit struct {
	Hash    string
	Parents []string
	Author  Person
	Date    time.Time
	Message string
}

// Add appends a commit of the range. A source adds every commit of the
// range, merges included, newest first (git log order), then calls Finish.
func (h *History) Add(c Commit) {
	h.Commits++
	if h.parents == nil {
		h.parents = make(map[string][]string)
	}
	h.parents[c.Hash] = c.Parents
	ch := NewChange(c.Hash, c.Author, c.Date, c.Message)
	ch.Merge = len(c.Parents) > 1
	h.Changes = append(h.Changes, ch)
}

// Finish ends the range once its commits are added: the commits each merge
// brought in get the merge's pull request (see Merged), and merges without
// a conventional subject leave Changes, having lent their number.
func (h *History) Finish() {
	attributeMerges(h, h.parents)
	kept := h.Changes[:0]
	for _, c := range h.Changes {
		if !c.Merge || c.Conventional() {
			kept = append(kept, c)
		}
	}
	h.Changes = kept
	h.parents = nil
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

// ParseTag reads a tag name as prefix + strict semantic version; ok is
// false for any other name.
func ParseTag(name, prefix string) (t Tag, ok bool) {
	v, ok := versionOf(name, prefix)
	if !ok {
		return Tag{}, false
	}
	return Tag{Name: strings.TrimSpace(name), Version: v}, true
}

// CurrentRelease is the one definition of the current release that the
// notes count from, the gates judge and publish tags after: among names
// (the tags reachable from the release branch's tip), the highest
// prefix + semantic version without a pre-release part. Other tags
// ("v-latest", "v2.0.0-rc.1", a tag without the prefix) are not releases;
// the time a tag was made or published plays no part. The zero Tag means
// no release yet.
func CurrentRelease(names []string, prefix string) Tag {
	var best Tag
	for _, name := range names {
		t, ok := ParseTag(name, prefix)
		if !ok || t.Version.Prerelease() != "" {
			continue
		}
		if best.Version == nil || t.Version.GreaterThan(best.Version) {
			best = t
		}
	}
	return best
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

// ErrNotRepository is wrapped when the directory is not a git clone.
var ErrNotRepository = errors.New("not a git repository")

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
