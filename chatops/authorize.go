package chatops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/textsafe"
)

// Permission is a GitHub repository permission level. Levels are ordered: a
// higher one includes every lower one. The zero value is no access.
type Permission int

// Permission levels, weakest first, as config.Permissions lists them.
const (
	PermissionNone Permission = iota
	PermissionRead
	PermissionTriage
	PermissionWrite
	PermissionMaintain
	PermissionAdmin
)

var permissionNames = [...]string{"none", "read", "triage", "write", "maintain", "admin"}

func (p Permission) String() string {
	if p < 0 || int(p) >= len(permissionNames) {
		return "unknown"
	}
	return permissionNames[p]
}

// ParsePermission reads a level as GitHub and the configuration spell it:
// none, read, triage, write, maintain or admin, exactly in lower case. Any
// other word is an error.
func ParsePermission(s string) (Permission, error) {
	if i := slices.Index(permissionNames[:], s); i >= 0 {
		return Permission(i), nil
	}
	return PermissionNone, fmt.Errorf("%q is not a permission; use one of %s", s, strings.Join(config.Permissions, ", "))
}

// PermissionLookup tells a GitHub user's permission on the repository the
// commands change.
type PermissionLookup interface {
	// Permission returns login's level on the repository: PermissionNone
	// when login has no access or is no GitHub user. An error means the
	// lookup itself failed (network, rate limit, credentials), and the
	// command is refused.
	Permission(ctx context.Context, login string) (Permission, error)
}

// UsergroupLookup lists the members of a Slack user group.
type UsergroupLookup interface {
	// Members returns the Slack user ids in the user group groupID. An error
	// means the lookup failed, and the command is refused unless another
	// source lists the user.
	Members(ctx context.Context, groupID string) ([]string, error)
}

// ErrLookupUnavailable marks a lookup that cannot succeed by trying again
// (user groups on a workspace that has none, a missing scope): the refusal
// then says to change the configuration, not to retry. Adapters wrap it
// with an error whose text says what to change.
var ErrLookupUnavailable = errors.New("the lookup is not available")

// Authorization is the policy of authorization.slack and
// authorization.github (DESIGN §4): who may run mutating commands, by the
// channel the command came through. It implements Authorizer; the lookups
// are adapters wired in cmd/.
//
//   - Slack: the user's id is listed in SlackUsers, or the user is a member
//     of one of SlackUsergroups. Both lists empty means any member of the
//     workspace who can run the slash command: that is the configuration's
//     documented default, for teams where the channel is the boundary.
//   - GitHub: the commenter's permission on Repo is at least MinPermission.
//   - CLI: always allowed. Local mode trusts whoever can push to the clone,
//     and --github acts with the rights of the token's holder, so there is
//     nothing for releasebot to add.
//   - Any other channel is refused.
//
// A lookup that fails refuses: it never allows.
type Authorization struct {
	SlackUsers      []string
	SlackUsergroups []string
	Usergroups      UsergroupLookup // needed when SlackUsergroups is set

	MinPermission Permission
	Permissions   PermissionLookup // needed for commands from GitHub
	Repo          string           // owner/name, for messages

	Source string // the configuration file, for messages
}

// NewAuthorization builds the policy of cfg.Authorization for the
// repository repo (owner/name). It fails when min_permission is not a
// permission level; the lookups may be nil when no command can come through
// their channel (such a command is then refused).
func NewAuthorization(cfg *config.Config, repo string, perms PermissionLookup, groups UsergroupLookup) (*Authorization, error) {
	min, err := ParsePermission(cfg.Authorization.GitHub.MinPermission)
	if err != nil || min == PermissionNone {
		return nil, fmt.Errorf("authorization.github.min_permission in %s: %q is not a permission; use one of %s",
			sourceOf(cfg.Source), cfg.Authorization.GitHub.MinPermission, strings.Join(config.Permissions, ", "))
	}
	return &Authorization{
		SlackUsers:      slices.Clone(cfg.Authorization.Slack.Users),
		SlackUsergroups: slices.Clone(cfg.Authorization.Slack.Usergroups),
		Usergroups:      groups,
		MinPermission:   min,
		Permissions:     perms,
		Repo:            repo,
		Source:          cfg.Source,
	}, nil
}

func sourceOf(s string) string {
	if s == "" || s == "built-in defaults" {
		return config.DefaultPath
	}
	return s
}

// Authorize returns nil when who may run cmd, or a *Error with Outcome
// Refused whose text says who, what they lack and what to do. Read-only
// commands are always allowed.
func (a *Authorization) Authorize(ctx context.Context, who Actor, cmd Command) error {
	if !cmd.Name.Mutating() {
		return nil
	}
	switch who.Via {
	case "cli":
		return nil
	case "slack":
		return a.slack(ctx, who, cmd)
	case "github":
		return a.github(ctx, who, cmd)
	}
	return errorf(Refused, "%s came through %q, which releasebot does not authorize; nothing changed, run it from Slack or a release PR comment",
		word(cmd), display(who.Via))
}

func (a *Authorization) slack(ctx context.Context, who Actor, cmd Command) error {
	if len(a.SlackUsers) == 0 && len(a.SlackUsergroups) == 0 {
		return nil
	}
	name := display(who.Name) + " (" + display(who.ID) + ")"
	if who.ID == "" {
		return errorf(Refused, "the command came without a Slack user id, so releasebot cannot tell whether %s may run %s; nothing changed", display(who.Name), word(cmd))
	}
	if slices.Contains(a.SlackUsers, who.ID) {
		return nil
	}
	var failure *Error
	for _, g := range a.SlackUsergroups {
		if a.Usergroups == nil {
			failure = &Error{Outcome: Refused, Msg: fmt.Sprintf("could not check whether %s is in user group %s: releasebot has no Slack client here; nothing changed", name, display(g))}
			continue
		}
		members, err := a.Usergroups.Members(ctx, g)
		if err != nil {
			// Another group may still list the user; remember the first
			// failure for when none does.
			if failure == nil {
				failure = &Error{Outcome: Refused, Err: err, Msg: fmt.Sprintf("could not check whether %s is in user group %s: %v; nothing changed%s",
					name, display(g), err, retryAdvice(err))}
			}
			continue
		}
		if slices.Contains(members, who.ID) {
			return nil
		}
	}
	if failure != nil {
		return failure
	}
	return errorf(Refused, "%s is neither listed in authorization.slack.users nor a member of a user group in authorization.slack.usergroups (%s) of %s, which %s needs; ask a maintainer to add you",
		name, listOrNone(a.SlackUsergroups), sourceOf(a.Source), word(cmd))
}

func (a *Authorization) github(ctx context.Context, who Actor, cmd Command) error {
	login := "@" + display(who.ID)
	switch {
	case who.ID == "":
		return errorf(Refused, "the comment came without a GitHub login, so releasebot cannot check who may run %s; nothing changed", word(cmd))
	case a.MinPermission <= PermissionNone || a.MinPermission > PermissionAdmin:
		// A zero Authorization must not let everyone in.
		return errorf(Refused, "authorization.github.min_permission is not set in %s, so %s is refused to everyone; set it to one of %s",
			sourceOf(a.Source), word(cmd), strings.Join(config.Permissions, ", "))
	case a.Permissions == nil:
		return errorf(Refused, "could not check %s's permission on %s: releasebot has no GitHub client here; nothing changed", login, a.repo())
	}
	p, err := a.Permissions.Permission(ctx, who.ID)
	if err != nil {
		return &Error{Outcome: Refused, Err: err, Msg: fmt.Sprintf("could not check %s's permission on %s: %v; nothing changed%s", login, a.repo(), err, retryAdvice(err))}
	}
	if p < PermissionNone || p > PermissionAdmin {
		p = PermissionNone // a level no lookup should return grants nothing
	}
	if p >= a.MinPermission {
		return nil
	}
	has := "has " + p.String() + " access to"
	if p == PermissionNone {
		has = "has no access to"
	}
	return errorf(Refused, "%s %s %s; %s needs %s (authorization.github.min_permission in %s); ask a maintainer for %s access",
		login, has, a.repo(), word(cmd), a.MinPermission, sourceOf(a.Source), a.MinPermission)
}

func (a *Authorization) repo() string {
	if a.Repo == "" {
		return "the repository"
	}
	return a.Repo
}

func retryAdvice(err error) string {
	if errors.Is(err, ErrLookupUnavailable) {
		return ""
	}
	return ", try again"
}

func word(cmd Command) string {
	if w := SpecOf(cmd.Name).Word; w != "" {
		return w
	}
	return "the command"
}

// display bounds and flattens a name that came from outside for a reply;
// the channel's renderer escapes its markup.
func display(s string) string {
	s = textsafe.OneLine(textsafe.Cut(s, limits.Echo))
	if s == "" {
		return "unknown"
	}
	return s
}

func listOrNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = display(id)
	}
	return strings.Join(out, ", ")
}
