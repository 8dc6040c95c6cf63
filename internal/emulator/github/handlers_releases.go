package githubemu

import (
	"context"
	"net/http"
	"sort"
	"strconv"

	gh "github.com/google/go-github/v62/github"
)

const docReleases = "https://docs.github.com/rest/releases/releases"

func (s *Server) releaseJSON(ri *requestInfo, rs *repoState, rel *releaseState) *gh.RepositoryRelease {
	s.mu.Lock()
	st := *rel
	s.mu.Unlock()
	api := apiRepo(ri, rs)
	id := strconv.FormatInt(st.id, 10)
	out := &gh.RepositoryRelease{
		ID: ptr(st.id), NodeID: nodeID("Release", st.id), TagName: ptr(st.tag), TargetCommitish: ptr(st.target),
		Name: ptr(st.name), Body: ptr(st.body), Draft: ptr(st.draft), Prerelease: ptr(st.prerelease),
		CreatedAt: ts(st.created), Author: s.userJSON(st.author, ri.apiBase, ri.webBase),
		URL: ptr(api + "/releases/" + id), HTMLURL: ptr(ri.webBase + "/" + rs.fullName() + "/releases/tag/" + st.tag),
		AssetsURL:  ptr(api + "/releases/" + id + "/assets"),
		UploadURL:  ptr("https://uploads.github.localhost/repos/" + rs.fullName() + "/releases/" + id + "/assets{?name,label}"),
		TarballURL: ptr(api + "/tarball/" + st.tag), ZipballURL: ptr(api + "/zipball/" + st.tag),
		Assets: []*gh.ReleaseAsset{},
	}
	if !st.published.IsZero() {
		out.PublishedAt = ts(st.published)
	}
	return out
}

// ensureTag creates a lightweight tag at target when the tag does not
// exist, as publishing a release does.
func (s *Server) ensureTag(ctx context.Context, rs *repoState, tag, target, login string) bool {
	if _, ok := rs.git.ref(ctx, "refs/tags/"+tag); ok {
		return true
	}
	sha, ok := rs.git.resolve(ctx, target, "commit")
	if !ok {
		return false
	}
	_, res, err := s.moveRef(ctx, rs, "refs/tags/"+tag, sha, false, true, login)
	return err == nil && (res == refMoved || res == refExists)
}

func (s *Server) createRelease(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	var body struct {
		TagName         *string `json:"tag_name"`
		TargetCommitish string  `json:"target_commitish"`
		Name            *string `json:"name"`
		Body            string  `json:"body"`
		Draft           bool    `json:"draft"`
		Prerelease      bool    `json:"prerelease"`
		MakeLatest      string  `json:"make_latest"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docReleases + "#create-a-release"
	if body.TagName == nil || *body.TagName == "" {
		validationFailed(w, doc, map[string]any{"resource": "Release", "code": "missing_field", "field": "tag_name"})
		return
	}
	if body.TargetCommitish == "" {
		body.TargetCommitish = rs.defaultBranch
	}
	s.mu.Lock()
	for _, rel := range rs.releases {
		if rel.tag == *body.TagName {
			s.mu.Unlock()
			validationFailed(w, doc, map[string]any{"resource": "Release", "code": "already_exists", "field": "tag_name"})
			return
		}
	}
	s.mu.Unlock()
	ctx := r.Context()
	ri := info(r)
	if _, ok := rs.git.resolve(ctx, body.TargetCommitish, "commit"); !ok {
		if _, tagged := rs.git.ref(ctx, "refs/tags/"+*body.TagName); !tagged {
			validationFailed(w, doc, map[string]any{"resource": "Release", "code": "invalid", "field": "target_commitish"})
			return
		}
	}
	if !body.Draft && !s.ensureTag(ctx, rs, *body.TagName, body.TargetCommitish, ri.id.login) {
		validationFailed(w, doc, map[string]any{"resource": "Release", "code": "invalid", "field": "tag_name"})
		return
	}
	name := *body.TagName
	if body.Name != nil {
		name = *body.Name
	}
	now := s.now()
	s.mu.Lock()
	rel := &releaseState{id: s.newIDLocked(), tag: *body.TagName, target: body.TargetCommitish, name: name,
		body: body.Body, draft: body.Draft, prerelease: body.Prerelease, author: ri.id.login, created: now, makeLatest: body.MakeLatest}
	if !body.Draft {
		rel.published = now
	}
	rs.releases = append(rs.releases, rel)
	s.mu.Unlock()
	out := s.releaseJSON(ri, rs, rel)
	w.Header().Set("Location", out.GetURL())
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) releaseByID(w http.ResponseWriter, r *http.Request, rs *repoState) *releaseState {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rel := range rs.releases {
		if err == nil && rel.id == id {
			return rel
		}
	}
	notFound(w)
	return nil
}

func (s *Server) getRelease(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	if rel := s.releaseByID(w, r, rs); rel != nil {
		writeJSON(w, http.StatusOK, s.releaseJSON(info(r), rs, rel))
	}
}

func (s *Server) getReleaseByTag(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	tag := r.PathValue("tag")
	s.mu.Lock()
	var found *releaseState
	for _, rel := range rs.releases {
		if rel.tag == tag && !rel.draft {
			found = rel
		}
	}
	s.mu.Unlock()
	if found == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.releaseJSON(info(r), rs, found))
}

func (s *Server) latestRelease(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	s.mu.Lock()
	var found *releaseState
	for _, rel := range rs.releases {
		if rel.draft || rel.prerelease || rel.makeLatest == "false" {
			continue
		}
		if found == nil || !rel.created.Before(found.created) {
			found = rel
		}
	}
	s.mu.Unlock()
	if found == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, s.releaseJSON(info(r), rs, found))
}

func (s *Server) listReleases(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	s.mu.Lock()
	list := append([]*releaseState(nil), rs.releases...)
	s.mu.Unlock()
	sort.SliceStable(list, func(i, j int) bool { return list[i].id > list[j].id })
	page := pageOf(w, r, list)
	out := make([]*gh.RepositoryRelease, 0, len(page))
	for _, rel := range page {
		out = append(out, s.releaseJSON(info(r), rs, rel))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) updateRelease(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	rel := s.releaseByID(w, r, rs)
	if rel == nil {
		return
	}
	var body struct {
		TagName         *string `json:"tag_name"`
		TargetCommitish *string `json:"target_commitish"`
		Name            *string `json:"name"`
		Body            *string `json:"body"`
		Draft           *bool   `json:"draft"`
		Prerelease      *bool   `json:"prerelease"`
		MakeLatest      *string `json:"make_latest"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	ri := info(r)
	s.mu.Lock()
	if body.TagName != nil {
		rel.tag = *body.TagName
	}
	if body.TargetCommitish != nil {
		rel.target = *body.TargetCommitish
	}
	if body.Name != nil {
		rel.name = *body.Name
	}
	if body.Body != nil {
		rel.body = *body.Body
	}
	if body.Prerelease != nil {
		rel.prerelease = *body.Prerelease
	}
	if body.MakeLatest != nil {
		rel.makeLatest = *body.MakeLatest
	}
	publish := body.Draft != nil && !*body.Draft && rel.draft
	if body.Draft != nil {
		rel.draft = *body.Draft
	}
	tag, target := rel.tag, rel.target
	if publish {
		rel.published = s.now()
	}
	s.mu.Unlock()
	if publish && !s.ensureTag(r.Context(), rs, tag, target, ri.id.login) {
		validationFailed(w, docReleases+"#update-a-release", map[string]any{"resource": "Release", "code": "invalid", "field": "target_commitish"})
		return
	}
	writeJSON(w, http.StatusOK, s.releaseJSON(ri, rs, rel))
}

func (s *Server) deleteRelease(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	rel := s.releaseByID(w, r, rs)
	if rel == nil {
		return
	}
	s.mu.Lock()
	for i, x := range rs.releases {
		if x == rel {
			rs.releases = append(rs.releases[:i], rs.releases[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// Releases returns the releases of owner/name, newest first, as the API
// renders them.
func (s *Server) Releases(owner, name string) []*gh.RepositoryRelease {
	rs, err := s.repo(owner, name)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	list := append([]*releaseState(nil), rs.releases...)
	s.mu.Unlock()
	sort.SliceStable(list, func(i, j int) bool { return list[i].id > list[j].id })
	var out []*gh.RepositoryRelease
	for _, rel := range list {
		out = append(out, s.releaseJSON(s.eventInfo(""), rs, rel))
	}
	return out
}

// PullRequests returns the pull requests of owner/name (every state),
// newest first, as the API renders them.
func (s *Server) PullRequests(owner, name string) []*gh.PullRequest {
	rs, err := s.repo(owner, name)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	var list []*issueState
	for _, is := range rs.issues {
		if is.pull != nil {
			list = append(list, is)
		}
	}
	s.mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].number > list[j].number })
	var out []*gh.PullRequest
	for _, is := range list {
		out = append(out, s.pullJSON(context.Background(), s.eventInfo(""), rs, is))
	}
	return out
}
