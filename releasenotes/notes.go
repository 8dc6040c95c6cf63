package releasenotes

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/releasebot/releasebot/chatops/command"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Options is what shapes the notes beyond the history. Every field is
// optional; the zero value gives the default configuration, no links and
// the built-in runbook. Callers pass the date: the notes never read the
// clock themselves.
type Options struct {
	// Config supplies the tag prefix, categories, excluded types, canary
	// steps and the default environment; nil means config.Default().
	Config *config.Config
	// RepoURL is the repository's web address ("https://github.com/o/r"),
	// for PR, commit and compare links; see RepoURLFromRemote.
	RepoURL string
	// Date is the release date.
	Date time.Time
	// Version forces the version ("1.4.0" or "v1.4.0") instead of deciding it.
	Version string
	// Runbook is the team's runbook; nil means BuiltinRunbook().
	Runbook *Runbook
	// Flags is the flag state per environment, from the flag file, in the
	// order the environments should appear.
	Flags []FlagState
	// FlagsFile names the flag file in the notes (".release/flags.yaml").
	FlagsFile string
	// TouchedFlags are flags the caller knows the release changes (e.g. from
	// the flag file's diff over the range); FF_ names in the commit
	// messages are added to them.
	TouchedFlags []string
	// Audit, Prod and RolloutLog are filled in by later steps.
	Audit      AuditTable
	Prod       ProdStatus
	RolloutLog []RolloutEntry
}

// Notes is everything RELEASE_NOTES.md shows, ready for a template. Building
// it is deterministic: the same history and options give the same notes.
type Notes struct {
	// Release is false when nothing in the range is releasable; Version and
	// Tag are then empty unless Options.Version forced them.
	Release  bool   `json:"release"`
	Version  string `json:"version,omitempty"`
	Tag      string `json:"tag,omitempty"`
	Date     string `json:"date"`
	Previous string `json:"previous,omitempty"`
	// Decision is what the commits call for; Version differs from it when
	// Options.Version forces one or the range ends at a release tag.
	Decision Decision `json:"decision"`

	RepoURL    string `json:"repo_url,omitempty"`
	CompareURL string `json:"compare_url,omitempty"`

	// Commits counts the range's commits, merges included; Hidden the
	// changes left out by notes.exclude_types; Reverted the changes dropped
	// because a revert in the same range undid them (both are dropped).
	Commits  int `json:"commits"`
	Hidden   int `json:"hidden"`
	Reverted int `json:"reverted"`

	// Breaking lists breaking changes first; they appear in their category
	// too.
	Breaking []Entry `json:"breaking,omitempty"`
	// Sections are the configured categories in order, then "Reverts", then
	// "Other changes"; empty ones are left out.
	Sections     []Section     `json:"sections"`
	Contributors []Contributor `json:"contributors"`

	Flags FlagTable `json:"flags"`

	// Environment is the PROD environment the rollout commands act on: the
	// configured default environment.
	Environment string `json:"environment"`
	// CanarySteps are the configured canary percentages.
	CanarySteps []int `json:"canary_steps"`
	// Runbook is the runbook the checklists come from.
	Runbook *Runbook `json:"runbook"`
	// Rollout and RollbackPlan are the exact commands to run.
	Rollout      []RolloutStep `json:"rollout"`
	RollbackPlan []RolloutStep `json:"rollback_plan"`

	Audit      AuditTable     `json:"audit"`
	Prod       ProdStatus     `json:"prod"`
	RolloutLog []RolloutEntry `json:"rollout_log"`

	// Warnings are things a person should look at: ignored footers and the
	// like.
	Warnings []string `json:"warnings,omitempty"`
}

// Entry is one change as the notes list it. From git alone PR is the number
// from the subject (0 when none) and Author the commit's author name; with
// GitHub metadata Author is "@login".
type Entry struct {
	Type         string   `json:"type,omitempty"`
	Scope        string   `json:"scope,omitempty"`
	Description  string   `json:"description"`
	Breaking     bool     `json:"breaking,omitempty"`
	BreakingNote string   `json:"breaking_note,omitempty"`
	Hash         string   `json:"hash"`
	ShortHash    string   `json:"short_hash"`
	CommitURL    string   `json:"commit_url,omitempty"`
	PR           int      `json:"pr,omitempty"`
	PRURL        string   `json:"pr_url,omitempty"`
	Labels       []string `json:"labels,omitempty"`
	Author       string   `json:"author"`
}

// Section is one category of changes.
type Section struct {
	Title   string  `json:"title"`
	Entries []Entry `json:"entries"`
}

// Section titles that are not configured.
const (
	RevertsTitle = "Reverts"
	OtherTitle   = "Other changes"
)

// Contributor is someone whose change is in the release: "@login" when
// GitHub metadata says who, else the git author name.
type Contributor struct {
	Name string `json:"name"`
	// URL is the login's profile on the repository's GitHub host, when both
	// are known. The notes link the name to it rather than mention it: a
	// mention in the release PR's body would notify everyone on each edit.
	URL string `json:"url,omitempty"`
}

// RolloutStep is a command to run and what to check around it.
type RolloutStep struct {
	Command string `json:"command"`
	Note    string `json:"note"`
}

// Build turns a history into notes. It fails only on a forced version that
// is not a semantic version.
func Build(h *History, o Options) (*Notes, error) {
	cfg := o.Config
	if cfg == nil {
		cfg = config.Default()
	}
	rb := o.Runbook
	if rb == nil {
		rb = BuiltinRunbook()
	}
	n := &Notes{
		Date:        o.Date.Format("2006-01-02"),
		Previous:    h.Previous.Name,
		RepoURL:     strings.TrimRight(o.RepoURL, "/"),
		Commits:     h.Commits,
		Environment: cfg.DefaultEnvironment,
		CanarySteps: append([]int(nil), cfg.Canary.Steps...),
		Runbook:     rb,
		Audit:       o.Audit,
		Prod:        o.Prod,
		RolloutLog:  append([]RolloutEntry(nil), o.RolloutLog...),
	}
	changes, reverted, warnings := cancelReverts(h.Changes, h.Merged)
	n.Reverted = reverted
	n.Warnings = append(n.Warnings, warnings...)
	n.Decision = NextVersion(h.Previous.Version, changes)
	if h.Commits == 0 {
		n.Decision.Reason = "no commits since " + orRoot(h.From)
	} else if len(changes) == 0 {
		n.Decision.Reason = "every change since " + orRoot(h.From) + " was reverted"
	}
	n.Warnings = append(n.Warnings, n.Decision.Warnings...)
	next := n.Decision.Next
	if !h.Target.IsZero() && o.Version == "" {
		next = h.Target.Version
		n.Decision.Reason = "the tag " + h.Target.Name
	}
	if o.Version != "" {
		v, err := semver.StrictNewVersion(strings.TrimPrefix(strings.TrimPrefix(o.Version, cfg.TagPrefix), "v"))
		if err != nil {
			return nil, fmt.Errorf("the version %q is not a semantic version such as 1.4.0", o.Version)
		}
		next = v
		n.Decision.Reason = "set by hand"
	}
	if next != nil {
		n.Release = true
		n.Version = next.String()
		n.Tag = cfg.TagPrefix + n.Version
	}
	if n.RepoURL != "" && n.Tag != "" {
		if n.Previous != "" {
			n.CompareURL = n.RepoURL + "/compare/" + n.Previous + "..." + n.Tag
		} else {
			n.CompareURL = n.RepoURL + "/commits/" + n.Tag
		}
	}
	n.categorize(changes, cfg)
	n.Contributors = contributors(changes, profileBase(n.RepoURL))
	touched := append([]string(nil), o.TouchedFlags...)
	for _, c := range changes {
		touched = append(touched, c.Flags...)
	}
	n.Flags = flagTable(touched, o.Flags, o.FlagsFile)
	toggle, pin := commandFlags(n.Flags.Names(), o.Flags, n.Environment)
	n.Rollout, n.RollbackPlan = rolloutSteps(cfg.Canary.Steps, toggle, pin)
	return n, nil
}

func orRoot(from string) string {
	if from == "" {
		return "the first commit"
	}
	return from
}

// categorize places each change: a PR label names a category first
// (release-drafter's way), then the commit type; excluded types are hidden
// unless breaking; reverts and everything else get their own sections.
func (n *Notes) categorize(changes []Change, cfg *config.Config) {
	cats := cfg.Notes.Categories
	buckets := make([][]Entry, len(cats)+2)
	for i := range changes {
		c := &changes[i]
		e := n.entry(c)
		if c.Breaking {
			n.Breaking = append(n.Breaking, e)
		}
		at := categoryOf(c, cats)
		switch {
		case at >= 0:
		case c.Type == "revert":
			at = len(cats)
		case c.Conventional() && slices.Contains(cfg.Notes.ExcludeTypes, c.Type):
			if !c.Breaking {
				n.Hidden++
			}
			continue
		default:
			// Uncategorised: show the subject as written, type and all.
			at = len(cats) + 1
			e.Scope = ""
			if d, _, _ := cutPRSuffix(c.Subject); d != "" {
				e.Description = textsafe.Cut(d, MaxEcho)
			}
		}
		buckets[at] = append(buckets[at], e)
	}
	for i, b := range buckets {
		if len(b) == 0 {
			continue
		}
		title := OtherTitle
		switch {
		case i < len(cats):
			title = cats[i].Title
		case i == len(cats):
			title = RevertsTitle
		}
		n.Sections = append(n.Sections, Section{Title: title, Entries: b})
	}
}

func categoryOf(c *Change, cats []config.Category) int {
	if c.PR != nil {
		for i, cat := range cats {
			for _, l := range c.PR.Labels {
				if slices.ContainsFunc(cat.Labels, func(x string) bool { return strings.EqualFold(x, l) }) {
					return i
				}
			}
		}
	}
	if c.Type == "" {
		return -1
	}
	for i, cat := range cats {
		if slices.Contains(cat.Types, c.Type) {
			return i
		}
	}
	return -1
}

func (n *Notes) entry(c *Change) Entry {
	e := Entry{
		Type: c.Type, Scope: textsafe.Cut(c.Scope, limits.Echo), Description: textsafe.Cut(c.Description, MaxEcho),
		Breaking: c.Breaking, BreakingNote: textsafe.Cut(c.BreakingNote, MaxNote),
		Hash: c.Hash, ShortHash: short(c.Hash),
	}
	if n.RepoURL != "" {
		e.CommitURL = n.RepoURL + "/commit/" + c.Hash
	}
	if a := authorOf(c); a.Login != "" {
		e.Author = "@" + textsafe.Cut(a.Login, limits.Echo)
	} else {
		e.Author = textsafe.Cut(a.Name, limits.Echo)
	}
	if c.PR != nil && c.PR.Number > 0 {
		e.PR = c.PR.Number
		e.PRURL = c.PR.URL
		if e.PRURL == "" && n.RepoURL != "" {
			e.PRURL = fmt.Sprintf("%s/pull/%d", n.RepoURL, c.PR.Number)
		}
		for _, l := range c.PR.Labels {
			e.Labels = append(e.Labels, textsafe.Cut(l, limits.Echo))
		}
	}
	return e
}

// contributors lists authors and co-authors once each, sorted by name
// without regard to case; a GitHub login stands for the person when known,
// with a link to the profile under profiles (see profileBase) when the
// login is a valid one.
func contributors(changes []Change, profiles string) []Contributor {
	seen := map[string]bool{}
	var out []Contributor
	add := func(p Person) {
		name, key := textsafe.Cut(p.Name, limits.Echo), "name:"+strings.ToLower(p.Name)
		var url string
		if p.Login != "" {
			name, key = "@"+textsafe.Cut(p.Login, limits.Echo), "login:"+strings.ToLower(p.Login)
			url = profileURL(profiles, p.Login)
		} else if p.Email != "" {
			key = "email:" + strings.ToLower(p.Email)
		}
		if name == "" || seen[key] {
			return
		}
		seen[key] = true
		out = append(out, Contributor{Name: name, URL: url})
	}
	for _, c := range changes {
		add(authorOf(&c))
		for _, co := range c.CoAuthors {
			add(co)
		}
	}
	// The same person may appear by e-mail and by name; keep one per shown name.
	sort.SliceStable(out, func(i, j int) bool {
		a, b := strings.ToLower(strings.TrimPrefix(out[i].Name, "@")), strings.ToLower(strings.TrimPrefix(out[j].Name, "@"))
		if a != b {
			return a < b
		}
		return out[i].Name < out[j].Name
	})
	dedup := out[:0]
	for i, c := range out {
		if i > 0 && out[i-1].Name == c.Name {
			continue
		}
		dedup = append(dedup, c)
	}
	return dedup
}

// profileBase is the web root of the repository's GitHub host
// ("https://github.com"), where profiles live; "" when the repository URL
// is unknown.
func profileBase(repoURL string) string {
	u, err := url.Parse(repoURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// loginRe is what GitHub allows in a login (a bot's ends in "[bot]"); a
// login that is not one gets no link.
var loginRe = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}(\[bot\])?$`)

// profileURL is a login's profile page, an app's for a bot, or "".
func profileURL(base, login string) string {
	g := loginRe.FindStringSubmatch(login)
	if base == "" || g == nil {
		return ""
	}
	if g[1] != "" {
		return base + "/apps/" + strings.TrimSuffix(login, "[bot]")
	}
	return base + "/" + login
}

// authorOf is who a change is credited to: the pull request's author when
// GitHub says, else the commit's author.
func authorOf(c *Change) Person {
	if c.PR != nil && c.PR.Author != "" {
		return Person{Login: c.PR.Author}
	}
	return c.Author
}

// cancelReverts drops the changes a revert in the range undid, and the
// reverts whose targets are all in the range, as conventional-changelog
// does; changes stay newest first. It returns the changes that count, how
// many were dropped, and warnings about reverts it could not place.
//
// A revert names its targets by hash (ParseCommit's Revert.Hashes): a full
// hash, or a prefix of at least seven digits that must match exactly one
// commit of the range older than the revert; an ambiguous prefix cancels
// nothing and is warned about. A hash of a merge commit (see
// History.Merged) targets every change that merge brought in. Only a revert
// that names no hash at all is matched by subject, and only when exactly
// one older change has that subject: a hash that is not in the range means
// the reverted commit was released already.
//
// A change counts when no counting revert targets it, so a revert of a
// revert brings the original back, and a third revert takes it out again.
// A revert is listed (under "Reverts") only when it counts and names
// something outside the range: it then undoes a released change.
func cancelReverts(changes []Change, merged map[string][]string) ([]Change, int, []string) {
	index := make(map[string]int, len(changes))
	for i, c := range changes {
		index[c.Hash] = i
	}
	var warnings []string
	// lookup resolves one hash named by the revert at i to the indexes of the
	// changes it stands for; ok is false when the hash is not in the range.
	lookup := func(h string, i int) (targets []int, ok bool) {
		older := func(hashes ...string) []int {
			var out []int
			for _, x := range hashes {
				if j, in := index[x]; in && j > i {
					out = append(out, j)
				}
			}
			return out
		}
		if _, in := index[h]; in {
			return older(append([]string{h}, merged[h]...)...), true
		}
		if m, in := merged[h]; in {
			return older(m...), true
		}
		if len(h) < 7 {
			return nil, false
		}
		var found []string
		for j := i + 1; j < len(changes); j++ {
			if strings.HasPrefix(changes[j].Hash, h) {
				found = append(found, changes[j].Hash)
			}
		}
		for m := range merged {
			if strings.HasPrefix(m, h) && !slices.Contains(found, m) {
				found = append(found, m)
			}
		}
		switch len(found) {
		case 0:
			return nil, false
		case 1:
			return older(append([]string{found[0]}, merged[found[0]]...)...), true
		}
		sort.Strings(found)
		for k := range found { // long enough to tell them apart
			found[k] = found[k][:min(len(found[k]), len(h)+5)]
		}
		warnings = append(warnings, fmt.Sprintf("the revert %s names %s, which could be any of %s; nothing was cancelled for it: name the commit by its full hash",
			short(changes[i].Hash), h, strings.Join(found, ", ")))
		return nil, false
	}
	revertsOf := make([][]int, len(changes)) // change → the reverts that target it
	outside := make([]bool, len(changes))    // the revert names something not in the range
	for i := range changes {
		r := changes[i].Revert
		if r == nil {
			continue
		}
		var targets []int
		for _, h := range r.Hashes {
			t, ok := lookup(h, i)
			if !ok {
				outside[i] = true
			}
			targets = append(targets, t...)
		}
		if len(r.Hashes) == 0 {
			match := -1
			for j := i + 1; j < len(changes) && r.Subject != ""; j++ {
				if changes[j].Subject == r.Subject {
					if match >= 0 {
						match = -2 // several: the subject does not say which
						break
					}
					match = j
				}
			}
			switch {
			case match >= 0:
				targets = append(targets, match)
			case match == -2:
				warnings = append(warnings, fmt.Sprintf("the revert %s names no hash, and several commits of the range have the subject %q it quotes; nothing was cancelled for it: add \"This reverts commit <hash>.\" to its message",
					short(changes[i].Hash), echo(r.Subject)))
				fallthrough
			default:
				outside[i] = true
			}
		}
		for _, t := range targets {
			if !slices.Contains(revertsOf[t], i) {
				revertsOf[t] = append(revertsOf[t], i)
			}
		}
	}
	// Reverts are newer than what they revert, so newest first every
	// change's reverts are decided before the change.
	counts := make([]bool, len(changes))
	for i := range changes {
		counts[i] = !slices.ContainsFunc(revertsOf[i], func(r int) bool { return counts[r] })
	}
	out := make([]Change, 0, len(changes))
	for i, c := range changes {
		if counts[i] && (c.Revert == nil || outside[i]) {
			out = append(out, c)
		}
	}
	return out, len(changes) - len(out), warnings
}

// Count returns how many entries the notes list, breaking ones once.
func (n *Notes) Count() int {
	total := 0
	for _, s := range n.Sections {
		total += len(s.Entries)
	}
	for _, e := range n.Breaking {
		if !n.listed(e.Hash) {
			total++
		}
	}
	return total
}

func (n *Notes) listed(hash string) bool {
	for _, s := range n.Sections {
		for _, e := range s.Entries {
			if e.Hash == hash {
				return true
			}
		}
	}
	return false
}

// Uncategorised returns the entries under "Other changes": the self-audit's
// "notes complete" check wants none.
func (n *Notes) Uncategorised() []Entry {
	for _, s := range n.Sections {
		if s.Title == OtherTitle {
			return s.Entries
		}
	}
	return nil
}

// AppendRollout adds an entry to the rollout log.
func (n *Notes) AppendRollout(e RolloutEntry) { n.RolloutLog = append(n.RolloutLog, e) }

// commandFlags picks the touched flags the rollout commands name: those the
// PROD environment has (all touched flags when the flag state is unknown),
// and of them the ones to pin on at the end: not already on by default.
func commandFlags(touched []string, states []FlagState, env string) (toggle, pin []string) {
	inEnv := map[string]FlagState{}
	for _, s := range states {
		if s.Env == env {
			inEnv[s.Name] = s
		}
	}
	for _, f := range touched {
		s, ok := inEnv[f]
		if len(inEnv) > 0 && !ok {
			continue
		}
		toggle = append(toggle, f)
		if !s.Default || s.Override != "" {
			pin = append(pin, f)
		}
	}
	return toggle, pin
}

// rolloutSteps writes the PROD rollout and the rollback plan as commands:
// one /canary per configured step with /ab_status around them, then pinning
// the flags; /rollback first in the plan, then one flag at a time.
func rolloutSteps(steps []int, flags, pin []string) (rollout, rollback []RolloutStep) {
	status, userStatus := command.ABStatus.Line(), command.ABStatus.Line("user", "<id>")
	rollout = append(rollout, RolloutStep{Command: status,
		Note: "before the start: the canary is at 0% and the flags this release touches are off, with canary: true"})
	for i, s := range steps {
		note := fmt.Sprintf("then `%s`: the flags are off, marked `canary %d%%`; check a test user in the cohort (`%s`), /metrics, Sentry and support", status, s, userStatus)
		switch {
		case s == 100:
			note = fmt.Sprintf("everyone is in the cohort; then `%s` and the same checks", status)
		case i > 0:
			note = fmt.Sprintf("then `%s`; repeat the checks at %d%%", status, s)
		}
		rollout = append(rollout, RolloutStep{Command: command.Canary.Line(strconv.Itoa(s)), Note: note})
	}
	for _, f := range pin {
		rollout = append(rollout, RolloutStep{Command: command.Toggle.Line(f, "on"), Note: "once stable, pin the flag on for everyone"})
	}
	rollback = append(rollback, RolloutStep{Command: command.Rollback.Line(),
		Note: "instant, never gated: the canary goes to 0% and every canary flag is overridden off"})
	for _, f := range flags {
		rollback = append(rollback, RolloutStep{Command: command.Toggle.Line(f, "off"), Note: "turn off this flag only"})
	}
	for _, f := range flags {
		rollback = append(rollback, RolloutStep{Command: command.Toggle.Line(f, "default"), Note: "after the incident, clear the override"})
	}
	return rollout, rollback
}
