package github

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	gh "github.com/google/go-github/v62/github"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/internal/failure"
)

// Permissions reads GitHub users' permission on one repository with
// GET /repos/{owner}/{repo}/collaborators/{username}/permission, for the
// authorization of PR comment commands. It implements
// chatops.PermissionLookup. Answers are reused for TTL per login, so a burst
// of comments costs one request; failures are never cached.
type Permissions struct {
	Client      *gh.Client
	Owner, Repo string
	// TTL is how long an answer is reused (default 60 s; negative: never).
	TTL time.Duration
	Now func() time.Time // default time.Now

	mu    sync.Mutex
	cache map[string]cachedPermission
}

type cachedPermission struct {
	level   chatops.Permission
	expires time.Time
}

// NewPermissions returns the lookup for repo ("owner/name").
func NewPermissions(client *gh.Client, repo string) (*Permissions, error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("the repository %q is not in the form owner/name", repo)
	}
	return &Permissions{Client: client, Owner: owner, Repo: name}, nil
}

// loginRe is what GitHub allows in a login (alphanumerics and hyphens, at
// most 39, not starting with a hyphen), plus the "[bot]" suffix of App
// accounts. Anything else, such as "../", never reaches the URL.
var loginRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?$`)

// repositoryPermission is the endpoint's answer. go-github v62's
// RepositoryPermissionLevel lacks role_name, which is the only field that
// tells maintain from write and triage from read.
type repositoryPermission struct {
	Permission string `json:"permission"` // admin, write, read or none
	RoleName   string `json:"role_name"`  // admin, maintain, write, triage, read, or a custom role
}

// level maps the answer to a level: a built-in role_name wins; a custom
// role (or none at all) falls back to permission, the base role GitHub
// maps it to; anything unknown is no access.
func (p repositoryPermission) level() chatops.Permission {
	switch p.RoleName {
	case "admin", "maintain", "write", "triage", "read":
		l, _ := chatops.ParsePermission(p.RoleName)
		return l
	}
	switch p.Permission {
	case "admin", "write", "read":
		l, _ := chatops.ParsePermission(p.Permission)
		return l
	}
	return chatops.PermissionNone
}

// Permission returns login's level on the repository. A login GitHub does
// not allow, and a 404 (no such user, or the repository hides them), are
// PermissionNone without an error. Any other failure — 401, 403, 5xx after
// the client's retries, a rate limit, the network — is an error whose text
// says what GitHub answered; the caller refuses.
func (p *Permissions) Permission(ctx context.Context, login string) (chatops.Permission, error) {
	if !loginRe.MatchString(login) {
		return chatops.PermissionNone, nil
	}
	key := strings.ToLower(login) // logins are case-insensitive
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	ttl := p.ttl()
	if ttl > 0 {
		p.mu.Lock()
		c, ok := p.cache[key]
		p.mu.Unlock()
		if ok && now().Before(c.expires) {
			return c.level, nil
		}
	}
	u := fmt.Sprintf("repos/%s/%s/collaborators/%s/permission", url.PathEscape(p.Owner), url.PathEscape(p.Repo), url.PathEscape(login))
	req, err := p.Client.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return chatops.PermissionNone, fmt.Errorf("could not build the permission request: %w", err)
	}
	var body repositoryPermission
	if _, err := p.Client.Do(ctx, req, &body); err != nil {
		if status(err) == http.StatusNotFound {
			return chatops.PermissionNone, nil
		}
		return chatops.PermissionNone, &opError{Kind: failure.Remote, Msg: describe(err), Err: err}
	}
	level := body.level()
	if ttl > 0 {
		p.mu.Lock()
		if p.cache == nil {
			p.cache = map[string]cachedPermission{}
		}
		if len(p.cache) >= maxCachedPermissions {
			// Commenters are few; many logins means churn, not reuse.
			clear(p.cache)
		}
		p.cache[key] = cachedPermission{level: level, expires: now().Add(ttl)}
		p.mu.Unlock()
	}
	return level, nil
}

// maxCachedPermissions bounds the cache however many logins comment.
const maxCachedPermissions = 1024

func (p *Permissions) ttl() time.Duration {
	if p.TTL == 0 {
		return 60 * time.Second
	}
	return p.TTL
}
