package githubemu

import (
	"net/http"
	"strings"
)

// route is one endpoint: a method and a path pattern whose {name} segments
// match one segment and whose {name...} matches one or more, up to the
// literal segments that follow it. Routes are tried in order, so literal
// routes come before wildcard ones; an unmatched request is GitHub's 404,
// and in strict mode (NewTest) a failure of the test.
type route struct {
	method  string
	pattern string // as registered, e.g. "/repos/{owner}/{repo}/releases/latest"
	segs    []string
	h       http.HandlerFunc
}

type router []route

func (rt *router) handle(method, pattern string, h http.HandlerFunc) {
	*rt = append(*rt, route{method: method, pattern: pattern, segs: strings.Split(strings.Trim(pattern, "/"), "/"), h: h})
}

// match returns the first route for method and path, with its path values
// set on r, or nil when no route matches.
func (rt router) match(r *http.Request) *route {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for i := range rt {
		rte := &rt[i]
		if rte.method != r.Method {
			continue
		}
		if vals, ok := matchSegs(rte.segs, parts); ok {
			for k, v := range vals {
				r.SetPathValue(k, v)
			}
			return rte
		}
	}
	return nil
}

// has reports whether method and pattern name a registered route.
func (rt router) has(method, pattern string) bool {
	for _, rte := range rt {
		if rte.method == method && rte.pattern == pattern {
			return true
		}
	}
	return false
}

func matchSegs(segs, parts []string) (map[string]string, bool) {
	vals := map[string]string{}
	for i, seg := range segs {
		if name, ok := strings.CutPrefix(seg, "{"); ok && strings.HasSuffix(name, "...}") {
			tail := segs[i+1:] // literal segments after the wildcard
			end := len(parts) - len(tail)
			if end <= i {
				return nil, false
			}
			for j, lit := range tail {
				if parts[end+j] != lit {
					return nil, false
				}
			}
			v := strings.Join(parts[i:end], "/")
			if len(tail) > 0 && v == "" {
				return nil, false
			}
			vals[strings.TrimSuffix(name, "...}")] = v
			return vals, true
		}
		if i >= len(parts) {
			return nil, false
		}
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			if parts[i] == "" {
				return nil, false
			}
			vals[strings.TrimSuffix(name, "}")] = parts[i]
			continue
		}
		if seg != parts[i] {
			return nil, false
		}
	}
	return vals, len(segs) == len(parts)
}

func (s *Server) routes() router {
	var rt router
	const repo = "/repos/{owner}/{repo}"
	rt.handle("GET", "/app", s.getApp)
	rt.handle("GET", "/app/installations/{id}", s.getInstallation)
	rt.handle("POST", "/app/installations/{id}/access_tokens", s.createAccessToken)
	rt.handle("GET", "/rate_limit", s.rateLimit)

	rt.handle("GET", repo, s.getRepo)
	rt.handle("GET", repo+"/installation", s.getRepoInstallation)
	rt.handle("GET", repo+"/branches/{branch...}", s.getBranch)

	rt.handle("GET", repo+"/git/ref/{ref...}", s.getRef)
	rt.handle("GET", repo+"/git/refs", s.listRefs)
	rt.handle("GET", repo+"/git/refs/{ref...}", s.listRefs)
	rt.handle("GET", repo+"/git/matching-refs/{ref...}", s.matchingRefs)
	rt.handle("POST", repo+"/git/refs", s.createRef)
	rt.handle("PATCH", repo+"/git/refs/{ref...}", s.updateRef)
	rt.handle("POST", repo+"/git/refs/{ref...}", s.updateRef) // GitHub accepts POST for updates too
	rt.handle("DELETE", repo+"/git/refs/{ref...}", s.deleteRef)
	rt.handle("GET", repo+"/git/commits/{sha}", s.getGitCommit)
	rt.handle("POST", repo+"/git/commits", s.createGitCommit)
	rt.handle("GET", repo+"/git/trees/{sha...}", s.getTree)
	rt.handle("POST", repo+"/git/trees", s.createTree)
	rt.handle("GET", repo+"/git/blobs/{sha}", s.getBlob)
	rt.handle("POST", repo+"/git/blobs", s.createBlob)

	rt.handle("GET", repo+"/contents", s.getContents)
	rt.handle("GET", repo+"/contents/{path...}", s.getContents)
	rt.handle("PUT", repo+"/contents/{path...}", s.putContents)
	rt.handle("GET", repo+"/compare/{basehead...}", s.compare)
	rt.handle("GET", repo+"/commits", s.listCommits)
	// The commit's subresources come before the commit itself, whose
	// {ref...} would match them too (a ref may hold slashes).
	rt.handle("GET", repo+"/commits/{ref...}/check-runs", s.listCheckRuns)
	rt.handle("GET", repo+"/commits/{ref...}/check-suites", s.listCheckSuites)
	rt.handle("GET", repo+"/commits/{ref...}/status", s.combinedStatus)
	rt.handle("GET", repo+"/commits/{ref...}/statuses", s.listStatuses)
	rt.handle("GET", repo+"/commits/{ref...}/pulls", s.pullsForCommit)
	rt.handle("GET", repo+"/commits/{ref...}", s.getCommit)
	rt.handle("POST", repo+"/statuses/{sha}", s.createStatus)
	rt.handle("GET", repo+"/tags", s.listTags)

	rt.handle("GET", repo+"/pulls", s.listPulls)
	rt.handle("POST", repo+"/pulls", s.createPull)
	rt.handle("GET", repo+"/pulls/{number}", s.getPull)
	rt.handle("PATCH", repo+"/pulls/{number}", s.updatePull)
	rt.handle("PUT", repo+"/pulls/{number}/merge", s.mergePull)
	rt.handle("GET", repo+"/pulls/{number}/merge", s.pullMerged)
	rt.handle("GET", repo+"/pulls/{number}/commits", s.listPullCommits)
	rt.handle("GET", repo+"/pulls/{number}/files", s.listPullFiles)

	rt.handle("GET", repo+"/issues/comments/{id}", s.getComment)
	rt.handle("PATCH", repo+"/issues/comments/{id}", s.updateComment)
	rt.handle("DELETE", repo+"/issues/comments/{id}", s.deleteComment)
	rt.handle("GET", repo+"/issues/comments/{id}/reactions", s.listReactions)
	rt.handle("POST", repo+"/issues/comments/{id}/reactions", s.createReaction)
	rt.handle("DELETE", repo+"/issues/comments/{id}/reactions/{rid}", s.deleteReaction)
	rt.handle("POST", repo+"/issues", s.createIssue)
	rt.handle("GET", repo+"/issues/{number}", s.getIssue)
	rt.handle("PATCH", repo+"/issues/{number}", s.updateIssue)
	rt.handle("GET", repo+"/issues/{number}/comments", s.listComments)
	rt.handle("POST", repo+"/issues/{number}/comments", s.createComment)
	rt.handle("GET", repo+"/issues/{number}/labels", s.listIssueLabels)
	rt.handle("POST", repo+"/issues/{number}/labels", s.addLabelsHandler)
	rt.handle("DELETE", repo+"/issues/{number}/labels/{name}", s.removeLabel)

	rt.handle("GET", repo+"/releases", s.listReleases)
	rt.handle("POST", repo+"/releases", s.createRelease)
	rt.handle("GET", repo+"/releases/latest", s.latestRelease)
	rt.handle("GET", repo+"/releases/tags/{tag...}", s.getReleaseByTag)
	rt.handle("GET", repo+"/releases/{id}", s.getRelease)
	rt.handle("PATCH", repo+"/releases/{id}", s.updateRelease)
	rt.handle("DELETE", repo+"/releases/{id}", s.deleteRelease)

	rt.handle("GET", repo+"/collaborators/{user}/permission", s.permission)
	rt.handle("POST", repo+"/actions/workflows/{workflow_id}/dispatches", s.dispatchWorkflow)
	return rt
}

// rateLimit serves GET /rate_limit.
func (s *Server) rateLimit(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	core := map[string]any{
		"limit": atoi(h.Get("X-RateLimit-Limit")), "remaining": atoi(h.Get("X-RateLimit-Remaining")),
		"used": atoi(h.Get("X-RateLimit-Used")), "reset": atoi(h.Get("X-RateLimit-Reset")), "resource": "core",
	}
	writeJSON(w, http.StatusOK, map[string]any{"resources": map[string]any{"core": core}, "rate": core})
}

func atoi(s string) int64 {
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return n
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
