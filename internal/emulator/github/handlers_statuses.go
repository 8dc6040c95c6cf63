package githubemu

import (
	"context"
	"net/http"
	"sort"
	"strconv"

	gh "github.com/google/go-github/v62/github"
)

// listCheckSuites serves GET /repos/{owner}/{repo}/commits/{ref}/check-suites:
// the emulator runs no suites.
func (s *Server) listCheckSuites(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"total_count": 0, "check_suites": []any{}})
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
