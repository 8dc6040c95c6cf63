package prepare

import (
	"context"

	"github.com/releasebot/releasebot/releasenotes"
)

// Tagger answers what the current release is as of a revision, as
// Source.LastTag.
type Tagger interface {
	LastTag(ctx context.Context, prefix, rev string) (releasenotes.Tag, error)
}

// CurrentRelease is the release the gates judge on a branch: the highest
// tag prefix + semantic version (no pre-release) reachable from the
// branch's tip (releasenotes.CurrentRelease). It is the release the notes
// count from and the one publish tags after; a tag's date, a tag outside
// that form ("v-latest") or a higher tag on another branch play no part.
// The zero Tag means no release yet.
func CurrentRelease(ctx context.Context, src Tagger, prefix, branch string) (releasenotes.Tag, error) {
	return src.LastTag(ctx, prefix, "refs/heads/"+branch)
}
