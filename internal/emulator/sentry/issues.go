package sentryemu

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxLimit is Sentry's largest page of issues.
const maxLimit = 100

func (e *Emulator) listIssues(w http.ResponseWriter, r *http.Request) {
	o := e.orgs[r.PathValue("org")]
	q := r.URL.Query()

	var projects []*project // nil: every project of the organization
	for _, raw := range q["project"] {
		id, err := strconv.Atoi(raw)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"detail": detailBadProject})
			return
		}
		if id == -1 {
			projects = nil
			break
		}
		p := e.projects[raw]
		if p == nil || p.org != o.slug {
			writeJSON(w, http.StatusForbidden, map[string]string{"detail": detailForbidden})
			return
		}
		projects = append(projects, p)
	}
	if slugs := q["projectSlug"]; len(slugs) > 0 {
		if len(q["project"]) > 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "Cannot query for both ids and slugs"})
			return
		}
		for _, s := range slugs {
			i := slices.IndexFunc(o.projects, func(p *project) bool { return p.slug == s })
			if i < 0 {
				writeJSON(w, http.StatusForbidden, map[string]string{"detail": detailForbidden})
				return
			}
			projects = append(projects, o.projects[i])
		}
	}
	search := "is:unresolved"
	if _, ok := q["query"]; ok {
		search = q.Get("query")
	}
	terms, err := parseSearch(search)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "Error parsing search query: " + err.Error()})
		return
	}
	limit := maxLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "invalid limit"})
			return
		}
		limit = max(min(n, maxLimit), 1)
	}
	cur := cursor{}
	if c := q.Get("cursor"); c != "" {
		var ok bool
		if cur, ok = parseCursor(c); !ok {
			writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "Invalid cursor parameter."})
			return
		}
	}

	var match []*Issue
	for _, is := range e.issues {
		if is.Org != o.slug {
			continue
		}
		if projects != nil && !slices.ContainsFunc(projects, func(p *project) bool { return p.slug == is.Project }) {
			continue
		}
		if envs := q["environment"]; len(envs) > 0 && !slices.Contains(envs, is.Environment) {
			continue
		}
		if !terms.match(is) {
			continue
		}
		match = append(match, is)
	}
	// Sentry's default sort is "date": the score is last seen in
	// milliseconds, newest first, ties by issue id, highest first.
	slices.SortStableFunc(match, func(a, b *Issue) int {
		if c := cmpInt(score(b), score(a)); c != 0 {
			return c
		}
		return cmpID(b.ID, a.ID)
	})
	scores := make([]int64, len(match))
	for i, is := range match {
		scores[i] = score(is)
	}
	lo, hi, prev, next := sequencePage(scores, limit, cur)
	page := []map[string]any{}
	for _, is := range match[lo:hi] {
		page = append(page, e.issueJSON(r, o, is))
	}
	w.Header().Set("Link", linkHeader(r, prev, next))
	writeJSON(w, http.StatusOK, page)
}

// score is an issue's sort value under Sentry's "date" sort.
func score(is *Issue) int64 { return is.LastSeen.UnixMilli() }

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpID(a, b string) int {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return cmpInt(x, y)
	}
	return strings.Compare(a, b)
}

// cursor is Sentry's pagination cursor, "value:offset:is_prev": value a
// score, offset the rows to skip among those with that score.
type cursor struct {
	value   float64
	offset  int
	isPrev  bool
	results bool
}

func (c cursor) String() string {
	p := 0
	if c.isPrev {
		p = 1
	}
	return strconv.FormatFloat(c.value, 'f', -1, 64) + ":" + strconv.Itoa(c.offset) + ":" + strconv.Itoa(p)
}

// parseCursor reads a cursor as Sentry's Cursor.from_string does: three
// colon-separated integers, the first possibly a float.
func parseCursor(s string) (cursor, bool) {
	bits := strings.Split(s, ":")
	if len(bits) != 3 {
		return cursor{}, false
	}
	var c cursor
	var err error
	if strings.Contains(bits[0], ".") {
		c.value, err = strconv.ParseFloat(bits[0], 64)
	} else {
		var v int64
		v, err = strconv.ParseInt(bits[0], 10, 64)
		c.value = float64(v)
	}
	if err != nil || c.value != c.value { // NaN
		return cursor{}, false
	}
	off, err1 := strconv.Atoi(bits[1])
	prev, err2 := strconv.Atoi(bits[2])
	if err1 != nil || err2 != nil || off < 0 {
		return cursor{}, false
	}
	c.offset, c.isPrev = off, prev != 0
	return c, true
}

// reverseBisectLeft is Sentry's reverse_bisect_left over scores in
// descending order: the first index in [0, hi) whose score is <= x.
func reverseBisectLeft(a []int64, x float64, hi int) int {
	if hi > len(a) || hi < 0 {
		hi = len(a)
	}
	lo := 0
	for lo < hi {
		mid := (lo + hi) / 2
		if float64(a[mid]) > x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// sequencePage is Sentry's SequencePaginator.get_result (reverse=True): the
// rows [lo, hi) of the page cur points at and the cursors around it.
func sequencePage(scores []int64, limit int, cur cursor) (lo, hi int, prev, next cursor) {
	n := len(scores)
	position := 0
	switch {
	case cur.value == 0 && cur.isPrev:
		position = n
	case cur.value != 0:
		position = reverseBisectLeft(scores, cur.value, n)
	}
	position += cur.offset
	if cur.isPrev {
		hi = min(position, n)
		lo = max(hi-limit, 0)
	} else {
		lo = min(max(position, 0), n)
		hi = min(lo+limit, n)
	}
	if n == 0 {
		return 0, 0, cursor{value: cur.value, offset: cur.offset, isPrev: true}, cursor{value: cur.value, offset: cur.offset}
	}
	ps := scores[min(lo, n-1)]
	prev = cursor{value: float64(ps), offset: lo - reverseBisectLeft(scores, float64(ps), lo), isPrev: true, results: lo > 0}
	ns := scores[min(hi, n-1)]
	next = cursor{value: float64(ns), offset: hi - reverseBisectLeft(scores, float64(ns), hi), results: hi < n}
	return lo, hi, prev, next
}

// linkHeader builds Sentry's Link header (Endpoint.build_cursor_link): the
// request's query without its cursor, then the cursor, with results="true"
// when following the link gives rows.
func linkHeader(r *http.Request, prev, next cursor) string {
	q := r.URL.Query()
	q.Del("cursor")
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	base := scheme + "://" + r.Host + r.URL.EscapedPath() + "?"
	if enc := q.Encode(); enc != "" {
		base += enc
	}
	link := func(c cursor, rel string) string {
		return fmt.Sprintf(`<%s&cursor=%s>; rel="%s"; results="%t"; cursor="%s"`, base, c, rel, c.results, c)
	}
	return link(prev, "previous") + ", " + link(next, "next")
}

func (e *Emulator) issueJSON(r *http.Request, o *org, is *Issue) map[string]any {
	var p *project
	for _, c := range o.projects {
		if c.slug == is.Project {
			p = c
		}
	}
	pj := map[string]any{"id": "0", "slug": is.Project, "name": is.Project, "platform": "go"}
	if p != nil {
		pj = projectJSON(p)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return map[string]any{
		"id":                  is.ID,
		"shortId":             is.ShortID,
		"title":               is.Title,
		"culprit":             is.Culprit,
		"permalink":           fmt.Sprintf("%s://%s/organizations/%s/issues/%s/", scheme, r.Host, o.slug, is.ID),
		"logger":              nil,
		"level":               is.Level,
		"status":              is.Status,
		"statusDetails":       map[string]any{},
		"substatus":           substatus(is.Status),
		"isPublic":            false,
		"platform":            "go",
		"project":             pj,
		"type":                "error",
		"metadata":            map[string]any{"title": is.Title},
		"numComments":         0,
		"assignedTo":          nil,
		"isBookmarked":        false,
		"isSubscribed":        false,
		"subscriptionDetails": nil,
		"hasSeen":             false,
		"annotations":         []any{},
		"issueType":           "error",
		"issueCategory":       "error",
		"isUnhandled":         false,
		"count":               strconv.Itoa(is.Count),
		"userCount":           is.UserCount,
		"firstSeen":           is.FirstSeen.UTC().Format(time.RFC3339Nano),
		"lastSeen":            is.LastSeen.UTC().Format(time.RFC3339Nano),
		"stats":               map[string]any{"24h": []any{}},
	}
}

func substatus(status string) any {
	switch status {
	case "unresolved":
		return "ongoing"
	case "ignored":
		return "archived_forever"
	}
	return nil
}

// searchTerm is one key:value of Sentry's search syntax.
type searchTerm struct {
	key, value string
	negate     bool
}

type searchTerms []searchTerm

// parseSearch reads the subset of Sentry's search syntax the emulator
// understands: key:value, key:"quoted value", !key:value, and free text
// matched against titles.
func parseSearch(s string) (searchTerms, error) {
	var out searchTerms
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		var tok string
		i := 0
		inQuote := false
		for ; i < len(s); i++ {
			c := s[i]
			if c == '\\' && inQuote && i+1 < len(s) {
				i++
				continue
			}
			if c == '"' {
				inQuote = !inQuote
			}
			if c == ' ' && !inQuote {
				break
			}
		}
		if inQuote {
			return nil, fmt.Errorf("unclosed quote in %q", s)
		}
		tok, s = s[:i], s[i:]
		t := searchTerm{}
		if strings.HasPrefix(tok, "!") {
			t.negate, tok = true, tok[1:]
		}
		k, v, ok := strings.Cut(tok, ":")
		if !ok || strings.HasPrefix(k, `"`) {
			t.key, t.value = "", unquote(tok)
		} else {
			t.key, t.value = k, unquote(v)
		}
		out = append(out, t)
	}
	return out, nil
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
		v = strings.ReplaceAll(v, `\"`, `"`)
	}
	return v
}

func (ts searchTerms) match(is *Issue) bool {
	for _, t := range ts {
		var ok bool
		switch t.key {
		case "is":
			switch t.value {
			case "unresolved", "resolved", "ignored":
				ok = is.Status == t.value
			case "archived":
				ok = is.Status == "ignored"
			default:
				ok = true
			}
		case "release":
			ok = slices.Contains(is.Releases, t.value)
		case "environment":
			ok = is.Environment == t.value
		case "level":
			ok = is.Level == t.value
		case "":
			ok = strings.Contains(strings.ToLower(is.Title), strings.ToLower(t.value))
		default:
			ok = true
		}
		if ok == t.negate {
			return false
		}
	}
	return true
}
