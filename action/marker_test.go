package action

import (
	"strings"
	"testing"
)

func TestMarkerRoundTrip(t *testing.T) {
	m := Marker{Version: "1.2.0", Tag: "v1.2.0", Branch: "main", Slack: &SlackMessage{Channel: "C123", TS: "1700000000.000100"}}
	line := m.Encode()
	want := `<!-- releasebot: {"version":"1.2.0","tag":"v1.2.0","branch":"main","slack":{"channel":"C123","ts":"1700000000.000100"}} -->`
	if line != want {
		t.Fatalf("Encode = %s\nwant %s", line, want)
	}
	got, ok := ParseMarker("notes\n\n" + line + "\n")
	if !ok || got.Version != m.Version || got.Slack == nil || *got.Slack != *m.Slack {
		t.Fatalf("ParseMarker = %+v, %v", got, ok)
	}
}

func TestMarkerHostileValues(t *testing.T) {
	m := Marker{Version: "1.0.0", Tag: "v1.0.0", Branch: "x --> <!-- y -- > &"}
	line := m.Encode()
	inner := strings.TrimSuffix(strings.TrimPrefix(line, markerOpen), markerClose)
	for _, bad := range []string{"--", ">", "<"} {
		if strings.Contains(inner, bad) {
			t.Errorf("encoded JSON %s holds %q", inner, bad)
		}
	}
	got, ok := ParseMarker(line)
	if !ok || got.Branch != m.Branch {
		t.Fatalf("ParseMarker = %+v, %v", got, ok)
	}
}

func TestParseMarkerHostileBodies(t *testing.T) {
	good := Marker{Version: "2.0.0", Tag: "v2.0.0", Branch: "main"}.Encode()
	older := Marker{Version: "1.0.0", Tag: "v1.0.0", Branch: "main"}.Encode()
	for _, tc := range []struct {
		name, body, version string
		ok                  bool
	}{
		{"only the marker", good, "2.0.0", true},
		{"two markers: the last wins", older + "\n" + good + "\n", "2.0.0", true},
		{"marker in a code block earlier, none last", "```\n" + good + "\n```\nthanks", "", false},
		{"marker in a code block earlier, bot marker last", "```\n" + older + "\n```\n" + good, "2.0.0", true},
		{"unterminated comment", "notes\n<!-- releasebot: {\"version\":\"1.0.0\"}", "", false},
		{"malformed JSON", "<!-- releasebot: {\"version\": -->", "", false},
		{"unknown field", `<!-- releasebot: {"version":"1.0.0","x":1} -->`, "", false},
		{"trailing JSON", `<!-- releasebot: {"version":"1.0.0"}{} -->`, "", false},
		{"no version", `<!-- releasebot: {"tag":"v1"} -->`, "", false},
		{"comment inside", `<!-- releasebot: {"version":"1.0.0","tag":"<!-- x -->"} -->`, "", false},
		{"empty", "", "", false},
		{"huge body, marker last", strings.Repeat("line of text\n", 200000) + good, "2.0.0", true},
		{"huge last line", "<!-- releasebot: {\"version\":\"1.0.0\",\"tag\":\"" + strings.Repeat("a", 10000) + "\"} -->", "", false},
		{"trailing blank lines and CRLF", "notes\r\n" + good + "\r\n\r\n", "2.0.0", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := ParseMarker(tc.body)
			if ok != tc.ok || m.Version != tc.version {
				t.Fatalf("ParseMarker = %+v, %v; want version %q, %v", m, ok, tc.version, tc.ok)
			}
		})
	}
}

func TestWithMarkerReplaces(t *testing.T) {
	a := Marker{Version: "1.0.0", Tag: "v1.0.0", Branch: "main"}
	b := Marker{Version: "1.1.0", Tag: "v1.1.0", Branch: "main"}
	body := WithMarker(WithMarker("# notes\n", a), b)
	if strings.Count(body, markerOpen) != 1 {
		t.Fatalf("body holds %d markers:\n%s", strings.Count(body, markerOpen), body)
	}
	if m, ok := ParseMarker(body); !ok || m.Version != "1.1.0" {
		t.Fatalf("ParseMarker = %+v, %v", m, ok)
	}
	if !strings.HasPrefix(body, "# notes\n") {
		t.Fatalf("body lost its text: %q", body)
	}
}

func FuzzParseMarker(f *testing.F) {
	f.Add(Marker{Version: "1.0.0", Tag: "v1.0.0", Branch: "main"}.Encode())
	f.Add("x\n<!-- releasebot: {\"version\":\"1\"} -->")
	f.Add("<!-- releasebot: ")
	f.Fuzz(func(t *testing.T, body string) {
		m, ok := ParseMarker(body)
		if !ok {
			return
		}
		// What parses encodes to a line that parses to the same marker and
		// cannot close the comment early.
		line := m.Encode()
		inner := strings.TrimSuffix(strings.TrimPrefix(line, markerOpen), markerClose)
		if strings.Contains(inner, "--") || strings.Contains(inner, ">") {
			t.Fatalf("Encode leaks a comment end: %s", line)
		}
		m2, ok := ParseMarker("text\n" + line)
		if !ok || m2.Version != m.Version || m2.Tag != m.Tag || m2.Branch != m.Branch {
			t.Fatalf("round trip: %+v → %s → %+v, %v", m, line, m2, ok)
		}
	})
}
