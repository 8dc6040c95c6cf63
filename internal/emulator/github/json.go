package githubemu

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	gh "github.com/google/go-github/v62/github"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// decodeBody reads a JSON body into v, answering 400 "Problems parsing JSON"
// as GitHub does when it does not parse.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 100<<20))
	if err := dec.Decode(v); err != nil {
		apiError(w, http.StatusBadRequest, "Problems parsing JSON", docsBase)
		return false
	}
	return true
}

func ptr[T any](v T) *T { return &v }

func ts(t time.Time) *gh.Timestamp { return &gh.Timestamp{Time: t.UTC()} }
