package githubemu

import (
	"net/http"
	"strconv"
)

const docsBase = "https://docs.github.com/rest"

// apiError writes GitHub's error body.
func apiError(w http.ResponseWriter, status int, msg, doc string) {
	if doc == "" {
		doc = docsBase
	}
	writeJSON(w, status, map[string]any{"message": msg, "documentation_url": doc, "status": strconv.Itoa(status)})
}

func notFound(w http.ResponseWriter) {
	apiError(w, http.StatusNotFound, "Not Found", docsBase)
}

// badSHA answers GitHub's 422 for a parameter that must be a full object
// id: "The sha parameter must be exactly 40 characters and contain only
// [0-9a-f]."
func badSHA(w http.ResponseWriter, param, doc string) {
	apiError(w, http.StatusUnprocessableEntity, "The "+param+" parameter must be exactly 40 characters and contain only [0-9a-f].", doc)
}

// validationFailed is GitHub's 422 with an errors list.
func validationFailed(w http.ResponseWriter, doc string, errs ...map[string]any) {
	if doc == "" {
		doc = docsBase
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message": "Validation Failed", "errors": errs, "documentation_url": doc, "status": "422",
	})
}

// missingField answers GitHub's 422 for a required field left out of a body.
func missingField(w http.ResponseWriter, field, doc string) {
	apiError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\""+field+"\" wasn't supplied.", doc)
}
