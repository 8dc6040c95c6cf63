// Package action is the GitHub Actions runtime contract (DESIGN §2) and the
// release modes as ordered steps: inputs, the GITHUB_* context and the event
// file read through an injectable Runtime; outputs, the step summary and
// workflow commands written with the runner's escaping; the mode an event
// selects; and a runner of Steps whose skips and failures are never silent.
// It imports no SDK and no net/http: the GitHub lookups it needs are
// interfaces the adapters implement.
package action
