package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v62/github"

	"github.com/releasebot/releasebot/internal/failure"
)

// status is the HTTP status of a go-github error, or 0.
func status(err error) int {
	var er *gh.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

// describe says what went wrong in a sentence fragment a user can act on:
// "404 Not Found", "GitHub rate limit: resets at 15:04:05, after this
// command's deadline", "could not reach GitHub: …". Tokens never appear:
// go-github's errors carry sanitised URLs.
func describe(err error) string {
	var rl *RateLimitError
	var er *gh.ErrorResponse
	var ghrl *gh.RateLimitError
	var abuse *gh.AbuseRateLimitError
	var ue *url.Error
	var he *ghinstallation.HTTPError
	switch {
	case errors.As(err, &rl):
		return rl.Error()
	case errors.As(err, &he) && he.Response != nil:
		return fmt.Sprintf("GitHub refused the App's credentials for installation %d: %s (check the App id, the installation id and the private key)",
			he.InstallationID, responseMessage(he.Response))
	case errors.As(err, &ghrl):
		return fmt.Sprintf("GitHub rate limit: resets at %s", ghrl.Rate.Reset.Local().Format("15:04:05"))
	case errors.As(err, &abuse):
		return "GitHub secondary rate limit: " + abuse.Message
	case errors.As(err, &er) && er.Response != nil:
		msg := fmt.Sprintf("%d %s", er.Response.StatusCode, er.Message)
		if er.Message == "" {
			msg = er.Response.Status
		}
		return msg
	case errors.Is(err, context.DeadlineExceeded):
		return "GitHub did not answer before this command's deadline"
	case errors.As(err, &ue):
		return "could not reach GitHub: " + ue.Err.Error()
	}
	return err.Error()
}

// responseMessage is "401 A JSON web token could not be decoded": the
// status and GitHub's message from an error response's body, which it closes.
func responseMessage(resp *http.Response) string {
	msg := resp.Status
	if resp.Body != nil {
		var body struct {
			Message string `json:"message"`
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if json.Unmarshal(data, &body) == nil && body.Message != "" {
			msg = fmt.Sprintf("%d %s", resp.StatusCode, body.Message)
		}
		resp.Body = io.NopCloser(bytes.NewReader(data))
	}
	return msg
}

// opError is a failed GitHub operation: what failed and why in one line,
// with the go-github error underneath for errors.As. It is a Remote
// *failure.Error: the line is written for users (no token, no body), so
// a surface may show it.
type opError = failure.Error

// failed describes err after what failed: "could not create the commit on
// acme/web: 404 Not Found".
func failed(err error, format string, args ...any) error {
	return &opError{Kind: failure.Remote, Msg: fmt.Sprintf(format, args...) + ": " + describe(err), Err: err}
}

// isProtected reports whether err is GitHub refusing a write because the
// branch is protected: 422 from the git refs API or 409 from the contents
// API, with the rule's reason.
func isProtected(err error) bool {
	var er *gh.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return false
	}
	switch er.Response.StatusCode {
	case http.StatusUnprocessableEntity, http.StatusConflict:
	default:
		return false
	}
	// A rule requiring pull requests ("Changes must be made through a
	// pull request."), git's GH006 wording ("Protected branch update
	// failed"), or a ruleset ("Repository rule violations found").
	m := strings.ToLower(er.Message)
	return strings.Contains(m, "protected branch") || strings.Contains(m, "through a pull request") || strings.Contains(m, "repository rule violations")
}
