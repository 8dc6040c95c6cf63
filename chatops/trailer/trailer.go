// Package trailer reads the trailers of a commit message ("Key: value"
// lines at its end) by git's rules, so that every store and the core agree
// with `git interpret-trailers --parse --no-divider` and `%(trailers)`.
//
// It is written by hand after git's trailer.c (v2.39) rather than by
// running git, because the core runs no commands and the GitHub store has
// no git.
package trailer

import "strings"

// Trailer is one trailer: its key as written and its value, trimmed, with
// continuation lines folded into one line.
type Trailer struct {
	Key, Value string
}

// List is a message's trailers in order.
type List []Trailer

// Get returns the value of the last trailer whose key is key, compared
// without case as git compares keys.
func (l List) Get(key string) (string, bool) {
	for i := len(l) - 1; i >= 0; i-- {
		if strings.EqualFold(l[i].Key, key) {
			return l[i].Value, true
		}
	}
	return "", false
}

// Has reports whether a trailer with key (without case) has exactly value.
func (l List) Has(key, value string) bool {
	for _, t := range l {
		if strings.EqualFold(t.Key, key) && t.Value == value {
			return true
		}
	}
	return false
}

// commentPrefix starts a comment line (git's core.commentChar default);
// comment lines are neither trailers nor prose to git.
const commentPrefix = "#"

// scissors ends a commit message being edited: what follows is not part of
// it (git's wt_status_locate_end).
const scissors = "\n" + commentPrefix + " ------------------------ >8 ------------------------\n"

// gitGenerated are the prefixes of trailers git itself writes; one of them
// in the last paragraph makes it a trailer block when a quarter of its lines
// are trailers.
var gitGenerated = []string{"Signed-off-by: ", "(cherry picked from commit "}

// Parse returns the trailers of msg: the lines of its last paragraph when
// that paragraph is all trailers or, holding a git-generated one, at least
// a quarter trailers. The first paragraph (the subject) is never trailers.
// A trailer line is a key of ASCII letters, digits and '-', optional spaces
// or tabs, ':' and the value; a line starting with whitespace continues the
// trailer above it; lines starting with '#' are comments. Keys keep their
// case; "---" does not end the message (commits have no patch part).
func Parse(msg string) List {
	end := endOfMessage(msg)
	buf := msg[:end]
	start := blockStart(buf)
	if start >= len(buf) {
		return nil
	}
	var lines []string
	last := -1 // the index in lines of the trailer a continuation joins
	for rest := buf[start:]; rest != ""; {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = ""
		}
		if last >= 0 && isSpace(line[0]) {
			lines[last] += line
			continue
		}
		lines = append(lines, line)
		last = -1
		if separator(line) >= 1 {
			last = len(lines) - 1
		}
	}
	var out List
	for _, line := range lines {
		if strings.HasPrefix(line, commentPrefix) {
			continue
		}
		sep := separator(line)
		if sep < 1 {
			continue
		}
		out = append(out, Trailer{Key: trim(line[:sep]), Value: unfold(trim(line[sep+1:]))})
	}
	return out
}

// endOfMessage cuts the scissors line and what follows, then the trailing
// run of comment lines, empty lines and an old "Conflicts:" block (git's
// ignored_log_message_bytes).
func endOfMessage(buf string) int {
	cutoff := len(buf)
	if strings.HasPrefix(buf, scissors[1:]) {
		cutoff = 0
	} else if i := strings.Index(buf, scissors); i >= 0 {
		cutoff = i + 1
	}
	boc, bol := 0, 0 // beginning of the comment run (0: none, as in git), of the line
	conflicts := false
	for bol < cutoff {
		next := len(buf)
		if i := strings.IndexByte(buf[bol:], '\n'); i >= 0 {
			next = bol + i + 1
		}
		switch line := buf[bol:]; {
		case strings.HasPrefix(buf[bol:cutoff], commentPrefix) || line[0] == '\n':
			if boc == 0 {
				boc = bol
			}
		case strings.HasPrefix(line, "Conflicts:\n"):
			conflicts = true
			if boc == 0 {
				boc = bol
			}
		case conflicts && line[0] == '\t':
			// a path of the conflicts block
		case boc != 0:
			boc, conflicts = 0, false
		}
		bol = next
	}
	if boc != 0 {
		return boc
	}
	return cutoff
}

// blockStart is where the trailer block of buf starts, or len(buf) when it
// has none (git's find_trailer_block_start).
func blockStart(buf string) int {
	// The first paragraph is the title and cannot be trailers.
	s := 0
	for s < len(buf) {
		if !strings.HasPrefix(buf[s:], commentPrefix) && isBlank(buf[s:]) {
			break
		}
		s = nextLine(buf, s)
	}
	endOfTitle := s

	onlySpaces := true
	recognized, trailers, nonTrailers, continuations := false, 0, 0, 0
	for l := lastLine(buf, len(buf)); l >= endOfTitle && l >= 0; l = lastLine(buf, l) {
		line := buf[l:]
		if strings.HasPrefix(line, commentPrefix) {
			nonTrailers += continuations
			continuations = 0
			continue
		}
		if isBlank(line) {
			if onlySpaces {
				continue
			}
			nonTrailers += continuations
			if (recognized && trailers*3 >= nonTrailers) || (trailers > 0 && nonTrailers == 0) {
				return nextLine(buf, l)
			}
			return len(buf)
		}
		onlySpaces = false
		if generated(line) {
			trailers++
			continuations = 0
			recognized = true
			continue
		}
		switch {
		case separator(line) >= 1 && !isSpace(line[0]):
			trailers++
			continuations = 0
		case isSpace(line[0]):
			continuations++
		default:
			nonTrailers += 1 + continuations
			continuations = 0
		}
	}
	return len(buf)
}

func generated(line string) bool {
	for _, p := range gitGenerated {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

// separator is the offset of the ':' ending a trailer's key, or -1: a key
// of ASCII letters, digits and '-', then optional spaces and tabs (git's
// find_separator with the default separators).
func separator(line string) int {
	space := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ':':
			return i
		case !space && (isAlnum(c) || c == '-'):
		case i > 0 && (c == ' ' || c == '\t'):
			space = true
		default:
			return -1
		}
	}
	return -1
}

// lastLine is the start of the line before offset len (git's last_line): a
// newline just before len belongs to that line.
func lastLine(buf string, n int) int {
	if n == 0 {
		return -1
	}
	if n == 1 {
		return 0
	}
	if i := strings.LastIndexByte(buf[:n-1], '\n'); i >= 0 {
		return i + 1
	}
	return 0
}

func nextLine(buf string, at int) int {
	if i := strings.IndexByte(buf[at:], '\n'); i >= 0 {
		return at + i + 1
	}
	return len(buf)
}

// isBlank: the line up to its newline is whitespace only.
func isBlank(line string) bool {
	for i := 0; i < len(line) && line[i] != '\n'; i++ {
		if !isSpace(line[i]) {
			return false
		}
	}
	return true
}

// isSpace is git's isspace: space, tab, LF and CR (not VT or FF).
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func trim(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

// unfold joins continuation lines: a newline and the whitespace after it
// become one space (git's unfold_value).
func unfold(v string) string {
	if !strings.Contains(v, "\n") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); {
		c := v[i]
		i++
		if c != '\n' {
			b.WriteByte(c)
			continue
		}
		for i < len(v) && isSpace(v[i]) {
			i++
		}
		b.WriteByte(' ')
	}
	return trim(b.String())
}
