package githubemu

import (
	"net/http"
	"strconv"
	"strings"
)

// mergePull serves PUT /pulls/{n}/merge with merge or squash: a real merge
// (or squashed) commit on the base branch, moved with compare-and-swap.
func (s *Server) mergePull(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.pullOf(w, r, rs)
	if is == nil {
		return
	}
	var body struct {
		CommitTitle   *string `json:"commit_title"`
		CommitMessage *string `json:"commit_message"`
		SHA           string  `json:"sha"`
		MergeMethod   string  `json:"merge_method"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docPulls + "#merge-a-pull-request"
	if body.SHA != "" && !fullSHA.MatchString(body.SHA) {
		badSHA(w, "sha", doc)
		return
	}
	ctx := r.Context()
	ri := info(r)
	s.mu.Lock()
	open, draft := is.state == "open", is.pull.draft
	title, number, baseBranch, headBranch := is.title, is.number, is.pull.base, is.pull.head
	s.mu.Unlock()
	switch {
	case draft: // GitHub checks this first
		apiError(w, http.StatusMethodNotAllowed, "Pull Request is still a draft", doc)
		return
	case !open:
		apiError(w, http.StatusMethodNotAllowed, "Pull Request is not mergeable", doc)
		return
	}
	// A branch protected by "require a pull request" takes this merge: it
	// is the pull request the rule asks for (ProtectBranch).
	method := body.MergeMethod
	if method == "" {
		method = "merge"
	}
	if method != "merge" && method != "squash" {
		validationFailed(w, doc, map[string]any{"resource": "PullRequest", "field": "merge_method", "code": "invalid",
			"message": "the emulator merges with merge or squash"})
		return
	}
	for attempt := 0; attempt < 10; attempt++ {
		head, base := s.pullSHAs(ctx, rs, is)
		if body.SHA != "" && body.SHA != head {
			apiError(w, http.StatusConflict, "Head branch was modified. Review and try the merge again.", doc)
			return
		}
		tree, ok, err := rs.git.mergeTrees(ctx, base, head)
		if err != nil {
			apiError(w, http.StatusInternalServerError, "Server Error", "")
			return
		}
		if !ok {
			apiError(w, http.StatusMethodNotAllowed, "Pull Request is not mergeable", doc)
			return
		}
		commits := s.commitsBetween(rs, base, head)
		var msg string
		var parents []string
		switch method {
		case "squash":
			t := title + " (#" + strconv.Itoa(number) + ")"
			if body.CommitTitle != nil {
				t = *body.CommitTitle
			}
			var m string
			if body.CommitMessage != nil {
				m = *body.CommitMessage
			} else {
				cs, _ := rs.git.commits(ctx, commits...)
				var lines []string
				for _, c := range cs {
					subject, _, _ := strings.Cut(c.Message, "\n")
					lines = append(lines, "* "+subject)
				}
				m = strings.Join(lines, "\n\n")
			}
			msg, parents = t+"\n\n"+m, []string{base}
		default:
			t := "Merge pull request #" + strconv.Itoa(number) + " from " + rs.owner + "/" + headBranch
			if body.CommitTitle != nil {
				t = *body.CommitTitle
			}
			m := title
			if body.CommitMessage != nil {
				m = *body.CommitMessage
			}
			msg, parents = t+"\n\n"+m, []string{base, head}
		}
		now := s.now()
		sha, err := rs.git.writeCommit(ctx, commitObject{
			Tree: tree, Parents: parents, Message: msg, Author: s.sigFor(ri.id.login, now),
			Committer: webCommitter(now),
		})
		if err != nil {
			apiError(w, http.StatusInternalServerError, "Server Error", "")
			return
		}
		// The pull request is merged before the push goes out, as on GitHub.
		s.mu.Lock()
		if is.state != "open" {
			s.mu.Unlock()
			apiError(w, http.StatusMethodNotAllowed, "Pull Request is not mergeable", doc)
			return
		}
		cur, _ := rs.git.ref(ctx, "refs/heads/"+baseBranch)
		if cur != base {
			s.mu.Unlock()
			continue // the base moved; merge again on the new tip
		}
		if err := rs.git.updateRef(ctx, "refs/heads/"+baseBranch, sha, base); err != nil {
			s.mu.Unlock()
			continue
		}
		is.state, is.closed, is.updated = "closed", now, now
		is.pull.merged, is.pull.mergedAt, is.pull.mergedBy, is.pull.mergeCommit = true, now, ri.id.login, sha
		is.pull.headSHA, is.pull.baseSHA, is.pull.commits = head, base, commits
		s.mu.Unlock()
		s.afterRefMove(rs, "refs/heads/"+baseBranch, base, sha, false, ri.id.login)
		s.sendPullRequest(rs, is, "closed", ri.id.login)
		writeJSON(w, http.StatusOK, map[string]any{"sha": sha, "merged": true, "message": "Pull Request successfully merged"})
		return
	}
	apiError(w, http.StatusConflict, "Base branch was modified. Review and try the merge again.", doc)
}

func (s *Server) pullMerged(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil {
		return
	}
	is := s.pullOf(w, r, rs)
	if is == nil {
		return
	}
	s.mu.Lock()
	merged := is.pull.merged
	s.mu.Unlock()
	if !merged {
		notFound(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
