package releasenotes

import "time"

// AuditStatus is the outcome of one self-audit check.
type AuditStatus string

// Statuses, as DESIGN §7 names them.
const (
	AuditPass AuditStatus = "pass"
	AuditWarn AuditStatus = "warn"
	AuditFail AuditStatus = "fail"
	AuditSkip AuditStatus = "skip"
)

// AuditRow is one check of the self-audit.
type AuditRow struct {
	Check    string      `json:"check"`
	Status   AuditStatus `json:"status"`
	Reason   string      `json:"reason"`
	Evidence string      `json:"evidence,omitempty"`
}

// AuditTable is the self-audit's result as the notes show it; the audit
// package fills it. No rows means the audit has not run yet.
type AuditTable struct {
	Rows []AuditRow `json:"rows"`
}

// Ran reports whether the audit has run.
func (t AuditTable) Ran() bool { return len(t.Rows) > 0 }

// Status is the worst outcome: fail, then warn, then pass; skips do not
// count. It is "" when the audit has not run, and skip when every check was
// skipped.
func (t AuditTable) Status() AuditStatus {
	if !t.Ran() {
		return ""
	}
	worst := AuditSkip
	rank := map[AuditStatus]int{AuditSkip: 0, AuditPass: 1, AuditWarn: 2, AuditFail: 3}
	for _, r := range t.Rows {
		if rank[r.Status] > rank[worst] {
			worst = r.Status
		}
	}
	return worst
}

// ProdStatus is the PROD section of the notes, filled in as the rollout
// goes. The zero value means the rollout has not started.
type ProdStatus struct {
	// Started is when the canary first went above 0%.
	Started time.Time `json:"started,omitzero"`
	// Canary is the current canary percentage.
	Canary int `json:"canary"`
	// Finished is when the rollout was declared complete.
	Finished time.Time `json:"finished,omitzero"`
	// Notes are lines a person or a later step adds.
	Notes []string `json:"notes,omitempty"`
}

// IsZero reports whether the rollout has not begun.
func (p ProdStatus) IsZero() bool {
	return p.Started.IsZero() && p.Canary == 0 && p.Finished.IsZero() && len(p.Notes) == 0
}

// RolloutEntry is one change of the rollout, as the Release's rollout log
// records it.
type RolloutEntry struct {
	When time.Time `json:"when"`
	// Who is "@login" or a Slack name, as the command's requester.
	Who     string `json:"who"`
	Command string `json:"command"`
	// Change is the change in words: "canary 10% → 50% (prod)".
	Change string `json:"change"`
	// Commit is the hash of the flag commit.
	Commit string `json:"commit,omitempty"`
}
