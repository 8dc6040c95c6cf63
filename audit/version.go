package audit

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// VersionCheck ("version") passes when the next version is a semantic
// version newer than the last tag and its tag is not taken.
type VersionCheck struct {
	Next      string   // "1.3.0" (a leading tag prefix is tolerated)
	LastTag   string   // "v1.2.3"; empty for a first release
	Tags      []string // every tag of the repository
	TagPrefix string   // "v"
	// Missing is the skip reason when Next is empty.
	Missing string
}

func (VersionCheck) String() string { return "version" }

// Run compares the versions.
func (c VersionCheck) Run(context.Context) (Result, error) {
	if c.Next == "" {
		return skipped(cmp.Or(c.Missing, "no next version given (--version X.Y.Z)")), nil
	}
	raw := strings.TrimPrefix(strings.TrimPrefix(c.Next, c.TagPrefix), "v")
	next, err := semver.StrictNewVersion(raw)
	tag := c.TagPrefix + raw
	ev := Evidence{Observed: tag, Threshold: "newer than the last tag, tag free"}
	if err != nil {
		return Result{Status: Fail, Reason: fmt.Sprintf("%q is not a semantic version X.Y.Z", c.Next), Evidence: ev}, nil
	}
	if c.LastTag != "" {
		ev.Threshold = "> " + c.LastTag + ", tag free"
	}
	if slices.Contains(c.Tags, tag) {
		return Result{Status: Fail, Reason: fmt.Sprintf("tag %s already exists", tag), Evidence: ev}, nil
	}
	if c.LastTag == "" {
		return Result{Status: Pass, Reason: fmt.Sprintf("%s is the first release; the tag is free", tag), Evidence: ev}, nil
	}
	last, err := semver.NewVersion(strings.TrimPrefix(c.LastTag, c.TagPrefix))
	if err != nil {
		return Result{Status: Warn, Reason: fmt.Sprintf("the last tag %s is not a semantic version; cannot compare %s with it", c.LastTag, tag), Evidence: ev}, nil
	}
	if !next.GreaterThan(last) {
		return Result{Status: Fail, Reason: fmt.Sprintf("%s is not newer than the last tag %s", tag, c.LastTag), Evidence: ev}, nil
	}
	return Result{Status: Pass, Reason: fmt.Sprintf("%s is newer than %s and the tag is free", tag, c.LastTag), Evidence: ev}, nil
}

// NotesCheck ("notes") passes when every change of the release falls in a
// category of the notes; uncategorised changes warn with their subjects.
type NotesCheck struct {
	Changes int // changes in the release
	// Subjects are the changes that fall in no category.
	Subjects []string
	// Missing, when set, skips the check with this reason (the notes were
	// not computed).
	Missing string
}

func (NotesCheck) String() string { return "notes" }

// Run reports the uncategorised changes.
func (c NotesCheck) Run(context.Context) (Result, error) {
	if c.Missing != "" {
		return skipped(c.Missing), nil
	}
	n := len(c.Subjects)
	ev := Evidence{Observed: fmt.Sprintf("%d uncategorised", n), Threshold: "0 uncategorised"}
	if n == 0 {
		reason := "every change is categorised"
		switch {
		case c.Changes == 1:
			reason = "the one change is categorised"
		case c.Changes > 1:
			reason = fmt.Sprintf("all %d changes are categorised", c.Changes)
		}
		return Result{Status: Pass, Reason: reason, Evidence: ev}, nil
	}
	var quoted []string
	for _, s := range c.Subjects[:min(5, n)] {
		quoted = append(quoted, fmt.Sprintf("%q", s))
	}
	if n > 5 {
		quoted = append(quoted, "…")
	}
	noun := "changes are"
	if n == 1 {
		noun = "change is"
	}
	reason := fmt.Sprintf("%d %s in no category: %s", n, noun, strings.Join(quoted, ", "))
	return Result{Status: Warn, Reason: reason, Evidence: ev}, nil
}
