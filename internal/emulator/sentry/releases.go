package sentryemu

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type releaseBody struct {
	Version      *string          `json:"version"`
	Projects     []string         `json:"projects"`
	Ref          string           `json:"ref"`
	URL          string           `json:"url"`
	DateReleased *time.Time       `json:"dateReleased"`
	Refs         []map[string]any `json:"refs"`
	Commits      []map[string]any `json:"commits"`
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "JSON parse error - " + err.Error()})
		return false
	}
	return true
}

func (e *Emulator) createRelease(w http.ResponseWriter, r *http.Request) {
	o := e.orgs[r.PathValue("org")]
	var b releaseBody
	if !decode(w, r, &b) {
		return
	}
	errs := map[string][]string{}
	if b.Version == nil || *b.Version == "" {
		errs["version"] = []string{"This field is required."}
	}
	if len(b.Projects) == 0 {
		errs["projects"] = []string{"This field is required."}
	}
	for _, s := range b.Projects {
		if !slices.ContainsFunc(o.projects, func(p *project) bool { return p.slug == s }) {
			errs["projects"] = []string{"Invalid project slugs"}
		}
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, errs)
		return
	}
	// Creation is idempotent (get_or_create): an existing release gains the
	// new projects, and the answer is 208 Already Reported only when nothing
	// was added.
	rel, created := o.releases[*b.Version], false
	if rel == nil {
		created = true
		rel = &release{
			Version: *b.Version, Ref: b.Ref, URL: b.URL,
			DateCreated: e.now(), DateReleased: b.DateReleased,
		}
		o.releases[rel.Version] = rel
	}
	addedProject := false
	for _, p := range b.Projects {
		if !slices.Contains(rel.Projects, p) {
			rel.Projects = append(rel.Projects, p)
			addedProject = true
		}
	}
	if b.Commits != nil {
		e.setCommits(o, rel, b.Commits)
	}
	// Refs need repositories Sentry knows; the release stays created when
	// they do not, as Sentry's does.
	if len(b.Refs) > 0 && !e.setRefs(w, o, rel, b.Refs) {
		return
	}
	status := http.StatusCreated
	if !created && !addedProject {
		status = http.StatusAlreadyReported
	}
	writeJSON(w, status, e.releaseJSON(o, rel))
}

// setCommits records explicit commits; their repositories become known, as
// Sentry creates repositories named by commits.
func (e *Emulator) setCommits(o *org, rel *release, commits []map[string]any) {
	rel.Commits = commits
	for _, c := range commits {
		if name, _ := c["repository"].(string); name != "" {
			o.repos[name] = true
		}
	}
}

// setRefs records head commits of known repositories, or answers 400 as
// Sentry's Release.set_refs does (InvalidRepository) and returns false.
func (e *Emulator) setRefs(w http.ResponseWriter, o *org, rel *release, refs []map[string]any) bool {
	var invalid []string
	for _, ref := range refs {
		name, _ := ref["repository"].(string)
		if !o.repos[name] && !slices.Contains(invalid, name) {
			invalid = append(invalid, name)
		}
	}
	if len(invalid) > 0 {
		slices.Sort(invalid)
		writeJSON(w, http.StatusBadRequest, map[string][]string{"refs": {"Invalid repository names: " + strings.Join(invalid, ",")}})
		return false
	}
	rel.Refs = refs
	return true
}

func (e *Emulator) getRelease(w http.ResponseWriter, r *http.Request) {
	o := e.orgs[r.PathValue("org")]
	rel := o.releases[r.PathValue("version")]
	if rel == nil {
		notFound(w)
		return
	}
	writeJSON(w, http.StatusOK, e.releaseJSON(o, rel))
}

func (e *Emulator) updateRelease(w http.ResponseWriter, r *http.Request) {
	o := e.orgs[r.PathValue("org")]
	rel := o.releases[r.PathValue("version")]
	if rel == nil {
		notFound(w)
		return
	}
	var b releaseBody
	if !decode(w, r, &b) {
		return
	}
	if b.Ref != "" {
		rel.Ref = b.Ref
	}
	if b.URL != "" {
		rel.URL = b.URL
	}
	if b.DateReleased != nil {
		rel.DateReleased = b.DateReleased
	}
	if b.Commits != nil {
		e.setCommits(o, rel, b.Commits)
	}
	if len(b.Refs) > 0 && !e.setRefs(w, o, rel, b.Refs) {
		return
	}
	writeJSON(w, http.StatusOK, e.releaseJSON(o, rel))
}

func (e *Emulator) releaseJSON(o *org, rel *release) map[string]any {
	var projects []map[string]any
	for _, s := range rel.Projects {
		for _, p := range o.projects {
			if p.slug == s {
				// Release objects carry numeric project ids.
				projects = append(projects, map[string]any{"id": p.id, "slug": p.slug, "name": p.slug, "platform": "go", "newGroups": 0})
			}
		}
	}
	var lastDeploy any
	if n := len(rel.Deploys); n > 0 {
		lastDeploy = deployJSON(rel.Deploys[n-1])
	}
	var released any
	if rel.DateReleased != nil {
		released = rel.DateReleased.UTC().Format(time.RFC3339Nano)
	}
	return map[string]any{
		"id":           len(o.releases),
		"version":      rel.Version,
		"shortVersion": rel.Version,
		"status":       "open",
		"ref":          nilIfEmpty(rel.Ref),
		"url":          nilIfEmpty(rel.URL),
		"dateCreated":  rel.DateCreated.UTC().Format(time.RFC3339Nano),
		"dateReleased": released,
		"commitCount":  len(rel.Commits),
		"deployCount":  len(rel.Deploys),
		"lastDeploy":   lastDeploy,
		"newGroups":    0,
		"owner":        nil,
		"data":         map[string]any{},
		"projects":     projects,
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

type deployBody struct {
	Environment  string     `json:"environment"`
	Name         string     `json:"name"`
	URL          string     `json:"url"`
	DateStarted  *time.Time `json:"dateStarted"`
	DateFinished *time.Time `json:"dateFinished"`
	Projects     []string   `json:"projects"`
}

func (e *Emulator) createDeploy(w http.ResponseWriter, r *http.Request) {
	o := e.orgs[r.PathValue("org")]
	rel := o.releases[r.PathValue("version")]
	if rel == nil {
		notFound(w)
		return
	}
	var b deployBody
	if !decode(w, r, &b) {
		return
	}
	if b.Environment == "" {
		writeJSON(w, http.StatusBadRequest, map[string][]string{"environment": {"This field is required."}})
		return
	}
	e.nextID++
	d := Deploy{
		ID: strconv.Itoa(e.nextID), Release: rel.Version, Environment: b.Environment, Name: b.Name, URL: b.URL,
		DateStarted: b.DateStarted, DateFinished: e.now(), Projects: b.Projects,
	}
	if b.DateFinished != nil {
		d.DateFinished = *b.DateFinished
	}
	rel.Deploys = append(rel.Deploys, d)
	writeJSON(w, http.StatusCreated, deployJSON(d))
}

func (e *Emulator) listDeploys(w http.ResponseWriter, r *http.Request) {
	o := e.orgs[r.PathValue("org")]
	rel := o.releases[r.PathValue("version")]
	if rel == nil {
		notFound(w)
		return
	}
	out := []map[string]any{}
	for _, d := range rel.Deploys {
		out = append(out, deployJSON(d))
	}
	writeJSON(w, http.StatusOK, out)
}

func deployJSON(d Deploy) map[string]any {
	var started any
	if d.DateStarted != nil {
		started = d.DateStarted.UTC().Format(time.RFC3339Nano)
	}
	return map[string]any{
		"id":           d.ID,
		"environment":  d.Environment,
		"name":         nilIfEmpty(d.Name),
		"url":          nilIfEmpty(d.URL),
		"dateStarted":  started,
		"dateFinished": d.DateFinished.UTC().Format(time.RFC3339Nano),
	}
}
