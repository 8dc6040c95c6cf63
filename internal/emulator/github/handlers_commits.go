package githubemu

import (
	"context"
	"net/http"
	"strings"
	"time"
)

func parseTime(v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}
	}
	return t
}

// listCommits serves GET /commits?sha=&path=&since=&until=&per_page=&page=.
func (s *Server) listCommits(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	rev := q.Get("sha")
	if rev == "" {
		rev = rs.defaultBranch
	}
	sha, ok := rs.git.resolve(ctx, rev, "commit")
	if !ok {
		apiError(w, http.StatusNotFound, "No commit found for SHA: "+rev, docRepoCommits+"#list-commits")
		return
	}
	p := strings.Trim(q.Get("path"), "/")
	since, until := parseTime(q.Get("since")), parseTime(q.Get("until"))
	perPage, page := paging(r)
	total, err := rs.git.countCommits(ctx, sha, p, since, until)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	ids, err := rs.git.revList(ctx, sha, p, since, until, (page-1)*perPage, perPage)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	commits, err := rs.git.commits(ctx, ids...)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	out := make([]repoCommitJSON, 0, len(commits))
	for _, c := range commits {
		out = append(out, s.repoCommitJSON(info(r), rs, c))
	}
	setCommitsLink(w, r, perPage, page, len(out), total)
	writeJSON(w, http.StatusOK, out)
}

// resolveCommitRef resolves {ref} to a commit, answering 422 "No commit
// found for SHA" as GitHub does.
func (s *Server) resolveCommitRef(w http.ResponseWriter, r *http.Request, rs *repoState) (string, bool) {
	ref := r.PathValue("ref")
	sha, ok := rs.git.resolve(r.Context(), ref, "commit")
	if !ok {
		apiError(w, http.StatusUnprocessableEntity, "No commit found for SHA: "+ref, docRepoCommits+"#get-a-commit")
		return "", false
	}
	return sha, true
}

func (s *Server) getCommit(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	sha, ok := s.resolveCommitRef(w, r, rs)
	if !ok {
		return
	}
	ctx := r.Context()
	c, err := rs.git.commit(ctx, sha)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	parent := ""
	if len(c.Parents) > 0 {
		parent = c.Parents[0]
	}
	changes, err := rs.git.diff(ctx, parent, sha)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	rc := s.repoCommitJSON(info(r), rs, c)
	rc.Files, rc.Stats = filesJSON(info(r), rs, sha, changes)
	writeJSON(w, http.StatusOK, rc)
}

// compare serves GET /compare/{base}...{head}.
func (s *Server) compare(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	spec := r.PathValue("basehead")
	base, head, ok := strings.Cut(spec, "...")
	if !ok {
		base, head, ok = strings.Cut(spec, "..")
	}
	if !ok {
		notFound(w)
		return
	}
	ctx := r.Context()
	baseSHA, ok1 := rs.git.resolve(ctx, base, "commit")
	headSHA, ok2 := rs.git.resolve(ctx, head, "commit")
	if !ok1 || !ok2 {
		notFound(w)
		return
	}
	mb, ok := rs.git.mergeBase(ctx, baseSHA, headSHA)
	if !ok {
		apiError(w, http.StatusNotFound, "No common ancestor between "+base+" and "+head+".", "https://docs.github.com/rest/commits/commits#compare-two-commits")
		return
	}
	ahead, err1 := rs.git.revList(ctx, headSHA, "", time.Time{}, time.Time{}, 0, -1, "--reverse", "^"+baseSHA)
	behindIDs, err2 := rs.git.revList(ctx, baseSHA, "", time.Time{}, time.Time{}, 0, -1, "^"+headSHA)
	if err1 != nil || err2 != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	behind := len(behindIDs)
	status := "diverged"
	switch {
	case baseSHA == headSHA:
		status = "identical"
	case behind == 0:
		status = "ahead"
	case len(ahead) == 0:
		status = "behind"
	}
	ri := info(r)
	listed := ahead
	if len(listed) > 250 {
		listed = listed[:250]
	}
	if q := r.URL.Query(); q.Get("page") != "" || q.Get("per_page") != "" {
		listed = pageOf(w, r, ahead)
	}
	commits, err := rs.git.commits(ctx, listed...)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	cs := make([]repoCommitJSON, 0, len(commits))
	for _, c := range commits {
		cs = append(cs, s.repoCommitJSON(ri, rs, c))
	}
	changes, err := rs.git.diff(ctx, mb, headSHA)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	files, _ := filesJSON(ri, rs, headSHA, changes)
	bc, _ := rs.git.commit(ctx, baseSHA)
	mc, _ := rs.git.commit(ctx, mb)
	web := ri.webBase + "/" + rs.fullName() + "/compare/" + spec
	writeJSON(w, http.StatusOK, map[string]any{
		"url": apiRepo(ri, rs) + "/compare/" + spec, "html_url": web,
		"permalink_url": ri.webBase + "/" + rs.fullName() + "/compare/" + rs.owner + ":" + baseSHA[:7] + "..." + rs.owner + ":" + headSHA[:7],
		"diff_url":      web + ".diff", "patch_url": web + ".patch",
		"base_commit":       s.repoCommitJSON(ri, rs, bc),
		"merge_base_commit": s.repoCommitJSON(ri, rs, mc),
		"status":            status, "ahead_by": len(ahead), "behind_by": behind, "total_commits": len(ahead),
		"commits": cs, "files": files,
	})
}

// commitsBetween lists the commits of base..head, for pull requests.
func (s *Server) commitsBetween(rs *repoState, base, head string) []string {
	ids, err := rs.git.revList(context.Background(), head, "", time.Time{}, time.Time{}, 0, -1, "--reverse", "^"+base)
	if err != nil {
		return nil
	}
	return ids
}
