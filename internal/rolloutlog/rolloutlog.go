// Package rolloutlog keeps the "Rollout log" of the current version's
// GitHub Release: every flag change of the rollout, with when, who, from
// where, the command, the change in words and the commit. The log is
// rendered from the flag commits made since the Release was published —
// the repository is the database — never appended blind, so it can always
// be rebuilt, and two writers at once converge: each re-renders when the
// flag branch moved while it wrote.
package rolloutlog

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/releasebot/releasebot/action"
	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/releasenotes"
)

// The markers the rollout log and the PROD section stand between in a
// Release body (the notes template's "log" and "prod" blocks write them).
const (
	Begin     = "<!-- releasebot:rollout-log -->"
	End       = "<!-- /releasebot:rollout-log -->"
	ProdBegin = "<!-- releasebot:prod -->"
	ProdEnd   = "<!-- /releasebot:prod -->"
)

// MaxCommits bounds the flag commits read for one rendering: a rollout of
// more changes than that shows its newest MaxCommits.
const MaxCommits = 200

// Releases is the part of GitHub the log is written to; ghstore.Action is one.
type Releases interface {
	LatestRelease(ctx context.Context) (*action.Release, error)
	UpdateReleaseBody(ctx context.Context, id int64, body string) error
}

// History lists the commits touching path on the flag branch, newest
// first; chatops.Store has it.
type History interface {
	History(ctx context.Context, path string, limit int) ([]chatops.CommitInfo, error)
}

// Log updates one repository's Release.
type Log struct {
	Releases  Releases
	History   History
	FlagsFile string
	RepoURL   string // for commit links
	// Env is the environment the PROD section follows (the configuration's
	// default_environment; default "prod").
	Env string
	// Template renders the section (default: the built-in notes template;
	// a repository's own template keeps its own look).
	Template *releasenotes.Template
}

// Update renders the rollout log of the latest Release from the flag
// commits since it was published and writes it when it changed. After a
// write it reads the flag branch's newest commit again, and renders anew
// when it moved (another command committed meanwhile, and another writer
// may have written an older log), at most three times. It does nothing
// when there is no Release yet.
func (l *Log) Update(ctx context.Context) (changed bool, err error) {
	for range 3 {
		rel, err := l.Releases.LatestRelease(ctx)
		if err != nil || rel == nil {
			return changed, err
		}
		commits, err := l.History.History(ctx, l.FlagsFile, MaxCommits)
		if err != nil {
			return changed, err
		}
		entries := Entries(commits, rel.Published)
		section, err := l.render(entries)
		if err != nil {
			return changed, err
		}
		body, differs := Replace(rel.Body, section)
		if prod, err := l.renderProd(Prod(entries, commits, rel.Published, cmp.Or(l.Env, "prod"))); err != nil {
			return changed, err
		} else if b, d := ReplaceBetween(body, ProdBegin, ProdEnd, prod, ""); d {
			body, differs = b, true
		}
		if !differs {
			return changed, nil
		}
		if err := l.Releases.UpdateReleaseBody(ctx, rel.ID, body); err != nil {
			return changed, err
		}
		changed = true
		again, err := l.History.History(ctx, l.FlagsFile, 1)
		if err != nil {
			return changed, err
		}
		if len(again) == 0 || len(commits) > 0 && again[0].SHA == commits[0].SHA {
			return changed, nil
		}
	}
	return changed, nil
}

func (l *Log) render(entries []releasenotes.RolloutEntry) (string, error) {
	t := l.Template
	if t == nil {
		t = releasenotes.DefaultTemplate()
	}
	var b strings.Builder
	if err := t.RenderLog(&b, &releasenotes.Notes{RolloutLog: entries, RepoURL: l.RepoURL}); err != nil {
		return "", err
	}
	return b.String(), nil
}

func (l *Log) renderProd(p releasenotes.ProdStatus) (string, error) {
	t := l.Template
	if t == nil {
		t = releasenotes.DefaultTemplate()
	}
	var b strings.Builder
	// The block also lists the runbook's PROD items after its markers;
	// only the part between them is used.
	if err := t.RenderProd(&b, &releasenotes.Notes{Prod: p, RepoURL: l.RepoURL, Runbook: releasenotes.BuiltinRunbook()}); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Prod is the PROD section of env from the rollout's flag commits: started
// when the canary first left 0 %, the canary where the newest commit left
// it, finished when it reached 100 %, and a note per rollback (the canary
// back to 0 %) saying who and when. The zero value (not started) when no
// commit changed env's canary.
func Prod(entries []releasenotes.RolloutEntry, commits []chatops.CommitInfo, since time.Time, env string) releasenotes.ProdStatus {
	var p releasenotes.ProdStatus
	byCommit := map[string]chatops.CommitInfo{}
	for _, c := range commits {
		byCommit[c.SHA] = c
	}
	for _, e := range entries { // oldest first
		for _, ch := range chatops.ChangesIn(byCommit[e.Commit].Message) {
			if ch.Env != env || ch.Flag != "" || ch.What != "canary" {
				continue
			}
			to := percent(ch.To)
			if to > 0 && p.Started.IsZero() {
				p.Started = e.When
			}
			if to == 100 && p.Finished.IsZero() {
				p.Finished = e.When
			}
			if to == 0 && percent(ch.From) > 0 {
				p.Notes = append(p.Notes, fmt.Sprintf("Rolled back from %s to 0%% by %s at %s (%s)", ch.From, e.Who, e.When.UTC().Format("2006-01-02 15:04 UTC"), shortSHA(e.Commit)))
				p.Finished = time.Time{}
			}
			p.Canary = to
		}
	}
	return p
}

// percent reads "50%" (a change's From or To); 0 for anything else.
func percent(s string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(s, "%"))
	return n
}

func shortSHA(s string) string {
	if len(s) > 7 {
		return s[:7]
	}
	return s
}

// Page is the latest Release as /release status shows it: its tag, page,
// publication and PROD section, rendered from the same flag commits as
// the section on the page itself. Nil when there is no Release yet.
func (l *Log) Page(ctx context.Context) (*chatops.ReleasePage, error) {
	rel, err := l.Releases.LatestRelease(ctx)
	if err != nil || rel == nil {
		return nil, err
	}
	commits, err := l.History.History(ctx, l.FlagsFile, MaxCommits)
	if err != nil {
		return nil, err
	}
	p := Prod(Entries(commits, rel.Published), commits, rel.Published, cmp.Or(l.Env, "prod"))
	return &chatops.ReleasePage{
		Tag: rel.Tag, URL: rel.URL, Published: rel.Published,
		Started: p.Started, Finished: p.Finished, Canary: p.Canary, Notes: p.Notes,
	}, nil
}

// Entries are the rollout log's entries, oldest first, from flag commits
// (newest first, as History lists them): releasebot's own commits (those
// with a Releasebot-Request trailer) made at or after since.
func Entries(commits []chatops.CommitInfo, since time.Time) []releasenotes.RolloutEntry {
	var out []releasenotes.RolloutEntry
	for i := len(commits) - 1; i >= 0; i-- {
		c := commits[i]
		tr := chatops.Trailers(c.Message)
		if _, ok := tr.Get(chatops.TrailerRequest); !ok {
			continue
		}
		if !since.IsZero() && c.When.Before(since.Add(-time.Second)) {
			continue
		}
		who, _ := tr.Get(chatops.TrailerRequestedBy)
		out = append(out, releasenotes.RolloutEntry{
			When: c.When, Who: who, Command: chatops.CommandIn(c.Message),
			Change: change(c.Message), Commit: c.SHA,
		})
	}
	return out
}

// change is the change in words: the listed changes, else the subject.
func change(msg string) string {
	if cs := chatops.ChangesIn(msg); len(cs) > 0 {
		parts := make([]string, len(cs))
		for i, c := range cs {
			parts[i] = c.String()
		}
		return strings.Join(parts, "; ")
	}
	subject, _, _ := strings.Cut(msg, "\n")
	return strings.TrimPrefix(subject, "chore(flags): ")
}

// Replace puts section in place of the body's rollout log (from Begin to
// End, the heading above it kept), or appends it under "## Rollout log"
// when the body has none. differs is false when the body already holds it.
func Replace(body, section string) (out string, differs bool) {
	return ReplaceBetween(body, Begin, End, section, "## Rollout log")
}

// ReplaceBetween puts the part of section from begin to end in place of
// the body's, or appends it under heading when the body has none (and
// heading is not ""; else the body is left as it is).
func ReplaceBetween(body, begin, end, section, heading string) (out string, differs bool) {
	section = strings.TrimRight(section, "\n")
	// The section starts with the block's heading; keep from begin on.
	if i := strings.Index(section, begin); i >= 0 {
		section = section[i:]
	}
	if j := strings.Index(section, end); j >= 0 {
		section = section[:j+len(end)]
	}
	// The last begin marker, and the first end marker after it: a stray
	// marker earlier in the body (a person's edit) cannot make every
	// update append another section.
	b := strings.LastIndex(body, begin)
	e := -1
	if b >= 0 {
		if k := strings.Index(body[b:], end); k >= 0 {
			e = b + k
		}
	}
	if b < 0 || e < 0 {
		if heading == "" {
			return body, false
		}
		out = strings.TrimRight(body, "\n") + "\n\n" + heading + "\n\n" + section + "\n"
		return out, true
	}
	out = body[:b] + section + body[e+len(end):]
	return out, out != body
}
