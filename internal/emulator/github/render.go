package githubemu

import (
	"encoding/base64"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v62/github"
)

// The JSON shapes below follow GitHub's REST responses, built from
// go-github's types (whose field tags come from GitHub's documentation).

func nodeID(kind string, id any) *string {
	return ptr(base64.StdEncoding.EncodeToString([]byte("0:" + kind + ":" + toString(id))))
}

func toString(v any) string {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case string:
		return v
	}
	return ""
}

func (s *Server) userJSON(login string, apiBase, webBase string) *gh.User {
	if login == "" {
		return nil
	}
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	id := s.userID(login)
	return &gh.User{
		Login: ptr(login), ID: ptr(id), NodeID: nodeID("User", id), Type: ptr(typ), SiteAdmin: ptr(false),
		URL: ptr(apiBase + "/users/" + login), HTMLURL: ptr(webBase + "/" + login),
		AvatarURL: ptr("https://avatars.githubusercontent.com/u/" + strconv.FormatInt(id, 10) + "?v=4"),
	}
}

func (s *Server) repoJSON(rs *repoState, ri *requestInfo) *gh.Repository {
	api := ri.apiBase + "/repos/" + rs.fullName()
	s.mu.Lock()
	role := rs.perms[ri.id.login]
	open := 0
	for _, is := range rs.issues {
		if is.state == "open" {
			open++
		}
	}
	pushed := rs.pushedAt
	s.mu.Unlock()
	if ri.id.bot {
		role = "write"
	}
	if role == "" && !rs.private {
		role = "read"
	}
	rank := roleRank(role)
	visibility := "public"
	if rs.private {
		visibility = "private"
	}
	r := &gh.Repository{
		ID: ptr(rs.id), NodeID: nodeID("Repository", rs.id), Name: ptr(rs.name), FullName: ptr(rs.fullName()),
		Owner: s.userJSON(rs.owner, ri.apiBase, ri.webBase), Private: ptr(rs.private), Visibility: ptr(visibility),
		DefaultBranch: ptr(rs.defaultBranch), HTMLURL: ptr(ri.webBase + "/" + rs.fullName()),
		URL: ptr(api), CloneURL: ptr(ri.webBase + "/" + rs.fullName() + ".git"),
		GitURL: ptr("git://" + strings.TrimPrefix(ri.webBase, "http://") + "/" + rs.fullName() + ".git"),
		Fork:   ptr(false), Archived: ptr(false), Disabled: ptr(false),
		OpenIssuesCount: ptr(open), OpenIssues: ptr(open),
		CreatedAt: ts(rs.createdAt), UpdatedAt: ts(rs.createdAt),
		AllowMergeCommit: ptr(true), AllowSquashMerge: ptr(true), AllowRebaseMerge: ptr(true),
		Permissions: map[string]bool{
			"admin": rank >= 5, "maintain": rank >= 4, "push": rank >= 3, "triage": rank >= 2, "pull": rank >= 1,
		},
		PullsURL: ptr(api + "/pulls{/number}"), CommitsURL: ptr(api + "/commits{/sha}"), TagsURL: ptr(api + "/tags"),
	}
	if !pushed.IsZero() {
		r.PushedAt = ts(pushed)
	}
	return r
}

func roleRank(role string) int {
	switch role {
	case "read", "pull":
		return 1
	case "triage":
		return 2
	case "write", "push":
		return 3
	case "maintain":
		return 4
	case "admin":
		return 5
	}
	return 0
}

func apiRepo(ri *requestInfo, rs *repoState) string { return ri.apiBase + "/repos/" + rs.fullName() }

func objectURL(ri *requestInfo, rs *repoState, kind, sha string) string {
	switch kind {
	case "commit":
		return apiRepo(ri, rs) + "/git/commits/" + sha
	case "tag":
		return apiRepo(ri, rs) + "/git/tags/" + sha
	case "tree":
		return apiRepo(ri, rs) + "/git/trees/" + sha
	}
	return apiRepo(ri, rs) + "/git/blobs/" + sha
}

func refJSON(ri *requestInfo, rs *repoState, e refEntry) *gh.Reference {
	return &gh.Reference{
		Ref: ptr(e.name), NodeID: nodeID("Ref", rs.fullName()+":"+e.name),
		URL: ptr(apiRepo(ri, rs) + "/git/" + e.name),
		Object: &gh.GitObject{
			Type: ptr(e.kind), SHA: ptr(e.sha), URL: ptr(objectURL(ri, rs, e.kind, e.sha)),
		},
	}
}

func authorJSON(sig signature) *gh.CommitAuthor {
	return &gh.CommitAuthor{Name: ptr(sig.Name), Email: ptr(sig.Email), Date: ts(sig.When)}
}

func gitCommitJSON(ri *requestInfo, rs *repoState, c commitObject) *gh.Commit {
	parents := make([]*gh.Commit, 0, len(c.Parents))
	for _, p := range c.Parents {
		parents = append(parents, &gh.Commit{
			SHA: ptr(p), URL: ptr(apiRepo(ri, rs) + "/git/commits/" + p),
			HTMLURL: ptr(ri.webBase + "/" + rs.fullName() + "/commit/" + p),
		})
	}
	v := &gh.SignatureVerification{Verified: ptr(false), Reason: ptr("unsigned")}
	if c.GPGSig != "" {
		v = &gh.SignatureVerification{Verified: ptr(false), Reason: ptr("unknown_key"), Signature: ptr(c.GPGSig)}
	}
	return &gh.Commit{
		SHA: ptr(c.SHA), NodeID: nodeID("Commit", c.SHA),
		URL:     ptr(apiRepo(ri, rs) + "/git/commits/" + c.SHA),
		HTMLURL: ptr(ri.webBase + "/" + rs.fullName() + "/commit/" + c.SHA),
		Author:  authorJSON(c.Author), Committer: authorJSON(c.Committer),
		Tree:         &gh.Tree{SHA: ptr(c.Tree), Entries: nil},
		Message:      ptr(c.Message),
		Parents:      parents,
		Verification: v,
	}
}

// treeRef is a tree reference as commits show it: sha and url only.
type treeRef struct {
	SHA string `json:"sha"`
	URL string `json:"url"`
}

// commitJSON is the "commit" member of GitHub's commit objects; go-github's
// Commit would render the tree with an empty entries list, so it is spelled
// out here.
type commitJSON struct {
	SHA          *string                   `json:"sha,omitempty"`
	NodeID       *string                   `json:"node_id,omitempty"`
	URL          string                    `json:"url"`
	HTMLURL      *string                   `json:"html_url,omitempty"`
	Author       *gh.CommitAuthor          `json:"author"`
	Committer    *gh.CommitAuthor          `json:"committer"`
	Tree         treeRef                   `json:"tree"`
	Message      string                    `json:"message"`
	Parents      []*gh.Commit              `json:"parents,omitempty"`
	Verification *gh.SignatureVerification `json:"verification"`
	CommentCount *int                      `json:"comment_count,omitempty"`
}

func gitCommitBody(ri *requestInfo, rs *repoState, c commitObject, withIDs bool) commitJSON {
	g := gitCommitJSON(ri, rs, c)
	out := commitJSON{
		URL: *g.URL, Author: g.Author, Committer: g.Committer, Message: c.Message,
		Tree:         treeRef{SHA: c.Tree, URL: apiRepo(ri, rs) + "/git/trees/" + c.Tree},
		Verification: g.Verification,
	}
	if withIDs {
		out.SHA, out.NodeID, out.HTMLURL, out.Parents = g.SHA, g.NodeID, g.HTMLURL, g.Parents
	} else {
		out.CommentCount = ptr(0)
	}
	return out
}

// repoCommitJSON is an item of GET /commits, or GET /commits/{ref} with files.
type repoCommitJSON struct {
	SHA         string           `json:"sha"`
	NodeID      string           `json:"node_id"`
	Commit      commitJSON       `json:"commit"`
	URL         string           `json:"url"`
	HTMLURL     string           `json:"html_url"`
	CommentsURL string           `json:"comments_url"`
	Author      *gh.User         `json:"author"`
	Committer   *gh.User         `json:"committer"`
	Parents     []*gh.Commit     `json:"parents"`
	Stats       *gh.CommitStats  `json:"stats,omitempty"`
	Files       []*gh.CommitFile `json:"files,omitempty"`
}

func (s *Server) repoCommitJSON(ri *requestInfo, rs *repoState, c commitObject) repoCommitJSON {
	g := gitCommitJSON(ri, rs, c)
	parents := make([]*gh.Commit, 0, len(c.Parents))
	for _, p := range c.Parents {
		parents = append(parents, &gh.Commit{
			SHA: ptr(p), URL: ptr(apiRepo(ri, rs) + "/commits/" + p),
			HTMLURL: ptr(ri.webBase + "/" + rs.fullName() + "/commit/" + p),
		})
	}
	return repoCommitJSON{
		SHA: c.SHA, NodeID: *g.NodeID, Commit: gitCommitBody(ri, rs, c, false),
		URL: apiRepo(ri, rs) + "/commits/" + c.SHA, HTMLURL: *g.HTMLURL,
		CommentsURL: apiRepo(ri, rs) + "/commits/" + c.SHA + "/comments",
		Author:      s.userJSON(loginForEmail(c.Author.Email), ri.apiBase, ri.webBase),
		Committer:   s.userJSON(loginForEmail(c.Committer.Email), ri.apiBase, ri.webBase),
		Parents:     parents,
	}
}

func filesJSON(ri *requestInfo, rs *repoState, rev string, changes []fileChange) ([]*gh.CommitFile, *gh.CommitStats) {
	files := make([]*gh.CommitFile, 0, len(changes))
	var add, del int
	for _, c := range changes {
		f := &gh.CommitFile{
			Filename: ptr(c.Filename), Status: ptr(c.Status),
			Additions: ptr(c.Additions), Deletions: ptr(c.Deletions), Changes: ptr(c.Additions + c.Deletions),
			BlobURL:     ptr(ri.webBase + "/" + rs.fullName() + "/blob/" + rev + "/" + c.Filename),
			RawURL:      ptr(ri.webBase + "/" + rs.fullName() + "/raw/" + rev + "/" + c.Filename),
			ContentsURL: ptr(apiRepo(ri, rs) + "/contents/" + c.Filename + "?ref=" + rev),
		}
		if c.SHA != "" {
			f.SHA = ptr(c.SHA)
		}
		if c.PreviousFilename != "" {
			f.PreviousFilename = ptr(c.PreviousFilename)
		}
		add += c.Additions
		del += c.Deletions
		files = append(files, f)
	}
	return files, &gh.CommitStats{Additions: ptr(add), Deletions: ptr(del), Total: ptr(add + del)}
}

// wrap64 is base64 with a newline every 60 characters, as GitHub sends
// blob and file content.
func wrap64(b []byte) string {
	enc := base64.StdEncoding.EncodeToString(b)
	var sb strings.Builder
	for len(enc) > 60 {
		sb.WriteString(enc[:60])
		sb.WriteByte('\n')
		enc = enc[60:]
	}
	sb.WriteString(enc)
	sb.WriteByte('\n')
	return sb.String()
}
