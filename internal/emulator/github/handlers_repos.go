package githubemu

import (
	"context"
	"encoding/base64"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v62/github"
)

const (
	docContents    = "https://docs.github.com/rest/repos/contents"
	docRepoCommits = "https://docs.github.com/rest/commits/commits"
)

func (s *Server) getRepo(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	writeJSON(w, http.StatusOK, s.repoJSON(rs, info(r)))
}

// getRepoInstallation serves GET /repos/{o}/{r}/installation for an App JWT.
func (s *Server) getRepoInstallation(w http.ResponseWriter, r *http.Request) {
	ri := info(r)
	if !ri.id.jwt {
		apiError(w, http.StatusUnauthorized, "A JSON web token could not be decoded", docsBase)
		return
	}
	if _, err := s.repo(r.PathValue("owner"), r.PathValue("repo")); err != nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.installationJSON(ri, ri.id.app))
}

func (s *Server) getBranch(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	name := r.PathValue("branch")
	sha, ok := rs.git.ref(r.Context(), "refs/heads/"+name)
	if !ok {
		apiError(w, http.StatusNotFound, "Branch not found", "https://docs.github.com/rest/branches/branches#get-a-branch")
		return
	}
	c, err := rs.git.commit(r.Context(), sha)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	rc := s.repoCommitJSON(info(r), rs, c)
	writeJSON(w, http.StatusOK, map[string]any{
		"name": name, "commit": rc, "protected": false,
		"_links": map[string]string{
			"self": apiRepo(info(r), rs) + "/branches/" + name,
			"html": info(r).webBase + "/" + rs.fullName() + "/tree/" + name,
		},
	})
}

// contentJSON is a file or directory entry of the contents API.
func contentJSON(ri *requestInfo, rs *repoState, ref string, e treeEntry, data []byte) *gh.RepositoryContent {
	typ := map[string]string{"blob": "file", "tree": "dir", "commit": "submodule"}[e.Type]
	if e.Mode == "120000" {
		typ = "symlink"
	}
	api := apiRepo(ri, rs) + "/contents/" + e.Path + "?ref=" + ref
	kind := "blob"
	if e.Type == "tree" {
		kind = "tree"
	}
	c := &gh.RepositoryContent{
		Type: ptr(typ), Name: ptr(path.Base(e.Path)), Path: ptr(e.Path), SHA: ptr(e.SHA),
		URL: ptr(api), GitURL: ptr(objectURL(ri, rs, kind, e.SHA)),
		HTMLURL: ptr(ri.webBase + "/" + rs.fullName() + "/" + map[bool]string{true: "tree", false: "blob"}[e.Type == "tree"] + "/" + ref + "/" + e.Path),
		Size:    ptr(max(e.Size, 0)),
	}
	if e.Type == "blob" {
		c.DownloadURL = ptr(ri.webBase + "/" + rs.fullName() + "/raw/" + ref + "/" + e.Path)
	}
	switch {
	case data == nil:
	case typ == "symlink":
		c.Target = ptr(string(data))
	case len(data) > contentsInlineMax:
		// GitHub leaves larger files out: only the raw media type has them.
		c.Content, c.Encoding = ptr(""), ptr("none")
	default:
		c.Content, c.Encoding = ptr(wrap64(data)), ptr("base64")
	}
	return c
}

const (
	// contentsInlineMax is the largest file the contents API sends inline
	// (1 MB); contentsMax the largest it serves at all (100 MB).
	contentsInlineMax = 1 << 20
	contentsMax       = 100 << 20
)

// getContents serves GET /contents/{path}: a file (inline up to 1 MB, then
// with encoding "none" and empty content unless the raw media type is
// asked for), a directory's entries, or 404 "This repository is empty." and
// "No commit found for the ref …" as GitHub does.
func (s *Server) getContents(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	if refs, err := rs.git.refs(r.Context(), "refs/heads", "refs/tags"); err == nil && len(refs) == 0 {
		apiError(w, http.StatusNotFound, "This repository is empty.", docContents+"#get-repository-content")
		return
	}
	ctx := r.Context()
	ref := r.URL.Query().Get("ref")
	if ref == "" {
		ref = rs.defaultBranch
	}
	commit, ok := rs.git.resolve(ctx, ref, "commit")
	if !ok {
		apiError(w, http.StatusNotFound, "No commit found for the ref "+ref, docContents+"#get-repository-content")
		return
	}
	p := strings.Trim(r.PathValue("path"), "/")
	ri := info(r)
	if p == "" {
		s.listDir(w, r, rs, ref, commit)
		return
	}
	entries, err := rs.git.lsTree(ctx, commit, false, p)
	if err != nil || len(entries) != 1 || entries[0].Path != p {
		notFound(w)
		return
	}
	e := entries[0]
	switch e.Type {
	case "tree":
		s.listDir(w, r, rs, ref, commit+":"+p)
	case "commit":
		writeJSON(w, http.StatusOK, contentJSON(ri, rs, ref, e, nil))
	default:
		o, err := rs.git.readObject(ctx, e.SHA)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "Server Error", "")
			return
		}
		if len(o.data) > contentsMax {
			writeJSON(w, http.StatusForbidden, map[string]any{
				"message":           "This endpoint can only return blobs smaller than 100 MB in size. The requested blob is too large to fetch via the API, but you can always clone the repository via Git to obtain it.",
				"errors":            []map[string]any{{"resource": "Blob", "field": "data", "code": "too_large"}},
				"documentation_url": docContents + "#get-repository-content", "status": "403",
			})
			return
		}
		if wantsRaw(r) {
			w.Header().Set("Content-Type", "application/vnd.github.raw; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(o.data)
			return
		}
		writeJSON(w, http.StatusOK, contentJSON(ri, rs, ref, e, o.data))
	}
}

func (s *Server) listDir(w http.ResponseWriter, r *http.Request, rs *repoState, ref, treeish string) {
	entries, err := rs.git.lsTree(r.Context(), treeish, false)
	if err != nil {
		notFound(w)
		return
	}
	prefix := ""
	if _, dir, ok := strings.Cut(treeish, ":"); ok {
		prefix = dir + "/"
	}
	out := []*gh.RepositoryContent{}
	for _, e := range entries {
		e.Path = prefix + e.Path
		out = append(out, contentJSON(info(r), rs, ref, e, nil))
	}
	writeJSON(w, http.StatusOK, out)
}

// putContents serves PUT /contents/{path}: create or update one file with a
// commit, as GitHub does: the branch must exist unless the repository has
// no branch at all; updating needs the file's current blob sha (a stale one
// is 409); a directory is not a file; a file in the way of a new path's
// directory is 409. The committer is the caller (GitHub itself for an App
// that names neither author nor committer); a committer given alone is the
// author too.
func (s *Server) putContents(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	var body struct {
		Message   *string   `json:"message"`
		Content   *string   `json:"content"`
		SHA       string    `json:"sha"`
		Branch    string    `json:"branch"`
		Author    *authorIn `json:"author"`
		Committer *authorIn `json:"committer"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docContents + "#create-or-update-file-contents"
	p := strings.Trim(r.PathValue("path"), "/")
	if !validTreePath(p) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "path contains a malformed path component", "documentation_url": doc, "status": "422",
			"errors": []map[string]any{{"resource": "Commit", "field": "path", "code": "invalid"}},
		})
		return
	}
	switch {
	case body.Message == nil:
		missingField(w, "message", doc)
		return
	case body.Content == nil:
		missingField(w, "content", doc)
		return
	}
	data, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(*body.Content, "\n", ""))
	if err != nil {
		apiError(w, http.StatusUnprocessableEntity, "content is not valid Base64", doc)
		return
	}
	branch := body.Branch
	if branch == "" {
		branch = rs.defaultBranch
	}
	ctx := r.Context()
	ref := "refs/heads/" + branch
	tip, exists := rs.git.ref(ctx, ref)
	baseTree := ""
	var parents []string
	status := http.StatusCreated
	if exists {
		c, err := rs.git.commit(ctx, tip)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "Server Error", "")
			return
		}
		baseTree, parents = c.Tree, []string{tip}
		if entries, _ := rs.git.lsTree(ctx, tip, false, p); len(entries) == 1 && entries[0].Path == p {
			if entries[0].Type != "blob" {
				apiError(w, http.StatusUnprocessableEntity, p+" is not a file", doc)
				return
			}
			if body.SHA == "" {
				missingField(w, "sha", doc)
				return
			}
			if body.SHA != entries[0].SHA {
				apiError(w, http.StatusConflict, p+" does not match "+body.SHA, doc)
				return
			}
			status = http.StatusOK
		} else {
			for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
				if entries, _ := rs.git.lsTree(ctx, tip, false, dir); len(entries) == 1 && entries[0].Path == dir && entries[0].Type != "tree" {
					apiError(w, http.StatusConflict, "Sorry, a file exists where you’re trying to create a subdirectory. Choose a new path and try again.", doc)
					return
				}
			}
		}
	} else if heads, _ := rs.git.refs(ctx, "refs/heads"); len(heads) > 0 {
		apiError(w, http.StatusNotFound, "Branch "+branch+" not found", doc)
		return
	}
	blob, err := rs.git.writeObject(ctx, "blob", data)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	tree, err := rs.git.buildTree(ctx, baseTree, []treeEdit{{Path: p, Mode: "100644", Type: "blob", SHA: blob}})
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	ri := info(r)
	now := s.now()
	committer, ok1 := body.Committer.sig(s.sigFor(ri.id.login, now))
	author, ok2 := body.Author.sig(committer)
	if !ok1 || !ok2 {
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nauthor and committer need a name and an email.", doc)
		return
	}
	if ri.id.bot && body.Author == nil && body.Committer == nil {
		committer = webCommitter(now)
	}
	sha, err := rs.git.writeCommit(ctx, commitObject{Tree: tree, Parents: parents, Author: author, Committer: committer, Message: *body.Message})
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	_, res, err := s.moveRef(ctx, rs, ref, sha, false, !exists, ri.id.login)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	if res != refMoved {
		apiError(w, http.StatusConflict, p+" does not match "+body.SHA, doc)
		return
	}
	c, _ := rs.git.commit(ctx, sha)
	writeJSON(w, status, map[string]any{
		"content": contentJSON(ri, rs, branch, treeEntry{Mode: "100644", Type: "blob", SHA: blob, Path: p, Size: len(data)}, nil),
		"commit":  gitCommitBody(ri, rs, c, true),
	})
}

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

// listCheckSuites serves GET /repos/{owner}/{repo}/commits/{ref}/check-suites:
// the emulator runs no suites.
func (s *Server) listCheckSuites(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"total_count": 0, "check_suites": []any{}})
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

// listTags serves GET /tags, newest version first.
func (s *Server) listTags(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	out, err := rs.git.runString(r.Context(), "for-each-ref", "--sort=-v:refname",
		"--format=%(refname:strip=2) %(objectname) %(*objectname)", "refs/tags")
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	ri := info(r)
	tags := []*gh.RepositoryTag{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		sha := f[1]
		if len(f) > 2 {
			sha = f[2]
		}
		tags = append(tags, &gh.RepositoryTag{
			Name:       ptr(f[0]),
			Commit:     &gh.Commit{SHA: ptr(sha), URL: ptr(apiRepo(ri, rs) + "/commits/" + sha)},
			ZipballURL: ptr(apiRepo(ri, rs) + "/zipball/refs/tags/" + f[0]),
			TarballURL: ptr(apiRepo(ri, rs) + "/tarball/refs/tags/" + f[0]),
		})
	}
	writeJSON(w, http.StatusOK, pageOf(w, r, tags))
}

// CheckRun is a check run a test sets on a commit.
type CheckRun struct {
	Name       string
	Status     string // queued, in_progress, completed (default completed)
	Conclusion string // success, failure, neutral, cancelled, skipped, timed_out, action_required
	DetailsURL string
}

// Status is a commit status a test sets on a commit.
type Status struct {
	Context     string
	State       string // error, failure, pending, success
	Description string
	TargetURL   string
}

// SetCheckRuns replaces the check runs of a commit (sha or ref).
func (s *Server) SetCheckRuns(owner, name, rev string, runs ...CheckRun) error {
	rs, err := s.repo(owner, name)
	if err != nil {
		return err
	}
	sha, ok := rs.git.resolve(context.Background(), rev, "commit")
	if !ok {
		return errNoCommit(rev)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*gh.CheckRun, 0, len(runs))
	for _, c := range runs {
		if c.Status == "" {
			c.Status = "completed"
		}
		id := s.newIDLocked()
		run := &gh.CheckRun{
			ID: ptr(id), NodeID: nodeID("CheckRun", id), Name: ptr(c.Name), HeadSHA: ptr(sha),
			Status: ptr(c.Status), StartedAt: ts(now), ExternalID: ptr(""),
			HTMLURL: ptr("http://github.localhost/" + rs.fullName() + "/runs/" + strconv.FormatInt(id, 10)),
			App:     &gh.App{ID: ptr(int64(15368)), Slug: ptr("github-actions"), Name: ptr("GitHub Actions")},
			Output:  &gh.CheckRunOutput{Title: ptr(c.Name), Summary: ptr("")},
		}
		if c.DetailsURL != "" {
			run.DetailsURL = ptr(c.DetailsURL)
		}
		if c.Status == "completed" {
			run.Conclusion, run.CompletedAt = ptr(c.Conclusion), ts(now)
		}
		out = append(out, run)
	}
	rs.checkRuns[sha] = out
	return nil
}

// SetStatus adds a commit status on a commit (sha or ref); a later status
// of the same context supersedes an earlier one in the combined status.
func (s *Server) SetStatus(owner, name, rev string, st Status) error {
	rs, err := s.repo(owner, name)
	if err != nil {
		return err
	}
	sha, ok := rs.git.resolve(context.Background(), rev, "commit")
	if !ok {
		return errNoCommit(rev)
	}
	s.addStatus(rs, sha, st, owner)
	return nil
}

func (s *Server) addStatus(rs *repoState, sha string, st Status, creator string) *gh.RepoStatus {
	api, web := s.bases()
	now := s.now()
	s.mu.Lock()
	id := s.newIDLocked()
	s.mu.Unlock()
	rst := &gh.RepoStatus{
		ID: ptr(id), NodeID: nodeID("StatusContext", id), State: ptr(st.State), Context: ptr(st.Context),
		Description: ptr(st.Description), TargetURL: ptr(st.TargetURL),
		URL:       ptr(api + "/repos/" + rs.fullName() + "/statuses/" + sha),
		CreatedAt: ts(now), UpdatedAt: ts(now), Creator: s.userJSON(creator, api, web),
		AvatarURL: ptr("https://avatars.githubusercontent.com/u/" + strconv.FormatInt(s.userID(creator), 10)),
	}
	s.mu.Lock()
	rs.statuses[sha] = append([]*gh.RepoStatus{rst}, rs.statuses[sha]...)
	s.mu.Unlock()
	return rst
}

type errNoCommit string

func (e errNoCommit) Error() string { return "githubemu: no commit " + string(e) }

func (s *Server) listCheckRuns(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	sha, ok := s.resolveCommitRef(w, r, rs)
	if !ok {
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	var runs []*gh.CheckRun
	newest := map[string]int64{} // filter=latest (the default): the newest run of each name
	for _, c := range rs.checkRuns[sha] {
		newest[c.GetName()] = max(newest[c.GetName()], c.GetID())
	}
	for _, c := range rs.checkRuns[sha] {
		if q.Get("filter") != "all" && c.GetID() != newest[c.GetName()] {
			continue
		}
		if (q.Get("check_name") == "" || q.Get("check_name") == c.GetName()) && (q.Get("status") == "" || q.Get("status") == c.GetStatus()) {
			runs = append(runs, c)
		}
	}
	s.mu.Unlock()
	total := len(runs)
	page := pageOf(w, r, runs)
	writeJSON(w, http.StatusOK, map[string]any{"total_count": total, "check_runs": page})
}

// latestStatuses keeps the newest status per context.
func latestStatuses(all []*gh.RepoStatus) []*gh.RepoStatus {
	seen := map[string]bool{}
	out := []*gh.RepoStatus{}
	for _, st := range all {
		if !seen[st.GetContext()] {
			seen[st.GetContext()] = true
			out = append(out, st)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].GetContext() < out[j].GetContext() })
	return out
}

func (s *Server) combinedStatus(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	sha, ok := s.resolveCommitRef(w, r, rs)
	if !ok {
		return
	}
	s.mu.Lock()
	latest := latestStatuses(rs.statuses[sha])
	s.mu.Unlock()
	state := "success"
	if len(latest) == 0 {
		state = "pending"
	}
	for _, st := range latest {
		switch st.GetState() {
		case "error", "failure":
			state = "failure"
		case "pending":
			if state != "failure" {
				state = "pending"
			}
		}
	}
	ri := info(r)
	// The statuses are paged (per_page, Link); state and total_count cover
	// them all.
	writeJSON(w, http.StatusOK, map[string]any{
		"state": state, "statuses": pageOf(w, r, latest), "sha": sha, "total_count": len(latest),
		"repository": s.repoJSON(rs, ri),
		"commit_url": apiRepo(ri, rs) + "/commits/" + sha,
		"url":        apiRepo(ri, rs) + "/commits/" + sha + "/status",
	})
}

func (s *Server) listStatuses(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	sha, ok := s.resolveCommitRef(w, r, rs)
	if !ok {
		return
	}
	s.mu.Lock()
	all := append([]*gh.RepoStatus(nil), rs.statuses[sha]...)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, pageOf(w, r, all))
}

func (s *Server) createStatus(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	var body struct {
		State       string `json:"state"`
		TargetURL   string `json:"target_url"`
		Description string `json:"description"`
		Context     string `json:"context"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if info(r).id.app != nil && installationPermissions().GetStatuses() != "write" {
		apiError(w, http.StatusForbidden, "Resource not accessible by integration", "https://docs.github.com/rest/commits/statuses#create-a-commit-status")
		return
	}
	switch body.State {
	case "error", "failure", "pending", "success":
	default:
		validationFailed(w, "https://docs.github.com/rest/commits/statuses#create-a-commit-status",
			map[string]any{"resource": "Status", "field": "state", "code": "custom", "message": "state is not included in the list"})
		return
	}
	sha, ok := rs.git.resolve(r.Context(), r.PathValue("sha"), "commit")
	if !ok {
		apiError(w, http.StatusUnprocessableEntity, "No commit found for SHA: "+r.PathValue("sha"), "https://docs.github.com/rest/commits/statuses#create-a-commit-status")
		return
	}
	if body.Context == "" {
		body.Context = "default"
	}
	st := s.addStatus(rs, sha, Status{Context: body.Context, State: body.State, Description: body.Description, TargetURL: body.TargetURL}, info(r).id.login)
	writeJSON(w, http.StatusCreated, st)
}

// permission serves GET /collaborators/{user}/permission.
func (s *Server) permission(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	user := r.PathValue("user")
	s.mu.Lock()
	role := rs.perms[user]
	s.mu.Unlock()
	if role == "" {
		if rs.private {
			role = "none"
		} else {
			role = "read"
		}
	}
	legacy := map[string]string{"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read", "none": "none"}[role]
	ri := info(r)
	u := s.userJSON(user, ri.apiBase, ri.webBase)
	writeJSON(w, http.StatusOK, map[string]any{"permission": legacy, "role_name": role, "user": u})
}

// commitsBetween lists the commits of base..head, for pull requests.
func (s *Server) commitsBetween(rs *repoState, base, head string) []string {
	ids, err := rs.git.revList(context.Background(), head, "", time.Time{}, time.Time{}, 0, -1, "--reverse", "^"+base)
	if err != nil {
		return nil
	}
	return ids
}
