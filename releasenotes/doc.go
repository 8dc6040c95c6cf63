// Package releasenotes owns the release's history and its notes: the
// history model (commits, tags, the current release), Conventional Commits,
// the next version, categories, the runbook checklist, and
// RELEASE_NOTES.md rendered with text/template.
//
// A source reads the history (internal/githistory from a local clone, with
// History.Add and History.Finish); the flow is then Build → Template.Render.
// GitHub metadata (pull requests, labels, logins) is optional: callers that
// have it set Change.PR and Change.Author.Login (AttachPullRequests) before
// Build, and the same template renders both. A repository may override the
// template at TemplatePath; see DefaultTemplateText for the blocks and
// functions.
//
// The package imports no SDK, no net/http and no os/exec.
package releasenotes
