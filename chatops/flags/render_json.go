package flags

// jsonEnv is the json render: the environment's state and each flag's value
// outside the cohort, for tools that want neither dotenv nor flagd.
type jsonEnv struct {
	Environment   string              `json:"environment"`
	CanaryPercent int                 `json:"canary_percent"`
	Cohort        string              `json:"cohort"`
	Flags         map[string]jsonFlag `json:"flags"`
}

type jsonFlag struct {
	Default  string  `json:"default"`
	Canary   bool    `json:"canary"`
	Override *string `json:"override"`
}

func renderJSON(e *Environment) ([]byte, error) {
	doc := jsonEnv{Environment: e.Name, CanaryPercent: e.CanaryPercent, Cohort: e.CohortSeed(), Flags: map[string]jsonFlag{}}
	for _, fl := range e.Flags {
		jf := jsonFlag{Default: word(fl.Default), Canary: fl.Canary}
		if fl.Override != nil {
			w := word(*fl.Override)
			jf.Override = &w
		}
		doc.Flags[fl.Name] = jf
	}
	return marshalIndent(doc)
}
