package githubemu

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	gh "github.com/google/go-github/v62/github"
)

func wantsRaw(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/vnd.github.raw") ||
		strings.Contains(r.Header.Get("Accept"), "application/vnd.github.v3.raw")
}

// getBlob serves GET /git/blobs/{sha}: 422 for a sha that is not 40 hex
// digits, 404 for no such blob.
func (s *Server) getBlob(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	if !fullSHA.MatchString(r.PathValue("sha")) {
		badSHA(w, "sha", docBlobs+"#get-a-blob")
		return
	}
	o, err := rs.git.readObject(r.Context(), r.PathValue("sha"))
	if err != nil || o.kind != "blob" {
		notFound(w)
		return
	}
	if wantsRaw(r) {
		w.Header().Set("Content-Type", "application/vnd.github.raw; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(o.data)
		return
	}
	writeJSON(w, http.StatusOK, &gh.Blob{
		SHA: ptr(o.sha), NodeID: nodeID("Blob", o.sha), Size: ptr(len(o.data)),
		URL: ptr(objectURL(info(r), rs, "blob", o.sha)), Content: ptr(wrap64(o.data)), Encoding: ptr("base64"),
	})
}

// createBlob serves POST /git/blobs as GitHub does: content is required and
// a string; with "encoding": "base64" it is decoded as Ruby's
// Base64.decode64 does, skipping what is not Base64 rather than refusing it,
// and any other encoding stores the text as it is.
func (s *Server) createBlob(w http.ResponseWriter, r *http.Request) {
	rs := s.repoOf(w, r)
	if rs == nil || s.emptyRepo(w, r, rs) {
		return
	}
	var body struct {
		Content  json.RawMessage `json:"content"`
		Encoding any             `json:"encoding"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	doc := docBlobs + "#create-a-blob"
	if len(body.Content) == 0 || string(body.Content) == "null" {
		validationFailed(w, doc, map[string]any{"resource": "Blob", "field": "content", "code": "missing_field"})
		return
	}
	var content string
	if json.Unmarshal(body.Content, &content) != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"message": "content must be a string", "documentation_url": doc, "status": "422",
			"errors": []map[string]any{{"resource": "Blob", "field": "content", "code": "invalid"}},
		})
		return
	}
	data := []byte(content)
	if body.Encoding == "base64" {
		data = decode64(content)
	}
	sha, err := rs.git.writeObject(r.Context(), "blob", data)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "Server Error", "")
		return
	}
	u := objectURL(info(r), rs, "blob", sha)
	w.Header().Set("Location", u)
	writeJSON(w, http.StatusCreated, map[string]string{"sha": sha, "url": u})
}

// decode64 decodes Base64 leniently, as Ruby's Base64.decode64 (what GitHub
// uses for blobs) does: characters outside the alphabet are skipped, the
// first "=" ends the data, and a trailing partial group keeps its whole
// bytes.
func decode64(s string) []byte {
	var clean strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			break
		}
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' {
			clean.WriteByte(c)
		}
	}
	enc := clean.String()
	if len(enc)%4 == 1 {
		enc = enc[:len(enc)-1]
	}
	out, _ := base64.RawStdEncoding.DecodeString(enc)
	return out
}
