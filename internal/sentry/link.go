package sentry

import "strings"

// Link is one entry of Sentry's Link header:
//
//	<https://sentry.io/api/0/…/?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"
//
// Results is false when following the link would give an empty page.
type Link struct {
	URL     string
	Rel     string
	Results bool
	Cursor  string
}

// ParseLinks parses a Link header (RFC 8288 with Sentry's results and cursor
// parameters). Entries it cannot read are left out; it never fails.
func ParseLinks(header string) []Link {
	var out []Link
	rest := header
	for {
		rest = strings.TrimLeft(rest, " \t,")
		if rest == "" || rest[0] != '<' {
			// Not an entry: skip to the next comma outside quotes.
			i := nextComma(rest)
			if i < 0 {
				return out
			}
			rest = rest[i+1:]
			continue
		}
		end := strings.IndexByte(rest, '>')
		if end < 0 {
			return out
		}
		l := Link{URL: rest[1:end]}
		rest = rest[end+1:]
		// Parameters: ; name="value" or ; name=value, until a comma.
		for {
			rest = strings.TrimLeft(rest, " \t")
			if rest == "" || rest[0] != ';' {
				break
			}
			rest = strings.TrimLeft(rest[1:], " \t")
			eq := strings.IndexAny(rest, "=;,")
			if eq < 0 || rest[eq] != '=' {
				// A parameter without a value: skip its name.
				if eq < 0 {
					rest = ""
				} else {
					rest = rest[eq:]
				}
				continue
			}
			name := strings.ToLower(strings.TrimSpace(rest[:eq]))
			rest = strings.TrimLeft(rest[eq+1:], " \t")
			var val string
			if rest != "" && rest[0] == '"' {
				q := strings.IndexByte(rest[1:], '"')
				if q < 0 {
					val, rest = rest[1:], ""
				} else {
					val, rest = rest[1:1+q], rest[2+q:]
				}
			} else {
				e := strings.IndexAny(rest, ";,")
				if e < 0 {
					e = len(rest)
				}
				val, rest = strings.TrimSpace(rest[:e]), rest[e:]
			}
			switch name {
			case "rel":
				l.Rel = val
			case "results":
				l.Results = val == "true"
			case "cursor":
				l.Cursor = val
			}
		}
		out = append(out, l)
	}
}

func nextComma(s string) int {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				return i
			}
		}
	}
	return -1
}

// NextLink returns the rel="next" link of a Link header when it has results.
func NextLink(header string) (Link, bool) {
	for _, l := range ParseLinks(header) {
		if l.Rel == "next" {
			return l, l.Results
		}
	}
	return Link{}, false
}
