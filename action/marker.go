package action

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Marker is what the release PR's body keeps for the bot, as its last line:
//
//	<!-- releasebot: {"version":"1.2.0","tag":"v1.2.0","branch":"main","slack":{…}} -->
//
// publish reads the version from it; prepare and the server read the Slack
// message to update or thread on.
type Marker struct {
	Version string        `json:"version"`
	Tag     string        `json:"tag"`
	Branch  string        `json:"branch"`
	Slack   *SlackMessage `json:"slack,omitempty"`
}

const (
	markerOpen  = "<!-- releasebot: "
	markerClose = " -->"
)

// Encode returns the marker's line, without a line break. The JSON inside
// cannot end the comment: "<", ">" and "&" are escaped by encoding/json's
// HTML escaping, and "--" (which no JSON token but a string holds) becomes
// "\u002d\u002d", so no field value can close it or open another.
func (m Marker) Encode() string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(m) // a struct of strings always encodes
	j := strings.TrimSuffix(b.String(), "\n")
	j = strings.ReplaceAll(j, "--", `\u002d\u002d`)
	return markerOpen + j + markerClose
}

// MarkerMaxLine bounds the marker line ParseMarker reads: a body's last
// line longer than this is not a marker the bot wrote.
const MarkerMaxLine = 4096

// ParseMarker reads the marker from body's last non-blank line, the only
// place the bot writes it: a marker-looking line a person wrote earlier in
// the body (in a code block, say) is not read. ok is false when that line is
// not a whole marker, its JSON does not parse into a Marker, or the version
// is missing.
func ParseMarker(body string) (m Marker, ok bool) {
	body = strings.TrimRight(body, " \t\r\n")
	line := body
	if i := strings.LastIndexByte(body, '\n'); i >= 0 {
		line = body[i+1:]
	}
	line = strings.TrimSpace(line)
	if len(line) > MarkerMaxLine || len(line) < len(markerOpen)+len(markerClose) || !strings.HasPrefix(line, markerOpen) || !strings.HasSuffix(line, markerClose) {
		return Marker{}, false
	}
	j := line[len(markerOpen) : len(line)-len(markerClose)]
	if strings.Contains(j, "-->") || strings.Contains(j, "<!--") {
		return Marker{}, false
	}
	dec := json.NewDecoder(strings.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || dec.More() {
		return Marker{}, false
	}
	if m.Version == "" {
		return Marker{}, false
	}
	return m, true
}

// WithMarker returns body with m's line as its last line, replacing a
// marker body already ends with.
func WithMarker(body string, m Marker) string {
	body = StripMarker(body)
	if body != "" && !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	return body + "\n" + m.Encode() + "\n"
}

// StripMarker removes the marker line body ends with, if it has one.
func StripMarker(body string) string {
	if _, ok := ParseMarker(body); !ok {
		return body
	}
	t := strings.TrimRight(body, " \t\r\n")
	if i := strings.LastIndexByte(t, '\n'); i >= 0 {
		return strings.TrimRight(t[:i+1], " \t\r\n") + "\n"
	}
	return ""
}
