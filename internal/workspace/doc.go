// Package workspace prepares the Action's checkout (GITHUB_WORKSPACE) for
// releasebot's own git calls (DESIGN §2, "Image" and "Checkout"):
//
//   - Inside the container the workspace belongs to the runner's uid, not
//     root's, and git refuses it ("detected dubious ownership"). Env marks
//     the workspace safe for the git processes releasebot starts, through
//     git's environment configuration (GIT_CONFIG_COUNT/KEY/VALUE, git ≥
//     2.31), the "command" scope, which git counts as protected
//     configuration and so honours for safe.directory (tested with the
//     image's git 2.39; git 2.35.2's first form of the check read only the
//     system and global files). No configuration file is
//     written: the user's global and the repository's local config are left
//     as they are.
//   - actions/checkout fetches one commit and no tags by default. Prepare
//     fetches the history and the tags from origin with the credentials the
//     checkout left in the repository's config, and says so in the log; when
//     that fails it returns the one line to add to the workflow
//     (fetch-depth: 0). Credentials never reach an error or a log line.
package workspace
