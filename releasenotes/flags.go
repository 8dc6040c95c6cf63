package releasenotes

import (
	"fmt"
	"slices"
	"sort"
)

// FlagState is one flag in one environment as the flag file has it. The
// caller fills it (from chatops/flags); releasenotes does not read the file.
type FlagState struct {
	Name    string `json:"name"`
	Env     string `json:"env"`
	Default bool   `json:"default"`
	Canary  bool   `json:"canary"`
	// Override is "on", "off" or "" for none.
	Override string `json:"override,omitempty"`
	// CanaryPercent is the environment's canary_percent.
	CanaryPercent int `json:"canary_percent"`
}

// FlagTable is the state of the flags a release touches, per environment.
type FlagTable struct {
	// File names the flag file the states come from.
	File string `json:"file,omitempty"`
	// Envs are the environments, in the order of the caller's FlagState list.
	Envs []string  `json:"envs"`
	Rows []FlagRow `json:"rows"`
}

// FlagRow is one flag: its state in each environment, in Envs order.
type FlagRow struct {
	Name string `json:"name"`
	// Cells read "on", "off", "off · canary 10%", "off (override)", or "—"
	// when the environment does not have the flag.
	Cells []string `json:"cells"`
	// Known is false when no environment of the flag file has the flag.
	Known bool `json:"known"`
}

// Names lists the flags of the table.
func (t FlagTable) Names() []string {
	out := make([]string, len(t.Rows))
	for i, r := range t.Rows {
		out[i] = r.Name
	}
	return out
}

// flagTable builds the table of the touched flags, sorted by name.
func flagTable(touched []string, states []FlagState, file string) FlagTable {
	t := FlagTable{File: file}
	names := map[string]bool{}
	for _, n := range touched {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	type key struct{ name, env string }
	byKey := map[key]FlagState{}
	for _, s := range states {
		if !slices.Contains(t.Envs, s.Env) {
			t.Envs = append(t.Envs, s.Env)
		}
		byKey[key{s.Name, s.Env}] = s
	}
	for _, n := range sorted {
		row := FlagRow{Name: n}
		for _, env := range t.Envs {
			s, ok := byKey[key{n, env}]
			if !ok {
				row.Cells = append(row.Cells, "—")
				continue
			}
			row.Known = true
			row.Cells = append(row.Cells, s.Describe())
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Describe says what everyone sees in the environment: the override, else
// the default, with the canary marking when the flag is off by default and
// on for the cohort.
func (s FlagState) Describe() string {
	switch {
	case s.Override != "":
		return s.Override + " (override)"
	case s.Default:
		return "on"
	case s.Canary:
		return fmt.Sprintf("off · canary %d%%", s.CanaryPercent)
	}
	return "off"
}
