package githubemu

import (
	"net/http"
	"time"
)

func (s *Server) getGitCommit(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	o, err := rs.git.readObject(r.Context(), r.PathValue("sha"))
	if err != nil || o.kind != "commit" {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, gitCommitBody(info(r), rs, parseCommit(o.sha, o.data), true))
}

// authorIn is a commit author or committer as clients send it.
type authorIn struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  string `json:"date"`
}

func (a *authorIn) sig(def signature) (signature, bool) {
	if a == nil {
		return def, true
	}
	sig := signature{Name: a.Name, Email: a.Email, When: def.When}
	if sig.Name == "" || sig.Email == "" {
		return sig, false
	}
	if a.Date != "" {
		t, err := time.Parse(time.RFC3339, a.Date)
		if err != nil {
			return sig, false
		}
		sig.When = t
	}
	return sig, true
}

func (s *Server) createGitCommit(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	var body struct {
		Message   *string   `json:"message"`
		Tree      *string   `json:"tree"`
		Parents   []string  `json:"parents"`
		Author    *authorIn `json:"author"`
		Committer *authorIn `json:"committer"`
		Signature string    `json:"signature"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docCommits + "#create-a-commit"
	switch {
	case body.Message == nil:
		missingField(w, "message", doc)
		return
	case body.Tree == nil:
		missingField(w, "tree", doc)
		return
	}
	ctx := r.Context()
	if !fullSHA.MatchString(*body.Tree) {
		badSHA(w, "tree", doc)
		return
	}
	switch o, err := rs.git.readObject(ctx, *body.Tree); {
	case err != nil || o.kind == "":
		apiError(w, http.StatusUnprocessableEntity, "Tree SHA does not exist", doc)
		return
	case o.kind != "tree":
		apiError(w, http.StatusUnprocessableEntity, "Tree SHA is not a tree object", doc)
		return
	}
	for _, p := range body.Parents {
		if !fullSHA.MatchString(p) {
			apiError(w, http.StatusUnprocessableEntity, "Each SHA in the 'parents' parameter must be exactly 40 characters and contain only [0-9a-f].", doc)
			return
		}
	}
	for _, p := range body.Parents {
		if o, err := rs.git.readObject(ctx, p); err != nil || o.kind != "commit" {
			apiError(w, http.StatusUnprocessableEntity, "Parent SHA does not exist or is not a commit object", doc)
			return
		}
	}
	ri := info(r)
	now := s.now()
	def := s.sigFor(ri.id.login, now)
	author, ok := body.Author.sig(def)
	if !ok {
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nFor 'properties/author', the name, email and a valid ISO 8601 date are required.", doc)
		return
	}
	committer, ok := body.Committer.sig(author)
	if !ok {
		apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nFor 'properties/committer', the name, email and a valid ISO 8601 date are required.", doc)
		return
	}
	if ri.id.bot && body.Author == nil && body.Committer == nil && body.Signature == "" {
		// GitHub commits (and signs) an App's commits as its web committer.
		committer = webCommitter(now)
	}
	sha, err := rs.git.writeCommit(ctx, commitObject{
		Tree: *body.Tree, Parents: body.Parents, Author: author, Committer: committer,
		Message: *body.Message, GPGSig: body.Signature,
	})
	if err != nil {
		apiError(w, http.StatusUnprocessableEntity, "Invalid commit: "+err.Error(), doc)
		return
	}
	c, err := rs.git.commit(ctx, sha)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	w.Header().Set("Location", apiRepo(ri, rs)+"/git/commits/"+sha)
	writeJSON(w, http.StatusCreated, gitCommitBody(ri, rs, c, true))
}
