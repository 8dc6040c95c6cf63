package prepare

import (
	"context"
	"errors"

	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/releasenotes"
)

// PullRequests looks up what GitHub knows of the pull requests a history's
// changes point at: by PR number, and the PR number of a merge commit (a
// squash or rebase merge whose subject names no PR). action.GitHub's
// MergedPullRequests, bound to the base branch and the previous release's
// date, has this shape.
type PullRequests func(ctx context.Context, h *releasenotes.History) (byNumber map[int]releasenotes.PullRequest, byMergeCommit map[string]int, err error)

// attachPullRequests gives each change of h the metadata of its PR:
//
//   - a change whose PR number is known (from its subject or a merge) gets
//     that PR's title, labels, author and URL;
//   - a change with no PR number whose hash is a PR's merge commit gets that
//     PR;
//   - the change's Author.Login is set to the PR's author only when the
//     commit has no login and it is the only change of the history that
//     points at the PR (a squash or single-commit PR): in a PR of several
//     commits the commits may be by others than the PR's author, and a
//     login is not guessed for them. (The notes credit the PR's author
//     for every change of a PR either way, as releasenotes does; the
//     commit's login is what commit-level consumers, such as the Sentry
//     release's commits, see.)
//
// A failed lookup is not a failure of the release: it returns a warning for
// the notes, and h is left as git alone made it.
func attachPullRequests(ctx context.Context, lookup PullRequests, h *releasenotes.History) (warning string) {
	if lookup == nil || h == nil {
		return ""
	}
	byNumber, byMerge, err := lookup(ctx, h)
	if err != nil {
		w := "the pull requests' titles, labels and authors could not be read from GitHub, so the notes use git alone"
		var fe *failure.Error
		if errors.As(err, &fe) && fe.Kind != failure.Internal && fe.Msg != "" {
			w += ": " + fe.Msg
		}
		return w
	}
	number := func(c *releasenotes.Change) int {
		if c.PR != nil && c.PR.Number > 0 {
			return c.PR.Number
		}
		return byMerge[c.Hash]
	}
	count := map[int]int{}
	for i := range h.Changes {
		if n := number(&h.Changes[i]); n > 0 {
			count[n]++
		}
	}
	for i := range h.Changes {
		c := &h.Changes[i]
		n := number(c)
		pr, ok := byNumber[n]
		if n == 0 || !ok {
			continue
		}
		pr.Number = n
		pr.Labels = append([]string(nil), pr.Labels...)
		c.PR = &pr
		if c.Author.Login == "" && pr.Author != "" && count[n] == 1 {
			c.Author.Login = pr.Author
		}
	}
	return ""
}
