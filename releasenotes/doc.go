// Package releasenotes owns the release's history and its notes: reading the
// commits since the last release tag from a local clone (git CLI, streamed),
// Conventional Commits, the next version, categories, the runbook checklist,
// and RELEASE_NOTES.md rendered with text/template.
//
// The flow is Repo.History → Build → Template.Render. GitHub metadata (pull
// requests, labels, logins) is optional: callers that have it set
// Change.PR and Change.Author.Login (AttachPullRequests) before Build, and
// the same template renders both. A repository may override the template at
// TemplatePath; see DefaultTemplateText for the blocks and functions.
//
// The package imports no SDK and no net/http.
package releasenotes
