// Package limits holds the size limits on everything releasebot reads from a
// repository or the network, and the error that reports one exceeded. The
// figures are documented in the README's "Limits" section; keep them in step.
package limits

import "fmt"

const (
	// RepoFile bounds any one file read from the repository: the flag file,
	// the configuration, the runbook, a notes template. 4 MiB holds a flag
	// file of about 80 000 flags; the configuration and runbook are far below.
	RepoFile int64 = 4 << 20

	// ResponseBody bounds one HTTP response body releasebot reads (health,
	// metrics, Sentry, GitHub). Prometheus endpoints are the largest.
	ResponseBody int64 = 32 << 20

	// CommandText bounds one command's text (Slack allows 4 000 characters in a
	// slash command); a longer command, or a PR comment's first line over it,
	// is refused, quoting only its start.
	CommandText = 4000

	// Echo bounds how much of an input is echoed back in a reply or error.
	Echo = 200
)

// TooLargeError reports an input over its limit. Its text names the input,
// its size and the limit, so the user knows what to shrink.
type TooLargeError struct {
	What  string // "the flag file .release/flags.yaml", "the response of https://…"
	Size  int64  // bytes; -1 when only "more than Limit" is known
	Limit int64
}

func (e *TooLargeError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("%s is larger than releasebot's limit of %s", e.What, Bytes(e.Limit))
	}
	return fmt.Sprintf("%s is %s, over releasebot's limit of %s", e.What, Bytes(e.Size), Bytes(e.Limit))
}

// Bytes formats a size for people: "512 B", "3.2 KiB", "4 MiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d %ciB", int64(v), "KMGTPE"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}
