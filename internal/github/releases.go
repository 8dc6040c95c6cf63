package github

import (
	"context"
	"net/http"
)

// LatestTag returns the newest release's tag, or "" when the repository has
// no published release.
func (s *Store) LatestTag(ctx context.Context) (string, error) {
	rel, _, err := s.Client.Repositories.GetLatestRelease(ctx, s.Owner, s.Repo)
	if status(err) == http.StatusNotFound {
		return "", nil
	}
	if err != nil {
		return "", failed(err, "could not read the latest release of %s", s.repo())
	}
	return rel.GetTagName(), nil
}
