package prepare

import (
	"strconv"
	"time"

	"github.com/releasebot/releasebot/releasenotes"
)

// RepoWebURL is the repository's address for links: GitHub Actions says it
// (GITHUB_SERVER_URL, GITHUB_REPOSITORY); elsewhere the origin remote, when
// it is a GitHub URL.
func RepoWebURL(getenv func(string) string, remote string) string {
	if r := getenv("GITHUB_REPOSITORY"); r != "" {
		server := getenv("GITHUB_SERVER_URL")
		if server == "" {
			server = "https://github.com"
		}
		return server + "/" + r
	}
	return releasenotes.RepoURLFromRemote(remote)
}

// ReleaseDate is now, or SOURCE_DATE_EPOCH when set so that a rerun gives
// the same file byte for byte.
func ReleaseDate(getenv func(string) string, now func() time.Time) time.Time {
	if s := getenv("SOURCE_DATE_EPOCH"); s != "" {
		if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(secs, 0).UTC()
		}
	}
	return now().UTC()
}
