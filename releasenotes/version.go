package releasenotes

import (
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Bump is how far a release moves the version.
type Bump int

// Bumps, weakest first.
const (
	BumpNone Bump = iota
	BumpPatch
	BumpMinor
	BumpMajor
)

func (b Bump) String() string {
	switch b {
	case BumpPatch:
		return "patch"
	case BumpMinor:
		return "minor"
	case BumpMajor:
		return "major"
	}
	return "none"
}

// MarshalText writes the bump's name.
func (b Bump) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// FirstVersion is the version of the first release of a repository without
// release tags, unless a Release-As footer says otherwise.
var FirstVersion = semver.New(0, 1, 0, "", "")

// Decision is the next version and why.
type Decision struct {
	// Previous is the last release's version; nil when there is none.
	Previous *semver.Version `json:"previous,omitempty"`
	// Next is nil when nothing in the range is releasable.
	Next *semver.Version `json:"next,omitempty"`
	Bump Bump            `json:"bump"`
	// ReleaseAs names the commit whose Release-As footer set Next.
	ReleaseAs string `json:"release_as,omitempty"`
	// Reason is one line for people: "a breaking change in 1a2b3c4".
	Reason string `json:"reason"`
	// Warnings are footers that were ignored, and why.
	Warnings []string `json:"warnings,omitempty"`
}

// BumpOf is how far one change moves the version by itself, before the
// pre-1.0 rule: breaking → major; feat → minor; fix, perf and revert → patch;
// anything else → none.
func BumpOf(c *Change) Bump {
	switch {
	case c.Breaking:
		return BumpMajor
	case c.Type == "feat":
		return BumpMinor
	case c.Type == "fix" || c.Type == "perf" || c.Type == "revert":
		return BumpPatch
	}
	return BumpNone
}

// NextVersion decides the next version from the previous one (nil: no
// release yet) and the changes that count (reverted pairs already removed),
// newest first. The newest valid Release-As footer wins when it is above the
// previous version; otherwise semver rules apply, with a breaking change
// before 1.0.0 bumping the minor version. A first release is FirstVersion.
// Nothing releasable gives a Decision with a nil Next.
func NextVersion(prev *semver.Version, changes []Change) Decision {
	d := Decision{Previous: prev}
	var why *Change
	for i := range changes {
		c := &changes[i]
		if b := BumpOf(c); b > d.Bump {
			d.Bump, why = b, c
		}
	}
	for i := range changes {
		c := &changes[i]
		if c.ReleaseAs == "" {
			continue
		}
		v, err := semver.StrictNewVersion(strings.TrimPrefix(c.ReleaseAs, "v"))
		switch {
		case err != nil:
			d.Warnings = append(d.Warnings, fmt.Sprintf("Release-As: %s in %s is not a semantic version (x.y.z); ignored", echo(c.ReleaseAs), short(c.Hash)))
		case prev != nil && !v.GreaterThan(prev):
			d.Warnings = append(d.Warnings, fmt.Sprintf("Release-As: %s in %s is not above the last release %s; ignored", echo(c.ReleaseAs), short(c.Hash), prev))
		case d.Next == nil:
			d.Next, d.ReleaseAs = v, c.Hash
			d.Bump = bumpBetween(prev, v)
			d.Reason = fmt.Sprintf("Release-As: %s in %s", v, short(c.Hash))
		}
	}
	if d.Next != nil {
		return d
	}
	if d.Bump == BumpNone {
		d.Reason = "no feat, fix, perf, revert or breaking change since the last release"
		return d
	}
	what := map[Bump]string{BumpMajor: "a breaking change", BumpMinor: "a feature", BumpPatch: "a " + why.Type}[d.Bump]
	d.Reason = fmt.Sprintf("%s in %s", what, short(why.Hash))
	if prev == nil {
		d.Next = FirstVersion
		d.Reason += "; first release"
		return d
	}
	var next semver.Version
	switch {
	case d.Bump == BumpMajor && prev.Major() == 0:
		d.Bump = BumpMinor
		next = prev.IncMinor()
		d.Reason += " (before 1.0.0 a breaking change bumps the minor version)"
	case d.Bump == BumpMajor:
		next = prev.IncMajor()
	case d.Bump == BumpMinor:
		next = prev.IncMinor()
	default:
		next = prev.IncPatch()
	}
	d.Next = &next
	return d
}

// bumpBetween names the step from prev to next, for the summary.
func bumpBetween(prev, next *semver.Version) Bump {
	switch {
	case prev == nil || next.Major() != prev.Major():
		return BumpMajor
	case next.Minor() != prev.Minor():
		return BumpMinor
	}
	return BumpPatch
}

// echo is a value from a commit as a warning quotes it: one line, cut to
// limits.Echo runes. Whoever prints the warning escapes it for where it goes.
func echo(s string) string { return textsafe.Cut(textsafe.OneLine(s), limits.Echo) }

func short(hash string) string {
	if len(hash) > 7 {
		return hash[:7]
	}
	return hash
}
