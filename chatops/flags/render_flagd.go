package flags

import (
	"bytes"
	"encoding/json"
)

// FlagdSchema is the JSON schema of flagd's flag definitions.
const FlagdSchema = "https://flagd.dev/schema/v0/flags.json"

type flagdDoc struct {
	Schema string               `json:"$schema"`
	Flags  map[string]flagdFlag `json:"flags"`
}

type flagdFlag struct {
	State          string          `json:"state"`
	Variants       map[string]bool `json:"variants"`
	DefaultVariant string          `json:"defaultVariant"`
	Targeting      any             `json:"targeting,omitempty"`
}

// renderFlagd writes a flagd flag definition that evaluates as Value does:
// an override or a non-canary flag is its value for everyone; a canary flag
// that is off by default is
//
//	{"fractional": [{"cat": [cohort, {"var": "targetingKey"}]}, ["on", P], ["off", 100-P]]}
//
// which buckets cohort+targetingKey exactly as Bucket does.
func renderFlagd(e *Environment) ([]byte, error) {
	doc := flagdDoc{Schema: FlagdSchema, Flags: map[string]flagdFlag{}}
	for _, fl := range e.Flags {
		f := flagdFlag{State: "ENABLED", Variants: map[string]bool{"on": true, "off": false}}
		switch {
		case fl.Override != nil:
			f.DefaultVariant = word(*fl.Override)
		case fl.Canary && !fl.Default:
			f.DefaultVariant = "off"
			f.Targeting = map[string]any{"fractional": []any{
				map[string]any{"cat": []any{e.CohortSeed(), map[string]any{"var": "targetingKey"}}},
				[]any{"on", e.CanaryPercent},
				[]any{"off", 100 - e.CanaryPercent},
			}}
		default:
			f.DefaultVariant = word(fl.Default)
		}
		doc.Flags[fl.Name] = f
	}
	return marshalIndent(doc)
}

func marshalIndent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
