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
		if err != nil || n < 1 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "Invalid limit parameter."})
			return
		}
		limit = min(n, maxLimit)
	}
	offset := 0
	if c := q.Get("cursor"); c != "" {
		parts := strings.Split(c, ":")
		n, err := 0, error(nil)
		if len(parts) == 3 {
			n, err = strconv.Atoi(parts[1])
		}
		if len(parts) != 3 || err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "Invalid cursor parameter."})
			return
		}
		offset = n
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
	// Sentry's default sort is "date": last seen, newest first.
	slices.SortStableFunc(match, func(a, b *Issue) int { return b.LastSeen.Compare(a.LastSeen) })

	end := min(offset+limit, len(match))
	page := []map[string]any{}
	if offset < len(match) {
		for _, is := range match[offset:end] {
			page = append(page, e.issueJSON(r, o, is))
		}
	}
	w.Header().Set("Link", linkHeader(r, offset, limit, len(match)))
	writeJSON(w, http.StatusOK, page)
}

// linkHeader builds Sentry's Link header: previous and next cursors of the
// form value:offset:is_prev, with results="true" when that page has rows.
func linkHeader(r *http.Request, offset, limit, total int) string {
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
	prev := fmt.Sprintf("0:%d:1", max(offset-limit, 0))
	next := fmt.Sprintf("0:%d:0", offset+limit)
	link := func(cursor, rel string, results bool) string {
		return fmt.Sprintf(`<%s&cursor=%s>; rel="%s"; results="%t"; cursor="%s"`, base, cursor, rel, results, cursor)
	}
	return link(prev, "previous", offset > 0) + ", " + link(next, "next", offset+limit < total)
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
