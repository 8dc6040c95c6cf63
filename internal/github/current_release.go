package github

import (
	"context"
	"net/http"
	"sort"
	"strings"

	gh "github.com/google/go-github/v62/github"

	"github.com/releasebot/releasebot/releasenotes"
)

// maxReleaseCandidates bounds the compare calls CurrentRelease makes: the
// highest tags first, each checked for being an ancestor of the branch.
// Tags above the current release that are not on the branch (a release cut
// from a side branch) are rare; past the bound the release is unknown.
const maxReleaseCandidates = 5

// CurrentRelease is releasenotes.CurrentRelease over the API, so a gate on
// GitHub judges the same release as `notes` and the local gate: the highest
// prefix + semantic version tag (no pre-release part) that is an ancestor of
// the flag branch. It lists refs/tags/<prefix>* in pages of 100, then
// compares the highest candidates with the branch until one is behind it or
// identical: usually two calls. The zero Tag means no release yet.
func (s *Store) CurrentRelease(ctx context.Context, prefix string) (releasenotes.Tag, error) {
	var names []string
	opts := &gh.ReferenceListOptions{Ref: "tags/" + prefix, ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		refs, resp, err := s.Client.Git.ListMatchingRefs(ctx, s.Owner, s.Repo, opts)
		if err != nil {
			if status(err) == http.StatusConflict { // an empty repository has no tags
				return releasenotes.Tag{}, nil
			}
			return releasenotes.Tag{}, failed(err, "could not list the tags of %s", s.repo())
		}
		for _, r := range refs {
			names = append(names, strings.TrimPrefix(r.GetRef(), "refs/tags/"))
		}
		if resp == nil || resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	var candidates []releasenotes.Tag
	for _, n := range names {
		if t, ok := releasenotes.ParseTag(n, prefix); ok && t.Version.Prerelease() == "" {
			candidates = append(candidates, t)
		}
	}
	sort.Slice(candidates, func(i, j int) bool { return candidates[i].Version.GreaterThan(candidates[j].Version) })
	for i, t := range candidates {
		if i == maxReleaseCandidates {
			break
		}
		cmp, _, err := s.Client.Repositories.CompareCommits(ctx, s.Owner, s.Repo, t.Name, s.Branch, &gh.ListOptions{PerPage: 1})
		if status(err) == http.StatusNotFound { // no common history
			continue
		}
		if err != nil {
			return releasenotes.Tag{}, failed(err, "could not compare %s with %s on %s", t.Name, s.Branch, s.repo())
		}
		if st := cmp.GetStatus(); st == "ahead" || st == "identical" {
			return t, nil
		}
	}
	return releasenotes.Tag{}, nil
}
