package workspace

import (
	"regexp"
	"strings"
)

// userinfo is the user and password part of a URL ("https://x:tok@host").
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@`)

// authHeader is an Authorization header as git or curl may echo it.
var authHeader = regexp.MustCompile(`(?i)(authorization:\s*)(basic|bearer|token)?\s*\S+`)

// Redact takes credentials out of a line git printed: the user information
// of every URL, any Authorization header value, and each of secrets
// (values known to be credentials, such as the checkout's extraheader).
func Redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(strings.TrimSpace(sec)) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	s = userinfo.ReplaceAllString(s, "${1}[redacted]@")
	return authHeader.ReplaceAllString(s, "${1}[redacted]")
}
