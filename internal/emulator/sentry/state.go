package sentryemu

import "slices"

// Commits returns the explicit commits set on a release, as the client
// sent them (id, repository, message, author_name, …), and whether the
// release exists.
func (e *Emulator) Commits(orgSlug, version string) ([]map[string]any, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.orgs[orgSlug]
	if o == nil || o.releases[version] == nil {
		return nil, false
	}
	return slices.Clone(o.releases[version].Commits), true
}

// ReleaseCount returns how many releases an organization has.
func (e *Emulator) ReleaseCount(orgSlug string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if o := e.orgs[orgSlug]; o != nil {
		return len(o.releases)
	}
	return 0
}
