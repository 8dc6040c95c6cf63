package githubemu

import (
	"net/http"
	"strings"

	gh "github.com/google/go-github/v62/github"
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
		"name": name, "commit": rc, "protected": s.branchProtected(rs, name),
		"_links": map[string]string{
			"self": apiRepo(info(r), rs) + "/branches/" + name,
			"html": info(r).webBase + "/" + rs.fullName() + "/tree/" + name,
		},
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
