package githubemu

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// paging reads per_page (default 30, at most 100) and page (from 1).
func paging(r *http.Request) (perPage, page int) {
	perPage, page = 30, 1
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		page = v
	}
	return perPage, page
}

// setLink writes the Link header GitHub's paginated lists carry for page of
// total items: next and last on the first page, prev/next/last/first in the
// middle, prev and first on the last, none when there is one page.
func setLink(w http.ResponseWriter, r *http.Request, perPage, page, total int) {
	last := (total + perPage - 1) / perPage
	if last <= 1 {
		return
	}
	var links []string
	if page > 1 {
		links = append(links, pageLink(r, perPage, page-1, "prev"))
	}
	if page < last {
		links = append(links, pageLink(r, perPage, page+1, "next"), pageLink(r, perPage, last, "last"))
	}
	if page > 1 {
		links = append(links, pageLink(r, perPage, 1, "first"))
	}
	w.Header().Set("Link", strings.Join(links, ", "))
}

// setCommitsLink writes the Link header of GET /commits, which GitHub
// builds its own way: next (and last) whenever the page is full, even when
// it is the last one, so that a client reads one more, empty, page; then
// first and prev after the first page.
func setCommitsLink(w http.ResponseWriter, r *http.Request, perPage, page, n, total int) {
	var links []string
	if n == perPage {
		links = append(links, pageLink(r, perPage, page+1, "next"), pageLink(r, perPage, (total+perPage-1)/perPage, "last"))
	}
	if page > 1 {
		links = append(links, pageLink(r, perPage, 1, "first"), pageLink(r, perPage, page-1, "prev"))
	}
	if len(links) > 0 {
		w.Header().Set("Link", strings.Join(links, ", "))
	}
}

// pageLink is one `<url>; rel="…"` of a Link header: the request's URL
// under /repositories/{id} with page p.
func pageLink(r *http.Request, perPage, p int, rel string) string {
	ri := info(r)
	q := r.URL.Query()
	q.Set("page", strconv.Itoa(p))
	if _, ok := q["per_page"]; !ok && perPage != 30 {
		q.Set("per_page", strconv.Itoa(perPage))
	}
	path := r.URL.Path
	if rest, ok := strings.CutPrefix(path, "/repos/"); ok {
		parts := strings.SplitN(rest, "/", 3)
		if len(parts) == 3 {
			if rs := ri.repo; rs != nil {
				path = "/repositories/" + strconv.FormatInt(rs.id, 10) + "/" + parts[2]
			}
		}
	}
	return fmt.Sprintf("<%s%s?%s>; rel=%q", ri.apiBase, path, encodeQuery(q), rel)
}

// encodeQuery keeps GitHub's parameter order readable: sorted, with page last.
func encodeQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		if k != "page" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	parts = append(parts, "page="+q.Get("page"))
	return strings.Join(parts, "&")
}

// pageOf slices items for the request's page and writes the Link header.
func pageOf[T any](w http.ResponseWriter, r *http.Request, items []T) []T {
	perPage, page := paging(r)
	setLink(w, r, perPage, page, len(items))
	start := (page - 1) * perPage
	if start >= len(items) {
		return []T{}
	}
	return items[start:min(start+perPage, len(items))]
}
