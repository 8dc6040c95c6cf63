package releasenotes

import (
	"net/url"
	"regexp"
	"strings"
)

var (
	scpLikeRe = regexp.MustCompile(`^(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):([^/][^:]*)$`)
	// repoPartRe is what GitHub allows in an owner or repository name.
	repoPartRe = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
)

// RepoURLFromRemote derives a repository's web address from a git remote
// URL of a GitHub host (github.com, or a GitHub Enterprise host whose name
// contains "github"): git@github.com:o/r.git, ssh://git@github.com/o/r,
// https://github.com/o/r.git and git://… all give https://github.com/o/r.
// Credentials and the SSH port are dropped. Other hosts, whose links are
// shaped differently, give "": pass the URL explicitly for them.
func RepoURLFromRemote(remote string) string {
	remote = strings.TrimSpace(remote)
	var host, path string
	if g := scpLikeRe.FindStringSubmatch(remote); g != nil && !strings.Contains(remote, "://") {
		host, path = g[1], g[2]
	} else {
		u, err := url.Parse(remote)
		if err != nil || u.Host == "" {
			return ""
		}
		switch u.Scheme {
		case "https", "http":
			host = u.Host
		case "ssh", "git", "git+ssh", "ssh+git":
			host = u.Hostname()
		default:
			return ""
		}
		path = u.Path
	}
	host = strings.ToLower(host)
	if !strings.Contains(host, "github") {
		return ""
	}
	path = strings.TrimSuffix(strings.Trim(path, "/"), ".git")
	parts := strings.Split(path, "/")
	if len(parts) != 2 {
		return ""
	}
	for _, p := range parts {
		if !repoPartRe.MatchString(p) || p == "." || p == ".." {
			return ""
		}
	}
	return "https://" + host + "/" + parts[0] + "/" + parts[1]
}
