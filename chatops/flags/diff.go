package flags

import (
	"fmt"
	"strings"
)

// Change is one difference between two flag states, in words.
type Change struct {
	Env  string
	Flag string // empty for an environment-level change
	What string // "canary", "override", "default", "cohort", "added", "removed"
	From string
	To   string
}

// String reads as the commit body and the reply show it:
// "canary 10% → 50% (prod)", "FF_NAV_FOOTER override: none → off (prod)".
func (c Change) String() string {
	switch {
	case c.Flag == "" && c.What == "canary":
		return fmt.Sprintf("canary %s → %s (%s)", c.From, c.To, c.Env)
	case c.Flag == "":
		return fmt.Sprintf("%s: %s → %s (%s)", c.What, c.From, c.To, c.Env)
	case c.What == "added" || c.What == "removed":
		return fmt.Sprintf("%s %s (%s)", c.Flag, c.What, c.Env)
	}
	return fmt.Sprintf("%s %s: %s → %s (%s)", c.Flag, c.What, c.From, c.To, c.Env)
}

// Diff lists what changed from a to b, environment by environment in b's
// order, flags in file order. Its work is linear in the number of flags: it
// looks names up in maps built once, not with Env and Flag.
func Diff(a, b *File) []Change {
	var out []Change
	envsA, envsB := byName(a.Environments, envName), byName(b.Environments, envName)
	for _, eb := range b.Environments {
		ea := envsA[eb.Name]
		if ea == nil {
			out = append(out, Change{Env: eb.Name, What: "environment", From: "none", To: "added"})
			continue
		}
		if ea.CanaryPercent != eb.CanaryPercent {
			out = append(out, Change{Env: eb.Name, What: "canary", From: pct(ea.CanaryPercent), To: pct(eb.CanaryPercent)})
		}
		if ea.CohortSeed() != eb.CohortSeed() {
			out = append(out, Change{Env: eb.Name, What: "cohort", From: ea.CohortSeed(), To: eb.CohortSeed()})
		}
		flagsA, flagsB := byName(ea.Flags, flagName), byName(eb.Flags, flagName)
		for _, fb := range eb.Flags {
			fa := flagsA[fb.Name]
			if fa == nil {
				out = append(out, Change{Env: eb.Name, Flag: fb.Name, What: "added"})
				continue
			}
			if fa.Default != fb.Default {
				out = append(out, Change{Env: eb.Name, Flag: fb.Name, What: "default", From: word(fa.Default), To: word(fb.Default)})
			}
			if fa.Canary != fb.Canary {
				out = append(out, Change{Env: eb.Name, Flag: fb.Name, What: "canary", From: fmt.Sprint(fa.Canary), To: fmt.Sprint(fb.Canary)})
			}
			if ov(fa.Override) != ov(fb.Override) {
				out = append(out, Change{Env: eb.Name, Flag: fb.Name, What: "override", From: ov(fa.Override), To: ov(fb.Override)})
			}
		}
		for _, fa := range ea.Flags {
			if flagsB[fa.Name] == nil {
				out = append(out, Change{Env: eb.Name, Flag: fa.Name, What: "removed"})
			}
		}
	}
	for _, ea := range a.Environments {
		if envsB[ea.Name] == nil {
			out = append(out, Change{Env: ea.Name, What: "environment", From: "present", To: "removed"})
		}
	}
	return out
}

func envName(e *Environment) string { return e.Name }
func flagName(f *Flag) string       { return f.Name }

// byName indexes items by name; the first of a repeated name wins, as with a
// scan.
func byName[T any](items []*T, name func(*T) string) map[string]*T {
	m := make(map[string]*T, len(items))
	for _, it := range items {
		if _, dup := m[name(it)]; !dup {
			m[name(it)] = it
		}
	}
	return m
}

func pct(p int) string { return fmt.Sprintf("%d%%", p) }

// OverrideWord is "on", "off" or "none".
func OverrideWord(o *bool) string { return ov(o) }

func ov(o *bool) string {
	if o == nil {
		return "none"
	}
	return word(*o)
}

// ParseChangeLine reads back a line written by Change.String, as found in a
// commit body ("- FF_X override: none → off (prod)"). ok is false for lines
// of any other form.
func ParseChangeLine(line string) (c Change, ok bool) {
	line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- "))
	open := strings.LastIndex(line, " (")
	if open < 0 || !strings.HasSuffix(line, ")") {
		return Change{}, false
	}
	c.Env = line[open+2 : len(line)-1]
	body := line[:open]
	if rest, found := strings.CutPrefix(body, "canary "); found {
		from, to, ok := strings.Cut(rest, " → ")
		if !ok {
			return Change{}, false
		}
		c.What, c.From, c.To = "canary", from, to
		return c, true
	}
	head, arrow, found := strings.Cut(body, ": ")
	if !found {
		return Change{}, false
	}
	from, to, ok := strings.Cut(arrow, " → ")
	if !ok {
		return Change{}, false
	}
	c.From, c.To = from, to
	if name, what, two := strings.Cut(head, " "); two {
		c.Flag, c.What = name, what
	} else {
		c.What = head
	}
	return c, true
}
